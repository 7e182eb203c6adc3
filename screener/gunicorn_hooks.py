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
