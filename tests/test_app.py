"""The app factory, configuration and the headers every response carries."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from screener import create_app
from screener.config import DEV_SECRET_PREFIX, PROJECT_ROOT, ConfigError, from_environment
from screener.report import UnsafeDependency, require_weasyprint

PRODUCTION = {"ENV_NAME": "production", "TRUSTED_HOSTS": ["localhost"]}
KEY = secrets.token_hex(32)


def test_production_refuses_to_start_without_a_real_secret_key():
    with pytest.raises(ConfigError, match="SCREENER_SECRET_KEY"):
        create_app({**PRODUCTION, "SECRET_KEY": "dev-123"})
    with pytest.raises(ConfigError):
        create_app({**PRODUCTION, "SECRET_KEY": "short"})
    # The example file's placeholder, and keys that are long but plainly not random.
    for placeholder in ("change-me-to-64-random-hex-characters", "k" * 64, "ab" * 20):
        with pytest.raises(ConfigError, match="placeholder"):
            create_app({**PRODUCTION, "SECRET_KEY": placeholder})
    app = create_app({**PRODUCTION, "SECRET_KEY": KEY})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"


def _import_wsgi(env: dict) -> subprocess.CompletedProcess:
    """Import the production entry point in a fresh process with only ``env``."""
    return subprocess.run(
        [sys.executable, "-c", "import screener.wsgi"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_wsgi_entry_point_refuses_production_without_key(tmp_path):
    env = {
        "SCREENER_ENV": "production",
        "PATH": "/usr/bin:/bin",
        "SCREENER_INSTANCE_PATH": str(tmp_path),
    }
    result = _import_wsgi(env)
    assert result.returncode != 0
    assert "SCREENER_SECRET_KEY" in result.stderr


def test_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_not_found_is_a_calm_page_without_internals(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Page not found" in body
    assert "Traceback" not in body and "werkzeug" not in body.lower()
    assert '<html lang="en">' in body


def test_health_check(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_init_keeps_one_secret_key_for_the_installation(tmp_path):
    """Without SCREENER_SECRET_KEY, init stores a key that every later process reads."""
    env = {
        "PATH": os.environ["PATH"],
        "SCREENER_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "SCREENER_INSTANCE_PATH": str(tmp_path),
    }
    code = (
        "import sys; from screener import create_app; "
        f"app = create_app(); app.instance_path = {str(tmp_path)!r}; "
        "result = app.test_cli_runner().invoke(args=['init']); "
        "print(result.output); sys.exit(result.exit_code)"
    )
    for _ in range(2):  # the second init keeps the key it finds
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) == 64
    assert from_environment(str(tmp_path))["SECRET_KEY"] == key
    app = create_app({**PRODUCTION, "SECRET_KEY": key})
    assert app.config["SECRET_KEY"] == key


def test_tests_never_read_the_developers_instance_folder(monkeypatch):
    """``./scripts/start`` stores a secret key in ./instance; no test may pick it up."""
    monkeypatch.delenv("SCREENER_SECRET_KEY", raising=False)
    app = create_app()
    assert not Path(app.instance_path).is_relative_to(PROJECT_ROOT)
    assert app.config["SECRET_KEY"].startswith(DEV_SECRET_PREFIX)


def test_session_cookie_flags_as_the_browser_receives_them(make_app):
    development = make_app().test_client().get("/")
    cookie = development.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    production = make_app(**PRODUCTION, SECRET_KEY=KEY).test_client()
    cookie = production.get("/", base_url="https://localhost").headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in cookie
    assert "Domain=" not in cookie


def test_an_unexpected_error_is_a_calm_500_page_without_internals(make_app):
    app = make_app(TESTING=False, **PRODUCTION, SECRET_KEY=KEY)
    assert app.debug is False

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internal detail /srv/screener/app.py")

    response = app.test_client().get("/boom-for-test", base_url="https://localhost")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert '<html lang="en">' in body
    for leak in ("Traceback", "RuntimeError", "secret internal detail", "/srv/", "werkzeug"):
        assert leak not in body


def test_production_refuses_to_start_without_trusted_hosts(monkeypatch):
    monkeypatch.delenv("SCREENER_TRUSTED_HOSTS", raising=False)
    with pytest.raises(ConfigError, match="SCREENER_TRUSTED_HOSTS") as refused:
        create_app({"ENV_NAME": "production", "SECRET_KEY": KEY})
    assert "Host header" in str(refused.value)
    monkeypatch.setenv("SCREENER_TRUSTED_HOSTS", " , ")  # only separators: still none
    with pytest.raises(ConfigError, match="SCREENER_TRUSTED_HOSTS"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": KEY})
    monkeypatch.setenv("SCREENER_TRUSTED_HOSTS", "screening.clinic.example")
    app = create_app({"ENV_NAME": "production", "SECRET_KEY": KEY})
    assert app.config["TRUSTED_HOSTS"] == ["screening.clinic.example"]


def test_wsgi_entry_point_refuses_production_without_trusted_hosts():
    env = {"SCREENER_ENV": "production", "PATH": "/usr/bin:/bin", "SCREENER_SECRET_KEY": KEY}
    result = _import_wsgi(env)
    assert result.returncode != 0
    assert "SCREENER_TRUSTED_HOSTS" in result.stderr


def test_requests_for_an_untrusted_host_are_refused(make_app, monkeypatch):
    monkeypatch.setenv("SCREENER_TRUSTED_HOSTS", "screening.clinic.example, localhost")
    client = make_app().test_client()
    assert client.get("/", base_url="http://screening.clinic.example").status_code == 200
    refused = client.get("/", base_url="http://evil.example")
    assert refused.status_code == 400 and b"unknown host" in refused.data


@pytest.mark.parametrize("old", ["67.0", "68.1", "69.0", "69.9rc1", "9.0"])
def test_an_older_weasyprint_is_refused(old):
    with pytest.raises(UnsafeDependency, match="needs 70 or later"):
        require_weasyprint(old)


@pytest.mark.parametrize("new", ["70.0", "70.1", "71.0b1", "100.0"])
def test_weasyprint_70_or_later_is_accepted(new):
    require_weasyprint(new)


def test_the_app_does_not_import_with_weasyprint_69(tmp_path):
    """A real import in a fresh interpreter, with an installed WeasyPrint that says 69.0."""
    fake = tmp_path / "weasyprint-69.0.dist-info"
    fake.mkdir()
    (fake / "METADATA").write_text("Metadata-Version: 2.1\nName: weasyprint\nVersion: 69.0\n")
    code = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r}); "
        "from screener import create_app; create_app()"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "SCREENER_INSTANCE_PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "UnsafeDependency" in result.stderr and "WeasyPrint 69.0" in result.stderr
