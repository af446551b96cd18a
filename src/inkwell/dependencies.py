"""Dependencies shared by the routers: the request's database access and pagination.

Each resource of the application's `State` has a small async dependency (async, so FastAPI
does not send it to a thread) whose return type is the resource's."""

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Query, Request, Response
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.db import Reader, reads_through
from inkwell.pagination import Cursors, Pagination
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

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page:
    """Which page a listing is asked for: by `skip` (as ever) or after a `cursor`, and
    the cursors its answer points on with."""

    skip: int
    limit: int
    cursor: str | None
    cursors: Cursors

    def after(self, listing: str, shape: TypeAdapter[T]) -> T | None:
        """The position the page starts after; None from the start (or at `skip`). A cursor
        that is not this listing's is a 422 (pagination.InvalidCursor)."""
        if self.cursor is None:
            return None
        return self.cursors.decode(self.cursor, listing, shape)

    def next_cursor(self, listing: str, position: Sequence[Any] | None) -> str | None:
        """The cursor of the page after this one: None when this one is the last."""
        return None if position is None else self.cursors.encode(listing, position)


def cursors_for(request: Request) -> Cursors:
    """The site's cursors, under the key derived from its SECRET_KEY."""
    return Cursors.from_secret(state_of(request)["settings"].signing_key)


async def _page(request: Request, query: Annotated[Pagination, Query()]) -> Page:
    return Page(query.skip, query.limit, query.cursor, cursors_for(request))


PageParams = Annotated[Page, Depends(_page)]


async def _no_store(response: Response) -> None:
    """For answers that carry a token or private data: no cache, shared or the browser's,
    may keep them (RFC 6749, section 5.1)."""
    response.headers["Cache-Control"] = "no-store"


# In a private answer's route: `dependencies=[NO_STORE]`.
NO_STORE = Depends(_no_store)
