"""The patient flow through HTTP: bad input, order, tokens, resuming and one submission."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from screener.extensions import db
from screener.models import Answer, Screening, ScreeningResult
from screener.services import screenings
from tests.helpers import asrs, rls
from tests.patient_helpers import csrf_token, post_step, resume, start

PART_A = {f"q{n}": "often" for n in range(1, 7)}
PART_B = {f"q{n}": "rarely" for n in range(7, 19)}


def saved(app) -> dict:
    with app.app_context():
        rows = db.session.execute(select(Answer.item_id, Answer.value)).all()
        return dict(rows)


def test_landing_page_explains_and_asks_for_consent(client):
    body = client.get("/").get_data(as_text=True)
    for phrase in (
        "screen, not a diagnosis",
        "18 and over",
        "minutes",
        "365 days",
        "Only clinicians",
    ):
        assert phrase in body
    assert 'name="consent"' in body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"screeners": ["asrs-v1.1"]}, "Tick the box to say you agree"),
        ({"consent": "y"}, "Choose at least one set of questions"),
        ({"consent": "y", "screeners": ["phq9"]}, "Choose from the sets of questions shown"),
    ],
)
def test_start_needs_consent_and_a_choice(client, app, data, message):
    token = csrf_token(client.get("/"))
    response = client.post("/screen/start", data={"csrf_token": token, **data})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Screening)) == 0


def test_start_without_csrf_token_is_refused_and_creates_nothing(client, app):
    response = client.post("/screen/start", data={"consent": "y", "screeners": ["asrs-v1.1"]})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Screening)) == 0


def test_started_page_shows_code_and_private_link(client):
    start(client)
    body = client.get("/screen/started").get_data(as_text=True)
    code = re.search(r'class="code">([A-Z0-9-]{14})<', body).group(1)
    assert len(code.replace("-", "")) == 12
    assert "/screen/resume/" in body


def test_missing_and_unknown_answers_keep_the_chosen_ones(client, app):
    token = start(client)
    post_step(client, 1, PART_A, token)
    response = post_step(client, 2, {"q7": "often", "q8": "always"}, token)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "There is a problem" in body
    assert '<a href="#q-q8">' in body and '<a href="#q-q9">' in body
    assert re.search(r'name="q7" id="q7-4" value="often" checked', body)
    assert saved(app) == PART_A  # nothing of the bad page saved, nothing earlier lost


def test_a_number_out_of_range_or_hostile_gives_a_clear_message(client, app):
    token = start(client, screeners=("rls",))
    post_step(client, 1, {"gate": "no", "leg_medicine": "no"}, token)
    for value, message in [
        ("5001", "from 1 to 5000"),
        ("abc", "digits only"),
        ("<script>alert(1)</script>", "digits only"),
        ("nan", "Enter a number"),
    ]:
        response = post_step(
            client, 2, {"risk_factors": "none", "family_rls": "no", "ferritin": value}, token
        )
        assert response.status_code == 422
        body = response.get_data(as_text=True)
        assert message in body
        assert "<script>alert(1)</script>" not in body


HOSTILE = [
    "x\x00y",
    "12\r\n34",
    "\u202e42",
    "\U0001f600" * 10_000,
    "{{7*7}}",
    "' OR 1=1--",
    '"><img src=x onerror=alert(1)>',
]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("field", ["ferritin", "family_rls", "risk_factors"])
def test_hostile_values_in_any_field_get_a_message_and_save_nothing(client, app, field, value):
    token = start(client, screeners=("rls",))
    post_step(client, 1, {"gate": "no", "leg_medicine": "no"}, token)
    before = saved(app)
    answers = {"risk_factors": "none", "family_rls": "no", "ferritin": "40", field: value}
    response = post_step(client, 2, answers, token)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "There is a problem" in body or "error" in body.lower()
    assert "<img src=x" not in body and "\x00" not in body
    assert saved(app) == before


def test_the_none_box_cannot_be_ticked_with_others(client):
    token = start(client, screeners=("rls",))
    post_step(client, 1, {"gate": "no", "leg_medicine": "no"}, token)
    response = post_step(
        client, 2, {"risk_factors": ["none", "coeliac"], "family_rls": "no"}, token
    )
    assert response.status_code == 422
    assert "cannot be ticked together" in response.get_data(as_text=True)


def test_forged_step_without_token_is_refused_and_saves_nothing(client, app):
    start(client)
    response = client.post("/screen/step/1", data=PART_A)
    assert response.status_code == 400
    assert "Please check this page" in response.get_data(as_text=True)
    assert saved(app) == {}


def test_expired_token_reshows_the_step_with_the_patients_choices(client, app):
    start(client)
    response = post_step(client, 1, PART_A, token="expired-or-foreign-token")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Please check this page and continue again" in body
    assert body.count("checked") == 6
    # Pressing Continue again with the fresh token on that page saves the answers.
    post_step(client, 1, PART_A, token=csrf_token(response))
    assert saved(app) == PART_A


def test_a_token_that_really_timed_out_reshows_the_step_with_the_choices(make_app, monkeypatch):
    """A real token past WTF_CSRF_TIME_LIMIT, as after a long pause on one page."""
    app = make_app(WTF_CSRF_TIME_LIMIT=2)
    client = app.test_client()
    start(client)
    token = csrf_token(client.get("/screen/step/1"))
    later = time.time() + 3.1  # the clock moves on 3.1 s and stops there, instead of a sleep
    monkeypatch.setattr(time, "time", lambda: later)
    response = post_step(client, 1, PART_A, token=token)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Please check this page and continue again" in body
    assert body.count("checked") == 6
    assert saved(app) == {}
    assert post_step(client, 1, PART_A, token=csrf_token(response)).status_code == 302
    assert saved(app) == PART_A


def test_lost_session_is_restored_from_the_pages_own_token(client, app):
    token = start(client)
    page = client.get("/screen/step/1").get_data(as_text=True)
    sealed = re.search(r'name="resume" value="([^"]+)"', page).group(1)
    client.delete_cookie("session")
    ours = {"Origin": "http://localhost"}  # a browser names the page's site
    response = client.post(
        "/screen/step/1", data={"csrf_token": token, "resume": sealed, **PART_A}, headers=ours
    )
    assert response.status_code == 400  # the CSRF token belonged to the lost session
    assert "Please check this page" in response.get_data(as_text=True)
    assert response.get_data(as_text=True).count("checked") == 6
    fresh = csrf_token(response)
    assert saved(app) == {}
    response = client.post(
        "/screen/step/1", data={"csrf_token": fresh, "resume": sealed, **PART_A}, headers=ours
    )
    assert response.status_code == 302
    assert saved(app) == PART_A
    assert client.get("/screen/step/2").status_code == 200  # open again in this browser


def test_a_step_posted_out_of_order_redirects_to_the_first_incomplete(client, app):
    token = start(client)
    response = post_step(client, 3, {"gate": "yes"}, token)
    assert response.status_code == 302 and response.location.endswith("/screen/step/1")
    assert client.get("/screen/step/5").location.endswith("/screen/step/1")
    assert client.get("/screen/review").location.endswith("/screen/step/1")
    assert saved(app) == {}


def test_no_open_screening_goes_to_a_calm_page(client):
    response = client.get("/screen/step/1")
    assert response.location.endswith("/screen/ended")
    assert "No screening is open" in client.get("/screen/ended").get_data(as_text=True)


def test_wrong_resume_tokens_are_not_found(client):
    start(client)
    assert client.get("/screen/resume/not-a-real-token").status_code == 404
    assert client.get("/screen/resume/" + "A" * 300).status_code == 404


def test_resume_link_continues_where_the_patient_left_off(app, client):
    token = start(client)
    post_step(client, 1, PART_A, token)
    link = re.search(
        r'href="(http://[^"]+/screen/resume/[^"]+)"',
        client.get("/screen/started").get_data(as_text=True),
    ).group(1)
    other = app.test_client()
    assert other.get("/screen/step/1").location.endswith("/screen/ended")
    response = resume(other, link)
    assert response.location.endswith("/screen/step/2")
    page = other.get("/screen/step/1").get_data(as_text=True)
    assert page.count("checked") == 6


def test_review_change_and_idempotent_submit(client, app):
    token = start(client, screeners=("adhd",), iron=False)
    post_step(client, 1, PART_A, token)
    post_step(client, 2, PART_B, token)
    review = client.get("/screen/review").get_data(as_text=True)
    assert review.count("Often") == 6 and review.count("Rarely") == 12
    response = post_step(
        client, 1, {**PART_A, "q1": "never"}, token, query_string={"return": "review"}
    )
    assert response.location.endswith("/screen/review")
    for _ in range(3):  # double click, refresh, Back and submit again
        response = client.post("/screen/submit", data={"csrf_token": token})
        assert response.location.endswith("/screen/results")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ScreeningResult)) == 1
        screening = db.session.scalar(select(Screening))
        assert screening.status == "submitted"
        assert screenings.answers_of(screening)["asrs-v1.1"]["q1"] == "never"
    # After submission the steps cannot change anything.
    response = post_step(client, 1, PART_A, token)
    assert response.location.endswith("/screen/results")
    assert saved(app)["q1"] == "never"


def test_submit_with_an_expired_token_keeps_everything_and_asks_again(client, app):
    token = start(client, screeners=("adhd",), iron=False)
    post_step(client, 1, PART_A, token)
    post_step(client, 2, PART_B, token)
    response = client.post("/screen/submit", data={"csrf_token": "stale"})
    assert response.status_code == 400
    assert "Please press Submit again" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Screening.status)) == "draft"


def test_results_agree_with_the_scoring_engine(client):
    token = start(client)
    adhd = asrs(["sometimes", "sometimes", "sometimes", "sometimes", "often", "often"])
    post_step(client, 1, {k: adhd[k] for k in PART_A}, token)
    post_step(client, 2, PART_B, token)
    legs = rls(c2="no", causes={"cramps": "yes"})
    post_step(client, 3, {"gate": "yes", "leg_medicine": "no"}, token)
    post_step(
        client, 4, {k: legs[k] for k in ("c1_urge", "c2_rest", "c3_movement", "c4_evening")}, token
    )
    post_step(client, 5, {k: v for k, v in legs.items() if k.startswith("cause_")}, token)
    post_step(client, 6, {"frequency": "weekly", "impact": "no"}, token)
    post_step(client, 7, {"risk_factors": "none", "family_rls": "yes"}, token)
    client.post("/screen/submit", data={"csrf_token": token})
    body = client.get("/screen/results").get_data(as_text=True)
    assert "Consistent with adult ADHD" in body  # 3 + 2 = 5 highlighted
    assert "5 of the first 6 answers" in body
    assert "Not consistent with restless legs syndrome" in body
    assert "Things that can lower iron" not in body


def test_results_are_not_shown_before_submission(client):
    start(client)
    assert client.get("/screen/results").location.endswith("/screen/step/1")


def test_finish_forgets_the_screening_on_this_device(client):
    token = start(client)
    response = client.post("/screen/finish", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/screen/step/1").location.endswith("/screen/ended")


def test_oversized_request_is_413_and_saves_nothing(client, app):
    token = start(client)
    response = post_step(client, 1, {**PART_A, "q1": "x" * (600 * 1024)}, token)
    assert response.status_code == 413
    assert saved(app) == {}


@pytest.mark.parametrize(
    "extra",
    [
        {f"field{n}": "x" for n in range(600)},  # more parts than MAX_FORM_PARTS
        {"q1": "x" * (400 * 1024)},  # one field over MAX_FORM_MEMORY_SIZE, under the body cap
    ],
    ids=["too-many-fields", "one-huge-field"],
)
def test_form_limits_give_413_and_keep_what_was_saved(client, app, extra):
    """The part and field limits apply to multipart bodies; URL-encoded ones are capped by
    MAX_CONTENT_LENGTH (test_oversized_request_is_413_and_saves_nothing)."""
    token = start(client)
    assert post_step(client, 1, PART_A, token).status_code == 302
    before = saved(app)
    response = post_step(client, 2, {**extra}, token, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert saved(app) == before


def test_an_altered_resume_token_is_the_same_404_as_a_made_up_one(client):
    start(client)
    link = re.search(
        r"/screen/resume/([^\"<\s]+)", client.get("/screen/started").get_data(as_text=True)
    )
    real = link.group(1)
    altered = real[:-1] + ("A" if real[-1] != "A" else "B")
    fresh = client.application.test_client()
    made_up, changed = (
        fresh.get("/screen/resume/not-a-real-token"),
        fresh.get(f"/screen/resume/{altered}"),
    )
    assert made_up.status_code == changed.status_code == 404
    assert made_up.get_data() == changed.get_data()
    assert fresh.get(f"/screen/resume/{real}").status_code == 200


def test_patient_pages_are_never_cached(client):
    start(client)
    for url in ("/", "/screen/started", "/screen/step/1", "/screen/review"):
        assert client.get(url).headers["Cache-Control"] == "no-store"


def test_long_option_lists_are_a_drop_down_and_still_checked(client, app):
    token = start(client, screeners=("rls",))
    post_step(client, 1, {"gate": "no", "leg_medicine": "no"}, token)
    page = client.get("/screen/step/2").get_data(as_text=True)
    assert '<select name="ferritin_month"' in page
    base = {"risk_factors": "none", "family_rls": "no", "ferritin": "30", "ferritin_year": "2026"}
    response = post_step(client, 2, {**base, "ferritin_month": "m13"}, token)
    assert response.status_code == 422
    response = post_step(client, 2, {**base, "ferritin_month": "m03"}, token)
    assert response.status_code == 302
    assert saved(app)["ferritin_month"] == "m03"
    assert '<option value="m03" selected>' in client.get("/screen/step/2").get_data(as_text=True)


def test_pdf_summary_downloads_through_the_patients_own_session(client, app):
    token = start(client, screeners=("adhd",), iron=False)
    assert client.get("/screen/summary.pdf").location.endswith("/screen/step/1")
    post_step(client, 1, PART_A, token)
    post_step(client, 2, PART_B, token)
    client.post("/screen/submit", data={"csrf_token": token})
    response = client.get("/screen/summary.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    with app.app_context():
        code = db.session.scalar(select(Screening.reference_code))
    from screener.codes import format_code

    filename = f"screening-summary-{format_code(code)}.pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/screen/summary.pdf").data == response.data  # stored, not re-rendered
    other = app.test_client()
    assert other.get("/screen/summary.pdf").location.endswith("/screen/ended")
    with app.app_context():
        from screener.models import AuditEvent

        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.download"))
        # The patient is anonymous: the trail keeps the event, not where they were.
        assert [(e.actor, e.address) for e in rows] == [("patient", None)] * 2


def test_starting_screenings_is_limited_per_address(make_app):
    from screener.models import ClinicSettings

    app = make_app()
    with app.app_context():
        db.session.get(ClinicSettings, 1).screenings_per_address = 3
        db.session.commit()
    client = app.test_client()
    for _ in range(3):
        start(client)
    token = csrf_token(client.get("/"))
    response = client.post(
        "/screen/start", data={"csrf_token": token, "consent": "y", "screeners": ["asrs-v1.1"]}
    )
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Screening)) == 3


def test_typed_answers_are_never_kept_in_the_page_cache(client):
    from screener.patient import presenters

    token = start(client, screeners=("rls",))
    post_step(client, 1, {"gate": "no", "leg_medicine": "no"}, token)
    post_step(client, 2, {"risk_factors": "none", "family_rls": "no", "ferritin": "4321"}, token)
    client.get("/screen/step/2")
    assert not any("4321" in html for html in presenters._fragments.values())
    assert "4321" in client.get("/screen/step/2").get_data(as_text=True)


def test_a_database_fault_is_a_calm_503_and_nothing_saved_is_lost(client, app, monkeypatch):
    from sqlalchemy.exc import OperationalError

    token = start(client)
    assert post_step(client, 1, PART_A, token).status_code == 302

    def down(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(screenings, "store_section", down)
    response = post_step(client, 2, PART_B, token)
    body = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    # The page comes back with the patient's choices, to send again when it is back.
    assert "We could not save this page just now" in body
    assert body.count("checked") == len(PART_B)
    for leak in ("Traceback", "OperationalError", "SELECT", "server closed"):
        assert leak not in body
    assert saved(app) == PART_A
    monkeypatch.undo()
    assert post_step(client, 2, PART_B, token=csrf_token(response)).status_code == 302
    assert saved(app) == {**PART_A, **PART_B}
    # A database that is down before anything is read: the calm 503 page.
    monkeypatch.setattr(screenings, "light_by_id", down)
    response = client.get("/screen/step/1")
    assert response.status_code == 503
    assert "Your saved answers are safe" in response.get_data(as_text=True)


def _drop_every_connection(app) -> None:
    """What a PostgreSQL restart or failover does to the app's pooled connections."""
    import sqlalchemy

    # Autocommit: inside one transaction pg_stat_activity shows the same snapshot throughout.
    killer = sqlalchemy.create_engine(
        app.config["SQLALCHEMY_DATABASE_URI"], isolation_level="AUTOCOMMIT"
    )
    others = " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    with killer.connect() as connection:
        pids = connection.execute(sqlalchemy.text("SELECT pid" + others)).scalars().all()
        killed = connection.execute(
            sqlalchemy.text("SELECT count(pg_terminate_backend(pid))" + others)
        ).scalar()
        still = sqlalchemy.text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)")
        for _ in range(100):  # until those sessions have really ended
            if not connection.execute(still, {"pids": list(pids)}).scalar():
                break
            time.sleep(0.05)
    killer.dispose()
    assert killed >= 1


