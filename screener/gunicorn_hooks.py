"""Settings for gunicorn (``--config python:screener.gunicorn_hooks``).

With several workers, Prometheus's client keeps each worker's numbers in files under
``PROMETHEUS_MULTIPROC_DIR``; a worker that exits must be marked dead, or its gauges stay
in ``/metrics`` forever.
"""

from __future__ import annotations

import os


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker) -> None:
    """Parse the live questionnaires before this worker's first request.

    Otherwise the first patients after a start or a restart wait about 0.3 s more on
    each worker, and a burst of submissions right after a deploy finds its web workers
    busy parsing when the job workers need the cores. A database that is not answering
    yet is left to the first request, which then pays for it."""
    from screener.services import content

    try:
        with worker.wsgi.app_context():  # the app gunicorn loaded (screener.wsgi:app)
            parsed = content.parse_live()
    except Exception as exc:
        worker.log.warning("Live questionnaires not parsed at start (%s)", type(exc).__name__)
        return
    worker.log.info("Parsed %d live questionnaires and texts", parsed)
