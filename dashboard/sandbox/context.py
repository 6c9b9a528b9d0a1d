"""What a sandbox view reaches through the app that serves it: the config, the store, the request's
session, and the two actions the control panel starts but does not own (webhook delivery, reset).

The app factory puts one `AppParts` into `app.extensions["sandbox"]`; views read it through the
functions here, so no view imports whatever assembled the sandbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy.orm import Session

from dashboard.sandbox.config import SandboxConfig
from dashboard.sandbox.store import Store


@dataclass(frozen=True)
class AppParts:
    config: SandboxConfig
    store: Store
    deliver: Callable[[], int]  # send every webhook that is due; returns how many were attempted
    reset: Callable[[], None]  # drop all sandbox data and load the demo again


def parts() -> AppParts:
    return current_app.extensions["sandbox"]


def sandbox_config() -> SandboxConfig:
    return parts().config


def db() -> Session:
    """The ORM session of this request (closed, uncommitted work rolled back, at teardown)."""
    if "sbx_session" not in g:
        g.sbx_session = parts().store.new_session()
    return g.sbx_session


def close_session(_error: BaseException | None = None) -> None:
    session = g.pop("sbx_session", None)
    if session is not None:
        session.close()
