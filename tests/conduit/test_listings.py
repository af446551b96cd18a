"""Conduit's lists of articles: everyone's, filtered, the feed; each item without its body,
with `favorited` and `following` as the reader sees them."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.posts.models import Post
from tests.conduit.conftest import Conduit, ConduitUser, read_bodies
from tests.conftest import StatementCounter


def slugs(response: object) -> list[str]:
    return [article["slug"] for article in response.json()["articles"]]  # type: ignore[attr-defined]


async def test_the_list_is_newest_first_without_bodies(
    conduit: Conduit, writer: ConduitUser
) -> None:
    first = await conduit.article(writer)
    second = await conduit.article(writer)

    response = await conduit.get("/articles")

    assert response.status_code == 200
    assert slugs(response) == [second["slug"], first["slug"]]
    assert response.json()["articlesCount"] == 2
    listed = response.json()["articles"][0]
    assert "body" not in listed
    assert listed == {key: value for key, value in second.items() if key != "body"}


async def test_ties_in_publication_time_are_ordered_by_id_newest_first(
    conduit: Conduit, writer: ConduitUser, engine: AsyncEngine
) -> None:
    articles = [await conduit.article(writer) for _ in range(3)]
    async with engine.begin() as connection:
        await connection.execute(update(Post).values(published_at=datetime(2026, 1, 1, tzinfo=UTC)))

    response = await conduit.get("/articles")

    assert slugs(response) == [article["slug"] for article in reversed(articles)]


async def test_limit_and_offset_page_through_with_the_full_count(
    conduit: Conduit, writer: ConduitUser
) -> None:
    articles = [await conduit.article(writer) for _ in range(3)]

    first = await conduit.get("/articles", limit=2)
    rest = await conduit.get("/articles", limit=2, offset=2)

    assert slugs(first) == [articles[2]["slug"], articles[1]["slug"]]
    assert slugs(rest) == [articles[0]["slug"]]
    assert first.json()["articlesCount"] == rest.json()["articlesCount"] == 3


async def test_a_limit_of_zero_is_a_422_naming_the_limit(conduit: Conduit) -> None:
    response = await conduit.get("/articles", limit=0)

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["limit"]


async def test_by_author_lists_that_authors_articles_only(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser
) -> None:
    mine = await conduit.article(writer)
    await conduit.article(reader)

    response = await conduit.get("/articles", author="Writer")

    assert slugs(response) == [mine["slug"]]
    assert response.json()["articlesCount"] == 1


async def test_by_author_counts_no_drafts(
    conduit: Conduit, writer: ConduitUser, engine: AsyncEngine
) -> None:
    published = await conduit.article(writer)
    unpublished = await conduit.article(writer)
    async with engine.begin() as connection:
        await connection.execute(
            update(Post)
            .where(Post.title == unpublished["title"])
            .values(status="draft", published_at=None)
        )

    response = await conduit.get("/articles", author="writer")

    assert slugs(response) == [published["slug"]]
    assert response.json()["articlesCount"] == 1


async def test_by_an_unknown_author_lists_nothing(conduit: Conduit, writer: ConduitUser) -> None:
    await conduit.article(writer)

    response = await conduit.get("/articles", author="nobody")

    assert response.json() == {"articles": [], "articlesCount": 0}


async def test_by_tag_lists_the_tagged_articles(conduit: Conduit, writer: ConduitUser) -> None:
    tagged = await conduit.article(writer, tagList=["dragons"])
    await conduit.article(writer, tagList=["cats"])

    response = await conduit.get("/articles", tag="dragons")

    assert slugs(response) == [tagged["slug"]]
    assert response.json()["articlesCount"] == 1


async def test_a_tag_is_matched_whatever_its_case(conduit: Conduit, writer: ConduitUser) -> None:
    tagged = await conduit.article(writer, tagList=["dragons"])

    response = await conduit.get("/articles", tag="Dragons")

    assert slugs(response) == [tagged["slug"]]


async def test_a_tag_no_post_could_carry_lists_nothing(
    conduit: Conduit, writer: ConduitUser
) -> None:
    await conduit.article(writer, tagList=["dragons"])

    response = await conduit.get("/articles", tag="!!!")  # no letter or digit: no tag

    assert response.status_code == 200
    assert response.json() == {"articles": [], "articlesCount": 0}


async def test_by_favorited_lists_what_that_user_favorited(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser
) -> None:
    liked = await conduit.article(writer)
    await conduit.article(writer)
    await conduit.post(f"/articles/{liked['slug']}/favorite", reader)

    response = await conduit.get("/articles", favorited="reader")

    assert slugs(response) == [liked["slug"]]
    assert response.json()["articlesCount"] == 1
    assert response.json()["articles"][0]["favoritesCount"] == 1


@pytest.mark.parametrize("name", ["author", "favorited"])
async def test_a_name_no_user_could_have_lists_nothing(
    conduit: Conduit, writer: ConduitUser, name: str
) -> None:
    """A NUL, which PostgreSQL's text cannot hold, is looked up like any other character."""
    await conduit.article(writer)

    response = await conduit.get("/articles", **{name: "wri\x00ter"})

    assert response.status_code == 200
    assert response.json() == {"articles": [], "articlesCount": 0}


