"""The patient pages' own sentences read at grade 8 or below (Flesch-Kincaid).

The clinic's texts and the result messages are checked where they are defined
(``test_interpretation.py``); this checks the words the page templates add around them:
the landing page, an invitation's page and the page shown before the first question.
Published item wording and the questionnaires' names are not ours to change, so only
paragraphs and list items of whole sentences are read.
"""

from __future__ import annotations

import html
import re

import pytest
import textstat

from tests import patient_helpers
from tests.test_invitations import clock, invite  # noqa: F401 - the frozen clock fixture

PROSE = re.compile(r"<(p|li)\b[^>]*>(.*?)</\1>", re.S)


def sentences_over_grade_8(page: str) -> list[tuple[float, str]]:
    main = page.split("<main", 1)[1]
    main = re.sub(r"<(script|style|svg)\b.*?</\1>", "", main, flags=re.S)
    found = []
    for _, inner in PROSE.findall(main):
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inner)).split())
        if len(text.split()) < 8 or not text.endswith((".", "?", "!")):
            continue  # a label or a value, not a sentence of ours
        grade = textstat.flesch_kincaid_grade(text)
        if grade > 8.0:
            found.append((round(grade, 1), text))
    return found


@pytest.mark.parametrize("page", ["landing", "invitation", "started"])
def test_the_patient_pages_read_at_grade_8_or_below(app, clock, page):
    patient = app.test_client()
    if page == "landing":
        response = patient.get("/")
    elif page == "invitation":
        _, link, _ = invite(app, instruments=("asrs-v1.1", "iron-context"))
        response = patient.get(link)
    else:
        patient_helpers.start(patient)
        response = patient.get("/screen/started")
    assert response.status_code == 200
    assert sentences_over_grade_8(response.get_data(as_text=True)) == []
