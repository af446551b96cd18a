"""Dependencies shared by the routers: the request's database access and pagination.

Each resource of the application's `State` has a small async dependency (async, so FastAPI
does not send it to a thread) whose return type is the resource's."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.db import Reader, reads_through
from inkwell.schemas import MAX_ID
from inkwell.security import PasswordHasher
from inkwell.state import state_of
from inkwell.transactions import TransactionHooks


async def _transaction_hooks() -> AsyncIterator[TransactionHooks]:
    """Request scope: the hooks run once the response is sent (like BackgroundTasks), after
    the function-scoped DbSession has committed or not; on an error, before the error page."""
    hooks = TransactionHooks()
    try:
        yield hooks
    finally:
        await hooks.run_due()


async def _db_session(
    request: Request,
    hooks: Annotated[TransactionHooks, Depends(_transaction_hooks, scope="request")],
) -> AsyncIterator[AsyncSession]:
    """One session per request: services only flush, the request commits once or rolls back.
    Once it has begun a transaction, the request's reads go through it (read-your-writes).
    Services register work to follow the COMMIT on it (inkwell.transactions)."""
    async with state_of(request)["sessionmaker"]() as session:
        hooks.follow(session)
        with reads_through(session):
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            await session.commit()


# scope="function" commits before the response is sent, so a 2xx means the data is stored.
DbSession = Annotated[AsyncSession, Depends(_db_session, scope="function")]


async def _reader(request: Request) -> Reader:
    return state_of(request)["reader"]


# For requests that only read: no ORM session, no transaction, and a connection held only
# while each read runs (see db.Reader). Listings, the busiest routes, read this way.
DbReader = Annotated[Reader, Depends(_reader)]


async def _password_hasher(request: Request) -> PasswordHasher:
    return state_of(request)["password_hasher"]


Passwords = Annotated[PasswordHasher, Depends(_password_hasher)]

ResourceId = Annotated[int, Path(ge=1, le=MAX_ID)]


PAGE_SIZE = 10
MAX_PAGE_SIZE = 100


class Pagination(BaseModel):
    skip: int = Field(default=0, ge=0, le=MAX_ID, description="Posts to skip")
    limit: int = Field(default=PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Page size")


PageParams = Annotated[Pagination, Query()]
