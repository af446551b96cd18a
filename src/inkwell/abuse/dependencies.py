"""`write_limit("comments")`: the dependency that hands a route which writes the signed-in
account's budget for it, as `budget: Annotated[WriteBudget, Depends(write_limit("comments"))]`.

The route spends it itself, as its first statement. FastAPI solves every dependency before it
validates the route's body, so a dependency that spent would charge a request then refused
as malformed (422): the editor's autosave of an invalid tag would spend the writer's posts.
The route's body runs only once the whole request has validated, so only a well-formed write
spends, exactly once (one refused later, a 404 say, has spent: the windows refund nothing).
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Protocol

from fastapi import Depends, Request

from inkwell.abuse.config import WRITES
from inkwell.abuse.limits import WriteLimits
from inkwell.auth.dependencies import current_user
from inkwell.state import state_of


class Writer(Protocol):
    """Who writes, as a route's dependency names them: a user, or a signed-in account."""

    @property
    def id(self) -> int: ...


class WriteBudget:
    """One account's budget for one kind of write, not yet spent."""

    def __init__(self, limits: WriteLimits, write: str, writer_id: int) -> None:
        self._limits = limits
        self._write = write
        self._writer_id = writer_id

    async def spend(self) -> None:
        """One write, or 429 once the account's budget for it is spent."""
        await self._limits.spend(self._write, self._writer_id)


def write_limit(
    write: str, writer: Callable[..., Awaitable[Writer]] = current_user
) -> Callable[[Request, Writer], Awaitable[WriteBudget]]:
    """`writer` is the dependency that says who writes: Conduit's reads its own credentials
    and the plain forms theirs, and every way in spends from the same budget."""
    if write not in WRITES:  # at import time: a route cannot name an undeclared limit
        raise ValueError(f"no rate_limit_{write}_per_account in abuse/config.py")

    async def budget(request: Request, user: Annotated[Writer, Depends(writer)]) -> WriteBudget:
        return WriteBudget(state_of(request)["write_limits"], write, user.id)

    return budget
