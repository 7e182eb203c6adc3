"""Which explanation and referral a patient gets, and that every claim is cited."""

from __future__ import annotations

import datetime as dt

import pytest
import textstat

from screener.interpretation import interpret
from screener.scoring.engine import score
from tests.helpers import asrs, catalog, definition, rls, texts

DEFINITIONS = {key: d for key, (d, _) in catalog().definitions.items()}
ADHD_YES = asrs(["often"] * 6)
ADHD_NO = asrs(["never"] * 6)
PROVIDERS = [
    {"name": "Adult ADHD service", "assesses": ["adhd"], "phone": "01234 567890", "url": ""},
    {"name": "Sleep clinic", "assesses": ["sleep"], "phone": "", "url": "https://sleep.example"},
    {"name": "Practice", "assesses": ["gp"], "phone": "", "url": ""},
]


def run(adhd=None, rls_answers=None, iron=None, providers=PROVIDERS):
    results = {}
    if adhd is not None:
        results["asrs-v1.1"] = score(definition("asrs-v1.1"), adhd)
    if rls_answers is not None:
        results["rls-irlssg"] = score(definition("rls-irlssg"), rls_answers)
    if iron is not None:
        results["iron-context"] = score(definition("iron-context"), iron)
    return interpret(results, DEFINITIONS, texts(), providers)


@pytest.mark.parametrize(
    ("adhd", "rls_answers", "link", "referrals"),
    [
        (ADHD_YES, rls(), "link_both", ["adhd", "rls"]),
        # "Both" only when both are consistent: a possible RLS has its own words.
        (ADHD_YES, rls(causes={"cramps": "unsure"}), "link_adhd_rls_possible", ["adhd", "rls"]),
        (ADHD_YES, rls(causes={"swelling": "yes"}), "link_adhd_rls_possible", ["adhd", "rls"]),
        (ADHD_YES, rls(gate="no"), "link_adhd_only", ["adhd"]),
        (ADHD_NO, rls(), "link_rls_only", ["rls"]),
        (ADHD_NO, rls(gate="no"), "link_neither", ["none"]),
        (ADHD_YES, None, "link_adhd_only", ["adhd"]),
        (None, rls(gate="no"), "link_neither", ["none"]),
        # On medicine for the legs: the RLS next step whatever the screen says.
        # Treated for RLS: the restless-legs link, never "your answers did not match".
        (ADHD_NO, rls(gate="no", medicine="yes"), "link_rls_only", ["rls"]),
    ],
)
def test_explanation_and_referral_follow_the_outcomes(adhd, rls_answers, link, referrals):
    result = run(adhd, rls_answers)
    assert result.explanation[0].key == link
    assert [r.kind for r in result.referrals] == referrals
    assert result.meanings[0].key == "not_a_diagnosis"


def test_referrals_carry_the_matching_providers():
    result = run(ADHD_YES, rls())
    by_kind = {r.kind: [p["name"] for p in r.providers] for r in result.referrals}
    assert by_kind == {"adhd": ["Adult ADHD service"], "rls": ["Sleep clinic", "Practice"]}


def test_iron_flags_and_low_ferritin_add_their_paragraphs():
    iron = {"risk_factors": ["heavy_periods"], "family_rls": "no", "ferritin": 40}
    result = run(ADHD_NO, rls(impact="no"), iron)
    keys = [p.key for p in result.explanation]
    assert keys == ["link_rls_only", "iron_risk", "low_iron_rls"]
    assert [m["value"] for m in result.measurements] == [40]
    assert {f["id"] for f in result.flags} == {"heavy_periods", "low_ferritin"}


