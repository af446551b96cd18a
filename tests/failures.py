"""Failures for apps of a test's own, with only error handlers installed: each kind of
exception a route may raise, and a route that raises it."""

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, HTTPException
from httpx import ASGITransport, AsyncClient
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.types import Message

from inkwell.errors import QUERY_CANCELED, TooManyRequests


class Cancelled(Exception):
    """What asyncpg raises for a statement PostgreSQL cancelled: it carries the SQLSTATE."""

    sqlstate = QUERY_CANCELED


class Refused(Exception):
    sqlstate = "23505"  # a unique violation: a bug, not an outage


FAILURES: dict[str, Exception] = {
    "timeout": TimeoutError(),
    "connection": ConnectionRefusedError(),
    "pool": PoolTimeoutError("QueuePool limit reached"),
    "operational": OperationalError("SELECT 1", {}, Exception("server closed the connection")),
    "invalidated": DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True),
    "cancelled": DBAPIError("SELECT 1", {}, Cancelled()),
    "integrity": IntegrityError("INSERT", {}, Refused()),
    "refused": DBAPIError("SELECT 1", {}, Refused()),
    "unexplained": DBAPIError("SELECT 1", {}, Exception("a driver error with no SQLSTATE")),
    "bug": RuntimeError("a secret in a bug"),
    "limited": TooManyRequests("Too many posts", retry_after=42),
    "challenged": HTTPException(401, "Not authenticated", {"WWW-Authenticate": "Bearer"}),
    "read-only": HTTPException(405, "This is read only"),
    "teapot": HTTPException(418, "I'm a teapot"),
}


# The failures a lost or exhausted database raises (503), and the ones that are bugs (500).
OUTAGES = ("timeout", "connection", "pool", "operational", "invalidated", "cancelled")
BUGS = ("integrity", "refused", "unexplained", "bug")


def client_of(app: FastAPI, root_path: str = "") -> AsyncClient:
    transport = ASGITransport(app=app, raise_app_exceptions=False, root_path=root_path)
    return AsyncClient(transport=transport, base_url="http://test")


def failing(exc: Exception) -> Callable[[], Awaitable[None]]:
    async def endpoint() -> None:
        raise exc

    return endpoint


async def called_without_root_path(app: FastAPI, method: str, path: str) -> list[Message]:
    """What `app` sends for a request whose scope has no `root_path`: ASGI lets a server
    leave it out (httpx's transport always sets one)."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "headers": [(b"host", b"test")], "server": ("test", 80), "client": ("127.0.0.1", 1234),
    }  # fmt: skip
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent
