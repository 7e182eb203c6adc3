"""Password hashing and policy.

argon2id with parameters above the OWASP minimum (m = 19 MiB, t = 2); hashes made
with weaker parameters are replaced at the next successful sign-in.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 1024

_hasher = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=1)


class PasswordRejected(ValueError):
    """The password does not meet the policy; the message says why."""


MIN_SCORE = 3  # zxcvbn's "safely unguessable" (about 10^8 guesses or more)
SCORED_CHARACTERS = 72  # the most zxcvbn scores; a longer password starts with these


def check_policy(password: str, user_inputs: tuple[str, ...] = ()) -> None:
    """At least 12 characters, and not easy to guess: an exact match of a list of common
    passwords let through "P@ssw0rd1234", "passwordpassword" and "123456123456". zxcvbn
    estimates the guesses (words, common passwords, keyboard runs, repeats, years,
    look-alike letters and ``user_inputs`` such as the account's e-mail address)."""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"Use at most {MAX_LENGTH} characters.")
    from zxcvbn import zxcvbn

    estimate = zxcvbn(password[:SCORED_CHARACTERS], user_inputs=list(user_inputs))
    if estimate["score"] < MIN_SCORE or len(set(password)) < 4:
        warning = estimate["feedback"]["warning"]
        raise PasswordRejected(
            "This password is too common or too easy to guess"
            + (f": {warning.rstrip('.').lower()}" if warning else "")
            + ". Try four or more words that do not go together, with a number or a symbol."
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def dummy_verify(password: str) -> None:
    """Spend the time of a real check, so an unknown account answers like a wrong password."""
    verify(_dummy_hash(), password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("not-a-real-password-for-timing")
