"""The invitations portal as its users meet it: what the letter tells them to do when
it is lost, errors shown and linked at the field they are about, and revoking asked
first on a page of its own (without JavaScript) before anything changes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from screener.extensions import db
from screener.models import AuditEvent, Invitation, InvitationSeries
from screener.services import invitations
from tests.auth_helpers import csrf_token, signed_in
from tests.test_invitation_series import (  # noqa: F401 - clock: the series' frozen clock
    VISITS,
    answer_and_submit,
    clock,
    make_series,
    states,
)
from tests.test_invitation_series import press_start as start_series
from tests.test_invitations import invite, state


@pytest.fixture
def staff(app):
    return signed_in(app, "staff@clinic.example", "staff")


def make(client, **fields):
    """Post the Make-an-invitation form; a single ASRS invitation unless told otherwise."""
    data = {"label": "MRN 9", "days": "14", "instruments": ["asrs-v1.1"], **fields}
    data = {key: value for key, value in data.items() if value is not None}
    data["csrf_token"] = csrf_token(client, "/invitations/")
    return client.post("/invitations/", data=data)


def count_invitations(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Invitation))


def summary_links(page: str) -> list[tuple[str, str]]:
    """(target, message) of each link in the page's error summaries."""
    found = []
    for summary in re.findall(r'<div class="error-summary".*?</div>', page, re.S):
        found += re.findall(r'<a href="#([^"]*)">([^<]*)</a>', summary)
    return found


def field_block(page: str, field_id: str) -> str:
    """The opening tag of the ``div.field``/``fieldset.field`` holding ``field_id``, and
    everything up to the field itself."""
    at = page.index(f'id="{field_id}"')
    start = max(page.rfind('<div class="field', 0, at), page.rfind('<fieldset class="field', 0, at))
    return page[start:at]


def create_section(page: str) -> str:
    """The Make-an-invitation part of the page, from its heading to the end of its form."""
    start = page.index('id="create-title"')
    return page[start : page.index("</form>", start)]


# --- 1. the letter of a series ----------------------------------------------------------


def test_a_series_letter_says_to_revoke_the_rest_of_the_series(app, staff, clock):
    made = make(staff, days="7", every_weeks="2", times="3")
    assert made.status_code == 201
    letter = made.get_data(as_text=True)
    series_id = re.search(r"Revoke the rest of series (\d+)", letter).group(1)
    assert "revoke the rest of the series" in letter
    assert "Revoking one invitation of a series is not enough" in letter
    assert "revoke this invitation and make a new one" not in letter
    # The button it names is the one the list shows for that series.
    listing = staff.get("/invitations/").get_data(as_text=True)
    assert f"Revoke the rest of series {series_id}" in listing

    single = make(staff).get_data(as_text=True)
    assert "revoke this invitation and make a new one" in single
    assert "rest of the series" not in single


# --- 2. no questionnaire ticked ---------------------------------------------------------


def test_no_questionnaire_ticked_is_a_400_at_the_field_and_makes_nothing(app, staff, clock):
    response = make(staff, instruments=None)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    first_box = re.search(r'<input id="(instruments-0)"', page).group(1)
    assert ("instruments-0", "Choose at least one questionnaire.") in summary_links(page)
    block = field_block(page, "instruments")
    assert "field-error" in block and 'aria-describedby="instruments-error"' in block
    assert '<p class="error-message" id="instruments-error">Choose at least one' in block
    assert first_box == "instruments-0"
    # No box comes back ticked, and no box is marked required one by one.
    assert "checked" not in page.split('id="instruments"', 1)[1].split("</fieldset>", 1)[0]
    assert "required" not in re.search(r'<input id="instruments-0"[^>]*>', page).group(0)
    assert count_invitations(app) == 0


def test_ticking_only_a_context_questionnaire_is_refused_at_the_same_field(app, staff, clock):
    response = make(staff, instruments=["iron-context"])
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert ("instruments-0", "Choose at least one screening questionnaire.") in summary_links(page)
    assert count_invitations(app) == 0


