"""Background work: each submitted screening's PDF summary is rendered off the request path.

Rendering a summary costs about a second of CPU (more for a long one), so it is not done
in the request that submits the screening nor in the one that first downloads it: the
submission asks for a render, and a worker does it.

Why the state lives in the app's database and huey only wakes the workers
-------------------------------------------------------------------------
The ``render_jobs`` table (``screener.services.render_jobs``) is the durable record of
every render: pending, running, done or failed, how many tries, when the next is due.
The queue carries nothing but "render screening N now". That choice:

- works on every database the app runs on. Huey stores its queue in a SQLite file, in
  Redis or (huey 3.5 and later) in PostgreSQL tables; none of these is a transaction
  with the app's own database, so "submitted" and "queued" could never be stored
  together. The job row is written in the submission's own transaction, and the queue is
  told after it commits;
- survives a lost queue: if Redis is flushed or restarted without persistence, or a
  worker dies mid-render, ``recover`` (every minute in each worker) finds the jobs that
  are overdue in the table and queues them again;
- gives clinicians the state on the screening's page (ready, preparing, failed) and a
  "Try again" that works on any storage, without reading the queue;
- keeps renders idempotent: a job is claimed with one conditional UPDATE, the stored PDF
  has the screening as its primary key, and the store re-checks everything under the
  write lock; a second message for the same screening does nothing.

``QUEUE_URL`` (``SCREENER_QUEUE_URL``) picks huey's storage:

- ``sqlite:///path/queue.sqlite``: a SQLite file next to the app; the default (in the
  instance folder). One host only.
- ``redis://host:6379/0``: Redis, for workers on several hosts. This is the choice for a
  PostgreSQL deployment with more than one host; with a single host the SQLite file
  does. Huey's own PostgreSQL storage is not offered: it would add tables that the
  app's migrations do not own to the app's database.
- ``immediate``: no queue and no worker; the first download renders the PDF in its
  request (the tests, and a quick look at the app; never a clinic).

Who runs the workers: ``screener worker`` (production: one or more such processes, with
``SCREENER_QUEUE_IN_PROCESS=0`` on the web processes); and, for the embedded default
(``screener run`` on SQLite, ``./scripts/start``), a worker thread inside the web
process itself, started with the first request, so there is no second command to run.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey
from huey.exceptions import RetryTask
from sqlalchemy import event
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

IMMEDIATE = "immediate"
EXTENSION = "screener.queue"
QUEUE_FILE = "queue.sqlite"
RECOVER_SECONDS = 60  # how often a worker looks for lost jobs
DATABASE_RETRY_SECONDS = 5  # a render that found the database away tries again after
POLL_SECONDS = 1.0  # how long the in-process worker sleeps when the queue is empty


class QueueConfigError(ValueError):
    """``QUEUE_URL`` names no storage this app knows."""


def default_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / QUEUE_FILE)


def _make_huey(url: str, name: str) -> Huey:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=str(path), results=False, utc=True)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from redis import ConnectionPool

        # A store that does not answer must not hold a submission for long.
        pool = ConnectionPool.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        return RedisHuey(name, connection_pool=pool, results=False, utc=True)
    raise QueueConfigError(
        "SCREENER_QUEUE_URL must be sqlite:///path, redis://host:port/db or immediate"
    )


def check_url(url: str) -> None:
    if url != IMMEDIATE and not url.startswith(("sqlite:///", "redis://", "rediss://", "unix://")):
        raise QueueConfigError(
            "SCREENER_QUEUE_URL must be sqlite:///path, redis://host:port/db or immediate"
        )


class Queue:
    """One app's queue: its huey (made on first use) and the tasks registered on it."""

    def __init__(self, app: Flask, url: str, name: str = "screener") -> None:
        self.app = app
        self.url = url
        self.name = name  # installations that share one Redis keep apart by name
        self._huey: Huey | None = None
        self._lock = threading.Lock()

    @property
    def immediate(self) -> bool:
        return self.url == IMMEDIATE

    @property
    def huey(self) -> Huey:
        with self._lock:
            if self._huey is None:
                huey = _make_huey(self.url, self.name)
                self._render_task = huey.task(name="render_summary")(self._render)
                self._email_task = huey.task(name="send_invitation_email")(self._email)
                huey.on_startup(name="warm_up")(self.warm_up)
                huey.periodic_task(crontab(minute="*"), name="recover_render_jobs")(self.recover)
                huey.periodic_task(crontab(minute="*"), name="send_invitation_reminders")(
                    self.remind
                )
                huey.periodic_task(crontab(minute="*"), name="record_invitation_expiries")(
                    self.record_expiries
                )
                self._huey = huey
            return self._huey

    def _render(self, screening_id: int, own_try: int | None = None) -> None:
        from screener.services import render_jobs, report_rendering

        try:
            with self.app.app_context():
                retry_in = report_rendering.run(screening_id, own_try)
        except render_jobs.Interrupted as cut:
            # The database went away mid-render, with the job marked as ours: try again
            # soon as the same try, so the job is not left to wait out the lease.
            log.warning("A PDF render waits for the database (%s)", type(cut.__cause__).__name__)
            try:
                self._render_task.schedule(
                    args=(screening_id, cut.attempt), delay=DATABASE_RETRY_SECONDS
                )
            except Exception as exc:  # the queue is away too: ``recover`` after the lease
                log.warning("A PDF render could not be queued again (%s)", type(exc).__name__)
            return
        except (OperationalError, InterfaceError) as exc:
            # The database is away (restarting, failing over): keep the message and try
            # again soon, rather than wait for ``recover`` to find the job minutes later.
            log.warning("A PDF render waits for the database (%s)", type(exc).__name__)
            raise RetryTask(delay=DATABASE_RETRY_SECONDS) from exc
        if retry_in is not None:
            # Huey keeps the retry in its schedule; render_jobs keeps the count.
            raise RetryTask(delay=retry_in)

    def enqueue(self, screening_ids) -> None:
        """Tell the workers; a queue that cannot be reached loses nothing (``recover``)."""
        if self.immediate:
            return
        for screening_id in sorted(screening_ids):
            try:
                self.huey  # noqa: B018 - registers the task on first use
                self._render_task(screening_id)
            except Exception as exc:
                log.warning(
                    "A PDF render could not be queued (%s); it is queued again within %d "
                    "minutes by a worker",
                    type(exc).__name__,
                    self.app.config.get("RENDER_LOST_AFTER_SECONDS", 60) // 60 + 1,
                )

    def _email(self, invitation_id: int) -> None:
        from screener.services import invitation_mail

        with self.app.app_context():
            invitation_mail.send(invitation_id, actor="worker")

    def email(self, invitation_id: int) -> None:
        """Ask a worker to send an invitation's first e-mail now (without a queue the
        caller sends it itself). A queue that cannot be reached loses nothing: every
        worker's minute (``remind``) sends a first e-mail still unsent."""
        if self.immediate:
            return
        try:
            self.huey  # noqa: B018 - registers the task on first use
            self._email_task(invitation_id)
        except Exception as exc:
            log.warning(
                "An invitation e-mail could not be queued (%s); a worker sends it within a minute",
                type(exc).__name__,
            )

    def recover(self) -> int:
        """Queue again every job whose message was lost, or whose worker died: on this
        host that is seen at once (a worker runs this when it starts, then every
        minute); elsewhere, once the lease is over."""
        from screener.services import render_jobs

        with self.app.app_context():
            lost = sorted(set(render_jobs.release_orphans()) | set(render_jobs.overdue()))
        if lost:
            log.warning("Queueing %d PDF renders again that no worker had taken", len(lost))
            self.enqueue(lost)
        return len(lost)

    def warm_up(self) -> None:
        """Run by each worker of ``screener worker`` as it starts (huey's startup hook):
        load the renderer and parse the live questionnaires, so the first summary after
        a start or a restart costs what the next ones do (about 0.3 s instead of 1.2 s
        on the reference machine), just when the waiting queue is longest."""
        from screener.report import render
        from screener.services import content

        started = time.perf_counter()
        try:
            render.warm_up()
            with self.app.app_context():
                parsed = content.parse_live()
        except Exception as exc:  # the first job then pays for it; nothing is lost
            log.warning("The renderer could not warm up (%s)", type(exc).__name__)
            return
        log.info(
            "Renderer ready in %.2f s (%d live definitions parsed)",
            time.perf_counter() - started,
            parsed,
        )

    def remind(self) -> int:
        """Send the invitation e-mails that are due: a first e-mail still unsent, a
        series' next screening as it opens, and reminders (only when SMTP is set up)."""
        from screener import mailer
        from screener.services import invitation_mail

        with self.app.app_context():
            if not mailer.enabled():
                return invitation_mail.settle_interrupted()
            return invitation_mail.send_due()

    def record_expiries(self) -> int:
        """Write each invitation's expiry to the audit trail, once, as it happens."""
        from screener.services import invitation_expiry

        with self.app.app_context():
            return invitation_expiry.record_expiries()

    def work(self, now: dt.datetime | None = None) -> int:
        """Run, in this thread, every task that is due, until none is left: what a worker
        does, once. Returns how many ran (the in-process worker, ``screener worker
        --once`` and the tests; ``now`` is huey's clock, naive UTC)."""
        huey = self.huey
        ran = 0
        while True:
            for task in huey.read_schedule(now or _huey_now()):
                huey.enqueue(task)
            if not huey.pending_count():
                return ran
            task = huey.dequeue()
            if task is not None:
                huey.execute(task, now or _huey_now())
                ran += 1


