"""Invitations: a clinic asks one patient to screen themself, without any mail server.

An invitation is delivered as a link (copied, or printed on a letter with a QR code)
and as a short kiosk code the patient types on the landing page. Both stay usable, any
number of times, until the screening they start is submitted, the invitation expires
or someone revokes it:

- opening the link (GET or HEAD, as mail scanners and link previews do) only records
  that it was opened; starting is a POST after consent;
- the link token has 192 bits (``codes.new_resume_token``) and only its SHA-256 is kept,
  as for resume tokens; the 8-character code has far fewer bits, so it is kept as an
  HMAC keyed from ``SECRET_KEY`` (a stolen database alone does not give the codes away)
  and failed code attempts are rate-limited by the view;
- the clinic's label is health data: sealed with Fernet (key derived from
  ``SECRET_KEY``) and never written to the audit trail or a log.

Callers hold the write transaction (``screener.unit_of_work``); every function that
changes a row says so. Times come from ``utcnow`` in this module, which tests replace.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import bindparam, or_, select, update

from screener import clinic_time, codes, paging, unit_of_work
from screener.database import utcnow
from screener.extensions import db
from screener.models import Invitation, InvitationSeries, Screening
from screener.models.invitation import STATES
from screener.services import content, screenings

DEFAULT_DAYS = 14
MAX_DAYS = 90
MAX_LABEL = 80
MAX_EVERY_WEEKS = 26  # half a year between screens
MAX_TIMES = 12
CODE_LENGTH = 8  # 23^8 ≈ 2^36: typed by hand; guessing is rate-limited
UNREADABLE = "(label unreadable: the secret key changed)"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class InvitationError(ValueError):
    """An invitation cannot be made, found or used as asked; the message says why, and
    ``field`` names the form field it is about, when it is about one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- keys -------------------------------------------------------------------------


def _key(purpose: bytes) -> bytes:
    """32 bytes for ``purpose``, derived from the app's secret key once and kept."""
    secret = current_app.secret_key
    kept = current_app.extensions.setdefault("invitation_keys", {})
    if kept.get(purpose, (None,))[0] != secret:
        raw = secret.encode() if isinstance(secret, str) else secret
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(raw)
        kept[purpose] = (secret, derived)
    return kept[purpose][1]


def _fernet(purpose: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_key(purpose)))


def seal(text: str, purpose: bytes) -> str:
    """``text`` encrypted with the key for ``purpose`` (labels, tokens, e-mail addresses
    each have their own), for storing beside an invitation."""
    return _fernet(purpose).encrypt(text.encode("utf-8")).decode("ascii")


def unseal(sealed: str | None, purpose: bytes) -> str | None:
    """What ``seal`` stored; None when nothing was, or it cannot be read (the secret key
    changed)."""
    if not sealed:
        return None
    try:
        return _fernet(purpose).decrypt(sealed.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError, ValueError):
        return None


LABEL = b"screener invitation label"
RESUME = b"screener invitation resume token"
CODE = b"screener invitation kiosk code"


# --- codes --------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(codes.ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """``ACDE-FHJK``: two halves are easier to read out and type."""
    return f"{code[:4]}-{code[4:]}"


def normalise_code(text: str | None) -> str | None:
    """The stored form of a typed kiosk code, or None when it cannot be one."""
    return codes.compact(text, CODE_LENGTH)


def code_hash(code: str) -> str:
    return hmac.new(_key(CODE), code.encode("ascii"), hashlib.sha256).hexdigest()


# --- checking what a clinic asks for ------------------------------------------------


def clean_label(text: str | None) -> str | None:
    """The label as stored (trimmed), None when empty; refuse control characters."""
    label = (text or "").strip()
    if not label:
        return None
    if _CONTROL.search(label):
        raise InvitationError(
            "A label cannot hold control characters (such as NUL or tab).", "label"
        )
    if len(label) > MAX_LABEL:
        raise InvitationError(f"Keep the label to {MAX_LABEL} characters.", "label")
    return label


