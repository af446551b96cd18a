"""`make bench`: seed the databases, then serve and load every app in turn, then report.

Every server is started the same way (uvicorn, the event loop `inkwell serve` runs, httptools,
one worker, access log off) on a free port of 127.0.0.1, warmed, then loaded by wrk at each
concurrency for a fixed duration. Settings come from the environment:

    BENCH_DURATION     wrk duration of each measured run (default 20s; 2s for a smoke run)
    BENCH_WARMUP       wrk duration of the warm-up before an app's runs (default 5s)
    BENCH_CONNECTIONS  concurrencies to measure (default 16,64,256)
    BENCH_POSTGRES_URL the database to create afresh and seed
                       (default postgresql://postgres@127.0.0.1:5432/inkwell_bench)
    BENCH_ONLY         comma-separated app names to run, e.g. "Inkwell PG,raw ceiling"
    BENCH_LOOP         uvicorn's event loop for every server (default: `inkwell serve`'s)
    BENCH_DATASET      `10k` (default: 100 users, 10,000 posts) or `1m` (100,000 users,
                       1,000,000 posts; seeding takes minutes on PostgreSQL, longer on SQLite)
"""

import asyncio
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL, make_url

from bench.apps.timed import LATENCY_PATH
from bench.report import (
    RAW_CEILING,
    Result,
    TailTarget,
    Target,
    errors_line,
    load_results,
    markdown_table,
    parse_wrk_output,
    plot,
    save_results,
    targets_table,
)
from inkwell.cli import EVENT_LOOP
from inkwell.seed import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
RAW_RESULTS = RESULTS_DIR / "latest.raw"
SUMMARY_LUA = ROOT / "bench" / "summary.lua"
# The data sets `inkwell seed` writes for a run (BENCH_DATASET): (users, posts).
DATASETS = {"10k": (100, 10_000), "1m": (100_000, 1_000_000)}
USERS, POSTS = DATASETS[os.environ.get("BENCH_DATASET") or "10k"]
# Seconds a seed may take: a million posts take minutes on a loaded machine, more on SQLite.
SEED_TIMEOUT = 600 if POSTS <= 10_000 else 4 * 3600
# The post page scenario: the first post, with this many comments, all on its one page.
COMMENTS = 100
# The longest a server may take to answer its first request (a loaded machine imports slowly).
READY_TIMEOUT_SECONDS = 120
# Production must be told the site's address; the links a page writes with it are not followed.
PUBLIC_BASE_URL = "http://127.0.0.1"
WRK_TIMEOUT = "5s"
POSTS_SCENARIO = "posts"
POST_PAGE_SCENARIO = "post page"
SLOW_SCENARIO = "slow I/O"
SEARCH_SCENARIO = "search"
# Two of the seeded words (inkwell.seed_text): about half the posts hold both, so the search
# ranks and counts thousands and highlights a page of them.
SEARCH_PATH = "/api/search?q=query+table"
INKWELL_SEARCH = "Inkwell PG search"
INKWELL_LISTING = "Inkwell PG listing"
INKWELL = "Inkwell PG"
INKWELL_SQLITE = "Inkwell SQLite"
# What every server runs: the app of its Server, timed (bench.apps.timed).
TIMED_APP = "bench.apps.timed:create_app"
LOOP = os.environ.get("BENCH_LOOP") or EVENT_LOOP
HOME = "Inkwell home /"
CACHE_SCENARIO = "cached read path"
HOME_ANONYMOUS = "Inkwell home / anonymous (cached)"
HOME_SIGNED_IN = "Inkwell home / signed in (uncached)"
API_ANONYMOUS = "Inkwell /api/posts anonymous (cached)"
HELLO = "hello"
POST_PAGE = f"Inkwell post page ({COMMENTS} comments)"
CONDUIT = "Conduit articles"
CONDUIT_ARTICLES = "/conduit/api/articles"
SYNC = "sync"
TUTORIAL = "tutorial async"

