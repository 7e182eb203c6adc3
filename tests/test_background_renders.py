"""PDF summaries rendered in the background: real queues (a SQLite file; Redis when
SCREENER_TEST_REDIS_URL is set), on SQLite and PostgreSQL, worked by the same code as
``screener worker`` (``Queue.work``) or by the in-process worker thread."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from screener import background, create_app
from screener.extensions import db
from screener.models import RenderJob, Screening, StoredReport
from screener.services import reports, retention, screenings
from tests.auth_helpers import csrf_token, signed_in
from tests.conftest import _config
from tests.patient_helpers import post_step, start
from tests.report_helpers import submit

PART_A = {f"q{n}": "often" for n in range(1, 7)}
PART_B = {f"q{n}": "rarely" for n in range(7, 19)}


@pytest.fixture
def app(make_queued):
    return make_queued()


def job(app, screening_id: int) -> RenderJob | None:
    with app.app_context():
        row = db.session.get(RenderJob, screening_id)
        if row is not None:
            db.session.expunge(row)
        return row


def stored_count(app, screening_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(StoredReport).filter_by(screening_id=screening_id)
        )


def submit_as_patient(client) -> None:
    token = start(client, screeners=("adhd",), iron=False)
    post_step(client, 1, PART_A, token)
    post_step(client, 2, PART_B, token)
    response = client.post("/screen/submit", data={"csrf_token": token})
    assert response.status_code == 302 and response.location.endswith("/screen/results")


def only_screening_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Screening.id))


def test_submit_queues_the_render_and_the_results_page_does_not_wait(app):
    client = app.test_client()
    submit_as_patient(client)
    screening_id = only_screening_id(app)
    assert client.get("/screen/results").status_code == 200
    assert stored_count(app, screening_id) == 0
    assert job(app, screening_id).status == "pending"
    queue = background.queue(app)
    assert queue.huey.pending_count() == 1

    assert queue.work() == 1
    assert stored_count(app, screening_id) == 1
    finished = job(app, screening_id)
    assert (finished.status, finished.attempts, finished.last_error) == ("done", 1, None)


def test_a_download_before_the_pdf_is_ready_is_a_calm_page_that_asks_again(app):
    client = app.test_client()
    submit_as_patient(client)
    waiting = client.get("/screen/summary.pdf")
    assert waiting.status_code == 202
    page = waiting.get_data(as_text=True)
    assert "Your summary is being prepared" in page
    assert '<meta http-equiv="refresh" content="5; url=/screen/summary.pdf">' in page
    assert "<script" not in page  # the CSP refuses inline script; the refresh needs none
    assert "script-src 'self'" in waiting.headers["Content-Security-Policy"]
    assert waiting.headers["Cache-Control"] == "no-store"

    background.queue(app).work()
    ready = client.get("/screen/summary.pdf")
    assert ready.status_code == 200 and ready.mimetype == "application/pdf"
    assert ready.data.startswith(b"%PDF-")


def test_a_screening_from_before_the_queue_gets_its_render_on_first_download(app):
    with app.app_context():
        screening_id = submit().id
        db.session.delete(db.session.get(RenderJob, screening_id))
        db.session.commit()
    background.queue(app).huey.flush()  # as before renders were queued: no job, no message
    doc = signed_in(app, "doc@clinic.example", "clinician")
    assert doc.get(f"/clinician/screenings/{screening_id}/pdf").status_code == 202
    assert job(app, screening_id).status == "pending"
    assert background.queue(app).work() == 1
    response = doc.get(f"/clinician/screenings/{screening_id}/pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")


def test_a_failed_render_is_retried_after_a_back_off_then_shown_for_a_clinician(make_queued):
    failing = make_queued(REPORT_MAX_PAGES=1, RENDER_ATTEMPTS=2, RENDER_RETRY_SECONDS=30)
    with failing.app_context():
        screening_id = submit().id
    queue = background.queue(failing)
    before = dt.datetime.now(dt.UTC)
    assert queue.work() == 1
    first = job(failing, screening_id)
    assert (first.status, first.attempts, first.last_error) == ("pending", 1, "ReportTooLarge")
    assert dt.timedelta(seconds=29) < first.next_attempt_at - before < dt.timedelta(seconds=40)
    assert queue.huey.scheduled_count() == 1
    assert queue.work() == 0  # the back-off is not over

    # Half a minute later (huey's clock moved on), the retry runs, and fails for good.
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=31)
    assert queue.work(now=later) == 1
    failed = job(failing, screening_id)
    assert (failed.status, failed.attempts) == ("failed", 2)
    assert queue.huey.scheduled_count() == 0 and stored_count(failing, screening_id) == 0

    doc = signed_in(failing, "doc@clinic.example", "clinician")
    failed_download = doc.get(f"/clinician/screenings/{screening_id}/pdf")
    assert failed_download.status_code == 503  # the calm error page, not "being prepared"
    assert b"Your saved answers are safe" in failed_download.data
    page = doc.get(f"/clinician/screenings/{screening_id}").get_data(as_text=True)
    assert "could not be prepared" in page and "Try again" in page

    # "Try again" needs the CSRF token; with it, the render starts over with fresh tries.
    retry = f"/clinician/screenings/{screening_id}/pdf/retry"
    assert doc.post(retry).status_code == 400
    assert job(failing, screening_id).status == "failed"
    token = csrf_token(doc, f"/clinician/screenings/{screening_id}")
    retried = doc.post(retry, data={"csrf_token": token})
    assert retried.status_code == 303
    page = doc.get(retried.location).get_data(as_text=True)
    assert "being prepared again" in page and "(being prepared)" in page
    again = job(failing, screening_id)
    assert (again.status, again.attempts, again.last_error) == ("pending", 0, None)

    working = make_queued()  # the page bound as shipped; same database and queue
    assert background.queue(working).work() == 1
    assert stored_count(working, screening_id) == 1
    page = doc.get(f"/clinician/screenings/{screening_id}").get_data(as_text=True)
    assert "could not be prepared" not in page and "(being prepared)" not in page
    # A stored PDF is never rendered again: a second "Try again" is refused.
    token = csrf_token(doc, f"/clinician/screenings/{screening_id}")
    doc.post(retry, data={"csrf_token": token})
    assert job(working, screening_id).status == "done"
    assert background.queue(working).work() == 0


def test_a_worker_dying_after_rendering_before_storing_leaves_one_pdf(make_queued, monkeypatch):
    app = make_queued()
    with app.app_context():
        screening_id = submit().id
    real_store = reports.store

    def die(*args, **kwargs):
        raise KeyboardInterrupt  # what huey's worker gets when its process is stopped

    monkeypatch.setattr(reports, "store", die)
    assert background.queue(app).work() == 1
    crashed = job(app, screening_id)
    assert crashed.status == "running" and stored_count(app, screening_id) == 0
    assert background.queue(app).recover() == 0  # the lease is not over yet

    monkeypatch.setattr(reports, "store", real_store)
    later = make_queued(RENDER_LEASE_SECONDS=0)  # the lease is over
    queue = background.queue(later)
    assert queue.recover() == 1
    queue.enqueue([screening_id])  # a duplicate message as well
    queue.work()
    assert stored_count(later, screening_id) == 1
    done = job(later, screening_id)
    assert (done.status, done.attempts) == ("done", 2)
    with later.app_context():
        first = db.session.get(StoredReport, screening_id).sha256
    queue.enqueue([screening_id])
    queue.work()
    with later.app_context():
        assert db.session.get(StoredReport, screening_id).sha256 == first
    assert stored_count(later, screening_id) == 1


def test_a_render_cut_off_by_the_database_is_taken_back_without_waiting_for_the_lease(
    make_queued, monkeypatch
):
    from sqlalchemy.exc import OperationalError

    from screener.services import render_jobs

    app = make_queued()
    with app.app_context():
        screening_id = submit().id
    real_store, real_failed = reports.store, render_jobs.finish_failed

    def database_gone(*args, **kwargs):
        raise OperationalError("COMMIT", {}, ConnectionError("server closed the connection"))

    # The database stops after the job was taken: neither the PDF nor the failure can be
    # written, so the job stays "running" under try 1.
    monkeypatch.setattr(reports, "store", database_gone)
    monkeypatch.setattr(render_jobs, "finish_failed", database_gone)
    queue = background.queue(app)
    queue.work()  # the render, then its retry found not due and put in the schedule
    cut = job(app, screening_id)
    assert (cut.status, cut.attempts) == ("running", 1) and stored_count(app, screening_id) == 0
    assert queue.huey.scheduled_count() == 1  # its own retry, a few seconds on
    assert queue.recover() == 0  # the lease is not over: recovery alone would wait

    # A duplicate message meanwhile (no own try) cannot take a running job.
    monkeypatch.setattr(reports, "store", real_store)
    monkeypatch.setattr(render_jobs, "finish_failed", real_failed)
    queue.enqueue([screening_id])
    assert queue.work() == 1 and stored_count(app, screening_id) == 0

    # The database is back: the retry takes its own job back and stores the PDF once.
    soon = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(
        seconds=background.DATABASE_RETRY_SECONDS + 1
    )
    assert queue.work(now=soon) == 1
    done = job(app, screening_id)
    assert (done.status, done.attempts) == ("done", 2) and stored_count(app, screening_id) == 1


def test_an_own_retry_never_takes_a_job_another_worker_took_after_the_lease(make_queued):
    from screener.services import render_jobs

    app = make_queued()
    with app.app_context():
        screening_id = submit().id
        # Try 1 was cut off; after the lease another worker took it as try 2.
        row = db.session.get(RenderJob, screening_id)
        row.status, row.attempts, row.claimed_at = "running", 2, dt.datetime.now(dt.UTC)
        db.session.commit()
        assert render_jobs.claim(screening_id, own_try=1) is None
        assert render_jobs.claim(screening_id, own_try=2).attempts == 3
    assert stored_count(app, screening_id) == 0


def test_the_api_never_waits_for_a_render(make_queued):
    """/api/v1's PDF: 202 with Retry-After while the render is queued (nothing rendered in
    the call), the stored bytes once it is done, 503 once it failed for good."""
    from tests.api_helpers import bearer, make_token

    app = make_queued(RENDER_ATTEMPTS=1, REPORT_MAX_PAGES=1)
    token = make_token(app, "records", "pdf:read")
    with app.app_context():
        screening = submit()
        screening_id, code = screening.id, screening.reference_code
    path = f"/api/v1/screenings/{code}/pdf"
    client = app.test_client()
    waiting = client.get(path, headers=bearer(token))
    assert waiting.status_code == 202 and waiting.headers["Retry-After"] == "5"
    assert waiting.json["error"] == "preparing"
    assert stored_count(app, screening_id) == 0 and job(app, screening_id).status == "pending"

    background.queue(app).work()  # one try, over the page bound: failed for good
    assert job(app, screening_id).status == "failed"
    failed = client.get(path, headers=bearer(token))
    assert failed.status_code == 503 and "a clinician can try again" in failed.json["message"]

    working = make_queued()
    with working.app_context():
        row = db.session.get(RenderJob, screening_id)
        row.status, row.attempts = "pending", 0
        db.session.commit()
    background.queue(working).enqueue([screening_id])
    background.queue(working).work()
    ready = working.test_client().get(path, headers=bearer(token))
    assert ready.status_code == 200 and ready.data.startswith(b"%PDF")
    assert stored_count(working, screening_id) == 1


def test_a_render_held_by_a_dead_worker_on_this_host_is_taken_again_at_once(make_queued):
    """A worker killed mid-render (kill -9) leaves its job running under its own process;
    the next recover on this host sees that process is gone and gives the job back, long
    before the lease. A live holder's job, and one held on another host, are left alone."""
    import subprocess

    from screener.services import render_jobs

    app = make_queued()
    with app.app_context():
        ids = [submit().id for _ in range(3)]
    queue = background.queue(app)
    queue.huey.flush()
    dead = subprocess.Popen(["true"])
    dead.wait()  # its pid no longer runs
    host = render_jobs.holder().rpartition(":")[0]
    holders = [f"{host}:{dead.pid}", render_jobs.holder(), f"elsewhere.example:{dead.pid}"]
    with app.app_context():
        for screening_id, claimed_by in zip(ids, holders, strict=True):
            row = db.session.get(RenderJob, screening_id)
            row.status, row.attempts = "running", 1
            row.claimed_at, row.claimed_by = dt.datetime.now(dt.UTC), claimed_by
        db.session.commit()

    assert queue.recover() == 1
    released = job(app, ids[0])
    assert (released.status, released.claimed_by, released.attempts) == ("pending", None, 1)
    assert [job(app, i).status for i in ids[1:]] == ["running", "running"]
    queue.work()
    done = job(app, ids[0])
    assert (done.status, done.attempts, done.claimed_by) == ("done", 2, None)
    assert [stored_count(app, i) for i in ids] == [1, 0, 0]


