"""Failed sign-ins are throttled per account and per address; forged addresses don't help."""

from __future__ import annotations

from tests.auth_helpers import PASSWORD, login, make_user


def _fail(client, email, **headers):
    token_page = client.get("/auth/login")
    token = token_page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    return client.post(
        "/auth/login",
        data={"csrf_token": token, "email": email, "password": "not-the-password-0"},
        headers=headers,
    )


def test_an_account_is_throttled_after_five_failures_even_with_the_right_password(app, client):
    make_user(app, "ana@clinic.example", "clinician")
    make_user(app, "bo@clinic.example", "clinician")
    for _ in range(5):
        assert _fail(client, "ana@clinic.example").status_code == 200
    assert login(client, "ANA@clinic.example", PASSWORD).status_code == 429
    page = login(client, "ana@clinic.example", PASSWORD)
    assert page.status_code == 429 and "Too many attempts" in page.get_data(as_text=True)
    # Another account from the same address is not locked out by someone else's guesses.
    assert login(app.test_client(), "bo@clinic.example", PASSWORD).status_code == 302


def test_successful_sign_ins_do_not_count(app, client):
    make_user(app, "ana@clinic.example", "clinician")
    for _ in range(8):
        assert login(app.test_client(), "ana@clinic.example").status_code == 302


def test_unknown_accounts_are_throttled_like_real_ones(app, client):
    for _ in range(5):
        assert _fail(client, "nobody@clinic.example").status_code == 200
    assert _fail(client, "nobody@clinic.example").status_code == 429


def test_an_address_is_throttled_across_accounts_and_forged_forwarding_is_ignored(make_app):
    app = make_app(LOGIN_LIMIT_PER_ADDRESS="3 per 15 minutes")
    make_user(app, "ana@clinic.example", "clinician")
    client = app.test_client()
    for n in range(3):
        response = _fail(client, f"guess{n}@clinic.example", **{"X-Forwarded-For": f"10.0.0.{n}"})
        assert response.status_code == 200
    forged = {"X-Forwarded-For": "10.9.9.9", "X-Real-IP": "10.9.9.9"}
    assert _fail(client, "other@clinic.example", **forged).status_code == 429
    assert login(client, "ana@clinic.example").status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_address_counts(make_app):
    app = make_app(LOGIN_LIMIT_PER_ADDRESS="3 per 15 minutes", TRUSTED_PROXY_COUNT=1)
    client = app.test_client()
    for n in range(3):
        assert (
            _fail(client, f"g{n}@x.example", **{"X-Forwarded-For": "10.0.0.1"}).status_code == 200
        )
    assert _fail(client, "g@x.example", **{"X-Forwarded-For": "10.0.0.1"}).status_code == 429
    assert _fail(client, "g@x.example", **{"X-Forwarded-For": "10.0.0.2"}).status_code == 200


def _throttled_rows(app) -> list[tuple[str | None, str | None, str]]:
    from sqlalchemy import select

    from screener.extensions import db
    from screener.models import AuditEvent

    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(
                select(AuditEvent.actor, AuditEvent.address, AuditEvent.detail)
                .where(AuditEvent.action == "auth.sign_in", AuditEvent.outcome == "throttled")
                .order_by(AuditEvent.id)
            )
        ]


def test_a_throttled_sign_in_is_audited_once_per_account_and_window(app, client):
    make_user(app, "ana@clinic.example", "clinician")
    for _ in range(5):
        _fail(client, "ana@clinic.example")
    for _ in range(10):  # a script keeps trying: every attempt is refused
        assert _fail(client, "ana@clinic.example").status_code == 429
    assert login(client, "ana@clinic.example", PASSWORD).status_code == 429
    rows = _throttled_rows(app)
    assert len(rows) == 1
    actor, address, detail = rows[0]
    assert actor == "ana@clinic.example" and address == "127.0.0.1"
    assert "per account" in detail
    # Another throttled account gets its own row; an unknown one is not named.
    for _ in range(6):
        _fail(client, "nobody@clinic.example")
    rows = _throttled_rows(app)
    assert len(rows) == 2 and rows[1][0] is None


def test_a_throttled_address_is_audited_once_per_window(make_app):
    app = make_app(LOGIN_LIMIT_PER_ADDRESS="3 per 15 minutes")
    client = app.test_client()
    for n in range(3):
        assert _fail(client, f"guess{n}@clinic.example").status_code == 200
    for n in range(3, 20):
        assert _fail(client, f"guess{n}@clinic.example").status_code == 429
    rows = _throttled_rows(app)
    assert len(rows) == 1 and "per address" in rows[0][2]