TARGETS = (
    Target(
        "Inkwell PG >= 50% of the raw ceiling @64", POSTS_SCENARIO, INKWELL, RAW_CEILING, 64, 0.5
    ),
    Target("Inkwell PG >= 3x tutorial async @64", POSTS_SCENARIO, INKWELL, TUTORIAL, 64, 3),
    Target("Inkwell PG >= 5x sync @64", POSTS_SCENARIO, INKWELL, SYNC, 64, 5),
    Target("home page >= 70% of Inkwell's JSON @64", POSTS_SCENARIO, HOME, INKWELL, 64, 0.7),
    Target("Conduit >= 0.9x Inkwell's JSON @64", POSTS_SCENARIO, CONDUIT, INKWELL, 64, 0.9),
    Target("Conduit >= 0.9x Inkwell's JSON @256", POSTS_SCENARIO, CONDUIT, INKWELL, 256, 0.9),
    Target("SQLite >= 0.7x PostgreSQL @64", POSTS_SCENARIO, INKWELL_SQLITE, INKWELL, 64, 0.7),
    Target("anonymous home page >= 0.6x hello @64", CACHE_SCENARIO, HOME_ANONYMOUS, HELLO, 64, 0.6),
    Target(
        "anonymous first API page >= 0.6x hello @64", CACHE_SCENARIO, API_ANONYMOUS, HELLO, 64, 0.6
    ),
    Target("slow I/O: Inkwell PG >= 5x sync @256", SLOW_SCENARIO, INKWELL, SYNC, 256, 5),
    Target("slow I/O: tutorial async >= 5x sync @256", SLOW_SCENARIO, TUTORIAL, SYNC, 256, 5),
    TailTarget("listing p99 <= 3x p50 @256, in the app", POSTS_SCENARIO, INKWELL, 256, 3, True),
    TailTarget("listing p99 <= 3x p50 @256, as wrk saw it", POSTS_SCENARIO, INKWELL, 256, 3, False),
    TailTarget("home page p99 <= 3x p50 @256, in the app", POSTS_SCENARIO, HOME, 256, 3, True),
    TailTarget("home page p99 <= 3x p50 @256, as wrk saw it", POSTS_SCENARIO, HOME, 256, 3, False),
)


@dataclass(frozen=True)
class Settings:
    duration: str
    warmup: str
    connections: tuple[int, ...]
    postgres: URL
    only: frozenset[str]

    @classmethod
    def from_environment(cls) -> "Settings":
        only = os.environ.get("BENCH_ONLY", "")
        return cls(
            duration=os.environ.get("BENCH_DURATION") or "20s",
            warmup=os.environ.get("BENCH_WARMUP") or "5s",
            connections=tuple(
                int(c) for c in (os.environ.get("BENCH_CONNECTIONS") or "16,64,256").split(",")
            ),
            postgres=make_url(
                os.environ.get("BENCH_POSTGRES_URL")
                or "postgresql://postgres@127.0.0.1:5432/inkwell_bench"
            ),
            only=frozenset(name.strip() for name in only.split(",") if name.strip()),
        )


@dataclass(frozen=True)
class Load:
    """One app measured on a server: its name in the report and the path wrk requests."""

    app: str
    path: str
    optional: bool = False  # reported as missing, not failed, when it does not answer 200
    # Sent with a seeded writer's bearer token: what a signed-in reader costs (no cache).
    signed_in: bool = False


@dataclass(frozen=True)
class Server:
    scenario: str
    factory: str
    loads: tuple[Load, ...]
    env: dict[str, str] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def seconds(duration: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    return float(duration[:-1]) * units[duration[-1]] if duration[-1] in units else float(duration)


# --- data ---------------------------------------------------------------------------------


async def recreate_database(url: URL) -> None:
    admin = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, database="postgres"
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{url.database}"')
    finally:
        await admin.close()


@asynccontextmanager
async def connected(url: URL) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        database=url.database,
    )
    try:
        yield connection
    finally:
        await connection.close()


async def analyze(url: URL) -> None:
    async with connected(url) as connection:
        await connection.execute("VACUUM ANALYZE")


async def commented_post_path(url: URL) -> str:
    """The canonical address of the post the seed commented on, its comments on one page."""
    async with connected(url) as connection:
        post = await connection.fetchrow(
            "SELECT id, slug FROM posts ORDER BY comment_count DESC, id LIMIT 1"
        )
    assert post is not None, "the seed wrote no posts"
    return f"/posts/{post['id']}-{post['slug']}?limit={COMMENTS}"


def seed(database_url: str) -> None:
    """Inkwell's own `seed` command: the same 100 users, 10,000 posts and 100 comments under
    the first post on every backend."""
    print(f"seeding {database_url}", flush=True)
    command = ["seed", "--users", str(USERS), "--posts", str(POSTS), "--comments", str(COMMENTS)]
    subprocess.run(
        [sys.executable, "-m", "inkwell", *command],
        env=os.environ | {"DATABASE_URL": database_url},
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=SEED_TIMEOUT,
    )


