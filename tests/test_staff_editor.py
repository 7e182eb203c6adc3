"""The staff questionnaire editor over HTTP: access, CSRF, saving, conflicts, preview, publish."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from screener.extensions import db
from screener.models import AuditEvent, ContentVersion, Screening
from screener.services import content, editing, reports
from tests.auth_helpers import signed_in
from tests.report_helpers import submit as report_submit
from tests.staff_pages import hidden, staff_client, textarea

ASRS = "asrs-v1.1"
EDIT = f"/staff/definitions/{ASRS}/edit"
OLD_Q1 = "How often do you have trouble wrapping up the final details of a project"
NEW_Q1 = "How often do you find it hard to finish the last details of a project"


def open_editor(client) -> tuple[str, str, str]:
    page = client.get(EDIT).get_data(as_text=True)
    return hidden(page, "csrf_token"), hidden(page, "based_on"), textarea(page, "source")


def upload(client, raw: bytes, name: str, csrf: str, based_on: str, url: str = EDIT):
    """Send ``raw`` as an uploaded file, with an empty text box, as the editor form does."""
    return client.post(
        url,
        data={
            "csrf_token": csrf,
            "based_on": based_on,
            "source": "",
            "upload": (io.BytesIO(raw), name),
            # The ASRS's terms keep its wording unaltered: these uploads mean to change it.
            "confirm_protected": "y",
        },
        content_type="multipart/form-data",
    )


def stored_texts(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(ContentVersion.source_text)
                .where(ContentVersion.key == ASRS)
                .order_by(ContentVersion.id)
            )
        )


def test_the_staff_area_needs_the_staff_role(app):
    anonymous = app.test_client()
    assert anonymous.get("/staff/").status_code == 302
    assert "/auth/login" in anonymous.get("/staff/settings").headers["Location"]
    assert anonymous.post(EDIT).status_code in (400, 401)
    clinician = signed_in(app, "clinician@example.org", "clinician")
    admin = signed_in(app, "admin@example.org", "admin")
    for client in (clinician, admin):
        for path in ("/staff/", EDIT, "/staff/settings", f"/staff/definitions/{ASRS}/1/preview"):
            assert client.get(path).status_code == 403, path
    staff = staff_client(app)
    assert staff.get("/staff/").status_code == 200
    assert staff.get("/admin/erasure/").status_code == 403


def test_edit_preview_and_publish_make_the_new_wording_live(app):
    client = staff_client(app)
    csrf, based_on, source = open_editor(client)
    assert based_on == "1" and OLD_Q1 in source
    response = client.post(
        EDIT,
        data={
            "csrf_token": csrf,
            "based_on": based_on,
            "source": source.replace(OLD_Q1, NEW_Q1),
            "note": "plainer q1",
            "confirm_protected": "y",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/definitions/{ASRS}/2")
    revision = client.get(f"/staff/definitions/{ASRS}/2").get_data(as_text=True)
    assert "Draft" in revision and "plainer q1" in revision
    preview = client.get(f"/staff/definitions/{ASRS}/2/preview").get_data(as_text=True)
    assert NEW_Q1 in preview and 'type="radio"' in preview
    diff = client.get(f"/staff/definitions/{ASRS}/diff?from=1&to=2").get_data(as_text=True)
    assert "<del>" in diff and NEW_Q1 in diff
    with app.app_context():
        assert content.live_version(ASRS).revision == 1

    publish = client.post(
        f"/staff/definitions/{ASRS}/2/publish",
        data={"csrf_token": hidden(revision, "csrf_token")},
    )
    assert publish.status_code == 302
    with app.app_context():
        assert content.live_version(ASRS).revision == 2
        actions = db.session.scalars(select(AuditEvent.action)).all()
        # The ASRS's terms keep its wording unaltered, so the confirmed edit is audited as such.
        assert "definition.save_protected_change" in actions and "definition.publish" in actions
    again = client.post(
        f"/staff/definitions/{ASRS}/2/publish",
        data={"csrf_token": hidden(revision, "csrf_token")},
        follow_redirects=True,
    )
    assert "already published" in again.get_data(as_text=True)


def test_the_second_of_two_editors_is_refused_and_keeps_their_text(app):
    first, second = staff_client(app, "one@example.org"), staff_client(app, "two@example.org")
    csrf_1, based_1, source = open_editor(first)
    csrf_2, based_2, _ = open_editor(second)
    assert based_1 == based_2
    saved = first.post(
        EDIT,
        data={
            "csrf_token": csrf_1,
            "based_on": based_1,
            "source": source.replace(OLD_Q1, NEW_Q1),
            "confirm_protected": "y",
        },
    )
    assert saved.status_code == 302
    theirs = source.replace("Very Often", "Very often indeed")
    refused = second.post(EDIT, data={"csrf_token": csrf_2, "based_on": based_2, "source": theirs})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Your text has not been saved" in page
    assert textarea(page, "source") == theirs
    assert hidden(page, "based_on") == "2"
    assert theirs not in stored_texts(app)
    assert len(stored_texts(app)) == 2
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.outcome == "conflict")).one()
        assert event.actor == "two@example.org"


def test_invalid_text_is_shown_with_line_numbers_and_not_stored(app):
    client = staff_client(app)
    csrf, based_on, source = open_editor(client)
    broken = source.replace("kind: screen\n", "kind: screen\nkindd: screen\n")
    response = client.post(EDIT, data={"csrf_token": csrf, "based_on": based_on, "source": broken})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Line 12, column 1:" in page and "unknown key" in page and "did you mean" in page
    assert textarea(page, "source") == broken
    assert len(stored_texts(app)) == 1


def test_empty_or_incomplete_forms_get_a_message_not_an_error(app):
    client = staff_client(app)
    csrf, based_on, source = open_editor(client)
    empty = client.post(EDIT, data={"csrf_token": csrf, "based_on": based_on, "source": "  "})
    assert empty.status_code == 400
    assert "Paste the text or choose a file" in empty.get_data(as_text=True)
    tampered = client.post(EDIT, data={"csrf_token": csrf, "based_on": "x", "source": source})
    assert tampered.status_code == 400
    assert "open the editor again" in tampered.get_data(as_text=True)
    long_note = client.post(
        EDIT, data={"csrf_token": csrf, "based_on": based_on, "source": source, "note": "n" * 301}
    )
    assert long_note.status_code == 400
    assert len(stored_texts(app)) == 1


def test_the_id_cannot_be_changed_to_another_definition(app):
    client = staff_client(app)
    csrf, based_on, source = open_editor(client)
    hijack = source.replace("id: asrs-v1.1", "id: rls-irlssg")
    response = client.post(EDIT, data={"csrf_token": csrf, "based_on": based_on, "source": hijack})
    assert response.status_code == 422
    assert "you are editing" in response.get_data(as_text=True)


HOSTILE = {
    "python tag": (b"id: !!python/object/apply:os.system ['true']\n", "is not allowed"),
    "alias": (b"a: &x [1, 2]\nb: [*x, *x]\n", "anchors (&amp;x) are not allowed"),
    "oversize": (b"# " + b"x" * (256 * 1024) + b"\n", "the limit is"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_uploads_are_refused(app, name):
    raw, words = HOSTILE[name]
    client = staff_client(app)
    csrf, based_on, _ = open_editor(client)
    response = upload(client, raw, "evil.yaml", csrf, based_on)
    assert response.status_code == 422
    assert words in response.get_data(as_text=True)
    assert len(stored_texts(app)) == 1


def test_an_upload_over_the_request_limit_is_413_not_500(app):
    client = staff_client(app)
    csrf, based_on, _ = open_editor(client)
    # Encoded here: the test client would spool a body this large to a temporary file.
    boundary, body = encode_multipart(
        {
            "csrf_token": csrf,
            "based_on": based_on,
            "upload": FileStorage(io.BytesIO(b"#" * (600 * 1024)), "big.yaml"),
        }
    )
    response = client.post(
        EDIT, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413
    assert len(stored_texts(app)) == 1


def test_a_valid_upload_becomes_a_draft(app):
    client = staff_client(app)
    csrf, based_on, source = open_editor(client)
    raw = source.replace(OLD_Q1, NEW_Q1).encode()
    response = upload(client, raw, "asrs.yaml", csrf, based_on)
    assert response.status_code == 302
    assert any(NEW_Q1 in text for text in stored_texts(app))


def test_script_in_a_label_is_shown_as_text_everywhere(app):
    hostile = (
        '<script>alert("x")</script><img src=x onerror=alert(1)> {{7*7}} {% if 1 %}T{% endif %}'
    )
    with app.app_context():
        live = content.live_version(ASRS)
        text = live.source_text.replace(f'"{OLD_Q1}', f"'{hostile} {OLD_Q1}").replace(
            'have been done?"', "have been done?'", 1
        )
        editing.save_draft(ASRS, text, based_on=live.revision, confirm_protected=True)
        db.session.commit()
    client = staff_client(app)
    for path in (
        f"/staff/definitions/{ASRS}/2",
        f"/staff/definitions/{ASRS}/2/preview",
        f"/staff/definitions/{ASRS}/diff?from=1&to=2",
        EDIT,
    ):
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, (path, page[-1500:])
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;alert" in page, path
        # Labels are text, never templates: the braces arrive as typed.
        assert "{{7*7}} {% if 1 %}T{% endif %}" in page, path


def test_every_state_change_needs_a_csrf_token(app):
    client = staff_client(app)
    _, based_on, source = open_editor(client)
    changed = source.replace(OLD_Q1, NEW_Q1)
    assert client.post(EDIT, data={"based_on": based_on, "source": changed}).status_code == 400
    assert (
        client.post(
            EDIT, data={"csrf_token": "forged", "based_on": based_on, "source": changed}
        ).status_code
        == 400
    )
    assert len(stored_texts(app)) == 1
    with app.app_context():
        draft = editing.save_draft(ASRS, changed, based_on=1, confirm_protected=True)
        db.session.commit()
        number = draft.revision
    assert client.post(f"/staff/definitions/{ASRS}/{number}/publish").status_code == 400
    assert client.post("/staff/definitions/new", data={"source": changed}).status_code == 400
    with app.app_context():
        assert content.live_version(ASRS).revision == 1


def test_texts_are_edited_and_previewed_like_definitions(app):
    client = staff_client(app)
    page = client.get("/staff/definitions/texts/edit").get_data(as_text=True)
    source = textarea(page, "source")
    response = client.post(
        "/staff/definitions/texts/edit",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "based_on": hidden(page, "based_on"),
            "source": source.replace("A screen, not a diagnosis", "Only a screen"),
        },
    )
    assert response.status_code == 302
    preview = client.get("/staff/definitions/texts/2/preview").get_data(as_text=True)
    assert "Only a screen" in preview and "Kessler RC" in preview


def test_unknown_definitions_and_revisions_are_404(app):
    client = staff_client(app)
    for path in (
        "/staff/definitions/nope",
        "/staff/definitions/nope/edit",
        f"/staff/definitions/{ASRS}/99",
        f"/staff/definitions/{ASRS}/1/preview?page=99",
        f"/staff/definitions/{ASRS}/diff?from=1&to=99",
    ):
        assert client.get(path).status_code == 404, path


def pdf_words(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def test_old_screenings_print_the_old_wording_after_a_published_edit(app):
    with app.app_context():
        old_id = report_submit().id
    client = staff_client(app)
    csrf, based_on, source = open_editor(client)
    saved = client.post(
        EDIT,
        data={
            "csrf_token": csrf,
            "based_on": based_on,
            "source": source.replace(OLD_Q1, NEW_Q1),
            "confirm_protected": "y",
        },
    )
    revision = client.get(saved.headers["Location"]).get_data(as_text=True)
    published = client.post(
        f"/staff/definitions/{ASRS}/2/publish", data={"csrf_token": hidden(revision, "csrf_token")}
    )
    assert published.status_code == 302
    with app.app_context():  # set-up writes outside a request
        new_id = report_submit().id
    with app.test_request_context("/"):
        old_pdf = pdf_words(reports.render_pdf(db.session.get(Screening, old_id)))
        new_pdf = pdf_words(reports.render_pdf(db.session.get(Screening, new_id)))
    assert "wrapping up the final details" in old_pdf and "finish the last details" not in old_pdf
    assert "finish the last details" in new_pdf and "wrapping up the final details" not in new_pdf


def test_a_new_questionnaire_is_added_as_an_unpublished_draft(app):
    client = staff_client(app)
    _, _, source = open_editor(client)
    page = client.get("/staff/definitions/new").get_data(as_text=True)
    new_text = source.replace("id: asrs-v1.1", "id: licensed-scale")
    response = upload(
        client,
        new_text.encode(),
        "licensed.yaml",
        hidden(page, "csrf_token"),
        hidden(page, "based_on"),
        url="/staff/definitions/new",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/definitions/licensed-scale/1")
    index = client.get("/staff/").get_data(as_text=True)
    assert "licensed-scale" in index and "not published yet" in index
    with app.app_context():
        assert content.live_version("licensed-scale") is None
    again = client.post(
        "/staff/definitions/new",
        data={"csrf_token": hidden(page, "csrf_token"), "based_on": "0", "source": new_text},
    )
    assert again.status_code == 409
    assert "already exists" in again.get_data(as_text=True)
