"""The structured editor over HTTP: fields instead of YAML, buttons without JavaScript,
previews of unsaved changes, and the confirmation a validated instrument asks for."""

from __future__ import annotations

import re

from screener.definitions.loading import load_definition_text
from screener.services import editing
from tests.staff_pages import staff_client

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
