"""``screener worker``: the process that renders PDF summaries in production.

Runs huey's consumer on the queue named by ``SCREENER_QUEUE_URL``: several threads take
renders, its scheduler runs retries when their back-off is over and, every minute,
queues again the renders whose queue message was lost (``screener.background``). Stop
it with SIGINT or SIGTERM: a render under way finishes first (SIGINT) or is left to
the next worker (SIGTERM: a worker started on the same host takes it back at once, any
other once its lease runs out).
"""

from __future__ import annotations

import logging
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from screener import background
from screener.extensions import db
from screener.models.render_job import STATUSES


@click.command("worker")
@click.option(
    "--threads",
    default=2,
    show_default=True,
    type=click.IntRange(1, 32),
    help="Renders at once in this process (each uses up to a CPU core while it lays out).",
)
@click.option(
    "--processes",
    default=0,
    show_default=True,
    type=click.IntRange(0, 32),
    help="Render in this many worker processes instead of threads: a layout holds Python's "
    "lock, so only processes render on several cores at once (one per core is a fair start).",
)
@click.option(
    "--once",
    is_flag=True,
    help="Queue again lost renders, run what is due now (and the invitation e-mails and "
    "expiries due), print how many renders are in each state, and exit (for cron or a check).",
)
@with_appcontext
def worker_command(threads: int, processes: int, once: bool) -> None:
    """Render queued PDF summaries until stopped."""
    queue = background.queue(current_app)
    if queue.immediate:
        click.echo(
            "Error: SCREENER_QUEUE_URL is 'immediate': there is no queue to work on.", err=True
        )
        sys.exit(2)
    recovered = queue.recover()
    if once:
        from screener.services import render_jobs

        ran = queue.work()
        reminded = queue.remind()
        expired = queue.record_expiries()
        click.echo(
            f"Queued again: {recovered}; tasks run: {ran}; e-mails settled: {reminded}; "
            f"expiries recorded: {expired}"
        )
        states = render_jobs.counts()
        click.echo("Renders: " + ", ".join(f"{s} {states.get(s, 0)}" for s in STATUSES))
        return
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # WeasyPrint logs each step of every render at INFO: eight lines a summary that tell
    # an operator nothing huey's own "executed in" line does not.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    kind, count = ("process", processes) if processes else ("thread", threads)
    click.echo(f"Rendering PDF summaries from {_describe(queue.url)} with {count} {kind}s")
    if kind == "process":
        # Connections opened above (``recover``) must not be shared with the forked
        # workers: each opens its own.
        db.engine.dispose()
    queue.huey.create_consumer(workers=count, worker_type=kind, periodic=True).run()


def _describe(url: str) -> str:
    """The storage without any password in the URL."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"
