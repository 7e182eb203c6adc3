"""Clinic settings over HTTP: validation, providers, concurrent saves, escaping, CSRF."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from screener import urgent_help
from screener.extensions import db
from screener.models import AuditEvent, ClinicSettings
from screener.services import clinic
from tests.staff_pages import form_data, hidden, staff_client, textarea

SETTINGS = "/staff/settings"


PROVIDER = {
    "providers-0-name": "Northside ADHD Service",
    "providers-0-assesses": ["adhd"],
    "providers-0-phone": "+44 20 7946 0000",
    "providers-0-url": "https://adhd.example.org/referrals",
}


def current(app) -> dict:
    with app.app_context():
        return clinic.current()


def test_staff_save_the_clinic_details_and_providers(app):
    client = staff_client(app)
    page = client.get(SETTINGS).get_data(as_text=True)
    data = form_data(
        page,
        name="Riverside Clinic",
        contact="Call 020 7946 0999",
        retention_days="90",
        draft_retention_days="3",
        **PROVIDER,
        **{"providers-1-name": "Sleep Centre", "providers-1-assesses": ["sleep", "gp"]},
    )
    response = client.post(SETTINGS, data=data)
    assert response.status_code == 302
    assert current(app) == {
        "name": "Riverside Clinic",
        "contact": "Call 020 7946 0999",
        "urgent_help": urgent_help.DEFAULT,
        "retention_days": 90,
        "draft_retention_days": 3,
        "providers": [
            {
                "name": "Northside ADHD Service",
                "assesses": ["adhd"],
                "phone": "+44 20 7946 0000",
                "url": "https://adhd.example.org/referrals",
            },
            {"name": "Sleep Centre", "assesses": ["sleep", "gp"], "phone": "", "url": ""},
        ],
    }
    with app.app_context():
        assert db.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "settings.update")
        ).all() == ["changed: name, contact, retention_days, draft_retention_days, providers"]
    # The saved providers come back with spare rows, and one can be removed.
    page = client.get(SETTINGS).get_data(as_text=True)
    assert hidden(page, "providers-1-name") == "Sleep Centre"
    assert hidden(page, "providers-3-name") == ""
    data = form_data(
        page,
        **{
            "providers-0-name": "Northside ADHD Service",
            "providers-0-assesses": ["adhd"],
            "providers-1-name": "Sleep Centre",
            "providers-1-assesses": ["sleep"],
            "providers-1-remove": "y",
        },
    )
    assert client.post(SETTINGS, data=data).status_code == 302
    assert [p["name"] for p in current(app)["providers"]] == ["Northside ADHD Service"]


def test_only_http_and_https_web_addresses_are_accepted(app):
    client = staff_client(app)
    before = current(app)
    for url in (
        "javascript:alert(1)",
        "data:text/html,<script>x</script>",
        "ftp://example.org",
        "https://",
        "https://user:pw@example.org",
        "example.org",
    ):
        page = client.get(SETTINGS).get_data(as_text=True)
        response = client.post(
            SETTINGS, data=form_data(page, **{**PROVIDER, "providers-0-url": url})
        )
        assert response.status_code == 400, url
        assert "web address" in response.get_data(as_text=True)
    assert current(app) == before


def test_incomplete_providers_and_bad_numbers_get_messages(app):
    client = staff_client(app)
    page = client.get(SETTINGS).get_data(as_text=True)
    response = client.post(
        SETTINGS,
        data=form_data(
            page,
            retention_days="0",
            draft_retention_days="many",
            **{"providers-0-phone": "0800 123", "providers-1-name": "No Kind"},
        ),
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "from 1 to 3650" in text
    assert "Enter the provider" in text
    assert "Tick at least one thing this provider assesses" in text
    # The error summary names the provider row each message is about.
    summary = text[text.index('class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert re.search(r"Provider 1: Enter the provider", summary), summary
    assert re.search(r"Provider 2: Tick at least one thing", summary), summary


def test_the_second_of_two_saves_is_refused_and_keeps_their_values(app):
    first, second = staff_client(app, "a@example.org"), staff_client(app, "b@example.org")
    page_1 = first.get(SETTINGS).get_data(as_text=True)
    page_2 = second.get(SETTINGS).get_data(as_text=True)
    assert first.post(SETTINGS, data=form_data(page_1, name="First Name")).status_code == 302
    refused = second.post(SETTINGS, data=form_data(page_2, name="Second Name"))
    text = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Your changes have not been saved" in text
    assert hidden(text, "name") == "Second Name"
    assert current(app)["name"] == "First Name"


def test_hostile_text_is_stored_verbatim_and_shown_escaped(app):
    client = staff_client(app)
    hostile = '"><script>alert(1)</script>'
    page = client.get(SETTINGS).get_data(as_text=True)
    assert client.post(SETTINGS, data=form_data(page, name=hostile)).status_code == 302
    assert current(app)["name"] == hostile
    page = client.get(SETTINGS).get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert hidden(page, "name") == hostile


def test_settings_need_a_csrf_token(app):
    client = staff_client(app)
    page = client.get(SETTINGS).get_data(as_text=True)
    data = form_data(page, name="Changed")
    del data["csrf_token"]
    assert client.post(SETTINGS, data=data).status_code == 400
    assert current(app)["name"] != "Changed"


CRISIS = "In crisis? Call the Riverside crisis line on 0800 000 111, day or night, or call 999."


def _audit_details(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.action == "settings.update")
            .order_by(AuditEvent.id)
        ).all()


def test_the_urgent_help_line_is_the_default_until_staff_word_it(app):
    client = staff_client(app)
    page = client.get(SETTINGS).get_data(as_text=True)
    # The field starts empty, and its hint shows the default that applies meanwhile.
    assert "Urgent help line" in page
    assert textarea(page, "urgent_help") == ""
    assert urgent_help.DEFAULT in page
    assert current(app)["urgent_help"] == urgent_help.DEFAULT
    # Line breaks typed in the box become spaces: it is shown as one line.
    wording = CRISIS.replace("line on", "line\r\non")
    response = client.post(SETTINGS, data=form_data(page, urgent_help="  " + wording + "\n"))
    assert response.status_code == 302
    assert current(app)["urgent_help"] == CRISIS
    assert _audit_details(app) == ["changed: urgent_help"]
    page = client.get(SETTINGS).get_data(as_text=True)
    assert textarea(page, "urgent_help") == CRISIS
    # Emptying the box goes back to the default.
    assert client.post(SETTINGS, data=form_data(page, urgent_help="   ")).status_code == 302
    assert current(app)["urgent_help"] == urgent_help.DEFAULT
    with app.app_context():
        assert db.session.get(ClinicSettings, 1).urgent_help == ""


def _saved_then_posted(app, **changes):
    """Save a crisis line and a provider, then post the form again with ``changes``.

    Returns the settings as saved before the second post, and its response.
    """
    client = staff_client(app)
    page = client.get(SETTINGS).get_data(as_text=True)
    assert client.post(SETTINGS, data=form_data(page, urgent_help=CRISIS, **PROVIDER)).status_code
    before = current(app)
    page = client.get(SETTINGS).get_data(as_text=True)
    return before, client.post(SETTINGS, data=form_data(page, **changes, **PROVIDER))


@pytest.mark.parametrize(
    ("wording", "message"),
    [
        ("x" * 501, "at most 500 characters (it has 501)"),
        ("Call us\x07 now", "cannot contain hidden control characters (such as NUL)."),
    ],
    ids=["too-long", "bell"],
)
def test_a_bad_urgent_help_line_is_refused_and_nothing_is_lost(app, wording, message):
    before, response = _saved_then_posted(app, name="Renamed Clinic", urgent_help=wording)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in text
    assert 'href="#field-urgent_help"' in text  # the error summary links to the box
    # Nothing was saved, and what the staff member typed is still in the form.
    assert current(app) == before
    assert hidden(text, "name") == "Renamed Clinic"
    assert hidden(text, "providers-0-name") == PROVIDER["providers-0-name"]
    assert _audit_details(app) == ["changed: urgent_help, providers"]


def test_a_nul_in_the_urgent_help_line_is_refused_at_the_edge_and_nothing_is_lost(app):
    """A NUL never reaches the form: every request holding one gets a 400 that says why."""
    before, response = _saved_then_posted(app, urgent_help="Call us\x00 now")
    assert response.status_code == 400
    assert "a NUL character" in response.get_data(as_text=True)
    assert current(app) == before


def test_the_environment_gives_the_first_urgent_help_line(make_app):
    app = make_app(CLINIC_URGENT_HELP=" " + CRISIS + " ")
    with app.app_context():
        db.session.delete(db.session.get(ClinicSettings, 1))
        db.session.commit()
        assert clinic.current()["urgent_help"] == CRISIS  # before the row exists
        clinic.ensure_settings()
        db.session.commit()
        assert db.session.get(ClinicSettings, 1).urgent_help == CRISIS
        assert clinic.current()["urgent_help"] == CRISIS


def test_the_clinic_name_is_one_line_without_control_characters(app):
    """The name heads every page and goes into invitation e-mails' subject line, where a
    line break is refused: line breaks become spaces, other control characters a 400."""
    client = staff_client(app)
    page = client.get(SETTINGS).get_data(as_text=True)
    response = client.post(
        SETTINGS, data=form_data(page, name="Test Clinic\r\nBcc: someone@example.com")
    )
    assert response.status_code == 302
    assert current(app)["name"] == "Test Clinic Bcc: someone@example.com"
    before = current(app)
    page = client.get(SETTINGS).get_data(as_text=True)
    response = client.post(SETTINGS, data=form_data(page, name="Test\x07 Clinic"))
    assert response.status_code == 400
    assert "without control characters" in response.get_data(as_text=True)
    assert current(app) == before
