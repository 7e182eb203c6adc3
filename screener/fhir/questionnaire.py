"""A Questionnaire for one pinned definition version, and answers in its codings."""

from __future__ import annotations

import json
from typing import Any

from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.questionnaire import (
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireItemAnswerOption,
    QuestionnaireItemEnableWhen,
)

from screener.definitions.schema import (
    Condition,
    Definition,
    MultipleChoiceItem,
    NumberItem,
    Option,
    TextItem,
)
from screener.fhir import systems


def option_coding(key: str, option: Option) -> Coding:
    return Coding(system=systems.option_system(key), code=option.value, display=option.label)


def item_type(item: Any) -> str:
    if isinstance(item, NumberItem):
        return "integer" if item.integer else "decimal"
    if isinstance(item, TextItem):
        return "string"
    return "choice"


def _number_extension(url: str, item: NumberItem, bound: float) -> Extension:
    if item.integer:
        return Extension(url=url, valueInteger=int(bound))
    return Extension(url=url, valueDecimal=bound)


def _answer_option(key: str, option: Option) -> QuestionnaireItemAnswerOption:
    extensions = []
    if option.score is not None:
        extensions.append(Extension(url=systems.ORDINAL_VALUE, valueDecimal=option.score))
    if option.highlight:
        extensions.append(Extension(url=systems.HIGHLIGHT, valueBoolean=True))
    return QuestionnaireItemAnswerOption(
        valueCoding=option_coding(key, option), extension=extensions or None
    )


def enable_when(key: str, definition: Definition, condition: Condition | None):
    """``enableWhen`` for a condition: any of the accepted answers enables the item."""
    if condition is None:
        return {}
    gate = definition.item(condition.item)
    whens = []
    for value in condition.in_:
        option = gate.option(value) if gate is not None else None
        if option is not None:
            answer = {"answerCoding": option_coding(key, option)}
        elif isinstance(value, bool):
            answer = {"answerBoolean": value}
        elif isinstance(value, int):
            answer = {"answerInteger": value}
        else:
            answer = {"answerString": str(value)}
        whens.append(QuestionnaireItemEnableWhen(question=condition.item, operator="=", **answer))
    behaviour = {"enableBehavior": "any"} if len(whens) > 1 else {}
    return {"enableWhen": whens, **behaviour}


def _item(key: str, definition: Definition, item: Any) -> QuestionnaireItem:
    extensions: list[Extension] = []
    fields: dict[str, Any] = {}
    if isinstance(item, NumberItem):
        extensions.append(_number_extension(systems.MIN_VALUE, item, item.min))
        extensions.append(_number_extension(systems.MAX_VALUE, item, item.max))
        if item.unit:
            extensions.append(Extension(url=systems.UNIT, valueCoding=Coding(display=item.unit)))
    elif isinstance(item, TextItem):
        fields["maxLength"] = item.max_length
    else:
        fields["answerOption"] = [_answer_option(key, option) for option in item.choices()]
        if isinstance(item, MultipleChoiceItem):
            fields["repeats"] = True
    return QuestionnaireItem(
        linkId=item.id,
        text=item.text,
        type=item_type(item),
        required=item.required,
        extension=extensions or None,
        **fields,
        **enable_when(key, definition, item.show_if),
    )


def questionnaire(key: str, label: str, revision: int, definition: Definition) -> Questionnaire:
    """The definition as a FHIR Questionnaire pinned to ``url|version``."""
    scoring = definition.scoring.model_dump(mode="json", by_alias=True)
    groups = [
        QuestionnaireItem(
            linkId=systems.section_link(section.id),
            text=section.title,
            type="group",
            item=[_item(key, definition, item) for item in section.items],
            **enable_when(key, definition, section.show_if),
        )
        for section in definition.sections
    ]
    return Questionnaire(
        url=systems.questionnaire_url(key),
        version=systems.fhir_version(label, revision),
        title=definition.title,
        status="active",
        description=definition.instructions,
        copyright=definition.terms,
        extension=[Extension(url=systems.SCORING, valueString=json.dumps(scoring))],
        item=groups,
    )
