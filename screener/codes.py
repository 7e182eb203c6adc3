"""Reference codes a person can read aloud, and secret resume tokens.

Codes use an alphabet without look-alike characters (no 0/O, 1/I/L, 2/Z, 5/S, 8/B,
6/G), so a code read over the phone or copied from paper is not mistaken for another.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

ALPHABET = "ACDEFHJKMNPQRTUVWXY3479"
CODE_LENGTH = 12  # 23^12 ≈ 2^54 possible codes
TOKEN_BYTES = 24  # 192 bits


def new_reference_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """``ACDE-FHJK-MNPQ``: easier to read and copy."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


# What people put between a code's groups: spaces, and hyphens or the dashes a word
# processor or a phone's keyboard turns them into (en and em dash, minus sign, ...).
SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\ufe63\uff0d]")


def compact(text: str | None, length: int) -> str | None:
    """A typed code without its separators, in capitals; None when it cannot be a code
    of ``length`` characters of the alphabet."""
    cleaned = SEPARATORS.sub("", text or "").upper()
    if len(cleaned) != length or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def normalise_code(text: str) -> str | None:
    """The stored form of a typed reference code, or None when it cannot be one of ours."""
    return compact(text, CODE_LENGTH)


def new_resume_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """Only the hash is stored, so a database copy cannot be used to resume screenings."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
