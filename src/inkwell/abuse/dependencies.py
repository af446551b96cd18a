"""`write_limit("comments")`: the dependency a route that writes takes to spend from the
signed-in account's budget (`dependencies=[Depends(write_limit("comments"))]`)."""

from collections.abc import Awaitable, Callable

from fastapi import Request

from inkwell.abuse.config import WRITES
from inkwell.auth.dependencies import CurrentUser
from inkwell.state import state_of


def write_limit(write: str) -> Callable[[Request, CurrentUser], Awaitable[None]]:
    if write not in WRITES:  # at import time: a route cannot name an undeclared limit
        raise ValueError(f"no rate_limit_{write}_per_account in abuse/config.py")

    async def spend(request: Request, user: CurrentUser) -> None:
        await state_of(request)["write_limits"].spend(write, user.id)

    return spend
