"""Invitations: every state and transition on a frozen clock, the link and the kiosk code,
mail-scanner prefetching, bad input, the portal pages and the audit trail."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from screener import unit_of_work
from screener.extensions import db
from screener.models import AuditEvent, ClinicSettings, Invitation, Screening
from screener.models.invitation import STATES
from screener.services import invitations, screenings
from tests import patient_helpers
from tests.auth_helpers import csrf_token as portal_csrf
from tests.auth_helpers import signed_in
from tests.patient_helpers import csrf_token, post_step, start

PART_A = {f"q{n}": "often" for n in range(1, 7)}
PART_B = {f"q{n}": "rarely" for n in range(7, 19)}
T0 = dt.datetime(2026, 12, 1, 9, 0, 0, tzinfo=dt.UTC)


class Clock:
    """The invitations' time, frozen, moved on only by the test."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    frozen = Clock(T0)
    monkeypatch.setattr(invitations, "utcnow", frozen)
    return frozen


def invite(app, label="MRN 4411", days=14, instruments=("asrs-v1.1",)):
    """A new invitation: (id, link path, kiosk code)."""
    with app.app_context():
        with unit_of_work.change("invitation.create", actor="test") as work:
            issued = invitations.create(label, list(instruments), days, "test")
            work.reference = invitations.reference(issued.invitation)
        return issued.invitation.id, f"/screen/invite/{issued.token}", issued.code


def row(app, invitation_id) -> Invitation:
    with app.app_context():
        found = db.session.get(Invitation, invitation_id)
        db.session.expunge(found)
        return found


def state(app, invitation_id) -> str:
    with app.app_context():
        return invitations.state(db.session.get(Invitation, invitation_id))


def count_screenings(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Screening))


def press_start(client, path, consent=True):
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    data = {"csrf_token": csrf_token(page)}
    if consent:
        data["consent"] = "y"
    return client.post(path, data=data)


def finish_asrs(client):
    token = csrf_token(client.get("/screen/step/1"))
    post_step(client, 1, PART_A, token)
    post_step(client, 2, PART_B, token)
    return client.post("/screen/submit", data={"csrf_token": token})


def test_the_whole_lifecycle_by_link(app, client, clock):
    invitation_id, link, _ = invite(app)
    assert state(app, invitation_id) == "issued"

    page = client.get(link)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "not a diagnosis" in page.get_data(as_text=True)
    assert state(app, invitation_id) == "opened"

    refused = press_start(client, link, consent=False)
    assert refused.status_code == 400
    assert "Tick the box" in refused.get_data(as_text=True)
    assert state(app, invitation_id) == "opened"

    started = press_start(client, link)
    assert started.status_code == 303
    assert started.location.endswith("/screen/started")
    assert state(app, invitation_id) == "started"
    assert count_screenings(app) == 1

    assert finish_asrs(client).location.endswith("/screen/results")
    assert state(app, invitation_id) == "completed"

    used = client.get(link)
    assert used.status_code == 410
    assert "has been used" in used.get_data(as_text=True)
    assert used.headers["Referrer-Policy"] == "no-referrer"
    # One completion: pressing Start again makes no second screening.
    again = client.post(link, data={"csrf_token": csrf_token(client.get("/")), "consent": "y"})
    assert again.status_code == 410
    assert count_screenings(app) == 1


def test_the_invitation_page_says_who_invites_and_what_is_stored(app, clock):
    """The consent box agrees to storage "as this page says": so this page must say it,
    and say plainly that the clinic can tell the answers are the patient's."""
    _, link, _ = invite(app, instruments=("asrs-v1.1", "iron-context"))
    patient = app.test_client()
    page = patient.get(link).get_data(as_text=True)
    assert "Test Clinic invites you to a screening" in page
    storage = page.split('id="storage">', 1)[1].split("</p>", 1)[0]
    assert "Test Clinic made this invitation for you, so they can tell the answers are yours" in (
        storage
    )
    assert "We keep them for <strong>365 days</strong>" in storage
    assert "I agree that my answers are stored as this page says." in page
    # The iron questions by their name, not the landing page's aside.
    assert "<li>Iron and family history</li>" in page and "Also answer" not in page
    # Started, nothing answered yet: nothing is "saved so far".
    assert press_start(patient, link).status_code == 303
    again = app.test_client().get(link).get_data(as_text=True)
    assert "You have not answered any questions yet." in again
    assert "Your answers so far are saved" not in again


def test_scanner_prefetch_leaves_the_invitation_unused(app, clock):
    invitation_id, link, _ = invite(app)
    scanner = app.test_client()
    assert scanner.get(link).status_code == 200
    assert scanner.get(link).status_code == 200
    assert scanner.head(link).status_code == 200
    found = row(app, invitation_id)
    assert found.started_at is None and found.screening_id is None
    assert state(app, invitation_id) == "opened"
    assert count_screenings(app) == 0
    # The patient can still start it afterwards.
    assert press_start(app.test_client(), link).status_code == 303
    assert state(app, invitation_id) == "started"