def instrument_names() -> dict[str, str]:
    """What the patient's invitation page, the letter and the list call each
    questionnaire: a screen by its landing-page choice ("Attention and restlessness
    (adult ADHD, 18 questions)"); the others by their short title, since their choice
    reads as an aside ("Also answer a few questions about …")."""
    return {
        key: d.offer.label if d.kind == "screen" else d.short_title for key, d in content.offered()
    }


def short_names() -> dict[str, str]:
    """Each questionnaire by its short title ("ADHD (ASRS v1.1)"): the invitations list
    names several in one narrow column, where the landing-page choices crowded out the
    labels."""
    return {key: d.short_title for key, d in content.offered()}


def choices() -> list[tuple[str, str, bool]]:
    """(key, label, ticked by default) of each questionnaire an invitation may offer."""
    return [(key, d.offer.label, bool(d.offer.default)) for key, d in content.offered()]


def check_instruments(keys: Iterable[str] | None) -> list[str]:
    """The chosen questionnaires in the landing page's order; the defaults when none."""
    offered = content.offered()
    known = {key: definition for key, definition in offered}
    keys = list(keys or [])
    unknown = sorted(set(keys) - set(known))
    if unknown:
        raise InvitationError(
            f"Unknown questionnaire {', '.join(unknown)}; choose from {', '.join(known)}.",
            "instruments",
        )
    chosen = (
        [key for key, _ in offered if key in keys]
        if keys
        else [key for key, definition in offered if definition.offer.default]
    )
    if not any(known[key].kind == "screen" for key in chosen):
        raise InvitationError("Choose at least one screening questionnaire.", "instruments")
    return chosen


def check_days(days: int) -> int:
    if not 1 <= days <= MAX_DAYS:
        raise InvitationError(f"An invitation lasts 1 to {MAX_DAYS} days.")
    return days


def check_series(every_weeks: int | None, times: int | None, days: int) -> tuple[int, int] | None:
    """(every W weeks, K times) for a series, None for a single invitation.

    Each invitation of a series must end before the next one opens, so that the link
    always has one due invitation: it lasts at most W weeks.
    """
    if every_weeks is None and times is None:
        return None
    if every_weeks is None or times is None:
        raise InvitationError(
            "For repeat screens, give both how many weeks apart and how many times.",
            "every_weeks" if every_weeks is None else "times",
        )
    if not 1 <= every_weeks <= MAX_EVERY_WEEKS:
        raise InvitationError(
            f"Repeat screens are 1 to {MAX_EVERY_WEEKS} weeks apart.", "every_weeks"
        )
    if not 2 <= times <= MAX_TIMES:
        raise InvitationError(f"A series has 2 to {MAX_TIMES} screenings.", "times")
    if days > 7 * every_weeks:
        raise InvitationError(
            f"In a series, each invitation lasts at most the gap between screenings "
            f"({7 * every_weeks} days).",
            "days",
        )
    return every_weeks, times


# --- making and finding -------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    """A new invitation with its link token and kiosk code: shown once, never stored."""

    invitation: Invitation
    token: str
    code: str
    # For a series: the series and (place, opens at, expires at) of each of its
    # invitations; ``invitation`` is then the first, and the link and code the series'.
    series: InvitationSeries | None = None
    schedule: tuple[tuple[int, dt.datetime, dt.datetime], ...] = ()


def create_from(
    label: str | None,
    instruments: Sequence[str] | None,
    days: int,
    repeat: tuple[int, int] | None,
    created_by: str,
) -> Issued:
    """A single invitation, or a series when ``repeat`` is (every W weeks, K times)."""
    if repeat is None:
        return create(label, instruments, days, created_by)
    made = create_series(label, instruments, days, repeat[0], repeat[1], created_by)
    schedule = tuple(
        (row.series_position or 0, row.opens_at or row.created_at, row.expires_at)
        for row in made.invitations
    )
    return Issued(made.invitations[0], made.token, made.code, made.series, schedule)


def audit_detail(issued: Issued, days: int) -> str:
    """What the audit row says of a new invitation: questionnaires, days, any series."""
    detail = f"{','.join(issued.invitation.instruments)}; {days} days"
    if issued.series is not None:
        detail += (
            f"; series {issued.series.id}: {issued.series.times} times, "
            f"every {issued.series.every_weeks} weeks"
        )
    return detail


