"""After-commit hooks: work a request registers on its session runs once the transaction
really committed (after the response was sent), in order, each on its own; never after a
rollback or a COMMIT that failed. Rollback hooks are their mirror. Run on SQLite and
PostgreSQL."""

import logging
from collections.abc import AsyncIterator
from functools import partial
from typing import Annotated

import pytest
from fastapi import APIRouter, FastAPI, Query, status
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.types import Message, Receive, Scope, Send

from inkwell.dependencies import DbSession
from inkwell.errors import Conflict
from inkwell.transactions import after_commit, after_rollback, settled_hooks
from inkwell.users.models import User
from tests.conftest import StartedApp

FAILING = "failing"
# Temporary tables, so the other tests never see them.
VIOLATED_AT_COMMIT = {
    "postgresql": (
        "CREATE TEMPORARY TABLE pairs (n integer, CONSTRAINT uq_pairs_n UNIQUE (n)"
        " DEFERRABLE INITIALLY DEFERRED) ON COMMIT DROP",
        "INSERT INTO pairs VALUES (1), (1)",
    ),
    "sqlite": (
        "CREATE TEMPORARY TABLE IF NOT EXISTS parents (id integer PRIMARY KEY)",
        "CREATE TEMPORARY TABLE IF NOT EXISTS children"
        " (parent_id integer REFERENCES parents DEFERRABLE INITIALLY DEFERRED)",
        "INSERT INTO children VALUES (1)",
    ),
}


