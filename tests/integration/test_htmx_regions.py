"""Every swappable region of every page keeps the one region contract (dashboard/htmx.py).

For each (URL, target, block): the full page holds the region's wrapper once; an htmx swap aimed at
the target gets exactly that wrapper (id = the block's name in kebab case, `hx-target="this"
hx-swap="outerHTML"`), with the same content as on the page; both answers say `Vary: HX-Request`;
and the swap brings the pending flash message and the outage banner out of band, as they are today.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from dashboard.debitura import CaseDebtor, CreateCaseRequest
from dashboard.extensions import db
from dashboard.htmx import region_id
from dashboard.models import SyncRun
from dashboard.services import mirror
from tests.cases_support import make_tenant, module_env

# (URL with {placeholders} from the `seeded` fixture, template, block); the target is the block's id.
REGIONS = [
    ("/tenants/", "tenants/index.html", "tenant_results"),
    ("/tenants/{tenant_id}", "tenants/detail.html", "tenant_live"),
    ("/tenants/new", "tenants/new.html", "new_client_form"),
    ("/triage/", "triage/home.html", "triage_queues"),
    ("/cases/", "cases/index.html", "case_results"),
    ("/cases/pending", "cases/pending.html", "pending_queue"),
    ("/cases/{case_id}", "cases/detail.html", "case_activity"),
    ("/cases/{case_id}/files", "uploads/files.html", "case_files"),
    ("/cases/submissions/{submission_key}", "cases/submission.html", "submission_panel"),
    ("/kyc/{tenant_id}", "kyc/submit.html", "kyc_panel"),
    ("/pricing/", "pricing/preview.html", "pricing_panel"),
    ("/revenue/", "revenue/index.html", "revenue_results"),
    ("/audit/", "audit/index.html", "audit_results"),
    ("/webhooks/deliveries", "webhooks/deliveries.html", "deliveries"),
    ("/sync/runs/{run_id}", "sync/index.html", "sync_progress"),
    ("/admin/connection/check", "admin/connection.html", "key_check"),
]
# Blocks that shape pages and are never swapped on their own.
PAGE_BLOCKS = {"title", "content", "heading", "admin_content"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
FLASH = "A message waiting for the next answer."


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    children: list[Element] = field(default_factory=list)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def shape(self) -> list[tuple[str, str | None]]:
        """Tags and ids of the element and everything inside it: the same content, whatever the clock says."""
        return [(element.tag, element.attrs.get("id")) for element in self.walk()]


class _Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        self.open[-1].children.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return


def parse(html: str) -> Element:
    tree = _Tree()
    tree.feed(html)
    tree.close()
    return tree.root


def with_id(root: Element, element_id: str) -> list[Element]:
    return [element for element in root.walk() if element.attrs.get("id") == element_id]


def assert_is_region(element: Element, target: str) -> None:
    assert element.attrs.get("id") == target
    assert element.attrs.get("hx-target") == "this" and element.attrs.get("hx-swap") == "outerHTML", element.attrs


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from module_env(tmp_path_factory, role="admin")


@pytest.fixture(scope="module")
def seeded(env):
    """A tenant with a pending case (its signing URLs not yet known), a submission draft and a finished sync run."""
    tenant_id, tenant = make_tenant(env.app, name="Region Check ApS", onboard=False)
    with env.app.test_request_context():
        created = env.debitura.create_case(
            tenant,
            CreateCaseRequest(
                currency="EUR",
                amount=Decimal("640.00"),
                invoice_date=date.today() - timedelta(days=10),
                creditor_reference="REGION-1",
                debtor=CaseDebtor(type="Company", name="Region Debtor ApS", country="DK"),
            ),
        )
        mirror.upsert_case(env.debitura.referral.get_case(created.id), source="sync")
    with env.app.app_context():
        run = SyncRun(status="succeeded", phase="done", trigger="admin")
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    ready_id, _ = make_tenant(env.app, name="Region Ready ApS")
    started = env.client.post(f"/cases/new/{ready_id}")
    assert started.status_code == 303
    return {
        "tenant_id": tenant_id,
        "case_id": created.id,
        "run_id": run_id,
        "submission_key": started.headers["Location"].rsplit("/", 1)[1],
    }


def region_pages():
    return [pytest.param(url, region_id(block), template, block, id=block) for url, template, block in REGIONS]


def test_every_swappable_region_of_every_page_is_checked(env):
    """A new region (a block inside a page) must join REGIONS, so it is held to the contract too."""
    loader = env.app.jinja_env.loader
    found = set()
    for name in loader.list_templates():
        if name.endswith(".html") and not name.rsplit("/", 1)[-1].startswith("_"):
            blocks = set(env.app.jinja_env.get_template(name).blocks) - PAGE_BLOCKS
            found |= {(name, block) for block in blocks}
    assert found == {(template, block) for _, template, block in REGIONS}


@pytest.mark.parametrize(("url", "target", "template", "block"), region_pages())
def test_a_swap_gets_exactly_the_regions_wrapper_and_the_page_holds_it_once(env, seeded, url, target, template, block):
    url = url.format(**seeded)
    assert block in env.app.jinja_env.get_template(template).blocks

    page = env.client.get(url)
    with env.client.session_transaction() as session:
        session["_flashes"] = [("info", FLASH)]
    swap = env.client.get(url, headers={"HX-Request": "true", "HX-Target": target, "HX-Current-URL": f"http://localhost{url}"})

    assert page.status_code == 200 and swap.status_code == 200
    assert "HX-Request" in page.headers["Vary"] and "HX-Request" in swap.headers["Vary"]
    page_html, swap_html = page.get_data(as_text=True), swap.get_data(as_text=True)
    assert "<html" in page_html and "<html" not in swap_html

    on_page = with_id(parse(page_html), target)
    assert len(on_page) == 1
    assert_is_region(on_page[0], target)

    parts = parse(swap_html).children
    region = [part for part in parts if "hx-swap-oob" not in part.attrs]
    out_of_band = {part.attrs.get("id"): part for part in parts if "hx-swap-oob" in part.attrs}
    assert len(region) == 1, [part.tag for part in region]
    assert_is_region(region[0], target)
    assert region[0].shape() == on_page[0].shape()
    assert set(out_of_band) == {"flash", "outage-banner"}
    assert re.search(rf'<div id="flash"[^>]*hx-swap-oob="true"[^>]*>\s*<div class="flash flash--info"[^>]*>{FLASH}</div>',
                     swap_html)
    assert '<div id="outage-banner" hx-swap-oob="true">' in swap_html
    assert 'id="flash" class="flash-area" aria-live="polite">' in page_html  # the page's own, not out of band


def test_a_fragment_only_region_answers_a_swap_with_its_wrapper_and_a_page_load_with_the_case(env, seeded):
    """A pending case's unblocking URLs (cases/_unblocking.html, looked up when its row shows) have no page of their own."""
    url, target = f"/cases/{seeded['case_id']}/unblocking", f"unblock-{seeded['case_id']}"
    queue = parse(env.client.get("/cases/pending").get_data(as_text=True))
    assert_is_region(with_id(queue, target)[0], target)

    plain = env.client.get(url)
    swap = env.client.get(url, headers={"HX-Request": "true", "HX-Target": target})

    assert plain.status_code == 303 and plain.headers["Location"] == f"/cases/{seeded['case_id']}"
    assert "HX-Request" in plain.headers["Vary"] and "HX-Request" in swap.headers["Vary"]
    parts = [part for part in parse(swap.get_data(as_text=True)).children if "hx-swap-oob" not in part.attrs]
    assert len(parts) == 1
    assert_is_region(parts[0], target)


@pytest.mark.parametrize("url", ["/tenants/", "/cases/", "/audit/", "/revenue/", "/pricing/"])
def test_the_links_inside_a_region_that_navigates_inherit_where_they_go(env, seeded, url):
    """Chips, sort headers and pagers name no target: they take the region's, and push their URL."""
    root = parse(env.client.get(url).get_data(as_text=True))
    regions = [element for element in root.walk() if element.attrs.get("hx-push-url") == "true"
               and element.attrs.get("hx-target") == "this"]
    assert len(regions) == 1
    for element in regions[0].walk():
        if element is not regions[0]:
            assert "hx-target" not in element.attrs and "hx-swap" not in element.attrs, element.attrs
