"""Every route in the URL map, including routes added later by any feature, is protected:
each declares the role the table below expects and refuses the role beneath it with 403,
anonymous visitors are sent to sign in, a viewer's POST is refused with 403, and a POST
without a CSRF token is refused. The few public routes are listed, with the reason."""

from __future__ import annotations

import re
import uuid

import pytest
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, FloatConverter, IntegerConverter, PathConverter, UUIDConverter

from dashboard import create_app
from tests.conftest import PASSWORD, OperatorActions, make_config, prepare_databases


PUBLIC_ENDPOINTS = {
    "auth.login": "the sign-in page itself",
    "auth.two_factor": "the second sign-in step: it needs a right password from the last five minutes, not a session",
    "auth.sso_start": "starts company sign-in (404 unless OIDC_ISSUER is set)",
    "auth.sso_callback": "the identity provider's answer, checked against the state this browser started",
    "main.health": "the load balancer's probe",
    "main.favicon": "the icon browsers ask for on every page, signed in or not",
    "static": "stylesheets and scripts",
}
# Debitura calls the receiver without a session; its HMAC signature is its authentication.
RECEIVER_PATH = "/webhooks/debitura"
# Anyone signed in, a viewer too, must be able to sign out and look after their own sign-in.
VIEWER_MAY_POST = {
    "auth.logout", "auth.two_factor", "auth.two_factor_setup", "auth.recovery_codes", "auth.change_password",
    "auth.revoke_session",
}
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# The role each route's `role_required` declares (it records it on the view as `required_role`).
# None: any signed-in operator (`login_required` alone). A new route must be added here: the
# viewer hook refuses a viewer's writes before any view runs, so only this table shows a route
# that forgot its decorator.
DECLARED_ROLES = {
    "auth.logout": None,
    # One's own account: any signed-in operator, whatever the role.
    "auth.account": None,
    "auth.change_password": None,
    "auth.two_factor_setup": None,
    "auth.recovery_codes": None,
    "auth.sessions": None,
    "auth.revoke_session": None,
    "admin.reset_two_factor": "admin",
    "main.home": "viewer",
    "triage.home": "viewer",
    "tenants.index": "viewer",
    "tenants.export": "viewer",
    "tenants.detail": "viewer",
    "tenants.new": "operator",
    "tenants.reissue": "operator",
    "tenants.refresh": "operator",
    "tenants.drop_first_case": "operator",
    "tenants.correct_first_case": "operator",
    "tenants.withdraw": "admin",
    "cases.index": "viewer",
    "cases.export": "viewer",
    "cases.pending": "viewer",
    "cases.detail": "viewer",
    "cases.unblocking": "viewer",
    "cases.new": "operator",
    "cases.create": "operator",
    "cases.submission": "operator",
    "cases.submit": "operator",
    "cases.retry": "operator",
    "cases.resubmit": "operator",
    "uploads.files": "viewer",
    "uploads.upload": "operator",
    "kyc.index": "viewer",
    "kyc.submit": "operator",
    "pricing.preview": "viewer",
    "revenue.index": "viewer",
    "revenue.export": "viewer",
    "audit.index": "viewer",
    "audit.export": "viewer",
    "webhooks.deliveries": "viewer",
    "sync.index": "viewer",
    "sync.progress": "viewer",
    "sync.start": "admin",
    "admin.index": "admin",
    "admin.connection_status": "admin",
    "admin.connection_check": "admin",
    "admin.operators": "admin",
    "admin.invite": "admin",
    "admin.change_role": "admin",
    "admin.deactivate": "admin",
    "admin.reactivate": "admin",
    "admin.reset_password": "admin",
    "admin.webhooks": "admin",
    "admin.create_webhook": "admin",
    "admin.edit_webhook": "admin",
    "admin.update_webhook_events": "admin",
    "admin.enable_webhook": "admin",
    "admin.disable_webhook": "admin",
    "admin.rotate_webhook_secret": "admin",
    "admin.delete_webhook": "admin",
    "admin.send_test_event": "admin",
}
ROLE_BELOW = {"operator": "viewer", "admin": "operator"}


def dashboard_rules(app) -> list[Rule]:
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in PUBLIC_ENDPOINTS and rule.rule != RECEIVER_PATH and not rule.rule.startswith("/sandbox")
    ]
    assert rules, "the URL map should hold the dashboard's routes"
    return rules


def dummy_value(converter):
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, FloatConverter):
        return 1.5
    if isinstance(converter, UUIDConverter):
        return uuid.UUID("00000000-0000-4000-8000-000000000001")
    if isinstance(converter, PathConverter):
        return "dummy/path"
    if isinstance(converter, AnyConverter):
        return re.findall(r"\w+", converter.regex)[0]
    return "dummy"


def path_of(rule: Rule) -> str:
    """A concrete URL for the rule, with a dummy value for each variable part."""
    values = {name: dummy_value(converter) for name, converter in rule._converters.items()}
    built = rule.build(values, append_unknown=False)
    assert built is not None, rule
    return built[1]


def accepts(app, path: str, method: str) -> bool:
    """Whether any route takes `method` at `path` (two rules may share a path with different methods)."""
    try:
        app.url_map.bind("localhost").match(path, method=method)
    except MethodNotAllowed:
        return False
    return True