@pytest.mark.parametrize(
    ("ferritin", "tsat", "low"),
    [
        (75, None, True),
        (75.5, None, False),
        (76, None, False),
        (12, None, True),
        (120, 19.9, True),
        (120, 20, False),
        (None, 15, True),
        (None, None, False),
    ],
)
def test_iron_is_low_at_ferritin_75_or_below_or_tsat_below_20(ferritin, tsat, low):
    """AASM 2024: ferritin at most 75 ng/mL or transferrin saturation below 20%."""
    iron = {"risk_factors": ["none"], "family_rls": "no", "ferritin": ferritin, "tsat": tsat}
    result = run(ADHD_NO, rls(impact="no"), {k: v for k, v in iron.items() if v is not None})
    keys = [p.key for p in result.explanation]
    assert ("low_iron_rls" in keys) is low
    assert bool(result.reasons) is low


def test_the_low_iron_paragraph_speaks_of_restless_legs_only_when_they_are_in_play():
    iron = {"risk_factors": ["none"], "family_rls": "no", "ferritin": 30}
    no_rls = run(ADHD_NO, rls(gate="no"), iron)
    assert "low_iron" in [p.key for p in no_rls.explanation]
    assert "restless legs" not in next(p for p in no_rls.explanation if p.key == "low_iron").body
    treated = run(ADHD_NO, rls(gate="no", medicine="yes"), iron)
    assert "low_iron_rls" in [p.key for p in treated.explanation]


@pytest.mark.parametrize(
    ("month", "year", "as_of", "old"),
    [
        ("m11", 2025, dt.date(2026, 12, 1), True),  # November 30 2025 is over a year ago
        ("m12", 2025, dt.date(2026, 12, 1), False),
        (None, 2025, dt.date(2026, 12, 1), False),  # a year alone counts from its end
        (None, 2024, dt.date(2026, 1, 1), True),
        (None, None, dt.date(2026, 1, 1), False),
    ],
)
def test_the_ferritin_sentence_shows_the_value_and_date_typed_and_calls_an_old_test_old(
    month, year, as_of, old
):
    iron = {"risk_factors": ["none"], "family_rls": "no", "ferritin": 32.5}
    iron |= {k: v for k, v in {"ferritin_month": month, "ferritin_year": year}.items() if v}
    results = {"iron-context": score(definition("iron-context"), iron)}
    body = interpret(results, DEFINITIONS, texts(), as_of=as_of).explanation[-1].body
    assert "You entered a ferritin result of 32.5 µg/L" in body
    assert "75 µg/L" not in body.split(".")[0]
    if year and month:
        assert f"from a test in {dt.date(2000, int(month[1:]), 1):%B} {year}" in body
    elif not year:
        assert "with no date given" in body
    assert ("more than a year old" in body) is old


def test_no_risk_factor_means_no_iron_paragraph():
    iron = {"risk_factors": ["none"], "family_rls": "yes"}
    keys = [p.key for p in run(ADHD_NO, rls(), iron).explanation]
    assert keys == ["link_rls_only"]


def test_pregnancy_medicine_and_part_b_cues_are_reasons_to_see_a_clinician_anyway():
    iron = {"risk_factors": ["pregnancy"], "family_rls": "no"}
    part_b = asrs(["never"] * 6, ["very_often"] * 12)
    result = run(part_b, rls(gate="no", medicine="yes"), iron)
    assert result.positive == frozenset()
    keys = [p.key for p in result.explanation]
    assert {"pregnancy", "treated_rls", "iron_risk"} <= set(keys)
    assert result.see_anyway is not None
    assert result.reasons == (
        "Answers worth talking about in the last 12 ADHD questions: 12 of 12",
        "Takes medicine for restless legs now",
        "Pregnant or breastfeeding",
    )
    assert [p.key for p in result.meaning_for["adhd"]] == [
        "adhd_not_consistent",
        "adhd_part_b_cues",
    ]
    # A "no" on leg medicine: the screen cannot tell (rls-irlssg 2.1).
    assert [p.key for p in result.meaning_for["rls"]] == ["rls_screen_negative_treated"]


