"""Invitations by e-mail, through a real SMTP server on loopback (aiosmtpd): the e-mail
and its one reminder, failures shown and never reported as sent, the address never kept
longer than needed, logged or audited, and bad input refused with a 4xx."""

from __future__ import annotations

import datetime as dt
import email
import socket
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from screener import create_app, unit_of_work
from screener.config import ConfigError
from screener.extensions import db
from screener.models import AuditEvent, Invitation
from screener.services import invitation_mail, invitations, screenings
from tests.auth_helpers import csrf_token, signed_in
from tests.test_invitations import T0, Clock

PATIENT = "patient.one@example.com"


class Inbox:
    """Keeps every message the server accepted; refuses recipients at refused.example."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.example"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbox():
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


@pytest.fixture
def clock(monkeypatch):
    frozen = Clock(T0)
    monkeypatch.setattr(invitations, "utcnow", frozen)
    return frozen


def smtp(port: int) -> dict:
    """The settings of a clinic whose mail server is the test's inbox."""
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": port,
        "SMTP_SECURITY": "none",
        "SMTP_FROM": "screening@clinic.example",
    }


@pytest.fixture
def mail_app(make_app, inbox):
    return make_app(**smtp(inbox[1]), INVITATION_REMINDER_DAYS=3)


def _create(client, email_address: str, days: str = "14"):
    data = {
        "csrf_token": csrf_token(client, "/invitations/"),
        "label": "MRN 7",
        "email": email_address,
        "days": days,
        "instruments": ["asrs-v1.1"],
    }
    return client.post("/invitations/", data=data)


def _row(app) -> Invitation:
    with app.app_context():
        row = db.session.scalar(select(Invitation).order_by(Invitation.id.desc()))
        db.session.expunge(row)
        return row


def _audit(app, action):
    with app.app_context():
        return list(
            db.session.execute(
                select(AuditEvent.outcome, AuditEvent.detail)
                .where(AuditEvent.action == action)
                .order_by(AuditEvent.id)
            ).all()
        )


def test_the_portal_emails_the_link_and_says_so(mail_app, inbox, clock, caplog):
    box, _ = inbox
    staff = signed_in(mail_app, "staff@clinic.example", "staff")
    assert 'name="email"' in staff.get("/invitations/").get_data(as_text=True)
    response = _create(staff, PATIENT)
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    assert "E-mailed." in page
    [message] = box.messages
    assert message["To"] == PATIENT and "invites you" in message["Subject"]
    link = page.split('id="invitation-url">', 1)[1].split("<", 1)[0]
    assert link in message.get_payload(decode=True).decode()
    row = _row(mail_app)
    assert (row.email_status, row.email_error) == ("sent", None)
    assert row.email_sealed and PATIENT not in row.email_sealed  # kept sealed for the reminder
    assert "E-mailed" in staff.get("/invitations/").get_data(as_text=True)
    assert _audit(mail_app, "invitation.email") == [("sent", None)]
    # The address reaches no log and no audit row.
    assert PATIENT not in caplog.text
    with mail_app.app_context():
        details = db.session.scalars(select(AuditEvent.detail)).all()
    assert not any(PATIENT in (d or "") for d in details)


def test_one_reminder_goes_near_the_end_unless_started(mail_app, inbox, clock):
    box, _ = inbox
    staff = signed_in(mail_app, "staff@clinic.example", "staff")
    _create(staff, PATIENT)
    first_id = _row(mail_app).id
    _create(staff, "second@example.com")
    with mail_app.app_context():
        started = db.session.get(Invitation, _row(mail_app).id)
        draft, _ = screenings.start(["asrs-v1.1"])  # the patient pressed Start
        started.opened_at = started.started_at = clock()
        started.screening_id = draft.id
        db.session.commit()
        started_id = started.id
    with mail_app.app_context():
        assert invitation_mail.send_due() == 0  # 14 days left: not yet
        clock.advance(days=11, seconds=1)  # 3 days (less a second) before expiry
        assert invitation_mail.send_due() == 1
        assert invitation_mail.send_due() == 0  # one reminder only
    assert len(box.messages) == 3
    assert box.messages[-1]["Subject"].startswith("Reminder:")
    with mail_app.app_context():
        row = db.session.get(Invitation, first_id)
        assert (row.reminder_status, row.email_sealed, row.link_sealed) == ("sent", None, None)
        # The started one got no reminder, and keeps its address while it may still end
        # unfinished (it is erased once the invitation ends).
        other = db.session.get(Invitation, started_id)
        assert invitations.state(other) == "started" and other.reminder_status is None
    assert _audit(mail_app, "invitation.remind") == [("sent", None)]
    staff_page = staff.get("/invitations/").get_data(as_text=True)
    assert "E-mailed; reminder sent" in staff_page