def create(
    label: str | None, instruments: Sequence[str] | None, days: int, created_by: str
) -> Issued:
    """Store a new invitation (inside a write transaction)."""
    label = clean_label(label)
    chosen = check_instruments(instruments)
    check_days(days)
    token = codes.new_resume_token()
    code = _unused_code()
    now = utcnow()
    invitation = Invitation(
        token_hash=codes.token_hash(token),
        code_hash=code_hash(code),
        label_sealed=seal(label, LABEL) if label else None,
        instruments=chosen,
        created_by=created_by,
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    db.session.add(invitation)
    db.session.flush()
    return Issued(invitation, token, code)


@dataclass(frozen=True)
class IssuedSeries:
    """A new series with its link token and kiosk code: shown once, never stored."""

    series: InvitationSeries
    invitations: tuple[Invitation, ...]
    token: str
    code: str


def create_series(
    label: str | None,
    instruments: Sequence[str] | None,
    days: int,
    every_weeks: int,
    times: int,
    created_by: str,
) -> IssuedSeries:
    """Store a series of ``times`` invitations ``every_weeks`` apart (inside a write).

    The first is usable at once; the others from their dates. Each is an ordinary
    invitation (one screening each), with link and code hashes of random values that
    are never shown: the patient uses the series' link and code, which open the one
    that is due.
    """
    label = clean_label(label)
    chosen = check_instruments(instruments)
    check_days(days)
    check_series(every_weeks, times, days)
    token = codes.new_resume_token()
    code = _unused_code()
    now = utcnow()
    series = InvitationSeries(
        token_hash=codes.token_hash(token),
        code_hash=code_hash(code),
        every_weeks=every_weeks,
        times=times,
        created_by=created_by,
        created_at=now,
    )
    db.session.add(series)
    db.session.flush()
    members = []
    # Each screening opens at the same time of day on the clinic's clock, whatever
    # summer time does in between, and is open for whole days of that clock.
    clock = clinic_time.current()
    for position in range(1, times + 1):
        opens_at = now if position == 1 else clock.later(now, weeks=every_weeks * (position - 1))
        member = Invitation(
            token_hash=codes.token_hash(codes.new_resume_token()),
            code_hash=code_hash(secrets.token_hex(16)),
            label_sealed=seal(label, LABEL) if label else None,
            instruments=chosen,
            created_by=created_by,
            created_at=now,
            expires_at=clock.later(opens_at, days=days),
            series_id=series.id,
            series_position=position,
            opens_at=opens_at,
        )
        db.session.add(member)
        members.append(member)
    db.session.flush()
    return IssuedSeries(series, tuple(members), token, code)


def _unused_code() -> str:
    """A kiosk code that no invitation and no series has yet."""
    while True:
        code = new_code()
        hashed = code_hash(code)
        taken = select(Invitation.id).where(Invitation.code_hash == hashed)
        taken_by_series = select(InvitationSeries.id).where(InvitationSeries.code_hash == hashed)
        if db.session.scalar(taken) is None and db.session.scalar(taken_by_series) is None:
            return code


def series_by_token(token: str | None) -> InvitationSeries | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(InvitationSeries).where(InvitationSeries.token_hash == codes.token_hash(token))
    )


def series_by_code(text: str | None) -> InvitationSeries | None:
    code = normalise_code(text)
    if code is None:
        return None
    return db.session.scalar(
        select(InvitationSeries).where(InvitationSeries.code_hash == code_hash(code))
    )


def members(series: InvitationSeries) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.series_id == series.id)
            .order_by(Invitation.series_position)
        )
    )


@dataclass(frozen=True)
class Due:
    """What a series' link opens now: the due invitation, or when the next one opens."""

    invitation: Invitation | None
    next_opens_at: dt.datetime | None
    position: int | None
    times: int
    # With no invitation and no next date: the clinic revoked the series' last one.
    cancelled: bool = False


