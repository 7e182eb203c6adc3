"""Staff editing of definitions and texts: drafts, publishing and edit conflicts.

Every save stores a new, immutable revision as a draft; publishing a draft makes it
live for screenings started afterwards, while screenings already started stay pinned
to the revisions they were answered on. Two people editing the same definition are
told apart by the revision their editor was showing ("based on revision N"): the
check and the insert happen in one write transaction, and the unique
``(key, revision)`` constraint refuses the loser of a race, so a save never silently
replaces someone else's work.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from screener.database import begin_write, utcnow
from screener.definitions import references
from screener.definitions.catalog import TEXTS_KEY
from screener.definitions.loading import (
    DefinitionError,
    Problem,
    load_definition_text,
    load_texts_text,
)
from screener.definitions.schema import Definition, TextsDocument
from screener.definitions.yaml_source import SourceError, parse
from screener.extensions import db
from screener.models import ContentVersion
from screener.services import content, protection
from screener.services.version_diff import Change

TEXTS_TITLE = "Explanatory texts and references"


class EditError(ValueError):
    """The edit cannot be carried out; the message says why and is safe to show."""


class EditConflict(EditError):
    """Someone saved a newer revision since the editor was opened."""

    def __init__(self, latest: ContentVersion) -> None:
        super().__init__(
            f"revision {latest.revision} was saved while you were editing; "
            "your text has not been saved"
        )
        self.latest = latest


class NoChange(EditError):
    """The text is exactly the newest revision's: nothing to save."""


class NeedsConfirmation(EditError):
    """The edit changes an instrument that must stay unaltered; nothing was saved."""

    def __init__(self, changes: list[Change]) -> None:
        super().__init__(
            "this changes the wording, options or scoring of an instrument whose terms "
            "say it must stay unaltered; confirm that you mean to"
        )
        self.changes = changes


@dataclass(frozen=True)
class Entry:
    """One definition (or the texts) in the editor's list."""

    key: str
    kind: str
    title: str
    live: ContentVersion | None
    head: ContentVersion
    drafts: int

    @property
    def has_unpublished_changes(self) -> bool:
        return self.head.published_at is None


def normalise(raw: bytes | str) -> bytes:
    """The bytes to store: UTF-8 with ``\\n`` line endings (browsers send ``\\r\\n``)."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    return raw.replace(b"\r\n", b"\n")


def kind_of(key: str) -> str:
    return "texts" if key == TEXTS_KEY else "questionnaire"


def check_text(
    raw: bytes | str, key: str | None, file: str = "edited text"
) -> Definition | TextsDocument:
    """Validate ``raw`` as the content of ``key`` (or a new definition when ``key`` is None).

    Raises DefinitionError listing every problem with its line, including an ``id``
    that does not match the definition being edited.
    """
    raw = normalise(raw)
    if key is None:
        key = _declared_id(raw, file) or ""
    if key == TEXTS_KEY:
        document: Definition | TextsDocument = load_texts_text(raw, file)
    else:
        document = load_definition_text(raw, file)
    if document.id != key:
        line = _top_line(raw, "id")
        raise DefinitionError(
            [
                Problem(
                    file,
                    line,
                    1 if line else None,
                    f"the id is {document.id!r} but you are editing {key!r}",
                    f"keep 'id: {key}' (to add a new questionnaire, upload it as a new one)",
                )
            ]
        )
    _check_references(document, raw, file)
    return document


def _check_references(document: Definition | TextsDocument, raw: bytes, file: str) -> None:
    """Paragraphs a definition names must be in the live texts; new texts must keep every
    paragraph a live definition names (else an outcome would silently lose its words),
    and their rules may name only conditions a live questionnaire screens for."""
    if isinstance(document, TextsDocument):
        found = []
        for row in content.live_versions():
            definition = content.definition_of(row)
            for path, name in references.text_keys(definition):
                if name not in document.paragraphs:
                    found.append(
                        Problem(
                            file,
                            None,
                            None,
                            f"the paragraph {name!r} is missing; {row.key} names it "
                            f"({'.'.join(map(str, path))})",
                            "keep the paragraph, or change that questionnaire first",
                        )
                    )
        found += references.condition_problems(document, _screened(), raw, file)
        if found:
            raise DefinitionError(found)
        return
    live = content.live_version(TEXTS_KEY)
    texts = content.texts_of(live) if live else None
    found = references.problems(document, raw, file, texts)
    if texts is not None:
        found += _conditions_dropped(document, texts, raw, file)
    if found:
        raise DefinitionError(found)


def _conditions_dropped(
    definition: Definition, texts: TextsDocument, raw: bytes, file: str
) -> list[Problem]:
    """A questionnaire whose ``screens_for`` changes must not leave the live texts' rules
    naming a condition nothing screens for any more: their paragraphs (the ADHD and RLS
    link, a referral reason) would silently stop showing."""
    by_key = _screened_by_key()
    before = set().union(*by_key.values())
    others = (conditions for key, conditions in by_key.items() if key != definition.id)
    after = set().union(*others) | ({definition.screens_for} - {None})
    named = {name for _, name in references.named_conditions(texts)}
    dropped = sorted((named & before) - after)
    if not dropped:
        return []
    line = _top_line(raw, "screens_for") or _top_line(raw, "id")
    return [
        Problem(
            file,
            line,
            1 if line else None,
            f"the explanatory texts' rules name {name!r}, and after this change no "
            "questionnaire screens for it, so their paragraphs would never show",
            f"keep screening for {name!r}, or change the texts' rules first",
        )
        for name in dropped
    ]


def _screened() -> set[str]:
    """The conditions any stored questionnaire screens for, live or draft: a clinic
    adding one may write its texts' rules before or after publishing it."""
    return set().union(*_screened_by_key().values())