def test_a_short_invitation_is_reminded_halfway_not_a_minute_after_its_email(
    mail_app, inbox, clock
):
    """Two days is shorter than the three-day reminder: the reminder must not follow the
    invitation a minute later, but come halfway, a day before the expiry."""
    box, _ = inbox
    staff = signed_in(mail_app, "staff@clinic.example", "staff")
    assert _create(staff, PATIENT, days="2").status_code == 201
    assert len(box.messages) == 1
    with mail_app.app_context():
        clock.advance(minutes=1)
        assert invitation_mail.send_due() == 0
        clock.advance(days=1, minutes=-2)
        assert invitation_mail.send_due() == 0  # a minute before halfway
        clock.advance(minutes=1)
        assert invitation_mail.send_due() == 1
    assert [m["Subject"].startswith("Reminder:") for m in box.messages] == [False, True]


def test_an_ended_invitation_forgets_the_address(mail_app, inbox, clock):
    staff = signed_in(mail_app, "staff@clinic.example", "staff")
    _create(staff, PATIENT, days="2")
    row_id = _row(mail_app).id
    with mail_app.app_context():
        clock.advance(days=2)
        assert invitation_mail.send_due() == 0
        row = db.session.get(Invitation, row_id)
        assert (row.email_sealed, row.link_sealed, row.reminder_status) == (None, None, None)


@pytest.mark.parametrize("address", ["someone@refused.example"])
def test_a_refused_address_is_shown_as_failed_never_as_sent(mail_app, inbox, clock, address):
    box, _ = inbox
    staff = signed_in(mail_app, "staff@clinic.example", "staff")
    response = _create(staff, address)
    assert response.status_code == 201  # the invitation exists; hand it over another way
    page = response.get_data(as_text=True)
    assert "The e-mail was not sent" in page and "E-mailed." not in page
    assert box.messages == []
    row = _row(mail_app)
    assert (row.email_status, row.email_error) == ("failed", "SMTPRecipientsRefused")
    assert row.email_sealed is None  # no reminder after a failure
    listing = staff.get("/invitations/").get_data(as_text=True)
    assert "E-mail failed (SMTPRecipientsRefused)" in listing
    assert _audit(mail_app, "invitation.email") == [("failed", "SMTPRecipientsRefused")]


def test_an_unreachable_server_is_a_failure_and_the_invitation_stays(make_app, clock):
    app = make_app(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=_free_port(),  # nothing listens there
        SMTP_SECURITY="none",
        SMTP_FROM="screening@clinic.example",
    )
    staff = signed_in(app, "staff@clinic.example", "staff")
    response = _create(staff, PATIENT)
    assert response.status_code == 201
    assert "The e-mail was not sent" in response.get_data(as_text=True)
    row = _row(app)
    assert (row.email_status, row.email_error) == ("failed", "ConnectionRefusedError")


@pytest.mark.parametrize(
    "typed",
    ["not-an-address", "a@b", "x" * 250 + "@example.com", "a@b.example\x00", "<script>@x.io"],
)
def test_bad_addresses_get_a_400_and_nothing_is_made(mail_app, inbox, clock, typed):
    staff = signed_in(mail_app, "staff@clinic.example", "staff")
    response = _create(staff, typed)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "<script>@" not in text
    if "\x00" not in typed:  # a NUL is refused at the edge, before the form
        assert "e-mail address" in text
    with mail_app.app_context():
        assert db.session.scalar(select(Invitation.id)) is None
    assert inbox[0].messages == []


