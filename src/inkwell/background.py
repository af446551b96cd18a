"""Work an app repeats in the background while it runs: the sweep of pending emails, the
read of the shared cache generation.

The app stops a repeater by cancelling it, and the repeater asks whether it was cancelled
rather than trusting a CancelledError to come out of its work: it may not. Python 3.11's
`asyncio.wait_for` (in aiosmtplib's reads) returns a reply that arrives with the
cancellation and drops the cancellation; asyncpg, cancelled mid-statement, fails the rollback
after it with "another operation is in progress", an error like any failed turn. Either
way the email sweeper went on, and the app's shutdown waited for it forever.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager


async def _repeat(
    work: Callable[[], Awaitable[object]], seconds: float, logger: logging.Logger, failure: str
) -> None:
    repeater = asyncio.current_task()
    assert repeater is not None
    while not repeater.cancelling():
        await asyncio.sleep(seconds)
        try:
            await work()
        except Exception:
            if not repeater.cancelling():
                logger.exception(failure)


async def _repeating(
    work: Callable[[], Awaitable[object]], *, every: float, logger: logging.Logger, failure: str
) -> AsyncIterator[None]:
    """Runs `work` every `every` seconds, the first time `every` seconds after entering, for
    as long as the context is open. A turn that fails is logged to `logger` as `failure`
    and the next turn comes as usual: a database or a relay that is away may be back."""
    repeater = asyncio.create_task(_repeat(work, every, logger, failure))
    try:
        yield
    finally:
        repeater.cancel()
        # Waits for it to end; `await repeater` would raise its CancelledError here, and
        # suppressing that would swallow a cancellation of the caller as well.
        await asyncio.wait([repeater])


# Not @asynccontextmanager: mutmut mutates no decorated function (make mutation).
repeating = asynccontextmanager(_repeating)
