"""A drill you can rerun: simulated patients through the topology's load balancer while
parts of it fail, then a check of the database.

    scripts/topology up --fresh
    .venv/bin/python -m benchmarks.drill [--patients 200] [--seconds 180]
    scripts/topology down

Each patient has its own loopback address and connection, thinks 1 to 3 seconds between
pages, answers every question of the questionnaires the landing page ticks, submits, and
one in five downloads the PDF summary (waiting on the "being prepared" page as a person
would). Part way through, the drill kills one app server's worker with SIGKILL, kills
the job worker (and starts it again, as systemd would), and stops PostgreSQL for 10
seconds. Requests that fail inside those windows (and 5 seconds after) are counted apart.

Afterwards it checks the database: every answer the app acknowledged (a redirect after a
step) stored exactly once with the value sent, every submitted screening's stored
outcomes equal to scoring its stored answers afresh, and a PDF stored for every
submitted screening. It prints one table; the exit code is 1 if a check fails.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from benchmarks import topology
from benchmarks.patient_client import Failed, Patient, parse

GRACE = 5.0  # seconds after a fault in which failures still count as the fault's


@dataclass
class Journey:
    code: str | None = None
    submitted_at: float | None = None
    answers: dict[str, str] = field(default_factory=dict)  # acknowledged: item id -> value


class Drill:
    def __init__(self, patients: int, seconds: float, download_share: float) -> None:
        self.patients, self.seconds, self.download_share = patients, seconds, download_share
        self.lock = threading.Lock()
        # kind -> (when, status, seconds as the client saw them, request id)
        self.samples: dict[str, list[tuple[float, int, float, str | None]]] = defaultdict(list)
        self.journeys: list[Journey] = []
        self.windows: list[tuple[str, float, float]] = []
        self.started = time.monotonic()
        self.stop_at = self.started + seconds
        self.barrier: threading.Barrier | None = None

    def log(self, kind: str, status: int, seconds: float, request_id: str | None) -> None:
        with self.lock:
            self.samples[kind].append((time.monotonic(), status, seconds, request_id))

    def think(self, patient: Patient) -> None:
        time.sleep(patient.rng.uniform(1.0, 3.0))

    def run_patient(self, number: int) -> None:
        source = f"127.0.{1 + number // 250}.{2 + number % 250}"
        patient = Patient("127.0.0.1", topology.LB_PORT, tls=True, source=source, log=self.log)
        time.sleep(patient.rng.uniform(0, 10))  # patients arrive over ten seconds
        while time.monotonic() < self.stop_at:
            journey = Journey()
            try:
                self.journey(patient, journey)
            except Failed:
                # A patient who saw an error waits a little and starts a new screening.
                time.sleep(patient.rng.uniform(2.0, 5.0))
            finally:
                patient.close()
                patient.cookies.clear()
            with self.lock:
                self.journeys.append(journey)

    def journey(self, patient: Patient, journey: Journey) -> None:
        landing = patient.request("landing", "GET", "/")
        start = next(f for f in parse(landing.text).forms if f.action == "/screen/start")
        data, _ = patient.fill(start)
        self.think(patient)
        reply = patient.request("start", "POST", "/screen/start", data)
        if reply.status != 302:
            raise Failed(f"start answered {reply.status}")
        path = "/screen/step/1"
        while path.startswith("/screen/step/"):
            page = patient.request("step GET", "GET", path)
            if page.status != 200:
                raise Failed(f"step answered {page.status}")
            form = next(f for f in parse(page.text).forms if f.action == path)
            data, answers = patient.fill(form)
            self.think(patient)
            reply = patient.request("step POST", "POST", path, data)
            if reply.status != 302:
                raise Failed(f"step POST answered {reply.status}")
            journey.answers.update(answers)
            path = _path(reply.headers["Location"])
            if time.monotonic() > self.stop_at + 60:
                return
        if path != "/screen/review":
            raise Failed(f"unexpected page {path}")
        review = patient.request("review", "GET", path)
        submit = next(f for f in parse(review.text).forms if f.action == "/screen/submit")
        if self.barrier is not None:
            self.barrier.wait(timeout=120)  # --burst: everyone presses Submit at once
        else:
            self.think(patient)
        reply = patient.request("submit", "POST", "/screen/submit", patient.fill(submit)[0])
        if reply.status != 302:
            raise Failed(f"submit answered {reply.status}")
        journey.submitted_at = time.monotonic()
        results = patient.request("results", "GET", _path(reply.headers["Location"]))
        found = re.search(r'Reference code: <strong class="code">([^<]+)</strong>', results.text)
        if found is None:
            raise Failed("no reference code on the results page")
        journey.code = found.group(1).replace("-", "")
        if patient.rng.random() < self.download_share:
            self.think(patient)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                pdf = patient.request("pdf", "GET", "/screen/summary.pdf")
                if pdf.headers.get("Content-Type", "").startswith("application/pdf"):
                    return
                time.sleep(3)  # the "being prepared" page asks again after a few seconds
            raise Failed("the PDF was not ready within two minutes")

    # -- faults ------------------------------------------------------------------------
    def faults(self) -> None:
        plan = [
            (0.25, self.kill_app_worker),
            (0.45, self.kill_job_worker),
            (0.65, self.stop_database),
        ]
        for share, fault in plan:
            delay = self.started + share * self.seconds - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            fault()

    def window(self, name: str, began: float) -> None:
        with self.lock:
            self.windows.append((name, began, time.monotonic() + GRACE))

    def kill_app_worker(self) -> None:
        began = time.monotonic()
        master = topology.pid(f"app-{topology.APP_PORTS[0]}")
        children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
        pids = [int(p) for p in children.stdout.split()]
        if pids:
            os.kill(pids[0], signal.SIGKILL)
        time.sleep(2)
        self.window("kill -9 an app server's worker", began)

    def kill_job_worker(self) -> None:
        began = time.monotonic()
        worker = topology.pid("worker")
        if worker:
            os.killpg(worker, signal.SIGKILL)
        time.sleep(2)
        topology.restart_worker()
        self.window("kill -9 the job worker (restarted after 2 s)", began)

    def stop_database(self) -> None:
        began = time.monotonic()
        cluster = _cluster()
        subprocess.run(
            ["pg_ctlcluster", *cluster, "stop", "-m", "fast"], check=False, capture_output=True
        )
        time.sleep(10)
        subprocess.run(["pg_ctlcluster", *cluster, "start"], check=True, capture_output=True)
        for _ in range(60):
            if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"]).returncode == 0:
                break
            time.sleep(0.5)
        self.window("PostgreSQL stopped for 10 s", began)

    def in_window(self, at: float) -> bool:
        return any(began <= at <= ended for _, began, ended in self.windows)


def balancer_times() -> dict[str, float]:
    """Request id -> seconds, as nginx logged them (``$request_time``: from the request's
    first byte to the response's last byte handed to the client's socket). The drill's
    client threads share the machine they load, so their own clocks also count the time
    a reply waits for them; nginx's figure does not."""
    times = {}
    log = topology.RUN / "nginx-access.log"
    if log.exists():
        for line in log.read_text(errors="replace").splitlines():
            found = re.search(r'" \d+ \d+ ([\d.]+) .* ([0-9a-f]{32})$', line)
            if found:
                times[found.group(2)] = float(found.group(1))
    return times