def due(series: InvitationSeries) -> Due:
    """The invitation of the series to open now: the first one that can still be used.

    None with ``next_opens_at`` when the next one's date has not come (an early open);
    None with neither when every invitation of the series has ended.
    """
    now = utcnow()
    rows = members(series)
    for row in rows:
        current = row.state(now)
        if current in ("issued", "opened", "started"):
            return Due(row, None, row.series_position, series.times)
        if current == "scheduled":
            return Due(None, row.opens_at, row.series_position, series.times)
    cancelled = bool(rows) and rows[-1].state(now) == "revoked"
    return Due(None, None, None, series.times, cancelled)


def by_token(token: str | None) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(Invitation).where(Invitation.token_hash == codes.token_hash(token))
    )


def by_code(text: str | None) -> Invitation | None:
    code = normalise_code(text)
    if code is None:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.code_hash == code_hash(code)))


def by_code_or_id(text: str) -> Invitation | None:
    """For the CLI: a kiosk code (``ACDE-FHJK``) or the number the list shows."""
    text = (text or "").strip()
    if text.isascii() and text.isdigit() and len(text) < 10:
        return db.session.get(Invitation, int(text))
    return by_code(text)


def label_of(invitation: Invitation) -> str | None:
    if invitation.label_sealed is None:
        return None
    return unseal(invitation.label_sealed, LABEL) or UNREADABLE


def state(invitation: Invitation) -> str:
    return invitation.state(utcnow())


def reference(invitation: Invitation) -> str:
    """How the audit trail names an invitation: its number, never its label or code."""
    return reference_to(invitation.id)


def reference_to(invitation_id: int) -> str:
    return f"invitation {invitation_id}"


# --- the lifecycle --------------------------------------------------------------------


def mark_opened(invitation: Invitation) -> bool:
    """Record the first opening (inside a write); True when this call recorded it."""
    changed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.opened_at.is_(None))
        .values(opened_at=utcnow())
    ).rowcount
    db.session.refresh(invitation)
    return bool(changed)


def start(invitation: Invitation) -> tuple[Screening, str]:
    """Start the invitation's screening (inside a write): at most once, while usable.

    The conditional UPDATE lets only one of two racing requests (a double click, two
    devices) tie its screening to the invitation; the other raises and its write is
    rolled back by the unit of work.
    """
    current = state(invitation)
    if current not in ("issued", "opened"):
        raise InvitationError(current)
    try:
        screening, token = screenings.start(invitation.instruments)
    except screenings.ScreeningError as exc:
        raise InvitationError("unavailable") from exc
    now = utcnow()
    changed = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.screening_id.is_(None),
            Invitation.started_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
            or_(Invitation.opens_at.is_(None), Invitation.opens_at <= now),
        )
        .values(
            screening_id=screening.id,
            started_at=now,
            opened_at=invitation.opened_at or now,
            resume_sealed=seal(token, RESUME),
        )
    ).rowcount
    if not changed:
        raise InvitationError("started")
    db.session.refresh(invitation)
    return screening, token


def resume_token(invitation: Invitation) -> str | None:
    """The resume token of the screening the invitation started, while it may go on."""
    if state(invitation) != "started":
        return None
    return unseal(invitation.resume_sealed, RESUME)


def of_screening(screening_id: int) -> Invitation | None:
    """The invitation that started this screening; None for one started from the
    landing page."""
    return db.session.scalar(select(Invitation).where(Invitation.screening_id == screening_id))


class InvitationEnded(InvitationError):
    """The screening came from an invitation that was revoked: it can no longer be
    continued or submitted. ``state`` says so."""

    def __init__(self, invitation: Invitation, state: str) -> None:
        super().__init__(f"invitation {invitation.id} is {state}")
        self.invitation, self.state = invitation, state


# Asked on every save of a patient's answers: a prebuilt point lookup by screening.
_REVOKED = select(Invitation.id, Invitation.revoked_at).where(
    Invitation.screening_id == bindparam("screening_id")
)


