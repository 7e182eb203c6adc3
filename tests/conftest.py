"""Fixtures: an app on a real database (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, make_url, text

from screener import create_app, passwords
from screener.config import PROJECT_ROOT, normalise_database_url

# Never the developer's instance folder (``./scripts/start`` keeps a secret key and a
# database there): every app the tests build, in this process or a child, uses its own.
os.environ["SCREENER_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="screener-instance-")
atexit.register(shutil.rmtree, os.environ["SCREENER_INSTANCE_PATH"], ignore_errors=True)

GIVEN_POSTGRES_URL = os.environ.get("SCREENER_TEST_POSTGRES_URL")
# pytest-xdist runs tests in several processes at once; each gets its own PostgreSQL
# database next to the given one (test_gw0, test_gw1, ...), created when missing.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def _worker_database(url: str | None) -> str | None:
    if not url or not WORKER:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{WORKER}").render_as_string(hide_password=False)


POSTGRES_URL = _worker_database(GIVEN_POSTGRES_URL)
QUESTIONNAIRES = PROJECT_ROOT / "questionnaires"
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])


def _config(url: str, instance: Path, **extra) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
        "SQLALCHEMY_DATABASE_URI": url,
        "QUESTIONNAIRES_DIR": str(QUESTIONNAIRES),
        "RATELIMIT_STORAGE_URI": "memory://",
        # Tests run as a named clinic, as production must (``screener init`` asks for it).
        "CLINIC_NAME": "Test Clinic",
        # No queue: the first download renders the PDF in its request, as the tests that
        # download one expect; tests of the queue itself name a real one.
        "QUEUE_URL": "immediate",
        **extra,
    }


def _init(app) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated, imported SQLite file copied for every test (much faster than migrating)."""
    folder = tmp_path_factory.mktemp("template")
    app = create_app(_config(f"sqlite:///{folder / 'db.sqlite'}", folder))
    _init(app)
    with app.app_context():
        from screener.extensions import db

        db.engine.dispose()
    return folder / "db.sqlite"


def _create_worker_database() -> None:
    name = make_url(POSTGRES_URL).database
    engine = create_engine(normalise_database_url(GIVEN_POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not exists:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_ready():
    """Reset the PostgreSQL test database once per session and migrate it."""
    if POSTGRES_URL != GIVEN_POSTGRES_URL:
        _create_worker_database()
    engine = create_engine(normalise_database_url(POSTGRES_URL))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return True


def _truncate_postgres(app) -> None:
    """Empty every table and restart the id sequences, as TRUNCATE ... RESTART IDENTITY
    would; DELETE is several times faster on tables this small. Triggers (the audit
    table's append-only guard, foreign keys) are off for this transaction only."""
    from screener.extensions import db

    with app.app_context():
        session = db.session
        session.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(db.metadata.sorted_tables):
            session.execute(table.delete())
        sequences = session.scalars(
            text("SELECT sequence_name FROM information_schema.sequences")
        ).all()
        for sequence in sequences:
            session.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
        session.commit()


# Password hashing at the production cost (argon2id, 64 MiB, t = 3) takes a tenth of a
# second per sign-in; tests that are not about hashing use the cheapest argon2id instead.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_password_hashing(request, monkeypatch):
    """Mark a test ``real_password_hashing`` to keep the production parameters."""
    if request.node.get_closest_marker("real_password_hashing"):
        yield
        return
    monkeypatch.setattr(passwords, "_hasher", CHEAP_HASHER)
    passwords._dummy_hash.cache_clear()
    yield
    passwords._dummy_hash.cache_clear()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def make_app(backend, tmp_path, request):
    """Build an app on a fresh database; extra keyword arguments become config."""
    apps = []

    def make(**extra):
        if backend == "sqlite":
            database = tmp_path / "screener.sqlite"
            if not database.exists():
                shutil.copy(request.getfixturevalue("sqlite_template"), database)
            url = f"sqlite:///{database}"
        else:
            request.getfixturevalue("postgres_ready")
            url = POSTGRES_URL
        app = create_app(_config(url, tmp_path, **extra))
        if backend == "postgres" and not apps:
            _migrate_and_reset(app)
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            from screener.extensions import db

            db.session.remove()
            db.engine.dispose()


REDIS_URL = os.environ.get("SCREENER_TEST_REDIS_URL")
QUEUE_STORAGES = ["sqlite"] + (["redis"] if REDIS_URL else [])


@pytest.fixture(params=QUEUE_STORAGES)
def queue_url(request, tmp_path) -> str:
    """A real queue's storage: a SQLite file always, Redis when configured."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'queue.sqlite'}"
    return REDIS_URL


@pytest.fixture
def make_queued(make_app, queue_url):
    """Apps on one database and one queue; keyword arguments become config. On Redis each
    test has a queue of its own name, so tests running at once never share one."""
    from screener import background

    name = f"test-{uuid.uuid4().hex}"
    made = []

    def make(**extra):
        app = make_app(QUEUE_URL=queue_url, QUEUE_NAME=name, WTF_CSRF_ENABLED=True, **extra)
        made.append(app)
        return app

    yield make
    if made:
        background.queue(made[0]).huey.flush()


def _migrate_and_reset(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
    _truncate_postgres(app)
    _init(app)


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
