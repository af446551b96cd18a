"""Cursors (pagination.py): opaque, signed, naming their listing; `skip` kept for today's
clients up to 10,000. What a forged, stale, altered or misplaced cursor answers, on every
listing of the API and on the pages: a clear 422, never a 500."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qsl

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.pagination import (
    CURSOR_VERSION,
    MAX_SKIP,
    TIME_AND_ID,
    Cursors,
    InvalidCursor,
    keyset_page,
    page_parameters,
    posts_listing,
)
from inkwell.posts.models import Post
from tests.conftest import SECRET_KEY, Account, Api, StatementCounter
from tests.factories import Factory

CURSORS = Cursors.from_secret(SECRET_KEY)
MOMENT = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


# What a refused cursor is told, by reason.
NOT_A_CURSOR = "`cursor` is not a cursor: pass the `next_cursor` of a page as it was answered"
STALE = "`cursor` is stale (made in an older format): start again from the first page"
NOT_VALID = (
    "`cursor` is not valid: it was altered, made up, or made before the site's key changed; "
    "start again from the first page"
)
ANOTHER_LISTING = (
    "`cursor` belongs to another listing: a cursor only continues the listing (and the "
    "filters, or the search) that answered it"
)
NO_POSITION = "`cursor` holds no position of this listing"


def signed(body: bytes, version: int = CURSOR_VERSION) -> str:
    """A cursor of any body, correctly signed with this site's key."""
    message = bytes([version]) + body
    mac = hmac.new(CURSORS.key, message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(message[:1] + mac + message[1:]).rstrip(b"=").decode()


def made_in_version(version: int, name: str, position: list[object]) -> str:
    """A cursor as an older (or newer) format would have made it, correctly signed."""
    return signed(json.dumps([name, position], separators=(",", ":")).encode(), version)


def altered(cursor: str) -> str:
    """The cursor with one character of its body changed."""
    middle = len(cursor) // 2
    return cursor[:middle] + ("A" if cursor[middle] != "A" else "B") + cursor[middle + 1 :]


def insert_dots(cursor: str) -> str:
    """The cursor with four characters base64url does not use in its middle."""
    middle = len(cursor) // 2
    return cursor[:middle] + "...." + cursor[middle:]


class TestTheCodec:
    def test_a_cursor_gives_back_the_position_it_was_made_of(self) -> None:
        cursor = CURSORS.encode("posts", (MOMENT, 42))
        assert CURSORS.decode(cursor, "posts", TIME_AND_ID) == (MOMENT, 42)

    def test_a_cursor_is_url_safe_and_short(self) -> None:
        cursor = CURSORS.encode("tag/python", (MOMENT, 2**31 - 1))
        assert set(cursor) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        )
        assert len(cursor) < 120

    def test_the_same_position_always_makes_the_same_cursor(self) -> None:
        assert CURSORS.encode("posts", (MOMENT, 1)) == CURSORS.encode("posts", (MOMENT, 1))

    def test_a_cursor_is_its_version_mac_and_compact_json_in_unpadded_base64(self) -> None:
        """The format CURSOR_VERSION names (a change to it is a new version); this one's 58
        bytes would end in two `=` of base64 padding."""
        cursor = CURSORS.encode("posts", (MOMENT, 7))
        assert cursor == made_in_version(CURSOR_VERSION, "posts", [MOMENT.isoformat(), 7])

    def test_a_cursor_made_by_an_earlier_release_still_reads(self) -> None:
        """Cursors never expire: one answered before a deploy continues its listing after,
        so its key is derived from SECRET_KEY as it always was."""
        cursor = "AbPp331mEHbAaPLS7of9pMNbInBvc3RzIixbIjIwMjYtMTEtMzBUMDg6MDA6MDArMDA6MDAiLDddXQ"
        cursors = Cursors.from_secret("an earlier release's key")
        assert cursors.decode(cursor, "posts", TIME_AND_ID) == (MOMENT, 7)

    def test_a_position_holds_only_json_values_and_moments(self) -> None:
        with pytest.raises(TypeError, match=r"^a cursor holds no Decimal$"):
            CURSORS.encode("posts", (Decimal("1.5"), 7))

    @pytest.mark.parametrize(
        ("cursor", "says"),
        [
            ("", NOT_A_CURSOR),
            ("!!!!", NOT_A_CURSOR),
            ("abc", NOT_A_CURSOR),
            (base64.urlsafe_b64encode(bytes(17)).decode(), NOT_A_CURSOR),
            (insert_dots(CURSORS.encode("posts", (MOMENT, 1))), NOT_A_CURSOR),
            (CURSORS.encode("posts", (MOMENT, 1))[:-4], NOT_VALID),
            (altered(CURSORS.encode("posts", (MOMENT, 1))), NOT_VALID),
            (Cursors.from_secret("another site's key").encode("posts", (MOMENT, 1)), NOT_VALID),
            (made_in_version(CURSOR_VERSION + 1, "posts", [MOMENT.isoformat(), 1]), STALE),
            (CURSORS.encode("tag/python", (MOMENT, 1)), ANOTHER_LISTING),
            (signed(b"\xff not JSON"), ANOTHER_LISTING),
            (signed(b'"posts"'), ANOTHER_LISTING),
            (CURSORS.encode("posts", (1, 1)), NO_POSITION),
            (CURSORS.encode("posts", ("2026-11-30T08:00:00", 1)), NO_POSITION),
            (CURSORS.encode("posts", (MOMENT, 0)), NO_POSITION),
            (CURSORS.encode("posts", (MOMENT, 1, 2)), NO_POSITION),
        ],
        ids=[
            "empty",
            "not base64",
            "too short",
            "a version and a MAC but no body",
            "characters base64url does not use",
            "truncated",
            "altered",
            "another key",
            "another format",
            "another listing",
            "a signed body that is not JSON",
            "a signed body that is no name and position",
            "a number for a moment",
            "a moment without a zone",
            "id zero",
            "too long a position",
        ],
    )
    def test_a_cursor_that_is_not_this_listings_is_refused_saying_why(
        self, cursor: str, says: str
    ) -> None:
        with pytest.raises(InvalidCursor) as refused:
            CURSORS.decode(cursor, "posts", TIME_AND_ID)
        assert refused.value.status_code == 422
        assert refused.value.detail == says


