"""The PDF summary holds what a clinician needs, and reads back as text, pages and data."""

from __future__ import annotations

import io
import json
import re
import subprocess

import pytest
from PIL import Image
from pypdf import PdfReader

from screener.codes import format_code
from screener.report import data
from screener.services import reports, screenings
from tests.helpers import rls
from tests.report_helpers import NEGATIVE_ON_MEDICINE, STANDARD, set_up_clinic, submit

SHADED_GREY = (217, 217, 217)


def squash(text: str) -> str:
    """Text without whitespace: line breaks in the PDF fall anywhere in a sentence."""
    return re.sub(r"\s+", "", text)


def read(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in read(pdf).pages]


@pytest.fixture
def standard(app):
    """The standard summary: both screens consistent, iron flags, a clinic provider."""
    with app.app_context():
        set_up_clinic()
        screening = submit()
        summary = screenings.summary(screening)
        yield screening, summary, reports.render_pdf(screening)


def expected_answer(item, value) -> str:
    """The answer as the patient chose it, worked out here independently of the report code."""
    labels = {option.value: option.label for option in item.choices()}
    if isinstance(value, list):
        return "; ".join(labels[v] for v in value)
    if value in labels:
        return labels[value]
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 42.0 was typed as 42
    unit = getattr(item, "unit", None) or ""
    return f"{value}{unit}" if unit == "%" else f"{value} {unit}".strip()


def test_every_asked_item_appears_with_its_wording_and_answer(standard):
    _, summary, pdf = standard
    text = squash(" ".join(page_texts(pdf)))
    checked = 0
    for instrument in summary.instruments:
        for item in instrument.definition.items():
            value = instrument.answers[item.id]  # the standard answers reach every item
            # Table cells are drawn row by row: the wording, then the patient's answer.
            assert squash(item.text) + squash(expected_answer(item, value)) in text, item.id
            checked += 1
    assert checked == 18 + 13 + 6
    assert squash("Often (shaded)") in text and squash("Rarely (shaded)") not in text


def test_page_one_gives_the_results_at_a_glance(standard):
    screening, summary, pdf = standard
    first = squash(page_texts(pdf)[0])
    for expected in (
        "Riverside Health Centre",
        format_code(screening.reference_code),
        "Consistent with adult ADHD",
        "version 1.1, revision 1",
        "5 of 6 answers in the shaded boxes (cut-off: 4 or more)",
        "Consistent with restless legs syndrome (RLS)",
        "4 of 4 main features (all 4 are needed); no other cause reported",
        "Why ADHD and restless legs often go together",
        "Heavy periods or fibroids",
        "Regular blood donation",
        "Family history of RLS",
        "Ferritin: 42 µg/L (March 2026)",
        "Transferrin saturation: 24% (March 2026)",
        "Ask for an assessment for ADHD",
        "Dr Ada Quill, adult ADHD service · 020 7946 0101",
        "Sleep clinic · https://sleep.example/refer",
        "A screen, not a diagnosis",
        "Page 1 of",
    ):
        assert squash(expected) in first, expected
    assert summary.submitted_at.strftime("%B %Y") in page_texts(pdf)[0]


def test_the_clinician_s_next_step_comes_with_part_b_by_domain(standard):
    """It says to read ASRS Part B by domain: the PDF, perhaps all an outside clinician
    gets, prints the domains beside it, as the clinician's page does (no cut-off)."""
    _, _, pdf = standard
    text = squash(" ".join(page_texts(pdf)))
    step = text.index(squash("Read Part B by domain."))
    inattention = text.index(
        squash("ADHD (ASRS v1.1), Inattention (items 1–4, 7–11; no cut-off): 9 of 9 shaded")
    )
    assert step < inattention < text.index(squash("The answers"))
    assert squash("Hyperactivity/impulsivity (items 5, 6, 12–18; no cut-off)") in text


def test_every_page_has_the_footer_and_every_claim_its_reference(standard):
    screening, summary, pdf = standard
    pages = page_texts(pdf)
    code = format_code(screening.reference_code)
    for number, text in enumerate(pages, start=1):
        assert squash(f"Page {number} of {len(pages)}") in squash(text)
        assert squash(f"Reference {code} · asrs-v1.1 1.1 (rev. 1)") in squash(text)
    everything = squash(" ".join(pages))
    listed = everything.split(squash("References"))[-1]
    texts = {reference.id: reference for reference in summary.texts.references}
    citations = [c.citation for c in summary.interpretation.references]
    assert len(citations) >= 10
    for n, citation in enumerate(citations, start=1):
        assert squash(f"[{n}] {citation}") in everything
    # Each reference once, in the list and in the citation numbers: an instrument's source
    # that the explanations cite keeps their number.
    numbers = re.findall(r"\[(\d+)\]", listed)
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)]
    for reference in summary.texts.references:
        assert listed.count(squash(reference.citation)) <= 1, reference.id
    for instrument in summary.instruments:
        assert squash(instrument.definition.terms) in everything
        source = instrument.definition.source
        assert source.references, instrument.key  # every shipped source is a listed reference
        numbers = [
            next(c.number for c in _all_references(summary) if c.citation == texts[ref].citation)
            for ref in source.references
        ]
        assert squash(f"Source [{', '.join(map(str, sorted(numbers)))}].") in everything
    assert squash("© World Health Organization 2003") in everything