def test_every_reason_a_definition_gives_patients_reads_at_grade_8_or_below():
    """The reasons list comes before any explanation on the results page: each line must
    stand on its own in plain words (and not in the clinician's "Part B shaded answers")."""
    found = 0
    for loaded in DEFINITIONS.values():
        for spec in loaded.scoring.report:
            if spec.cues:
                assert spec.reason, f"{loaded.id}: {spec.name} has cues but no reason"
                line = f"{spec.reason}: 3 of 12."
                assert textstat.flesch_kincaid_grade(line) <= 8.0, line
                found += 1
    assert found  # the ASRS Part B


# Published wording is quoted as it is, whatever its reading grade: the whole ASRS (WHO
# form) and the RLS screening question (Ferri et al. 2007). Everything else a patient
# reads on a question page is ours to keep plain.
QUOTED = {"asrs-v1.1": None, "rls-irlssg": {"gate"}}


def _own_question_texts():
    for loaded in DEFINITIONS.values():
        quoted = QUOTED.get(loaded.id, set())
        if quoted is None:
            continue
        for section in loaded.sections:
            if section.intro:
                yield f"{loaded.id} {section.id} intro", section.intro
            for item in section.items:
                if item.id in quoted:
                    continue
                for field in ("text", "help"):
                    if getattr(item, field, None):
                        yield f"{loaded.id} {item.id} {field}", getattr(item, field)


@pytest.mark.parametrize(("where", "text"), list(_own_question_texts()))
def test_every_question_of_our_own_reads_at_grade_8_or_below(where, text):
    assert textstat.flesch_kincaid_grade(text) <= 8.0, where


def test_the_reading_grade_check_covers_the_rls_and_iron_questions():
    wheres = {where for where, _ in _own_question_texts()}
    assert "rls-irlssg impact text" in wheres and "rls-irlssg gate text" not in wheres
    assert any(where.startswith("iron-context ") for where in wheres)


def test_a_reason_without_cues_is_refused():
    from screener.definitions.loading import DefinitionError, load_definition_text
    from tests.conftest import QUESTIONNAIRES

    raw = (QUESTIONNAIRES / "asrs-v1.1.yaml").read_text()
    broken = raw.replace("      cues: adhd_part_b_cues\n", "")
    assert broken != raw
    with pytest.raises(DefinitionError, match="give 'cues' too"):
        load_definition_text(broken)


def test_a_negative_screen_without_reasons_still_names_when_to_see_a_clinician():
    result = run(ADHD_NO, rls(gate="no"), {"risk_factors": ["none"], "family_rls": "no"})
    assert result.reasons == () and result.see_anyway is None
    body = result.referrals[0].passage.body
    assert "do not need" not in body.lower()
    assert "get worse" in body and "daily life" in body


def test_clinicians_are_told_restless_legs_can_raise_asrs_items_5_12_and_13():
    both = run(ADHD_YES, rls())
    assert [p.key for p in both.clinician_notes] == ["both_positive_overlap"]
    assert "5" in both.clinician_notes[0].body and "13" in both.clinician_notes[0].body
    assert run(ADHD_YES, rls(gate="no")).clinician_notes == ()


def test_every_citation_is_numbered_and_listed():
    iron = {"risk_factors": ["pregnancy"], "family_rls": "no", "ferritin": 30}
    result = run(ADHD_YES, rls(medicine="yes"), iron)
    passages = [
        *result.meanings,
        *result.explanation,
        *result.clinician_notes,
        *(r.passage for r in result.referrals),
        *(r.clinician for r in result.referrals),
    ]
    numbers = {n for p in passages for n in p.cites}
    assert numbers == {c.number for c in result.references}
    assert [c.number for c in result.references] == list(range(1, len(result.references) + 1))
    assert any(len(p.cites) > 1 for p in passages)
    for passage in passages:
        assert list(passage.cites) == sorted(passage.cites), passage.key  # "[8, 10]"


