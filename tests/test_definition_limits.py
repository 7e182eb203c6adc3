"""Definitions that would crash validation, reach a link or swamp the PDF get a located error."""

from __future__ import annotations

import pytest

from screener.definitions.checks import MAX_REPORT_CHARS
from screener.definitions.loading import DefinitionError, load_definition_text, load_texts_text
from tests.conftest import QUESTIONNAIRES

ASRS_TEXT = (QUESTIONNAIRES / "asrs-v1.1.yaml").read_text(encoding="utf-8")
IRON_TEXT = (QUESTIONNAIRES / "iron-context.yaml").read_text(encoding="utf-8")
TEXTS_TEXT = (QUESTIONNAIRES / "texts.yaml").read_text(encoding="utf-8")
ASRS_URL = "url: https://doi.org/10.1017/S0033291704002892"


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def problems(text: str, load=load_definition_text):
    with pytest.raises(DefinitionError) as caught:
        load(text, "test.yaml")
    return caught.value.problems


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "//evil.example/path",
        "https://",
        "https://exa mple.org",
    ],
)
def test_a_source_url_must_be_a_web_address(url):
    text = ASRS_TEXT.replace(ASRS_URL, f"url: {url!r}")
    [problem] = problems(text)
    assert problem.line == line_of(text, "url: ")
    assert problem.message.startswith("url: ") and "web address" in problem.message
    assert "Value error" not in problem.message


def test_a_reference_url_in_the_texts_must_be_a_web_address():
    first = next(line for line in TEXTS_TEXT.splitlines() if line.strip().startswith("url: "))
    text = TEXTS_TEXT.replace(first, first.split("url:")[0] + "url: javascript:alert(1)", 1)
    [problem] = problems(text, load_texts_text)
    assert problem.line == line_of(text, "javascript:")
    assert "https://" in problem.message


def test_web_addresses_still_pass():
    assert load_definition_text(ASRS_TEXT).source.url.startswith("https://")
    plain = ASRS_TEXT.replace(ASRS_URL, "url: http://example.org/asrs")
    assert load_definition_text(plain).source.url == "http://example.org/asrs"


@pytest.mark.parametrize("brackets", ["[", "{a: "])
def test_deep_nesting_is_a_located_error_not_a_crash(brackets):
    closing = "]" if brackets == "[" else "}"
    text = "format_version: 1\nid: deep\ntitle: " + brackets * 5000 + "1" + closing * 5000 + "\n"
    [problem] = problems(text)
    assert "nested more than" in problem.message
    assert problem.line == 3


@pytest.mark.parametrize("character", ["\x07", "\x0b", "\x0c", "\x1b"])
def test_a_control_character_is_a_located_error_not_a_crash(character):
    """PyYAML refuses these as it starts reading; the editor and the CLI said 500 or
    printed a traceback."""
    text = ASRS_TEXT.replace("Never", "Never" + character, 1)
    [problem] = problems(text)
    assert "control character" in problem.message
    # (splitlines would count a form feed as a line break; YAML and editors do not)
    assert problem.line == text[: text.index(character)].count("\n") + 1


def test_a_control_character_in_an_upload_or_a_pasted_edit_is_a_4xx(app):
    from tests.auth_helpers import csrf_token, signed_in

    staff = signed_in(app, "staff@clinic.example", "staff")
    path = "/staff/definitions/asrs-v1.1/edit"
    data = {"csrf_token": csrf_token(staff, path), "based_on": "1"}
    response = staff.post(path, data={**data, "source": ASRS_TEXT.replace("Never", "Never\x0c", 1)})
    assert response.status_code == 422
    assert "control character" in response.get_data(as_text=True)


def test_a_five_thousand_digit_number_is_a_located_error():
    text = IRON_TEXT.replace("max: 5000", "max: " + "9" * 5000)
    [problem] = problems(text)
    assert "5,000 characters" in problem.message
    assert problem.line == line_of(text, "max: 999")


@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf", "1e999"])
def test_nan_and_infinite_bounds_are_refused(value):
    text = IRON_TEXT.replace("max: 5000", f"max: {value}")
    [problem] = problems(text)
    assert "finite number" in problem.message
    assert problem.line == line_of(text, f"max: {value}")


def test_long_free_text_items_that_would_swamp_the_pdf_are_refused():
    items = "".join(
        f"      - id: note_{n}\n        type: text\n        text: Anything else?\n"
        f"        max_length: 2000\n        required: false\n"
        for n in range(25)
    )
    anchor = "    items:\n"
    text = IRON_TEXT.replace(anchor, anchor + items, 1)
    [problem] = problems(text)
    assert f"at most {MAX_REPORT_CHARS:,}" in problem.message
    assert "max_length" in problem.hint
    assert problem.line == line_of(text, "sections:")
