"""The rate-limit store (Redis) going away: limits fall back to this process, nothing 500s.

Each test starts its own throwaway ``redis-server`` on a free port and kills it part way
through; the shared Redis is never touched.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time

import pytest
import redis

from screener.extensions import db
from screener.models import ClinicSettings, Screening
from tests.auth_helpers import PASSWORD, login, make_user
from tests.patient_helpers import csrf_token, start

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="redis-server is not installed"
)
FALLBACK_WARNING = "falling back to in-memory storage"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayRedis:
    """A redis-server of this test's own, without persistence, that can be stopped."""

    def __init__(self, folder) -> None:
        self.port = _free_port()
        self.folder = folder
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def keys(self, pattern: str) -> list[bytes]:
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        try:
            return client.keys(pattern)
        finally:
            client.close()


@pytest.fixture
def store(tmp_path):
    server = ThrowawayRedis(tmp_path)
    server.start()
    yield server
    server.stop()


class Captured(logging.Handler):
    """Records of one logger (``caplog`` loses the root handler when a migration runs)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def limiter_log():
    captured = Captured()
    logger = logging.getLogger("flask-limiter")
    logger.addHandler(captured)
    yield captured
    logger.removeHandler(captured)


def _fail(client, email):
    return client.post(
        "/auth/login",
        data={"csrf_token": csrf_token(client.get("/auth/login")), "email": email, "password": "x"},
    )


def _start_status(client) -> int:
    token = csrf_token(client.get("/"))
    response = client.post(
        "/screen/start", data={"csrf_token": token, "consent": "y", "screeners": ["asrs-v1.1"]}
    )
    return response.status_code


def test_sign_in_and_new_screenings_work_while_the_store_is_down(make_app, store, limiter_log):
    app = make_app(
        RATELIMIT_STORAGE_URI=store.url,
        LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes",
    )
    make_user(app, "ana@clinic.example", "clinician")
    client = app.test_client()
    assert login(client, "ana@clinic.example").status_code == 302
    start(app.test_client())
    assert store.keys("LIMITS*screening-start*"), "the store was not in use"

    store.stop()
    assert login(app.test_client(), "ana@clinic.example", PASSWORD).status_code == 302
    assert _start_status(app.test_client()) == 302
    assert any(FALLBACK_WARNING in message for message in limiter_log.messages)
    # Limits still hold, per process: guessing is throttled as before.
    guesser = app.test_client()
    for _ in range(3):
        assert _fail(guesser, "bo@clinic.example").status_code == 200
    assert _fail(guesser, "bo@clinic.example").status_code == 429
    with app.app_context():
        assert db.session.query(Screening).count() == 2


def test_limits_go_back_to_the_store_when_it_answers_again(make_app, store):
    app = make_app(RATELIMIT_STORAGE_URI=store.url)
    with app.app_context():  # room for every try below
        db.session.get(ClinicSettings, 1).screenings_per_address = 500
        db.session.commit()
    client = app.test_client()
    assert _start_status(client) == 302
    store.stop()
    assert _start_status(client) == 302  # counted in memory
    store.start()  # a fresh, empty Redis on the same port
    deadline = time.monotonic() + 45  # Flask-Limiter retries with back-off up to 32 s
    while not store.keys("LIMITS*screening-start*"):
        assert time.monotonic() < deadline, "the limits never went back to the store"
        assert _start_status(client) == 302
        time.sleep(0.5)
