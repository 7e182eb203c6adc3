"""The waiting room's limit on new screenings per address: a clinic setting staff edit."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select

from screener.extensions import db
from screener.models import AuditEvent, ClinicSettings, Screening
from tests.patient_helpers import csrf_token
from tests.staff_pages import hidden, staff_client
from tests.test_staff_settings import SETTINGS, form_data


def _start(client, **headers) -> int:
    token = csrf_token(client.get("/"))
    return client.post(
        "/screen/start",
        data={"csrf_token": token, "consent": "y", "screeners": ["asrs-v1.1"]},
        headers=headers,
    ).status_code


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Screening))


def test_staff_set_how_many_screenings_one_address_may_start(app):
    staff = staff_client(app)
    page = staff.get(SETTINGS).get_data(as_text=True)
    assert hidden(page, "screenings_per_address") == "30"
    response = staff.post(SETTINGS, data=form_data(page, screenings_per_address="2"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(ClinicSettings, 1).screenings_per_address == 2
        details = db.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "settings.update")
        ).all()
        assert details == ["changed: screenings_per_address"]
    patient = app.test_client()
    assert [_start(patient) for _ in range(3)] == [302, 302, 429]
    assert _count(app) == 2
    # Raised again, the next screening may start at once.
    page = staff.get(SETTINGS).get_data(as_text=True)
    assert staff.post(SETTINGS, data=form_data(page, screenings_per_address="3")).status_code == 302
    assert _start(patient) == 302
    assert _count(app) == 3


def test_impossible_limits_get_a_message_and_change_nothing(app):
    staff = staff_client(app)
    for value in ("0", "-5", "10001", "many", ""):
        page = staff.get(SETTINGS).get_data(as_text=True)
        response = staff.post(SETTINGS, data=form_data(page, screenings_per_address=value))
        assert response.status_code == 400, value
        body = response.get_data(as_text=True)
        assert "Enter a number" in body
    with app.app_context():
        assert db.session.get(ClinicSettings, 1).screenings_per_address == 30


def test_forged_forwarding_does_not_buy_more_screenings(make_app):
    app = make_app()
    with app.app_context():
        db.session.get(ClinicSettings, 1).screenings_per_address = 2
        db.session.commit()
    client = app.test_client()
    statuses = [_start(client, **{"X-Forwarded-For": f"10.0.0.{n}"}) for n in range(3)]
    assert statuses == [302, 302, 429]


def test_behind_a_trusted_proxy_each_patient_address_counts(make_app):
    app = make_app(TRUSTED_PROXY_COUNT=1)
    with app.app_context():
        db.session.get(ClinicSettings, 1).screenings_per_address = 1
        db.session.commit()
    client = app.test_client()
    assert _start(client, **{"X-Forwarded-For": "10.0.0.1"}) == 302
    assert _start(client, **{"X-Forwarded-For": "10.0.0.1"}) == 429
    assert _start(client, **{"X-Forwarded-For": "10.0.0.2"}) == 302


def test_the_migration_downgrades_and_upgrades_keeping_the_settings(app):
    with app.app_context():
        settings = db.session.get(ClinicSettings, 1)
        settings.name, settings.screenings_per_address = "Riverside Clinic", 12
        db.session.commit()
        db.session.remove()
        downgrade(revision="0006")
        columns = {c["name"] for c in inspect(db.engine).get_columns("clinic_settings")}
        assert "screenings_per_address" not in columns
        upgrade()
        settings = db.session.get(ClinicSettings, 1)
        assert settings.name == "Riverside Clinic"
        assert settings.screenings_per_address == 30  # the default again after a round trip
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_the_pages_the_limiter_skips_carry_no_limit(app):
    """``NO_LIMITS`` skips the limiter's work on the patient's pages: it must never skip a
    limit. Decorating one of them (or its blueprint, or adding default limits) fails here."""
    from flask_limiter.util import get_qualified_name

    from screener.extensions import NO_LIMITS, limiter

    manager = limiter.limit_manager
    assert not manager.default_limits and not manager.application_limits
    for endpoint in NO_LIMITS:
        view = app.view_functions[endpoint]  # a renamed view fails here too
        assert not manager.decorated_limits(get_qualified_name(view)), endpoint
        assert not manager.has_hints(endpoint), endpoint
        assert not manager.blueprint_limits(app, endpoint.rsplit(".", 1)[0]), endpoint
    # The one limited patient view is not among them, and its limit still counts.
    start = get_qualified_name(app.view_functions["patient.start"])
    with app.test_request_context("/screen/start"):  # its limit is the clinic's setting
        assert manager.decorated_limits(start)
    assert "patient.start" not in NO_LIMITS