# --- 3. a state that is not in the filter -----------------------------------------------


def test_a_bogus_state_is_an_error_at_the_state_filter_not_the_form(app, staff, clock):
    invite(app, label="Listed anyway")
    response = staff.get("/invitations/?state=bogus")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert summary_links(page) == [("state", "Choose a state from the list.")]
    assert page.index("Choose a state from the list.") < page.index('id="create-title"')
    # The form to make an invitation is untouched; the State filter carries the error.
    form = create_section(page)
    assert "Choose a state" not in form and "field-error" not in form
    assert "aria-invalid" not in form
    state_field = field_block(page, "state")
    assert "field-error" in state_field
    assert '<p class="error-message" id="state-error">Choose a state from the list.</p>' in page
    assert re.search(r'<select id="state" name="state" aria-describedby="state-error"', page)
    assert "Listed anyway" in page  # every invitation is listed instead
    assert "<title>Error: Invitations" in page


# --- 4. each error linked to its own field ----------------------------------------------


def test_an_address_without_smtp_links_to_the_form_not_a_missing_field(app, staff, clock):
    response = make(staff, email="pat@example.com")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="email"' not in page and 'href="#email"' not in page
    [(target, message)] = summary_links(page)
    assert target == "create-form" and 'id="create-form"' in page
    assert "no e-mail server set up" in message and "leave the e-mail address blank" not in message
    assert "No invitation was made" in message
    assert count_invitations(app) == 0


