from typing import Annotated

from fastapi import Depends

from inkwell.dependencies import app_state
from inkwell.mail.service import Mailer

MailerDep = Annotated[Mailer, Depends(app_state("mailer"))]
