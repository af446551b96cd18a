"""One app under one load: its server CPU per request, and optionally a py-spy profile.

    .venv/bin/python -m bench.profile "Inkwell PG" /api/posts
    .venv/bin/python -m bench.profile "raw ceiling" /api/posts --connections 256
    .venv/bin/python -m bench.profile "Inkwell PG" / --py-spy profile.txt

The app names are the report's; the database is the PostgreSQL one `make bench` seeded last. On a
machine shared with wrk and PostgreSQL, requests per second swing from run to run; the
server's own CPU time (utime + stime from /proc) divided by the requests it answered
moves much less, so it is the figure to compare a change with.
"""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from bench.report import parse_wrk_output
from bench.runner import (
    POSTS_SCENARIO,
    Server,
    Settings,
    first_answer,
    free_port,
    running,
    seconds,
    servers,
    uvicorn_command,
    wrk,
)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


# The SQLite file `make bench` seeds is gone when it ends; only the PostgreSQL apps remain.
NO_SQLITE = "sqlite+aiosqlite:///:memory:"


def find_server(app: str, settings: Settings) -> Server:
    candidates = {
        load.app: server
        for server in servers(settings.postgres, NO_SQLITE, upstream="")
        if server.scenario == POSTS_SCENARIO and server.env.get("DATABASE_URL") != NO_SQLITE
        for load in server.loads
    }
    if app not in candidates:
        raise SystemExit(f"no app named {app!r}; the apps are: {', '.join(sorted(candidates))}")
    return candidates[app]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("app", help='an app of the report, e.g. "Inkwell PG" or "raw ceiling"')
    parser.add_argument("path", help="the path wrk requests, e.g. /api/posts")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", default="8s")
    parser.add_argument("--py-spy", metavar="FILE", help="also record a py-spy profile")
    arguments = parser.parse_args(argv)
    settings = Settings.from_environment()
    server = find_server(arguments.app, settings)
    port = free_port()
    url = f"http://127.0.0.1:{port}{arguments.path}"
    with running(uvicorn_command(server.factory, port), server.env) as process:
        status, _ = first_answer(url, process)
        if status != 200:
            raise SystemExit(f"{url} answers {status}")
        wrk(url, 16, "2s")  # warm-up: pools filled, statements prepared
        spy = None
        if arguments.py_spy:
            py_spy = shutil.which("py-spy", path=Path(sys.executable).parent) or "py-spy"
            spy = subprocess.Popen(
                [
                    py_spy,
                    "record",
                    f"--pid={process.pid}",
                    f"--duration={int(seconds(arguments.duration))}",
                    "--rate=250",
                    "--format=raw",
                    f"--output={arguments.py_spy}",
                ],
                stdout=subprocess.DEVNULL,
            )
        before = cpu_seconds(process.pid)
        figures = parse_wrk_output(wrk(url, arguments.connections, arguments.duration))
        spent = cpu_seconds(process.pid) - before
        if spy is not None:
            spy.wait()
    print(
        f"{arguments.app} {arguments.path} @{arguments.connections}: "
        f"{figures.requests_per_second:,.0f} req/s, "
        f"{1000 * spent / max(figures.requests, 1):.2f} ms server CPU per request, "
        f"p50 {figures.p50_ms:.1f} ms, p99 {figures.p99_ms:.1f} ms, {figures.errors} errors"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
