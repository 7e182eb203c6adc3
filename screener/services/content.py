"""Stored definition versions: importing files, choosing the live version, loading one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy import func, select

from screener.database import utcnow
from screener.definitions.catalog import TEXTS_KEY, load_directory
from screener.definitions.loading import load_definition_text, load_texts_text
from screener.definitions.schema import Definition, TextsDocument
from screener.extensions import db
from screener.models import ContentVersion
from screener.process_cache import BoundedCache


@dataclass(frozen=True)
class Imported:
    key: str
    revision: int
    created: bool


def store_version(
    kind: str, key: str, version: str, title: str, raw: bytes, *, publish: bool, user_id=None
) -> tuple[ContentVersion, bool]:
    """Store ``raw`` as a new version of ``key`` unless the same text is already stored."""
    sha = hashlib.sha256(raw).hexdigest()
    existing = db.session.scalar(
        select(ContentVersion).where(ContentVersion.key == key, ContentVersion.sha256 == sha)
    )
    if existing is not None:
        if publish and existing.published_at is None:
            existing.published_at = utcnow()
        return existing, False
    last = db.session.scalar(
        select(func.max(ContentVersion.revision)).where(ContentVersion.key == key)
    )
    row = ContentVersion(
        kind=kind,
        key=key,
        version=version,
        revision=(last or 0) + 1,
        title=title,
        sha256=sha,
        source_text=raw.decode("utf-8"),
        created_by_id=user_id,
        published_at=utcnow() if publish else None,
    )
    db.session.add(row)
    db.session.flush()
    return row, True


def import_directory(folder: Path) -> list[Imported]:
    """Store every changed file in ``folder`` as a new, published version.

    An unchanged file adds nothing, so running it again is harmless.
    """
    catalog = load_directory(folder)
    imported = []
    for key, (definition, source) in sorted(catalog.definitions.items()):
        row, created = store_version(
            "questionnaire", key, definition.version, definition.title, source.raw, publish=True
        )
        imported.append(Imported(key, row.revision, created))
    if catalog.texts is not None:
        texts, source = catalog.texts
        row, created = store_version(
            "texts",
            TEXTS_KEY,
            texts.version,
            "Explanatory texts and references",
            source.raw,
            publish=True,
        )
        imported.append(Imported(TEXTS_KEY, row.revision, created))
    return imported


def live_version(key: str) -> ContentVersion | None:
    """The newest published version: what new screenings are pinned to."""
    return db.session.scalar(
        select(ContentVersion)
        .where(ContentVersion.key == key, ContentVersion.published_at.is_not(None))
        .order_by(ContentVersion.revision.desc())
        .limit(1)
    )


def live_versions(kind: str = "questionnaire") -> list[ContentVersion]:
    newest = (
        select(ContentVersion.key, func.max(ContentVersion.revision).label("revision"))
        .where(ContentVersion.kind == kind, ContentVersion.published_at.is_not(None))
        .group_by(ContentVersion.key)
        .subquery()
    )
    return list(
        db.session.scalars(
            select(ContentVersion)
            .join(
                newest,
                (ContentVersion.key == newest.c.key)
                & (ContentVersion.revision == newest.c.revision),
            )
            .order_by(ContentVersion.key)
        )
    )


def offered() -> list[tuple[str, Definition]]:
    """The live questionnaires the landing page offers, in their order."""
    live = [(row.key, definition_of(row)) for row in live_versions()]
    chosen = [(key, definition) for key, definition in live if definition.offer is not None]
    return sorted(chosen, key=lambda pair: (pair[1].offer.order, pair[0]))


@dataclass(frozen=True)
class VersionRef:
    """What callers need of a stored version, without its (large) source text."""

    id: int
    key: str
    version: str
    revision: int
    sha256: str


# A stored text never changes and its hash names it, so each text is parsed once per
# process. Keyed by hash alone: ids repeat across databases (tests, a restored backup).
_parsed: BoundedCache[str, Definition | TextsDocument] = BoundedCache(
    "parsed definitions", max_entries=256, max_bytes=64 * 1024 * 1024
)
# A parsed document holds many small objects: about this many bytes per byte of YAML.
PARSED_BYTES_PER_SOURCE_BYTE = 8


def _parse(version: ContentVersion | VersionRef, loader):
    document = _parsed.get(version.sha256)
    if document is None:
        source = getattr(version, "source_text", None)
        if source is None:
            source = db.session.scalar(
                select(ContentVersion.source_text).where(ContentVersion.id == version.id)
            )
        document = loader(source, f"stored version {version.sha256[:12]}")
        _parsed.put(version.sha256, document, size=PARSED_BYTES_PER_SOURCE_BYTE * len(source))
    return document


def definition_of(version: ContentVersion | VersionRef) -> Definition:
    return _parse(version, load_definition_text)


def texts_of(version: ContentVersion) -> TextsDocument:
    return _parse(version, partial(load_texts_text, stored=True))


def parse_live() -> int:
    """Parse every live questionnaire and the live texts now, as a job worker starts:
    the screenings it is about to render are pinned to them, mostly, and parsing them
    on the first job costs about 0.3 s. Returns how many were parsed."""
    versions = live_versions()
    for version in versions:
        definition_of(version)
    texts = live_versions("texts")
    for version in texts:
        texts_of(version)
    return len(versions) + len(texts)
