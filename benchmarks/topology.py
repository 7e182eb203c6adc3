"""The reference topology on one machine, on loopback: nginx (TLS) in front of two app
servers (gunicorn, 2 workers each), one job worker, PostgreSQL and Redis.

    scripts/topology up [--fresh]     start it; prints where it answers
    scripts/topology down             stop what ``up`` started
    scripts/topology status           which parts are running

Each part starts from the files in ``deploy/`` as a clinic would start it: the
``ExecStart`` line of the systemd units (with ``%i`` the port) and nginx's site file,
with the environment of ``deploy/screener.env.example`` pointed at this machine.
PostgreSQL and Redis are the machine's own (127.0.0.1:5432 with trust authentication,
127.0.0.1:6379); the topology uses a database (``screener_topology``) and two Redis
databases (10 and 11) of its own. Everything else lives in ``$TOPOLOGY_DIR``
(``/tmp/screener-topology``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
VENV_BIN = Path(sys.executable).parent
RUN = Path(os.environ.get("TOPOLOGY_DIR", "/tmp/screener-topology"))  # noqa: S108 - loopback drill
LB_PORT = int(os.environ.get("TOPOLOGY_PORT", "8443"))
APP_PORTS = (8101, 8102)
DATABASE = "screener_topology"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/"
REDIS = "redis://127.0.0.1:6379/"


def environment() -> dict[str, str]:
    """deploy/screener.env.example, pointed at this machine and this run's folder."""
    env = dict(os.environ)
    for line in (DEPLOY / "screener.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            env[name.strip()] = value.strip()
    env.update(
        SCREENER_SECRET_KEY=_secret(),
        SCREENER_DATABASE_URL=POSTGRES + DATABASE,
        SCREENER_INSTANCE_PATH=str(RUN / "instance"),
        SCREENER_TRUSTED_HOSTS="localhost,127.0.0.1",
        SCREENER_PUBLIC_URL=f"https://localhost:{LB_PORT}/",
        SCREENER_RATELIMIT_STORAGE_URL=REDIS + "10",
        SCREENER_QUEUE_URL=REDIS + "11",
        SCREENER_QUEUE_NAME="topology",
        SCREENER_CLINIC_NAME="Topology Clinic",
        SCREENER_TIMEZONE="UTC",
        # The drill's patients come from many loopback addresses, but a busy waiting room
        # starts many screenings: the limit must not be what the drill measures.
        SCREENER_SCREENINGS_PER_ADDRESS="10000",
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # set per app server below
    return env


def _secret() -> str:
    path = RUN / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def _exec_start(unit: str, instance: str = "") -> list[str]:
    """The unit's ExecStart, with this checkout's virtualenv for /opt/screener/.venv."""
    text = (DEPLOY / "systemd" / unit).read_text()
    line = re.search(r"^ExecStart=(.+)$", text, re.M).group(1)
    line = line.replace("%i", instance).replace("/opt/screener/.venv/bin/", f"{VENV_BIN}/")
    nice = re.search(r"^Nice=(-?\d+)$", text, re.M)
    return (["nice", "-n", nice.group(1)] if nice else []) + shlex.split(line)


def _psql(sql: str, database: str = "postgres") -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-q", "-c", sql],
        check=True,
        capture_output=True,
    )


def _start(name: str, command: list[str], env: dict[str, str]) -> int:
    log = open(RUN / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
    )
    (RUN / f"{name}.pid").write_text(str(process.pid))
    return process.pid


def _wait_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answers on port {port}; see {RUN}")


def _certificate() -> tuple[Path, Path]:
    cert, key = RUN / "tls.crt", RUN / "tls.key"
    if not cert.exists():
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=localhost",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
        )
    return cert, key


