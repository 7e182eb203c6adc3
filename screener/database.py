"""Engine set-up: how a request reads and how it writes, on SQLite and on PostgreSQL.

SQLite is the embedded default: WAL lets readers run beside a writer, the busy
timeout waits instead of failing, and write transactions start with
``BEGIN IMMEDIATE`` so that a read-then-write transaction takes the write lock
up front (a plain ``BEGIN`` upgrades late and fails with "database is locked").
Reads keep a deferred ``BEGIN`` so they never queue behind writers.

On PostgreSQL a web request reads in autocommit, as Django does by default: a page
that only reads sends its queries and nothing else, where a transaction would add a
``BEGIN`` and a ``ROLLBACK``, two more round trips per page (each round trip, not the
query, is what costs on a busy machine). Under PostgreSQL's READ
COMMITTED every statement sees its own snapshot anyway, so the reads lose nothing.
Writes start a real transaction (``begin_write`` or ``screener.unit_of_work``, as on
SQLite); inside a request a write anywhere else is refused with an error instead of
being committed statement by statement (the PostgreSQL runs of the tests find any).
Outside requests (the CLI, job workers, tests' set-up) sessions work as SQLAlchemy's
always do.
"""

from __future__ import annotations

import datetime as dt
import random
import select
import sqlite3
import time
import weakref
from typing import Any

from flask import Flask, current_app, has_request_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.types import TypeDecorator

WRITE = "screener_write"
READ = "screener_read"  # a request's connection, until it starts a write
IN_UNIT = "screener_unit_of_work"  # session.info key: a unit of work is open
BUSY_SECONDS = 10


class WriteOutsideUnit(RuntimeError):
    """A request tried to write without ``begin_write`` or a unit of work: a bug."""


# By app, as Flask-SQLAlchemy keeps its engines: a read engine holds its engine, so a
# dictionary keyed by the engine itself would never let either go.
_read_engines: weakref.WeakKeyDictionary[Flask, tuple[Engine, Engine]] = weakref.WeakKeyDictionary()


def read_engine(engine: Engine) -> Engine:
    """The engine this app's requests read through on a server database: the same pool,
    in autocommit and marked as reading (see the module docstring)."""
    app = current_app._get_current_object()
    known = _read_engines.get(app)
    if known is None or known[0] is not engine:
        reads = engine.execution_options(isolation_level="AUTOCOMMIT", **{READ: True})
        known = _read_engines[app] = (engine, reads)
    return known[1]


class RequestSession(FlaskSession):
    """Flask-SQLAlchemy's session, reading through ``read_engine`` during a request on
    PostgreSQL (SQLite's reads already cost no round trip: it keeps its transactions)."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        engine = super().get_bind(mapper, clause, bind, **kwargs)
        if (
            bind is None
            and isinstance(engine, Engine)
            and engine.dialect.name != "sqlite"
            and has_request_context()
        ):
            return read_engine(engine)
        return engine


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        _check_connections_when_in_doubt(engine)

        @event.listens_for(engine, "before_cursor_execute")
        def _refuse_write_while_reading(conn, _cursor, statement, _params, context, _many):
            options = conn.get_execution_options()
            if options.get(READ) and not options.get(WRITE) and _writes(context, statement):
                raise WriteOutsideUnit(
                    "a request wrote outside begin_write() or a unit of work: "
                    + statement.split(None, 1)[0]
                )

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


PING_AFTER_IDLE_SECONDS = 10.0
_IDLE_SINCE = "screener_idle_since"


def _check_connections_when_in_doubt(engine: Engine) -> None:
    """Replace a connection the server has dropped before a request uses it, without
    pool_pre_ping's extra round trip on every request.

    A connection is pinged when it comes out of the pool only if there is a reason to
    doubt it: the server has sent something while it sat idle (PostgreSQL says so, and
    closes the socket, when it terminates a session or shuts down; nothing else arrives
    on an idle connection that has not asked to LISTEN), or it has been idle for longer
    than ``PING_AFTER_IDLE_SECONDS``. A failed ping invalidates the whole pool, as
    pool_pre_ping does. Under steady traffic no ping is sent at all.
    """

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_in_doubt(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None:
            return  # connected just now
        recent = time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS
        if recent and not _server_spoke(dbapi_connection):
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise InvalidatePoolError("the database dropped this connection") from exc
        if not alive:
            raise InvalidatePoolError("the database dropped this connection")


def _server_spoke(dbapi_connection: Any) -> bool:
    """True if the idle connection's socket has something to read (or cannot be asked)."""
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (AttributeError, OSError, ValueError):
        return True
    return bool(readable)


_WRITE_WORDS = ("INSERT", "UPDATE", "DELETE", "MERGE")


def _writes(context: Any, statement: str) -> bool:
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        return True
    return statement.lstrip()[:6].upper().startswith(_WRITE_WORDS)


def begin_write() -> None:
    """Start the request's transaction as a write transaction.

    Call it before the first query of a view or service that will write. On SQLite it
    takes the write lock at once; on PostgreSQL it starts a transaction (a request reads
    in autocommit until then).
    """
    from screener.extensions import db

    session = db.session()
    if session.info.get(IN_UNIT):
        return  # inside screener.unit_of_work: the write transaction is already open
    start_write(session)


def start_write(session: Any, *, refuse_pending: bool = False) -> None:
    """Make the session's transaction a write transaction (see ``begin_write``).

    A read transaction that cannot become one (SQLite's, or a request's autocommit
    reads) is ended first: nothing in it needs keeping, and rows read so far are read
    again when next used. With ``refuse_pending``, changes already made to the session
    are a bug (they would be committed without the write lock), not silently kept.
    """
    if session.in_transaction():
        connection = session.connection()
        options = connection.get_execution_options()
        if options.get(WRITE):
            return
        if not options.get(READ) and connection.dialect.name != "sqlite":
            return  # PostgreSQL outside a request: the transaction simply goes on
        if refuse_pending and (session.new or session.dirty or session.deleted):
            raise RuntimeError("changes were made before the unit of work began")
        session.commit()
    options: dict[str, Any] = {WRITE: True}
    bind = session.get_bind()
    if bind.get_execution_options().get(READ):
        options["isolation_level"] = bind.dialect.default_isolation_level or "READ COMMITTED"
    session.connection(execution_options=options)


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
