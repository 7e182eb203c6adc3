"""Liveness and readiness for load balancers and service managers.

``/health/live`` says the process answers (nothing else is touched, so a slow database
never gets a healthy worker restarted). ``/health/ready`` says whether this server can
do its work now: the database answers, and so do Redis (when limits are kept there) and
the job queue (when there is one); a 503 takes it out of the load balancer's rotation
until it recovers. The answers name the checks, never a host, a URL or an error text.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from screener.extensions import db

blueprint = Blueprint("health", __name__, url_prefix="/health")

# Further readiness checks by name (the job queue registers its own): each raises if down,
# and returns False when this app does not use what it checks (it is then left out).
checks: dict[str, Callable[[], bool | None]] = {}


@blueprint.get("/live")
def live():
    """The process is up and answering."""
    return jsonify(status="live")


@blueprint.get("/ready")
def ready():
    """Ready to serve: every dependency in use answers."""
    results = {"database": _run(_database)}
    storage = current_app.config.get("RATELIMIT_STORAGE_URI", "")
    if storage.startswith(("redis://", "rediss://", "redis+")):
        results["redis"] = _run(lambda: _redis(storage))
    for name, check in checks.items():
        outcome = _run(check)
        if outcome is not None:
            results[name] = outcome
    ok = all(value == "ok" for value in results.values())
    response = jsonify(status="ready" if ok else "not ready", checks=results)
    response.status_code = 200 if ok else 503
    if not ok:
        response.headers["Retry-After"] = "10"
    return response


def _run(check: Callable[[], bool | None]) -> str | None:
    try:
        if check() is False:
            return None  # not in use here
    except Exception as exc:
        current_app.logger.warning("readiness check failed (%s)", type(exc).__name__)
        return "failing"
    return "ok"


def _database() -> None:
    try:
        db.session.execute(text("SELECT 1"))
    finally:
        db.session.rollback()


def _redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
