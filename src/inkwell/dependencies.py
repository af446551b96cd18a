"""Dependencies shared by the routers: the request's database access and pagination."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.db import Reader, reads_through
from inkwell.schemas import MAX_ID
from inkwell.security import PasswordHasher
from inkwell.transactions import TransactionHooks


def app_state(name: str) -> Callable[[Request], Awaitable[Any]]:
    """A dependency for what create_app keeps on app.state under `name`; the Annotated
    alias that uses it gives the type. Async, so FastAPI does not send it to a thread."""

    async def from_app_state(request: Request) -> Any:
        return getattr(request.app.state, name)

    return from_app_state


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
    async with request.app.state.sessionmaker() as session:
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


# For requests that only read: no ORM session, no transaction, and a connection held only
# while each read runs (see db.Reader). Listings, the busiest routes, read this way.
DbReader = Annotated[Reader, Depends(app_state("reader"))]


Passwords = Annotated[PasswordHasher, Depends(app_state("password_hasher"))]

ResourceId = Annotated[int, Path(ge=1, le=MAX_ID)]


class Pagination(BaseModel):
    skip: int = Field(default=0, ge=0, le=MAX_ID, description="Posts to skip")
    limit: int = Field(default=10, ge=1, le=100, description="Page size")


PageParams = Annotated[Pagination, Query()]