def _huey_now() -> dt.datetime:
    """Huey's clock: naive UTC."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def queue(app: Flask | None = None) -> Queue:
    return (app or current_app).extensions[EXTENSION]


def works_in_request() -> bool:
    """True without a queue (``QUEUE_URL=immediate``): what a worker would do, the request
    does itself (a summary rendered on its first download, an invitation's first e-mail
    sent as it is made)."""
    return queue().immediate


def _queue_answers() -> bool:
    """Readiness: the queue's storage answers (False: no queue, in immediate mode)."""
    if works_in_request():
        return False
    queue().huey.pending_count()
    return True


def _renders_waiting() -> int:
    """The metric ``screener_queue_depth``: renders asked for and not yet taken, from
    the app's own table (a lost queue message still counts)."""
    from screener.services import render_jobs

    return render_jobs.counts().get("pending", 0)


# --- the queue is told after the transaction that asked for the render commits --------


def _after_commit(session: Session) -> None:
    from screener.services.render_jobs import TO_QUEUE

    ids = session.info.pop(TO_QUEUE, None)
    if ids and has_app_context():
        queue().enqueue(ids)


def _after_rollback(session: Session) -> None:
    from screener.services.render_jobs import TO_QUEUE

    session.info.pop(TO_QUEUE, None)


