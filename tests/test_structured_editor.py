"""The structured editor over HTTP: fields instead of YAML, buttons without JavaScript,
previews of unsaved changes, and the confirmation a validated instrument asks for."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from screener.definitions.loading import load_definition_text
from screener.extensions import db
from screener.models import AuditEvent
from screener.services import content, editing
from tests.staff_pages import hidden, staff_client, textarea

ASRS = "asrs-v1.1"
RLS = "rls-irlssg"
GATE = "When you try to relax in the evening or sleep at night"


def form_of(page: str) -> dict[str, str]:
    """Every value the structured form would post, as a browser without JavaScript sends it."""
    import html

    data: dict[str, str] = {}
    form = page[page.index('id="structured-form"') :]
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]*)"', tag)
        if not name:
            continue
        kind = re.search(r'type="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag, re.S)
        if kind and kind.group(1) == "checkbox":
            if " checked" in tag:
                data[name.group(1)] = "y"
            continue
        data[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for name, body in re.findall(
        r'<textarea[^>]*name="([^"]*)"[^>]*>\r?\n?(.*?)</textarea>', form, re.S
    ):
        data[name] = html.unescape(body)
    for name, body in re.findall(r'<select[^>]*name="([^"]*)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option[^>]*value="([^"]*)"[^>]*selected', body) or re.search(
            r'<option[^>]*value="([^"]*)"', body
        )
        data[name] = html.unescape(chosen.group(1)) if chosen else ""
    return data


def open_structured(client, key: str = RLS) -> tuple[str, dict[str, str]]:
    response = client.get(f"/staff/definitions/{key}/structured")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page, form_of(page)


def press(client, key: str, data: dict, action: str):
    return client.post(f"/staff/definitions/{key}/structured", data={**data, "action": action})


def test_saving_an_untouched_form_changes_nothing(app):
    client = staff_client(app)
    _, data = open_structured(client)
    response = press(client, RLS, data, "save")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/definitions/{RLS}")
    with app.app_context():
        assert editing.head(RLS).revision == 1


def test_item_wording_and_an_option_label_are_saved_as_a_draft(app):
    client = staff_client(app)
    _, data = open_structured(client, "iron-context")
    wording = next(name for name, value in data.items() if name.endswith("-text") and value)
    label = next(name for name, value in data.items() if name.endswith("-label") and value)
    data[wording] = "A plainer question?"
    data[label] = "A plainer label"
    preview = press(client, "iron-context", data, "preview")
    assert preview.status_code == 200
    body = preview.get_data(as_text=True)
    assert "A plainer question?" in body and "A plainer label" in body
    assert "Nothing is saved yet" in body
    with app.app_context():
        assert editing.head("iron-context").revision == 1
    response = press(client, "iron-context", data, "save")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        row = editing.head("iron-context")
        assert row.revision == 2 and row.published_at is None
        assert "A plainer question?" in row.source_text
        assert "A plainer label" in row.source_text
        definition = load_definition_text(row.source_text)
        assert any(item.text == "A plainer question?" for item in definition.items())


ASRS_Q1 = "f-sections-0-items-0-text"
OFTEN = "f-option_sets-from_sometimes-3-label"


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_altering_a_validated_instrument_needs_a_ticked_confirmation_and_is_audited(app):
    client = staff_client(app)
    _, data = open_structured(client, ASRS)
    data[ASRS_Q1] = "Do you find it hard to finish projects?"
    data[OFTEN] = "Frequently"
    refused = press(client, ASRS, data, "save")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Confirm changes to a validated instrument" in page
    assert "Question 1 (q1) wording" in page and "option label" in page
    with app.app_context():
        assert editing.head(ASRS).revision == 1
    # The page keeps the edit; ticking the box and saving again stores it.
    again = form_of(page)
    assert again[ASRS_Q1] == "Do you find it hard to finish projects?"
    again["confirm_protected"] = "y"
    saved = press(client, ASRS, again, "save")
    assert saved.status_code == 302
    with app.app_context():
        row = editing.head(ASRS)
        assert row.revision == 2 and "Frequently" in row.source_text
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "definition.save_protected_change")
        ).one()
        assert event.reference == "asrs-v1.1 rev 2" and "q1" in event.detail


def test_other_changes_to_a_validated_instrument_need_no_confirmation(app):
    client = staff_client(app)
    _, data = open_structured(client, ASRS)
    data["f-instructions"] = "Answer each question about the past 6 months."
    assert press(client, ASRS, data, "save").status_code == 302
    assert "definition.save" in audit_actions(app)
    assert "definition.save_protected_change" not in audit_actions(app)


def test_buttons_change_the_form_and_store_nothing(app):
    client = staff_client(app)
    _, data = open_structured(client, RLS)
    data["new_type-sections-0"] = "text"
    added = press(client, RLS, data, "add_item:sections-0")
    page = added.get_data(as_text=True)
    assert added.status_code == 200 and "Question added" in page
    assert "New question" in page and "Free text" in page
    with app.app_context():
        assert editing.head(RLS).revision == 1
    moved = press(client, RLS, form_of(page), "up:sections-0-items:1")
    assert moved.status_code == 200
    first = form_of(moved.get_data(as_text=True))["f-sections-0-items-0-text"]
    assert first.startswith("Do you take any medicine")
    with app.app_context():
        assert editing.head(RLS).revision == 1


def test_bad_input_gets_a_message_and_a_4xx_with_the_edit_kept(app):
    client = staff_client(app)
    _, data = open_structured(client, RLS)
    data["f-sections-0-items-0-text"] = ""
    data["f-sections-0-title"] = "A new page title"
    empty = press(client, RLS, data, "save")
    page = empty.get_data(as_text=True)
    assert empty.status_code == 400 and "Enter the wording." in page
    assert form_of(page)["f-sections-0-title"] == "A new page title"
    assert press(client, RLS, {**data, "working": "a: [1"}, "save").status_code == 400
    assert press(client, RLS, form_of(page), "remove:sections-7-items:0").status_code == 400
    tampered = {**form_of(page), "f-sections-0-items-0-text": "Fine", "based_on": "x"}
    assert press(client, RLS, tampered, "save").status_code == 400
    with app.app_context():
        assert editing.head(RLS).revision == 1


def test_a_problem_from_the_loader_is_shown_at_its_field(app):
    client = staff_client(app)
    _, data = open_structured(client, "iron-context")
    name = next(n for n in data if n.endswith("-value") and "options" in n)
    data[name] = "Not A Slug"
    response = press(client, "iron-context", data, "preview")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'href="#field-{name}"' in page and "is not allowed here" in page


def test_texts_are_edited_paragraph_by_paragraph_with_their_citations_checked(app):
    client = staff_client(app)
    page, data = open_structured(client, "texts")
    assert "Paragraph" in page and "References cited" in page
    cites = next(n for n in data if n.endswith("-cites") and data[n])
    body = cites.removesuffix("-cites") + "-body"
    data[body] = "A plainer paragraph."
    data[cites] = data[cites] + ", nobody1999"
    refused = press(client, "texts", data, "save")
    assert refused.status_code == 422
    key = cites.split("-")[2]
    assert f"The paragraph &#39;{key}&#39; cites &#39;nobody1999&#39;" in refused.get_data(
        as_text=True
    )
    data[cites] = data[cites].removesuffix(", nobody1999")
    assert press(client, "texts", data, "save").status_code == 302
    with app.app_context():
        assert "A plainer paragraph." in editing.head("texts").source_text


def test_a_draft_can_be_discarded_after_a_confirmation(app):
    client = staff_client(app)
    _, data = open_structured(client, RLS)
    data["f-title"] = "Restless legs questions, draft to drop"
    assert press(client, RLS, data, "save").status_code == 302
    confirm = client.get(f"/staff/definitions/{RLS}/2/discard")
    assert confirm.status_code == 200
    csrf = hidden(confirm.get_data(as_text=True), "csrf_token")
    unticked = client.post(f"/staff/definitions/{RLS}/2/discard", data={"csrf_token": csrf})
    assert unticked.status_code == 400 and "Tick the box" in unticked.get_data(as_text=True)
    done = client.post(
        f"/staff/definitions/{RLS}/2/discard", data={"csrf_token": csrf, "confirm": "y"}
    )
    assert done.status_code == 302
    assert "definition.discard" in audit_actions(app)
    with app.app_context():
        assert editing.head(RLS).revision == 1
        assert editing.revision(RLS, 2).discarded_at is not None
        with pytest.raises(editing.EditError):
            editing.publish(RLS, 2)
        db.session.rollback()
    listing = client.get(f"/staff/definitions/{RLS}").get_data(as_text=True)
    assert "Discarded" in listing
    # Editing starts again from revision 1; the next save is revision 3.
    _, data = open_structured(client, RLS)
    assert data["based_on"] == "1"
    data["f-title"] = "Restless legs questions, kept"
    assert press(client, RLS, data, "save").status_code == 302
    with app.app_context():
        assert editing.head(RLS).revision == 3
        assert editing.head(RLS).based_on_revision == 1


def test_published_revisions_cannot_be_discarded(app):
    client = staff_client(app)
    response = client.get(f"/staff/definitions/{RLS}/1/discard", follow_redirects=True)
    assert "cannot be discarded" in response.get_data(as_text=True)
    with app.app_context():
        with pytest.raises(editing.EditError):
            editing.discard(RLS, 1)
        db.session.rollback()
        assert content.live_version(RLS).revision == 1


def test_yaml_problems_link_to_their_line_in_a_numbered_listing(app):
    client = staff_client(app)
    page = client.get(f"/staff/definitions/{RLS}/edit").get_data(as_text=True)
    broken = textarea(page, "source").replace("kind: screen\n", "kind: screen\nkindd: screen\n")
    response = client.post(
        f"/staff/definitions/{RLS}/edit",
        data={"csrf_token": hidden(page, "csrf_token"), "based_on": "1", "source": broken},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    line = broken.splitlines().index("kindd: screen") + 1
    assert f'<a href="#L{line}">Line {line}, column 1:</a>' in body
    assert f'id="L{line}"' in body and "kindd: screen" in body
    assert re.search(r"<title>Error: Edit rls-irlssg[^<]*</title>", body)


def test_hostile_text_in_a_field_is_shown_as_text(app):
    hostile = '<script>alert("x")</script> {{7*7}}'
    client = staff_client(app)
    _, data = open_structured(client, RLS)
    data["f-sections-0-items-0-text"] = hostile
    for action in ("preview", "add_item:sections-0"):
        data["new_type-sections-0"] = "yes_no"
        page = press(client, RLS, data, action).get_data(as_text=True)
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert" in page and "{{7*7}}" in page


def test_the_second_of_two_structured_editors_is_refused_with_their_changes_kept(app):
    first, second = staff_client(app, "one@example.org"), staff_client(app, "two@example.org")
    _, mine = open_structured(first, RLS)
    _, theirs = open_structured(second, RLS)
    mine["f-title"] = "Restless legs, first edit"
    assert press(first, RLS, mine, "save").status_code == 302
    theirs["f-instructions"] = "Second person's instructions."
    refused = press(second, RLS, theirs, "save")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Someone else saved this definition" in page
    assert "Title: “Restless legs questions" in page and "Restless legs, first edit" in page
    kept = form_of(page)
    assert kept["f-instructions"] == "Second person's instructions."
    assert kept["based_on"] == "2"
    # Saving again now builds on revision 2 and keeps the second person's change only.
    assert press(second, RLS, kept, "save").status_code == 302
    with app.app_context():
        row = editing.head(RLS)
        assert row.revision == 3 and "Second person's instructions." in row.source_text


def test_references_can_be_added_to_the_texts(app):
    client = staff_client(app)
    _, data = open_structured(client, "texts")
    page = press(client, "texts", data, "add_reference:").get_data(as_text=True)
    data = form_of(page)
    new = next(n for n, v in data.items() if n.endswith("-id") and v.startswith("reference_"))
    data[new] = "smith2025"
    data[new.removesuffix("-id") + "-citation"] = "Smith J. Iron and sleep. J Sleep. 2025."
    cites = next(n for n in data if n.endswith("-cites") and data[n])
    data[cites] = data[cites] + ", smith2025"
    assert press(client, "texts", data, "save").status_code == 302
    with app.app_context():
        text = editing.head("texts").source_text
        assert "id: smith2025" in text and "smith2025]" in text


@pytest.mark.parametrize(
    "working",
    [
        "",
        "- a list\n",
        "id: rls-irlssg\nsections: 5\n",
        "id: rls-irlssg\nsections: [1, 2]\n",
        "id: rls-irlssg\nsections:\n  - items: {a: 1}\n",
        "id: !!python/object/apply:os.system ['true']\n",
    ],
)
def test_a_working_copy_of_the_wrong_shape_is_a_400(app, working):
    client = staff_client(app)
    _, data = open_structured(client, RLS)
    for action in ("save", "preview"):
        response = press(client, RLS, {**data, "working": working}, action)
        assert response.status_code == 400, (working, action)
    with app.app_context():
        assert editing.head(RLS).revision == 1