def _cluster() -> list[str]:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    return [version, "main"]


def _path(location: str) -> str:
    return re.sub(r"^https?://[^/]+", "", location)


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def check_database(journeys: list[Journey], wait_for_pdfs: float) -> dict[str, object]:
    """Lost, duplicated or wrong answers, wrong scores and missing PDFs, read from the
    topology's database with the app's own code."""
    os.environ.update(topology.environment())
    from sqlalchemy import func, select

    from screener import create_app
    from screener.extensions import db
    from screener.models import Answer, Screening, ScreeningResult, StoredReport
    from screener.services import screenings

    app = create_app()
    submitted = [j for j in journeys if j.code]
    with app.app_context():
        # Wait while the workers make progress: under a heavy drill the renders queue up
        # (one worker renders a few a second); stop once nothing was stored for a while.
        last, quiet_since = -1, time.monotonic()
        while True:
            stored = db.session.scalar(
                select(func.count())
                .select_from(StoredReport)
                .join(Screening, Screening.id == StoredReport.screening_id)
                .where(Screening.status == "submitted")
            )
            total = db.session.scalar(
                select(func.count()).select_from(Screening).where(Screening.status == "submitted")
            )
            db.session.rollback()
            if stored >= total:
                break
            if stored != last:
                last, quiet_since = stored, time.monotonic()
            elif time.monotonic() - quiet_since > wait_for_pdfs:
                break
            time.sleep(2)
        duplicates = db.session.scalar(
            select(func.count()).select_from(
                select(Answer.screening_id, Answer.questionnaire_key, Answer.item_id)
                .group_by(Answer.screening_id, Answer.questionnaire_key, Answer.item_id)
                .having(func.count() > 1)
                .subquery()
            )
        )
        lost = wrong_scores = missing_pdf = 0
        pdf_delays = []
        for journey in submitted:
            screening = db.session.scalar(
                select(Screening).where(Screening.reference_code == journey.code)
            )
            if screening is None or screening.status != "submitted":
                lost += 1
                continue
            values = {a.item_id: a.value for a in screening.answers}
            for item, value in journey.answers.items():
                stored_value = values.get(item)
                if stored_value != value and [value] != stored_value and str(stored_value) != value:
                    lost += 1
            summary = screenings.summary(screening)
            fresh = {i.key: i.result.outcome.value for i in summary.instruments}
            kept = {
                r.questionnaire_key: r.outcome
                for r in db.session.scalars(
                    select(ScreeningResult).where(ScreeningResult.screening_id == screening.id)
                )
            }
            if fresh != kept:
                wrong_scores += 1
            report = db.session.scalar(
                select(StoredReport).where(StoredReport.screening_id == screening.id)
            )
            if report is None:
                missing_pdf += 1
            elif screening.submitted_at:
                pdf_delays.append((report.rendered_at - screening.submitted_at).total_seconds())
        return {
            "submitted": len(submitted),
            "in database, submitted": total,
            "lost answers": lost,
            "duplicated answers": duplicates,
            "wrong scores": wrong_scores,
            "missing PDFs": missing_pdf,
            "PDF stored after submit, p50 s": round(_percentile(pdf_delays, 0.5), 2),
            "PDF stored after submit, p95 s": round(_percentile(pdf_delays, 0.95), 2),
            "PDF stored after submit, max s": round(max(pdf_delays, default=float("nan")), 2),
        }


