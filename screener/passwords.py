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


@cache
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def check_policy(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"Use at most {MAX_LENGTH} characters.")
    lowered = password.lower()
    if lowered in _common() or len(set(password)) < 4:
        raise PasswordRejected("This password is too common. Choose a less predictable one.")


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
