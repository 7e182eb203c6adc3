"""Which explanation and referral a patient gets, and that every claim is cited."""

from __future__ import annotations

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
        (ADHD_YES, rls(c5="unsure"), "link_both", ["adhd", "rls"]),
        (ADHD_YES, rls(gate="no"), "link_adhd_only", ["adhd"]),
        (ADHD_NO, rls(), "link_rls_only", ["rls"]),
        (ADHD_NO, rls(gate="no"), "link_neither", ["none"]),
        (ADHD_YES, None, "link_adhd_only", ["adhd"]),
        (None, rls(gate="no"), "link_neither", ["none"]),
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
    result = run(ADHD_NO, rls(), iron)
    keys = [p.key for p in result.explanation]
    assert keys == ["link_rls_only", "iron_risk", "ferritin_low"]
    assert result.ferritin == 40
    assert {f["id"] for f in result.flags} == {"heavy_periods", "ferritin_75_or_below"}


@pytest.mark.parametrize(("ferritin", "low"), [(75, True), (75.5, False), (76, False), (12, True)])
def test_ferritin_threshold_is_75_or_below(ferritin, low):
    iron = {"risk_factors": ["none"], "family_rls": "no", "ferritin": ferritin}
    keys = [p.key for p in run(ADHD_NO, rls(), iron).explanation]
    assert ("ferritin_low" in keys) is low


def test_no_risk_factor_means_no_iron_paragraph():
    iron = {"risk_factors": ["none"], "family_rls": "yes"}
    keys = [p.key for p in run(ADHD_NO, rls(), iron).explanation]
    assert keys == ["link_rls_only"]


def test_every_citation_is_numbered_and_listed():
    iron = {"risk_factors": ["pregnancy"], "family_rls": "no", "ferritin": 30}
    result = run(ADHD_YES, rls(), iron)
    numbers = {n for p in (*result.meanings, *result.explanation) for n in p.cites}
    numbers |= {n for r in result.referrals for n in r.passage.cites}
    assert numbers == {c.number for c in result.references}
    assert [c.number for c in result.references] == list(range(1, len(result.references) + 1))
    passages = [*result.meanings, *result.explanation, *(r.passage for r in result.referrals)]
    assert any(len(p.cites) > 1 for p in passages)
    for passage in passages:
        assert list(passage.cites) == sorted(passage.cites), passage.key  # "[8, 10]"


@pytest.mark.parametrize("key", sorted(texts().paragraphs))
def test_every_explanatory_paragraph_reads_at_grade_8_or_below(key):
    """Patients read these on a phone, often distracted: plain language, short sentences."""
    body = texts().paragraphs[key].body
    assert textstat.flesch_kincaid_grade(body) <= 8.0, body


def test_every_factual_paragraph_cites_a_source():
    for key, paragraph in texts().paragraphs.items():
        if key.startswith(("link_", "iron_", "ferritin_", "adhd_", "rls_")):
            assert paragraph.cites, key
