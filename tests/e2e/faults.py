"""Browser tests with faults on, primed the way a trainer primes them: by clicking through the sandbox control panel.

`fault_server` serves one app per test module (CSRF on, retries without their pauses, so a fault
costs no waiting); `ControlPanel` opens the panel in a tab of its own, so the dashboard page and
what was typed into it stay open, exactly as when a trainer switches a fault on during a session.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import live


@dataclass(frozen=True)
class FaultKind:
    """A fault as the control panel names it, and the words the operator must then read."""

    kind: str
    panel_label: str
    message: str

    def __str__(self) -> str:  # readable test ids
        return self.kind


RESET = FaultKind("connection_reset", "Connection reset",
                  "Debitura is not responding; nothing was changed (the connection failed). Try again in a minute.")
TIMEOUT = FaultKind("timeout_before", "Timeout before the work is done",
                    "Debitura did not answer within 10 s, so it may or may not have acted.")
HTTP_500 = FaultKind("http_500", "HTTP 500 error",
                     "Debitura had an internal error (HTTP 500); nothing was confirmed. Try again in a minute")
# The panel primes a 429 with Debitura's own hint, retryAfter 2 s.
HTTP_429 = FaultKind("http_429", "HTTP 429 rate limited",
                     "Debitura is limiting how fast the dashboard may call it; nothing was changed. Try again in 2 s.")
FAULT_KINDS = (RESET, TIMEOUT, HTTP_500, HTTP_429)
# The first try and both retries of a call that may be repeated, plus one for a call made right after.
CALLS_TO_FAIL = 4


class ControlPanel:
    """The sandbox control panel, used in its own tab of the operator's browser."""

    def __init__(self, page: Page) -> None:
        self._context = page.context

    def _open(self) -> Page:
        panel = self._context.new_page()
        panel.goto("/sandbox/control/")
        expect(panel.get_by_role("heading", name="Faults")).to_be_visible()
        return panel

    def switch_on(self, fault: FaultKind, calls: int = CALLS_TO_FAIL) -> None:
        panel = self._open()
        panel.get_by_label("Fault", exact=True).select_option(label=fault.panel_label)
        panel.get_by_label("The next calls").check()
        panel.get_by_label("Number of calls").fill(str(calls))
        panel.get_by_role("button", name="Switch the fault on").click()
        expect(panel.get_by_role("status").filter(has_text=f"{fault.panel_label} on the next {calls} call(s).")).to_be_visible()
        panel.close()

    def clear(self) -> None:
        panel = self._open()
        clear = panel.get_by_role("button", name="Clear all faults")
        if clear.count():  # the button shows only while some fault is still primed
            clear.click()
            expect(panel.get_by_text("All faults cleared.")).to_be_visible()
        expect(panel.get_by_text("No faults are primed: every call succeeds.")).to_be_visible()
        panel.close()


def serve(tmp_path_factory, **overrides):
    """Generator for a module-scoped `live_server` with faults in mind: no background deliveries, no retry pauses."""
    yield from live.serve(tmp_path_factory, "faults-e2e", retry_pauses=False, SANDBOX_AUTO_DELIVER=False, **overrides)


def alert(page: Page, text: str):
    """The alert that says `text`, in the flash region or beside a form."""
    return page.get_by_role("alert").filter(has_text=text)


@pytest.fixture
def control_panel(page) -> ControlPanel:
    return ControlPanel(page)
