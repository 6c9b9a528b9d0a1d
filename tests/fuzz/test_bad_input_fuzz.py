"""Bad input: property-based requests to every form and list filter, and to the webhook receiver.

Each form's fields are read from its WTForms class, so a field added later is fuzzed too.
Values mix the plausible (so some examples get past validation and reach the sandbox) with
the hostile: empty, huge, NUL and control characters, markup, SQL, template syntax, odd
Unicode. Nothing may answer 500 or show a traceback, and every rejected form must say which
field is wrong, next to that field (its error shown by the field's own label and input).
The examples are shared out over the available databases, at least 5,000 in all.
"""

from __future__ import annotations

import io
import json
import operator
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from benchmarks import apps, databases, webhook_events
from dashboard.admin.forms import (
    InviteForm,
    ResetPasswordForm,
    RoleForm,
    SendTestEventForm,
    WebhookEventsForm,
    WebhookForm,
)
from dashboard.audit.forms import AuditFilterForm
from dashboard.auth.forms import LoginForm
from dashboard.cases.forms import CaseForm
from dashboard.debitura import WebhookSubscription
from dashboard.extensions import db
from dashboard.kyc.forms import KycForm
from dashboard.models import Operator
from dashboard.pricing.forms import PricingForm
from dashboard.sandbox.contract import ContractChecker
from dashboard.tenants.forms import NewClientForm
from dashboard.uploads.forms import UploadForm
from tests.cases_support import make_tenant
from tests.conftest import BACKENDS, OperatorActions
from tests.raw_body import raw
from tests.support import Page

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    # Examples hold strings of up to 12,000 characters; Hypothesis warns when it prints one in a failure.
    pytest.mark.filterwarnings("ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"),
]

EXAMPLES_IN_ALL = 5000
ANSWERS = {200, 204, 302, 303, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429}
REJECTIONS = {401, 422, 429}  # a form refused for what was typed: each must name its field

HOSTILE = (
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)", "' OR 1=1 --",
    "Robert'); DROP TABLE tenants;--", "{{ 7*7 }}", "{% raw %}", "${jndi:ldap://x}", "%s%n%x", "\x00", "a\x00b",
    "\r\nSet-Cookie: stolen=1", "../../../etc/passwd", "\u202eevil", "😀" * 40, "ﷺ" * 30, " ", "\t\n",
    "0", "-1", "1e309", "NaN", "Infinity", "null", "[]", "{}", "true",
)
URLS = ("https://example.com/done?x=1&y=2", "http://127.0.0.1:9/back", "javascript:alert(1)", "ftp://files.example",
        "https://" + "a" * 2100 + ".example", "//evil.example", "https://exa mple.com", "data:text/html,<b>x</b>")


def texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.just(""),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=60),
        st.sampled_from(HOSTILE),
        st.builds(operator.mul, st.sampled_from(["a", "é", "<", "9", " ", "\x01"]), st.integers(200, 12_000)),
    )


def _choices(form_field) -> list[str]:
    values = []
    for choice in form_field.iter_choices():
        values.append(str(choice[0]))
    return values or ["x"]