def test_expiry_is_to_the_second(app, client, clock):
    invitation_id, link, _ = invite(app, days=14)
    assert row(app, invitation_id).expires_at == T0 + dt.timedelta(days=14)
    clock.advance(days=14, seconds=-1)
    assert client.get(link).status_code == 200
    assert state(app, invitation_id) == "opened"
    page = client.get(link)
    clock.advance(seconds=1)
    assert state(app, invitation_id) == "expired"
    ended = client.get(link)
    assert ended.status_code == 410
    assert "has expired" in ended.get_data(as_text=True)
    # A form loaded a second before expiry cannot start it after.
    late = client.post(link, data={"csrf_token": csrf_token(page), "consent": "y"})
    assert late.status_code == 410
    assert count_screenings(app) == 0


def test_a_started_invitation_resumes_until_it_expires(app, clock):
    invitation_id, link, _ = invite(app, days=2)
    first = app.test_client()
    assert press_start(first, link).status_code == 303
    token = csrf_token(first.get("/screen/step/1"))
    post_step(first, 1, PART_A, token)

    # Another browser (the patient's phone) opens the same link: Continue, not Start.
    other = app.test_client()
    page = other.get(link)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Continue your screening" in text and 'name="consent"' not in text
    response = other.post(link, data={"csrf_token": csrf_token(page)})
    assert response.status_code == 303
    assert response.location.endswith("/screen/step/2")
    assert count_screenings(app) == 1
    assert state(app, invitation_id) == "started"

    clock.advance(days=2)
    assert state(app, invitation_id) == "expired"
    assert app.test_client().get(link).status_code == 410


def test_revoked_invitations_say_so(app, client, clock):
    invitation_id, link, code = invite(app)
    page = client.get(link)
    with app.app_context(), unit_of_work.change("invitation.revoke", actor="test"):
        invitations.revoke(db.session.get(Invitation, invitation_id))
    assert state(app, invitation_id) == "revoked"
    ended = client.get(link)
    assert ended.status_code == 410
    assert "was cancelled" in ended.get_data(as_text=True)
    late = client.post(link, data={"csrf_token": csrf_token(page), "consent": "y"})
    assert late.status_code == 410
    by_code = client.post(
        "/screen/code", data={"csrf_token": csrf_token(client.get("/")), "code": code}
    )
    assert by_code.status_code == 410
    assert count_screenings(app) == 0


def test_a_revoked_started_invitation_cannot_be_continued(app, clock):
    invitation_id, link, _ = invite(app)
    assert press_start(app.test_client(), link).status_code == 303
    with app.app_context():
        with unit_of_work.change("invitation.revoke", actor="test"):
            invitations.revoke(db.session.get(Invitation, invitation_id))
        assert db.session.get(Invitation, invitation_id).resume_sealed is None
    assert app.test_client().get(link).status_code == 410


def test_an_open_screening_cannot_be_saved_or_sent_once_its_invitation_is_revoked(
    app, client, clock
):
    """The patient is mid-way in their browser (session and private link still valid)
    when the clinic revokes the invitation, as its revoke page says they then cannot
    continue: the next save and the submit say so (410), nothing more is stored, and the
    browser no longer holds the screening. (An expiry lets them finish: see below.)"""
    invitation_id, link, _ = invite(app, days=2)
    assert press_start(client, link).status_code == 303
    token = csrf_token(client.get("/screen/step/1"))
    assert post_step(client, 1, PART_A, token).status_code == 302
    with app.app_context(), unit_of_work.change("invitation.revoke", actor="test"):
        invitations.revoke(db.session.get(Invitation, invitation_id))
    refused = post_step(client, 2, PART_B, token)
    assert refused.status_code == 410
    text = refused.get_data(as_text=True)
    assert "was cancelled" in text and "answers were not sent to the clinic" in text
    assert refused.headers["Referrer-Policy"] == "no-referrer"
    with app.app_context():
        screening = db.session.scalar(select(Screening))
        assert screening.status == "draft"
        assert set(screenings.answers_of(screening)["asrs-v1.1"]) == set(PART_A)
    assert client.get("/screen/step/2").location.endswith("/screen/ended")
    assert state(app, invitation_id) == "revoked"


def test_a_submit_after_the_invitation_is_revoked_is_refused(app, client, clock):
    invitation_id, link, _ = invite(app, days=2)
    assert press_start(client, link).status_code == 303
    token = csrf_token(client.get("/screen/step/1"))
    post_step(client, 1, PART_A, token)
    post_step(client, 2, PART_B, token)
    with app.app_context(), unit_of_work.change("invitation.revoke", actor="test"):
        invitations.revoke(db.session.get(Invitation, invitation_id))
    refused = client.post("/screen/submit", data={"csrf_token": token})
    assert refused.status_code == 410 and "was cancelled" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Screening)).status == "draft"
    assert state(app, invitation_id) == "revoked"


def test_the_kiosk_code_from_the_landing_page(app, client, clock):
    invitation_id, _, code = invite(app)
    landing = client.get("/")
    assert 'action="/screen/code"' in landing.get_data(as_text=True)
    typed = f" {code[:4].lower()} \u2013 {code[4:].lower()} "  # as people type it (an en dash)
    response = client.post("/screen/code", data={"csrf_token": csrf_token(landing), "code": typed})
    assert response.status_code == 303
    assert response.location.endswith("/screen/invited")
    assert "/screen/code" not in response.location and code not in response.location
    assert state(app, invitation_id) == "opened"
    started = press_start(client, "/screen/invited")
    assert started.status_code == 303
    assert started.location.endswith("/screen/started")
    assert state(app, invitation_id) == "started"