def check_not_revoked(screening_id: int) -> None:
    """Raise InvitationEnded when this screening's invitation was revoked (inside the
    write that saves or submits it): the revoke page tells the clinic that the patient
    can no longer continue, and revoking is how a clinic stops a screening sent to the
    wrong person. An expiry does not stop a patient already answering (they may finish
    in that browser); a screening started from the landing page passes."""
    row = db.session.connection().execute(_REVOKED, {"screening_id": screening_id}).first()
    if row is not None and row.revoked_at is not None:
        raise InvitationEnded(db.session.get(Invitation, row.id), "revoked")


def complete_for(screening_id: int) -> Invitation | None:
    """Mark the invitation that started this screening completed (inside the write that
    submits it); None for a screening started from the landing page."""
    invitation = of_screening(screening_id)
    if invitation is None or invitation.completed_at is not None:
        return None
    invitation.completed_at = utcnow()
    invitation.resume_sealed = None  # no longer needed: the invitation is used up
    db.session.flush()
    return invitation


def _end(invitation: Invitation, now: dt.datetime) -> None:
    invitation.revoked_at = now
    invitation.resume_sealed = None
    # Nothing more is e-mailed about it: the patient's address goes at once.
    invitation.email_sealed = invitation.link_sealed = None


def revoke(invitation: Invitation) -> None:
    """Revoke (inside a write). A completed screening stays; only the invitation ends."""
    current = state(invitation)
    if current in ("revoked", "completed"):
        raise InvitationError(f"This invitation is already {current}.")
    _end(invitation, utcnow())
    db.session.flush()


# States in which an invitation can still lead to a screening; the others have ended.
OPEN_STATES = ("scheduled", "issued", "opened", "started")
ENDED_STATES = tuple(state for state in STATES if state not in OPEN_STATES)


def revoke_series(series: InvitationSeries) -> list[int]:
    """Revoke every invitation of the series that has not ended (inside a write): the
    series' link and code then say it was cancelled. Completed screenings stay. Returns
    the numbers of the invitations revoked."""
    now = utcnow()
    revoked = []
    for row in members(series):
        if row.state(now) in OPEN_STATES:
            _end(row, now)
            revoked.append(row.id)
    if not revoked:
        raise InvitationError("Every invitation of this series has already ended.")
    db.session.flush()
    return revoked


def revoke_audited(
    target: Invitation | InvitationSeries, actor: str | None = None
) -> tuple[list[int], str | None]:
    """Revoke an invitation, or what is left of a series, as one audited change, for the
    portal and the CLI alike. Returns (the invitations revoked, None), or ([], why it was
    refused); a refusal is audited too."""
    is_series = isinstance(target, InvitationSeries)
    action = "invitation.series_revoke" if is_series else "invitation.revoke"
    name = series_reference(target) if is_series else reference(target)
    revoked: list[int] = []
    with unit_of_work.change(action, reference=name, actor=actor) as work:
        try:
            if is_series:
                revoked = revoke_series(target)
                work.detail = "invitations " + ", ".join(map(str, revoked))
            else:
                revoke(target)
                revoked = [target.id]
        except InvitationError as exc:
            work.refuse(str(exc))
    return (revoked, None) if work.refused is None else ([], work.refused)


def numbered(ids: list[int]) -> str:
    """ "invitation 5", "invitations 5, 6": as messages name what was revoked."""
    return ("invitation " if len(ids) == 1 else "invitations ") + ", ".join(map(str, ids))


def series_of(invitation: Invitation) -> InvitationSeries | None:
    if invitation.series_id is None:
        return None
    return db.session.get(InvitationSeries, invitation.series_id)


def series_reference(series: InvitationSeries) -> str:
    """How the audit trail names a series: its number only."""
    return f"invitation series {series.id}"


# --- lists --------------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    id: int
    label: str | None
    state: str
    instruments: tuple[str, ...]
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    screening_id: int | None
    # "2 of 3" for an invitation of a series; "" for a single one.
    series: str = ""
    opens_at: dt.datetime | None = None
    series_id: int | None = None
    # What became of the e-mail and its reminder, "" when none was asked for.
    delivery: str = ""


PAGE_SIZE = 100