def strategy_for(form_field) -> st.SearchStrategy[Any]:
    """Values a browser (or an attacker) could post for this field; None leaves the field out."""
    kind, name = form_field.type, form_field.short_name
    plausible: st.SearchStrategy[Any]
    if kind == "BooleanField":
        plausible = st.sampled_from(["y", "", "false", "on"])
    elif kind in ("SelectField", "RadioField"):
        plausible = st.sampled_from(_choices(form_field))
    elif kind in ("SelectMultipleField", "MultiCheckboxField"):
        return st.one_of(st.none(), st.lists(st.one_of(st.sampled_from(_choices(form_field)), texts()), max_size=4))
    elif kind in ("DecimalField", "AmountField"):
        plausible = st.one_of(st.decimals(allow_nan=True, allow_infinity=True).map(str),
                              st.sampled_from(["1250.00", "0.01", "-5", "1,000.00", "0.001", "99999999999999"]))
    elif kind in ("DateField", "CalendarField"):
        plausible = st.one_of(st.dates(date(1800, 1, 1), date(2200, 12, 31)).map(date.isoformat),
                              st.sampled_from(["2024-02-30", "31/12/2023", (date.today() + timedelta(days=1)).isoformat()]))
    elif kind == "EmailField" or "email" in name:
        plausible = st.one_of(st.emails(), st.sampled_from(["anna@example.com", "a@b", "@x.example", "x@exam ple.com"]))
    elif kind == "URLField" or "url" in name:
        plausible = st.sampled_from(URLS)
    elif kind == "FileField":
        return st.builds(lambda name, content: (io.BytesIO(content), name),
                         st.one_of(st.sampled_from(["invoice.pdf", "a.exe", "noext", "x.PDF", ".pdf", "a" * 300 + ".pdf"]),
                                   texts().map(lambda text: text[:200] + ".pdf")),
                         st.binary(max_size=2048))
    elif "country" in name:
        plausible = st.sampled_from(["DK", "US", "GB", "DE", "KP", "Denmark", "dk", "XX", "Ünited Kingdom"])
    elif "currency" in name:
        plausible = st.sampled_from(["EUR", "DKK", "USD", "eur", "XXX", "€"])
    else:
        plausible = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=30)
    return st.one_of(st.none(), plausible, texts())


def leaves(form_field) -> Iterator[Any]:
    """The fields a browser posts, with FieldList/FormField flattened to their posted names (users-0-email)."""
    if form_field.type == "FieldList":
        for entry in form_field:
            yield from leaves(entry)
    elif form_field.type == "FormField":
        for sub in form_field:
            yield from leaves(sub)
    elif form_field.type not in ("CSRFTokenField", "SubmitField"):
        yield form_field


# ---------------------------------------------------------------- the environment


@dataclass
class FuzzEnv:
    app: Any
    admin: Any  # a signed-in admin's browser
    anonymous: Any
    ids: dict[str, Any] = field(default_factory=dict)
    ran: dict[str, int] = field(default_factory=dict)


@pytest.fixture(scope="module", params=BACKENDS)
def env(request, tmp_path_factory) -> Iterator[FuzzEnv]:
    folder = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    database = (databases.private_schema("fuzz") if request.param == "postgresql"
                else nullcontext(databases.sqlite_url(folder / "dashboard.db")))
    with database as url:
        app = apps.build(url, apps.workdir_sandbox_url(folder), TESTING=True, WTF_CSRF_ENABLED=False)
        apps.prepare(app)
        checker = ContractChecker()
        app.extensions["sandbox"].observers.append(checker)
        admin = app.test_client()
        operators = OperatorActions(app, admin)
        operators.login("admin")
        tenant_id, external_tenant_id = make_tenant(app, name="Fuzzed Input ApS")
        other_id, _ = operators.create("operator")
        draft = admin.post(f"/cases/new/{tenant_id}").headers["Location"].rsplit("/", 1)[-1]
        with app.test_request_context():
            case_id = app.extensions["debitura"].create_case(external_tenant_id, raw({
                "currencyCode": "EUR", "amountToRecover": Decimal("100.00"), "date": date.today().isoformat(),
                "debtor": {"type": "Company", "name": "Debtor A/S", "countryAlpha2": "DK"},
            })).id
            webhook_id = app.extensions["debitura"].referral.create_webhook(WebhookSubscription(url="https://hooks.example/receiver", events=["case.created"])).id
        ids = {"tenant": tenant_id, "draft": draft, "case": case_id, "operator": other_id, "webhook": webhook_id}
        yield FuzzEnv(app, admin, app.test_client(), ids)
        apps.dispose(app)
    checker.assert_clean()


# ---------------------------------------------------------------- what is fuzzed


