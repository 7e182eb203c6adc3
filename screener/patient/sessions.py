"""Which screening this browser has open: short-lived, and no readable secret in it.

A patient may be at a library or clinic computer that the next person uses. So:

- the cookie is a browser-session cookie (never ``permanent``), and the open screening
  ends after ``PATIENT_IDLE_SECONDS`` (two hours, in ``screener.config``) without a
  request, renewed while the patient is active; "Finish" on the results page ends it;
- Flask's cookie is signed, not encrypted, so the resume token is kept in it only
  *sealed* (Fernet: AES with an HMAC, under a key derived from ``SECRET_KEY``). Reading
  the cookie gives nothing that reopens the screening from elsewhere or later;
- pages carry the same sealed token in a hidden field, so a patient whose cookie was
  lost can press Continue again; a sealed token older than the idle limit is refused.

The raw token is shown once, on the page after consent, as the private resume link.
"""

from __future__ import annotations

import base64
import time
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, request, session

RENEW_AFTER_SECONDS = 60  # re-sign the cookie at most once a minute while active
# The invitation (or series) whose kiosk code was typed in this browser, and when it was
# last used: held by the same idle rule as an open screening, and ended by "Finish".
INVITATION = "invitation_id"
SERIES = "invitation_series_id"
_INVITATION_KEYS = (INVITATION, SERIES, "invitation_seen")
KEYS = ("screening_id", "resume", "patient_seen", *_INVITATION_KEYS)


def _fernet() -> Fernet:
    """The app's cipher, derived from its secret key once (kept with the app)."""
    secret = current_app.secret_key
    kept = current_app.extensions.get("patient_sessions")
    if kept is not None and kept[0] == secret:
        return kept[1]
    raw = secret.encode() if isinstance(secret, str) else secret
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"screener patient resume token"
    ).derive(raw)
    fernet = Fernet(base64.urlsafe_b64encode(key))
    current_app.extensions["patient_sessions"] = (secret, fernet)
    return fernet


def seal(token: str) -> str:
    """The resume token, encrypted and dated, for the cookie and the pages' hidden field."""
    return _fernet().encrypt(token.encode()).decode("ascii")


def unseal(sealed: object, *, any_age: bool = False) -> str | None:
    """The token inside ``sealed`` if we sealed it, and (unless ``any_age``) within the
    idle limit. The cookie's token passes ``any_age``: its age is the idle clock's."""
    if not isinstance(sealed, str) or not sealed or len(sealed) > 500:
        return None
    ttl = None if any_age else current_app.config["PATIENT_IDLE_SECONDS"]
    try:
        return _fernet().decrypt(sealed.encode("ascii"), ttl=ttl).decode()
    except (InvalidToken, UnicodeError, ValueError):
        return None


def remember(screening_id: int, token: str) -> None:
    """Open ``screening_id`` on this browser; nothing else of the old session survives."""
    session.clear()
    session["screening_id"] = screening_id
    session["resume"] = seal(token)
    session["patient_seen"] = int(time.time())


def forget() -> None:
    for key in KEYS:
        session.pop(key, None)


def has_screening() -> bool:
    return "screening_id" in session


def has_open() -> bool:
    return "screening_id" in session or INVITATION in session or SERIES in session


def hold_invitation(kind: str, ident: int) -> None:
    """Hold the invitation (``INVITATION``) or series (``SERIES``) whose kiosk code was
    typed here, in place of any other."""
    for key in _INVITATION_KEYS:
        session.pop(key, None)
    session[kind] = ident
    session["invitation_seen"] = int(time.time())


def held_invitation(kind: str) -> int | None:
    """The invitation or series held here, or None; after ``PATIENT_IDLE_SECONDS``
    without use it is let go, so the next person at a shared computer cannot start or
    continue it from the code the last one typed."""
    ident = session.get(kind)
    if not isinstance(ident, int):
        return None
    if not _still_active("invitation_seen"):
        for key in _INVITATION_KEYS:
            session.pop(key, None)
        return None
    return ident


def _still_active(seen_key: str) -> bool:
    """False once the time under ``seen_key`` is missing or older than the idle limit;
    otherwise True, and the idle clock is renewed (at most once a minute)."""
    seen, idle = session.get(seen_key), current_app.config["PATIENT_IDLE_SECONDS"]
    now = int(time.time())
    if not isinstance(seen, int) or now - seen > idle:
        return False
    if now - seen >= min(RENEW_AFTER_SECONDS, idle // 4):
        session[seen_key] = now
    return True


def current() -> tuple[int, str] | None:
    """(screening id, resume token) of the open screening, or None once it has ended.

    Ends it here when it has been idle too long; otherwise renews the idle clock.
    """
    screening_id = session.get("screening_id")
    token = unseal(session.get("resume"), any_age=True)
    if not isinstance(screening_id, int) or token is None or not _still_active("patient_seen"):
        forget()
        return None
    return screening_id, token


def same_site_post() -> bool:
    """True when this POST comes from one of our own pages.

    Browsers send ``Origin`` with every cross-site POST (and ``Referer`` unless told not
    to); a page of another site cannot make them name ours. Used before the pages'
    hidden token may reopen a screening, so another site cannot plant its own
    screening in a patient's browser.
    """
    ours = urlsplit(request.host_url)
    origin = request.headers.get("Origin")
    if origin is not None:
        parts = urlsplit(origin)
        return (parts.scheme, parts.netloc) == (ours.scheme, ours.netloc)
    referer = urlsplit(request.headers.get("Referer", ""))
    return (referer.scheme, referer.netloc) == (ours.scheme, ours.netloc)