def _nginx_config() -> Path:
    cert, key = _certificate()
    site = (DEPLOY / "nginx" / "screener.conf").read_text()
    for word, value in {
        "@UPSTREAM_SERVERS@": " ".join(f"server 127.0.0.1:{p};" for p in APP_PORTS),
        "@LISTEN@": f"127.0.0.1:{LB_PORT}",
        "@SERVER_NAME@": "localhost",
        "@CERTIFICATE@": str(cert),
        "@CERTIFICATE_KEY@": str(key),
        "@ACCESS_LOG@": str(RUN / "nginx-access.log"),
        "@ERROR_LOG@": str(RUN / "nginx-error.log"),
    }.items():
        site = site.replace(word, value)
    config = RUN / "nginx.conf"
    config.write_text(
        f"worker_processes 1;\npid {RUN / 'nginx.pid'};\nerror_log {RUN / 'nginx-error.log'};\n"
        f"events {{ worker_connections 2048; }}\n"
        f"http {{\n  client_body_temp_path {RUN / 'nginx-body'};\n"
        f"  proxy_temp_path {RUN / 'nginx-proxy'};\n{site}\n}}\n"
    )
    return config


def up(fresh: bool = False) -> None:
    if status(quiet=True):
        down()
    RUN.mkdir(parents=True, exist_ok=True)
    (RUN / "instance").mkdir(exist_ok=True)
    if fresh:
        _psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        subprocess.run(["redis-cli", "-n", "10", "flushdb"], check=True, capture_output=True)
        subprocess.run(["redis-cli", "-n", "11", "flushdb"], check=True, capture_output=True)
    with contextlib.suppress(subprocess.CalledProcessError):  # already there
        _psql(f"CREATE DATABASE {DATABASE}")
    env = environment()
    subprocess.run(
        [str(VENV_BIN / "screener"), "init"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    for port in APP_PORTS:
        metrics = RUN / f"metrics-{port}"
        shutil.rmtree(metrics, ignore_errors=True)
        metrics.mkdir()
        _start(
            f"app-{port}",
            _exec_start("screener-web@.service", str(port)),
            {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics)},
        )
    _start("worker", _exec_start("screener-worker.service"), env)
    for port in APP_PORTS:
        _wait_port(port)
    subprocess.run(["nginx", "-c", str(_nginx_config())], check=True)
    _wait_port(LB_PORT)
    ready = get("/health/ready")
    print(f"topology up: https://localhost:{LB_PORT}/ ({ready['status']}); files in {RUN}")


def get(path: str) -> dict:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(f"https://localhost:{LB_PORT}{path}")
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(request, context=context, timeout=5) as response:
                return json.load(response)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def pid(name: str) -> int | None:
    try:
        value = int((RUN / f"{name}.pid").read_text())
        os.kill(value, 0)
        return value
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None


def restart_worker() -> int:
    """As systemd's Restart=always would, after the worker died."""
    return _start("worker", _exec_start("screener-worker.service"), environment())


def down() -> None:
    if (RUN / "nginx.conf").exists() and pid("nginx"):
        subprocess.run(["nginx", "-c", str(RUN / "nginx.conf"), "-s", "stop"], check=False)
    for name in [f"app-{p}" for p in APP_PORTS] + ["worker"]:
        value = pid(name)
        if value:
            os.killpg(value, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(
        pid(n) for n in [f"app-{p}" for p in APP_PORTS] + ["worker"]
    ):
        time.sleep(0.2)
    for name in [f"app-{p}" for p in APP_PORTS] + ["worker"]:
        value = pid(name)
        if value:
            os.killpg(value, signal.SIGKILL)
    print("topology down")


def status(quiet: bool = False) -> bool:
    names = ["nginx"] + [f"app-{p}" for p in APP_PORTS] + ["worker"]
    running = {name: pid(name) for name in names}
    if not quiet:
        for name, value in running.items():
            print(f"{name}: {'running, pid ' + str(value) if value else 'stopped'}")
    return any(running.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("up", "down", "status"))
    parser.add_argument("--fresh", action="store_true", help="empty database and queue first")
    args = parser.parse_args()
    if args.action == "up":
        up(fresh=args.fresh)
    elif args.action == "down":
        down()
    else:
        status()


if __name__ == "__main__":
    main()