def _screened_by_key() -> dict[str, set[str]]:
    """The same, by questionnaire key (every revision that is not discarded)."""
    rows = db.session.scalars(
        select(ContentVersion).where(
            ContentVersion.kind == "questionnaire", ContentVersion.discarded_at.is_(None)
        )
    )
    screened: dict[str, set[str]] = {}
    for row in rows:
        try:
            definition = content.definition_of(row)
        except DefinitionError:  # stored by another path and unreadable: names nothing
            continue
        if definition.screens_for:
            screened.setdefault(row.key, set()).add(definition.screens_for)
    return screened


def _declared_id(raw: bytes, file: str) -> str | None:
    """The ``id`` a new upload declares, read with the same safe parser."""
    try:
        data = parse(raw).data
    except SourceError as exc:
        mark = exc.mark
        raise DefinitionError(
            [Problem(file, mark and mark.line, mark and mark.column, exc.message, exc.hint)]
        ) from None
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def _top_line(raw: bytes, field: str) -> int | None:
    """The line of a top-level ``field`` in ``raw``, when it is there."""
    try:
        mark = parse(raw).marks.get((field,))
    except SourceError:
        return None
    return mark.line if mark else None


def versions(key: str) -> list[ContentVersion]:
    """Every stored revision of ``key``, newest first."""
    return list(
        db.session.scalars(
            select(ContentVersion)
            .where(ContentVersion.key == key)
            .order_by(ContentVersion.revision.desc())
        )
    )


def revision(key: str, number: int) -> ContentVersion | None:
    return db.session.scalar(
        select(ContentVersion).where(ContentVersion.key == key, ContentVersion.revision == number)
    )


def head(key: str) -> ContentVersion | None:
    """The newest revision not discarded, published or not: what the editor starts from."""
    return db.session.scalar(
        select(ContentVersion)
        .where(ContentVersion.key == key, ContentVersion.discarded_at.is_(None))
        .order_by(ContentVersion.revision.desc())
        .limit(1)
    )


def overview() -> list[Entry]:
    """Every definition and the texts, with the live and the newest revision."""
    rows = list(
        db.session.scalars(
            select(ContentVersion)
            .where(ContentVersion.discarded_at.is_(None))
            .order_by(ContentVersion.key, ContentVersion.revision.desc())
        )
    )
    entries: list[Entry] = []
    by_key: dict[str, list[ContentVersion]] = {}
    for row in rows:
        by_key.setdefault(row.key, []).append(row)
    for key, group in by_key.items():
        live_row = next((row for row in group if row.published_at is not None), None)
        entries.append(
            Entry(
                key=key,
                kind=group[0].kind,
                title=(live_row or group[0]).title,
                live=live_row,
                head=group[0],
                drafts=sum(
                    1
                    for row in group
                    if row.published_at is None
                    and (live_row is None or row.revision > live_row.revision)
                ),
            )
        )
    # Questionnaires first, the texts last.
    entries.sort(key=lambda entry: (entry.kind == "texts", entry.key))
    return entries


