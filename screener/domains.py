"""Shaded answers counted by the groups a definition names (``domains``), for clinicians:
their page and the PDF summary (which tells them to read ASRS Part B by domain).

The ASRS v1.1 definition, for one, groups its 18 items as the DSM-IV inattention and
hyperactivity/impulsivity criteria. Groups name item ids, not positions; a listed item
missing from a definition is skipped, and a definition without domains has none.

Not on the patient's results page: no form sets a cut-off per domain, so the counts are
a reading aid, never an outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from screener.definitions.schema import Definition


@dataclass(frozen=True)
class DomainCount:
    label: str
    items: str  # "items 1–4, 7–11"
    shaded: int
    total: int
    by_part: tuple[tuple[str, int, int], ...]  # (section title, shaded, asked in it)
    shaded_items: tuple[int, ...]  # item numbers in the shaded boxes

    @property
    def caption(self) -> str:
        parts = ", ".join(f"{title} {shaded} of {total}" for title, shaded, total in self.by_part)
        return f"{self.shaded} of {self.total} shaded ({parts})"


def counts(definition: Definition, answers: Mapping[str, Any]) -> tuple[DomainCount, ...]:
    """Shaded answers per domain of the definition; empty when it has none."""
    numbers: dict[str, tuple[int, str]] = {}
    for section in definition.sections:
        for item in section.items:
            numbers[item.id] = (len(numbers) + 1, section.title)
    items = {item.id: item for item in definition.items()}
    result = []
    groups = definition.domains.groups if definition.domains else ()
    for label, ids in ((group.label, group.items) for group in groups):
        present = [i for i in ids if i in items]
        if not present:
            continue
        shaded = [i for i in present if _shaded(items[i], answers.get(i))]
        parts: dict[str, list[int]] = {}
        for i in present:
            counted = parts.setdefault(numbers[i][1], [0, 0])
            counted[0] += i in shaded
            counted[1] += 1
        result.append(
            DomainCount(
                label=label,
                items="items " + _ranges([numbers[i][0] for i in present]),
                shaded=len(shaded),
                total=len(present),
                by_part=tuple((title, s, t) for title, (s, t) in parts.items()),
                shaded_items=tuple(numbers[i][0] for i in shaded),
            )
        )
    return tuple(result)


def _shaded(item, value: Any) -> bool:
    if value is None:
        return False
    option = item.option(value) if hasattr(item, "option") else None
    return bool(option is not None and option.highlight)


def _ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 4, 7, 8]`` → ``1–4, 7–8``."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)