def test_every_passage_about_low_iron_says_not_to_start_iron_alone():
    for key, paragraph in texts().paragraphs.items():
        if "iron" in paragraph.body.lower() and (
            "low iron" in paragraph.body.lower() or key.startswith(("low_iron", "iron_"))
        ):
            body = paragraph.body.lower()
            assert "without advice" in body or "on your own" in body, key


def test_no_paragraph_reassures_falsely():
    for key, paragraph in texts().paragraphs.items():
        body = paragraph.body.lower()
        assert "do not need to do anything" not in body, key
        assert "nothing to worry" not in body, key


# The suggested next steps said to the clinician, in a clinician's words (and cited).
FOR_CLINICIANS = {
    *(d.referral.clinician for d in DEFINITIONS.values() if d.referral and d.referral.clinician),
    texts().no_referral.clinician,
}


@pytest.mark.parametrize("key", sorted(set(texts().paragraphs) - FOR_CLINICIANS))
def test_every_explanatory_paragraph_reads_at_grade_8_or_below(key):
    """Patients read these on a phone, often distracted: plain language, short sentences."""
    body = texts().paragraphs[key].body
    assert textstat.flesch_kincaid_grade(body) <= 8.0, body


def test_every_factual_paragraph_cites_a_source():
    for key, paragraph in texts().paragraphs.items():
        if key.startswith(("link_", "iron_", "low_iron", "ferritin_", "adhd_", "rls_")):
            assert paragraph.cites, key


def test_renaming_a_flag_keeps_its_paragraph_because_the_flag_says_what_it_means():
    from screener.definitions.loading import load_definition_text
    from tests.conftest import QUESTIONNAIRES

    raw = (QUESTIONNAIRES / "iron-context.yaml").read_text()
    renamed = raw.replace("id: low_ferritin", "id: ferritin_under_75")
    assert renamed != raw
    iron = load_definition_text(renamed)
    answers = {"risk_factors": ["none"], "family_rls": "no", "ferritin": 30}
    definitions = {**DEFINITIONS, "iron-context": iron}
    results = {
        "rls-irlssg": score(definition("rls-irlssg"), rls()),
        "iron-context": score(iron, answers),
    }
    keys = [p.key for p in interpret(results, definitions, texts(), PROVIDERS).explanation]
    assert "low_iron_rls" in keys
    assert keys == [p.key for p in run(None, rls(), answers).explanation]


def test_an_iron_result_at_the_rls_threshold_is_a_reason_only_with_rls_in_play():
    """75 µg/L is the ferritin figure for people with restless legs: for someone screened
    for ADHD alone it is no reason to see a clinician 'whatever the screens show'."""
    iron = {"risk_factors": ["none"], "family_rls": "no", "ferritin": 50}
    adhd_only = run(ADHD_NO, None, iron)
    assert adhd_only.reasons == () and adhd_only.see_anyway is None
    assert "low_iron" in [p.key for p in adhd_only.explanation]  # the result is still named
    with_rls = run(ADHD_NO, rls(impact="no"), iron)
    assert with_rls.reasons == ("Ferritin 75 µg/L or below",)
    treated = run(ADHD_NO, rls(gate="no", medicine="yes"), iron)
    assert "Ferritin 75 µg/L or below" in treated.reasons


def test_leg_feelings_that_get_in_the_way_of_daily_life_are_a_reason_whatever_the_outcome():
    """clinical-sources §5: symptoms that affect daily life are a reason to see a
    clinician anyway, also when the criteria are not all met."""
    line = "Leg feelings upset you or affect daily life"
    not_consistent = run(ADHD_NO, rls(c3="no", impact="yes"))
    assert not_consistent.reasons == (line,) and not_consistent.see_anyway is not None
    assert run(ADHD_NO, rls(c3="no", impact="no")).reasons == ()
    assert run(ADHD_NO, rls(gate="no")).reasons == ()  # not asked: no reason, no absence
