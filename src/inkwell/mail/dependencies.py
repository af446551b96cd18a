from typing import Annotated

from fastapi import Depends, Request

from inkwell.mail.service import Mailer


async def _mailer(request: Request) -> Mailer:
    mailer: Mailer = request.app.state.mailer
    return mailer


MailerDep = Annotated[Mailer, Depends(_mailer)]