@dataclass(frozen=True)
class ListPage:
    rows: list[Listed]
    total: int  # invitations in the wanted state (all of them without one)
    number: int
    pages: int


def listing(wanted_state: str = "", page: int = 1, size: int | None = None) -> ListPage:
    """One page of invitations, newest first, with their labels and states, optionally
    of one state. The state is chosen in SQL, so the pages hold every invitation in it."""
    size = size or PAGE_SIZE
    if wanted_state and wanted_state not in STATES:
        raise InvitationError("Choose a state from the list.")
    now = utcnow()
    query = select(Invitation)
    if wanted_state:
        query = query.where(Invitation.in_state(wanted_state, now))
    shown = paging.window(query, page, size)
    rows = list(db.session.scalars(shown.of(query.order_by(Invitation.id.desc()))))
    return ListPage(_listed(rows, now), shown.total, shown.number, shown.pages)


MAX_FOUND = 200  # a label search shows its matches on one page (no label in URLs)


def labelled(term: str) -> ListPage:
    """Invitations whose label contains ``term`` (any case), newest first, on one page.

    Labels are encrypted, so the database cannot search them: each is opened here, as
    for the worklist's label search (``screenings_labelled``).
    """
    rows = db.session.execute(
        select(Invitation.id, Invitation.label_sealed)
        .where(Invitation.label_sealed.is_not(None))
        .order_by(Invitation.id.desc())
    )
    ids = _labels_containing(term, rows)
    found = ids[:MAX_FOUND]
    chosen = db.session.scalars(
        select(Invitation).where(Invitation.id.in_(found)).order_by(Invitation.id.desc())
    ).all()
    return ListPage(_listed(list(chosen), utcnow()), len(ids), 1, 1)


def _listed(rows: list[Invitation], now: dt.datetime) -> list[Listed]:
    """The list's rows for these invitations: labels opened, states, series places."""
    from screener.services import invitation_mail  # it builds on this module

    series_ids = {row.series_id for row in rows if row.series_id is not None}
    times = dict(
        db.session.execute(
            select(InvitationSeries.id, InvitationSeries.times).where(
                InvitationSeries.id.in_(series_ids)
            )
        ).all()
        if series_ids
        else []
    )
    return [
        Listed(
            row.id,
            label_of(row),
            row.state(now),
            tuple(row.instruments),
            row.created_by,
            row.created_at,
            row.expires_at,
            row.screening_id,
            f"{row.series_position} of {times.get(row.series_id)}" if row.series_id else "",
            row.opens_at,
            row.series_id,
            invitation_mail.delivery(row),
        )
        for row in rows
    ]


def labels_for(screening_ids: Iterable[int]) -> dict[int, str | None]:
    """{screening id: label} for the screenings that came from an invitation."""
    ids = list(screening_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Invitation.screening_id, Invitation.label_sealed).where(
            Invitation.screening_id.in_(ids)
        )
    )
    return {
        screening_id: (unseal(sealed, LABEL) or UNREADABLE) if sealed else None
        for screening_id, sealed in rows
    }


def screenings_labelled(term: str) -> set[int]:
    """Ids of screenings whose invitation's label contains ``term`` (any case).

    Labels are encrypted, so the database cannot search them: each is opened here. A
    clinic has hundreds or a few thousand invitations, which takes milliseconds.
    """
    rows = db.session.execute(
        select(Invitation.screening_id, Invitation.label_sealed).where(
            Invitation.screening_id.is_not(None), Invitation.label_sealed.is_not(None)
        )
    )
    return set(_labels_containing(term, rows))


def _labels_containing(term: str, rows: Iterable[tuple[int, str]]) -> list[int]:
    """The keys of (key, sealed label) rows whose label contains ``term``, any case, in
    the rows' order: the one way labels are searched."""
    wanted = term.strip().casefold()
    return [key for key, sealed in rows if wanted in (unseal(sealed, LABEL) or "").casefold()]


def invited_screenings():
    """A clause: the screening came from an invitation (for the worklist's filter)."""
    return Screening.id.in_(
        select(Invitation.screening_id).where(Invitation.screening_id.is_not(None))
    )
