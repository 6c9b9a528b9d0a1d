"""The countries and collection partners the case filters offer, as Debitura names them (`GET /referral-partner/filter-options`).

The answer changes only when a case in a new country arrives or a carve-out changes, and the cases list
asks on every search keystroke, so it is kept for a few minutes per app; a failure is not kept.
"""

from __future__ import annotations

import time

from flask import current_app

from dashboard.debitura import DebituraClient, DebituraError, FilterOptions

KEEP_SECONDS = 300


def current(*, debitura: DebituraClient, now=time.monotonic) -> FilterOptions | None:
    """The filter options, or None while Debitura does not give them (the filters are then left out)."""
    kept = current_app.extensions.get("filter_options")
    if kept is not None and now() - kept[0] < KEEP_SECONDS:
        return kept[1]
    try:
        options = debitura.referral.filter_options()
    except DebituraError as error:
        current_app.logger.warning("filter options unavailable: %r", error)
        return None
    current_app.extensions["filter_options"] = (now(), options)
    return options