@pytest.mark.parametrize(
    ("typed", "status", "says"),
    [
        ("ACDE-FHJK", 404, "No invitation has this code"),
        ("12345678", 400, "A code has 8 letters and numbers, like ACDE-FHJK"),
        ("AB1O-0IL", 400, "A code has 8 letters and numbers, like ACDE-FHJK"),
        ("<script>alert(1)</script>", 400, "A code has 8 letters and numbers"),
        ("x" * 40, 400, "A code has 8 letters and numbers, like ACDE-FHJK"),
        ("x" * 41, 400, "A code has 8 letters and numbers."),
        ("", 400, "Enter the code from your invitation."),
        ("ACDE-FHJ", 400, "A code has 8 letters and numbers, like ACDE-FHJK"),
    ],
)
def test_unknown_or_malformed_codes_get_a_clear_4xx(app, client, clock, typed, status, says):
    """A code that cannot be one is a typing slip (400, what a code looks like); a code
    of the right shape that matches nothing is unknown (404)."""
    invite(app)
    response = client.post(
        "/screen/code", data={"csrf_token": csrf_token(client.get("/")), "code": typed}
    )
    assert response.status_code == status
    text = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in text
    assert says in text and 'id="code-error"' in text
    assert text.count('class="field-error"') == 1


def test_typing_slips_do_not_count_against_the_limit_on_unknown_codes(app, client, clock):
    """A waiting room shares one address: misshapen codes cannot match anything, so they
    must not use up the 20 tries that guard against guessing."""
    _, _, code = invite(app)
    token = csrf_token(client.get("/"))
    for _ in range(25):
        slip = client.post("/screen/code", data={"csrf_token": token, "code": "ACDE-FHJ0"})
        assert slip.status_code == 400
    assert client.post("/screen/code", data={"csrf_token": token, "code": code}).status_code == 303


def test_a_tampered_code_or_link_is_not_found(app, client, clock):
    _, link, code = invite(app)
    other = next(ch for ch in "ACDEFHJK" if ch != code[0])
    tampered = other + code[1:]
    response = client.post(
        "/screen/code", data={"csrf_token": csrf_token(client.get("/")), "code": tampered}
    )
    assert response.status_code == 404
    changed = link[:-1] + ("A" if link[-1] != "A" else "B")
    for path in (changed, link[:-5], "/screen/invite/" + "x" * 200, "/screen/invite/%00abc"):
        response = client.get(path)
        assert response.status_code in (400, 404), (path, response.status_code)
    post = client.post(changed, data={"csrf_token": csrf_token(client.get("/")), "consent": "y"})
    assert post.status_code == 404
    assert count_screenings(app) == 0


def test_code_guessing_is_limited_per_address(app, client, clock):
    _, _, code = invite(app)
    token = csrf_token(client.get("/"))
    for _ in range(20):
        assert client.post(
            "/screen/code", data={"csrf_token": token, "code": "ACDE-FHJK"}
        ).status_code in (404, 303)
    refused = client.post("/screen/code", data={"csrf_token": token, "code": code})
    assert refused.status_code == 429


def test_code_guessing_from_one_ipv6_network_shares_one_limit(app, clock):
    """Every address of a /64 is the same guesser: one counter for the network."""
    _, _, code = invite(app)
    client = app.test_client()
    token = csrf_token(client.get("/", environ_base={"REMOTE_ADDR": "2001:db8::1"}))
    for n in range(20):
        response = client.post(
            "/screen/code",
            data={"csrf_token": token, "code": "ACDE-FHJK"},
            environ_base={"REMOTE_ADDR": f"2001:db8::{n + 1:x}"},
        )
        assert response.status_code == 404
    refused = client.post(
        "/screen/code",
        data={"csrf_token": token, "code": code},
        environ_base={"REMOTE_ADDR": "2001:db8::ffff:1"},
    )
    assert refused.status_code == 429
    other_network = client.post(
        "/screen/code",
        data={"csrf_token": token, "code": code},
        environ_base={"REMOTE_ADDR": "2001:db8:0:1::1"},
    )
    assert other_network.status_code != 429


def test_code_guessing_from_many_networks_meets_a_limit_for_all(app, clock, monkeypatch, caplog):
    from screener.patient import invitation_views

    _, _, code = invite(app)
    client = app.test_client()
    token = csrf_token(client.get("/"))
    assert invitation_views.CODE_FAILURES_ALL == "300 per hour"
    guesses = [f"10.0.{n // 200}.{n % 200 + 1}" for n in range(300)]
    with caplog.at_level("WARNING", logger="screener.patient.invitation_views"):
        for address in guesses:
            response = client.post(
                "/screen/code",
                data={"csrf_token": token, "code": "ACDE-FHJK"},
                environ_base={"REMOTE_ADDR": address},
            )
            assert response.status_code == 404
        for address in ("192.0.2.7", "192.0.2.8"):  # a right code too, from anywhere
            refused = client.post(
                "/screen/code",
                data={"csrf_token": token, "code": code},
                environ_base={"REMOTE_ADDR": address},
            )
            assert refused.status_code == 429
    assert caplog.text.count("someone may be guessing them") == 1  # once per window


