"""Configuration from the environment, read when the app is created (never at import)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_PREFIX = "dev-"  # noqa: S105 - marks generated keys, not a secret


class ConfigError(RuntimeError):
    """The app must not start with this configuration."""


def from_environment(instance_path: str) -> dict:
    env = os.environ
    database_url = env.get("SCREENER_DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "screener.sqlite")
    )
    return {
        "ENV_NAME": env.get("SCREENER_ENV", "development"),
        "SECRET_KEY": env.get("SCREENER_SECRET_KEY")
        or _stored_key(instance_path)
        or DEV_SECRET_PREFIX + secrets.token_hex(16),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "QUESTIONNAIRES_DIR": env.get("SCREENER_QUESTIONNAIRES_DIR")
        or str(PROJECT_ROOT / "questionnaires"),
        "RATELIMIT_STORAGE_URI": env.get("SCREENER_RATELIMIT_STORAGE_URL", "memory://"),
        # No placeholder: a production ``screener init`` asks for the name instead.
        "CLINIC_NAME": env.get("SCREENER_CLINIC_NAME", "").strip(),
        "CLINIC_CONTACT": env.get("SCREENER_CLINIC_CONTACT", ""),
        "CLINIC_URGENT_HELP": env.get("SCREENER_CLINIC_URGENT_HELP", ""),
        # The clinic's time zone for times on the portal pages (stored times stay UTC).
        "TIMEZONE": env.get("SCREENER_TIMEZONE", "UTC"),
        "RETENTION_DAYS": int(env.get("SCREENER_RETENTION_DAYS", "365")),
        "SCREENINGS_PER_ADDRESS": int(env.get("SCREENER_SCREENINGS_PER_ADDRESS", "30")),
        # Host names the app answers to; a request for any other gets 400, so a forged
        # Host header cannot steer links (such as the private resume link) elsewhere.
        "TRUSTED_HOSTS": _host_list(env.get("SCREENER_TRUSTED_HOSTS", "")),
        # "json": one JSON object per line (the production default), or "text".
        "LOG_FORMAT": env.get("SCREENER_LOG_FORMAT")
        or ("json" if env.get("SCREENER_ENV") == "production" else "text"),
        # Lets a Prometheus server on another machine read /metrics (loopback needs none).
        "METRICS_TOKEN": env.get("SCREENER_METRICS_TOKEN", ""),
        # Where patients open the app, for links made outside a request (``screener
        # invitations create``); by default https:// and the first trusted host.
        "PUBLIC_URL": env.get("SCREENER_PUBLIC_URL", "").strip(),
        # Where PDF renders are queued (see screener.background); empty: a SQLite file in
        # the instance folder.
        "QUEUE_URL": env.get("SCREENER_QUEUE_URL", "").strip(),
        # The queue's name in its storage: installations sharing one Redis keep apart.
        "QUEUE_NAME": env.get("SCREENER_QUEUE_NAME", "screener").strip() or "screener",
        # A render worker thread inside each web process; unset: only for a SQLite queue.
        "QUEUE_IN_PROCESS": _flag(env.get("SCREENER_QUEUE_IN_PROCESS")),
        # Optional: e-mail invitations and their one reminder (screener.mailer). No host:
        # invitations are handed over as a letter, a link and a code only.
        "SMTP_HOST": env.get("SCREENER_SMTP_HOST", "").strip(),
        "SMTP_PORT": int(env.get("SCREENER_SMTP_PORT", "587")),
        # "starttls" (port 587), "tls" (port 465), or "none" (a relay on this machine).
        "SMTP_SECURITY": env.get("SCREENER_SMTP_SECURITY", "starttls").strip().lower(),
        "SMTP_USERNAME": env.get("SCREENER_SMTP_USERNAME", ""),
        "SMTP_PASSWORD": env.get("SCREENER_SMTP_PASSWORD", ""),
        "SMTP_FROM": env.get("SCREENER_SMTP_FROM", "").strip(),
        # The reminder goes this many days before an unstarted invitation expires.
        "INVITATION_REMINDER_DAYS": int(env.get("SCREENER_INVITATION_REMINDER_DAYS", "3")),
    }


def _flag(value: str | None) -> bool | None:
    if value is None or not value.strip():
        return None
    return value.strip().lower() not in ("0", "false", "no", "off")


def _host_list(value: str) -> list[str] | None:
    hosts = [host.strip() for host in value.split(",") if host.strip()]
    return hosts or None


SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


def _stored_key(instance_path: str) -> str | None:
    """The key ``screener init`` keeps in the instance folder, so sessions survive a restart
    and every worker of one installation signs cookies alike."""
    path = Path(instance_path) / SECRET_KEY_FILE
    try:
        key = path.read_text(encoding="ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    return key or None


def ensure_stored_key(instance_path: str) -> bool:
    """Create the instance's secret key file (owner-only) if missing; True if created."""
    path = Path(instance_path) / SECRET_KEY_FILE
    if path.exists():
        return False
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32))
    return True


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


