"""`make bench-million`: Inkwell on a million posts (issue #19), on a PostgreSQL database
seeded once and kept, since seeding a million posts takes minutes (`inkwell seed --users
100000 --posts 1000000`, done here when the database holds no posts).

Each path is served by Inkwell as deployed (one uvicorn worker, production settings) and
loaded by wrk at each concurrency, as `make bench` does; each run also records the server's
CPU time per request (utime + stime from /proc), the figure that compares a deep page with
the first (throughput on two cores shared with wrk and PostgreSQL swings more). The paths:
the first page of `/api/posts` and the page after its 500,000th post (by cursor), the
busiest author's first and last pages, a tag's first page, a search, the sitemap's index
(which finds its files among a million posts), the home page anonymous
(from the cache) and signed in (rendered), the first API page anonymous, and hello-world;
then post pages picked at random among more than the anonymous cache holds, with the cache
off and at two sizes (the peak RSS with the cache full), and new posts published by 16
writers at once (removed again at the end, so the database stays as seeded).

    BENCH_MILLION_URL  the database (default postgresql://postgres@127.0.0.1:5432/inkwell_million)
    BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS as for `make bench`

The report is bench/results/million.md, the plot bench/results/million.png.
"""

import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
from sqlalchemy.engine import URL, make_url

from bench.profile import cpu_seconds
from bench.report import Result, parse_wrk_output, plot
from bench.runner import (
    PUBLIC_BASE_URL,
    RESULTS_DIR,
    ROOT,
    SUMMARY_LUA,
    Settings,
    analyze,
    connected,
    first_answer,
    free_port,
    peak_rss,
    recreate_database,
    running,
    settle,
    signed_in_headers,
    uvicorn_command,
    writer_tokens,
    wrk,
)
from inkwell.pagination import Cursors, author_listing, posts_listing

USERS, POSTS = 100_000, 1_000_000
DEEP_POSITION = 500_000
MIB = 1024 * 1024
# Several times more post pages (~9 KB each) than the larger cache holds, and the caches' sizes.
POST_PAGES = 40_000
CACHE_SIZES_MIB = (16, 64)
WRITERS = 16
WRITES_LUA, PATHS_LUA = ROOT / "bench" / "writes.lua", ROOT / "bench" / "paths.lua"
BENCH_WRITE_TITLE = "A bench write"  # the title of writes.lua's posts, by which they are removed
SEARCH = "/api/search?q=garden"
# The published posts everyone reads, newest first: the listing's own order and filter.
_LISTED = (
    "FROM posts JOIN users ON users.id = posts.user_id "
    "WHERE posts.status = 'published' AND users.suspended_at IS NULL {extra} "
    "ORDER BY posts.published_at DESC, posts.id DESC"
)


@dataclass(frozen=True)
class Run:
    scenario: str
    path_name: str
    connections: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms: float
    peak_rss_mib: float


async def _seeded(url: URL) -> bool:
    try:
        async with connected(url) as connection:
            return bool(await connection.fetchval("SELECT EXISTS (SELECT 1 FROM posts)"))
    except (asyncpg.InvalidCatalogNameError, asyncpg.UndefinedTableError):
        return False  # no database, or one never migrated


async def _position(url: URL, extra: str, offset: int) -> list[Any]:
    """The (published_at, id) of the listing's row at `offset`, as a cursor holds it."""
    query = f"SELECT posts.published_at, posts.id {_LISTED.format(extra=extra)} OFFSET $1 LIMIT 1"
    async with connected(url) as connection:
        published_at, post_id = await connection.fetchrow(query, offset)
    return [published_at, post_id]


async def _paths(url: URL, secret: str) -> dict[str, str]:
    cursors = Cursors.from_secret(secret)
    async with connected(url) as connection:
        author_id, author_posts = await connection.fetchrow(
            "SELECT user_id, count(*) FROM posts WHERE status = 'published' "
            "GROUP BY user_id ORDER BY count(*) DESC LIMIT 1"
        )
        tag = await connection.fetchval("SELECT name FROM tags ORDER BY post_count DESC LIMIT 1")
    deep = await _position(url, "", DEEP_POSITION - 1)
    last = await _position(url, f"AND posts.user_id = {int(author_id)}", author_posts - 11)
    return {
        "first page /api/posts": "/api/posts",
        f"page after post {DEEP_POSITION:,} (cursor)": "/api/posts?cursor="
        + cursors.encode(posts_listing(None), deep),
        f"an author's first page ({author_posts:,} posts)": f"/api/users/{author_id}/posts",
        "that author's last page (cursor)": f"/api/users/{author_id}/posts?cursor="
        + cursors.encode(author_listing(author_id), last),
        f"tag #{tag}": f"/api/posts?tag={quote(tag)}",
        "search": SEARCH,
        "sitemap index": "/sitemap.xml",
    }


# Read from the anonymous cache, on a server with the cache on.
CACHED_PATHS = {"home anonymous (cached)": "/", "first API page anonymous (cached)": "/api/posts"}


