"""Edit a definition's text as a document, keeping what the editor does not touch.

The structured editor changes a few values (a wording, a label, the order of items)
and must leave everything else exactly as it was: keys it does not know (a newer
format's), comments, key order and the quoting of untouched values. ruamel.yaml's
round-trip mode keeps all of these. The text is first read by the project's own safe
parser (``yaml_source.parse``), which refuses tags, anchors, aliases and over-size
input, so the round-trip parser only ever sees text the safe loader accepted; and what
comes out is validated again by the same loader before anything is saved.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML, YAMLError
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from screener.definitions.yaml_source import SourceError, parse

__all__ = ["CommentedMap", "CommentedSeq", "dump", "load", "styled"]


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    # Never re-wrap a line: a value staff did not change must come back byte for byte.
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load(text: str) -> Any:
    """The document in ``text``; raises ``SourceError`` for anything the safe parser refuses
    (or, should it ever happen, that the round-trip parser cannot read after it)."""
    parse(text)
    try:
        return _yaml().load(text)
    except YAMLError as exc:
        raise SourceError(
            "this text cannot be edited field by field", hint="edit its YAML text instead"
        ) from exc


def dump(document: Any) -> str:
    out = io.StringIO()
    _yaml().dump(document, out)
    return out.getvalue()


_STYLES = (
    LiteralScalarString,
    FoldedScalarString,
    DoubleQuotedScalarString,
    SingleQuotedScalarString,
)


def styled(old: Any, new: str) -> str:
    """``new`` written the way ``old`` was (folded, quoted ...), so the file keeps its look.

    Text with line breaks is written as a literal block, which keeps them exactly.
    """
    if "\n" in new:
        return LiteralScalarString(new)
    for style in _STYLES:
        if isinstance(old, style) and style is not LiteralScalarString:
            return style(new)
    if isinstance(old, LiteralScalarString):
        return FoldedScalarString(new)
    return new
