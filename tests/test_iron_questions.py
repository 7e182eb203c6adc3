"""The iron test questions take what a lab report says, and refuse what cannot be true.

Ferritin results carry decimals, and European labs write a decimal comma; a test cannot
be from a year still to come; transferrin saturation is a percentage. Bad input gets a
clear message and a 422, and every other answer on the page and before it is kept.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from screener.extensions import db
from screener.models import Answer
from tests.patient_helpers import post_step, start

IRON_PAGE = 2  # after the RLS screening question, answered "no"
GOOD = {"risk_factors": "heavy_periods", "family_rls": "yes"}


def saved(app) -> dict:
    with app.app_context():
        return dict(db.session.execute(select(Answer.item_id, Answer.value)).all())


def _to_iron_page(client):
    token = start(client, screeners=("rls",))
    assert post_step(client, 1, {"gate": "no", "leg_medicine": "yes"}, token).status_code == 302
    return token


@pytest.mark.parametrize(
    ("typed", "stored"), [("45.5", 45.5), ("32,5", 32.5), (" 40 ", 40), ("75", 75)]
)
def test_ferritin_accepts_decimals_with_a_point_or_a_comma(client, app, typed, stored):
    token = _to_iron_page(client)
    response = post_step(client, IRON_PAGE, {**GOOD, "ferritin": typed}, token)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert saved(app)["ferritin"] == stored


def test_tsat_is_optional_and_takes_a_percentage(client, app):
    token = _to_iron_page(client)
    response = post_step(client, IRON_PAGE, {**GOOD, "ferritin": "120", "tsat": "17,5"}, token)
    assert response.status_code == 302
    assert saved(app)["tsat"] == 17.5


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ferritin_year", str(dt.date.today().year + 1), "That year is in the future"),
        ("ferritin_year", "2100", "That year is in the future"),
        ("ferritin_year", "1989", "from 1990 to 2100"),
        ("ferritin_year", "20.5", "whole number"),
        ("tsat", "0", "from 1 to 100"),
        ("tsat", "101", "from 1 to 100"),
        ("tsat", "-5", "from 1 to 100"),
        ("tsat", "abc", "digits only"),
        ("tsat", "1e999", "Enter a number"),
        ("ferritin", "32,5,1", "digits only"),
        ("ferritin", "0", "from 1 to 5000"),
    ],
)
def test_bad_iron_answers_get_a_message_and_keep_every_other_answer(
    client, app, field, value, message
):
    token = _to_iron_page(client)
    before = saved(app)
    answers = {**GOOD, "ferritin": "30", "ferritin_month": "m02", "ferritin_year": "2025"}
    response = post_step(client, IRON_PAGE, {**answers, field: value}, token)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    # The page comes back with what was typed, and nothing already saved is lost.
    assert 'value="heavy_periods" checked' in body
    assert saved(app) == before == {"gate": "no", "leg_medicine": "yes"}


def test_this_years_test_is_accepted(client, app):
    token = _to_iron_page(client)
    year = str(dt.date.today().year)
    response = post_step(
        client, IRON_PAGE, {**GOOD, "ferritin": "30", "ferritin_year": year}, token
    )
    assert response.status_code == 302
    assert saved(app)["ferritin_year"] == int(year)