def test_a_claim_names_its_worker_process(app):
    from screener.services import render_jobs

    with app.app_context():
        screening_id = submit().id
        taken = render_jobs.claim(screening_id)
        assert taken.claimed_by == render_jobs.holder()
        assert taken.claimed_by.endswith(f":{os.getpid()}")


def test_a_job_never_renders_a_draft_or_an_erased_screening(app):
    queue = background.queue(app)
    with app.app_context():
        draft, _ = screenings.start(["asrs-v1.1"])
        db.session.add(RenderJob(screening_id=draft.id, status="pending", attempts=0))
        erased = submit()
        draft_id, erased_id = draft.id, erased.id
        db.session.commit()
        retention.erase(db.session.get(Screening, erased_id))
        db.session.commit()
    queue.enqueue([draft_id, erased_id])
    queue.work()
    assert stored_count(app, draft_id) == 0 and stored_count(app, erased_id) == 0
    assert job(app, draft_id) is None and job(app, erased_id) is None


def test_a_lost_queue_message_is_queued_again(make_queued):
    app = make_queued(RENDER_LOST_AFTER_SECONDS=0)
    with app.app_context():
        screening_id = submit().id
    queue = background.queue(app)
    queue.huey.flush()  # the queue's storage lost everything
    assert queue.work() == 0
    assert queue.recover() == 1
    assert queue.work() == 1
    assert stored_count(app, screening_id) == 1