class Journal:
    """What happened, in order: the hooks' runs, and when the response was sent."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.entries: list[str] = []
        self._engine = engine

    async def record(self, entry: str) -> None:
        if entry == FAILING:
            raise RuntimeError("a hook that fails")
        self.entries.append(entry)

    async def look_for(self, username: str) -> None:
        """Through a connection of its own, as a worker notified by the hook would."""
        async with self._engine.connect() as connection:
            found = await connection.scalar(select(User.id).where(User.username == username))
        self.entries.append(f"{username} {'committed' if found else 'not visible'}")


def _add_user(session: AsyncSession, journal: Journal, username: str) -> None:
    session.add(User(username=username, email=f"{username}@example.com", password_hash="-"))
    after_commit(session, partial(journal.look_for, username))
    after_rollback(session, partial(journal.record, f"undo {username}"))


def hooks_router(journal: Journal) -> APIRouter:
    router = APIRouter(prefix="/test-hooks")

    @router.post("/users/{username}", status_code=status.HTTP_204_NO_CONTENT)
    async def add_user(username: str, session: DbSession) -> None:
        """Flushed by the COMMIT: a duplicate fails there."""
        _add_user(session, journal, username)

    @router.post("/users/{username}/refused")
    async def add_user_then_fail(username: str, session: DbSession) -> None:
        _add_user(session, journal, username)
        await session.flush()
        raise Conflict("refused after the row was written")

    @router.post("/deferred-violation")
    async def violate_at_commit(session: DbSession) -> None:
        """A deferred constraint is checked by the COMMIT statement itself, which fails."""
        connection = await session.connection()
        for statement in VIOLATED_AT_COMMIT[connection.dialect.name]:
            await session.execute(text(statement))
        after_commit(session, partial(journal.record, "ran"))
        after_rollback(session, partial(journal.record, "undone"))

    @router.post("/entries", status_code=status.HTTP_204_NO_CONTENT)
    async def record_entries(entry: Annotated[list[str], Query()], session: DbSession) -> None:
        await session.execute(select(1))
        for each in entry:
            after_commit(session, partial(journal.record, each))

    return router


@pytest.fixture
def journal(app: FastAPI, engine: AsyncEngine) -> Journal:
    journal = Journal(engine)
    app.include_router(hooks_router(journal))
    return journal


@pytest.fixture
async def client(journal: Journal, started_app: StartedApp) -> AsyncIterator[AsyncClient]:
    """The app's client, noting in the journal when a response has been sent whole."""

    async def noting_responses(scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                journal.entries.append("response sent")

        await started_app(scope, receive, sending)

    transport = ASGITransport(app=noting_responses)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_a_hook_runs_after_the_commit_and_sees_the_committed_row(
    client: AsyncClient, journal: Journal
) -> None:
    response = await client.post("/test-hooks/users/ada")
    assert response.status_code == 204
    assert "ada committed" in journal.entries


async def test_hooks_run_once_the_response_has_been_sent(
    client: AsyncClient, journal: Journal
) -> None:
    await client.post("/test-hooks/entries", params={"entry": ["first", "second"]})
    assert journal.entries == ["response sent", "first", "second"]


async def test_hooks_run_in_the_order_they_were_registered(
    client: AsyncClient, journal: Journal
) -> None:
    entries = ["c", "a", "d", "b"]
    await client.post("/test-hooks/entries", params={"entry": entries})
    assert journal.entries[1:] == entries


async def test_a_hook_never_runs_when_the_request_fails_and_rolls_back(
    client: AsyncClient, journal: Journal
) -> None:
    response = await client.post("/test-hooks/users/ada/refused")
    assert response.status_code == 409
    assert "ada committed" not in journal.entries
    assert "ada not visible" not in journal.entries


async def test_a_hook_never_runs_when_a_unique_violation_fails_the_commit(
    client: AsyncClient, journal: Journal
) -> None:
    await client.post("/test-hooks/users/ada")
    journal.entries.clear()
    response = await client.post("/test-hooks/users/ada")
    assert response.is_error
    assert journal.entries == ["undo ada", "response sent"]


async def test_a_hook_never_runs_when_the_commit_statement_itself_fails(
    client: AsyncClient, journal: Journal
) -> None:
    response = await client.post("/test-hooks/deferred-violation")
    assert response.is_error
    assert journal.entries == ["undone", "response sent"]


async def test_a_rollback_hook_runs_when_the_request_fails(
    client: AsyncClient, journal: Journal
) -> None:
    await client.post("/test-hooks/users/ada/refused")
    assert "undo ada" in journal.entries


async def test_a_rollback_hook_never_runs_after_a_commit(
    client: AsyncClient, journal: Journal
) -> None:
    await client.post("/test-hooks/users/ada")
    assert "undo ada" not in journal.entries


async def test_a_failing_hook_is_logged_and_the_others_still_run(
    client: AsyncClient, journal: Journal, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="inkwell.transactions"):
        await client.post("/test-hooks/entries", params={"entry": ["before", FAILING, "after"]})
    assert journal.entries[1:] == ["before", "after"]
    (failure,) = caplog.records
    assert failure.msg == "transaction hook %r failed"
    assert "'failing'" in failure.getMessage()  # the hook, named with its arguments
    assert failure.exc_info is not None
    assert str(failure.exc_info[1]) == "a hook that fails"


async def test_a_failing_hook_does_not_turn_the_response_into_an_error(
    client: AsyncClient, journal: Journal
) -> None:
    response = await client.post("/test-hooks/entries", params={"entry": [FAILING]})
    assert response.status_code == 204


@pytest.fixture
def own_journal(engine: AsyncEngine) -> Journal:
    """A journal for hooks registered on a test's own session, outside any request."""
    return Journal(engine)


async def test_a_savepoint_released_is_not_the_commit(
    session: AsyncSession, own_journal: Journal
) -> None:
    """A hook waits for the outermost transaction: releasing a savepoint commits nothing yet."""
    async with settled_hooks(session):
        async with session.begin_nested():
            _add_user(session, own_journal, "ada")
        await session.rollback()
    assert own_journal.entries == ["undo ada"]


async def test_a_transaction_after_a_commit_is_judged_by_its_own_outcome(
    session: AsyncSession, own_journal: Journal
) -> None:
    """One session, two transactions: the second rolls back, whatever the first did."""
    async with settled_hooks(session):
        _add_user(session, own_journal, "ada")
        await session.commit()
        _add_user(session, own_journal, "grace")
        await session.rollback()
    assert own_journal.entries == ["ada committed", "undo grace"]


async def test_a_transaction_left_open_did_not_commit(
    session: AsyncSession, own_journal: Journal
) -> None:
    """Its session is done without a COMMIT: what was written is undone."""
    async with settled_hooks(session):
        _add_user(session, own_journal, "ada")
        await session.flush()
    assert own_journal.entries == ["undo ada"]


async def test_a_session_nobody_settles_refuses_hooks(session: AsyncSession) -> None:
    """Hooks nobody would run would be lost without a word."""

    async def lost() -> None:
        raise AssertionError("never registered, never run")

    with pytest.raises(RuntimeError) as refused:
        after_commit(session, lost)
    assert str(refused.value) == (
        "nothing runs this session's transaction hooks: use the request's DbSession, or open "
        "the session inside `settled_hooks`"
    )