def save_draft(
    key: str | None,
    raw: bytes | str,
    *,
    based_on: int,
    user_id: int | None = None,
    note: str | None = None,
    confirm_protected: bool = False,
) -> ContentVersion:
    """Store ``raw`` as a new draft revision of ``key`` (a new definition when ``key`` is None).

    ``based_on`` is the newest revision the editor showed (0 for a new definition).
    Raises DefinitionError for invalid text, EditConflict when a newer revision has
    been saved meanwhile, NoChange when the text equals the newest revision, and
    NeedsConfirmation when it alters an instrument that must stay unaltered and
    ``confirm_protected`` is not set. Nothing is stored in any of those cases.
    """
    raw = normalise(raw)
    adding = key is None
    document = check_text(raw, key)
    key = document.id
    begin_write()
    latest = head(key)
    if adding and latest is not None:
        raise EditError(f"{key!r} already exists; open it in the list to edit it")
    if latest is None and based_on != 0:
        raise EditError(f"there is no definition {key!r} to edit")
    if latest is not None and latest.revision != based_on:
        raise EditConflict(latest)
    text = raw.decode("utf-8")
    if latest is not None and latest.source_text == text:
        raise NoChange(f"this text is the same as revision {latest.revision}; nothing was saved")
    if latest is not None and not confirm_protected:
        changes = protection.protected_changes(latest.source_text, text)
        if changes:
            raise NeedsConfirmation(changes)
    row = ContentVersion(
        kind=kind_of(key),
        key=key,
        version=document.version,
        # Discarded drafts keep their numbers, so the next number follows all of them.
        revision=_last_number(key) + 1,
        title=TEXTS_TITLE if isinstance(document, TextsDocument) else document.title,
        sha256=hashlib.sha256(raw).hexdigest(),
        source_text=text,
        created_by_id=user_id,
        published_at=None,
        based_on_revision=based_on or None,
        note=(note or "").strip()[:300] or None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        # Another request stored the same revision number between our check and insert.
        raise EditConflict(head(key) or row) from None
    return row


def _last_number(key: str) -> int:
    return (
        db.session.scalar(
            select(ContentVersion.revision)
            .where(ContentVersion.key == key)
            .order_by(ContentVersion.revision.desc())
            .limit(1)
        )
        or 0
    )


def publish(key: str, number: int) -> ContentVersion:
    """Make draft revision ``number`` live for screenings started from now on.

    Refuses a revision that is already published, and one older than a published
    revision (it could never become live). The change is a conditional UPDATE, so
    two people pressing "publish" at once publish it once.
    """
    begin_write()
    row = revision(key, number)
    if row is None:
        raise LookupError(f"{key} has no revision {number}")
    if row.published_at is not None:
        raise EditError(f"revision {number} is already published")
    if row.discarded_at is not None:
        raise EditError(f"revision {number} was discarded; it cannot be published")
    current = content.live_version(key)
    if current is not None and current.revision > number:
        raise EditError(
            f"revision {current.revision} is already live and newer; "
            "open the newest revision, save it again and publish that"
        )
    if not _settle(row, published_at=utcnow()):
        raise EditError(f"revision {number} is already published")
    return row


def discard(key: str, number: int) -> ContentVersion:
    """Set draft revision ``number`` aside: it leaves the list, the editor and publishing.

    The row is kept (stored revisions are never deleted); only a draft that was never
    published can be discarded, and only once. Raises LookupError for an unknown
    revision and EditError for one that cannot be discarded.
    """
    begin_write()
    row = revision(key, number)
    if row is None:
        raise LookupError(f"{key} has no revision {number}")
    if row.published_at is not None:
        raise EditError(f"revision {number} is published; only drafts can be discarded")
    if not _settle(row, discarded_at=utcnow()):
        raise EditError(f"revision {number} was already discarded")
    return row


def _settle(row: ContentVersion, **when) -> bool:
    """Publish or discard a draft once: the row changes only while it is still a draft
    (neither published nor discarded), so two editors racing cannot both succeed."""
    changed = db.session.execute(
        update(ContentVersion)
        .where(
            ContentVersion.id == row.id,
            ContentVersion.published_at.is_(None),
            ContentVersion.discarded_at.is_(None),
        )
        .values(**when)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        db.session.refresh(row)
    return bool(changed)