def test_invited_patients_do_not_count_against_the_per_address_limit(app, clock):
    with app.app_context():
        db.session.get(ClinicSettings, 1).screenings_per_address = 1
        db.session.commit()
    client = app.test_client()
    start(client, screeners=("adhd",), iron=False)
    token = csrf_token(client.get("/"))
    refused = client.post(
        "/screen/start", data={"csrf_token": token, "consent": "y", "screeners": ["asrs-v1.1"]}
    )
    assert refused.status_code == 429
    for _ in range(2):
        _, link, _ = invite(app)
        assert press_start(app.test_client(), link).status_code == 303
    assert count_screenings(app) == 3


def test_the_lifecycle_is_audited_without_the_label(app, client, clock):
    invitation_id, link, _ = invite(app, label="Ms Secret-Patient 1958")
    client.get(link)
    client.get(link)
    press_start(client, link)
    finish_asrs(client)
    client.get(link)
    with app.app_context():
        events = db.session.execute(
            select(AuditEvent.action, AuditEvent.outcome, AuditEvent.reference, AuditEvent.actor)
            .where(AuditEvent.action.like("invitation.%"))
            .order_by(AuditEvent.id)
        ).all()
        all_text = " ".join(
            " ".join(str(v) for v in r)
            for r in db.session.execute(
                select(AuditEvent.reference, AuditEvent.detail, AuditEvent.actor)
            )
        )
    reference = f"invitation {invitation_id}"
    assert [(a, o) for a, o, _, _ in events] == [
        ("invitation.create", "ok"),
        ("invitation.open", "ok"),  # recorded once, however often it is opened
        ("invitation.start", "ok"),
        ("invitation.complete", "ok"),
        ("invitation.open", "completed"),
    ]
    assert {r for _, _, r, _ in events} == {reference}
    assert {a for _, _, _, a in events[1:]} == {"patient"}
    assert "Secret-Patient" not in all_text


def test_labels_are_stored_encrypted(app, clock):
    invitation_id, _, _ = invite(app, label="Ms Secret-Patient 1958")
    with app.app_context():
        raw = db.session.execute(select(Invitation.label_sealed)).scalar()
        assert "Secret" not in raw
        assert invitations.label_of(db.session.get(Invitation, invitation_id)) == (
            "Ms Secret-Patient 1958"
        )


@pytest.mark.parametrize(
    ("label", "instruments", "days", "message"),
    [
        ("a\tb", None, 14, "control characters"),
        ("x" * 81, None, 14, "80 characters"),
        ("", ["no-such-questionnaire"], 14, "Unknown questionnaire"),
        ("", ["iron-context"], 14, "at least one screening"),
        ("", None, 0, "1 to 90 days"),
        ("", None, 91, "1 to 90 days"),
    ],
)
def test_bad_values_are_refused_with_a_reason(app, label, instruments, days, message):
    with app.app_context(), pytest.raises(invitations.InvitationError, match=message):
        invitations.create(label, instruments, days, "test")


# --- the portal ---------------------------------------------------------------------


@pytest.fixture
def staff(app):
    return signed_in(app, "staff@clinic.example", "staff")


def create_in_portal(client, label, days="14", instruments=("asrs-v1.1",)):
    data = {
        "csrf_token": portal_csrf(client, "/invitations/"),
        "label": label,
        "days": days,
        "instruments": list(instruments),
    }
    return client.post("/invitations/", data=data)


def test_the_portal_makes_a_letter_with_link_qr_and_code(app, staff, clock):
    response = create_in_portal(staff, "<script>alert('x')</script> MRN 7")
    assert response.status_code == 201
    # Same-origin, not no-referrer: under HTTPS the page's sign-out form needs a Referer.
    assert response.headers["Referrer-Policy"] == "same-origin"
    text = response.get_data(as_text=True)
    assert "<script>alert" not in text and "&lt;script&gt;alert" in text
    link = re.search(r'id="invitation-url">(http[^<]+)<', text).group(1)
    code = re.search(r'class="big-code"><strong class="code">([A-Z0-9-]+)<', text).group(1)
    assert '<svg width="' in text and "QR code of the invitation link" in text
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    patient = app.test_client()
    path = link.split("localhost", 1)[1]
    assert press_start(patient, path).status_code == 303

    listing = staff.get("/invitations/")
    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    assert "&lt;script&gt;alert" in page and "Started" in page
    only_started = staff.get("/invitations/?state=started").get_data(as_text=True)
    assert "MRN 7" in only_started
    assert "MRN 7" not in staff.get("/invitations/?state=revoked").get_data(as_text=True)
    assert staff.get("/invitations/?state=bogus").status_code == 400


