"""What operators watch: structured logs with a request id, Prometheus metrics, and
liveness and readiness checks. None of it ever carries health data or tokens: routes are
logged and counted by their rule (``/resume/<token>``), never by the address asked for."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from screener.observability import health, logs, metrics

    logs.init_app(app)
    metrics.init_app(app)
    app.register_blueprint(health.blueprint)