# --- processes ----------------------------------------------------------------------------


@contextmanager
def running(command: Sequence[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(command, env=os.environ | env, cwd=ROOT)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def uvicorn_command(factory: str, port: int) -> list[str]:
    """The same server settings for every app."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        factory,
        "--factory",
        "--host=127.0.0.1",
        f"--port={port}",
        f"--loop={LOOP}",
        "--http=httptools",
        "--workers=1",
        "--no-access-log",
        "--log-level=warning",
    ]


def first_answer(url: str, process: subprocess.Popen[bytes]) -> tuple[int, bytes]:
    """Polls until the server answers (any status), for at most READY_TIMEOUT_SECONDS."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=READY_TIMEOUT_SECONDS) as response:  # noqa: S310  (loopback)
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {READY_TIMEOUT_SECONDS}s")


def settle(url: str, process: subprocess.Popen[bytes]) -> None:
    """Waits out the previous run's backlog: a request queued behind it answers when it is done.

    wrk closes its connections when its time is up, but requests already handed to a thread
    pool still run, and would otherwise eat into the next measured run.
    """
    first_answer(url, process)
    time.sleep(1)


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            pids.extend(_tree(int(child)))
    return pids


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@contextmanager
def peak_rss(pid: int) -> Iterator[list[float]]:
    """Samples the RSS of the process tree every 100 ms; the list holds the peak in MiB."""
    peak = [0.0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.1):
            peak[0] = max(peak[0], sum(_rss_kib(p) for p in _tree(pid)) / 1024)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        stop.set()
        sampler.join()


def wrk(
    url: str,
    connections: int,
    duration: str,
    headers: Sequence[str] = (),
    *,
    script: Path = SUMMARY_LUA,
    arguments: Sequence[str] = (),
) -> str:
    """One bounded load run: wrk stops after `duration`, and is killed if it does not. A
    `script` other than summary.lua makes the requests and runs summary.lua itself; it
    receives the `arguments`."""
    command = [
        "wrk",
        *(f"--header={header}" for header in headers),
        f"--threads={min(2, connections)}",
        f"--connections={connections}",
        f"--duration={duration}",
        f"--timeout={WRK_TIMEOUT}",
        f"--script={script}",
        url,
        *(["--", *arguments] if arguments else []),
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds(duration) + 60
    )
    return completed.stdout


# --- the run ------------------------------------------------------------------------------


def check_document(path: str, status: int, body: bytes) -> str | None:
    """Why the first answer disqualifies the app, if it does."""
    if status != 200:
        return f"answers {status}"
    if path == "/api/posts" and b'"has_more"' not in body:
        return "not the posts page document"
    if path.startswith("/posts/") and body.count(b'data-testid="comment"') != COMMENTS:
        return f"not a post page with its {COMMENTS} comments"
    if path == CONDUIT_ARTICLES and b'"articlesCount"' not in body:
        return "not the Conduit articles document"
    if path == SEARCH_PATH and b"<mark>" not in body:
        return "no highlighted hit"
    return None


def signed_in_headers(port: int, postgres: URL) -> list[str]:
    """The first seeded writer's bearer token, in a header."""
    return [f"Authorization: Bearer {writer_tokens(port, postgres, 1)[0]}"]


def writer_tokens(port: int, postgres: URL, count: int) -> list[str]:
    """The bearer tokens of the first `count` seeded writers, from signing in as they would
    (inkwell.seed's DEMO_PASSWORD); the Inkwell PG servers read the database the seed wrote."""

    async def first_writers() -> list[str]:
        async with connected(postgres) as connection:
            rows = await connection.fetch("SELECT username FROM users ORDER BY id LIMIT $1", count)
            return [row["username"] for row in rows]

    def token(username: str) -> str:
        form = urllib.parse.urlencode({"username": username, "password": DEMO_PASSWORD})
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/users/token", data=form.encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=READY_TIMEOUT_SECONDS) as response:  # noqa: S310
            access_token: str = json.loads(response.read())["access_token"]
            return access_token

    return [token(username) for username in asyncio.run(first_writers())]


def app_latency(port: int) -> dict[str, float]:
    """The requests the app timed since it was last asked, and their p50 and p99 in ms
    (bench.apps.timed); asking starts afresh."""
    url = f"http://127.0.0.1:{port}{LATENCY_PATH}"
    with urllib.request.urlopen(url, timeout=READY_TIMEOUT_SECONDS) as response:
        figures: dict[str, float] = json.loads(response.read())
        return figures


def measure(server: Server, settings: Settings) -> list[Result]:
    loads = [load for load in server.loads if not settings.only or load.app in settings.only]
    if not loads:
        return []
    port = free_port()
    results = []
    print(f"== {server.scenario}: {', '.join(load.app for load in loads)}", flush=True)
    timed = server.env | {"BENCH_TIMED_APP": server.factory}
    with running(uvicorn_command(TIMED_APP, port), timed) as process:
        for load in loads:
            url = f"http://127.0.0.1:{port}{load.path}"
            problem = check_document(load.path, *first_answer(url, process))
            if problem is not None:
                if not load.optional:
                    raise RuntimeError(f"{load.app} at {url} {problem}")
                print(f"   {load.app}: missing ({problem})", flush=True)
                results += [
                    Result(server.scenario, load.app, c, missing=problem)
                    for c in settings.connections
                ]
                continue
            headers = signed_in_headers(port, settings.postgres) if load.signed_in else []
            wrk(url, min(settings.connections), settings.warmup, headers)
            for connections in settings.connections:
                settle(url, process)
                app_latency(port)
                with peak_rss(process.pid) as peak:
                    figures = parse_wrk_output(wrk(url, connections, settings.duration, headers))
                timed_by_app = app_latency(port)
                result = Result(
                    scenario=server.scenario,
                    app=load.app,
                    connections=connections,
                    requests_per_second=figures.requests_per_second,
                    p50_ms=figures.p50_ms,
                    p99_ms=figures.p99_ms,
                    errors=figures.errors,
                    peak_rss_mib=peak[0],
                    timeouts=figures.timeouts,
                    app_p50_ms=timed_by_app["p50_ms"],
                    app_p99_ms=timed_by_app["p99_ms"],
                )
                print(
                    f"   {load.app} @{connections}: {result.requests_per_second:,.0f} req/s, "
                    f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms (in the app "
                    f"{result.app_p50_ms:.1f}, {result.app_p99_ms:.1f}), "
                    f"{result.errors} errors, {result.peak_rss_mib:.0f} MiB",
                    flush=True,
                )
                results.append(result)
    return results


def servers(postgres: URL, sqlite_url: str, upstream: str, post_page: str) -> list[Server]:
    plain = postgres.set(drivername="postgresql").render_as_string(hide_password=False)
    # Inkwell as deployed: production settings, only warnings logged (no app has an access
    # log). The designs are compared on the path every request takes: the cache of anonymous
    # reads is off but in its own scenario, where it is on as deployed.
    inkwell_pg = {
        "ENVIRONMENT": "production",
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "DATABASE_URL": postgres.set(drivername="postgresql+asyncpg").render_as_string(False),
        "SECRET_KEY": secrets.token_hex(32),
        "LOG_LEVEL": "WARNING",
        "ANONYMOUS_CACHE_BYTES": "0",
    }
    cached = inkwell_pg | {"ANONYMOUS_CACHE_BYTES": str(64 * 1024 * 1024)}
    reference = {"BENCH_DATABASE_URL": plain}
    slow = {"BENCH_UPSTREAM_URL": upstream}
    # Conduit's default page (20 articles) against Inkwell's (10 posts), on the same server.
    posts = [
        Load(INKWELL, "/api/posts"),
        Load(HOME, "/", optional=True),
        Load(CONDUIT, CONDUIT_ARTICLES),
    ]
    wrapped = "bench.apps.upstream:create_app"
    return [
        Server(POSTS_SCENARIO, "inkwell.cli:served_app", tuple(posts), inkwell_pg),
        Server(
            POSTS_SCENARIO,
            "inkwell.cli:served_app",
            (Load(INKWELL_SQLITE, "/api/posts"),),
            inkwell_pg | {"DATABASE_URL": sqlite_url},
        ),
        Server(
            POSTS_SCENARIO, "bench.apps.sync_app:create_app", (Load(SYNC, "/api/posts"),), reference
        ),
        Server(
            POSTS_SCENARIO,
            "bench.apps.tutorial_async:create_app",
            (Load(TUTORIAL, "/api/posts"),),
            reference,
        ),
        Server(
            POSTS_SCENARIO,
            "bench.apps.raw:create_app",
            (Load(RAW_CEILING, "/api/posts"),),
            reference,
        ),
        Server(POSTS_SCENARIO, "bench.apps.hello:create_app", (Load(HELLO, "/hello"),)),
        # The search beside the listing, on the same server.
        Server(
            SEARCH_SCENARIO,
            "inkwell.cli:served_app",
            (Load(INKWELL_SEARCH, SEARCH_PATH), Load(INKWELL_LISTING, "/api/posts")),
            inkwell_pg,
        ),
        Server(
            POST_PAGE_SCENARIO, "inkwell.cli:served_app", (Load(POST_PAGE, post_page),), inkwell_pg
        ),
        # The same home page from the anonymous cache and rendered for a signed-in reader, the
        # first API page from the cache, and hello-world beside them.
        Server(
            CACHE_SCENARIO,
            "inkwell.cli:served_app",
            (
                Load(HOME_ANONYMOUS, "/"),
                Load(API_ANONYMOUS, "/api/posts"),
                Load(HOME_SIGNED_IN, "/", signed_in=True),
            ),
            cached,
        ),
        Server(CACHE_SCENARIO, "bench.apps.hello:create_app", (Load(HELLO, "/hello"),)),
        Server(
            SLOW_SCENARIO,
            wrapped,
            (Load(INKWELL, "/api/posts"),),
            inkwell_pg | slow | {"BENCH_WRAPPED_APP": "inkwell.cli:served_app"},
        ),
        Server(
            SLOW_SCENARIO,
            "bench.apps.sync_app:create_app",
            (Load(SYNC, "/api/posts"),),
            reference | slow,
        ),
        Server(
            SLOW_SCENARIO,
            wrapped,
            (Load(TUTORIAL, "/api/posts"),),
            reference | slow | {"BENCH_WRAPPED_APP": "bench.apps.tutorial_async:create_app"},
        ),
        Server(
            SLOW_SCENARIO,
            wrapped,
            (Load(RAW_CEILING, "/api/posts"),),
            reference | slow | {"BENCH_WRAPPED_APP": "bench.apps.raw:create_app"},
        ),
    ]


def write_report(results: Sequence[Result], settings: Settings) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    plot(results, RESULTS_DIR / "benchmark.png")
    report = RESULTS_DIR / "benchmark.md"
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    report.write_text(
        f"# Benchmark: Inkwell against the sync design, the tutorial design and the raw ceiling\n\n"
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench` on {os.cpu_count()} cores "
        f"({cpu}), Python {platform.python_version()}; wrk for {settings.duration} per run after a "
        f"{settings.warmup} warm-up; {USERS} users and {POSTS:,} posts; every server is uvicorn "
        f"with the {LOOP} event loop, httptools, one worker and no access log. The slow-I/O "
        f"scenario awaits a 50 ms call to a local stub before each request. Errors are HTTP "
        f">= 400, socket errors and timeouts (> {WRK_TIMEOUT}). The in-app latencies are each "
        f"app's own timing of the same requests (bench/apps/timed.py), without the wait outside "
        f"it.\n\n"
        f"What the profiler found and what was changed: [bench/NOTES.md](../NOTES.md).\n\n"
        f"![throughput and p99 latency against concurrency](benchmark.png)\n\n"
        f"## Targets\n\n{targets_table(results, TARGETS)}\n"
        f"{errors_line(results, INKWELL, max(settings.connections))}\n\n"
        f"## All runs\n\n{markdown_table(results)}"
    )
    return report


def main(argv: Sequence[str]) -> None:
    settings = Settings.from_environment()
    if argv[1:] == ["report"]:  # rebuild the report from the last run's figures
        print(write_report(load_results(RAW_RESULTS), settings))
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does it)")
    with tempfile.TemporaryDirectory(prefix="inkwell-bench-") as scratch:
        sqlite_url = f"sqlite+aiosqlite:///{scratch}/inkwell.db"
        asyncio.run(recreate_database(settings.postgres))
        seed(settings.postgres.set(drivername="postgresql+asyncpg").render_as_string(False))
        asyncio.run(analyze(settings.postgres))
        post_page = asyncio.run(commented_post_path(settings.postgres))
        seed(sqlite_url)
        stub_port = free_port()
        stub = [sys.executable, "-m", "bench.apps.upstream", str(stub_port)]
        results: list[Result] = []
        with running(stub, {}):
            upstream = f"http://127.0.0.1:{stub_port}/"
            for server in servers(settings.postgres, sqlite_url, upstream, post_page):
                results += measure(server, settings)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    save_results(results, RAW_RESULTS)
    print(f"wrote {write_report(results, settings)}")


if __name__ == "__main__":
    main(sys.argv)