def test_sending_the_same_form_again_makes_no_second_invitation(app, staff, clock):
    """A reload of the page that answered the form (or Back then Forward) sends it
    again: the second sending names the invitation already made, and makes none."""
    page = staff.get("/invitations/").get_data(as_text=True)
    once = re.search(r'name="once" type="hidden" value="([^"]+)"', page).group(1)
    data = {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
        "once": once,
        "label": "MRN 8",
        "days": "14",
        "instruments": ["asrs-v1.1"],
    }
    assert staff.post("/invitations/", data=data).status_code == 201
    again = staff.post("/invitations/", data=data)
    assert again.status_code == 409
    with app.app_context():
        (made,) = db.session.scalars(select(Invitation)).all()
    text = again.get_data(as_text=True)
    assert f"Invitation {made.id} was already made" in text
    assert f'href="/invitations/{made.id}"' in text
    # A fresh form makes another, as asked.
    assert create_in_portal(staff, "MRN 8").status_code == 201


@pytest.mark.parametrize(
    ("label", "days", "status"),
    [("nul\x00byte", "14", 400), ("tab\there", "14", 400), ("ok", "0", 400), ("ok", "x", 400)],
)
def test_bad_portal_input_is_a_4xx_not_a_500(app, staff, clock, label, days, status):
    response = create_in_portal(staff, label, days)
    assert response.status_code == status
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_the_portal_revokes_and_lists_states(app, staff, clock):
    invitation_id, link, _ = invite(app, label="Revoke me")
    kept_id, _, _ = invite(app, label="Keep me")
    token = portal_csrf(staff, "/invitations/")
    response = staff.post(f"/invitations/{invitation_id}/revoke", data={"csrf_token": token})
    assert response.status_code == 303
    assert state(app, invitation_id) == "revoked"
    assert state(app, kept_id) == "issued"
    assert app.test_client().get(link).status_code == 410
    again = staff.post(f"/invitations/{invitation_id}/revoke", data={"csrf_token": token})
    assert again.status_code == 303
    assert "already revoked" in staff.get("/invitations/").get_data(as_text=True)
    assert staff.post("/invitations/999/revoke", data={"csrf_token": token}).status_code == 404
    page = staff.get("/invitations/").get_data(as_text=True)
    assert "Revoked" in page and "Issued" in page


def test_clinicians_may_invite_and_admins_may_not(app, clock):
    clinician = signed_in(app, "c@clinic.example", "clinician")
    assert create_in_portal(clinician, "by clinician").status_code == 201
    admin = signed_in(app, "a@clinic.example", "admin")
    assert admin.get("/invitations/").status_code == 403


# --- the CLI --------------------------------------------------------------------------


def test_cli_create_prints_the_link_then_the_code(app, runner, clock):
    result = runner.invoke(
        args=[
            "invitations",
            "create",
            "--label",
            "MRN 99",
            "--days",
            "3",
            "--instrument",
            "asrs-v1.1",
        ]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"https?://[^/]+/screen/invite/[A-Za-z0-9_-]{32}", lines[0])
    assert re.fullmatch(r"[ACDEFHJKMNPQRTUVWXY3479]{4}-[ACDEFHJKMNPQRTUVWXY3479]{4}", lines[1])
    assert "MRN 99" not in result.output
    with app.app_context():
        made = db.session.scalar(select(Invitation))
        assert made.instruments == ["asrs-v1.1"] and made.created_by == "cli"
        assert made.expires_at == T0 + dt.timedelta(days=3)
    path = "/screen/invite/" + lines[0].rsplit("/", 1)[1]
    assert app.test_client().get(path).status_code == 200


