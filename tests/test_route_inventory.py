"""Every route, every caller: anonymous, each role, and without a CSRF token.

The lists of routes come from ``app.url_map``, never from a hand-written list, so a new
route is covered the day it is added, and one without a declared policy stops the app
from starting (and fails here).
"""

from __future__ import annotations

import pytest
from flask import Blueprint
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from screener import access, create_app
from screener.extensions import db
from screener.models import ROLES
from tests.api_helpers import make_token
from tests.auth_helpers import csrf_token, make_user, signed_in, submitted_screening

METHODS = ("GET", "POST")


@pytest.fixture
def app(make_app):
    """CSRF protection on, explicitly: these tests prove it refuses forged requests."""
    return make_app(WTF_CSRF_ENABLED=True)


def _routes(app):
    """(endpoint, method, URL) for every route but static files."""
    return [
        (rule.endpoint, method, rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in METHODS
        if method in rule.methods
    ]


def _url(rule, ids) -> str:
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = ids.get(name, 1)
        else:
            values[name] = ids.get(name, "asrs-v1.1")
    return rule.build(values)[1]


@pytest.fixture
def world(app):
    """A submitted screening, a bystander account, and one signed-in client per role."""
    screening_id, _ = submitted_screening(app)
    target = make_user(app, "target@clinic.example", "clinician")
    clients = {role: signed_in(app, f"{role}@clinic.example", role) for role in ROLES}
    # A real resume token and invitation link, so their POSTs reach the CSRF check.
    with app.app_context():
        from screener.services import invitations, screenings

        _, token = screenings.start(["asrs-v1.1"])
        invitation = invitations.create("route inventory", None, 14, "test")
        invitation_id = invitation.invitation.id
        db.session.commit()
    ids = {
        "screening_id": screening_id,
        "user_id": target,
        "number": 1,
        "token": token,
        "invitation_token": invitation.token,
        "invitation_id": invitation_id,
    }
    return clients, ids


def test_every_endpoint_has_a_declared_policy(app):
    undeclared = [e for e, _, _ in _routes(app) if access.policy_of(e) is None]
    assert undeclared == []
    protected = {e for e, _, _ in _routes(app) if access.policy_of(e)}
    # The clinic areas are really there (a refactor must not silently make them public).
    for endpoint in ("clinician.worklist", "clinician.detail", "admin.users", "admin.audit_log"):
        assert endpoint in protected


def test_the_app_refuses_to_start_with_an_undeclared_route(app):
    loose = Blueprint("loose", __name__)

    @loose.get("/loose")
    def open_by_mistake():
        return "oops"

    app.register_blueprint(loose)
    with pytest.raises(RuntimeError, match=r"loose\.open_by_mistake"):
        access.check_policies(app)


def test_anonymous_visitors_are_sent_to_sign_in_or_refused(app, world):
    _, ids = world
    client = app.test_client()
    token = csrf_token(client)
    checked = 0
    for endpoint, method, rule in _routes(app):
        if not access.policy_of(endpoint):
            continue
        url = _url(rule, ids)
        if access.needs_token(endpoint):
            # Other systems' area: no sign-in page, a JSON 401 asking for a token.
            response = client.open(url, method=method)
            assert response.status_code == 401, (endpoint, response.status_code)
            assert response.json["error"] == "unauthorized", endpoint
        elif method == "GET":
            response = client.get(url)
            assert response.status_code == 302, (endpoint, response.status_code)
            assert response.headers["Location"].startswith("/auth/login?next="), endpoint
        else:
            response = client.post(url, data={"csrf_token": token})
            assert response.status_code == 401, (endpoint, response.status_code)
        checked += 1
    assert checked >= 15


def test_each_role_is_refused_outside_its_areas(app, world):
    clients, ids = world
    for role, client in clients.items():
        token = csrf_token(client)
        for endpoint, method, rule in _routes(app):
            policy = access.policy_of(endpoint)
            if not policy or role in policy:
                continue
            url = _url(rule, ids)
            response = (
                client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
            )
            # A session, whatever its roles, is no service token.
            expected = 401 if access.needs_token(endpoint) else 403
            assert response.status_code == expected, (role, endpoint, method, response.status_code)


def test_each_role_reaches_its_own_areas(app, world):
    clients, ids = world
    reached = set()
    for role, client in clients.items():
        for endpoint, method, rule in _routes(app):
            policy = access.policy_of(endpoint)
            if not policy or role not in policy:
                continue
            url = _url(rule, ids)
            token = csrf_token(client)
            response = (
                client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
            )
            assert response.status_code not in (401, 403), (role, endpoint, method)
            assert response.status_code < 500, (role, endpoint, method, response.status_code)
            reached.add(endpoint)
    protected = {e for e, _, _ in _routes(app) if access.policy_of(e) and not access.needs_token(e)}
    assert reached == protected


def test_a_token_reaches_the_api_with_its_scopes_and_only_with_them(app, world):
    from screener.api import auth

    _, ids = world
    client = app.test_client()
    everything = make_token(app, "all", *auth_scopes())
    nothing = make_token(app, "none", "invitations:write")
    api = [(e, m, rule) for e, m, rule in _routes(app) if access.needs_token(e)]
    assert len(api) >= 9
    for endpoint, method, rule in api:
        url = _url(rule, ids)
        scope = auth.REQUIRED[endpoint]
        allowed = client.open(url, method=method, headers=_bearer(everything))
        assert allowed.status_code not in (401, 403), (endpoint, allowed.status_code)
        assert allowed.status_code < 500, (endpoint, allowed.status_code)
        refused = client.open(url, method=method, headers=_bearer(nothing))
        if scope is None:  # any valid token: the definitions hold no health data
            assert refused.status_code not in (401, 403), endpoint
        else:
            assert refused.status_code == 403, (endpoint, refused.status_code)


def auth_scopes() -> list[str]:
    from screener.services import tokens

    return list(tokens.SCOPES)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# Reads a refused form may answer with (the review form comes back on the screening's
# page, with the note typed): audited as any view of health data, and changing nothing.
READS = ("screening.view",)


def _fingerprint(app) -> dict:
    """Every row of every table, to show that a refused request changed nothing (except
    the audit rows of the pages it showed: ``READS``)."""
    from screener.models import AuditEvent

    with app.app_context():
        found = {}
        for table in db.metadata.sorted_tables:
            query = select(table)
            if table.name == AuditEvent.__tablename__:
                query = query.where(table.c.action.not_in(READS))
            found[table.name] = sorted(repr(tuple(row)) for row in db.session.execute(query))
        return found


def test_every_state_change_needs_a_valid_csrf_token(app, world):
    _, ids = world
    make_user(app, "all@clinic.example", list(ROLES))
    client = signed_in(app, "all2@clinic.example", list(ROLES))
    foreign = csrf_token(app.test_client())
    before = _fingerprint(app)
    posts = [(e, rule) for e, method, rule in _routes(app) if method == "POST"]
    assert len(posts) >= 10
    for endpoint, rule in posts:
        url = _url(rule, ids)
        for data in ({}, {"csrf_token": foreign}, {"csrf_token": "not-a-token"}):
            data = {**data, "note": "changed", "roles": "admin", "code": "x"}
            response = client.post(url, data=data)
            if endpoint.startswith("patient."):
                # Without a screening of its own, the patient flow sends the visitor to
                # the start page; its stale-token handling is tested with the flow.
                assert response.status_code in (302, 303, 400), (endpoint, response.status_code)
            else:
                assert response.status_code == 400, (endpoint, data, response.status_code)
    assert _fingerprint(app) == before


def test_a_fresh_app_serves_the_same_routes(app):
    """The route list does not depend on import order or on the first app built."""
    other = create_app(dict(app.config))
    assert sorted(r.rule for r in other.url_map.iter_rules()) == sorted(
        r.rule for r in app.url_map.iter_rules()
    )
    with other.app_context():
        db.session.remove()
        db.engine.dispose()
