"""Engine set-up that keeps SQLite safe under several workers.

SQLite is the embedded default: WAL lets readers run beside a writer, the busy
timeout waits instead of failing, and write transactions start with
``BEGIN IMMEDIATE`` so that a read-then-write transaction takes the write lock
up front (a plain ``BEGIN`` upgrades late and fails with "database is locked").
Reads keep a deferred ``BEGIN`` so they never queue behind writers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

from screener.extensions import db

WRITE = "screener_write"


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event decide how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "busy_timeout=10000",
            "foreign_keys=ON",
            "synchronous=FULL",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write() -> None:
    """Start the request's transaction as a write transaction.

    Call it before the first query of a view or service that will write. On
    PostgreSQL it is a no-op; on SQLite it takes the write lock at once.
    """
    session = db.session()
    if session.in_transaction():
        if session.connection().get_execution_options().get(WRITE):
            return
        session.commit()
    session.connection(execution_options={WRITE: True})


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """Timestamps stored as UTC and always returned timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use screener.database.utcnow()")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