@dataclass(frozen=True)
class Load:
    """What wrk sends to one path: summary.lua's GET of it, or a `script`'s requests."""

    headers: Sequence[str] = ()
    script: Path = SUMMARY_LUA
    arguments: Sequence[str] = ()


def _measure(
    scenario: str, name: str, url: str, process: Any, *, settings: Settings, load: Load
) -> list[Run]:
    status, _ = first_answer(url, process)
    if status != 200:
        raise RuntimeError(f"{name}: {url} answers {status}")

    def load_run(connections: int, duration: str) -> str:
        return wrk(
            url, connections, duration, load.headers, script=load.script, arguments=load.arguments
        )

    load_run(min(settings.connections), settings.warmup)
    runs = []
    for connections in settings.connections:
        settle(url, process)
        before = cpu_seconds(process.pid)
        with peak_rss(process.pid) as peak:
            figures = parse_wrk_output(load_run(connections, settings.duration))
        spent = cpu_seconds(process.pid) - before
        run = Run(
            scenario,
            name,
            connections,
            figures.requests_per_second,
            figures.p50_ms,
            figures.p99_ms,
            figures.errors,
            1000 * spent / max(figures.requests, 1),
            peak[0],
        )
        print(
            f"   {name} @{connections}: {run.requests_per_second:,.0f} req/s, p50 "
            f"{run.p50_ms:.1f} ms, p99 {run.p99_ms:.1f} ms, {run.cpu_ms:.2f} ms CPU, "
            f"{run.errors} errors, {run.peak_rss_mib:.0f} MiB",
            flush=True,
        )
        runs.append(run)
    return runs


def _memory(runs: list[Run]) -> str:
    """The peak RSS of each post-page server, whose caches all fill up."""
    peaks: dict[str, float] = {}
    for r in runs:
        if r.scenario == POST_PAGES_SCENARIO:
            name = r.path_name.removeprefix("post pages, ")
            peaks[name] = max(peaks.get(name, 0.0), r.peak_rss_mib)
    shown = "; ".join(f"{name}: {peak:.0f} MiB" for name, peak in peaks.items())
    return (
        f"Peak RSS of the server while it serves {POST_PAGES:,} post pages picked at random, "
        f"more than its anonymous cache holds (`ANONYMOUS_CACHE_BYTES` bounds it): {shown}."
    )


