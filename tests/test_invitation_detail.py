"""Each invitation's own page in the portal: its state in words, the screening it led
to, its series, its actions, and its history read back from the audit trail."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from screener.extensions import db
from screener.models import AuditEvent, Invitation, Screening
from screener.services import invitation_expiry
from tests.auth_helpers import csrf_token, signed_in
from tests.test_invitation_series import (  # noqa: F401 - clock: the series' frozen clock
    VISITS,
    answer_and_submit,
    clock,
    make_series,
)
from tests.test_invitation_series import press_start as start_series
from tests.test_invitations import finish_asrs, invite, press_start


@pytest.fixture
def staff(app):
    return signed_in(app, "staff@clinic.example", "staff")


@pytest.fixture
def clinician(app):
    return signed_in(app, "clinician@clinic.example", "clinician")


def history(page: str) -> list[tuple[str, str]]:
    """(what, by) of each entry of the History list, in order."""
    part = page[page.index('id="history-title"') :]
    entries = re.findall(
        r'<li><p>(.*?)</p>\s*<p class="review-who">[^<]*? · ([^<]*)</p>', part, re.S
    )
    return [(re.sub(r"<[^>]+>", "", what).strip(), by.strip()) for what, by in entries]


def test_a_completed_invitation_tells_its_whole_story(app, staff, clinician, clock):
    invitation_id, link, _ = invite(app, label="Ward <b>7</b>")
    patient = app.test_client()
    assert press_start(patient, link).status_code == 303
    clock.advance(minutes=5)
    assert finish_asrs(patient).location.endswith("/screen/results")
    with app.app_context():
        screening_id = db.session.get(Invitation, invitation_id).screening_id

    page = staff.get(f"/invitations/{invitation_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f"<h1>Invitation {invitation_id}</h1>" in text
    assert "Ward &lt;b&gt;7&lt;/b&gt;" in text and "<b>7</b>" not in text
    assert ">Completed</span>" in text
    assert "The patient submitted the screening on" in text
    assert history(text) == [
        ("Made", "test"),
        ("Opened for the first time", "The patient"),
        ("Screening started", "The patient"),
        (history(text)[3][0], "The patient"),
    ]
    assert history(text)[3][0].startswith("Screening submitted (")
    # Staff see which screening it was; only clinicians can open it.
    assert f'href="/clinician/screenings/{screening_id}"' not in text
    assert 'Submitted: <span class="code">' in text
    assert "Revoke invitation" not in text  # it has ended: nothing to revoke
    for_clinician = clinician.get(f"/invitations/{invitation_id}").get_data(as_text=True)
    assert f'href="/clinician/screenings/{screening_id}"' in for_clinician

    # Reading the label is audited, by number only; the view is not part of the history.
    with app.app_context():
        views = db.session.execute(
            select(AuditEvent.actor, AuditEvent.reference, AuditEvent.detail)
            .where(AuditEvent.action == "invitation.view")
            .order_by(AuditEvent.id)
        ).all()
    assert views == [
        ("staff@clinic.example", f"invitation {invitation_id}", None),
        ("clinician@clinic.example", f"invitation {invitation_id}", None),
    ]
    assert "Ward" not in str(views)


def test_the_list_links_each_invitation_to_its_page(app, staff, clock):
    invitation_id, _, _ = invite(app)
    listing = staff.get("/invitations/").get_data(as_text=True)
    assert f'href="/invitations/{invitation_id}"' in listing
    page = staff.get(f"/invitations/{invitation_id}").get_data(as_text=True)
    assert "Not opened yet. The link and the code work until" in page
    assert f'href="/invitations/{invitation_id}/revoke"' in page
    assert history(page) == [("Made", "test")]


def test_revoking_and_later_tries_are_in_the_history(app, staff, clock):
    invitation_id, link, _ = invite(app)
    token = csrf_token(staff, f"/invitations/{invitation_id}/revoke")
    assert (
        staff.post(f"/invitations/{invitation_id}/revoke", data={"csrf_token": token}).status_code
        == 303
    )
    # A second press (another tab) is refused, and the refusal is shown as a problem.
    assert (
        staff.post(f"/invitations/{invitation_id}/revoke", data={"csrf_token": token}).status_code
        == 303
    )
    assert app.test_client().get(link).status_code == 410

    page = staff.get(f"/invitations/{invitation_id}").get_data(as_text=True)
    assert ">Revoked</span>" in page and "say it was cancelled" in page
    assert history(page) == [
        ("Made", "test"),
        ("Revoked", "staff@clinic.example"),
        ("Problem Revoking refused: This invitation is already revoked.", "staff@clinic.example"),
        ("Problem Link or code used after it ended (the page said: revoked)", "The patient"),
    ]
    assert f'href="/invitations/{invitation_id}/revoke"' not in page


def test_an_expiry_is_in_the_history_once_the_app_writes_it_down(app, staff, clock):
    invitation_id, link, _ = invite(app, days=1)
    assert app.test_client().get(link).status_code == 200
    clock.advance(days=1)
    page = staff.get(f"/invitations/{invitation_id}").get_data(as_text=True)
    assert ">Expired</span>" in page and "say it has expired" in page
    assert [what for what, _ in history(page)] == ["Made", "Opened for the first time"]
    with app.app_context():
        assert invitation_expiry.record_expiries(clock.now) == 1
    page = staff.get(f"/invitations/{invitation_id}").get_data(as_text=True)
    what, by = history(page)[-1]
    # What had been done; its moment is the page's, in the clinic's zone, not the trail's UTC.
    assert (what, by) == ("Expired: opened, not started", "The app")


def test_a_series_member_shows_its_series_and_only_its_own_revoke(app, staff, clock):
    series_id, link, _ = make_series(app)
    patient = app.test_client()
    assert start_series(patient, link).status_code == 303
    answer_and_submit(app, patient, VISITS[0])
    with app.app_context():
        first, second, third = db.session.scalars(
            select(Invitation.id).where(Invitation.series_id == series_id).order_by(Invitation.id)
        ).all()
    token = csrf_token(staff, f"/invitations/series/{series_id}/revoke")
    revoked = staff.post(f"/invitations/series/{series_id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 303

    page = staff.get(f"/invitations/{second}").get_data(as_text=True)
    assert f"Screening 2 of 3, every 2 weeks (series {series_id})" in page
    assert f'aria-current="page">Screening 2 of 3: this invitation ({second})' in page
    assert f'href="/invitations/{first}"' in page and f'href="/invitations/{third}"' in page
    assert history(page) == [
        (f"Made, with the rest of its series (invitation {first})", "test"),
        ("Revoked with the rest of its series", "staff@clinic.example"),
    ]
    done = staff.get(f"/invitations/{first}").get_data(as_text=True)
    assert ">Completed</span>" in done
    assert not any(what.startswith("Revoked") for what, _ in history(done))


def test_unknown_numbers_and_other_roles_are_refused(app, staff, clock):
    invitation_id, _, _ = invite(app)
    assert staff.get("/invitations/99999").status_code == 404
    assert staff.get("/invitations/abc").status_code == 404
    admin = signed_in(app, "admin@clinic.example", "admin")
    assert admin.get(f"/invitations/{invitation_id}").status_code == 403
    anonymous = app.test_client().get(f"/invitations/{invitation_id}")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.location


def test_a_started_screening_is_shown_as_a_draft_then_as_deleted(app, staff, clock):
    invitation_id, link, _ = invite(app)
    assert press_start(app.test_client(), link).status_code == 303
    page = staff.get(f"/invitations/{invitation_id}").get_data(as_text=True)
    assert "The patient has started and can go on until" in page
    assert "Started, not submitted yet" in page
    with app.app_context():  # as the draft period or an erasure would
        db.session.delete(
            db.session.get(Screening, db.session.get(Invitation, invitation_id).screening_id)
        )
        db.session.commit()
    page = staff.get(f"/invitations/{invitation_id}").get_data(as_text=True)
    assert ">Expired</span>" in page and "(or when its unfinished screening was deleted)" in page
    assert "No longer kept (deleted by the retention period or an erasure)" in page


def test_the_screening_page_links_back_to_its_invitation(app, clinician, clock):
    invitation_id, link, _ = invite(app, label=None)
    patient = app.test_client()
    assert press_start(patient, link).status_code == 303
    assert finish_asrs(patient).location.endswith("/screen/results")
    with app.app_context():
        screening_id = db.session.get(Invitation, invitation_id).screening_id
    page = clinician.get(f"/clinician/screenings/{screening_id}").get_data(as_text=True)
    # Without a label the screening still says it came from an invitation.
    assert f'<a href="/invitations/{invitation_id}">Invitation {invitation_id}</a>' in page
    assert "<strong>" not in page[page.index("detail-meta") : page.index("Download the PDF")]


def test_an_expiry_after_a_deleted_draft_says_what_was_done():
    from types import SimpleNamespace

    from screener.services.invitation_history import _said

    event = SimpleNamespace(
        action="invitation.expire",
        outcome="expired",
        detail="started; the unfinished screening was deleted (found 2026-12-03 09:00:00 UTC)",
    )
    assert _said(event) == ("Expired: started; the unfinished screening was deleted", True)


def test_the_list_pages_through_every_invitation_and_filters_before_paging(
    app, staff, clock, monkeypatch
):
    from screener.services import invitations

    monkeypatch.setattr(invitations, "PAGE_SIZE", 5)
    ids = [invite(app, label=f"MRN {n}")[0] for n in range(12)]
    oldest = ids[0]
    token = csrf_token(staff, f"/invitations/{oldest}/revoke")
    assert (
        staff.post(f"/invitations/{oldest}/revoke", data={"csrf_token": token}).status_code == 303
    )

    def numbers(page: str) -> list[int]:
        return [int(n) for n in re.findall(r'<a href="/invitations/(\d+)" aria-label=', page)]

    first = staff.get("/invitations/").get_data(as_text=True)
    assert numbers(first) == ids[::-1][:5]
    assert "(page 1 of 3; 12 in all)" in first and 'rel="next">Older invitations' in first
    last = staff.get("/invitations/?page=3").get_data(as_text=True)
    assert numbers(last) == [ids[1], oldest]
    # The state is chosen before paging: the oldest, revoked, is found on page 1.
    revoked = staff.get("/invitations/?state=revoked").get_data(as_text=True)
    assert numbers(revoked) == [oldest] and "Older invitations" not in revoked
    # A page past the end shows the last; a page that is no number is a 400 that says so.
    assert numbers(staff.get("/invitations/?page=99").get_data(as_text=True)) == numbers(last)
    for bad in ("abc", "0", "-1", "1e3", "１"):
        response = staff.get(f"/invitations/?page={bad}")
        assert response.status_code == 400, bad
        assert "The page number must be a whole number from 1." in response.get_data(as_text=True)
        assert numbers(response.get_data(as_text=True)) == ids[::-1][:5]


def test_labels_are_searched_by_post_and_shown_on_one_page(app, staff, clock):
    ward = invite(app, label="Ward 3 <b>bed</b> 12")[0]
    other = invite(app, label="Outpatients 7")[0]
    invite(app, label=None)
    token = csrf_token(staff, "/invitations/")

    found = staff.post("/invitations/label", data={"csrf_token": token, "find_label": "WARD 3"})
    assert found.status_code == 200
    page = found.get_data(as_text=True)
    assert "1 invitation matches." in page
    assert f'href="/invitations/{ward}"' in page and f'href="/invitations/{other}"' not in page
    assert "Ward 3 &lt;b&gt;bed&lt;/b&gt; 12" in page
    # The form to make one, beside the results, is as fresh as on the list.
    ticked = re.findall(r'<input[^>]*name="instruments"[^>]*>', page)
    fresh = re.findall(
        r'<input[^>]*name="instruments"[^>]*>', staff.get("/invitations/").get_data(as_text=True)
    )
    assert ticked == fresh and any("checked" in box for box in ticked)
    none = staff.post("/invitations/label", data={"csrf_token": token, "find_label": "nobody"})
    assert "0 invitations match." in none.get_data(as_text=True)
    assert "No invitations with such a label." in none.get_data(as_text=True)

    for bad in ({"find_label": ""}, {"find_label": "x" * 81}):
        refused = staff.post("/invitations/label", data={"csrf_token": token, **bad})
        assert refused.status_code == 400
        assert 'href="#find_label"' in refused.get_data(as_text=True)
    stale = staff.post("/invitations/label", data={"find_label": "Ward"})  # no CSRF token
    assert stale.status_code == 400 and "Ward" not in stale.get_data(as_text=True)

    # The search is audited without the label; the label is in no URL.
    with app.app_context():
        details = db.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "invitations.list")
        ).all()
    assert "label=(searched)" in details
    assert not any("Ward" in (d or "") for d in details)
