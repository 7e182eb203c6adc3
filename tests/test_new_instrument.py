"""A questionnaire for a condition the app has never heard of works from its file alone.

tests/instruments/tiredness-check.yaml is dropped beside the shipped definitions and
imported as ``screener init`` does; nothing in the code knows it. It must be offered,
asked, scored by its own rule (band labels shown), and shown on the results page, the
PDF (page 1 and the answers), the clinician page, the worklist filter and the CSV.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

from pypdf import PdfReader

from screener.extensions import db
from screener.services import content
from tests.auth_helpers import signed_in
from tests.conftest import QUESTIONNAIRES
from tests.patient_helpers import csrf_token, post_step

FILE = Path(__file__).parent / "instruments" / "tiredness-check.yaml"
KEY = "tiredness-check"


def _import_with_the_new_file(app, tmp_path) -> None:
    folder = tmp_path / "questionnaires"
    shutil.copytree(QUESTIONNAIRES, folder)
    shutil.copy(FILE, folder)
    with app.app_context():
        content.import_directory(folder)
        db.session.commit()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_new_instrument_is_offered_asked_scored_and_shown_everywhere(app, client, tmp_path):
    _import_with_the_new_file(app, tmp_path)

    landing = client.get("/").get_data(as_text=True)
    assert "Daytime tiredness (3 questions)" in landing
    # Offered, in its order (between restless legs and iron), and not ticked by default.
    assert re.search(
        r'value="rls-irlssg".*value="tiredness-check".*value="iron-context"', landing, re.S
    )
    assert not re.search(r'value="tiredness-check" checked', landing)

    token = csrf_token(client.get("/"))
    response = client.post(
        "/screen/start", data={"csrf_token": token, "consent": "y", "screeners": [KEY]}
    )
    assert response.status_code == 302
    step = client.get("/screen/step/1").get_data(as_text=True)
    assert "How often do you doze off" in step
    token = csrf_token(client.get("/screen/step/1"))
    answers = {"doze": "most_days", "drag": "some_days", "nap": "some_days"}  # 2 + 1 + 1 = 4
    assert post_step(client, 1, answers, token).status_code == 302
    assert client.post("/screen/submit", data={"csrf_token": token}).status_code == 302

    results = _text(client.get("/screen/results").get_data(as_text=True))
    assert "Some daytime tiredness" in results
    assert "Your score is 4 of 9: Some daytime tiredness." in results

    pdf = client.get("/screen/summary.pdf")
    assert pdf.status_code == 200
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages]
    first, everything = " ".join(pages[0].split()), " ".join(" ".join(pages).split())
    assert "Score in the middle band for daytime tiredness" in first
    assert "Score 4 of 9 (cut-off: 4): Some daytime tiredness" in everything
    assert "How often do you doze off when you sit still in the daytime?" in everything
    assert "Most days" in everything

    clinician = signed_in(app, "doc@clinic.example", "clinician")
    listing = clinician.get("/clinician/?outcome=tiredness").get_data(as_text=True)
    assert "Tiredness consistent or possible" in listing
    assert "Tiredness screen" in listing
    assert listing.count('href="/clinician/screenings/') == 1
    screening_id = re.search(r'href="/clinician/screenings/(\d+)"', listing).group(1)
    assert "0 screenings" in clinician.get("/clinician/?outcome=neither").get_data(as_text=True)

    page = _text(clinician.get(f"/clinician/screenings/{screening_id}").get_data(as_text=True))
    assert "Score in the middle band for daytime tiredness" in page
    assert "Score 4 of 9 (cut-off: 4): Some daytime tiredness" in page

    csv = clinician.get("/clinician/export.csv").get_data(as_text=True).splitlines()
    assert csv[0] == (
        "reference_code,submitted_at_utc,adhd_outcome,rls_outcome,tiredness_outcome,"
        "reviewed,reviewed_at_utc"
    )
    assert csv[1].split(",")[2:5] == ["not_asked", "not_asked", "possible"]


def test_a_definition_naming_a_paragraph_the_texts_lack_is_refused_with_its_line(tmp_path):
    from screener.definitions.catalog import load_directory
    from screener.definitions.loading import DefinitionError

    folder = tmp_path / "questionnaires"
    shutil.copytree(QUESTIONNAIRES, folder)
    raw = FILE.read_text().replace("texts: referral_none", "texts: referral_tiredness")
    (folder / FILE.name).write_text(raw)
    try:
        load_directory(folder)
    except DefinitionError as exc:
        (problem,) = exc.problems
    else:
        raise AssertionError("the unknown paragraph was accepted")
    line = raw.splitlines().index(
        next(line for line in raw.splitlines() if "referral_tiredness" in line)
    )
    assert problem.line == line + 1
    assert "no paragraph 'referral_tiredness'" in problem.message


def test_a_screen_without_words_for_an_outcome_is_refused():
    from screener.definitions.loading import DefinitionError, load_definition_text

    raw = FILE.read_text()
    cut = raw.replace(
        "  possible:\n    patient: Some daytime tiredness\n"
        "    report: Score in the middle band for daytime tiredness\n",
        "",
    )
    assert cut != raw
    try:
        load_definition_text(cut, "tiredness.yaml")
    except DefinitionError as exc:
        assert "the outcome 'possible' has no words" in str(exc)
    else:
        raise AssertionError("a missing outcome was accepted")


def test_an_unknown_caption_placeholder_is_refused_with_its_line(tmp_path):
    from screener.definitions.catalog import load_directory
    from screener.definitions.loading import DefinitionError

    folder = tmp_path / "questionnaires"
    shutil.copytree(QUESTIONNAIRES, folder)
    raw = FILE.read_text().replace("{band}.", "{score.__class__}.")
    (folder / FILE.name).write_text(raw)
    try:
        load_directory(folder)
    except DefinitionError as exc:
        assert any("unknown placeholder" in p.message and p.line for p in exc.problems)
    else:
        raise AssertionError("an unknown placeholder was accepted")


def test_a_new_instrument_pasted_into_the_editor_and_published_is_offered(app, client):
    from tests.staff_pages import hidden, staff_client

    staff = staff_client(app)
    page = staff.get("/staff/definitions/new").get_data(as_text=True)
    saved = staff.post(
        "/staff/definitions/new",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "based_on": hidden(page, "based_on"),
            "source": FILE.read_text(),
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert "Daytime tiredness" not in client.get("/").get_data(as_text=True)  # a draft
    revision = staff.get(saved.headers["Location"]).get_data(as_text=True)
    published = staff.post(
        f"/staff/definitions/{KEY}/1/publish", data={"csrf_token": hidden(revision, "csrf_token")}
    )
    assert published.status_code == 302
    assert "Daytime tiredness (3 questions)" in client.get("/").get_data(as_text=True)

    token = csrf_token(client.get("/"))
    client.post("/screen/start", data={"csrf_token": token, "consent": "y", "screeners": [KEY]})
    token = csrf_token(client.get("/screen/step/1"))
    post_step(client, 1, {"doze": "every_day", "drag": "every_day", "nap": "some_days"}, token)
    client.post("/screen/submit", data={"csrf_token": token})
    results = _text(client.get("/screen/results").get_data(as_text=True))
    assert "A lot of daytime tiredness" in results and "Your score is 7 of 9" in results