def test_cli_revoke_by_code_or_number(app, runner, clock):
    first_id, _, first_code = invite(app)
    second_id, _, _ = invite(app)
    result = runner.invoke(args=["invitations", "revoke", invitations.format_code(first_code)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Revoked invitation {first_id}."
    result = runner.invoke(args=["invitations", "revoke", str(second_id)])
    assert result.output.strip() == f"Revoked invitation {second_id}."
    assert state(app, first_id) == state(app, second_id) == "revoked"
    again = runner.invoke(args=["invitations", "revoke", str(second_id)])
    assert again.exit_code == 2 and "already revoked" in again.output
    unknown = runner.invoke(args=["invitations", "revoke", "ACDE-FHJK"])
    assert unknown.exit_code == 2 and "No invitation" in unknown.output


@pytest.mark.parametrize(
    "args",
    [
        ["--instrument", "nope"],
        ["--days", "0"],
        ["--label", "a\x00b"],
        ["--instrument", "iron-context"],
    ],
)
def test_cli_refuses_bad_input_and_changes_nothing(app, runner, clock, args):
    result = runner.invoke(args=["invitations", "create", *args])
    assert result.exit_code == 2
    assert result.output.startswith("Error: ")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


# --- the worklist -----------------------------------------------------------------------


def complete_invitation(app, label):
    _, link, _ = invite(app, label=label)
    patient = app.test_client()
    assert press_start(patient, link).status_code == 303
    assert finish_asrs(patient).location.endswith("/screen/results")


@pytest.fixture
def clinician(app):
    return signed_in(app, "clinician@clinic.example", "clinician")


def test_the_worklist_shows_labels_and_filters_by_label_and_source(app, clinician, clock):
    complete_invitation(app, "Ward 3 <b>bed</b> 12")
    complete_invitation(app, "Outpatients 7")
    start_self = app.test_client()
    start(start_self, screeners=("adhd",), iron=False)
    finish_asrs(start_self)

    page = clinician.get("/clinician/").get_data(as_text=True)
    assert "Ward 3 &lt;b&gt;bed&lt;/b&gt; 12" in page and "Outpatients 7" in page
    assert "3 screenings match" in page

    token = portal_csrf(clinician, "/clinician/")
    found = clinician.post("/clinician/label", data={"csrf_token": token, "label": "ward 3"})
    assert found.status_code == 200
    text = found.get_data(as_text=True)
    assert "1 screening matches" in text
    assert "Ward 3 &lt;b&gt;" in text and "Outpatients 7" not in text
    # With another filter kept from the form's hidden fields.
    both = clinician.post(
        "/clinician/label", data={"csrf_token": token, "label": "7", "source": "invited"}
    )
    assert "1 screening matches" in both.get_data(as_text=True)
    none = clinician.post("/clinician/label", data={"csrf_token": token, "label": "nobody"})
    assert "0 screenings match" in none.get_data(as_text=True)
    assert clinician.post("/clinician/label", data={"csrf_token": token}).status_code == 400
    hostile = clinician.post(
        "/clinician/label", data={"csrf_token": token, "label": "<script>\x00"}
    )
    assert hostile.status_code == 400

    with app.app_context():
        ids = invitations.labels_for(db.session.scalars(select(Screening.id)).all())
    ward = next(sid for sid, label in ids.items() if label.startswith("Ward"))
    detail = clinician.get(f"/clinician/screenings/{ward}").get_data(as_text=True)
    invitation = re.search(
        r'<a href="/invitations/(\d+)">Invitation \1</a>: <strong>(.*?)</strong>', detail
    )
    assert invitation.group(2) == "Ward 3 &lt;b&gt;bed&lt;/b&gt; 12"

    invited = clinician.get("/clinician/?source=invited").get_data(as_text=True)
    assert "2 screenings match" in invited
    self_started = clinician.get("/clinician/?source=self").get_data(as_text=True)
    assert "1 screening matches" in self_started
    assert clinician.get("/clinician/?source=bogus").status_code == 400

    with app.app_context():
        details = db.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "screenings.list")
        ).all()
    assert any("label=(searched)" in (d or "") for d in details)
    assert not any("ward" in (d or "").lower() for d in details)


# --- retention ----------------------------------------------------------------------------


def test_invitations_go_with_their_screenings_and_after_the_retention_period(app, clock):
    from screener.services import retention

    complete_invitation(app, "Submitted one")
    unused_id, _, _ = invite(app, label="Never used")
    draft_id, draft_link, _ = invite(app, label="Left as a draft")
    assert press_start(app.test_client(), draft_link).status_code == 303
    with app.app_context():
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=366)
        # Drafts first (7 days idle, and once the invitation has ended): the invitation
        # stays, unlinked, and says "expired".
        clock.now = dt.datetime.now(dt.UTC) + dt.timedelta(days=15)
        retention.purge(clock.now)
        db.session.commit()
        assert db.session.get(Invitation, draft_id).screening_id is None
    assert state(app, draft_id) == "expired"
    assert app.test_client().get(draft_link).status_code == 410
    with app.app_context():
        retention.purge(later)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
        assert db.session.scalar(select(func.count()).select_from(Screening)) == 0
    assert unused_id


def test_erasing_a_screening_erases_its_invitation(app, clock):
    from screener.services import retention

    complete_invitation(app, "Erase me")
    with app.app_context():
        screening = db.session.scalar(select(Screening))
        retention.erase(screening)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_a_second_device_pressing_start_continues_the_same_screening(app, clock):
    invitation_id, link, _ = invite(app)
    first, second = app.test_client(), app.test_client()
    second_page = second.get(link)  # loaded before the first device starts
    assert press_start(first, link).status_code == 303
    response = second.post(link, data={"csrf_token": csrf_token(second_page), "consent": "y"})
    assert response.status_code == 303
    assert response.location.endswith("/screen/step/1")
    assert count_screenings(app) == 1
    assert state(app, invitation_id) == "started"


def test_the_service_starts_an_invitation_once(app, clock):
    invitation_id, _, _ = invite(app)
    with app.app_context():
        with unit_of_work.change("invitation.start", actor="test"):
            invitations.start(db.session.get(Invitation, invitation_id))
        with pytest.raises(invitations.InvitationError, match="started"):
            invitations.start(db.session.get(Invitation, invitation_id))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Screening)) == 1


