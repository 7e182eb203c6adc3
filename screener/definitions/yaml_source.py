"""Safe YAML parsing that keeps line numbers and refuses what a definition never needs.

Staff upload these files, so the parser is a boundary: no tags beyond the plain
scalars (no ``!!python/...``), no anchors or aliases (an alias bomb expands
exponentially), no duplicate keys (PyYAML silently keeps the last one), UTF-8 only
and a size cap. Every value's position is recorded so schema errors can point at
the exact line a staff member has to fix.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_BYTES = 256 * 1024
# A definition nests about ten levels deep; far deeper input would exhaust Python's stack.
MAX_DEPTH = 32
# Digits in a number: ample for any bound, far below Python's int() limit of 4,300.
MAX_NUMBER_CHARS = 30

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Mark:
    """A 1-based line and column in the source text."""

    line: int
    column: int


class SourceError(ValueError):
    """The text is not acceptable YAML for a definition; ``mark`` says where."""

    def __init__(self, message: str, mark: Mark | None = None, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.hint = hint


@dataclass
class Parsed:
    """Plain data plus the position of every mapping key and value, by path."""

    data: Any
    marks: dict[Path, Mark] = field(default_factory=dict)

    def mark_for(self, path: Path) -> Mark | None:
        """The position of ``path`` or of its nearest ancestor that has one."""
        while True:
            if path in self.marks:
                return self.marks[path]
            if not path:
                return None
            path = path[:-1]


_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
}


def _mark(node: Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


class _Composer(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases while composing nodes.

    Booleans follow YAML 1.2: only ``true`` and ``false``. Under YAML 1.1 an unquoted
    ``yes``, ``no``, ``on`` or ``off`` silently becomes a boolean, which would turn the
    option value ``no`` into ``False`` in a file written by hand.
    """

    yaml_implicit_resolvers: ClassVar[dict] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:  # type: ignore[override]
        event = self.peek_event()
        if self.depth >= MAX_DEPTH:
            raise SourceError(
                f"the text is nested more than {MAX_DEPTH} levels deep",
                Mark(event.start_mark.line + 1, event.start_mark.column + 1),
                "a definition needs about ten levels; check the brackets and indentation",
            )
        if isinstance(event, yaml.AliasEvent):
            raise SourceError(
                "aliases (*name) are not allowed",
                Mark(event.start_mark.line + 1, event.start_mark.column + 1),
                "write the value out in full instead of referring to an anchor",
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise SourceError(
                f"anchors (&{anchor}) are not allowed",
                Mark(event.start_mark.line + 1, event.start_mark.column + 1),
                "remove the anchor and write each value out in full",
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_Composer.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _to_python(node: Node, path: Path, marks: dict[Path, Mark], loader: _Composer) -> Any:
    marks.setdefault(path, _mark(node))
    if node.tag not in _PLAIN_TAGS:
        raise SourceError(
            f"the tag {node.tag!r} is not allowed",
            _mark(node),
            "remove the tag; definitions hold only text, numbers, true/false, lists and maps",
        )
    if isinstance(node, MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag not in _PLAIN_TAGS:
                raise SourceError("keys must be plain words", _mark(key_node))
            if key_node.tag in _NUMBER_TAGS:
                key = _number(key_node, loader)
            else:
                key = loader.construct_object(key_node)
            if not isinstance(key, str):
                key = str(key)
            if key in result:
                raise SourceError(
                    f"the key {key!r} appears twice in the same block",
                    _mark(key_node),
                    "keep one of them and delete the other",
                )
            child = (*path, key)
            marks[child] = _mark(key_node)
            result[key] = _to_python(value_node, child, marks, loader)
        return result
    if isinstance(node, SequenceNode):
        return [
            _to_python(value, (*path, index), marks, loader)
            for index, value in enumerate(node.value)
        ]
    if node.tag in _NUMBER_TAGS:
        return _number(node, loader)
    return loader.construct_object(node)


_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


def _number(node: ScalarNode, loader: _Composer) -> int | float:
    """A number a definition can use: short, and finite (no ``.nan`` or ``.inf``)."""
    if len(node.value) > MAX_NUMBER_CHARS:
        raise SourceError(
            f"the number starting {node.value[:12]!r} has {len(node.value):,} characters "
            f"(at most {MAX_NUMBER_CHARS})",
            _mark(node),
            "write a number of ordinary size",
        )
    value = loader.construct_object(node)
    if isinstance(value, float) and not math.isfinite(value):
        raise SourceError(
            f"{node.value!r} is not a finite number",
            _mark(node),
            "write a finite number such as 0 or 100",
        )
    return value


def parse(raw: bytes | str) -> Parsed:
    """Parse one YAML document from ``raw`` into plain data with positions."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > MAX_BYTES:
        raise SourceError(
            f"the file is {len(raw):,} bytes; the limit is {MAX_BYTES:,} bytes (256 KiB)",
            Mark(1, 1),
            "split the content or remove what is not needed",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SourceError(
            "the file is not valid UTF-8", Mark(line, 1), "save the file as UTF-8"
        ) from exc
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise SourceError("the file contains a NUL character", Mark(line, 1))
    try:
        # PyYAML's reader refuses unprintable characters (a bell, a form feed) as the
        # loader is made, before any node: the position gives the line.
        loader = _Composer(text)
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise SourceError(
            f"the file contains a control character (code {exc.character:#04x}) that YAML "
            "does not allow",
            Mark(line, exc.position - text.rfind("\n", 0, exc.position)),
            "delete it, or retype the line",
        ) from exc
    try:
        node = loader.get_single_node()
    except SourceError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Mark(mark.line + 1, mark.column + 1) if mark else None
        raise SourceError(f"the YAML is malformed: {exc.problem or exc.context}", where) from exc
    except yaml.YAMLError as exc:
        raise SourceError(f"the YAML is malformed: {exc}") from exc
    finally:
        loader.dispose()
    if node is None:
        raise SourceError("the file is empty", Mark(1, 1))
    marks: dict[Path, Mark] = {}
    try:
        data = _to_python(node, (), marks, loader)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        where = Mark(mark.line + 1, mark.column + 1) if mark else None
        raise SourceError(f"a value cannot be read: {exc.problem}", where) from exc
    return Parsed(data, marks)
