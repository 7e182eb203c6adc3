"""Finish on the results page can also turn the private link off (issue 12, item 7)."""

from __future__ import annotations

from sqlalchemy import select

from screener.extensions import db
from screener.models import AuditEvent
from tests.patient_helpers import csrf_token, resume
from tests.test_patient_sessions import _submitted


def _closed_events(app) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "patient.link_closed")
                .order_by(AuditEvent.id)
            )
        )


def test_finish_with_the_box_ticked_turns_the_link_off(app, client):
    link = _submitted(client)
    token = csrf_token(client.get("/screen/results"))
    response = client.post("/screen/finish", data={"csrf_token": token, "close_link": "1"})
    assert response.location.endswith("/?finished=1")
    assert client.get("/screen/results").location.endswith("/screen/ended")
    assert client.get(link).status_code == 404
    assert client.post(link, data={"csrf_token": csrf_token(client.get("/"))}).status_code == 404
    events = _closed_events(app)
    assert len(events) == 1
    assert events[0].actor == "patient" and events[0].address is None
    assert link.rsplit("/", 1)[-1] not in (events[0].detail or "")


def test_finish_without_the_box_keeps_the_link(app, client):
    link = _submitted(client)
    token = csrf_token(client.get("/screen/results"))
    client.post("/screen/finish", data={"csrf_token": token})
    assert resume(client, link).location.endswith("/screen/results")
    assert _closed_events(app) == []


def test_the_box_needs_a_valid_csrf_token(app, client):
    link = _submitted(client)
    client.post("/screen/finish", data={"csrf_token": "forged", "close_link": "1"})
    assert client.get("/screen/results").location.endswith("/screen/ended")
    assert resume(client, link).location.endswith("/screen/results")
    assert _closed_events(app) == []


def test_the_results_page_offers_the_box(client):
    _submitted(client)
    page = client.get("/screen/results").get_data(as_text=True)
    assert 'name="close_link"' in page
    assert "Also turn off my private link" in page


def test_an_unknown_link_says_it_no_longer_works_and_how_to_start_again(client):
    response = client.get("/screen/resume/not-a-real-token")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "This private link no longer works" in page
    assert 'href="/"' in page
    assert "Page not found" not in page


def test_the_landing_and_started_pages_say_how_long_a_draft_is_kept(app, client):
    with app.app_context():
        from screener.services import clinic

        days = clinic.current()["draft_retention_days"]
    assert f"{days} days</strong> after your last answer" in client.get("/").get_data(as_text=True)
    from tests.patient_helpers import start

    start(client, screeners=("adhd",), iron=False)
    page = client.get("/screen/started").get_data(as_text=True)
    assert f"{days} days</strong> after your last answer" in page
    assert "Save this link" in page


def test_the_started_page_offers_a_qr_code_and_a_copy_button_without_inline_script(client):
    from tests.patient_helpers import start

    start(client, screeners=("adhd",), iron=False)
    response = client.get("/screen/started")
    page = response.get_data(as_text=True)
    assert "no-store" in response.headers.get("Cache-Control", "")
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "<title>QR code of your private link</title>" in svg
    assert "<script" not in svg.lower() and "on" + "load" not in svg.lower()
    assert '<script src="/static/copy-link.js" defer></script>' in page
    assert page.count("<script") == 1
    # Without JavaScript the button stays hidden; the link is plain, selectable text.
    assert '<p class="copy-link" hidden>' in page
    script = client.get("/static/copy-link.js")
    assert script.status_code == 200
    script.close()
    assert "copy-link.js" not in client.get("/").get_data(as_text=True)