def test_a_completed_invitation_cannot_be_revoked_and_an_issued_one_can(app, runner, clock):
    complete_invitation(app, "Done")
    issued_id, link, _ = invite(app)
    with app.app_context():
        done_id = db.session.scalar(
            select(Invitation.id).where(Invitation.completed_at.is_not(None))
        )
    refused = runner.invoke(args=["invitations", "revoke", str(done_id)])
    assert refused.exit_code == 2 and "already completed" in refused.output
    assert state(app, done_id) == "completed"
    assert runner.invoke(args=["invitations", "revoke", str(issued_id)]).exit_code == 0
    assert state(app, issued_id) == "revoked"
    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent.outcome, AuditEvent.actor, AuditEvent.reference).where(
                AuditEvent.action == "invitation.revoke"
            )
        ).all()
    assert sorted(rows) == sorted(
        [("refused", "cli", f"invitation {done_id}"), ("ok", "cli", f"invitation {issued_id}")]
    )
    assert app.test_client().get(link).status_code == 410


def _expiries(app) -> list[tuple[str, str, str, str]]:
    with app.app_context():
        return [
            tuple(r)
            for r in db.session.execute(
                select(
                    AuditEvent.reference, AuditEvent.outcome, AuditEvent.detail, AuditEvent.actor
                )
                .where(AuditEvent.action == "invitation.expire")
                .order_by(AuditEvent.id)
            )
        ]


def test_each_expiry_is_audited_once_when_it_happens(app, clock):
    """Expiry is a moment passing, not a request: the workers' minute records it, with
    what the patient had done by then; never for a completed or revoked invitation."""
    from screener import background

    unused, _, _ = invite(app, days=2)
    opened, opened_link, _ = invite(app, days=2)
    started, started_link, _ = invite(app, days=2)
    done, done_link, _ = invite(app, days=2)
    revoked, _, _ = invite(app, days=2)
    app.test_client().get(opened_link)
    assert press_start(app.test_client(), started_link).status_code == 303
    patient = app.test_client()
    assert press_start(patient, done_link).status_code == 303
    assert finish_asrs(patient).status_code == 302
    with app.app_context(), unit_of_work.change("invitation.revoke", actor="test"):
        invitations.revoke(db.session.get(Invitation, revoked))
    queue = background.queue(app)
    clock.advance(days=2, seconds=-1)
    assert queue.record_expiries() == 0  # a second early: nothing has expired
    clock.advance(seconds=1)
    assert queue.record_expiries() == 3
    assert queue.record_expiries() == 0  # once only
    ended = "ended 2026-12-03 09:00:00 UTC"
    assert _expiries(app) == [
        (f"invitation {unused}", "expired", f"unused; {ended}", "worker"),
        (f"invitation {opened}", "expired", f"opened, not started; {ended}", "worker"),
        (f"invitation {started}", "expired", f"started, not submitted; {ended}", "worker"),
    ]
    assert {state(app, i) for i in (unused, opened, started)} == {"expired"}
    assert (state(app, done), state(app, revoked)) == ("completed", "revoked")


def test_a_running_invitations_draft_is_kept_past_the_draft_period(app, clock):
    """The letter says the link works until its date: an unfinished screening started
    from it is kept until then, even past the draft period (7 days after the last
    answer). A revoked invitation's draft, or one whose invitation has ended, goes as
    any other draft does."""
    from screener.services import retention

    clock.now = dt.datetime.now(dt.UTC)  # the drafts' own times come from the real clock
    invitation_id, link, _ = invite(app, days=30)
    revoked_id, revoked_link, _ = invite(app, days=30)
    for path in (link, revoked_link):
        assert press_start(app.test_client(), path).status_code == 303
    with app.app_context(), unit_of_work.change("invitation.revoke", actor="test"):
        invitations.revoke(db.session.get(Invitation, revoked_id))
    with app.app_context():
        assert retention.purge(clock.now + dt.timedelta(days=8)).drafts == 1  # the revoked
        db.session.commit()
    assert state(app, invitation_id) == "started"
    assert "Continue your screening" in app.test_client().get(link).get_data(as_text=True)
    clock.advance(days=30)
    with app.app_context():
        assert retention.purge(clock.now).drafts == 1
        db.session.commit()
        assert db.session.get(Invitation, invitation_id).screening_id is None
    assert state(app, invitation_id) == "expired"
    assert app.test_client().get(link).status_code == 410


def test_the_started_page_says_how_long_an_invited_screening_is_kept(app, clock):
    """Not "7 days after your last answer": the invitation's own date, as on the letter."""
    _, link, _ = invite(app, days=30)
    patient = app.test_client()
    assert press_start(patient, link).status_code == 303
    page = patient.get("/screen/started").get_data(as_text=True)
    assert "Your invitation works until <strong>31 December 2026" in page
    assert "days</strong> after your last answer" not in page
    self_started = app.test_client()
    patient_helpers.start(self_started)
    page = self_started.get("/screen/started").get_data(as_text=True)
    assert "<strong>7 days</strong> after your last answer" in page


def test_a_deleted_draft_first_seen_after_the_expiry_time_says_it_was_deleted(app, clock):
    """Workers down, or the first look after an upgrade: the draft was deleted, so the
    record must not read "started, not submitted; ended <expiry>" as if it had lasted."""
    from screener.services import invitation_expiry, retention

    clock.now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    invitation_id, link, _ = invite(app, days=2)
    assert press_start(app.test_client(), link).status_code == 303
    clock.advance(days=9)
    with app.app_context():
        retention.purge(clock.now)  # past the expiry and the draft period
        db.session.commit()
        assert invitation_expiry.record_expiries() == 1
    [(reference, outcome, detail, _)] = _expiries(app)
    assert (reference, outcome) == (f"invitation {invitation_id}", "expired")
    assert detail == (
        f"started; the unfinished screening was deleted (found {clock.now:%Y-%m-%d %H:%M:%S} UTC)"
    )


