"""Median answer time of POST /api/users/forgot-password for a known and an unknown email
(issue #13, finding 9a): a difference tells an attacker which emails have an account.

    .venv/bin/python -m bench.forgot_password_timing [ROUNDS]

A real uvicorn server on loopback with a fresh SQLite database, so the work scheduled after
the answer (the reset link's lookup, write and email) is off the clock, as for a client.
The two kinds of request alternate, and a short pause after each lets that work finish.
"""

import asyncio
import logging
import secrets
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from inkwell.app import create_app
from inkwell.config import Settings
from inkwell.db import create_engine
from inkwell.migrations import upgrade_database

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 300
LIMITS = {
    f"rate_limit_{action}_per_{key}": "100000/minute"
    for action in ("login", "register", "forgot_password")
    for key in ("address", "account")
}


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="forgot-timing-"))
    url = f"sqlite+aiosqlite:///{workdir / 'inkwell.db'}"
    settings = Settings(
        _env_file=None,
        environment="test",
        database_url=url,
        media_dir=workdir / "media",
        argon2_time_cost=1,
        argon2_memory_cost_kib=64,
        secret_key=secrets.token_urlsafe(48),
        log_level="ERROR",
        **LIMITS,
    )

    async def migrate() -> None:
        engine = create_engine(settings)
        await upgrade_database(engine)
        await engine.dispose()

    asyncio.run(migrate())
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    host, port = listener.getsockname()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="error"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    logging.getLogger("inkwell").setLevel(logging.CRITICAL)
    base = f"http://{host}:{port}"
    with httpx.Client(base_url=base) as client:
        body = {
            "username": "known",
            "email": "known@example.com",
            "password": "correct horse battery staple",
        }
        assert client.post("/api/users", json=body).status_code == 201
        times: dict[str, list[float]] = {"known": [], "unknown": []}
        for round_ in range(ROUNDS + 20):
            for kind, email in (("known", "known@example.com"), ("unknown", "nobody@example.com")):
                start = time.perf_counter()
                response = client.post("/api/users/forgot-password", json={"email": email})
                elapsed = time.perf_counter() - start
                assert response.status_code == 202
                if round_ >= 20:  # warm-up rounds are dropped
                    times[kind].append(elapsed * 1000)
                time.sleep(0.01)  # lets the background work finish off the clock
    server.should_exit = True
    thread.join(timeout=30)
    for kind, samples in times.items():
        print(f"{kind:8} median {statistics.median(samples):6.2f} ms  (n={len(samples)})")


if __name__ == "__main__":
    main()