async def test_filters_combine(conduit: Conduit, writer: ConduitUser, reader: ConduitUser) -> None:
    wanted = await conduit.article(writer, tagList=["dragons"])
    others = [
        await conduit.article(writer, tagList=["cats"]),
        await conduit.article(reader, tagList=["dragons"]),
    ]
    for article in [wanted, *others]:
        await conduit.post(f"/articles/{article['slug']}/favorite", reader)
    await conduit.article(writer, tagList=["dragons"])

    response = await conduit.get("/articles", author="writer", tag="dragons", favorited="reader")

    assert slugs(response) == [wanted["slug"]]
    assert response.json()["articlesCount"] == 1


@pytest.mark.parametrize("filters", [{}, {"author": "writer"}], ids=["all", "by-name"])
async def test_favorited_and_following_are_the_readers_own(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser, filters: dict[str, str]
) -> None:
    article = await conduit.article(writer)
    await conduit.post(f"/articles/{article['slug']}/favorite", reader)
    await conduit.post("/profiles/writer/follow", reader)

    as_reader = (await conduit.get("/articles", reader, **filters)).json()["articles"][0]
    as_writer = (await conduit.get("/articles", writer, **filters)).json()["articles"][0]
    anonymous = (await conduit.get("/articles", **filters)).json()["articles"][0]

    assert (as_reader["favorited"], as_reader["author"]["following"]) == (True, True)
    assert (as_writer["favorited"], as_writer["author"]["following"]) == (False, False)
    assert (anonymous["favorited"], anonymous["author"]["following"]) == (False, False)
    assert as_reader["favoritesCount"] == as_writer["favoritesCount"] == 1


async def test_a_list_is_one_statement_after_the_token_whatever_the_page_holds(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser, count_statements: StatementCounter
) -> None:
    for _ in range(3):
        article = await conduit.article(writer, tagList=["a", "b"])
        await conduit.post(f"/articles/{article['slug']}/favorite", reader)
    count_statements.statements.clear()
    await conduit.get("/articles", reader, favorited="reader", author="writer")
    filtered = len(count_statements)
    count_statements.statements.clear()
    await conduit.get("/articles", reader)

    # The token's account, then the page.
    assert (filtered, len(count_statements)) == (2, 2)


@pytest.mark.parametrize(
    "filters", [{}, {"tag": "a"}, {"author": "writer"}], ids=["all", "tag", "by-name"]
)
async def test_a_list_leaves_the_bodies_it_does_not_answer_unread(
    conduit: Conduit,
    writer: ConduitUser,
    reader: ConduitUser,
    count_statements: StatementCounter,
    filters: dict[str, str],
) -> None:
    await conduit.article(writer, tagList=["a"])
    count_statements.statements.clear()

    response = await conduit.get("/articles", reader, **filters)

    assert len(response.json()["articles"]) == 1
    assert read_bodies(count_statements) == []


async def test_the_feed_leaves_the_bodies_it_does_not_answer_unread(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser, count_statements: StatementCounter
) -> None:
    await conduit.article(writer)
    await conduit.post("/profiles/writer/follow", reader)
    count_statements.statements.clear()

    response = await conduit.get("/articles/feed", reader)

    assert len(response.json()["articles"]) == 1
    assert read_bodies(count_statements) == []


async def test_the_feed_lists_only_followed_authors(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser
) -> None:
    stranger = await conduit.user("stranger")
    followed = await conduit.article(writer)
    await conduit.article(stranger)
    await conduit.article(reader)
    await conduit.post("/profiles/writer/follow", reader)

    response = await conduit.get("/articles/feed", reader)

    assert response.status_code == 200
    assert slugs(response) == [followed["slug"]]
    assert response.json()["articlesCount"] == 1
    item = response.json()["articles"][0]
    assert "body" not in item
    assert item["author"]["following"] is True


async def test_the_feed_of_someone_following_no_one_is_empty(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser
) -> None:
    await conduit.article(writer)

    response = await conduit.get("/articles/feed", reader)

    assert response.json() == {"articles": [], "articlesCount": 0}


async def test_the_feed_pages_with_the_full_count(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser
) -> None:
    await conduit.post("/profiles/writer/follow", reader)
    articles = [await conduit.article(writer) for _ in range(2)]

    response = await conduit.get("/articles/feed", reader, limit=1, offset=1)

    assert slugs(response) == [articles[0]["slug"]]
    assert response.json()["articlesCount"] == 2


async def test_the_feed_without_a_token_is_a_401(conduit: Conduit) -> None:
    response = await conduit.get("/articles/feed")

    assert response.status_code == 401
    assert response.json() == {"errors": {"token": ["is missing"]}}


async def test_tags_lists_every_tag_in_use(conduit: Conduit, writer: ConduitUser) -> None:
    await conduit.article(writer, tagList=["dragons", "training"])
    await conduit.article(writer, tagList=["dragons"])

    response = await conduit.get("/tags")

    assert response.status_code == 200
    assert response.json() == {"tags": ["dragons", "training"]}