def test_a_patient_answering_at_the_expiry_can_still_submit(app, clock):
    """The link stops working at the expiry, but a patient already answering in that
    browser keeps their answers and can submit them: the trail says it expired (started,
    not submitted) and then that it was completed."""
    from screener import background

    invitation_id, link, _ = invite(app, days=2)
    patient = app.test_client()
    assert press_start(patient, link).status_code == 303
    clock.advance(days=2, minutes=5)
    assert background.queue(app).record_expiries() == 1
    assert app.test_client().get(link).status_code == 410
    assert finish_asrs(patient).status_code == 302
    assert state(app, invitation_id) == "completed"
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.reference == f"invitation {invitation_id}")
            .where(AuditEvent.action.in_(("invitation.expire", "invitation.complete")))
            .order_by(AuditEvent.id)
        ).all()
    assert actions == ["invitation.expire", "invitation.complete"]


def test_an_invitation_completed_while_a_worker_looks_is_not_recorded_as_expired(
    app, clock, monkeypatch
):
    """The worker reads the expired invitations, then claims each: one completed in
    between (submitted in the browser that started it) is no longer expired."""
    from screener.services import invitation_expiry

    invitation_id, link, _ = invite(app, days=2)
    patient = app.test_client()
    assert press_start(patient, link).status_code == 303
    clock.advance(days=2, minutes=5)
    real_write, submitted = invitation_expiry.write, []

    def write_after_the_patient_submits():
        if not submitted:
            submitted.append(finish_asrs(patient).status_code)
        return real_write()

    monkeypatch.setattr(invitation_expiry, "write", write_after_the_patient_submits)
    with app.app_context():
        assert invitation_expiry.record_expiries() == 0
    assert submitted == [302]
    assert state(app, invitation_id) == "completed"
    assert _expiries(app) == []


def test_two_workers_record_an_expiry_once(app, clock, monkeypatch):
    """Every worker runs the minute's work: the one that claims an expiry records it."""
    from screener.services import invitation_expiry

    invite(app, days=1)
    clock.advance(days=1)
    real_write, others = invitation_expiry.write, []

    def write_while_another_worker_looks():
        if not others:  # the second worker looks while the first is about to claim
            others.append(None)
            others[0] = invitation_expiry.record_expiries()
        return real_write()

    monkeypatch.setattr(invitation_expiry, "write", write_while_another_worker_looks)
    with app.app_context():
        assert invitation_expiry.record_expiries() + others[0] == 1
    assert len(_expiries(app)) == 1


def test_the_sql_forms_of_the_state_agree_with_state(app, clock):
    """The workers select and claim with SQL (``not_started_yet``, ``has_expired``), and
    the list filters with it (``in_state``); for an invitation in each state they must
    say what ``state`` says."""
    made = {name: invite(app, days=2)[0] for name in STATES}
    with app.app_context(), unit_of_work.write():
        rows = {name: db.session.get(Invitation, made[name]) for name in STATES}
        now = clock()
        draft, _ = screenings.start(["asrs-v1.1"])
        rows["opened"].opened_at = now
        rows["scheduled"].opens_at = now + dt.timedelta(days=1)
        for name in ("started", "completed"):
            rows[name].opened_at = rows[name].started_at = now
        rows["started"].screening_id = draft.id
        rows["completed"].completed_at = now
        rows["revoked"].revoked_at = now
        rows["expired"].expires_at = now
        extra = invitations.create("draft deleted", ["asrs-v1.1"], 2, "test").invitation
        extra.opened_at = extra.started_at = now  # started; its draft was deleted since
        db.session.flush()
        deleted_draft = extra.id
    with app.app_context():
        everything = db.session.scalars(select(Invitation)).all()
        assert {row.id: row.state(now) for row in everything if row.id in made.values()} == {
            made[name]: name for name in STATES
        }
        for clause, wanted in (
            (Invitation.not_started_yet(now), {"issued", "opened"}),
            (Invitation.has_expired(now), {"expired"}),
            *((Invitation.in_state(name, now), {name}) for name in STATES),
        ):
            chosen = set(db.session.scalars(select(Invitation.id).where(clause)))
            assert chosen == {row.id for row in everything if row.state(now) in wanted}
        assert db.session.get(Invitation, deleted_draft).state(now) == "expired"


@pytest.mark.parametrize("days", ["1.5", "x", "", "0"])
def test_a_bad_number_of_days_gets_one_plain_message(app, staff, clock, days):
    response = create_in_portal(staff, "MRN 9", days)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Not a valid integer" not in text
    # Said once in the summary and once at the field, never twice at the field.
    field = text[text.index('id="days-error"') :][:400] if 'id="days-error"' in text else text
    assert field.count("Enter a whole number of days from 1 to 90.") == 1, field
    assert count_screenings(app) == 0
