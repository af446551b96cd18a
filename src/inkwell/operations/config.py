"""What operations read from the environment: logs, proxies, API docs, health and
telemetry. Part of `inkwell.config.Settings`."""

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, field_validator

from inkwell.operations.proxies import TrustedProxies


def _trusted_proxies(value: str) -> str:
    """Fails at start-up, not at the first proxied request, on an entry that is no address."""
    TrustedProxies.parse(value)
    return value


class OperationsSettings(BaseModel):
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # console for people, json for log collectors; unset: json in production only.
    log_format: Literal["console", "json"] | None = None
    # Peers whose X-Forwarded-For/-Proto are believed: IPs or CIDRs, comma-separated, or "*"
    # (any peer, for its own last hop only); the client is the rightmost untrusted hop.
    trusted_proxies: Annotated[str, AfterValidator(_trusted_proxies)] = "127.0.0.1"
    # Swagger UI at /docs and the schema at /openapi.json; false answers 404 for both.
    api_docs: bool = True
    readiness_timeout: float = Field(default=2.0, gt=0)
    # FastAPI's native OpenTelemetry spans and metrics, for an OpenTelemetry SDK set up in
    # the process. Off by default: FastAPI looks for a provider on every request otherwise.
    telemetry: bool = False

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value
