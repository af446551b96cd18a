"""Real server processes for the operations tests: uvicorn, nginx, and a cuttable TCP proxy."""

import asyncio
import os
import shutil
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import httpx
import pytest

from tests.conftest import IN_CI
from tests.connection_budget import TEST_DATABASE_CONNECTIONS
from tests.operations.test_production_settings import STRONG_SECRET

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def require_binary(name: str) -> str:
    """The binary's path; skips locally when it is missing, fails in CI, where it must run."""
    path = shutil.which(name, path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    if path is None:
        message = f"`{name}` is not installed"
        if IN_CI:
            pytest.fail(f"{message}; .ci/run installs it, so CI must run this test.", pytrace=False)
        pytest.skip(f"{message}; `bash .ci/run` or apt-get install it")
    return path


def server_env(**settings: str) -> dict[str, str]:
    """The environment for server subprocesses: this venv first on PATH, one strong
    SECRET_KEY that every instance started with it shares, and few database connections
    (tests/connection_budget.py) unless the test asks for more."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["PATH"] = f"{VENV_BIN}:{env.get('PATH', '')}"
    env["SECRET_KEY"] = STRONG_SECRET
    env["DATABASE_CONNECTIONS"] = str(TEST_DATABASE_CONNECTIONS)
    return env | settings


class Process:
    """A subprocess whose merged output is collected line by line while it runs."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._new_line = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            self.lines.append(raw.decode(errors="replace").rstrip("\n"))
            self._new_line.set()
        self._new_line.set()

    async def wait_for_line(self, matches: Callable[[str], bool], timeout: float = 120) -> str:
        async with asyncio.timeout(timeout):
            while True:
                for line in self.lines:
                    if matches(line):
                        return line
                if self._reader.done():
                    raise AssertionError(f"process ended first; output:\n{self.output}")
                self._new_line.clear()
                await self._new_line.wait()

    async def wait(self, timeout: float = 120) -> int:
        async with asyncio.timeout(timeout):
            code = await self.process.wait()
            await self._reader
            return code

    def signal(self, number: int = signal.SIGTERM) -> None:
        self.process.send_signal(number)


@asynccontextmanager
async def running(
    *command: str | Path, env: dict[str, str] | None = None
) -> AsyncIterator[Process]:
    """Starts the command; at exit stops it if it is still running.

    SIGTERM first, so a server stops its own children (nginx's workers, uvicorn's).
    """
    process = await asyncio.create_subprocess_exec(
        *map(str, command),
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    handle = Process(process)
    try:
        yield handle
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await handle.wait(timeout=30)
            except TimeoutError:
                process.kill()
                await handle.wait(timeout=10)


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PROC = Path("/proc")


def tree_cpu_seconds(root: int) -> float | None:
    """The CPU time a process and its descendants (uvicorn's workers, the entrypoint's
    migration) have used, their reaped children's included; None where /proc is missing."""
    if not _PROC.is_dir():
        return None
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it ended meanwhile
            continue
        # After "(command)": state, ppid, ... utime, stime, cutime, cstime (fields 14-17).
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = sum(int(value) for value in fields[11:15]) / _CLOCK_TICKS
    tree = {root}
    grew = True
    while grew:
        children = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= children
        grew = bool(children)
    return sum(used.get(pid, 0.0) for pid in tree)


# Starting up on a busy machine: past `patience` seconds a server is still waited for as long
# as it keeps working (a `WORKING` share of a core over each `IDLE_WINDOW`), up to
# `STARTUP_CAP`. A server
# that has stopped working (a hang, a deadlock) fails soon after `patience`; one that exits,
# at once; one that spins, once it has used `STARTUP_CPU_BUDGET` without getting there.
IDLE_WINDOW = 10.0
WORKING = 0.02
STARTUP_CAP = 900.0
STARTUP_CPU_BUDGET = 300.0


async def wait_until(
    process: Process, ready: Callable[[], Awaitable[bool]], what: str, patience: float = 120
) -> None:
    """Polls `ready` until it is true, patient with a slow machine but not with a server
    that died, hangs or spins (see STARTUP_CAP); failures carry the server's output."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    window: tuple[float, float | None] = (started, tree_cpu_seconds(process.pid))
    while process.process.returncode is None:
        if await ready():
            return
        await asyncio.sleep(0.1)
        now = loop.time()
        if now - window[0] < IDLE_WINDOW:
            continue
        cpu = tree_cpu_seconds(process.pid)
        previous = window[1]
        working = (
            cpu is not None
            and previous is not None
            and cpu - previous >= WORKING * (now - window[0])
        )
        window = (now, cpu)
        if now - started < patience:
            continue
        if not working or now - started > STARTUP_CAP:
            state = "is still working" if working else "stopped working"
            raise AssertionError(
                f"{what} after {now - started:.0f} s; the server {state}; output:\n{process.output}"
            )
        if cpu is not None and cpu > STARTUP_CPU_BUDGET:
            raise AssertionError(f"{what} after {cpu:.0f} CPU-s; output:\n{process.output}")
    raise AssertionError(f"server exited before: {what}; output:\n{process.output}")


async def wait_until_answering(process: Process, url: str, patience: float = 120) -> None:
    """Polls `url` until it answers 200 (see `wait_until`)."""
    async with httpx.AsyncClient(verify=False) as client:

        async def answers() -> bool:
            with suppress(httpx.TransportError):
                return (await client.get(url, timeout=10)).status_code == 200
            return False

        await wait_until(process, answers, f"{url} did not answer", patience)


class TcpProxy:
    """Forwards a loopback port to a server; `stop()` drops every connection and refuses new
    ones (the database is down), `stall()` accepts but never answers (it hangs), `start()`
    forwards again on the same port (it is back)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        await self._listen(self._forward)

    async def stall(self) -> None:
        """Drops every connection, then accepts new ones and never answers (a frozen server)."""
        await self.stop()
        await self._listen(self._swallow)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _listen(
        self, handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
    ) -> None:
        await self.stop()
        self._server = await asyncio.start_server(handler, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _swallow(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        await reader.read()

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        self._writers |= {writer, upstream_writer}
        await asyncio.gather(
            self._pipe(reader, upstream_writer),
            self._pipe(upstream_reader, writer),
            return_exceptions=True,
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()
            self._writers.discard(writer)
