"""Read definition and text files into validated models, with errors a person can act on."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from screener.definitions import schema
from screener.definitions.checks import (
    check_definition,
    check_texts,
    resolve_option_sets,
)
from screener.definitions.upgrade import upgrade, upgrade_texts
from screener.definitions.yaml_source import MAX_BYTES, Parsed, SourceError, parse

Model = TypeVar("Model", bound=BaseModel)


def _known_keys() -> set[str]:
    keys: set[str] = set()
    for value in vars(schema).values():
        if isinstance(value, type) and issubclass(value, BaseModel):
            for name, field in value.model_fields.items():
                keys.add(field.alias or name)
    return keys


KNOWN_KEYS = _known_keys()


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    column: int | None
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.message}" + (f". How to fix: {self.hint}" if self.hint else "")


class DefinitionError(ValueError):
    """One or more problems in a definition or texts file."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _data_path(data: Any, loc: tuple) -> tuple:
    """Turn a pydantic error location into a path through the data (dropping union tags)."""
    path: list[Any] = []
    current = data
    for part in loc:
        key = "in" if part == "in_" else part
        if isinstance(current, dict) and key in current:
            found = True
        else:
            found = isinstance(current, list) and isinstance(key, int) and key < len(current)
        if found:
            current = current[key]
            path.append(key)
    return tuple(path)


def _describe(error: dict[str, Any]) -> tuple[str, str]:
    kind, loc = error["type"], error["loc"]
    name = next((p for p in reversed(loc) if isinstance(p, str)), "")
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(str(name), KNOWN_KEYS, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "remove it"
        return f"unknown key {name!r}", hint
    if kind == "missing":
        return f"the key {name!r} is missing", f"add '{name}:' here"
    if kind == "union_tag_invalid":
        return f"unknown item type {error['input'].get('type')!r}", (
            "use single_choice, yes_no, multiple_choice, number or text"
        )
    if kind == "union_tag_not_found":
        return "this item has no 'type'", "add 'type:' (single_choice, yes_no, ...)"
    if kind == "string_pattern_mismatch":
        return f"{name}: {error['input']!r} is not allowed here", (
            "ids use lower-case letters, digits and underscores, starting with a letter"
        )
    message = error["msg"]
    if kind == "value_error" and "error" in error.get("ctx", {}):
        message = str(error["ctx"]["error"])  # our own validator's words, without a prefix
    return f"{name}: {message}" if name else message, ""


def _validate(model: type[Model], parsed: Parsed, file: str) -> Model:
    try:
        return model.model_validate(parsed.data)
    except ValidationError as exc:
        problems = [
            _problem(parsed, file, _data_path(parsed.data, error["loc"]), *_describe(error))
            for error in exc.errors()
        ]
        raise DefinitionError(problems) from None


def _parse(raw: bytes | str, file: str) -> Parsed:
    try:
        return parse(raw)
    except SourceError as exc:
        mark = exc.mark
        raise DefinitionError(
            [Problem(file, mark and mark.line, mark and mark.column, exc.message, exc.hint)]
        ) from None


def _problem(parsed: Parsed, file: str, path: tuple, message: str, hint: str) -> Problem:
    mark = parsed.mark_for(path)
    return Problem(file, mark and mark.line, mark and mark.column, message, hint)


def _raise(problems, parsed: Parsed, file: str) -> None:
    if problems:
        raise DefinitionError([_problem(parsed, file, *problem) for problem in problems])


def load_definition_text(raw: bytes | str, file: str = "<definition>") -> schema.Definition:
    """Parse and validate one definition; raise DefinitionError listing every problem."""
    parsed = _parse(raw, file)
    _raise(resolve_option_sets(parsed.data), parsed, file)
    # A format-1 file gets what format 1 left to the code (screener/definitions/format1.yaml).
    parsed = Parsed(upgrade(parsed.data), parsed.marks)
    definition = _validate(schema.Definition, parsed, file)
    _raise(check_definition(definition), parsed, file)
    return definition


def load_texts_text(
    raw: bytes | str, file: str = "<texts>", *, stored: bool = False
) -> schema.TextsDocument:
    """Parse and validate the explanatory texts.

    ``stored`` texts were accepted earlier and keep loading in their own format, so a
    past screening shows what it showed; anything new must be the current format.
    """
    parsed = _parse(raw, file)
    # Format 1 and 2 texts get the rules the code once applied (definitions/format1.yaml).
    parsed = Parsed(upgrade_texts(parsed.data), parsed.marks)
    texts = _validate(schema.TextsDocument, parsed, file)
    problems = check_texts(texts)
    if not stored and texts.format_version < schema.TEXTS_FORMAT:
        problems.append(
            (
                ("format_version",),
                f"texts in format version {texts.format_version} are no longer accepted",
                f"use format_version: {schema.TEXTS_FORMAT} and say which paragraphs apply "
                "when (see questionnaires/texts.yaml; 'screener questionnaires upgrade' "
                "writes the rules into format-2 texts)",
            )
        )
    _raise(problems, parsed, file)
    return texts


def load_definition_file(path: Path) -> schema.Definition:
    return load_definition_text(read_source(path), str(path))


def read_source(path: Path) -> bytes:
    """The raw bytes of a definition or texts file, refusing over-size files unread."""
    with path.open("rb") as handle:
        raw = handle.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        size = path.stat().st_size
        raise DefinitionError(
            [
                Problem(
                    str(path),
                    1,
                    1,
                    f"the file is {size:,} bytes; the limit is 256 KiB",
                    "split the content or remove what is not needed",
                )
            ]
        )
    return raw
