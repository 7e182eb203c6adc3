"""Failed sign-ins counted in one gunicorn worker are refused by the other (shared Redis).

Runs only when ``SCREENER_TEST_REDIS_URL`` is set (CI sets it). Each run uses a fresh
account and a fresh client address (the server trusts one proxy, and the test plays
that proxy), so parallel runs sharing the Redis database do not disturb each other.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

from screener import create_app
from screener.config import PROJECT_ROOT
from screener.extensions import db
from tests.auth_helpers import PASSWORD, make_user
from tests.conftest import _config

REDIS_URL = os.environ.get("SCREENER_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="SCREENER_TEST_REDIS_URL is not set")
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path, sqlite_template):
    database = tmp_path / "screener.sqlite"
    shutil.copy(sqlite_template, database)
    url = f"sqlite:///{database}"
    app = create_app(_config(url, tmp_path))
    email = f"ana-{secrets.token_hex(4)}@clinic.example"
    make_user(app, email, "clinician")
    with app.app_context():
        db.engine.dispose()
    port = _free_port()
    log = tmp_path / "access.log"
    errors = tmp_path / "errors.log"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SCREENER_DATABASE_URL": url,
        "SCREENER_SECRET_KEY": secrets.token_hex(32),
        "SCREENER_RATELIMIT_STORAGE_URL": REDIS_URL,
        "SCREENER_TRUSTED_PROXY_COUNT": "1",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(log),
            "--access-logformat",
            '%(p)s "%(r)s" %(s)s',
            "--error-logfile",
            str(errors),
            "screener.wsgi:app",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(errors.read_text(errors="replace"))
            time.sleep(0.2)
        yield port, email, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def _request(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Set-Cookie") or "", response.read().decode()
    finally:
        connection.close()


def _attempt(port, email, password, address):
    """One sign-in from a new browser, on a new connection: either worker may take it."""
    headers = {"X-Forwarded-For": address}
    _, cookie, page = _request(port, "GET", "/auth/login", headers=headers)
    token = TOKEN.search(page).group(1)
    body = urlencode({"csrf_token": token, "email": email, "password": password})
    headers |= {
        "Cookie": cookie.split(";", 1)[0],
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return _request(port, "POST", "/auth/login", body=body, headers=headers)[0]


def _posts_by_worker(log) -> dict[str, list[int]]:
    served: dict[str, list[int]] = {}
    for line in log.read_text().splitlines():
        pid, request, status = re.match(r'(\S+) "(.*)" (\d+)', line).groups()
        if request.startswith("POST /auth/login"):
            served.setdefault(pid, []).append(int(status))
    return served


def test_failures_counted_by_one_worker_are_refused_by_the_other(server):
    port, email, log = server
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    with ThreadPoolExecutor(max_workers=2) as pool:
        # Two pairs of simultaneous wrong passwords (a sync worker serves one request at
        # a time, so a pair keeps both workers busy), then a fifth on its own: pairs stay
        # below the limit however their requests interleave.
        for _ in range(2):
            statuses = list(pool.map(lambda _: _attempt(port, email, "wrong-1", address), range(2)))
            assert statuses == [200, 200]
        assert _attempt(port, email, "wrong-1", address) == 200
        # From now on every attempt is refused, the right password included, whichever
        # worker takes it; probe in pairs until both workers have answered.
        for _ in range(15):
            statuses = list(pool.map(lambda _: _attempt(port, email, PASSWORD, address), range(2)))
            assert statuses == [429, 429]
            time.sleep(0.1)  # let gunicorn write its access log
            refused_by = {pid for pid, codes in _posts_by_worker(log).items() if 429 in codes}
            if len(refused_by) == 2:
                break
    served = _posts_by_worker(log)
    assert len(served) == 2, served
    failures = {pid: codes.count(200) for pid, codes in served.items()}
    # Neither worker saw five failures itself, or one saw none: either way the count that
    # refused it was kept in Redis, not in the worker.
    assert sum(failures.values()) == 5
    assert min(failures.values()) < 5 and all(429 in codes for codes in served.values())
