"""Prometheus metrics from the official client library, served at ``/metrics``.

Requests and latencies are counted by route rule (never by address: a private link's
token is in its path). Under gunicorn with several workers, set
``PROMETHEUS_MULTIPROC_DIR`` to an empty folder before the app starts: each worker then
writes its numbers there and ``/metrics`` adds them up (see docs/operations.md).

``/metrics`` answers only on the machine itself (a direct call from loopback, not one
forwarded by a proxy) or with ``Authorization: Bearer`` and the ``METRICS_TOKEN``
setting; anyone else gets 404, as if it were not there.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Callable

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

from screener.observability.logs import route

REQUESTS = Counter(
    "screener_requests",
    "HTTP requests answered, by route rule, method and status",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "screener_request_seconds",
    "Time to answer a request, by route rule",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SIGN_IN_FAILURES = Counter("screener_sign_in_failures", "Sign-ins refused (any reason)")
RENDER_SECONDS = Histogram(
    "screener_pdf_render_seconds",
    "Time to render one PDF summary",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
RENDERS_FAILED = Counter("screener_pdf_renders_failed", "PDF renders that failed")
QUEUE_DEPTH = Gauge(
    "screener_queue_depth",
    "Background jobs waiting, read when /metrics is asked",
    multiprocess_mode="max",
)

# Set by the job queue: a function that counts the jobs waiting (None: no queue).
queue_depth: Callable[[], int] | None = None

blueprint = Blueprint("metrics", __name__)


def init_app(app: Flask) -> None:
    app.after_request(_count)
    app.register_blueprint(blueprint)


def _count(response):
    if request.endpoint == "metrics.metrics":
        return response
    rule = route()
    REQUESTS.labels(rule, request.method, str(response.status_code)).inc()
    started = getattr(g, "started", None)  # set by screener.observability.logs
    if started is not None:
        LATENCY.labels(rule).observe(time.perf_counter() - started)
    return response


@blueprint.get("/metrics")
def metrics():
    """The numbers, in Prometheus's text format; only for loopback or the metrics token."""
    if not _allowed():
        abort(404)
    if queue_depth is not None:
        try:
            QUEUE_DEPTH.set(queue_depth())
        except Exception:  # the queue being down must not take the metrics with it
            current_app.logger.warning("queue depth could not be read")
    registry = DEFAULT_REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN") or ""
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer "):
        return hmac.compare_digest(given[7:].strip().encode(), token.encode())
    if request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded"):
        return False  # came through a proxy: the proxy is local, the caller may not be
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False