def _report(runs: list[Run], settings: Settings, seconds_seeding: float | None) -> str:
    def find(name_start: str, connections: int) -> Run | None:
        return next(
            (
                r
                for r in runs
                if r.path_name.startswith(name_start) and r.connections == connections
            ),
            None,
        )

    lines = [
        "# A million posts",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench-million` on "
        f"{os.cpu_count()} cores: {USERS:,} users and {POSTS:,} posts on PostgreSQL; wrk for "
        f"{settings.duration} per run after a {settings.warmup} warm-up; one uvicorn worker. "
        "CPU is the server's CPU time per request.",
        "",
    ]
    if seconds_seeding is not None:
        lines += [f"Seeding took {seconds_seeding / 60:.1f} minutes.", ""]
    lines += ["## Targets", "", "| target | measured | met |", "| --- | ---: | :---: |"]

    def target(description: str, value: float | None, met: bool) -> None:
        shown = "not measured" if value is None else f"{value:.2f}x"
        lines.append(f"| {description} | {shown} | {'yes' if met else 'no'} |")

    first, deep = find("first page", 64), find("page after", 64)
    ratio = deep.cpu_ms / first.cpu_ms if first and deep and first.cpu_ms else None
    target("deep cursor page <= 1.2x the first page's server CPU @64", ratio, (ratio or 9) <= 1.2)
    hello = find("hello", 64)
    for name in ("home anonymous", "first API page anonymous"):
        run = find(name, 64)
        ratio = run.requests_per_second / hello.requests_per_second if run and hello else None
        target(f"{name} >= 0.6x hello @64", ratio, (ratio or 0) >= 0.6)
    top = max(settings.connections)
    for name in ("first page", "home anonymous", "home signed in"):
        run = find(name, top)
        ratio = run.p99_ms / run.p50_ms if run and run.p50_ms else None
        target(f"{name}: p99 <= 3x p50 @{top}", ratio, (ratio or 9) <= 3)
    lines += ["", "## Memory", "", _memory(runs), "", "## All runs", "", "![](million.png)", ""]
    lines += [
        "| scenario | path | connections | req/s | p50 ms | p99 ms | CPU ms | errors | "
        "peak RSS MiB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {r.scenario} | {r.path_name} | {r.connections} | {r.requests_per_second:,.0f} | "
        f"{r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.cpu_ms:.2f} | {r.errors} | {r.peak_rss_mib:.0f} |"
        for r in runs
    ]
    return "\n".join(lines) + "\n"


INKWELL = "inkwell.cli:served_app"
UNCACHED_READS = "reads, the cache off"
CACHED_READS = "reads from the cache, and hello"
POST_PAGES_SCENARIO = f"{POST_PAGES:,} post pages at random"


async def _post_page_paths(url: URL) -> list[str]:
    """The addresses of the POST_PAGES newest published posts."""
    query = f"SELECT '/posts/' || posts.id || '-' || posts.slug {_LISTED.format(extra='')} LIMIT $1"
    async with connected(url) as connection:
        return [row[0] for row in await connection.fetch(query, POST_PAGES)]


async def _remove_bench_writes(url: URL) -> None:
    """The writes scenario's posts go again (their counts with them, by the triggers)."""
    async with connected(url) as connection:
        await connection.execute("DELETE FROM posts WHERE title = $1", BENCH_WRITE_TITLE)
        await connection.execute("VACUUM ANALYZE posts")


@contextmanager
def _serving(env: dict[str, str], factory: str = INKWELL) -> Iterator[tuple[int, Any]]:
    port = free_port()
    with running(uvicorn_command(factory, port), env) as process:
        yield port, process


def _seed_once(url: URL, asyncpg_url: str) -> float | None:
    """Seconds the seed took, or None when the database already holds the posts."""
    if asyncio.run(_seeded(url)):
        return None
    asyncio.run(recreate_database(url))
    started = datetime.now(UTC)
    command = ["seed", "--users", str(USERS), "--posts", str(POSTS)]
    subprocess.run(
        [sys.executable, "-m", "inkwell", *command],
        env=os.environ | {"DATABASE_URL": asyncpg_url},
        check=True,
    )
    seconds = (datetime.now(UTC) - started).total_seconds()
    asyncio.run(analyze(url))
    return seconds


def main() -> None:
    base = Settings.from_environment()
    url = make_url(
        os.environ.get("BENCH_MILLION_URL")
        or "postgresql://postgres@127.0.0.1:5432/inkwell_million"
    )
    settings = Settings(base.duration, base.warmup, base.connections, url, base.only)
    asyncpg_url = url.set(drivername="postgresql+asyncpg").render_as_string(False)
    seconds_seeding = _seed_once(url, asyncpg_url)
    secret = secrets.token_hex(32)
    # The request path with the cache off (a deep page is never cached, the first would be).
    uncached = {
        "ENVIRONMENT": "production",
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "DATABASE_URL": asyncpg_url,
        "SECRET_KEY": secret,
        "LOG_LEVEL": "WARNING",
        "ANONYMOUS_CACHE_BYTES": "0",
    }

    def cache_of(mib: int) -> dict[str, str]:
        return uncached | {"ANONYMOUS_CACHE_BYTES": str(mib * MIB)}

    def measured(
        scenario: str, name: str, path: str, served: tuple[int, Any], load: Load = Load()
    ) -> list[Run]:
        return _measure(
            scenario,
            name,
            f"http://127.0.0.1:{served[0]}{path}",
            served[1],
            settings=settings,
            load=load,
        )

    runs: list[Run] = []
    with _serving({}, "bench.apps.hello:create_app") as served:
        runs += measured(CACHED_READS, "hello", "/hello", served)
    with _serving(uncached) as served:
        for name, path in asyncio.run(_paths(url, secret)).items():
            runs += measured(UNCACHED_READS, name, path, served)
        signed_in = Load(signed_in_headers(served[0], url))
        runs += measured(UNCACHED_READS, "home signed in (uncached)", "/", served, signed_in)
    with _serving(cache_of(64)) as served:
        for name, path in CACHED_PATHS.items():
            runs += measured(CACHED_READS, name, path, served)
    with tempfile.TemporaryDirectory() as scratch:
        pages, tokens = Path(scratch, "pages"), Path(scratch, "tokens")
        pages.write_text("\n".join(asyncio.run(_post_page_paths(url))) + "\n")
        for mib in (0, *CACHE_SIZES_MIB):
            with _serving(cache_of(mib)) as served:
                name = f"post pages, cache {mib} MiB" if mib else "post pages, cache off"
                load = Load(script=PATHS_LUA, arguments=[str(pages)])
                runs += measured(POST_PAGES_SCENARIO, name, "/", served, load)
        # As published: the cache on; the posts' limit per account lifted for the load.
        writable = cache_of(64) | {"RATE_LIMIT_POSTS_PER_ACCOUNT": "1000000/minute"}
        try:
            with _serving(writable) as served:
                first_answer(f"http://127.0.0.1:{served[0]}/api/posts", served[1])
                tokens.write_text("\n".join(writer_tokens(served[0], url, WRITERS)) + "\n")
                load = Load(script=WRITES_LUA, arguments=[str(tokens), BENCH_WRITE_TITLE])
                runs += measured(
                    "writes", f"new posts by {WRITERS} writers", "/api/posts", served, load
                )
        finally:
            asyncio.run(_remove_bench_writes(url))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    report = RESULTS_DIR / "million.md"
    report.write_text(_report(runs, settings, seconds_seeding))
    plot(
        [
            Result(
                scenario=r.scenario,
                app=r.path_name,
                connections=r.connections,
                requests_per_second=r.requests_per_second,
                p50_ms=r.p50_ms,
                p99_ms=r.p99_ms,
                errors=r.errors,
                peak_rss_mib=r.peak_rss_mib,
            )
            for r in runs
        ],
        RESULTS_DIR / "million.png",
    )
    print(f"wrote {report} and million.png")


if __name__ == "__main__":
    main()