def test_without_smtp_there_is_no_email_field_and_an_address_is_refused(app, clock):
    staff = signed_in(app, "staff@clinic.example", "staff")
    page = staff.get("/invitations/").get_data(as_text=True)
    assert 'name="email"' not in page and "No e-mail is sent" in page
    response = _create(staff, PATIENT)
    assert response.status_code == 400
    assert "no e-mail server set up" in response.get_data(as_text=True)


def test_the_cli_emails_and_exits_3_when_the_email_fails(mail_app, inbox, clock):
    box, _ = inbox
    runner = mail_app.test_cli_runner()
    made = runner.invoke(args=["invitations", "create", "--email", PATIENT])
    assert made.exit_code == 0, made.output
    assert len(box.messages) == 1
    assert PATIENT not in made.stdout
    failed = runner.invoke(args=["invitations", "create", "--email", "x@refused.example"])
    assert failed.exit_code == 3 and "was not sent" in failed.output
    bad = runner.invoke(args=["invitations", "create", "--email", "nope"])
    assert bad.exit_code == 2


def test_smtp_half_set_up_stops_the_app(tmp_path):
    for extra in ({"SMTP_FROM": ""}, {"SMTP_FROM": "x@y.example", "SMTP_SECURITY": "ssl3"}):
        with pytest.raises(ConfigError):
            create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}",
                    "SECRET_KEY": "k" * 40,
                    "SMTP_HOST": "127.0.0.1",
                    **extra,
                }
            )


def test_the_worker_sends_due_reminders(mail_app, inbox, clock):
    """What ``screener worker`` runs every minute (and the embedded default's thread)."""
    from screener import background

    box, _ = inbox
    with mail_app.app_context(), unit_of_work.change("invitation.create", actor="test"):
        issued = invitations.create("x", ["asrs-v1.1"], 5, "test")
        invitation_mail.attach(issued, PATIENT, "https://clinic.example/i/t")
        issued.invitation.email_status = "sent"
        issued.invitation.email_sent_at = clock()
    clock.advance(days=2, seconds=1)  # 3 days before the expiry, but not yet halfway
    assert background.queue(mail_app).remind() == 0
    clock.advance(hours=12)
    assert background.queue(mail_app).remind() == 1
    assert len(box.messages) == 1 and "https://clinic.example/i/t" in str(box.messages[0])
    assert dt.timedelta(days=3) > _row(mail_app).expires_at - clock()


def test_each_screening_of_a_series_is_emailed_as_it_opens(mail_app, inbox, clock):
    """A series e-mailed at creation: its first screening at once, each later one when
    it opens, each with its own reminder; a missed one's address is erased."""
    box, _ = inbox
    staff = signed_in(mail_app, "staff@clinic.example", "staff")
    data = {
        "csrf_token": csrf_token(staff, "/invitations/"),
        "email": PATIENT,
        "days": "7",
        "instruments": ["asrs-v1.1"],
        "every_weeks": "2",
        "times": "2",
    }
    made = staff.post("/invitations/", data=data)
    assert made.status_code == 201 and "E-mailed." in made.get_data(as_text=True)
    assert len(box.messages) == 1
    link = made.get_data(as_text=True).split('id="invitation-url">', 1)[1].split("<", 1)[0]
    with mail_app.app_context():
        first, second = db.session.scalars(select(Invitation).order_by(Invitation.id)).all()
        first_id, second_id = first.id, second.id
        assert second.email_sealed and second.email_status is None
        assert invitation_mail.send_due() == 0  # the second is scheduled: nothing yet
        clock.advance(days=4, seconds=1)  # 3 days before the first one's end
        assert invitation_mail.send_due() == 1
        assert box.messages[-1]["Subject"].startswith("Reminder:")
        clock.advance(days=10)  # the second opens; the first has expired
        assert invitation_mail.send_due() == 1
        assert db.session.get(Invitation, first_id).email_sealed is None
        opened = box.messages[-1]
        assert "next screening" in opened["Subject"]
        assert link in opened.get_payload(decode=True).decode()  # the series' one link
        second = db.session.get(Invitation, second_id)
        assert (second.email_status, second.reminder_status) == ("sent", None)
        clock.advance(days=4, seconds=1)
        assert invitation_mail.send_due() == 1  # the second's own reminder
    assert len(box.messages) == 4