def _all_references(summary):
    """The PDF's numbered list, as the report builds it."""
    return data.build(summary).references


def test_each_instrument_title_starts_on_the_page_of_its_first_question(standard):
    _, summary, pdf = standard
    pages = [squash(text) for text in page_texts(pdf)]
    for instrument in summary.instruments:
        definition = instrument.definition
        first_item = squash(next(iter(definition.items())).text)
        title_pages = [n for n, text in enumerate(pages) if squash(definition.title) in text]
        item_pages = [n for n, text in enumerate(pages) if first_item in text]
        assert title_pages and title_pages == item_pages[:1], definition.id


@pytest.mark.parametrize("answers", [STANDARD, NEGATIVE_ON_MEDICINE], ids=["standard", "negative"])
def test_no_table_title_is_left_at_the_foot_of_a_page(app, answers):
    """A table's title ("Part B") goes to the next page with its first question; both
    summaries here once printed it alone at the foot of page 2."""
    with app.app_context():
        screening = submit(answers)
        summary = screenings.summary(screening)
        report = data.build(summary)
        pdf = reports.render_pdf(screening)
    titles = {squash(s.title) for i in report.instruments for s in i.sections}
    for number, text in enumerate(page_texts(pdf)[:-1], start=1):
        lines = [squash(line) for line in text.splitlines() if line.strip()]
        body = [line for line in lines if not line.startswith("Reference")]  # the footer
        assert body[-1] not in titles, f"page {number} ends with the title {body[-1]}"


def test_a_question_skipped_by_a_condition_says_not_asked(app):
    answers = {**STANDARD, "rls-irlssg": {"gate": "no", "leg_medicine": "no"}}
    with app.app_context():
        screening = submit(answers)
        summary = screenings.summary(screening)
        text = squash(" ".join(page_texts(reports.render_pdf(screening))))
    rls = next(i for i in summary.instruments if i.key == "rls-irlssg")
    assert "Not consistent with restless legs syndrome (RLS)".replace(" ", "") in text
    for item in rls.definition.items()[2:]:
        assert squash(item.text) + "Notasked" in text, item.id
    # Never "0 of 4": the criteria read "not asked", and so do the course and significance.
    assert squash("Criteria: Not asked (the screening question was answered no)") in text
    assert not re.search(r"0of\d+(criteria|mainfeatures)", text)
    assert squash("How often (past year): Not asked") in text
    assert squash("Distress or impairment: Not asked") in text
    assert squash(data.NO_ANSWER) not in text.split(squash("The answers"))[0]


def test_a_course_under_twice_a_week_is_not_called_intermittent_outright(app):
    """IRLSSG's intermittent course also needs 5 lifetime episodes, which nobody asked."""
    with app.app_context():
        screening = submit({**STANDARD, "rls-irlssg": rls(frequency="weekly")})
        first = squash(page_texts(reports.render_pdf(screening))[0])
        everything = squash(" ".join(page_texts(reports.render_pdf(screening))))
    assert squash("How often (past year): Less than twice a week on average") in first
    assert "intermittent" not in everything.lower()


def test_an_optional_question_left_empty_says_so(app):
    iron = {
        k: v for k, v in STANDARD["iron-context"].items() if not k.startswith(("ferritin", "tsat"))
    }
    with app.app_context():
        screening = submit({**STANDARD, "iron-context": iron})
        text = squash(" ".join(page_texts(reports.render_pdf(screening))))
    assert squash("Iron test result: not given") in text
    assert squash("enter it here.") + squash(data.NO_ANSWER) in text


def test_results_are_attached_as_json_pinned_to_versions(standard):
    screening, _, pdf = standard
    attachments = read(pdf).attachments
    assert list(attachments) == ["results.json"]
    payload = json.loads(attachments["results.json"][0])
    assert payload["reference_code"] == format_code(screening.reference_code)
    assert payload["format_version"] == 2
    assert (payload["consistent"], payload["possible"]) == (["adhd", "rls"], [])
    by_key = {i["questionnaire"]: i for i in payload["instruments"]}
    assert by_key["asrs-v1.1"]["version"] == "1.1"
    assert by_key["asrs-v1.1"]["revision"] == 1
    assert by_key["asrs-v1.1"]["result"]["score"] == 5
    assert by_key["rls-irlssg"]["result"]["outcome"] == "consistent"
    assert [(m["measure"], m["value"], m["month"], m["year"]) for m in payload["measurements"]] == [
        ("ferritin", 42, "m03", 2026),
        ("transferrin saturation", 24, "m03", 2026),
    ]
    assert "intermittent" not in attachments["results.json"][0].decode()
    assert {f["id"] for f in payload["flags"]} >= {"heavy_periods", "blood_donation"}


