"""Floor implementations: each list page as the minimal query plus a bare template.

They run inside the same app, behind the same login and middleware, so a page's time
divided by its floor's is what the page itself adds on top of fetching and printing its rows.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from jinja2 import Template
from sqlalchemy import nulls_last, select
from sqlalchemy.orm import raiseload

from dashboard.authz import role_required
from dashboard.extensions import db
from dashboard.models import PENDING_SIGNING, Case, Tenant

bp = Blueprint("bench_floor", __name__, url_prefix="/_floor")

TRIAGE_STATES = ("approval_pending", "expired", "declined", "onboarding", "resign_needed")

_TENANTS = """<table>{% for t in rows %}<tr><td>{{ t.company_name }}</td><td>{{ t.external_tenant_id }}</td>
<td>{{ t.state }}</td><td>{{ t.last_seen_at }}</td></tr>{% endfor %}</table>"""
_CASES = """<table>{% for c in rows %}<tr><td>{{ c.reference }}</td><td>{{ c.client_name }}</td><td>{{ c.debtor_name }}</td>
<td>{{ c.gross_amount }} {{ c.currency }}</td><td>{{ c.lifecycle }}</td><td>{{ c.date_created }}</td></tr>{% endfor %}</table>"""
_PENDING = """<table>{% for c in rows %}<tr><td>{{ c.reference }}</td><td>{{ c.client_name }}</td><td>{{ c.debtor_name }}</td>
<td>{{ c.gross_amount }} {{ c.currency }}</td><td>{{ c.date_created }}</td><td>{{ c.signing_url }}</td></tr>{% endfor %}</table>"""
_TRIAGE = """<table>{% for t in rows %}<tr><td>{{ t.state }}</td><td>{{ t.company_name }}</td>
<td>{{ t.state_changed_at }}</td><td>{{ t.onboarding_url or t.approval_url }}</td></tr>{% endfor %}
{% for c in cases %}<tr><td>{{ c.reference }}</td><td>{{ c.client_name }}</td><td>{{ c.date_created }}</td>
<td>{{ c.signing_url }}</td></tr>{% endfor %}</table>"""

_templates: dict[str, Template] = {}


def _render(name: str, source: str, **context) -> str:
    template = _templates.get(name)
    if template is None:
        template = _templates[name] = Template(source, autoescape=True)
    return template.render(**context)


@bp.get("/tenants")
@role_required("viewer")
def tenants():
    rows = db.session.scalars(select(Tenant).order_by(Tenant.company_name, Tenant.id).limit(25)).all()
    return _render("tenants", _TENANTS, rows=rows)


@bp.get("/triage")
@role_required("viewer")
def triage():
    # One query for the tenant rows the five tenant queues can show (20 each), one for the signing queue; no counts.
    rows = db.session.scalars(
        select(Tenant).where(Tenant.state.in_(TRIAGE_STATES)).order_by(Tenant.state, Tenant.state_changed_at).limit(100)
    ).all()
    cases = db.session.scalars(
        select(Case).options(raiseload(Case.tenant)).where(Case.lifecycle == PENDING_SIGNING)
        .order_by(Case.date_created, Case.id).limit(20)
    ).all()
    return _render("triage", _TRIAGE, rows=rows, cases=cases)


@bp.get("/cases")
@role_required("viewer")
def cases():
    # The page's own order (newest first, undated last); the bare template needs no tenant row.
    rows = db.session.scalars(
        select(Case).options(raiseload(Case.tenant)).order_by(nulls_last(Case.date_created.desc()), Case.id).limit(50)
    ).all()
    return _render("cases", _CASES, rows=rows)


@bp.get("/pending")
@role_required("viewer")
def pending():
    rows = db.session.scalars(
        select(Case).options(raiseload(Case.tenant)).where(Case.lifecycle == PENDING_SIGNING)
        .order_by(Case.date_created, Case.id).limit(500)
    ).all()
    return _render("pending", _PENDING, rows=rows)


def install(app: Flask) -> None:
    """Add the floor routes to a benchmark app (before it serves its first request)."""
    app.register_blueprint(bp)
