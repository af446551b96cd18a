from typing import Annotated

from fastapi import Depends, Request

from inkwell.notifications.emails import Outbox
from inkwell.state import state_of


async def _outbox(request: Request) -> Outbox:
    return state_of(request)["outbox"]


NotificationOutbox = Annotated[Outbox, Depends(_outbox)]