def test_an_unreachable_queue_never_fails_the_submission(make_app, caplog):
    app = make_app(QUEUE_URL="redis://127.0.0.1:9/0")  # nothing listens there
    client = app.test_client()
    submit_as_patient(client)
    assert client.get("/screen/results").status_code == 200
    assert job(app, only_screening_id(app)).status == "pending"  # found again by ``recover``
    assert "could not be queued" in caplog.text


def test_the_embedded_default_renders_in_a_thread_of_the_web_process(make_queued):
    app = make_queued(QUEUE_IN_PROCESS=True)
    client = app.test_client()
    submit_as_patient(client)  # the first request started the worker thread
    screening_id = only_screening_id(app)
    worker = background.start_in_process(app)
    try:
        deadline = time.monotonic() + 60
        while stored_count(app, screening_id) == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert stored_count(app, screening_id) == 1
        assert client.get("/screen/summary.pdf").status_code == 200
    finally:
        worker.stop()
        worker.join(timeout=10)


def test_screener_worker_once_runs_what_is_due(app):
    with app.app_context():
        screening_id = submit().id
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "tasks run: 1" in result.output
    assert "Renders: pending 0, running 0, done 1, failed 0" in result.output
    assert stored_count(app, screening_id) == 1


def test_each_worker_warms_up_as_it_starts(app, monkeypatch, caplog):
    """The first summary after a start must not also pay for loading the renderer and
    parsing the live questionnaires: huey runs the warm-up in each worker it starts."""
    from huey.consumer import Worker

    from screener.report import render
    from screener.services import content

    queue = background.queue(app)
    fresh = type(content._parsed)("test", max_entries=64, max_bytes=2**26)
    monkeypatch.setattr(content, "_parsed", fresh)
    render._stylesheet.cache_clear()
    with app.app_context():
        live = [v.sha256 for v in content.live_versions() + content.live_versions("texts")]
    assert len(live) >= 3  # the shipped questionnaires and the texts

    with caplog.at_level("INFO", logger="screener.background"):
        Worker(queue.huey, threading.Event(), 0.1, 1, 1.15).initialize()

    assert all(content._parsed.get(sha) is not None for sha in live)
    assert render._stylesheet.cache_info().currsize == 1
    assert "Renderer ready" in caplog.text