@dataclass(frozen=True)
class Target:
    name: str
    method: str
    path: Callable[[dict[str, Any]], str]
    share: int  # relative number of examples (slow pages get fewer)
    form: type | None = None
    args: tuple[str, ...] = ()  # plain query/form parameters without a form class
    fixed: tuple[tuple[str, str], ...] = ()
    anonymous: bool = False
    multipart: bool = False

    def fields(self, app) -> dict[str, st.SearchStrategy[Any]]:
        strategies: dict[str, st.SearchStrategy[Any]] = {}
        if self.form is not None:
            with app.test_request_context():
                form = self.form(formdata=None, meta={"csrf": False})
                for leaf in (leaf for top in form for leaf in leaves(top)):
                    strategies[leaf.name] = strategy_for(leaf)
        for name in self.args:
            strategies[name] = st.one_of(st.none(), texts(), st.integers(-10, 10**12).map(str))
        return strategies


TARGETS = (
    Target("sign-in form", "POST", lambda ids: "/auth/login", 2, LoginForm, anonymous=True),
    Target("new client form", "POST", lambda ids: "/tenants/new", 8, NewClientForm),
    Target("case submission form", "POST", lambda ids: f"/cases/submissions/{ids['draft']}", 3, CaseForm,
           fixed=(("action", "preview"),)),
    Target("KYC form", "POST", lambda ids: f"/kyc/{ids['tenant']}", 8, KycForm),
    Target("pricing preview", "GET", lambda ids: "/pricing/", 8, PricingForm),
    Target("file upload form", "POST", lambda ids: f"/cases/{ids['case']}/files/new", 8, UploadForm, multipart=True),
    Target("operator invite form", "POST", lambda ids: "/admin/operators/invite", 3, InviteForm),
    Target("operator role form", "POST", lambda ids: f"/admin/operators/{ids['operator']}/role", 6, RoleForm),
    Target("password reset form", "POST", lambda ids: f"/admin/operators/{ids['operator']}/password", 3, ResetPasswordForm),
    Target("new webhook form", "POST", lambda ids: "/admin/webhooks/new", 6, WebhookForm),
    Target("webhook events form", "POST", lambda ids: f"/admin/webhooks/{ids['webhook']}/events", 6, WebhookEventsForm),
    Target("test event form", "POST", lambda ids: "/admin/webhooks/test", 6, SendTestEventForm),
    Target("audit filters", "GET", lambda ids: "/audit/", 8, AuditFilterForm, args=("page",)),
    Target("tenant list filters", "GET", lambda ids: "/tenants/", 8, args=("state", "q", "sort", "page", "since")),
    Target("case list filters", "GET", lambda ids: "/cases/", 8, args=("group", "lifecycle", "q", "sort", "direction", "test", "page")),
    Target("revenue filters", "GET", lambda ids: "/revenue/", 6,
           args=("from", "to", "from_date", "to_date", "tenant", "q", "status", "page")),
    Target("tenant page return URL", "GET", lambda ids: f"/tenants/{ids['tenant']}", 6, args=("return_url", "since")),
    Target("pending queue return URL", "GET", lambda ids: "/cases/pending", 4, args=("return_url",)),
    Target("withdraw confirmation", "POST", lambda ids: f"/tenants/{ids['tenant']}/withdraw", 4, args=("confirm",)),
)
SHARES = sum(target.share for target in TARGETS)
WEBHOOK_EXAMPLES_SHARE = 10


