"""Sending one e-mail through the clinic's SMTP server (optional: ``SCREENER_SMTP_HOST``).

Python's own ``smtplib`` and ``email`` do the work: SMTP needs nothing more, and every
extension for Flask wraps the same two modules. A send either reaches the server, which
accepted every recipient, or raises ``MailError`` with the exception's type name only
(its text may quote an address); callers record that and never report the message as
sent. Nothing here logs an address or a message.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

from screener.config import ConfigError

SECURITY = ("starttls", "tls", "none")
TIMEOUT_SECONDS = 10


class MailError(Exception):
    """The message was not accepted; ``str()`` is the cause's type name."""


def enabled() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def check(config) -> None:
    """Refuse to start with SMTP half set up: a clinic would believe e-mails go out."""
    if not config.get("SMTP_HOST"):
        return
    if config.get("SMTP_SECURITY") not in SECURITY:
        raise ConfigError("SCREENER_SMTP_SECURITY must be starttls, tls or none")
    sender = config.get("SMTP_FROM") or ""
    if "@" not in sender or any(c in sender for c in "\r\n"):
        raise ConfigError(
            "SCREENER_SMTP_FROM must be the address invitations come from, for example "
            "screening@clinic.example"
        )


def send(to: str, subject: str, body: str) -> None:
    """Send a plain-text message to ``to``; raises ``MailError`` unless it was accepted."""
    config = current_app.config
    message = EmailMessage()
    try:
        message["From"] = config["SMTP_FROM"]
        message["To"] = to
        message["Subject"] = subject
    except ValueError:  # a line break in a header (a clinic name saved before they were refused)
        raise MailError("InvalidHeader") from None
    message["Message-ID"] = make_msgid(domain=config["SMTP_FROM"].rpartition("@")[2])
    message.set_content(body)
    security = config.get("SMTP_SECURITY", "starttls")
    host, port = config["SMTP_HOST"], int(config.get("SMTP_PORT") or 587)
    try:
        if security == "tls":
            client = smtplib.SMTP_SSL(
                host, port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS)
        with client:
            if security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USERNAME"):
                client.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD", ""))
            refused = client.send_message(message)
        if refused:
            raise MailError("SMTPRecipientsRefused")
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(type(exc).__name__) from None
