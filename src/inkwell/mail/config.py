"""What mail reads from the environment: the SMTP relay and the sender. Part of
`inkwell.config.Settings`; without SMTP_HOST, mail goes to the log (development)."""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr


class MailSettings(BaseModel):
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65_535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_timeout: float = Field(default=10.0, gt=0)
    # Certificate authorities to trust besides the system's (a relay with a private CA).
    smtp_ca_file: Path | None = None
    mail_from: str = "Inkwell <no-reply@localhost>"