def methods_of(rule: Rule) -> list[str]:
    return sorted(method for method in rule.methods if method not in ("HEAD", "OPTIONS"))


def test_the_route_list_covers_every_feature_and_the_admin_pages(app):
    endpoints = {rule.endpoint for rule in dashboard_rules(app)}
    assert {"main.home", "auth.logout", "admin.index", "admin.operators", "admin.invite", "audit.index", "audit.export"} <= endpoints


def test_every_route_declares_the_role_the_table_expects(app):
    declared = {
        rule.endpoint: getattr(app.view_functions[rule.endpoint], "required_role", None) for rule in dashboard_rules(app)
    }
    unlisted = sorted(set(declared) - set(DECLARED_ROLES))
    gone = sorted(set(DECLARED_ROLES) - set(declared))
    wrong = {endpoint: role for endpoint, role in declared.items() if role != DECLARED_ROLES.get(endpoint, role)}
    assert not unlisted, f"routes missing from DECLARED_ROLES (add each with the role it needs): {unlisted}"
    assert not gone, f"DECLARED_ROLES lists routes the app no longer has: {gone}"
    assert not wrong, f"routes declaring another role than DECLARED_ROLES expects: {wrong}"


def test_every_route_refuses_the_role_below_its_own_with_403(app):
    clients = {}
    for role in ROLE_BELOW.values():
        clients[role] = app.test_client()
        OperatorActions(app, clients[role]).login(role)
    checked = []
    for rule in dashboard_rules(app):
        required = DECLARED_ROLES.get(rule.endpoint)
        if required not in ROLE_BELOW:
            continue
        below = ROLE_BELOW[required]
        path = path_of(rule)
        for method in methods_of(rule):
            response = clients[below].open(path, method=method)
            assert response.status_code == 403, f"{below} {method} {path} ({rule.endpoint}) answered {response.status_code}"
            checked.append((below, method, rule.endpoint))
    assert {below for below, _, _ in checked} == {"viewer", "operator"}


def test_every_route_sends_an_anonymous_visitor_to_sign_in(app):
    client = app.test_client()
    checked = []
    for rule in dashboard_rules(app):
        path = path_of(rule)
        for method in methods_of(rule):
            response = client.open(path, method=method)
            assert response.status_code in (302, 303), f"{method} {path} ({rule.endpoint}) answered {response.status_code}"
            assert response.headers["Location"].startswith("/auth/login"), f"{method} {path} ({rule.endpoint})"
            checked.append((method, rule.endpoint))
    assert len(checked) >= len(dashboard_rules(app))


def test_a_viewer_post_is_refused_with_403_on_every_route(app, client, operators):
    operators.login("viewer")
    for rule in dashboard_rules(app):
        if rule.endpoint in VIEWER_MAY_POST:
            continue
        path = path_of(rule)
        for method in WRITE_METHODS:
            response = client.open(path, method=method, data={"role": "admin", "events": ["case.created"]})
            assert response.status_code == 403, f"{method} {path} ({rule.endpoint}) answered {response.status_code}"


def test_a_viewer_post_to_an_address_no_route_knows_is_refused_too(client, operators):
    operators.login("viewer")
    assert client.post("/no/such/page").status_code == 403
    assert client.get("/no/such/page").status_code == 404


def test_a_viewer_may_still_sign_out(client, operators):
    operators.login("viewer")
    response = client.post("/auth/logout")
    assert response.status_code == 303
    assert client.get("/").status_code == 302


@pytest.fixture
def csrf_app(database_url, tmp_path):
    app = create_app(make_config(database_url, tmp_path, WTF_CSRF_ENABLED=True))
    prepare_databases(app)
    yield app
    from dashboard.extensions import db

    with app.app_context():
        db.session.remove()
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            db.drop_all()
        db.engine.dispose()


def sign_in_with_token(app, role: str):
    """An admin session obtained through the real form, CSRF token included."""
    from dashboard.services import operators as operator_service

    email = f"{role}-{uuid.uuid4().hex[:6]}@partner.example"
    with app.app_context():
        operator_service.create_operator(email, PASSWORD, role=role)
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    return client


def test_a_post_without_a_csrf_token_is_refused_on_every_route(csrf_app):
    client = sign_in_with_token(csrf_app, "admin")
    for rule in dashboard_rules(csrf_app):
        path = path_of(rule)
        for method in WRITE_METHODS:
            response = client.open(path, method=method, data={"role": "viewer", "events": ["case.created"]})
            where = f"{method} {path} ({rule.endpoint}) answered {response.status_code}"
            if accepts(csrf_app, path, method):
                assert response.status_code == 400, where
                assert "The form had expired" in response.get_data(as_text=True), where
            else:
                # No view runs for a method the route does not take.
                assert response.status_code == 405, where
    # The session survived every refusal: nothing was signed out or changed.
    assert client.get("/admin/operators").status_code == 200


def test_a_post_with_a_forged_csrf_token_is_refused(csrf_app):
    client = sign_in_with_token(csrf_app, "admin")
    response = client.post("/admin/operators/invite", data={"email": "new@partner.example", "csrf_token": "forged"})
    assert response.status_code == 400
    with csrf_app.app_context():
        from dashboard.services.operators import find_by_email

        assert find_by_email("new@partner.example") is None