@pytest.fixture
async def listed(factory: Factory, author: Account, api: Api) -> dict[str, object]:
    """Two of everything a listing lists: published posts (tagged), drafts, comments and
    the notifications they send, a reader's feed."""
    post = await factory.post(author, tags=["python"])
    await factory.post(author, tags=["python"])
    for _ in range(2):
        await factory.post(author, status="draft")
    reader = await factory.account("reader")
    await api.client.put(f"/api/users/{author.id}/follow", headers=reader.headers)
    for body in ("Hi", "Again"):
        response = await api.client.post(
            f"/api/posts/{post['id']}/comments", json={"body": body}, headers=reader.headers
        )
        assert response.status_code == 201
    return post


LISTINGS = [
    "/api/posts",
    "/api/posts?tag=python",
    "/api/users/{author}/posts",
    "/api/users/me/drafts",
    "/api/feed",
    "/api/search?q=words",
    "/api/posts/{post}/comments",
    "/api/notifications",
]


def address(path: str, author: Account, post: dict[str, object]) -> str:
    return path.format(author=author.id, post=post["id"])


async def as_reader(client: AsyncClient, author: Account, path: str, **params: object) -> object:
    """GET as whoever the listing is for: the feed is the reader's, the rest the author's."""
    headers = author.headers
    if path == "/api/feed":
        token = await client.post(
            "/api/users/token",
            data={"username": "reader", "password": "correct horse battery staple"},
        )
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    path, _, query = path.partition("?")
    merged = dict(parse_qsl(query)) | params
    return await client.get(path, params=merged, headers=headers)  # type: ignore[arg-type]


@pytest.mark.parametrize("path", LISTINGS)
async def test_every_listing_answers_a_cursor_and_takes_it_back(
    client: AsyncClient, author: Account, listed: dict[str, object], path: str
) -> None:
    path = address(path, author, listed)
    first = (await as_reader(client, author, path, limit=1)).json()  # type: ignore[attr-defined]
    assert first["has_more"] is True
    second = await as_reader(client, author, path, limit=1, cursor=first["next_cursor"])
    assert second.status_code == 200, second.text  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", LISTINGS)
@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "A" * 60,
        CURSORS.encode("posts", (MOMENT, 1))[:-4],
        Cursors.from_secret("another key").encode("posts", (MOMENT, 1)),
        made_in_version(0, "posts", [MOMENT.isoformat(), 1]),
        CURSORS.encode("somewhere/else", (MOMENT, 1)),
    ],
    ids=["garbage", "forged", "truncated", "another key", "stale", "another listing"],
)
async def test_every_listing_refuses_a_cursor_it_did_not_answer_with_a_422(
    client: AsyncClient, author: Account, listed: dict[str, object], path: str, cursor: str
) -> None:
    response = await as_reader(client, author, address(path, author, listed), cursor=cursor)
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["code"] == "cursor_invalid"
    assert "`cursor`" in body["detail"]


