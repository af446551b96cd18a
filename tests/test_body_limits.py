"""Every route that reads a body (both APIs, and the pages' forms) refuses one over its limit
(MAX_JSON_BODY_BYTES: a JSON 413 from an API, the error page from a page), declared or not,
before reading it all, and stores nothing; the largest valid post fits."""

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.routing import APIRoute, iter_route_contexts
from httpx import AsyncClient, Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Message

from inkwell.body_limits import MAX_JSON_BODY_BYTES, BodyLimitRoute
from inkwell.posts.models import CONTENT_MAX_LENGTH, Post
from tests.conftest import Account

TOO_LARGE = json.dumps({"title": "t", "content": "x" * MAX_JSON_BODY_BYTES}).encode()
LIMIT_DETAIL = f"The request body is larger than the limit of {MAX_JSON_BODY_BYTES} bytes"


def assert_too_large(response: Response) -> None:
    assert response.status_code == 413
    assert response.json() == {"detail": LIMIT_DETAIL, "code": "body_too_large"}


async def in_chunks(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    """A body without a Content-Length: sent chunked, counted as it arrives."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def posts_stored(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Post)) or 0


async def test_a_declared_body_over_the_limit_is_refused_and_nothing_is_stored(
    client: AsyncClient, author: Account, session: AsyncSession
) -> None:
    response = await client.post(
        "/api/posts",
        content=TOO_LARGE,
        headers=author.headers | {"Content-Type": "application/json"},
    )

    assert_too_large(response)
    assert await posts_stored(session) == 0


async def test_a_chunked_body_over_the_limit_is_cut_off_and_nothing_is_stored(
    client: AsyncClient, author: Account, session: AsyncSession
) -> None:
    response = await client.post(
        "/api/posts",
        content=in_chunks(TOO_LARGE),
        headers=author.headers | {"Content-Type": "application/json"},
    )

    assert "content-length" not in response.request.headers
    assert_too_large(response)
    assert await posts_stored(session) == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/users"),
        ("POST", "/api/users/token"),
        ("POST", "/api/users/forgot-password"),
        ("POST", "/api/users/reset-password"),
    ],
)
async def test_every_body_reading_route_has_the_limit(
    client: AsyncClient, method: str, path: str
) -> None:
    response = await client.request(
        method, path, content=TOO_LARGE, headers={"Content-Type": "application/json"}
    )
    assert_too_large(response)


def test_every_route_of_both_apis_and_the_pages_that_reads_a_body_has_a_limit(
    app: FastAPI,
) -> None:
    """Pages too: one form of a thousand fields of a megabyte each (Starlette's limits) once
    held a gigabyte of the server's memory."""
    conduit: Any = next(r for r in app.routes if getattr(r, "path", "") == "/conduit/api")
    routes = [
        context.original_route
        for context in iter_route_contexts([*app.routes, *conduit.app.routes])
        if isinstance(context.original_route, APIRoute)
    ]
    reading = [route for route in routes if (route.methods or set()) - {"GET", "HEAD", "DELETE"}]

    assert {"/login", "/posts/{post_id:int}/comments", "/articles"} <= {r.path for r in reading}
    assert [route.path for route in reading if not isinstance(route, BodyLimitRoute)] == []


async def test_a_page_form_over_the_limit_is_refused_with_a_page_saying_so(
    client: AsyncClient,
) -> None:
    form = {"username": "x" * MAX_JSON_BODY_BYTES, "password": "x"}

    for body in (urlencode(form).encode(), in_chunks(urlencode(form).encode())):
        response = await client.post(
            "/login", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert response.status_code == 413
        assert "What was sent is larger than this page accepts." in response.text


async def test_a_page_form_that_cannot_be_read_is_refused_with_a_page_saying_so(
    client: AsyncClient,
) -> None:
    response = await client.post(
        "/login", content=b"--x\r\n", headers={"Content-Type": "multipart/form-data"}
    )

    assert response.status_code == 400
    assert "What was sent could not be read. Go back and send it again." in response.text


async def test_the_largest_valid_post_fits_under_the_limit(
    client: AsyncClient, author: Account
) -> None:
    # Every character escaped as \u00e9: six bytes each, the most a valid post can take.
    body = json.dumps({"title": "t", "content": "é" * CONTENT_MAX_LENGTH}).encode()

    response = await client.post(
        "/api/posts", content=body, headers=author.headers | {"Content-Type": "application/json"}
    )

    assert len(body) > 6 * CONTENT_MAX_LENGTH
    assert response.status_code == 201


# BodyLimitRoute on its own: routes made by the test (not at import, as the app's are), on an
# app of their own, with a limit of 100 bytes.
SMALL_LIMIT = 100


class NoteRoute(BodyLimitRoute):
    what = "note"
    max_bytes = SMALL_LIMIT


@dataclass
class Exchange:
    status: int
    body: Any
    chunks_read: int


class NotesApp:
    """POST /notes (with one response of its own documented), GET /notes, and /bodiless by
    every method that sends no body answer the length of the body they read."""

    def __init__(self) -> None:
        router = APIRouter(route_class=NoteRoute)

        @router.post("/notes", responses={409: {"description": "A note of that name exists"}})
        async def write_note(request: Request) -> int:
            return len(await request.body())

        @router.get("/notes")
        async def read_notes(request: Request) -> int:
            return len(await request.body())

        @router.api_route(
            "/bodiless", methods=["GET", "HEAD", "DELETE", "OPTIONS"], include_in_schema=False
        )
        async def bodiless(request: Request) -> int:
            return len(await request.body())

        self.app = FastAPI()
        self.app.include_router(router)

    async def send(
        self,
        method: str,
        chunks: list[bytes],
        content_length: str | None = None,
        path: str = "/notes",
    ) -> Exchange:
        """The request, its body in `chunks`; how many of them the app read."""
        pending = list(chunks)
        read = 0
        sent: list[Message] = []

        async def receive() -> Message:
            nonlocal read
            read += 1
            if pending:
                return {"type": "http.request", "body": pending.pop(0), "more_body": True}
            return {"type": "http.request"}  # the end: ASGI's body and more_body have defaults

        async def send(message: Message) -> None:
            sent.append(message)

        headers = [(b"content-length", content_length.encode())] if content_length else []
        scope = {
            "type": "http",
            "method": method,
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "scheme": "http",
            "server": ("test", 80),
            "http_version": "1.1",
        }
        await self.app(scope, receive, send)
        body = b"".join(message.get("body", b"") for message in sent[1:])
        return Exchange(sent[0]["status"], json.loads(body), read)


@pytest.fixture
def notes() -> NotesApp:
    return NotesApp()


def assert_note_too_large(exchange: Exchange) -> None:
    assert exchange.status == 413
    assert exchange.body == {"detail": f"The note is larger than the limit of {SMALL_LIMIT} bytes"}


async def test_a_body_of_exactly_the_limit_is_read_whole(notes: NotesApp) -> None:
    declared = await notes.send("POST", [b"x" * SMALL_LIMIT], content_length=str(SMALL_LIMIT))
    chunked = await notes.send("POST", [b"x" * 50, b"x" * 50])
    assert (declared.status, declared.body) == (chunked.status, chunked.body) == (200, SMALL_LIMIT)


async def test_a_declared_length_over_the_limit_is_refused_before_reading_anything(
    notes: NotesApp,
) -> None:
    exchange = await notes.send("POST", [b"x"], content_length=str(SMALL_LIMIT + 1))
    assert_note_too_large(exchange)
    assert exchange.chunks_read == 0


async def test_a_body_longer_than_declared_is_cut_off_as_it_passes_the_limit(
    notes: NotesApp,
) -> None:
    exchange = await notes.send("POST", [b"x" * 60] * 4, content_length="10")
    assert_note_too_large(exchange)
    assert exchange.chunks_read == 2


async def test_a_chunked_body_is_cut_off_as_it_passes_the_limit(notes: NotesApp) -> None:
    exchange = await notes.send("POST", [b"x" * 60] * 4)
    assert_note_too_large(exchange)
    assert exchange.chunks_read == 2


async def test_a_declared_length_that_is_no_number_is_left_to_the_count(notes: NotesApp) -> None:
    small = await notes.send("POST", [b"x" * 10], content_length="ten")
    large = await notes.send("POST", [b"x" * 60] * 2, content_length="-1")
    assert (small.status, small.body) == (200, 10)
    assert_note_too_large(large)


@pytest.mark.parametrize(("method", "path"), [("GET", "/notes"), ("DELETE", "/bodiless")])
async def test_a_route_that_reads_no_body_is_left_as_it_is(
    notes: NotesApp, method: str, path: str
) -> None:
    exchange = await notes.send(method, [b"x" * 60] * 4, content_length="240", path=path)
    assert (exchange.status, exchange.body) == (200, 240)


def test_only_a_route_that_reads_a_body_documents_the_413_beside_its_own(
    notes: NotesApp,
) -> None:
    operations = notes.app.openapi()["paths"]["/notes"]
    assert set(operations["post"]["responses"]) == {"200", "409", "413"}
    assert "413" not in operations["get"]["responses"]
