"""Patient flow throughput and latency under gunicorn (2 workers) on loopback.

    .venv/bin/python benchmarks/patient_flow.py [--seconds 5] [--runs 3]

Measures, with wrk, GET of a questionnaire step (requests/s at 16 connections) and POST
of a step (p50/p99 latency at 16 concurrent clients, each its own screening), beside a
bare Flask endpoint served by the same gunicorn settings in the same run. Reports the
median of the runs and the ratio to the baseline. Needs wrk (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
CLIENTS = 16
PART_A = {f"q{n}": "often" for n in range(1, 7)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app: str, env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [GUNICORN, "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", app],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{app} did not start")


def request(port, method, path, cookie="", body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Cookie": cookie}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read().decode()
    set_cookie = response.getheader("Set-Cookie") or ""
    connection.close()
    return response.status, data, set_cookie


def new_patient(port: int) -> tuple[str, str]:
    """Start a screening as a patient would; return its session cookie and a CSRF token."""
    _, page, set_cookie = request(port, "GET", "/")
    cookie = set_cookie.split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    # The questionnaires the landing page ticks by default, as a patient would leave them.
    chosen = re.findall(r'name="screeners" id="[^"]+" value="([^"]+)" checked', page)
    body = urllib.parse.urlencode(
        {"csrf_token": token, "consent": "y", "screeners": chosen}, doseq=True
    )
    status, _, set_cookie = request(port, "POST", "/screen/start", cookie, body)
    assert status == 302, status
    cookie = set_cookie.split(";")[0]
    _, page, set_cookie = request(port, "GET", "/screen/step/1", cookie)
    cookie = set_cookie.split(";")[0] or cookie  # the page adds its CSRF secret
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return cookie, token


def lua_post_script(folder: Path, patients: list[tuple[str, str]], path: str) -> Path:
    """A wrk script giving each of its threads (one connection each) its own patient."""
    lines = []
    for cookie, token in patients:
        body = urllib.parse.urlencode({"csrf_token": token, **PART_A})
        lines.append(f"{{{json.dumps(cookie)}, {json.dumps(body)}}}")
    entries = ",\n".join(lines)
    script = folder / "post.lua"
    script.write_text(
        f"""
local patients = {{
{entries}
}}
local counter = 0
function setup(thread)
  counter = counter + 1
  local p = patients[(counter - 1) % #patients + 1]
  thread:set("cookie", p[1])
  thread:set("body", p[2])
end
request = function()
  return wrk.format("POST", "{path}", {{["Cookie"] = cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded"}}, body)
end
"""
    )
    return script


def wrk(url: str, seconds: int, *args: str, threads: int = 2) -> dict:
    output = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(CLIENTS),
            "-d",
            f"{seconds}s",
            "--latency",
            *args,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = {}
    for label, value, unit in re.findall(r"\s+(50|99)%\s+([\d.]+)(us|ms|s)\n", output):
        scale = {"us": 0.001, "ms": 1, "s": 1000}[unit]
        latency[label] = float(value) * scale
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": rps,
        "p50_ms": latency.get("50"),
        "p99_ms": latency.get("99"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")

    folder = Path(tempfile.mkdtemp(prefix="screener-bench-"))
    env = {
        **os.environ,
        "SCREENER_DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite'}",
        "SCREENER_SECRET_KEY": "benchmark-secret-key-" + "x" * 32,
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run([PYTHON, "-m", "screener.cli", "init"], env=env, check=True, capture_output=True)
    app_port, bare_port = free_port(), free_port()
    servers = [
        serve("screener.wsgi:app", env, app_port),
        serve("benchmarks.bare_app:app", env, bare_port),
    ]
    try:
        patients = [new_patient(app_port) for _ in range(CLIENTS)]
        cookie = patients[0][0]
        bare_body = folder / "bare.lua"
        bare_body.write_text(
            'wrk.method = "POST"\nwrk.body = "a=1&b=2&c=3&d=4&e=5&f=6"\n'
            'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        )
        post_script = lua_post_script(folder, patients, "/screen/step/1")
        results: dict[str, list[dict]] = {
            k: [] for k in ("bare_get", "step_get", "bare_post", "step_post")
        }
        for _ in range(args.runs):  # interleaved, so drift affects both sides alike
            results["bare_get"].append(wrk(f"http://127.0.0.1:{bare_port}/", args.seconds))
            results["step_get"].append(
                wrk(
                    f"http://127.0.0.1:{app_port}/screen/step/1",
                    args.seconds,
                    "-H",
                    f"Cookie: {cookie}",
                )
            )
            results["bare_post"].append(
                wrk(f"http://127.0.0.1:{bare_port}/", args.seconds, "-s", str(bare_body))
            )
            results["step_post"].append(
                wrk(
                    f"http://127.0.0.1:{app_port}/screen/step/1",
                    args.seconds,
                    "-s",
                    str(post_script),
                )
            )
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
        shutil.rmtree(folder, ignore_errors=True)

    summary = {
        name: {key: median_of(runs, key) for key in ("rps", "p50_ms", "p99_ms", "errors")}
        for name, runs in results.items()
    }
    summary["ratios"] = {
        "step_get_rps_vs_bare": summary["step_get"]["rps"] / summary["bare_get"]["rps"],
        "step_post_p99_vs_bare": summary["step_post"]["p99_ms"] / summary["bare_post"]["p99_ms"],
    }
    print(json.dumps(summary, indent=2))
    print()
    print(
        f"| measurement ({CLIENTS} connections, gunicorn -w 2, median of {args.runs} x "
        f"{args.seconds}s) | screener | bare Flask | ratio |"
    )
    print("| --- | --- | --- | --- |")
    print(
        f"| GET a questionnaire step, requests/s | {summary['step_get']['rps']:.0f} | "
        f"{summary['bare_get']['rps']:.0f} | {summary['ratios']['step_get_rps_vs_bare']:.2f} |"
    )
    print(
        f"| POST a step, p50 latency (ms) | {summary['step_post']['p50_ms']:.1f} | "
        f"{summary['bare_post']['p50_ms']:.1f} | "
        f"{summary['step_post']['p50_ms'] / summary['bare_post']['p50_ms']:.2f} |"
    )
    print(
        f"| POST a step, p99 latency (ms) | {summary['step_post']['p99_ms']:.1f} | "
        f"{summary['bare_post']['p99_ms']:.1f} | "
        f"{summary['ratios']['step_post_p99_vs_bare']:.2f} |"
    )
    print(
        f"| POST a step, requests/s | {summary['step_post']['rps']:.0f} | "
        f"{summary['bare_post']['rps']:.0f} | |"
    )
    if summary["step_post"]["errors"] or summary["step_get"]["errors"]:
        print("WARNING: some responses were not 2xx/3xx", file=sys.stderr)


if __name__ == "__main__":
    main()