async def test_a_cursor_of_one_tag_does_not_continue_another(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    for _ in range(2):
        await factory.post(author, tags=["python", "rust"])
    python = (await client.get("/api/posts", params={"tag": "python", "limit": 1})).json()
    response = await client.get(
        "/api/posts", params={"tag": "rust", "cursor": python["next_cursor"]}
    )
    assert response.status_code == 422
    assert "another listing" in response.json()["detail"]


async def test_a_feed_cursor_is_its_readers_alone(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    mine = await factory.account("mine")
    theirs = await factory.account("theirs")
    for reader in (mine, theirs):
        await client.put(f"/api/users/{author.id}/follow", headers=reader.headers)
    for _ in range(2):
        await factory.post(author)
    page = (await client.get("/api/feed", params={"limit": 1}, headers=mine.headers)).json()
    response = await client.get(
        "/api/feed", params={"cursor": page["next_cursor"]}, headers=theirs.headers
    )
    assert response.status_code == 422


async def test_a_search_cursor_does_not_continue_other_words(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    for _ in range(2):
        await factory.post(author, content="Tea and coffee.")
    tea = (await client.get("/api/search", params={"q": "tea", "limit": 1})).json()
    response = await client.get("/api/search", params={"q": "coffee", "cursor": tea["next_cursor"]})
    assert response.status_code == 422


@pytest.mark.parametrize("path", ["/api/posts", "/api/search?q=words", "/api/users/me/drafts"])
async def test_skip_above_ten_thousand_is_a_422_that_names_cursor(
    client: AsyncClient, author: Account, path: str
) -> None:
    response = await as_reader(client, author, path, skip=MAX_SKIP + 1)
    assert response.status_code == 422  # type: ignore[attr-defined]
    (error,) = response.json()["detail"]  # type: ignore[attr-defined]
    assert error["loc"] == ["query", "skip"]
    assert error["msg"] == (
        "Value error, skip above 10,000 is refused: page deeper with `cursor` (every page "
        "answers `next_cursor`, the cursor of the page after it)"
    )


async def test_skip_of_ten_thousand_still_answers(client: AsyncClient) -> None:
    response = await client.get("/api/posts", params={"skip": MAX_SKIP})
    assert response.status_code == 200
    assert response.json()["posts"] == []


async def test_cursor_and_skip_together_are_a_422(client: AsyncClient) -> None:
    cursor = CURSORS.encode(posts_listing(None), (MOMENT, 1))
    response = await client.get("/api/posts", params={"skip": 10, "cursor": cursor})
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == (
        "Value error, give `cursor` or `skip`, not both: a cursor says where it starts"
    )


async def test_a_cursor_too_long_is_a_422(client: AsyncClient) -> None:
    response = await client.get("/api/posts", params={"cursor": "A" * 1000})
    assert response.status_code == 422


async def test_a_page_asked_by_cursor_says_skip_zero(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    for _ in range(3):
        await factory.post(author)
    first = (await client.get("/api/posts", params={"limit": 1})).json()
    second = (
        await client.get("/api/posts", params={"limit": 1, "cursor": first["next_cursor"]})
    ).json()
    assert (second["skip"], second["limit"], second["total"], second["has_more"]) == (0, 1, 3, True)


async def test_the_last_page_has_no_next_cursor(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    for _ in range(2):
        await factory.post(author)
    page = (await client.get("/api/posts", params={"limit": 2})).json()
    assert (page["has_more"], page["next_cursor"]) == (False, None)


@pytest.mark.parametrize("path", ["/", "/tags/python", "/@author", "/search?q=words"])
async def test_a_page_with_a_forged_cursor_is_a_400_page(
    client: AsyncClient, factory: Factory, author: Account, path: str
) -> None:
    await factory.post(author, tags=["python"])
    response = await client.get(path, params={"cursor": "forged"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "This page link is broken or out of date." in response.text


async def test_conduit_refuses_an_offset_above_ten_thousand_its_own_way(
    client: AsyncClient,
) -> None:
    response = await client.get("/conduit/api/articles", params={"offset": MAX_SKIP + 1})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["offset"]


async def test_conduit_still_answers_an_offset_of_ten_thousand(client: AsyncClient) -> None:
    response = await client.get("/conduit/api/articles", params={"offset": MAX_SKIP})
    assert response.status_code == 200
    assert response.json()["articles"] == []


@pytest.mark.parametrize(
    "after", [None, (datetime(2100, 1, 1, tzinfo=UTC), 1)], ids=["by skip", "by cursor"]
)
async def test_a_keyset_page_reads_one_row_more_than_the_page_and_no_more(
    engine: AsyncEngine, factory: Factory, author: Account, after: tuple[datetime, int] | None
) -> None:
    """The extra row says whether another page follows; the rest are never read."""
    for _ in range(5):
        await factory.post(author)
    page = keyset_page(select(Post.id), Post.published_at, Post.id, after=after is not None)
    async with engine.connect() as connection:
        rows = (await connection.execute(page, page_parameters(0, 2, after))).all()
    assert len(rows) == 3


async def test_a_pages_bounds_are_written_into_its_statement(
    client: AsyncClient, count_statements: StatementCounter
) -> None:
    """Not sent as parameters: each depth is its own prepared statement, whose plan
    PostgreSQL may keep (bench/NOTES.md)."""
    response = await client.get("/api/posts", params={"limit": 3, "skip": 6})
    assert response.status_code == 200
    assert any("LIMIT 4 OFFSET 6" in statement for statement in count_statements.statements)