# --- sent by the workers, never inside a web request --------------------------------------


@pytest.fixture
def queued_mail_app(make_queued, inbox):
    return make_queued(**smtp(inbox[1]))


def test_the_portal_queues_the_email_and_a_worker_sends_it(queued_mail_app, inbox, clock):
    """An SMTP server that is slow or away must never hold a web request: the letter
    says the e-mail is on its way, the list says "being sent", a worker sends it."""
    from screener import background

    box, _ = inbox
    staff = signed_in(queued_mail_app, "staff@clinic.example", "staff")
    response = _create(staff, PATIENT)
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    assert "The e-mail is on its way" in page and "E-mailed." not in page
    assert box.messages == []  # nothing was sent inside the request
    assert _row(queued_mail_app).email_status is None
    assert "E-mail being sent" in staff.get("/invitations/").get_data(as_text=True)
    assert background.queue(queued_mail_app).work() == 1
    [message] = box.messages
    link = page.split('id="invitation-url">', 1)[1].split("<", 1)[0]
    assert link in message.get_payload(decode=True).decode()
    row = _row(queued_mail_app)
    assert (row.email_status, row.email_error) == ("sent", None)
    assert row.email_sealed is not None  # kept for the reminder
    assert "E-mailed" in staff.get("/invitations/").get_data(as_text=True)
    assert _audit(queued_mail_app, "invitation.email") == [("sent", None)]
    assert background.queue(queued_mail_app).remind() == 0  # sent once, not again


def test_a_lost_queue_message_is_sent_by_the_workers_minute(queued_mail_app, inbox, clock):
    from screener import background

    box, _ = inbox
    staff = signed_in(queued_mail_app, "staff@clinic.example", "staff")
    assert _create(staff, PATIENT).status_code == 201
    queue = background.queue(queued_mail_app)
    queue.huey.flush()  # the queue's storage lost everything
    assert queue.work() == 0 and box.messages == []
    assert queue.remind() == 1
    assert len(box.messages) == 1
    assert _row(queued_mail_app).email_status == "sent"


def test_a_worker_without_the_smtp_settings_leaves_the_email_for_one_that_has_them(
    make_queued, inbox, clock
):
    """A worker started without the web's SMTP settings must not turn the e-mail into a
    failure (and erase the address): it waits, "being sent", for a worker that can."""
    from screener import background

    box, port = inbox
    web = make_queued(**smtp(port))
    bare_worker = make_queued()  # same database and queue, no SMTP settings
    staff = signed_in(web, "staff@clinic.example", "staff")
    assert _create(staff, PATIENT).status_code == 201
    assert background.queue(bare_worker).work() == 1  # the message ran, and sent nothing
    row = _row(web)
    assert (row.email_status, row.email_sealed is not None) == (None, True)
    assert _audit(web, "invitation.email") == []
    assert "E-mail being sent" in staff.get("/invitations/").get_data(as_text=True)
    # Still unsent long after the workers' minute: the list says so, not "being sent".
    clock.advance(minutes=6)
    listing = staff.get("/invitations/").get_data(as_text=True)
    assert "E-mail not sent yet, after 5 minutes" in listing
    assert "E-mail being sent" not in listing
    assert background.queue(web).remind() == 1  # a worker with the settings sends it
    assert len(box.messages) == 1
    assert _audit(web, "invitation.email") == [("sent", None)]


def test_an_unreachable_queue_still_makes_the_invitation(make_app, inbox, clock, caplog):
    from screener import background

    box, port = inbox
    app = make_app(QUEUE_URL="redis://127.0.0.1:9/0", **smtp(port))  # nothing listens there
    staff = signed_in(app, "staff@clinic.example", "staff")
    response = _create(staff, PATIENT)
    assert response.status_code == 201
    assert "The e-mail is on its way" in response.get_data(as_text=True)
    assert "could not be queued" in caplog.text
    with app.app_context():
        assert background.queue(app).remind() == 1  # what each worker does every minute
    assert len(box.messages) == 1


def _invitation_with_address(app) -> int:
    """An invitation with an address kept for its e-mails, made outside any request."""
    with app.app_context(), unit_of_work.change("invitation.create", actor="test"):
        issued = invitations.create("x", ["asrs-v1.1"], 14, "test")
        invitation_mail.attach(issued, PATIENT, "https://clinic.example/i/t")
        db.session.flush()
        return issued.invitation.id