def test_metadata_language_tags_and_bundled_fonts(standard):
    screening, _, pdf = standard
    reader = read(pdf)
    assert reader.metadata.title == f"Screening summary {format_code(screening.reference_code)}"
    assert reader.metadata.author == "Riverside Health Centre"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert "/StructTreeRoot" in root
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all("Atkinson-Hyperlegible" in name for name in fonts), fonts


def test_pages_render_to_images_with_shaded_answers(standard, tmp_path):
    _, _, pdf = standard
    (tmp_path / "summary.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(tmp_path / "summary.pdf"), str(tmp_path / "page")],
        check=True,
    )
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == len(read(pdf).pages) >= 3
    first = Image.open(pngs[0]).convert("RGB")
    dark = sum(count for count, pixel in first.getcolors(2**20) if sum(pixel) < 200)
    assert dark > 2000  # text is drawn, not a blank page
    second = Image.open(pngs[1]).convert("RGB")
    assert SHADED_GREY in {pixel for _, pixel in second.getcolors(2**20)}


def test_a_reference_does_not_print_its_doi_twice():
    url = "https://doi.org/10.1017/S0033291704002892"
    with_doi = data._reference(
        13, "Kessler RC. Psychol Med. 2005. doi:10.1017/s0033291704002892", url
    )
    without = data._reference(1, "Kessler RC. Psychol Med. 2005.", url)
    other = data._reference(2, "Some guide. doi:10.1/x", "https://example.org/guide")
    assert (with_doi.url, without.url, other.url) == ("", url, "https://example.org/guide")


def _zero_outlines(pdf: bytes) -> list[int]:
    """The number of closed outlines of every glyph the PDF draws for the digit 0.

    Read from the embedded font subsets, glyph by glyph as the ToUnicode maps name
    them: a plain zero is an oval with one counter (2 outlines); Atkinson Hyperlegible's
    own zero is slashed, its counter cut in two (3 outlines).
    """
    from fontTools.pens.recordingPen import RecordingPen
    from fontTools.ttLib import TTFont

    counts = []
    seen = set()
    for page in read(pdf).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            if id(font) in seen or "/ToUnicode" not in font:
                continue
            seen.add(id(font))
            to_unicode = font["/ToUnicode"].get_data().decode("ascii")
            glyph_ids = [int(g, 16) for g in re.findall(r"<([0-9a-f]{4})> <0030>", to_unicode)]
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            subset = TTFont(io.BytesIO(descriptor["/FontFile2"].get_data()))
            glyphs = subset.getGlyphSet()
            for glyph_id in glyph_ids:
                pen = RecordingPen()
                glyphs[subset.getGlyphName(glyph_id)].draw(pen)
                counts.append(sum(1 for op, _ in pen.value if op == "closePath"))
    return counts


def test_zeros_in_dates_and_prose_are_plain_not_slashed(standard):
    """ "1 December 2026", not "2Ø26": reference codes have no zero to tell from an O."""
    screening, _, pdf = standard
    assert "0" not in screening.reference_code
    first = page_texts(pdf)[0]
    assert "2026" in first and "020 7946 0000" in first  # the date and the clinic contact
    outlines = _zero_outlines(pdf)
    assert outlines, "no zero drawn at all"
    assert set(outlines) == {2}, outlines


def _struct_elements(node, found=None):
    """Every structure element under ``node`` of the PDF's tag tree."""
    found = [] if found is None else found
    node = node.get_object()
    if isinstance(node, dict):
        if node.get("/Type") == "/StructElem":
            found.append(node)
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            if hasattr(kid, "get_object") and isinstance(kid.get_object(), dict | list):
                _struct_elements(kid, found)
    return found


def test_each_answer_is_tagged_with_its_question_as_row_header(standard):
    """The answer tables have no header row: each question heads its row (TH, scope
    row), so a screen reader reads every answer with its question."""
    _, _, pdf = standard
    elements = _struct_elements(read(pdf).trailer["/Root"]["/StructTreeRoot"])
    headers = {str(e["/ID"]): e for e in elements if e["/S"] == "/TH" and "/ID" in e}
    cells = [e for e in elements if e["/S"] == "/TD"]
    answered = [c for c in cells if c.get("/A", {}).get("/Headers")]
    assert len(answered) >= 30, len(answered)  # every answer of the standard summary
    named = [[str(key) for key in cell["/A"]["/Headers"]] for cell in answered]
    assert all(len(keys) == 1 and keys[0] in headers for keys in named)
    # Its own row's header, not a column's header shared by every answer.
    assert len({keys[0] for keys in named}) == len(answered)


def test_the_clinic_s_texts_keep_the_lines_staff_typed(app):
    """An address or opening hours typed on several lines print on several lines."""
    from screener.extensions import db
    from screener.models import ClinicSettings

    with app.app_context():
        set_up_clinic()
        settings = db.session.get(ClinicSettings, 1)
        settings.contact = "Reception\r\nRoom 4"
        settings.urgent_help = "Call 999.\r\nOr text SHOUT to 85258."
        db.session.commit()
        first = page_texts(reports.render_pdf(submit()))[0]
    assert "Reception\nRoom 4" in first
    assert "Call 999.\nOr text SHOUT to 85258." in first
