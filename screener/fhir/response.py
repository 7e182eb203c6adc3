"""A QuestionnaireResponse per instrument: the answers to the items that were asked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse,
    QuestionnaireResponseItem,
    QuestionnaireResponseItemAnswer,
)

from screener.codes import format_code
from screener.definitions.schema import Definition, NumberItem, TextItem
from screener.fhir import systems
from screener.fhir.questionnaire import option_coding
from screener.scoring.engine import asked


def _answers(key: str, item: Any, value: Any) -> list[QuestionnaireResponseItemAnswer]:
    if isinstance(item, NumberItem):
        field = "valueInteger" if item.integer else "valueDecimal"
        return [QuestionnaireResponseItemAnswer(**{field: value})]
    if isinstance(item, TextItem):
        return [QuestionnaireResponseItemAnswer(valueString=value)]
    values = value if isinstance(value, list) else [value]
    return [
        QuestionnaireResponseItemAnswer(valueCoding=option_coding(key, item.option(v)))
        for v in values
        if item.option(v) is not None
    ]


def response(
    key: str,
    label: str,
    revision: int,
    definition: Definition,
    answers: Mapping[str, Any],
    reference_code: str,
    authored: dt.datetime,
) -> QuestionnaireResponse:
    """Answers grouped by section as in the Questionnaire; items not asked are left out."""
    given = asked(definition, answers).values
    groups = []
    for section in definition.sections:
        items = [
            QuestionnaireResponseItem(
                linkId=item.id, text=item.text, answer=_answers(key, item, given[item.id])
            )
            for item in section.items
            if given.get(item.id) is not None
        ]
        if items:
            groups.append(
                QuestionnaireResponseItem(
                    linkId=systems.section_link(section.id), text=section.title, item=items
                )
            )
    return QuestionnaireResponse(
        identifier=Identifier(system=systems.REFERENCE_CODE, value=format_code(reference_code)),
        questionnaire=f"{systems.questionnaire_url(key)}|{systems.fhir_version(label, revision)}",
        status="completed",
        authored=authored,
        item=groups or None,
    )
