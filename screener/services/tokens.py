"""Service tokens for the API: made, listed, revoked, and checked on every call.

A token looks like ``scrn_<40 random characters><6-character checksum>``. The prefix
makes a leaked token recognisable to secret scanners and people; the checksum (CRC32
of the random part) lets a mistyped or truncated token be refused without a database
read. Only the SHA-256 of the whole token is stored: tokens carry 238 bits from
``secrets``, so a fast hash is enough (as for the patients' resume tokens).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import zlib
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from screener.codes import token_hash
from screener.database import WRITE, utcnow
from screener.extensions import db
from screener.models import ServiceToken

log = logging.getLogger(__name__)

PREFIX = "scrn_"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SECRET_LENGTH = 40  # 62^40 ≈ 2^238
CHECK_LENGTH = 6  # CRC32 < 62^6
TOKEN_LENGTH = len(PREFIX) + SECRET_LENGTH + CHECK_LENGTH
HINT_LENGTH = len(PREFIX) + 6

SCOPES = {
    "screenings:read": "list and read submitted screenings, the CSV export and the definitions",
    "pdf:read": "download a screening's PDF summary",
    "fhir:read": "export a screening as a FHIR R4 Bundle",
    "audit:read": "read the audit log",
    "invitations:write": "reserved for sending invitations (no endpoint uses it yet)",
}
MAX_DAYS = 365
DEFAULT_DAYS = 90
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,59}$")
# ``last_used_at`` is written at most this often per token, so a busy client does not
# turn every read into a write.
LAST_USED_EVERY = dt.timedelta(minutes=1)


class TokenError(ValueError):
    """A token cannot be made or revoked as asked; the message says why."""


@dataclass(frozen=True)
class Caller:
    """The token a request came with, once it is known to be usable."""

    id: int
    name: str
    scopes: frozenset[str]


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, remainder = divmod(number, 62)
        digits.append(BASE62[remainder])
    return "".join(reversed(digits))


def _checksum(secret: str) -> str:
    return _base62(zlib.crc32(secret.encode("ascii")), CHECK_LENGTH)


def new_token() -> str:
    secret = "".join(secrets.choice(BASE62) for _ in range(SECRET_LENGTH))
    return PREFIX + secret + _checksum(secret)


def well_formed(token: str) -> bool:
    """True when ``token`` has our prefix, length, alphabet and a matching checksum."""
    if len(token) != TOKEN_LENGTH or not token.startswith(PREFIX):
        return False
    body = token[len(PREFIX) :]
    if any(character not in BASE62 for character in body):
        return False
    secret, check = body[:SECRET_LENGTH], body[SECRET_LENGTH:]
    return secrets.compare_digest(_checksum(secret), check)


def check_new(name: str, scopes: list[str] | tuple[str, ...], days: int) -> None:
    """Raise TokenError when a token could not be made with these values."""
    if not NAME.match(name or ""):
        raise TokenError(
            "A name is 1 to 60 letters, digits, dots, dashes or underscores, "
            "starting with a letter or digit."
        )
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise TokenError(
            f"Unknown scope {', '.join(unknown)}; choose from {', '.join(SCOPES)}."
            if unknown
            else f"Give at least one scope: {', '.join(SCOPES)}."
        )
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(f"A token lasts 1 to {MAX_DAYS} days.")
    if active_named(name) is not None:
        raise TokenError(f"A token named {name!r} exists; revoke it first or choose another name.")


def create(
    name: str, scopes: list[str] | tuple[str, ...], days: int, created_by: str
) -> tuple[ServiceToken, str]:
    """Store a new token and return it with the token text (shown once, never stored)."""
    check_new(name, scopes, days)
    token = new_token()
    now = utcnow()
    row = ServiceToken(
        name=name,
        token_hash=token_hash(token),
        hint=token[:HINT_LENGTH],
        scopes=sorted(set(scopes)),
        created_by=created_by,
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    db.session.add(row)
    db.session.flush()
    return row, token


def active_named(name: str) -> ServiceToken | None:
    return db.session.scalar(
        select(ServiceToken).where(ServiceToken.name == name, ServiceToken.revoked_at.is_(None))
    )


def all_tokens() -> list[ServiceToken]:
    """Every token, usable ones first, newest first."""
    return list(
        db.session.scalars(
            select(ServiceToken).order_by(
                ServiceToken.revoked_at.is_not(None), ServiceToken.id.desc()
            )
        )
    )


def revoke(name: str) -> ServiceToken:
    """Revoke the token named ``name``; it stops working on its next call."""
    row = active_named(name)
    if row is None:
        raise TokenError(f"No usable token is named {name!r}.")
    row.revoked_at = utcnow()
    db.session.flush()
    return row


def authenticate(token: str) -> tuple[Caller | None, str]:
    """The caller for ``token``, or None with the reason (for the audit trail).

    Reads on its own connection, so the request's session stays read-only, then records
    the time of use in a short write transaction of its own (on SQLite one that takes
    the write lock up front: a read that turns into a write would fail under load). A
    last-use time that cannot be written is logged and does not refuse the call.
    """
    if not well_formed(token):
        return None, "malformed"
    now = utcnow()
    with Session(db.engine) as session:
        row = session.scalar(
            select(ServiceToken).where(ServiceToken.token_hash == token_hash(token))
        )
        if row is None:
            return None, "unknown"
        state = row.state(now)
        if state != "active":
            return None, state
        caller = Caller(row.id, row.name, frozenset(row.scopes))
        stale = row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY
    if stale:
        try:
            writing = db.engine.connect().execution_options(**{WRITE: True})
            with writing as connection, connection.begin():
                connection.execute(
                    update(ServiceToken)
                    .where(ServiceToken.id == caller.id)
                    .values(last_used_at=now)
                )
        except SQLAlchemyError as exc:
            log.warning("last use of token %s not recorded (%s)", caller.name, type(exc).__name__)
    return caller, "ok"
