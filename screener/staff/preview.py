"""Plain data for previewing a stored revision page by page, as a patient meets it.

Questions are built by the patient flow's own form registry and rendered by its own
macros (``templates/patient/_questions.html``), so the preview cannot drift from what
patients see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from screener.definitions.loading import load_definition_text, load_texts_text
from screener.definitions.schema import Definition, TextsDocument
from screener.models import ContentVersion
from screener.patient.presenters import compact, condition_text, first_number
from screener.patient.questions import macro_for
from screener.services.editing import check_text


@dataclass(frozen=True)
class PreviewPage:
    """One page: a definition's section, or the explanatory texts as a whole."""

    title: str
    definition: Definition | None = None
    section: Any = None
    show_instructions: bool = False
    texts: TextsDocument | None = None

    def questions(self) -> list[dict[str, Any]]:
        """The same question data the patient step page renders (empty, no errors)."""
        if self.section is None:
            return []
        start = first_number(self.definition, self.section)
        return [
            {
                "number": number,
                "compact": compact(item),
                "item": item,
                "value": None,
                "macro": macro_for(item),
                "error": None,
                "condition": condition_text(self.definition, item),
            }
            for number, item in enumerate(self.section.items, start=start)
        ]


def preview_pages(row: ContentVersion) -> list[PreviewPage]:
    # Parsed from the row's own text: a draft is previewed exactly as stored.
    if row.kind == "texts":
        texts = load_texts_text(row.source_text, f"revision {row.revision}", stored=True)
        return [PreviewPage(title="Explanatory texts and references", texts=texts)]
    definition = load_definition_text(row.source_text, f"revision {row.revision}")
    return [
        PreviewPage(
            title=section.title,
            definition=definition,
            section=section,
            show_instructions=index == 0,
        )
        for index, section in enumerate(definition.sections)
    ]


def pages_from_text(text: str, key: str) -> list[PreviewPage]:
    """The pages of text that is not stored yet, checked exactly as a save would check it.

    Raises DefinitionError when the text could not be saved either.
    """
    document = check_text(text, key, "your changes")
    if isinstance(document, TextsDocument):
        return [PreviewPage(title="Explanatory texts and references", texts=document)]
    return [
        PreviewPage(
            title=section.title,
            definition=document,
            section=section,
            show_instructions=index == 0,
        )
        for index, section in enumerate(document.sections)
    ]