def test_two_workers_never_send_the_same_email(mail_app, inbox, clock, monkeypatch):
    """Each worker runs the minute's work; both may find the same e-mail due. The one
    that claims it sends it; the other, arriving mid-send, finds it taken."""
    from screener import mailer

    box, _ = inbox
    invitation_id = _invitation_with_address(mail_app)
    real_send, others = mailer.send, []

    def send_while_another_worker_tries(*args):
        others.append(invitation_mail.send_due())  # the second worker, mid-send
        others.append(invitation_mail.send(invitation_id))
        real_send(*args)

    monkeypatch.setattr(mailer, "send", send_while_another_worker_tries)
    with mail_app.app_context():
        assert invitation_mail.send_due() == 1
    assert others == [0, None]
    assert len(box.messages) == 1
    assert _row(mail_app).email_status == "sent"
    assert _audit(mail_app, "invitation.email") == [("sent", None)]


def test_a_sender_that_died_mid_send_is_shown_as_failed_never_sent_again(mail_app, inbox, clock):
    box, _ = inbox
    with mail_app.app_context(), unit_of_work.change("invitation.create", actor="test"):
        dead = invitations.create("x", ["asrs-v1.1"], 14, "test")
        invitation_mail.attach(dead, PATIENT, "https://clinic.example/i/dead")
        live = invitations.create("y", ["asrs-v1.1"], 14, "test")
        invitation_mail.attach(live, "other@example.com", "https://clinic.example/i/live")
        db.session.flush()
        dead_id, live_id = dead.invitation.id, live.invitation.id
    with mail_app.app_context(), unit_of_work.write():
        # Both were claimed ("sending"): one eleven minutes ago by a worker killed
        # mid-send, one a minute ago by a worker still waiting for the server.
        for row_id, ago in ((dead_id, 11), (live_id, 1)):
            row = db.session.get(Invitation, row_id)
            row.email_status = "sending"
            row.email_claimed_at = clock() - dt.timedelta(minutes=ago)
    with mail_app.app_context():
        assert invitation_mail.send_due() == 1
        assert invitation_mail.send_due() == 0
        settled = db.session.get(Invitation, dead_id)
        assert (settled.email_status, settled.email_error) == ("failed", "Interrupted")
        assert settled.email_sealed is None  # no reminder after a failure
        waiting = db.session.get(Invitation, live_id)
        assert waiting.email_status == "sending" and waiting.email_sealed is not None
    assert box.messages == []
    assert _audit(mail_app, "invitation.email") == [("failed", "Interrupted")]
    staff = signed_in(mail_app, "staff@clinic.example", "staff")
    listing = staff.get("/invitations/").get_data(as_text=True)
    assert "E-mail failed (Interrupted)" in listing and "E-mail being sent" in listing


def test_an_address_sealed_under_another_secret_key_is_a_failure_not_a_retry(
    make_app, mail_app, inbox, clock
):
    """After the secret key changes, sealed addresses cannot be read: shown as failed
    once, not tried again every minute, and nothing is sent."""
    box, port = inbox
    with mail_app.app_context(), unit_of_work.change("invitation.create", actor="test"):
        issued = invitations.create("x", ["asrs-v1.1"], 14, "test")
        invitation_mail.attach(issued, PATIENT, "https://clinic.example/i/t")
    rotated = make_app(SECRET_KEY="another secret key, " * 3, **smtp(port))
    with rotated.app_context():
        assert invitation_mail.send_due() == 1
        assert invitation_mail.send_due() == 0
    row = _row(rotated)
    assert (row.email_status, row.email_error) == ("failed", "SealUnreadable")
    assert row.email_sealed is None and box.messages == []


