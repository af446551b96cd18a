"""Inkwell plus one test-only route that is in flight until the test releases it.

`python -m tests.slow_app PORT RELEASE_FILE` serves it through `inkwell.cli.run_server`,
the function behind `inkwell serve`, so the graceful-shutdown test exercises the real
server set-up without a debug route in the product.
"""

import asyncio
import logging
import os
import sys
from pathlib import Path

from fastapi import FastAPI

from inkwell.app import create_app
from inkwell.cli import run_server
from inkwell.config import Settings

logger = logging.getLogger("inkwell.slow")


def create_slow_app() -> FastAPI:
    app = create_app()
    release = Path(os.environ["SLOW_APP_RELEASE_FILE"])

    @app.get("/slow")
    async def slow() -> dict[str, str]:
        logger.info("slow request started")
        while not release.exists():
            await asyncio.sleep(0.05)
        return {"status": "finished"}

    return app


if __name__ == "__main__":
    port, release_file = sys.argv[1:]
    os.environ["SLOW_APP_RELEASE_FILE"] = release_file
    run_server("tests.slow_app:create_slow_app", Settings(), "127.0.0.1", int(port))