@pytest.fixture
def pings(app, monkeypatch):
    """How many times the app pinged the database before using a pooled connection."""
    with app.app_context():
        dialect = db.engine.dialect
    count = {"pings": 0}
    real = dialect.do_ping

    def counted(dbapi_connection):
        count["pings"] += 1
        return real(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return count


def test_connections_killed_by_the_server_are_replaced_without_a_restart(app, backend, pings):
    """After PostgreSQL drops every connection, the next request works; while it does
    not, no request pays a ping."""
    if backend != "postgres":
        pytest.skip("PostgreSQL drops connections; SQLite has none to drop")
    client = app.test_client()
    for _ in range(3):
        assert client.get("/").status_code == 200
    assert pings["pings"] == 0
    _drop_every_connection(app)
    assert client.get("/").status_code == 200
    assert pings["pings"] >= 1
    start(client)


def test_a_connection_idle_for_long_is_checked_before_use(app, backend, pings, monkeypatch):
    """A connection lost without a word (a firewall, a host that died) is found by the
    ping after an idle spell, not by a patient's request."""
    if backend != "postgres":
        pytest.skip("PostgreSQL drops connections; SQLite has none to drop")
    from screener import database

    client = app.test_client()
    assert client.get("/").status_code == 200
    _drop_every_connection(app)
    monkeypatch.setattr(database, "_server_spoke", lambda connection: False)  # no word
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert client.get("/").status_code == 200
    assert pings["pings"] >= 1


def test_a_long_review_answer_goes_under_its_question_not_cut_in_a_word():
    from screener.patient.presenters import _review_row

    assert not _review_row("Q", "Sometimes")["wide"]
    assert not _review_row("Q", "2 or more times a week")["wide"]
    assert _review_row("Q", "I am pregnant or breastfeeding")["wide"]  # "breastfeeding"
    assert _review_row("Q", "Less than once a month, most weeks")["wide"]  # many words
