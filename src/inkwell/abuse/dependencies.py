"""`write_limit("comments")`: the dependency a route that writes takes to spend from the
signed-in account's budget (`dependencies=[Depends(write_limit("comments"))]`)."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Protocol

from fastapi import Depends, Request

from inkwell.abuse.config import WRITES
from inkwell.auth.dependencies import current_user
from inkwell.state import state_of


class Writer(Protocol):
    """Who writes, as a route's dependency names them: a user, or a signed-in account."""

    @property
    def id(self) -> int: ...


def write_limit(
    write: str, writer: Callable[..., Awaitable[Writer]] = current_user
) -> Callable[[Request, Writer], Awaitable[None]]:
    """`writer` is the dependency that says who writes: Conduit's reads its own credentials
    and the plain forms theirs, and every way in spends from the same budget."""
    if write not in WRITES:  # at import time: a route cannot name an undeclared limit
        raise ValueError(f"no rate_limit_{write}_per_account in abuse/config.py")

    async def spend(request: Request, user: Annotated[Writer, Depends(writer)]) -> None:
        await state_of(request)["write_limits"].spend(write, user.id)

    return spend