def _listen() -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


# --- the worker thread of the embedded default -------------------------------------------


class InProcessWorker(threading.Thread):
    """Consumes the same durable queue as ``screener worker``, inside the web process."""

    def __init__(self, queue: Queue) -> None:
        super().__init__(name="screener-render-worker", daemon=True)
        self.queue = queue
        self.stopping = threading.Event()

    def run(self) -> None:
        next_recover = 0.0
        while not self.stopping.is_set():
            try:
                if next_recover <= time.monotonic():
                    self.queue.recover()
                    self.queue.remind()
                    self.queue.record_expiries()
                    next_recover = time.monotonic() + RECOVER_SECONDS
                ran = self.queue.work()
            except Exception as exc:  # keep serving; the next loop tries again
                log.error("The PDF render worker failed (%s); it goes on", type(exc).__name__)
                ran = 0
            if not ran:
                self.stopping.wait(POLL_SECONDS)

    def stop(self) -> None:
        self.stopping.set()


# By process and app: gunicorn may fork after the app is made, and a thread does not
# survive a fork.
_started: dict[tuple[int, int], InProcessWorker] = {}


_starting = threading.Lock()


def start_in_process(app: Flask) -> InProcessWorker:
    """The process's worker thread for ``app``, started if it is not running (requests
    arrive on several threads at once: only one starts it)."""
    key = (os.getpid(), id(app))
    worker = _started.get(key)
    if worker is not None and worker.is_alive():  # every request after the first
        return worker
    with _starting:
        worker = _started.get(key)
        if worker is None or not worker.is_alive():
            worker = InProcessWorker(queue(app))
            worker.start()
            _started[key] = worker
    return worker


def _in_process_wanted(app: Flask) -> bool:
    setting = app.config.get("QUEUE_IN_PROCESS")
    if setting is None:  # as shipped: the embedded default, outside the tests
        return app.config["QUEUE_URL"].startswith("sqlite:///") and not app.testing
    return bool(setting)


def init_app(app: Flask) -> None:
    url = app.config.get("QUEUE_URL") or default_url(app.instance_path)
    check_url(url)
    app.config["QUEUE_URL"] = url
    app.extensions[EXTENSION] = Queue(app, url, app.config.get("QUEUE_NAME") or "screener")
    _listen()
    from screener.observability import health, metrics

    health.checks["queue"] = _queue_answers
    metrics.queue_depth = _renders_waiting
    if url != IMMEDIATE and _in_process_wanted(app):

        @app.before_request
        def _start_worker() -> None:
            start_in_process(app)
