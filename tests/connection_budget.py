"""How many PostgreSQL connections the suite holds, kept small and checked.

The test server is shared (`max_connections` 100, other databases holding some), so the
suite must hold few. Per pytest-xdist worker, kept open from test to test (tests/conftest.py,
`Kept`): the apps under test share DATABASE_CONNECTIONS (`TEST_DATABASE_CONNECTIONS`: a write
pool and a Reader), and the `engine` fixture has a write pool beside them. A few tests open an
engine or connections of their own (those that open many close the kept pools' idle ones
first: `room_for_connections`), and the worker holds two connections to the server's
maintenance database (creating and dropping its database, and `ConnectionPeak` sampling).
`make test` runs two workers (`-n 2`), then the measured tests alone; server subprocesses get
DATABASE_CONNECTIONS too (tests/servers.py).

`ConnectionPeak` samples the worker's database through the run; past
`CONNECTIONS_PER_WORKER` the worker's last test fails, naming the peak.
"""

import asyncio
import threading

import asyncpg
from sqlalchemy.engine import URL

TEST_DATABASE_CONNECTIONS = 6
# tests/test_reader.py opens 16 on purpose (more than SQLAlchemy's default pool).
CONNECTIONS_PER_WORKER = 20
WORKERS = 2
# The suite's peak on the server: the workers' databases and their two maintenance connections.
SUITE_PEAK = WORKERS * (CONNECTIONS_PER_WORKER + 2)
SAMPLE_EVERY = 0.02


class ConnectionPeak:
    """The most connections a database had at once, sampled every SAMPLE_EVERY seconds from
    pg_stat_activity in a thread of its own (the tests' event loop may be busy), and the test
    that was running then (`running`, set by tests/conftest.py)."""

    # The node id of the test this worker runs now.
    running = ""

    def __init__(self, server: URL, database: str) -> None:
        self._server = server
        self._database = database
        self._stop = threading.Event()
        self._ready = threading.Event()
        self.peak = 0
        self.peak_in = ""
        self._thread = threading.Thread(target=self._run, daemon=True, name="connection-peak")

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(timeout=30)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        asyncio.run(self._sample())

    async def _sample(self) -> None:
        connection = await asyncpg.connect(
            host=self._server.host,
            port=self._server.port,
            user=self._server.username,
            password=self._server.password,
            database=self._server.database,
            timeout=10,
        )
        try:
            self._ready.set()
            while not self._stop.is_set():
                count = await connection.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = $1", self._database
                )
                if count > self.peak:
                    self.peak, self.peak_in = count, ConnectionPeak.running
                await asyncio.sleep(SAMPLE_EVERY)
        finally:
            self._ready.set()
            await connection.close()