def examples_for(share: int) -> int:
    per_backend = -(-EXAMPLES_IN_ALL // len(BACKENDS))
    return -(-per_backend * share // (SHARES + 2 * WEBHOOK_EXAMPLES_SHARE))


def fuzz_settings(examples: int):
    # No shrinking: a failure is reported with the example that found it, at once, instead of minutes later.
    return settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                    phases=(Phase.explicit, Phase.generate), suppress_health_check=list(HealthCheck))


def send(env: FuzzEnv, target: Target, values: dict[str, Any]):
    browser = env.anonymous if target.anonymous else env.admin
    data = {name: value for name, value in values.items() if value is not None}
    data.update(target.fixed)
    path = target.path(env.ids)
    if target.method == "GET":
        return browser.get(path, query_string=data)
    if target.multipart:
        return browser.post(path, data=data, content_type="multipart/form-data")
    return browser.post(path, data=data)


def shown(values: dict[str, Any]) -> str:
    """The example, short enough to read in a failure message."""
    return "; ".join(f"{name}={value!r:.80}" for name, value in values.items() if value is not None)


def check_answer(target: Target, response, values: dict[str, Any]) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code in ANSWERS, f"{target.name} answered {response.status_code} to {shown(values)}"
    assert "Traceback" not in body and "sqlalchemy" not in body.lower(), f"{target.name} leaked an error"
    if target.form is not None and response.status_code in REJECTIONS and response.mimetype == "text/html":
        named = Page(body).field_errors()
        assert named, f"{target.name} refused ({response.status_code}) without naming a field: {shown(values)}"


@pytest.mark.parametrize("target", TARGETS, ids=lambda target: target.name.replace(" ", "-"))
def test_no_input_to_a_form_answers_500_and_every_rejection_names_its_field(env, target):
    examples = examples_for(target.share)

    @fuzz_settings(examples)
    @given(st.fixed_dictionaries(target.fields(env.app)))
    def post_it(values):
        env.ran[target.name] = env.ran.get(target.name, 0) + 1
        check_answer(target, send(env, target, values), values)

    post_it()
    assert env.ran[target.name] >= examples * 0.9


# ---------------------------------------------------------------- the webhook receiver


RECEIVER = "/webhooks/debitura"
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


def test_unsigned_or_garbled_deliveries_are_refused_without_detail(env):
    examples = examples_for(WEBHOOK_EXAMPLES_SHARE)

    header_values = st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)), max_size=120)

    @fuzz_settings(examples)
    @given(st.binary(max_size=4096),
           st.one_of(st.none(), header_values, st.from_regex(r"t=\d{1,12},v1=[0-9a-f]{0,80}", fullmatch=True)))
    def deliver(body, signature):
        env.ran["webhook, unsigned"] = env.ran.get("webhook, unsigned", 0) + 1
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Debitura-Signature"] = signature
        response = env.anonymous.post(RECEIVER, data=body, headers=headers)
        assert response.status_code in (400, 401, 413)
        assert response.get_data() == b"", "a refusal must not say why"

    deliver()


def test_signed_deliveries_of_any_shape_never_answer_500(env):
    examples = examples_for(WEBHOOK_EXAMPLES_SHARE)
    events = st.sampled_from(["case.created", "case.updated", "case.closed",
                              "client.linked", "client.link_requested", "client.link_declined", "client.link_expired",
                              "client.onboarding.contract_signed", "cases.replay_failed", "brand.new_event", ""])

    @fuzz_settings(examples)
    @given(st.fixed_dictionaries(
        {"id": st.one_of(st.uuids().map(str), texts()), "event": events, "timestamp": st.one_of(texts(), st.datetimes().map(str)),
         "data": st.one_of(JSON_VALUES, st.fixed_dictionaries({
             "caseId": st.one_of(st.uuids().map(str), texts()), "externalTenantId": texts(),
             "lifecycle": st.one_of(texts(), st.sampled_from(["Active", "Closed", "Pending contract signing"])),
             "creditor": JSON_VALUES, "closeCode": texts()}))},
        optional={"specVersion": JSON_VALUES, "links": JSON_VALUES},
    ))
    def deliver(envelope):
        env.ran["webhook, signed"] = env.ran.get("webhook, signed", 0) + 1
        body = json.dumps(envelope).encode()
        headers = {"Content-Type": "application/json",
                   "X-Debitura-Signature": webhook_events.signature(apps.WEBHOOK_SECRET, body)}
        response = env.anonymous.post(RECEIVER, data=body, headers=headers)
        assert response.status_code in (200, 400, 413), response.status_code

    deliver()


def test_the_examples_add_up_to_the_promised_number(env):
    per_backend = -(-EXAMPLES_IN_ALL // len(BACKENDS))
    assert sum(env.ran.values()) >= per_backend * 0.9, env.ran
    with env.app.app_context():
        # The admin that ran every form is still an admin: no fuzzed form took its rights away.
        assert db.session.scalar(select(Operator.role).where(Operator.role == "admin").limit(1)) == "admin"
        db.session.remove()

