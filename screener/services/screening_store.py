"""Where a screening is kept: creating it, its pinned versions, its answers, submitting.

The one place that writes a screening (the caller holds the write transaction, see
``screener.database``). What the answers mean is ``screener.flow``'s business; what is
shown from them is ``screening_summary``'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, select, update

from screener import codes, wording
from screener.database import utcnow
from screener.definitions.catalog import TEXTS_KEY
from screener.definitions.schema import Definition
from screener.extensions import db
from screener.flow import first_open_step, plan
from screener.models import Answer, ContentVersion, Screening, ScreeningInstrument, ScreeningResult
from screener.process_cache import BoundedCache
from screener.scoring.engine import check_answers, score
from screener.scoring.results import Result
from screener.services import clinic, content, render_jobs


class ScreeningError(ValueError):
    """The request cannot be carried out on this screening; the message says why."""


@dataclass(frozen=True)
class Pinned:
    """One instrument of a screening with the exact definition it is answered on."""

    key: str
    version: content.VersionRef
    definition: Definition

    @property
    def sha256(self) -> str:
        return self.version.sha256


def start(keys: Sequence[str]) -> tuple[Screening, str]:
    """Create a draft pinned to the live versions of ``keys``; return it and its resume token.

    The token is returned once and only its hash is stored.
    """
    live = {row.key: row for row in content.live_versions()}
    unknown = [key for key in keys if key not in live]
    if unknown or not keys:
        raise ScreeningError(f"unknown questionnaires: {', '.join(unknown) or 'none chosen'}")
    texts = content.live_version(TEXTS_KEY)
    if texts is None:
        raise ScreeningError("the explanatory texts have not been imported (run screener init)")
    token = codes.new_resume_token()
    screening = Screening(
        reference_code=_unused_code(),
        resume_token_hash=codes.token_hash(token),
        texts_version_id=texts.id,
        status="draft",
    )
    screening.instruments = [
        ScreeningInstrument(content_version_id=live[key].id, position=position)
        for position, key in enumerate(keys)
    ]
    db.session.add(screening)
    db.session.flush()
    return screening, token


def _unused_code() -> str:
    while True:
        code = codes.new_reference_code()
        if db.session.scalar(select(Screening.id).where(Screening.reference_code == code)) is None:
            return code


def by_token(token: str) -> Screening | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(Screening).where(Screening.resume_token_hash == codes.token_hash(token))
    )


@dataclass(frozen=True)
class ScreeningRow:
    """The few columns a page needs to show a step, and its answers as they were read
    with them (``answers_of`` gives them): read-only, cheap to load."""

    id: int
    reference_code: str
    status: str
    resume_token_hash: str
    answer_rows: tuple[tuple[str, str, Any], ...] = ()


# Statements on the busiest paths are built once: building and keying a select costs
# more than running it on SQLite.
# A step page needs the screening and its answers: one query, not two (on PostgreSQL a
# round trip saved on every page).
_LIGHT = (
    select(
        Screening.id,
        Screening.reference_code,
        Screening.status,
        Screening.resume_token_hash,
        Answer.questionnaire_key,
        Answer.item_id,
        Answer.value,
    )
    .outerjoin(Answer, Answer.screening_id == Screening.id)
    .where(Screening.id == bindparam("screening_id"))
)
_ANSWERS = select(Answer.questionnaire_key, Answer.item_id, Answer.value).where(
    Answer.screening_id == bindparam("screening_id")
)


def _rows(statement, **params):
    """Run a prebuilt Core statement in the session's transaction (after a flush)."""
    db.session.flush()
    return db.session.connection().execute(statement, params)


def light_by_id(screening_id: int) -> ScreeningRow | None:
    rows = _rows(_LIGHT, screening_id=screening_id).all()
    if not rows:
        return None
    answers = tuple((key, item, value) for *_, key, item, value in rows if key is not None)
    return ScreeningRow(*rows[0][:4], answer_rows=answers)


def by_code(text: str) -> Screening | None:
    """The screening with this reference code; None for anything else, typed or not."""
    code = codes.normalise_code(text)
    if code is None:
        return None
    return db.session.scalar(select(Screening).where(Screening.reference_code == code))


# A screening's pins never change. Keyed by id *and* reference code, so a row id reused
# after an erasure can never see another screening's entry.
# The definitions themselves are shared with ``content``'s cache, so an entry is small.
_pinned_cache: BoundedCache[tuple[int, str], tuple[Pinned, ...]] = BoundedCache(
    "pinned instruments", max_entries=4096, max_bytes=8 * 1024 * 1024
)
PINNED_BYTES = 512  # per instrument: the Pinned and VersionRef objects


def pinned(screening: Screening) -> tuple[Pinned, ...]:
    """The screening's instruments, in order, with the exact definitions they are pinned to."""
    key = (screening.id, screening.reference_code)
    cached = _pinned_cache.get(key)
    if cached is not None:
        return cached
    rows = db.session.execute(
        select(
            ContentVersion.id,
            ContentVersion.key,
            ContentVersion.version,
            ContentVersion.revision,
            ContentVersion.sha256,
        )
        .join(ScreeningInstrument, ScreeningInstrument.content_version_id == ContentVersion.id)
        .where(ScreeningInstrument.screening_id == screening.id)
        .order_by(ScreeningInstrument.position)
    ).all()
    refs = [content.VersionRef(*row) for row in rows]
    result = tuple(Pinned(ref.key, ref, content.definition_of(ref)) for ref in refs)
    if result:
        _pinned_cache.put(key, result, size=PINNED_BYTES * len(result))
    return result


