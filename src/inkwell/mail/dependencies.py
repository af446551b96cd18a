from typing import Annotated

from fastapi import Depends, Request

from inkwell.mail.service import Mailer
from inkwell.state import state_of


async def _mailer(request: Request) -> Mailer:
    return state_of(request)["mailer"]


MailerDep = Annotated[Mailer, Depends(_mailer)]
