"""Helpers shared by the integration, fuzz and load suites: reading pages as a browser would,
a client that never waits, and a dashboard served by gunicorn."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from flask import Flask

from benchmarks import apps
from benchmarks.server import Gunicorn
from dashboard.debitura import CustomerApi, DebituraClient, ReferralApi, TokenCache
from dashboard.services.token_store import DatabaseTokenStore

# Attributes a click or a load follows: a javascript: URL in any of them runs script.
CLICKABLE = ("href", "src", "action", "formaction", "xlink:href", "poster", "data", "background")


def client_that_records_waits(app: Flask) -> list[float]:
    """Rebuild the app's Debitura client so retries note their back-off instead of sleeping through it.

    Same sessions (so the same sandbox), same timeouts and retry rules; only the clock is not
    waited on, which keeps a run with thousands of injected faults fast. Returns the list of waits.
    """
    waits: list[float] = []
    current: DebituraClient = app.extensions["debitura"]
    timeout = (3.05, app.config["DEBITURA_TIMEOUT"])
    referral = ReferralApi(current.referral.base_url, app.config["DEBITURA_API_KEY"],
                           session=current.referral.session, timeout=timeout, sleep=waits.append)
    customer = CustomerApi(current.customer.base_url, session=current.customer.session, timeout=timeout, sleep=waits.append)
    app.extensions["debitura"] = DebituraClient(referral, customer, TokenCache(referral, DatabaseTokenStore(app)))
    return waits


class Page(HTMLParser):
    """The parts of a page the suites look at: form controls, labels, field errors, URLs a click follows."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.html = html
        self.controls: dict[str, dict[str, str]] = {}  # id -> attributes of input/select/textarea
        self.values: dict[str, list[str]] = {}  # name -> values of inputs (and textarea text)
        self.labels: dict[str, str] = {}  # for -> label text
        self.errors: dict[str, str] = {}  # element id -> text of elements with class "error"
        self.clickable: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.event_handlers: list[tuple[str, str]] = []  # (tag, on* attribute)
        self.inline_scripts = 0
        self.alerts: list[str] = []  # texts of role="alert" elements (form-level errors)
        self.error_groups: dict[str, str] = {}  # error element id -> legend of the fieldset around it
        self._legends: list[str] = []  # legend of each open fieldset
        self._open: list[tuple[str, str | None, str]] = []  # (tag, kind, key) being collected
        self._buffers: dict[int, list[str]] = {}
        self._texts: list[str] = []
        self.feed(self.html)
        self.close()
        self.text = " ".join(" ".join(self._texts).split())

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        for name, value in attributes.items():
            if name.startswith("on"):
                self.event_handlers.append((tag, name))
            if name in CLICKABLE or name in ("hx-get", "hx-post", "hx-put", "hx-delete"):
                self.clickable.append((tag, name, value))
        if tag == "script" and "src" not in attributes:
            self.inline_scripts += 1
        if tag in ("input", "select", "textarea") and attributes.get("id"):
            self.controls[attributes["id"]] = attributes
        if tag == "input" and attributes.get("name") and attributes.get("type") not in ("checkbox", "radio"):
            self.values.setdefault(attributes["name"], []).append(attributes.get("value", ""))
        if tag == "input" and attributes.get("type") in ("checkbox", "radio") and "checked" in attributes:
            self.values.setdefault(attributes.get("name", ""), []).append(attributes.get("value", "on"))
        if tag == "fieldset":
            self._legends.append("")
        if tag == "legend" and self._legends:
            self._start(tag, "legend", "")
        elif tag == "label" and attributes.get("for"):
            self._start(tag, "label", attributes["for"])
        elif "error" in attributes.get("class", "").split() and attributes.get("id"):
            if self._legends and self._legends[-1]:
                self.error_groups[attributes["id"]] = self._legends[-1]
            self._start(tag, "error", attributes["id"])
        elif attributes.get("role") == "alert":
            self._start(tag, "alert", "")
        elif tag == "textarea" and attributes.get("name"):
            self._start(tag, "textarea", attributes["name"])

    def _start(self, tag: str, kind: str, key: str) -> None:
        self._open.append((tag, kind, key))
        self._buffers[len(self._open) - 1] = []

    def handle_endtag(self, tag):
        if tag == "fieldset" and self._legends:
            self._legends.pop()
        if self._open and self._open[-1][0] == tag:
            _, kind, key = self._open.pop()
            text = " ".join("".join(self._buffers.pop(len(self._open), [])).split())
            if kind == "legend" and self._legends:
                self._legends[-1] = text
            elif kind == "alert":
                self.alerts.append(text)
            elif kind == "label":
                self.labels[key] = text
            elif kind == "error":
                self.errors[key] = text
            elif kind == "textarea":
                self.values.setdefault(key, []).append(text)

    def handle_data(self, data):
        self._texts.append(data)
        for index in range(len(self._open)):
            self._buffers[index].append(data)

    # -------------------------------------------------------------- questions the suites ask

    def field_errors(self) -> list[tuple[str, str, str]]:
        """(field id, its label, the message) for every error that names its field.

        An error names its field when it is shown next to it (the `<id>-error` element of a
        labelled control, or inside the field's fieldset with its legend), or when a form-level
        alert says the field's label in words.
        """
        found = []
        for error_id, message in self.errors.items():
            field_id = error_id.removesuffix("-error")
            label = self.labels.get(field_id) or self.error_groups.get(error_id)
            if label and message:
                found.append((field_id, label, message))
        labels = {label.lower(): field_id for field_id, label in self.labels.items() if len(label) > 2}
        for alert in self.alerts:
            for label, field_id in labels.items():
                if label in alert.lower():
                    found.append((field_id, label, alert))
        return found

    def value(self, name: str) -> str | None:
        values = self.values.get(name)
        return values[0] if values else None

    def script_urls(self) -> list[tuple[str, str, str]]:
        """Clickable attributes whose URL would run script (after the browser's own decoding and trimming)."""
        dangerous = []
        for tag, attribute, value in self.clickable:
            cleaned = re.sub(r"[\x00-\x20]", "", unescape(value)).lower()
            if cleaned.startswith(("javascript:", "vbscript:", "data:text/html")):
                dangerous.append((tag, attribute, value))
        return dangerous


def page(response) -> Page:
    return Page(response.get_data(as_text=True))


class ServedDashboard:
    """A dashboard on its own databases: an app object to set data up in-process, and gunicorn serving it.

    gunicorn runs `benchmarks.wsgi_app` on a free loopback port, configured through environment
    variables only, and `close()` always stops it.
    """

    def __init__(self, database_url: str, sandbox_url: str) -> None:
        self.env = apps.settings(database_url, sandbox_url)
        self.app = apps.build(database_url, sandbox_url)
        apps.prepare(self.app)
        self.server: Gunicorn | None = None

    @property
    def url(self) -> str:
        return self.server.url

    def serve(self, *, workers: int, threads: int = 4, **env: str) -> Gunicorn:
        self.server = Gunicorn({**self.env, **env}, workers=workers, threads=threads)
        self.server.start()
        return self.server

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
        apps.dispose(self.app)
