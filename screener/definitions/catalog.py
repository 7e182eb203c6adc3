"""The set of definition files in a folder, loaded together and checked as a whole."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from screener.definitions import references
from screener.definitions.loading import (
    DefinitionError,
    Problem,
    load_definition_text,
    load_texts_text,
    read_source,
)
from screener.definitions.schema import Definition, TextsDocument

TEXTS_KEY = "texts"


@dataclass(frozen=True)
class SourceFile:
    path: Path
    raw: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


@dataclass(frozen=True)
class Catalog:
    definitions: dict[str, tuple[Definition, SourceFile]]
    texts: tuple[TextsDocument, SourceFile] | None


def is_texts(raw: bytes) -> bool:
    """Texts files say ``id: texts``; everything else in the folder is a definition."""
    return any(
        line.strip() == f"id: {TEXTS_KEY}" for line in raw.decode("utf-8", "replace").splitlines()
    )


def load_file(path: Path) -> tuple[Definition | TextsDocument, SourceFile]:
    raw = read_source(path)
    loader = load_texts_text if is_texts(raw) else load_definition_text
    return loader(raw, str(path)), SourceFile(path, raw)


def load_directory(folder: Path) -> Catalog:
    """Load every ``*.yaml`` in ``folder``; raise one DefinitionError listing all problems."""
    definitions: dict[str, tuple[Definition, SourceFile]] = {}
    texts = None
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            document, source = load_file(path)
        except DefinitionError as exc:
            problems.extend(exc.problems)
            continue
        if isinstance(document, TextsDocument):
            texts = (document, source)
        elif document.id in definitions:
            other = definitions[document.id][1].path
            problems.append(
                Problem(
                    str(path),
                    1,
                    1,
                    f"the id {document.id!r} is also used by {other}",
                    "give each definition file its own id",
                )
            )
        else:
            definitions[document.id] = (document, source)
    for definition, source in definitions.values():
        problems += references.problems(
            definition, source.raw, str(source.path), texts[0] if texts else None
        )
    if texts is not None:
        screened = {d.screens_for for d, _ in definitions.values() if d.screens_for}
        problems += references.condition_problems(
            texts[0], screened, texts[1].raw, str(texts[1].path)
        )
    if problems:
        raise DefinitionError(problems)
    return Catalog(definitions, texts)
