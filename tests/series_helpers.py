"""A repeat-screen series of three submitted screenings, made through the services (for
the browser tests and the PDF benchmark, which need one quickly)."""

from __future__ import annotations

import datetime as dt

from screener import unit_of_work
from screener.services import invitations, screening_store, screenings
from tests.helpers import asrs, fill, rls

KEYS = ("asrs-v1.1", "rls-irlssg")
START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
# Part A 5 → 4 (within the margin) → 1 (better); Part B 0 → 0 → 12; the restless-legs
# outcome stays, then changes.
VISITS = (
    {"asrs-v1.1": asrs(["often"] * 5 + ["never"], "rarely"), "rls-irlssg": rls()},
    {"asrs-v1.1": asrs(["often"] * 4 + ["never"] * 2, "rarely"), "rls-irlssg": rls()},
    {"asrs-v1.1": asrs(["often"] + ["never"] * 5, "often"), "rls-irlssg": rls(gate="no")},
)


def submit_series(every_weeks: int = 2):
    """Each visit of ``VISITS`` submitted ``every_weeks`` apart from one series (inside an
    app context, on a clock of its own); [(screening, private-link token), ...]."""
    now = [START]
    saved = invitations.utcnow, screening_store.utcnow
    invitations.utcnow = screening_store.utcnow = lambda: now[0]
    done = []
    try:
        with unit_of_work.change("invitation.create", actor="cli"):
            made = invitations.create_series(None, list(KEYS), 7, every_weeks, len(VISITS), "cli")
        for number, answers in enumerate(VISITS):
            now[0] = START + dt.timedelta(weeks=every_weeks * number, hours=1)
            with unit_of_work.write():
                screening, token = invitations.start(made.invitations[number])
            fill(screening, answers)
            with unit_of_work.write():
                assert screenings.submit(screening)
                invitations.complete_for(screening.id)
            done.append((screening, token))
    finally:
        invitations.utcnow, screening_store.utcnow = saved
    return done
