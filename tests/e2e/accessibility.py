"""axe-core on every state a browser test reaches; serious and critical violations fail the test.

A script in each document marks the page as changed (load, htmx swaps, dialogs, anything else that
mutates the DOM) by showing a tiny marker element. Playwright's locator handler sees the marker before
the test's next action or web-first assertion, so axe runs on the page exactly as the test left it,
while the test waits: nothing races the check and nothing sleeps. While an htmx request or swap is
under way the check waits for the next step, so it sees the settled state. Each page's final state is checked
when the test ends. Identical DOM states are checked once per run. A state the test leaves without
acting or asserting on it (two `goto` in a row) is not checked; the state it goes on to is.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import BrowserContext, Error, Page

FAILING_IMPACTS = ("serious", "critical")
# axe leaves some findings for review because the page could still change; at a checked state they
# are settled. An ARIA reference to an id that is not on the page (aria-describedby="None") is one.
SETTLED_WHEN_CHECKED = {("aria-valid-attr-value", "noId")}
MARKER = "axe-pending"

# Shows the marker after any DOM change, ignoring the marker's own comings and goings, and notes the
# elements that changed since the last check.
WATCH_SCRIPT = """
(() => {
  const MARKER = "%(marker)s";
  const isMarker = (node) => node.nodeName === MARKER.toUpperCase();
  const watch = {changed: new Set(), checked: false, scope: null};
  Object.defineProperty(window, "__axeWatch", {value: watch});
  const show = () => {
    const root = document.documentElement;
    if (!root || root.querySelector(MARKER)) return;
    const marker = document.createElement(MARKER);
    marker.setAttribute("aria-hidden", "true");
    marker.style.cssText = "position:fixed;top:0;left:0;width:1px;height:1px;opacity:0;pointer-events:none;display:block";
    root.appendChild(marker);
  };
  const observer = new MutationObserver((records) => {
    let relevant = false;
    for (const record of records) {
      if (isMarker(record.target)) continue;
      if (record.type === "childList" && [...record.addedNodes, ...record.removedNodes].every(isMarker)) continue;
      relevant = true;
      const element = record.target.nodeType === Node.ELEMENT_NODE ? record.target : record.target.parentElement;
      if (element) watch.changed.add(element);
    }
    if (relevant) show();
  });
  const start = () => {
    observer.observe(document.documentElement, {subtree: true, childList: true, attributes: true, characterData: true});
    show();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
""" % {"marker": MARKER}

# Takes the marker away and returns the DOM as it now stands; null while an htmx request or swap is
# under way (unless `settled` is not required), so that the state is checked once it has settled.
# After a document's first check, axe looks only at what changed since, and at every element that
# refers to others by id (a change elsewhere can break its reference): a check then takes a fraction of
# the time, so that feedback which lasts a moment ("Copied") is still there when the test looks for it.
SETTLE_SCRIPT = """
([marker, settled]) => {
  if (settled && document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling")) return null;
  document.querySelectorAll(marker).forEach((m) => m.remove());
  const watch = window.__axeWatch;
  if (watch) {
    const changed = [...watch.changed].filter((element) => element.isConnected);
    const roots = changed.filter((element) => !changed.some((other) => other !== element && other.contains(element)));
    const whole = !watch.checked || !roots.length || roots.some((root) => root.contains(document.body));
    const referring = document.querySelectorAll("[aria-describedby], [aria-labelledby], [aria-controls], "
      + "[aria-owns], [aria-activedescendant], [aria-errormessage], [aria-details], label[for]");
    watch.scope = whole ? null : [...new Set([...roots, ...referring])];
    watch.changed.clear();
    watch.checked = true;
  }
  return document.documentElement.outerHTML;
}
"""

# axe finishes through setTimeout: under a Playwright fake clock (page.clock) it lends itself the real
# timers for the run, or a paused clock would hold it forever.
AXE_RUN = """
async () => {
  const clock = window.__pwClock;
  const timers = {setTimeout: window.setTimeout, clearTimeout: window.clearTimeout};
  if (clock) Object.assign(window, {setTimeout: clock.builtins.setTimeout, clearTimeout: clock.builtins.clearTimeout});
  try {
    const scope = window.__axeWatch && window.__axeWatch.scope;
    const context = scope ? {include: scope} : document;
    const results = await axe.run(context, {resultTypes: ["violations", "incomplete"], iframes: false});
    return {violations: results.violations, incomplete: results.incomplete};
  } finally {
    if (clock) Object.assign(window, timers);
  }
}
"""


@dataclass(frozen=True)
class Violation:
    url: str
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]
    summary: str

    def describe(self) -> str:
        lines = [f"{self.rule} [{self.impact}] {self.help} at {self.url}"]
        lines += [f"    {target}" for target in self.targets]
        if self.summary:
            lines.append(f"    {self.summary}")
        return "\n".join(lines)


def violations_on(page: Page) -> list[Violation]:
    """Runs axe on the page as it stands; only the violations that fail a test."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    results = page.evaluate(AXE_RUN)
    found = []
    for violation in results["violations"] + [_settled(review) for review in results["incomplete"]]:
        if violation["impact"] not in FAILING_IMPACTS or not violation["nodes"]:
            continue
        nodes = violation["nodes"]
        summary = nodes[0].get("failureSummary", "").replace("\n", " ")
        found.append(
            Violation(
                url=page.url,
                rule=violation["id"],
                impact=violation["impact"],
                help=violation["help"],
                targets=tuple(" ".join(node["target"]) for node in nodes),
                summary=summary,
            )
        )
    return found


def _settled(review: dict) -> dict:
    """The nodes of a needs-review result whose finding is settled at a checked state."""

    def settled(node: dict) -> bool:
        checks = node["any"] + node["all"] + node["none"]
        return any((review["id"], check["data"].get("messageKey")) in SETTLED_WHEN_CHECKED
                   for check in checks if isinstance(check.get("data"), dict))

    return {**review, "nodes": [node for node in review["nodes"] if settled(node)]}


@dataclass
class Totals:
    """What the checks cost over a whole run: axe runs, states skipped as already checked, seconds."""

    checks: int = 0
    axe_runs: int = 0
    seconds: float = 0.0
    results: dict[str, list[Violation]] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"accessibility: {self.checks} page states checked, {self.axe_runs} axe-core runs "
            f"({self.checks - self.axe_runs} states seen before), {self.seconds:.1f} s"
        )


TOTALS = Totals()


def _origin(url: str) -> tuple[str, str]:
    scheme, netloc, *_ = urlsplit(url)
    return scheme, netloc


@dataclass
class AccessibilityCheck:
    """Watches every page of the browser contexts it is given; `report()` lists what axe found."""

    totals: Totals = field(default_factory=lambda: TOTALS)
    violations: list[Violation] = field(default_factory=list)
    contexts: list[BrowserContext] = field(default_factory=list)
    reported: int = 0
    # Pages of other parties a test passes through (an identity provider's sign-in page): not ours to fix.
    foreign_origins: set[str] = field(default_factory=set)

    def watch(self, context: BrowserContext) -> None:
        self.contexts.append(context)
        context.add_init_script(WATCH_SCRIPT)
        context.on("page", self._watch_page)
        for page in context.pages:
            self._watch_page(page)

    def _watch_page(self, page: Page) -> None:
        page.add_locator_handler(page.locator(MARKER), lambda: self.check(page), no_wait_after=True)

    def check(self, page: Page, *, settled: bool = True) -> None:
        if page.url.startswith("chrome-error:"):
            return  # Chromium's own "site can't be reached" page
        if _origin(page.url) in {_origin(url) for url in self.foreign_origins}:
            return
        started = time.perf_counter()
        results = self.totals.results
        try:
            html = page.evaluate(SETTLE_SCRIPT, [MARKER, settled])
            if html is None:
                return  # the marker stays: the test's next step checks the settled state
            key = hashlib.sha256(f"{page.url}\n{html}".encode()).hexdigest()
            self.totals.checks += 1
            if key not in results:
                self.totals.axe_runs += 1
                results[key] = violations_on(page)
        except Error:
            return  # the page navigated or closed meanwhile; its next state is checked instead
        finally:
            self.totals.seconds += time.perf_counter() - started
        for violation in results[key]:
            if violation not in self.violations:
                self.violations.append(violation)

    def check_final_states(self) -> None:
        for context in self.contexts:
            for page in context.pages:
                if not page.is_closed():
                    self.check(page, settled=False)

    def report(self) -> str:
        """The violations found since the last report, for a person to read; empty when there are none."""
        new, self.reported = self.violations[self.reported:], len(self.violations)
        if not new:
            return ""
        heading = f"{len(new)} serious or critical accessibility violation(s) found by axe-core:"
        return "\n".join([heading, *(violation.describe() for violation in new)])