@pytest.mark.parametrize(
    ("every_weeks", "times", "days", "field"),
    [
        ("1", "3", "8", "days"),  # days longer than the gap between screenings
        ("2", "3", "20", "days"),
        ("2", "", "7", "times"),  # only one of the pair
        ("", "3", "7", "every_weeks"),
    ],
)
def test_a_refused_series_points_at_the_field_it_is_about(
    app, staff, clock, every_weeks, times, days, field
):
    response = make(staff, every_weeks=every_weeks, times=times, days=days)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    [(target, _)] = summary_links(page)
    assert target == field
    assert "field-error" in field_block(page, field)
    others = {"days", "every_weeks", "times"} - {field}
    for other in others:
        assert "field-error" not in field_block(page, other), other
    tag = re.search(rf'<input[^>]*id="{field}"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in tag and f"{field}-error" in tag
    assert count_invitations(app) == 0


# --- 5. number inputs as big as text inputs ---------------------------------------------


def test_number_inputs_share_the_text_inputs_rule(app):
    css = app.test_client().get("/static/css/portal.css").get_data(as_text=True)
    rule = re.search(r"([^{}]*input\[type=text\][^{}]*)\{([^}]*)\}", css)
    assert ".field input[type=number]" in rule.group(1)
    assert "font: inherit" in rule.group(2) and "padding" in rule.group(2)
    assert re.search(r"\.field input\[type=number\] \{ width: 7rem; \}", css)


# --- 6. revoking is asked first ---------------------------------------------------------


def test_the_list_links_to_a_confirmation_and_posts_nothing(app, staff, clock):
    invitation_id, _, _ = invite(app)
    page = staff.get("/invitations/").get_data(as_text=True)
    table = page[page.index('<table class="data invitation-list"') :]
    assert 'method="post"' not in table
    assert (
        f'<a href="/invitations/{invitation_id}/revoke">Revoke invitation {invitation_id}</a>'
        in (table)
    )


def test_revoking_one_invitation_goes_through_a_confirmation(app, staff, clock):
    invitation_id, link, _ = invite(app)
    path = f"/invitations/{invitation_id}/revoke"
    asked = staff.get(path)
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert f"Revoke invitation {invitation_id}?" in page
    assert "This invitation was cancelled" in page  # what the patient will see
    assert "MRN 4411" not in page  # no label, so nothing to audit
    form = re.search(rf'<form method="post" action="{path}"[^>]*>(.*?)</form>', page, re.S)
    assert 'name="csrf_token"' in form.group(1)
    assert f">Revoke invitation {invitation_id}</button>" in form.group(1)
    assert f'<a href="/invitations/{invitation_id}">Cancel</a>' in form.group(1)
    # Asking changes nothing and records nothing.
    assert state(app, invitation_id) == "issued"
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert "invitation.revoke" not in actions

    token = re.search(r'name="csrf_token" value="([^"]+)"', form.group(1)).group(1)
    assert staff.post(path).status_code == 400  # still a POST with its CSRF token
    done = staff.post(path, data={"csrf_token": token})
    assert done.status_code == 303 and done.location.endswith("/invitations/")
    assert state(app, invitation_id) == "revoked"
    assert app.test_client().get(link).status_code == 410
    assert "is revoked" in staff.get("/invitations/").get_data(as_text=True)

    ended = staff.get(path)
    assert ended.status_code == 409
    text = ended.get_data(as_text=True)
    assert "has already ended" in text and "It is revoked" in text
    assert f'action="{path}"' not in text


def test_the_confirmation_refuses_unknown_and_ended_invitations_cleanly(app, staff, clock):
    assert staff.get("/invitations/999/revoke").status_code == 404
    assert staff.get("/invitations/series/999/revoke").status_code == 404
    expired_id, _, _ = invite(app, days=1)
    clock.advance(days=2)
    expired = staff.get(f"/invitations/{expired_id}/revoke")
    assert expired.status_code == 409
    assert "It is expired" in expired.get_data(as_text=True)


def test_only_clinicians_and_staff_reach_the_confirmation(app, clock):
    invitation_id, _, _ = invite(app)
    path = f"/invitations/{invitation_id}/revoke"
    assert signed_in(app, "c@clinic.example", "clinician").get(path).status_code == 200
    assert signed_in(app, "a@clinic.example", "admin").get(path).status_code == 403
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.location


def test_revoking_a_series_goes_through_a_confirmation(app, staff, clock):
    series_id, link, _ = make_series(app)
    patient = app.test_client()
    assert start_series(patient, link).status_code == 303
    answer_and_submit(app, patient, VISITS[0])
    listing = staff.get("/invitations/").get_data(as_text=True)
    assert f'<a href="/invitations/series/{series_id}/revoke">Revoke the rest of series' in listing

    path = f"/invitations/series/{series_id}/revoke"
    asked = staff.get(path)
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert f"Revoke the rest of series {series_id}?" in page
    assert "This series of screenings was cancelled" in page
    assert page.count("will be revoked") == 2 and "stays completed" in page
    assert states(app, series_id) == ["completed", "scheduled", "scheduled"]

    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    done = staff.post(path, data={"csrf_token": token})
    assert done.status_code == 303
    assert states(app, series_id) == ["completed", "revoked", "revoked"]
    again = staff.get(path)
    assert again.status_code == 409 and "has already ended" in again.get_data(as_text=True)


def test_one_invitation_of_a_series_says_the_link_moves_on(app, staff, clock):
    series_id, _, _ = make_series(app)
    with app.app_context():
        first, second, third = (
            row.id for row in invitations.members(db.session.get(InvitationSeries, series_id))
        )
    page = staff.get(f"/invitations/{first}/revoke").get_data(as_text=True)
    assert "move on to screening 2 of 3" in page
    assert f'href="/invitations/series/{series_id}/revoke">revoke the rest of series' in page
    later = staff.get(f"/invitations/{third}/revoke").get_data(as_text=True)
    assert "Screening 3 of the series is skipped" in later
    # Once the others have ended, the last open one ends the link with it.
    with app.app_context():
        for number in (first, second):
            invitations.revoke_audited(db.session.get(Invitation, number), actor="test")
    last = staff.get(f"/invitations/{third}/revoke").get_data(as_text=True)
    assert "This series of screenings was cancelled" in last
