"""Work repeated in the background while an app runs (inkwell.background): every turn comes,
a failed turn is logged and the next comes anyway, and leaving the context stops it, even
when the work swallows the cancellation."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

import pytest

from inkwell.background import repeating

EVERY = 0.01
FAILURE = "the turn failed"
logger = logging.getLogger(__name__)


async def test_the_work_is_repeated_and_a_failed_turn_does_not_end_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    turns = 0
    third = asyncio.Event()

    async def failing_on_odd_turns() -> None:
        nonlocal turns
        turns += 1
        if turns == 3:
            third.set()
        if turns % 2:
            raise ConnectionResetError("the database went away")

    async with repeating(failing_on_odd_turns, every=EVERY, logger=logger, failure=FAILURE):
        await third.wait()

    assert turns == 3
    failed = [record for record in caplog.records if record.exc_info]
    assert [record.getMessage() for record in failed] == [FAILURE, FAILURE]


async def _failing_with_another_error() -> None:
    """asyncpg cancelled mid-statement: the rollback after it fails."""
    raise RuntimeError("cannot switch to state 15; another operation (2) is in progress")


async def _returning_a_reply() -> None:
    """Python 3.11's wait_for in aiosmtplib: the reply came with the cancellation."""


@pytest.mark.parametrize("interrupted", [_failing_with_another_error, _returning_a_reply])
async def test_leaving_stops_the_work_when_a_turn_swallows_the_cancellation(
    caplog: pytest.LogCaptureFixture, interrupted: Callable[[], Awaitable[None]]
) -> None:
    started = asyncio.Event()
    turns = 0

    async def swallowing_the_cancellation() -> None:
        """The first turn waits to be cancelled; any later one (the cancellation lost) ends
        at once, so that a repeater that goes on is counted, not hung in."""
        nonlocal turns
        turns += 1
        if not started.is_set():
            started.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                await interrupted()

    # The bound ends the wait for a repeater that went on: a failure, not a hang.
    async with (
        asyncio.timeout(1),
        repeating(swallowing_the_cancellation, every=EVERY, logger=logger, failure=FAILURE),
    ):
        await started.wait()

    assert turns == 1
    assert not [record for record in caplog.records if record.exc_info]  # no failed turn


async def test_a_caller_cancelled_while_the_work_ends_is_cancelled() -> None:
    """Leaving waits for the turn in progress to end; a cancellation of the caller meanwhile
    (a shutdown given up on) is the caller's, not swallowed with the work's."""
    started, stopping = asyncio.Event(), asyncio.Event()

    async def slow_to_stop() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            stopping.set()
            await asyncio.sleep(EVERY)

    async def caller() -> None:
        async with repeating(slow_to_stop, every=EVERY, logger=logger, failure=FAILURE):
            await started.wait()

    task = asyncio.create_task(caller())
    await stopping.wait()
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task
