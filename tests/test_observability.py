"""Logs, metrics and health checks: what operators watch, with no health data in it."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

from screener.extensions import db
from tests.auth_helpers import login, make_user
from tests.patient_helpers import start
from tests.test_ratelimit_store_down import ThrowawayRedis


def test_liveness_touches_nothing_and_readiness_checks_the_database(app, client):
    live = client.get("/health/live")
    assert live.status_code == 200 and live.json == {"status": "live"}
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json == {"status": "ready", "checks": {"database": "ok"}}


def test_readiness_fails_calmly_while_the_database_is_away(app, client):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the database file stands in for a lost database server")
        path = Path(db.engine.url.database)
        db.engine.dispose()
    kept = path.read_bytes()
    path.write_bytes(b"this is not a database" * 100)
    try:
        ready = client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json == {"status": "not ready", "checks": {"database": "failing"}}
        assert ready.headers["Retry-After"] == "10"
        assert client.get("/health/live").status_code == 200
    finally:
        with app.app_context():
            db.engine.dispose()
        path.write_bytes(kept)
    assert client.get("/health/ready").status_code == 200


def test_readiness_checks_redis_when_limits_are_kept_there(make_app, tmp_path):
    server = ThrowawayRedis(tmp_path)
    server.start()
    try:
        app = make_app(RATELIMIT_STORAGE_URI=server.url)
        client = app.test_client()
        assert client.get("/health/ready").json["checks"] == {"database": "ok", "redis": "ok"}
        server.stop()
        ready = client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json == {
            "status": "not ready",
            "checks": {"database": "ok", "redis": "failing"},
        }
        assert server.url not in ready.get_data(as_text=True)
    finally:
        server.stop()


def _metrics(client, **kwargs) -> str:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/plain"
    return response.get_data(as_text=True)


def _private_link(client) -> str:
    start(client)
    page = client.get("/screen/started").get_data(as_text=True)
    return re.search(r'href="http://[^"/]+(/screen/resume/[^"]+)"', page).group(1)


def test_metrics_count_requests_by_route_never_by_address(app, client):
    patient = app.test_client()
    link = _private_link(patient)
    assert patient.get(link).status_code == 200
    body = _metrics(client)
    assert 'route="/screen/resume/<token>"' in body
    assert link.rsplit("/", 1)[-1] not in body
    assert "screener_requests_total" in body and "screener_request_seconds_bucket" in body


def test_metrics_count_failed_sign_ins(app, client):
    make_user(app, "doc@clinic.example", "clinician")
    before = _value(_metrics(client), "screener_sign_in_failures_total")
    login(app.test_client(), "doc@clinic.example", "not the password at all")
    login(app.test_client(), "nobody@clinic.example", "not the password at all")
    assert _value(_metrics(client), "screener_sign_in_failures_total") == before + 2


def _value(body: str, name: str) -> float:
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in the metrics")


def test_metrics_answer_only_loopback_or_the_token(make_app):
    app = make_app(METRICS_TOKEN="m-" + "x" * 40)
    client = app.test_client()
    outside = {"REMOTE_ADDR": "203.0.113.7"}
    assert client.get("/metrics", environ_base=outside).status_code == 404
    # Through a proxy on the same machine: the caller is not local.
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    assert client.get("/metrics", headers=forwarded).status_code == 404
    wrong = {"Authorization": "Bearer m-" + "y" * 40}
    assert client.get("/metrics", headers=wrong, environ_base=outside).status_code == 404
    right = {"Authorization": "Bearer m-" + "x" * 40}
    assert "screener_requests_total" in _metrics(client, headers=right, environ_base=outside)
    assert "screener_requests_total" in _metrics(client)  # loopback, direct


def test_json_logs_carry_the_request_id_and_route_but_no_path(make_app):
    app = make_app(LOG_FORMAT="json")
    stream = io.StringIO()
    handler = app.logger.handlers[0]
    handler.setStream(stream)
    client = app.test_client()
    response = client.get("/health/live", headers={"X-Request-ID": "lb-1234abcd"})
    assert response.headers["X-Request-ID"] == "lb-1234abcd"
    odd = client.get("/health/live", headers={"X-Request-ID": "bad id; with spaces"})
    made = odd.headers["X-Request-ID"]
    assert made != "bad id; with spaces" and len(made) == 32
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    requests = [line for line in lines if line["message"] == "request"]
    assert [line["request_id"] for line in requests] == ["lb-1234abcd", made]
    first = requests[0]
    assert first["route"] == "/health/live" and first["status"] == 200
    assert first["level"] == "INFO" and first["method"] == "GET"
    assert isinstance(first["duration_ms"], float)


def test_json_logs_keep_the_private_link_out(make_app):
    app = make_app(LOG_FORMAT="json")
    stream = io.StringIO()
    app.logger.handlers[0].setStream(stream)
    patient = app.test_client()
    link = _private_link(patient)
    assert patient.get(link).status_code == 200
    logged = stream.getvalue()
    assert '"route": "/screen/resume/<token>"' in logged
    assert link.rsplit("/", 1)[-1] not in logged
    for line in logged.splitlines():
        json.loads(line)  # every line is one JSON object


def test_a_text_app_after_a_json_app_logs_as_text_again(make_app):
    """The logger is the process's: a JSON app's handler must not outlive it, and no
    filter is added twice however many apps are built."""
    json_app = make_app(LOG_FORMAT="json")
    assert not json_app.logger.propagate
    text_app = make_app(LOG_FORMAT="text")
    logger = text_app.logger
    assert logger.propagate
    assert [type(h).__name__ for h in logger.handlers] == ["StreamHandler"]
    make_app(LOG_FORMAT="text")
    for handler in logger.handlers:
        assert len(handler.filters) == 1
    assert sum(type(f).__name__ == "QuietDatabaseErrors" for f in logger.filters) == 1


def test_the_development_server_log_hides_private_links(make_app, caplog):
    """``screener run`` (the embedded default) serves with werkzeug, which logs every
    request line: a private link's token must not reach it."""
    import threading
    import urllib.request

    from werkzeug.serving import make_server

    app = make_app()
    patient = app.test_client()
    link = _private_link(patient)
    token = link.rsplit("/", 1)[-1]
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level("INFO", logger="werkzeug"):
            for path in (link, f"/screen/invite/{token}?x=1"):
                # An unknown invitation is a 404: its request line is logged too.
                with contextlib.suppress(urllib.error.HTTPError):
                    urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=10)
    finally:
        server.shutdown()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/screen/resume/[hidden]" in line for line in lines), lines
    assert any("/screen/invite/[hidden]" in line for line in lines), lines
    assert not any(token in line for line in lines), lines


def test_an_unhandled_error_on_a_private_link_logs_no_token(make_app, caplog, monkeypatch):
    """Flask logs an unhandled error as "Exception on <path>": for a resume or an
    invitation link the path holds the key to a patient's answers."""
    from screener.services import invitations, screenings

    app = make_app(TESTING=False)
    patient = app.test_client()
    link = _private_link(patient)
    token = link.rsplit("/", 1)[-1]

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(screenings, "by_token", broken)
    monkeypatch.setattr(invitations, "by_token", broken)
    with caplog.at_level("ERROR"):
        for path in (link, f"/screen/invite/{token}"):
            assert app.test_client().get(path).status_code == 500
    messages = [r.getMessage() for r in caplog.records]
    assert any("Exception on /screen/resume/[hidden]" in m for m in messages), messages
    assert any("Exception on /screen/invite/[hidden]" in m for m in messages), messages
    assert not any(token in m for m in messages)
