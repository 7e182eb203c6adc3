"""Plain data for previewing a stored revision page by page, as a patient meets it.

Questions are built by the patient flow's own form registry and rendered by its own
macros (``templates/patient/_questions.html``), so the preview cannot drift from what
patients see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from screener.definitions.loading import load_definition_text, load_texts_text
from screener.definitions.schema import Definition, TextsDocument
from screener.models import ContentVersion
from screener.patient.questions import build_form, macro_for


@dataclass(frozen=True)
class PreviewPage:
    """One page: a definition's section, or the explanatory texts as a whole."""

    title: str
    definition: Definition | None = None
    section: Any = None
    show_instructions: bool = False
    texts: TextsDocument | None = None
    conditions: dict[str, str] = field(default_factory=dict)
    sha256: str = ""

    def questions(self) -> list[dict[str, Any]]:
        """The same question data the patient step page renders (empty, no errors)."""
        if self.section is None:
            return []
        form = build_form(self.sha256, self.definition, self.section)
        return [
            {
                "item": item,
                "field": form[item.id],
                "macro": macro_for(item),
                "error": None,
                "condition": self.conditions.get(item.id),
            }
            for item in self.section.items
        ]


def preview_pages(row: ContentVersion) -> list[PreviewPage]:
    # Parsed from the row's own text: a draft is previewed exactly as stored.
    if row.kind == "texts":
        texts = load_texts_text(row.source_text, f"revision {row.revision}")
        return [PreviewPage(title="Explanatory texts and references", texts=texts)]
    definition = load_definition_text(row.source_text, f"revision {row.revision}")
    return [
        PreviewPage(
            title=section.title,
            definition=definition,
            section=section,
            show_instructions=index == 0,
            sha256=row.sha256,
            conditions={
                item.id: condition_text(definition, item.show_if)
                for item in section.items
                if item.show_if is not None
            },
        )
        for index, section in enumerate(definition.sections)
    ]


def condition_text(definition: Definition, condition) -> str:
    """The sentence a patient reads under a conditional question."""
    target = definition.item(condition.item)
    labels = [o.label for o in target.choices() if o.value in condition.in_] if target else []
    labels = labels or [str(value) for value in condition.in_]
    return f"Answer this only if you answered “{' or '.join(labels)}” above."
