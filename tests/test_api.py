"""/api/v1 behaviour: tokens and scopes, filters and pages, one screening in every form,
and bad input answered with a JSON 4xx."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from sqlalchemy import select, update

from screener.codes import format_code, token_hash
from screener.extensions import db
from screener.models import AuditEvent, Screening, ServiceToken
from screener.services import screenings, tokens
from tests.api_helpers import bearer, make_token
from tests.auth_helpers import csrf_token, signed_in, submitted_screening
from tests.helpers import rls
from tests.test_fhir_export import TIRED, import_new_instrument, submit

ALL = tuple(tokens.SCOPES)


@pytest.fixture
def token(app):
    return make_token(app, "records", *ALL)


def _events(app, action=None):
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return [(e.action, e.actor, e.reference, e.outcome) for e in db.session.scalars(query)]


def _cursor(value) -> str:
    """A cursor as the API writes one, holding ``value``."""
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _error(response, status):
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/json"
    body = response.json
    assert body["status"] == status and body["message"]
    return body


# --- tokens and scopes -----------------------------------------------------------------

SCOPED = {
    "screenings:read": "/api/v1/screenings/{code}",
    "pdf:read": "/api/v1/screenings/{code}/pdf",
    "fhir:read": "/api/v1/screenings/{code}/fhir",
    "audit:read": "/api/v1/audit",
}


@pytest.mark.parametrize("scope", sorted(tokens.SCOPES))
def test_a_token_without_the_scope_is_refused_with_403(app, client, scope):
    _, code = submitted_screening(app)
    others = [s for s in ALL if s != scope]
    lacking = make_token(app, "lacking", *others)
    urls = [SCOPED[scope]] if scope in SCOPED else list(SCOPED.values())
    for url in urls:
        response = client.get(url.format(code=code), headers=bearer(lacking))
        if scope in SCOPED:
            body = _error(response, 403)
            assert scope in body["message"]
        else:  # invitations:write: no endpoint yet, and it opens none of the others
            assert response.status_code == 200
    only = make_token(app, "only", scope)
    for needed, url in SCOPED.items():
        response = client.get(url.format(code=code), headers=bearer(only))
        assert response.status_code == (200 if needed == scope else 403), (needed, url)
    if scope in SCOPED:
        assert ("api.denied", "token:lacking", None, "forbidden") in _events(app, "api.denied")


def test_missing_wrong_revoked_and_expired_tokens_get_401(app, client, runner, token):
    good = make_token(app, "good", "screenings:read")
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for headers in (
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not-a-token"},
        bearer(tampered),
        bearer(tokens.new_token()),
        bearer("x" * 5000),
    ):
        response = client.get("/api/v1/screenings", headers=headers)
        _error(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/screenings", headers=bearer(good)).status_code == 200
    assert runner.invoke(args=["tokens", "revoke", "good"]).exit_code == 0
    _error(client.get("/api/v1/screenings", headers=bearer(good)), 401)
    with app.app_context():
        db.session.execute(
            update(ServiceToken)
            .where(ServiceToken.token_hash == token_hash(token))
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
        )
        db.session.commit()
    _error(client.get("/api/v1/screenings", headers=bearer(token)), 401)
    outcomes = [e[3] for e in _events(app, "api.denied")]
    assert {"missing", "malformed", "unknown", "revoked", "expired"} <= set(outcomes)
    # The token itself is never in the audit trail.
    with app.app_context():
        details = " ".join(
            str(e.detail) + str(e.actor) for e in db.session.scalars(select(AuditEvent))
        )
    assert token not in details and good not in details


def test_made_up_tokens_cannot_fill_the_audit_trail(app, client, token):
    """Each refused call without a valid token is a 401; the trail (never deleted, each
    row a write) gets one row per address and reason a minute, not one per call."""
    for _ in range(40):
        _error(client.get("/api/v1/screenings", headers=bearer(tokens.new_token())), 401)
        _error(client.get("/api/v1/screenings", headers=bearer("not-a-token")), 401)
    elsewhere = {"REMOTE_ADDR": "203.0.113.9"}
    response = client.get(
        "/api/v1/screenings", headers=bearer(tokens.new_token()), environ_base=elsewhere
    )
    _error(response, 401)
    denied = _events(app, "api.denied")
    assert sorted(e[3] for e in denied) == ["malformed", "unknown", "unknown"]
    # A known token's refusals are still recorded one by one.
    lacking = make_token(app, "lacking", "pdf:read")
    for _ in range(3):
        _error(client.get("/api/v1/screenings", headers=bearer(lacking)), 403)
    assert [e[3] for e in _events(app, "api.denied")].count("forbidden") == 3


def test_every_call_is_audited_and_the_last_use_recorded(app, client, token):
    _, code = submitted_screening(app)
    client.get("/api/v1/screenings", headers=bearer(token))
    client.get(f"/api/v1/screenings/{code}", headers=bearer(token))
    client.get(f"/api/v1/screenings/{code}/fhir", headers=bearer(token))
    client.get("/api/v1/definitions", headers=bearer(token))
    events = _events(app)
    assert ("api.screenings.list", "token:records", None, "ok") in events
    assert ("api.screening.view", "token:records", format_code(code), "ok") in events
    assert ("api.screening.fhir", "token:records", format_code(code), "ok") in events
    assert ("api.definitions.read", "token:records", None, "ok") in events
    with app.app_context():
        row = db.session.scalar(select(ServiceToken).where(ServiceToken.name == "records"))
        assert row.last_used_at is not None


def test_calls_are_rate_limited_per_token(make_app):
    app = make_app(API_RATE_LIMIT="3 per minute")
    client = app.test_client()
    token = make_token(app, "busy", "screenings:read")
    for _ in range(3):
        assert client.get("/api/v1/screenings", headers=bearer(token)).status_code == 200
    _error(client.get("/api/v1/screenings", headers=bearer(token)), 429)
    other = make_token(app, "other", "screenings:read")
    assert client.get("/api/v1/screenings", headers=bearer(other)).status_code == 200


# --- listing ---------------------------------------------------------------------------


def _set(app, code, **values):
    with app.app_context():
        db.session.execute(
            update(Screening).where(Screening.reference_code == code).values(**values)
        )
        db.session.commit()


def test_filters_and_cursor_pages(app, client, token):
    base = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    codes = []
    for n in range(5):
        _, code = submitted_screening(app, adhd="often" if n % 2 else "never")
        _set(app, code, submitted_at=base + dt.timedelta(days=n))
        codes.append(format_code(code))
    _, rls_code = submitted_screening(app, adhd=None, rls_answers=rls())
    _set(app, rls_code, submitted_at=base + dt.timedelta(days=10), reviewed_at=base)
    with app.app_context():
        screenings.start(["asrs-v1.1"])  # a draft is never listed
        db.session.commit()

    def listed(**args):
        response = client.get("/api/v1/screenings", query_string=args, headers=bearer(token))
        assert response.status_code == 200, response.json
        return response.json

    everything = listed()
    assert [i["reference_code"] for i in everything["items"]] == [
        format_code(rls_code),
        *reversed(codes),
    ]
    first = everything["items"][0]["instruments"][0]
    assert first["key"] == "rls-irlssg" and first["outcome"] == "consistent"
    assert first["version"] and first["revision"] >= 1

    seen, cursor = [], None
    while True:
        page = listed(limit=2, **({"cursor": cursor} if cursor else {}))
        seen += [i["reference_code"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [i["reference_code"] for i in everything["items"]]

    window = listed(submitted_since="2026-03-02", submitted_until="2026-03-04T00:00:00Z")
    assert [i["reference_code"] for i in window["items"]] == [codes[2], codes[1]]
    adhd = listed(instrument="asrs-v1.1", outcome="consistent")
    assert [i["reference_code"] for i in adhd["items"]] == [codes[3], codes[1]]
    assert [i["reference_code"] for i in listed(reviewed="true")["items"]] == [
        format_code(rls_code)
    ]
    assert len(listed(reviewed="false")["items"]) == 5


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "99999999999999999999"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"submitted_since": "yesterday"}, "submitted_since"),
        ({"submitted_until": "2026-13-40"}, "submitted_until"),
        ({"outcome": "maybe"}, "outcome"),
        ({"reviewed": "perhaps"}, "reviewed"),
        ({"instrument": "Not A Key"}, "instrument"),
        ({"instrument": "no-such-thing"}, "instrument"),
        ({"cursor": "not base64!"}, "cursor"),
        ({"cursor": "W10"}, "cursor"),  # base64 of []
        ({"cursor": "x" * 500}, "cursor"),
        ({"sort": "name"}, "sort"),
        # Times with no UTC equivalent, or that cannot be stored: a 400, never a 500.
        ({"submitted_since": "0001-01-01T00:00:00+14:00"}, "submitted_since"),
        ({"submitted_until": "9999-12-31T23:59:59-14:00"}, "submitted_until"),
        ({"submitted_since": "1999-12-31"}, "submitted_since"),
        ({"cursor": _cursor(["0001-01-01T00:00:00+14:00", 1])}, "cursor"),
        ({"cursor": _cursor(["2026-01-01T00:00:00+00:00", 10**30])}, "cursor"),
        ({"cursor": _cursor(["2026-01-01T00:00:00+00:00", 2**63])}, "cursor"),
        ({"cursor": _cursor(["2026-01-01T00:00:00+00:00", True])}, "cursor"),
    ],
)
def test_malformed_filters_get_a_400_naming_the_parameter(client, token, args, field):
    body = _error(client.get("/api/v1/screenings", query_string=args, headers=bearer(token)), 400)
    assert any(field in (d["field"] or "") for d in body["details"]), body


@pytest.mark.parametrize(
    "args", [{"since": "0001-01-01T00:00:00+14:00"}, {"cursor": _cursor([2**63])}]
)
def test_the_audit_log_refuses_unusable_times_and_cursors(client, token, args):
    _error(client.get("/api/v1/audit", query_string=args, headers=bearer(token)), 400)


def test_unknown_addresses_and_methods_are_json_too(client, token):
    _error(client.get("/api/v1/nothing-here", headers=bearer(token)), 404)
    # A character that cannot be stored is refused before anything else, in JSON too.
    _error(client.get("/api/v1/screenings/%00", headers=bearer(token)), 400)
    _error(client.get("/api/v1/screenings", query_string={"instrument": "\x00"}), 400)
    _error(client.post("/api/v1/screenings", headers=bearer(token)), 405)
    _error(client.get("/api/v1/definitions/asrs-v1.1/versions/x", headers=bearer(token)), 404)


# --- one screening ---------------------------------------------------------------------


def test_one_screening_by_code_with_or_without_dashes(app, client, token):
    _, code = submitted_screening(app, adhd="often", rls_answers=rls())
    for typed in (format_code(code), code, code.lower(), f" {format_code(code)} "):
        response = client.get(f"/api/v1/screenings/{typed}", headers=bearer(token))
        assert response.status_code == 200, typed
    body = response.json
    assert body["reference_code"] == format_code(code)
    adhd, legs = body["instruments"]
    assert adhd["key"] == "asrs-v1.1" and adhd["outcome"] == "consistent"
    assert adhd["fhir_questionnaire"].endswith(f"|{adhd['version']}-r{adhd['revision']}")
    assert adhd["score"] == 6 and adhd["threshold"] == 4
    assert [r["name"] for r in adhd["reports"]]
    q1 = adhd["answers"][0]
    assert q1["item_id"] == "q1" and q1["value"] == "often" and q1["labels"] == ["Often"]
    assert q1["text"].startswith("How often do you have trouble wrapping up")
    assert legs["outcome"] == "consistent"


def test_unknown_draft_and_oversized_codes(app, client, token):
    with app.app_context():
        draft, _ = screenings.start(["asrs-v1.1"])
        db.session.commit()
        draft_code = draft.reference_code
    for code in ("ACDE-FHJK-MNPQ", draft_code, "nonsense", "0000-0000-0000"):
        _error(client.get(f"/api/v1/screenings/{code}", headers=bearer(token)), 404)
        _error(client.get(f"/api/v1/screenings/{code}/pdf", headers=bearer(token)), 404)
        _error(client.get(f"/api/v1/screenings/{code}/fhir", headers=bearer(token)), 404)
    _error(client.get(f"/api/v1/screenings/{'A' * 41}", headers=bearer(token)), 400)
    assert ("api.screening.view", "token:records", "ACDE-FHJK-MNPQ", "not_found") in _events(app)


def test_the_fhir_bundle_is_the_one_the_cli_gives(app, client, runner, token, tmp_path):
    import_new_instrument(app, tmp_path)
    code = submit(app, {"tiredness-check": TIRED, "rls-irlssg": rls(gate="no")})
    response = client.get(f"/api/v1/screenings/{code}/fhir", headers=bearer(token))
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    assert response.headers["Cache-Control"] == "no-store"
    cli = runner.invoke(args=["export", "fhir", format_code(code)])
    assert json.loads(cli.output) == response.json
    detail = client.get(f"/api/v1/screenings/{code}", headers=bearer(token)).json
    assert [i["key"] for i in detail["instruments"]] == ["tiredness-check", "rls-irlssg"]
    assert detail["instruments"][0]["outcome"] == "possible"  # 2 + 1 + 3 = 6: middle band
    keys = [
        d["key"] for d in client.get("/api/v1/definitions", headers=bearer(token)).json["items"]
    ]
    assert "tiredness-check" in keys


def test_the_pdf_is_the_stored_summary(app, client, token):
    _, code = submitted_screening(app)
    first = client.get(f"/api/v1/screenings/{code}/pdf", headers=bearer(token))
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data.startswith(b"%PDF")
    assert format_code(code) in first.headers["Content-Disposition"]
    again = client.get(f"/api/v1/screenings/{format_code(code)}/pdf", headers=bearer(token))
    assert again.data == first.data


def test_csv_with_item_level_answers(app, client, token):
    _, code = submitted_screening(app, adhd="often", rls_answers=rls(gate="no"))
    plain = client.get("/api/v1/screenings.csv", headers=bearer(token))
    assert plain.status_code == 200 and plain.mimetype == "text/csv"
    header = plain.get_data(as_text=True).splitlines()[0]
    assert (
        header
        == "reference_code,submitted_at_utc,adhd_outcome,rls_outcome,reviewed,reviewed_at_utc"
    )
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get("/api/v1/screenings.csv?items=true", headers=bearer(token)).get_data(
                    as_text=True
                )
            )
        )
    )
    (row,) = rows
    assert row["reference_code"] == format_code(code)
    assert row["asrs-v1.1.q1"] == "often"
    assert row["rls-irlssg.gate"] == "no"
    assert row["rls-irlssg.c1_urge"] == ""  # not asked
    _error(client.get("/api/v1/screenings.csv?items=maybe", headers=bearer(token)), 400)


def test_definitions_and_their_versions(app, client, token):
    listing = client.get("/api/v1/definitions", headers=bearer(token)).json["items"]
    adhd = next(d for d in listing if d["key"] == "asrs-v1.1")
    live = next(v for v in adhd["versions"] if v["live"])
    url = f"/api/v1/definitions/asrs-v1.1/versions/{live['revision']}"
    version = client.get(url, headers=bearer(token)).json
    assert version["definition"]["id"] == "asrs-v1.1" and version["live"] is True
    questionnaire = client.get(f"{url}/fhir", headers=bearer(token)).json
    assert questionnaire["resourceType"] == "Questionnaire"
    assert f"{questionnaire['url']}|{questionnaire['version']}" == live["fhir_questionnaire"]
    _error(client.get("/api/v1/definitions/asrs-v1.1/versions/999", headers=bearer(token)), 404)


def test_the_audit_log_pages_back_in_time(app, client, token):
    for _ in range(3):
        client.get("/api/v1/definitions", headers=bearer(token))
    page = client.get("/api/v1/audit?limit=2", headers=bearer(token)).json
    assert len(page["items"]) == 2 and page["next_cursor"]
    assert page["items"][0]["id"] > page["items"][1]["id"]
    rest = client.get(
        "/api/v1/audit", query_string={"cursor": page["next_cursor"]}, headers=bearer(token)
    ).json
    assert rest["items"][0]["id"] < page["items"][1]["id"]
    only = client.get("/api/v1/audit?action=api.definitions.read", headers=bearer(token)).json
    assert {e["action"] for e in only["items"]} == {"api.definitions.read"}


# --- in the web ------------------------------------------------------------------------


def test_admins_make_and_revoke_tokens_in_the_web(app, client):
    admin = signed_in(app, "boss@clinic.example", "admin")
    page = admin.get("/admin/tokens")
    assert page.status_code == 200
    made = admin.post(
        "/admin/tokens",
        data={
            "csrf_token": csrf_token(admin, "/admin/tokens"),
            "name": "records-sync",
            "scopes": ["screenings:read", "fhir:read"],
            "days": "30",
        },
    )
    assert made.status_code == 201
    html = made.get_data(as_text=True)
    token = html.split('id="new-token">')[1].split("<")[0]
    assert tokens.well_formed(token)
    assert client.get("/api/v1/screenings", headers=bearer(token)).status_code == 200
    listing = admin.get("/admin/tokens").get_data(as_text=True)
    assert "records-sync" in listing and token not in listing
    refused = admin.post(
        "/admin/tokens",
        data={
            "csrf_token": csrf_token(admin, "/admin/tokens"),
            "name": "long",
            "scopes": ["screenings:read"],
            "days": "400",
        },
    )
    assert refused.status_code == 400
    with app.app_context():
        token_id = db.session.scalar(
            select(ServiceToken.id).where(ServiceToken.name == "records-sync")
        )
    revoked = admin.post(
        f"/admin/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(admin, "/admin/tokens")}
    )
    assert revoked.status_code == 303
    _error(client.get("/api/v1/screenings", headers=bearer(token)), 401)
    actions = [(e[0], e[1], e[2]) for e in _events(app) if e[0].startswith("token.")]
    assert ("token.create", "boss@clinic.example", "records-sync") in actions
    assert ("token.revoke", "boss@clinic.example", "records-sync") in actions


def test_the_clinicians_csv_has_item_level_answers_on_request(app):
    submitted_screening(app, adhd="often")
    clinician = signed_in(app, "doc@clinic.example", "clinician")
    rows = list(
        csv.DictReader(
            io.StringIO(clinician.get("/clinician/export.csv?items=1").get_data(as_text=True))
        )
    )
    assert rows[0]["asrs-v1.1.q7"] == "never"
    assert "asrs-v1.1.q1" not in clinician.get("/clinician/export.csv").get_data(as_text=True)
    assert clinician.get("/clinician/export.csv?items=yes-please").status_code == 400


def test_no_health_data_leaves_when_the_audit_row_cannot_be_written(app, client, token):
    from sqlalchemy import text

    _, code = submitted_screening(app, adhd="often")
    with app.app_context():
        db.session.execute(text("ALTER TABLE audit_events RENAME TO audit_events_away"))
        db.session.commit()
    try:
        for url in (
            "/api/v1/screenings",
            f"/api/v1/screenings/{code}",
            f"/api/v1/screenings/{code}/pdf",
            f"/api/v1/screenings/{code}/fhir",
            "/api/v1/screenings.csv?items=true",
        ):
            response = client.get(url, headers=bearer(token))
            _error(response, 503)
            body = response.get_data(as_text=True)
            assert format_code(code) not in body and "often" not in body, url
        _error(client.get("/api/v1/screenings"), 503)  # a refusal must be recorded too
    finally:
        with app.app_context():
            db.session.execute(text("ALTER TABLE audit_events_away RENAME TO audit_events"))
            db.session.commit()
