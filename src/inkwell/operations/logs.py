"""Structured logs with the request id on every line, and one access-log line per request.

Standard-library logging, not structlog: uvicorn, SQLAlchemy and Alembic already log
through it, so one handler with one formatter renders every line the same way, and a
filter stamps each record with the id of the request it was written for.
"""

import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inkwell.config import Settings

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept when it is short and plain, so it cannot forge or break a log line.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}", re.ASCII)

current_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
access_logger = logging.getLogger("inkwell.access")

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "request_id",
    "color_message",  # uvicorn's ANSI-coloured copy of the message
}


class RequestContextMiddleware:
    """Gives each HTTP request an id (the caller's, if sane), returns it, logs the outcome."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        token = current_request_id.set(request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if access_logger.isEnabledFor(logging.INFO):
                _log_access(scope, status, time.perf_counter() - started)
            current_request_id.reset(token)


def _log_access(scope: Scope, status: int, seconds: float) -> None:
    duration_ms = round(seconds * 1000, 1)
    client = scope.get("client")
    access_logger.info(
        "%s %s %d %.1fms",
        scope["method"],
        scope["path"],
        status,
        duration_ms,
        extra={
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "duration_ms": duration_ms,
            "client": client[0] if client else None,
        },
    )


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            return candidate if _SANE_REQUEST_ID.fullmatch(candidate) else None
    return None


class RequestIdFilter(logging.Filter):
    """Stamps each record with the current request's id ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get() or "-"
        return True


# What could end a line for a terminal, a log shipper or `str.splitlines`, or drive a
# terminal: C0 controls, DEL, C1 controls, Unicode's line and paragraph separators. A
# request path, a header or an exception message can carry any of them.
_CONTROL_CHARACTERS = [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]
_CONSOLE_ESCAPES = {code: ascii(chr(code))[1:-1] for code in _CONTROL_CHARACTERS}
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in _CONTROL_CHARACTERS}


class ConsoleFormatter(logging.Formatter):
    """CONSOLE_FORMAT with control characters escaped (`\\n`, `\\x1b`), so no input can
    forge a line or recolour a terminal. A traceback keeps its own lines after the record's."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        return super().formatMessage(record).translate(_CONSOLE_ESCAPES)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: the fixed fields, then whatever `extra=` added.

    orjson escapes C0 controls as JSON requires; the rest are escaped after it, since
    U+2028, U+0085 and their like end a line for `str.splitlines` and many log readers.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "pid": record.process,
        }
        entry |= {k: v for k, v in vars(record).items() if k not in _RECORD_ATTRIBUTES}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode().translate(_JSON_ESCAPES)


CONSOLE_FORMAT = "%(asctime)s %(levelname)-8s %(name)s [%(request_id)s] %(message)s"


def logging_config(settings: Settings) -> dict[str, Any]:
    """A `logging.config.dictConfig` for the server process and each of its workers.

    uvicorn's loggers propagate to the one root handler (`dictConfig` resets the ones below
    "uvicorn" with it); its access log is off because RequestContextMiddleware writes a
    richer one.
    """
    formatter: dict[str, Any] = (
        {"()": JsonFormatter}
        if settings.logs_as_json
        else {"()": ConsoleFormatter, "fmt": CONSOLE_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"default": formatter},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "root": {"level": settings.log_level, "handlers": ["default"]},
        # Configured, "uvicorn" and its children lose any handlers they had.
        "loggers": {"uvicorn": {"propagate": True}},
    }
