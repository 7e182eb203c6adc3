"""A patient's open screening on a shared computer, and pages of other sites.

The session is a browser-session cookie that ends after an idle period, holds no
readable resume token, and ends at "Finish"; only a request whose CSRF token passed
opens a screening in a browser, and the private link asks before it does.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from sqlalchemy import select

from screener.extensions import db
from screener.models import Answer
from tests.patient_helpers import csrf_token, post_step, resume, start

PART_A = {f"q{n}": "often" for n in range(1, 7)}
PART_B = {f"q{n}": "rarely" for n in range(7, 19)}
EVIL = {"Origin": "https://evil.example"}


def _link(client) -> str:
    page = client.get("/screen/started").get_data(as_text=True)
    return re.search(r'href="(http://[^"]+/screen/resume/[^"]+)"', page).group(1)


def _sealed(client, number: int = 1) -> str:
    page = client.get(f"/screen/step/{number}").get_data(as_text=True)
    return re.search(r'name="resume" value="([^"]+)"', page).group(1)


def _cookie_session(app, client) -> dict:
    """What anyone who copies the cookie can read: it is signed, not encrypted."""
    cookie = client.get_cookie("session")
    if cookie is None:
        return {}
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def _saved(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(Answer.id)).all())


def _is_open(client) -> bool:
    return client.get("/screen/step/1").status_code == 200


def _submitted(client) -> str:
    """Submit a screening in ``client``; return its private link."""
    token = start(client, screeners=("adhd",), iron=False)
    link = _link(client)
    post_step(client, 1, PART_A, token)
    post_step(client, 2, PART_B, token)
    client.post("/screen/submit", data={"csrf_token": token})
    assert client.get("/screen/results").status_code == 200
    return link


# --- M3: shared computers ---------------------------------------------------------


def test_the_patient_cookie_ends_with_the_browser(client):
    token = csrf_token(client.get("/"))
    response = client.post(
        "/screen/start", data={"csrf_token": token, "consent": "y", "screeners": ["asrs-v1.1"]}
    )
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "Expires=" not in cookie and "Max-Age=" not in cookie


def test_the_cookie_holds_no_readable_resume_token(app, client):
    start(client)
    link = _link(client)
    token = link.rsplit("/", 1)[1]
    readable = json.dumps(_cookie_session(app, client))
    assert "screening_id" in readable
    assert token not in readable
    # Nor does any page but the one meant to show the link.
    for url in ("/screen/step/1", "/screen/review"):
        assert token not in client.get(url, follow_redirects=True).get_data(as_text=True)


class IdleClock:
    """The wall clock of the patient session and of its sealed token (Fernet's ttl), moved
    by the test instead of slept through."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def idle_clock(monkeypatch):
    from types import SimpleNamespace

    import cryptography.fernet

    from screener.patient import sessions

    clock = IdleClock()
    fake = SimpleNamespace(time=clock.time)
    monkeypatch.setattr(sessions, "time", fake)
    monkeypatch.setattr(cryptography.fernet, "time", fake)
    return clock


def test_an_idle_screening_ends_but_stays_open_while_the_patient_is_active(make_app, idle_clock):
    app = make_app(PATIENT_IDLE_SECONDS=4)
    client = app.test_client()
    start(client)
    link = _link(client)
    for _ in range(3):  # active for longer than the idle period
        idle_clock.sleep(1.6)
        assert _is_open(client)
    idle_clock.sleep(5.5)  # whole seconds are compared: more than 4 idle, for certain
    assert client.get("/screen/step/1").location.endswith("/screen/ended")
    # The private link still reopens it, with nothing lost.
    assert resume(client, link, consent=True).location.endswith("/screen/step/1")


def test_a_page_left_open_longer_than_the_idle_period_cannot_reopen_it(make_app, idle_clock):
    app = make_app(PATIENT_IDLE_SECONDS=2)
    client = app.test_client()
    start(client)
    sealed = _sealed(client)
    idle_clock.sleep(3.5)
    ours = {"Origin": "http://localhost"}
    response = client.post(
        "/screen/step/1", data={"csrf_token": "x", "resume": sealed, **PART_A}, headers=ours
    )
    assert response.location.endswith("/screen/ended")
    assert _saved(app) == 0


def test_finish_ends_results_and_pdf_for_the_next_person(app, client):
    link = _submitted(client)
    response = client.post("/screen/finish", data={"csrf_token": csrf_token(client.get("/"))})
    assert response.location.endswith("/?finished=1")
    for url in ("/screen/results", "/screen/summary.pdf", "/screen/review", "/screen/started"):
        assert client.get(url).location.endswith("/screen/ended"), url
    assert "screening_id" not in _cookie_session(app, client)
    # The patient's own link still brings the results back.
    assert resume(client, link).location.endswith("/screen/results")


def test_finish_ends_it_even_when_the_results_page_was_open_too_long(app, client):
    _submitted(client)
    response = client.post("/screen/finish", data={"csrf_token": "expired-or-missing"})
    assert response.status_code == 302
    assert client.get("/screen/results").location.endswith("/screen/ended")
    assert client.get("/screen/summary.pdf").location.endswith("/screen/ended")


# --- L1: pages of other sites -----------------------------------------------------


def test_a_cross_site_post_with_a_resume_token_opens_nothing(app, client):
    attacker = app.test_client()
    start(attacker, screeners=("adhd",), iron=False)
    token = _link(attacker).rsplit("/", 1)[1]
    sealed = _sealed(attacker)
    victim = app.test_client()
    victim.get("/")  # has a session of its own, with a CSRF token
    forged = {"resume": sealed, "resume_token": token, **PART_A}
    for url in ("/screen/step/1", "/screen/submit"):
        response = victim.post(url, data=forged, headers=EVIL)
        assert response.status_code in (302, 400), url
        assert "screening_id" not in _cookie_session(app, victim), url
        assert not _is_open(victim)
    assert _saved(app) == 0


def test_a_same_site_post_with_a_stale_csrf_token_does_not_open_it_either(app, client):
    start(client)
    sealed = _sealed(client)
    other = app.test_client()
    response = other.post(
        "/screen/step/1",
        data={"csrf_token": "stale", "resume": sealed, **PART_A},
        headers={"Origin": "http://localhost"},
    )
    assert response.status_code == 400  # the page again, with the patient's choices
    assert response.get_data(as_text=True).count("checked") == 6
    assert "screening_id" not in _cookie_session(app, other)
    assert not _is_open(other)
    assert _saved(app) == 0


def test_the_resume_link_does_not_skip_consent_for_a_screening_not_started(app, client):
    start(client)  # started by someone else, who sends the link
    link = _link(client)
    victim = app.test_client()
    page = victim.get(link)
    assert page.status_code == 200
    assert 'name="consent"' in page.get_data(as_text=True)
    assert not _is_open(victim)  # opening the link changed nothing
    refused = victim.post(link, data={"csrf_token": csrf_token(page)})
    assert refused.status_code == 400
    assert "Tick the box to say you agree" in refused.get_data(as_text=True)
    assert '<li><a href="#consent">' in refused.get_data(as_text=True)  # the error summary
    assert not _is_open(victim)
    agreed = victim.post(link, data={"csrf_token": csrf_token(refused), "consent": "y"})
    assert agreed.location.endswith("/screen/step/1")
    assert _is_open(victim)


def test_opening_a_resume_link_keeps_the_open_screening_until_the_button(app, client):
    other = app.test_client()
    token = start(other, screeners=("adhd",), iron=False)
    post_step(other, 1, PART_A, token)
    foreign_link = _link(other)
    start(client)
    mine = _cookie_session(app, client)["screening_id"]
    page = client.get(foreign_link)
    assert page.status_code == 200
    assert 'name="consent"' not in page.get_data(as_text=True)  # already begun
    assert _cookie_session(app, client)["screening_id"] == mine
    # A cross-site POST to the link, without the page's CSRF token, does nothing.
    assert client.post(foreign_link, data={}, headers=EVIL).status_code == 400
    assert _cookie_session(app, client)["screening_id"] == mine
    response = client.post(foreign_link, data={"csrf_token": csrf_token(page)})
    assert response.location.endswith("/screen/step/2")
    assert _cookie_session(app, client)["screening_id"] != mine


def _type_code(client, code: str):
    landing = client.get("/")
    return client.post("/screen/code", data={"csrf_token": csrf_token(landing), "code": code})


def test_a_kiosk_code_left_typed_is_let_go_after_the_idle_period(make_app, idle_clock):
    """A patient types their code at a shared computer and walks away: after the idle
    period the next person there cannot start (or continue) that invitation."""
    from tests.test_invitations import invite, press_start, state

    app = make_app(PATIENT_IDLE_SECONDS=4)
    client = app.test_client()
    invitation_id, _, code = invite(app)
    assert _type_code(client, code).location.endswith("/screen/invited")
    for _ in range(3):  # read for longer than the idle period, but active
        idle_clock.sleep(1.6)
        assert client.get("/screen/invited").status_code == 200
    idle_clock.sleep(5.5)
    assert client.get("/screen/invited").location.endswith("/")
    start_anyway = {"csrf_token": csrf_token(client.get("/")), "consent": "y"}
    assert client.post("/screen/invited", data=start_anyway).location.endswith("/")
    assert state(app, invitation_id) == "opened"
    assert "invitation_id" not in _cookie_session(app, client)
    # Typing the code again opens it as before.
    assert _type_code(client, code).location.endswith("/screen/invited")
    assert press_start(client, "/screen/invited").location.endswith("/screen/started")


def test_finish_lets_go_of_a_typed_code_too(app, client):
    from tests.test_invitations import invite

    _, _, code = invite(app)
    _type_code(client, code)
    response = client.post("/screen/finish", data={"csrf_token": csrf_token(client.get("/"))})
    assert response.location.endswith("/?finished=1")
    assert client.get("/screen/invited").location.endswith("/")


def _code_of(client) -> str:
    page = client.get("/screen/step/1").get_data(as_text=True)
    return re.search(r'class="code">([A-Z0-9-]{14})<', page).group(1)


def test_the_start_page_offers_the_screening_open_on_this_device(app, client):
    """A patient who taps the header, or opens the start page in another tab, sees the
    screening they were answering and can go on with it, instead of a blank start."""
    assert "You have a screening open" not in client.get("/").get_data(as_text=True)
    start(client)
    code = _code_of(client)
    landing = client.get("/").get_data(as_text=True)
    assert "You have a screening open on this device" in landing
    assert code in landing and 'href="/screen/step/1"' in landing
    assert "Continue that screening" in landing


def test_a_page_of_an_earlier_screening_does_not_save_into_a_new_one(app, client):
    """Tab 1 shows step 1 of screening A; in tab 2 the patient starts screening B. Saving
    tab 1's page must not put A's answers into B."""
    start(client)
    page_a = client.get("/screen/step/1").get_data(as_text=True)
    sealed_a = re.search(r'name="resume" value="([^"]+)"', page_a).group(1)
    start(client)  # screening B, in the same browser
    token = csrf_token(client.get("/screen/step/1"))
    response = client.post(
        "/screen/step/1", data={"csrf_token": token, "resume": sealed_a, **PART_A}
    )
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "This page is from another screening" in text and "not saved" in text
    assert _saved(app) == 0
    # B's own page saves as usual.
    sealed_b = re.search(
        r'name="resume" value="([^"]+)"', client.get("/screen/step/1").get_data(as_text=True)
    ).group(1)
    saved = client.post("/screen/step/1", data={"csrf_token": token, "resume": sealed_b, **PART_A})
    assert saved.status_code == 302
    assert _saved(app) == len(PART_A)


def test_back_keeps_what_was_chosen_on_the_page_even_unfinished(app, client):
    """Back used to be a link: answers chosen on the page, but not yet sent with
    Continue, were lost. It now saves every valid answer of the page, asks for nothing
    more, and goes back."""
    token = start(client)
    assert post_step(client, 1, PART_A, token).status_code == 302
    part_b = {"q7": "often", "q8": "rarely"}  # 2 of 12: the page is not finished
    back = post_step(client, 2, {**part_b, "go": "back"}, token)
    assert back.status_code == 302 and back.location.endswith("/screen/step/1")
    assert _saved(app) == len(PART_A) + 2
    page = client.get("/screen/step/2").get_data(as_text=True)
    assert re.search(r'name="q7" id="[^"]+" value="often" checked', page)
    # Back from the first page goes to the page after consent, also keeping answers.
    first = post_step(client, 1, {**PART_A, "q1": "never", "go": "back"}, token)
    assert first.location.endswith("/screen/started")
    with app.app_context():
        stored = dict(
            db.session.execute(
                select(Answer.item_id, Answer.value).where(Answer.item_id == "q1")
            ).all()
        )
    assert stored == {"q1": "never"}