def test_a_warm_up_that_cannot_reach_the_database_leaves_the_worker_running(
    app, monkeypatch, caplog
):
    from huey.consumer import Worker

    from screener.services import content

    def unreachable():
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(content, "parse_live", unreachable)
    with caplog.at_level("WARNING", logger="screener.background"):
        Worker(background.queue(app).huey, threading.Event(), 0.1, 1, 1.15).initialize()
    assert "could not warm up (OperationalError)" in caplog.text
    # The worker goes on to render as usual.
    with app.app_context():
        screening_id = submit().id
    assert background.queue(app).work() == 1
    assert stored_count(app, screening_id) == 1


def test_an_unknown_queue_setting_stops_the_app(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    with pytest.raises(background.QueueConfigError):
        create_app(_config(url, tmp_path, QUEUE_URL="amqp://elsewhere"))


def test_readiness_and_metrics_see_the_queue(app, queue_url):
    """/health/ready asks the queue's storage; /metrics counts renders waiting and timed."""
    client = app.test_client()
    ready = client.get("/health/ready")
    assert ready.status_code == 200 and ready.json["checks"]["queue"] == "ok"

    def metric(name: str) -> float:
        for line in client.get("/metrics").get_data(as_text=True).splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return 0.0

    rendered = metric("screener_pdf_render_seconds_count")
    submit_as_patient(app.test_client())
    assert metric("screener_queue_depth") == 1
    background.queue(app).work()
    assert metric("screener_queue_depth") == 0
    assert metric("screener_pdf_render_seconds_count") == rendered + 1


def test_readiness_fails_while_the_redis_queue_is_down(make_app, tmp_path):
    from tests.test_ratelimit_store_down import ThrowawayRedis

    server = ThrowawayRedis(tmp_path)
    server.start()
    try:
        app = make_app(QUEUE_URL=server.url)
        client = app.test_client()
        assert client.get("/health/ready").json["checks"]["queue"] == "ok"
        server.stop()
        ready = client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json["checks"] == {"database": "ok", "queue": "failing"}
    finally:
        server.stop()
