"""A query that asks nothing finds nothing; one too long is a 422 that says why; none is a
500, on either database."""

import pytest
from httpx import AsyncClient

from inkwell.search.schemas import QUERY_MAX_LENGTH
from tests.conftest import Account
from tests.factories import Factory


@pytest.fixture(autouse=True)
async def corpus(factory: Factory, author: Account) -> None:
    await factory.post(author, title="Or else", content='Quotes " and -minus or NEAR(x) * ^')


@pytest.mark.parametrize(
    "q",
    [
        "",
        " ",
        "-",
        "--",
        "-else",
        "or",
        "OR OR",
        "the",
        '"',
        '""',
        '"""',
        "*",
        "^",
        "(",
        ")",
        "\x00",
        "&|!<->:*",
        "'",
        "\\",
    ],
)
async def test_a_query_with_nothing_to_look_for_finds_nothing(client: AsyncClient, q: str) -> None:
    response = await client.get("/api/search", params={"q": q})

    assert response.status_code == 200
    assert response.json() | {"skip": 0} == {
        "posts": [],
        "total": 0,
        "users": [],
        "user_total": 0,
        "skip": 0,
        "limit": 10,
        "has_more": False,
        "next_cursor": None,
    }


@pytest.mark.parametrize(
    "q", ['"quotes', 'minus"', "else\x00", "else\x00 -y", "NEAR(x) else", "else*", "else:"]
)
async def test_unbalanced_quotes_nul_and_fts5_syntax_are_read_as_words(
    client: AsyncClient, q: str
) -> None:
    response = await client.get("/api/search", params={"q": q})

    assert response.status_code == 200
    assert [post["title"] for post in response.json()["posts"]] == ["Or else"]


async def test_a_query_of_the_longest_length_is_answered(client: AsyncClient) -> None:
    q = ("else " * QUERY_MAX_LENGTH)[:QUERY_MAX_LENGTH]

    response = await client.get("/api/search", params={"q": q})

    assert response.status_code == 200
    assert response.json()["total"] == 1


@pytest.mark.parametrize("length", [QUERY_MAX_LENGTH + 1, 1_000])
async def test_a_query_too_long_is_refused_saying_the_limit(
    client: AsyncClient, length: int
) -> None:
    response = await client.get("/api/search", params={"q": "x" * length})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert f"at most {QUERY_MAX_LENGTH} characters" in response.text


async def test_a_query_too_long_is_refused_at_q_in_plain_words(client: AsyncClient) -> None:
    response = await client.get("/api/search", params={"q": "x" * (QUERY_MAX_LENGTH + 1)})

    assert response.json()["errors"] == [
        {"field": "q", "code": "too_long", "message": f"Use at most {QUERY_MAX_LENGTH} characters."}
    ]


async def test_a_search_without_a_query_is_refused(client: AsyncClient) -> None:
    response = await client.get("/api/search")

    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


@pytest.mark.parametrize("params", [{"skip": -1}, {"limit": 0}, {"limit": 101}, {"skip": "x"}])
async def test_bad_pages_are_refused(client: AsyncClient, params: dict[str, object]) -> None:
    response = await client.get("/api/search", params={"q": "else", **params})

    assert response.status_code == 422
