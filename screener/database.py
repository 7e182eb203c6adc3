"""Engine set-up that keeps SQLite safe under several workers.

SQLite is the embedded default: WAL lets readers run beside a writer, the busy
timeout waits instead of failing, and write transactions start with
``BEGIN IMMEDIATE`` so that a read-then-write transaction takes the write lock
up front (a plain ``BEGIN`` upgrades late and fails with "database is locked").
Reads keep a deferred ``BEGIN`` so they never queue behind writers.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import time
from typing import Any

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

from screener.extensions import db

WRITE = "screener_write"
IN_UNIT = "screener_unit_of_work"  # session.info key: a unit of work is open
BUSY_SECONDS = 10


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
            f"busy_timeout={BUSY_SECONDS * 1000}",
            "foreign_keys=ON",
            "synchronous=FULL",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        if connection.get_execution_options().get(WRITE, False):
            _begin_immediate(connection.connection.driver_connection)
        else:
            connection.exec_driver_sql("BEGIN")


def _begin_immediate(raw: sqlite3.Connection) -> None:
    """Take the write lock, retrying every few milliseconds for up to BUSY_SECONDS.

    SQLite's own busy handler sleeps in growing steps of up to 100 ms, which turns a
    few waiting writers into long tail latencies; polling briefly hands the lock on
    as soon as it is free.
    """
    deadline = time.monotonic() + BUSY_SECONDS
    delay = 0.0002
    raw.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter only
                delay = min(delay * 2, 0.004)
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")


def begin_write() -> None:
    """Start the request's transaction as a write transaction.

    Call it before the first query of a view or service that will write. On
    PostgreSQL it is a no-op; on SQLite it takes the write lock at once.
    """
    session = db.session()
    if session.info.get(IN_UNIT):
        return  # inside screener.unit_of_work: the write transaction is already open
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