DEFAULTS = {
    "MAX_CONTENT_LENGTH": 512 * 1024,
    "MAX_FORM_MEMORY_SIZE": 300 * 1024,
    "MAX_FORM_PARTS": 500,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Re-sign the cookie only when the session changes, not on every page view.
    "SESSION_REFRESH_EACH_REQUEST": False,
    "WTF_CSRF_TIME_LIMIT": 3600,
    # A patient's open screening ends after this long without a request (a shared or
    # library computer); the private resume link reopens it.
    "PATIENT_IDLE_SECONDS": 2 * 60 * 60,
    # The rate-limit store (Redis) unreachable: count in this process's memory instead,
    # with a logged warning, and go back to the store once it answers again. Sign-in
    # and new screenings keep working; limits then hold per worker, not across workers.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    # An error in the rare moment the store fails between two calls of one request is
    # logged and the request goes on (fail open) rather than answering 500.
    "RATELIMIT_SWALLOW_ERRORS": True,
    # A store that does not answer must not hold a request for long.
    "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    "TEMPLATES_AUTO_RELOAD": False,
    # PDF renders (screener.background): tries before a render is shown as failed, the
    # first back-off (then four times longer each time), how long a worker may hold a
    # render before it counts as dead, and how late a pending render may be before its
    # queue message counts as lost.
    "RENDER_ATTEMPTS": 4,
    "RENDER_RETRY_SECONDS": 30,
    "RENDER_LEASE_SECONDS": 120,
    "RENDER_LOST_AFTER_SECONDS": 60,
}


def engine_options() -> dict:
    """``hide_parameters`` keeps the values bound to a statement (an e-mail address,
    answers) out of the messages of database errors, and so out of logged tracebacks.

    A server database may drop connections (restart, failover): the app recovers without
    a restart because ``screener.database`` checks a pooled connection whenever there is
    reason to doubt it (not pool_pre_ping, which costs a round trip on every request)."""
    return {"hide_parameters": True}


# Words of a placeholder copied from an example instead of a key: anyone who has read
# the example could sign sessions with it.
_PLACEHOLDER_WORDS = ("change-me", "changeme", "change_me", "replace", "example", "your-")
_MIN_DISTINCT = 10  # a random key of 32+ characters has many more different characters


def weak_secret_key(key: str) -> bool:
    """A key production must refuse: generated for development, short, a placeholder
    (``change-me-to-64-random-hex-characters``), or plainly not random (``kkkk…``)."""
    lowered = key.lower()
    return (
        key.startswith(DEV_SECRET_PREFIX)
        or len(key) < 32
        or any(word in lowered for word in _PLACEHOLDER_WORDS)
        or len(set(key)) < _MIN_DISTINCT
    )


def check_production(config: dict) -> None:
    """Production refuses to start without a real secret key and its own host names.

    Without ``TRUSTED_HOSTS`` the app answers any Host header, and links it builds
    (the private resume link shown to a patient) would follow a forged one.
    """
    if config.get("ENV_NAME") != "production":
        return
    key = config.get("SECRET_KEY") or ""
    if weak_secret_key(key):
        raise ConfigError(
            "SCREENER_SECRET_KEY must be set to a random value of at least 32 characters "
            "in production, not the example's placeholder "
            "(for example: python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    if not config.get("TRUSTED_HOSTS"):
        raise ConfigError(
            "SCREENER_TRUSTED_HOSTS must name the host names the clinic serves in production, "
            "comma-separated (for example: SCREENER_TRUSTED_HOSTS=screening.clinic.example); "
            "without it links such as the private resume link follow the request's Host header"
        )