def test_an_invitation_revoked_just_after_its_email_was_claimed_shows_no_failure(
    mail_app, inbox, clock, monkeypatch
):
    """Revoked between the claim and the read of the address (which the revoke erased):
    nothing is sent and nothing failed, so the list must not say "E-mail failed"."""
    box, _ = inbox
    invitation_id = _invitation_with_address(mail_app)
    real_claim = invitation_mail._claim

    def claim_then_revoke(*args):
        taken = real_claim(*args)
        invitations.revoke_audited(db.session.get(Invitation, invitation_id), actor="test")
        return taken

    monkeypatch.setattr(invitation_mail, "_claim", claim_then_revoke)
    with mail_app.app_context():
        assert invitation_mail.send(invitation_id, actor="worker") is None
    row = _row(mail_app)
    assert (row.email_status, row.email_claimed_at, row.email_error) == (None, None, None)
    assert _audit(mail_app, "invitation.email") == [] and box.messages == []
    staff = signed_in(mail_app, "staff@clinic.example", "staff")
    listing = staff.get("/invitations/").get_data(as_text=True)
    assert "Revoked" in listing and "E-mail" not in listing.split("<tbody", 1)[1]


def test_a_queued_email_is_not_sent_once_the_invitation_is_revoked_or_started(
    queued_mail_app, inbox, clock
):
    """A queued message may run long after the invitation was made (a worker was down):
    by then a revoked invitation must not reach a possibly wrong inbox, and a patient
    who started from the printed letter needs no e-mail."""
    from screener import background
    from tests.test_invitations import press_start

    box, _ = inbox
    staff = signed_in(queued_mail_app, "staff@clinic.example", "staff")
    revoked_page = _create(staff, PATIENT).get_data(as_text=True)
    revoked_id = _row(queued_mail_app).id
    started_page = _create(staff, "second@example.com").get_data(as_text=True)
    started_id = _row(queued_mail_app).id
    with queued_mail_app.app_context():
        invitations.revoke_audited(db.session.get(Invitation, revoked_id), actor="test")
    started_link = started_page.split('id="invitation-url">', 1)[1].split("<", 1)[0]
    patient = queued_mail_app.test_client()
    assert press_start(patient, urlsplit(started_link).path).status_code == 303
    listing = staff.get("/invitations/").get_data(as_text=True)
    assert "E-mail being sent" not in listing
    queue = background.queue(queued_mail_app)
    assert queue.work() == 2 and queue.remind() == 0  # both messages ran; nothing went
    assert box.messages == []
    with queued_mail_app.app_context():
        revoked = db.session.get(Invitation, revoked_id)
        assert revoked.email_sealed is None and revoked.email_status is None
        started = db.session.get(Invitation, started_id)
        assert started.email_status is None
    assert "E-mail being sent" not in staff.get("/invitations/").get_data(as_text=True)
    assert "The e-mail is on its way" in revoked_page


def test_the_cli_claims_its_email_so_a_worker_cannot_take_it_in_between(
    mail_app, inbox, clock, monkeypatch
):
    """The CLI sends at once and reports the outcome: a worker's minute that runs
    between the invitation's commit and the CLI's send must not take the e-mail and
    leave the CLI saying it was not sent."""
    box, _ = inbox
    real_send, worker_took = invitation_mail.send, []

    def a_worker_looks_first(*args, **kwargs):
        worker_took.append(invitation_mail.send_due())
        return real_send(*args, **kwargs)

    monkeypatch.setattr(invitation_mail, "send", a_worker_looks_first)
    made = mail_app.test_cli_runner().invoke(args=["invitations", "create", "--email", PATIENT])
    assert made.exit_code == 0, made.output
    assert worker_took == [0] and len(box.messages) == 1
    assert _row(mail_app).email_status == "sent"


def test_a_clinic_name_with_a_line_break_is_a_failed_email_not_a_500(mail_app, inbox, clock):
    """A name saved before line breaks were refused cannot go into a subject line: the
    e-mail fails and says so, and the invitation is made."""
    from screener.models import ClinicSettings

    with mail_app.app_context():
        db.session.get(ClinicSettings, 1).name = "Old Clinic\r\nBcc: someone@example.com"
        db.session.commit()
    staff = signed_in(mail_app, "staff@clinic.example", "staff")
    response = _create(staff, PATIENT)
    assert response.status_code == 201
    assert "The e-mail was not sent" in response.get_data(as_text=True)
    assert inbox[0].messages == []
    assert (_row(mail_app).email_status, _row(mail_app).email_error) == ("failed", "InvalidHeader")