_ANY_ANSWER = (
    select(Answer.screening_id).where(Answer.screening_id == bindparam("screening_id")).limit(1)
)


def has_answers(screening: Screening | ScreeningRow) -> bool:
    """True once the patient has saved at least one answer."""
    return _rows(_ANY_ANSWER, screening_id=screening.id).first() is not None


def answers_of(screening: Screening | ScreeningRow) -> dict[str, dict[str, Any]]:
    """The saved answers by questionnaire; for a ``ScreeningRow``, those read with it."""
    answers: dict[str, dict[str, Any]] = {p.key: {} for p in pinned(screening)}
    if isinstance(screening, ScreeningRow):
        rows = screening.answer_rows
    else:
        rows = _rows(_ANSWERS, screening_id=screening.id)
    for key, item_id, value in rows:
        answers.setdefault(key, {})[item_id] = value
    return answers


_TOUCH = (
    update(Screening)
    .where(Screening.id == bindparam("b_screening_id"), Screening.status == "draft")
    .values(updated_at=bindparam("b_now"))
)
_PAGE_ANSWERS = select(Answer.item_id, Answer.value).where(
    Answer.screening_id == bindparam("screening_id"),
    Answer.questionnaire_key == bindparam("key"),
)
_ANSWER_KEY = (
    (Answer.screening_id == bindparam("b_screening_id"))
    & (Answer.questionnaire_key == bindparam("b_key"))
    & (Answer.item_id == bindparam("b_item_id"))
)
_INSERT = Answer.__table__.insert()
_CHANGE = (
    update(Answer)
    .where(_ANSWER_KEY)
    .values(value=bindparam("b_value"), updated_at=bindparam("b_now"))
)
_REMOVE = delete(Answer).where(_ANSWER_KEY)


def store_section(screening_id: int, key: str, clean: Mapping[str, Any]) -> None:
    """Write checked answers of one page; other pages' answers are untouched.

    Call inside a write transaction. Raises ScreeningError when the screening was
    submitted meanwhile (a second tab), so a late page can never change a submission.
    Prebuilt Core statements keep the time under SQLite's write lock short.
    """
    now = utcnow()
    if not _rows(_TOUCH, b_screening_id=screening_id, b_now=now).rowcount:
        raise ScreeningError("this screening has already been submitted")
    existing = dict(_rows(_PAGE_ANSWERS, screening_id=screening_id, key=key).all())
    base = {"b_screening_id": screening_id, "b_key": key, "b_now": now}
    inserts, changes, removals = [], [], []
    for item_id, value in clean.items():
        if value is None:
            if item_id in existing:
                removals.append({**base, "b_item_id": item_id})
        elif item_id not in existing:
            inserts.append(
                {
                    "screening_id": screening_id,
                    "questionnaire_key": key,
                    "item_id": item_id,
                    "value": value,
                    "updated_at": now,
                }
            )
        elif existing[item_id] != value:
            changes.append({**base, "b_item_id": item_id, "b_value": value})
    connection = db.session.connection()
    for statement, rows in ((_INSERT, inserts), (_CHANGE, changes), (_REMOVE, removals)):
        if rows:
            connection.execute(statement, rows)


def results_of(screening: Screening, answers=None) -> dict[str, Result]:
    answers = answers if answers is not None else answers_of(screening)
    return {
        p.key: score(p.definition, check_answers(p.definition, answers.get(p.key, {})))
        for p in pinned(screening)
    }


def submit(screening: Screening) -> bool:
    """Submit once. Returns True for the request that submitted, False if it already was.

    The status change is a conditional UPDATE, so two racing requests (a double click)
    cannot both submit; results are written in the same transaction.
    """
    answers = answers_of(screening)
    if screening.status == "submitted":
        return False
    missing = first_open_step(plan(pinned(screening), answers), answers)
    if missing is not None:
        raise ScreeningError(f"step {missing.number} is not complete")
    changed = db.session.execute(
        update(Screening)
        .where(Screening.id == screening.id, Screening.status == "draft")
        .values(status="submitted", submitted_at=utcnow(), clinic_snapshot=clinic.current())
    ).rowcount
    if not changed:
        db.session.refresh(screening)
        return False
    db.session.execute(delete(ScreeningResult).where(ScreeningResult.screening_id == screening.id))
    versions = {p.key: p for p in pinned(screening)}
    for key, result in results_of(screening, answers).items():
        db.session.add(
            ScreeningResult(
                screening_id=screening.id,
                content_version_id=versions[key].version.id,
                questionnaire_key=key,
                outcome=result.outcome.value,
                shown_outcome=wording.shown_outcome(versions[key].definition, result),
                score=result.score,
                threshold=result.threshold,
                payload=result.to_json(),
            )
        )
    # The PDF summary is rendered by a worker once this transaction commits.
    render_jobs.request(screening.id)
    db.session.flush()
    db.session.refresh(screening)
    return True