def burst(patients: int) -> int:
    """``--burst N``: N patients answer their pages, then all submit in the same instant;
    how long until each PDF is stored (from the database: rendered_at - submitted_at)."""
    drill = Drill(patients, 600, 0.0)
    drill.barrier = threading.Barrier(patients)
    drill.think = lambda patient: None

    def one(number: int) -> None:
        patient = Patient(
            "127.0.0.1", topology.LB_PORT, tls=True, source=f"127.0.2.{2 + number}", log=drill.log
        )
        journey = Journey()
        try:
            drill.journey(patient, journey)
        finally:
            patient.close()
            with drill.lock:
                drill.journeys.append(journey)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(patients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    checks = check_database(drill.journeys, wait_for_pdfs=60)
    submits = [s * 1000 for _, status, s, _ in drill.samples.get("submit", []) if status == 302]
    print(f"\nBurst: {patients} patients submitting at once")
    print(f"submit p50 {_percentile(submits, 0.5):.0f} ms, p95 {_percentile(submits, 0.95):.0f} ms")
    failed = sum(
        1 for rows in drill.samples.values() for _, status, _, _ in rows if not 0 < status < 500
    )
    return _report(checks, failed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--download-share", type=float, default=0.2)
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--burst", type=int, metavar="N", help="N patients submit at once")
    args = parser.parse_args()
    topology.get("/health/ready")
    if args.burst:
        return burst(args.burst)
    drill = Drill(args.patients, args.seconds, args.download_share)
    threads = [
        threading.Thread(target=drill.run_patient, args=(n,), daemon=True)
        for n in range(args.patients)
    ]
    for thread in threads:
        thread.start()
    if not args.no_faults:
        threading.Thread(target=drill.faults, daemon=True).start()
    for thread in threads:
        thread.join(timeout=args.seconds + 240)
    # A render cut off by a fault is taken up again after its lease (120 s) at the latest:
    # give up only when no PDF was stored for longer than that.
    checks = check_database(drill.journeys, wait_for_pdfs=200)

    faults = "; ".join(name for name, _, _ in drill.windows) or "none"
    at_balancer = balancer_times()
    print(f"\nDrill: {args.patients} patients, {args.seconds:.0f} s, faults: {faults}")
    print(
        f"{'requests':<12} {'count':>7} {'failed':>7} {'in fault':>9} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'LB p50':>8} {'LB p99':>8}"
    )
    failed_outside = 0
    p95 = {}
    for kind in ("landing", "start", "step GET", "step POST", "review", "submit", "results", "pdf"):
        rows = drill.samples.get(kind, [])
        bad = [(at, status) for at, status, _, _ in rows if status == 0 or status >= 500]
        inside = sum(1 for at, _ in bad if drill.in_window(at))
        failed_outside += len(bad) - inside
        answered = [(s, rid) for _, status, s, rid in rows if 0 < status < 500]
        times = [s * 1000 for s, _ in answered]
        balancer = [at_balancer[rid] * 1000 for _, rid in answered if rid in at_balancer]
        p95[kind] = _percentile(times, 0.95)
        print(
            f"{kind:<12} {len(rows):>7} {len(bad) - inside:>7} {inside:>9} "
            f"{_percentile(times, 0.5):>8.0f} {p95[kind]:>8.0f} {_percentile(times, 0.99):>8.0f}"
            f" {_percentile(balancer, 0.5):>8.0f} {_percentile(balancer, 0.99):>8.0f}"
        )
    print(
        "p50/p95/p99: as the patients' client measured them (on the same machine, so they"
        " include its own waits); LB: nginx's request time for the same requests"
    )
    ratio = p95["submit"] / p95["step POST"] if p95.get("step POST") else float("nan")
    print(f"submit p95 / step POST p95: {ratio:.2f}")
    return _report(checks, failed_outside)


def _report(checks: dict[str, object], failed_outside: int) -> int:
    """Print the database checks; 0 if nothing failed, was lost, doubled or left out."""
    for name, value in checks.items():
        print(f"{name}: {value}")
    ok = (
        failed_outside == 0
        and checks["lost answers"] == 0
        and checks["duplicated answers"] == 0
        and checks["wrong scores"] == 0
        and checks["missing PDFs"] == 0
    )
    print("drill passed" if ok else "drill FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
