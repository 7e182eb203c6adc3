"""Drive the patient flow in a browser the way a person does, by labels and buttons."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import click_and_wait
from tests.helpers import asrs, rls

FREQUENCY = {
    "never": "Never",
    "rarely": "Rarely",
    "sometimes": "Sometimes",
    "often": "Often",
    "very_often": "Very Often",
}


def start(page, base: str, *, adhd=True, rls_=True, iron=True) -> None:
    page.goto(base + "/")
    for label, wanted in (("Attention and restlessness", adhd), ("Restless legs", rls_)):
        box = page.get_by_label(label)
        if box.is_checked() != wanted:
            box.click()
    iron_box = page.get_by_label("Also answer a few questions about iron")
    if iron_box.is_checked() != iron:
        iron_box.click()
    page.get_by_label("I am 18 or over").check()
    click_and_wait(page, page.get_by_role("button", name="Start"))
    click_and_wait(page, page.get_by_role("link", name="Start the questions"))


def choose(page, question: str, label: str) -> None:
    group = page.get_by_role("group", name=question)
    group.get_by_label(label, exact=True).check()


def answer_asrs(page, answers: dict[str, str], definition) -> None:
    for section in definition.sections:
        for item in section.items:
            choose(page, item.text, FREQUENCY[answers[item.id]])
        click_and_wait(page, page.get_by_role("button", name="Continue"))


YES_NO = {"yes": "Yes", "no": "No", "unsure": "Not sure"}


def answer_rls(page, answers: dict[str, str], definition) -> None:
    labels: dict[str, Any] = {
        "frequency": {o.value: o.label for o in definition.item("frequency").choices()}
    }
    for section in definition.sections:
        if section.show_if and not section.show_if.holds(answers):
            continue
        for item in section.items:
            value = answers[item.id]
            label = labels.get(item.id, YES_NO)[value]
            choose(page, item.text, label)
        click_and_wait(page, page.get_by_role("button", name="Continue"))


def answer_iron(page, risk_labels: list[str], family: str, ferritin: str | None) -> None:
    group = page.get_by_role("group", name="Do any of these apply to you")
    for label in risk_labels:
        group.get_by_label(label).check()
    choose(page, "Has a parent, brother, sister or child of yours had restless legs?", family)
    if ferritin is not None:
        page.get_by_label("If you know your last ferritin").fill(ferritin)
    click_and_wait(page, page.get_by_role("button", name="Continue"))


__all__ = [
    "answer_asrs",
    "answer_iron",
    "answer_rls",
    "asrs",
    "choose",
    "click_and_wait",
    "rls",
    "start",
]
