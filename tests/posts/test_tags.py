"""Tags: at most five a post, normalised to lower case ASCII slugs, listed with the counts of
their published posts, and a listing of each tag's posts."""

import asyncio

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.posts import service as posts
from inkwell.posts.models import Tag
from tests.conftest import Account, Api, StartedApp, StatementCounter


async def tag_counts(client: AsyncClient) -> dict[str, int]:
    response = await client.get("/api/tags")
    assert response.status_code == 200
    return {tag["name"]: tag["posts"] for tag in response.json()["tags"]}


async def test_tags_are_normalised_merged_and_sorted(api: Api, author: Account) -> None:
    post = await api.post(author, tags=["Python", " python ", "Async IO", "Ünïcode", "C++"])

    assert post["tags"] == ["async-io", "c", "python", "unicode"]


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (["a", "b", "c", "d", "e", "f"], "at most 5"),
        ([""], "at least one letter or digit"),
        (["!!!"], "at least one letter or digit"),
        (["x" * 31], "at most 30 characters"),
        ("python", "valid list"),
    ],
)
async def test_bad_tags_are_refused_and_nothing_is_stored(
    client: AsyncClient, author: Account, tags: object, message: str
) -> None:
    response = await client.post(
        "/api/posts", json={"title": "t", "content": "c", "tags": tags}, headers=author.headers
    )

    assert response.status_code == 422
    assert message in str(response.json()["detail"])
    assert (await client.get("/api/posts")).json()["total"] == 0
    assert await tag_counts(client) == {}


async def test_bad_tags_leave_a_post_as_it_was(
    api: Api, client: AsyncClient, author: Account
) -> None:
    post = await api.post(author, tags=["kept"])

    response = await client.patch(
        f"/api/posts/{post['id']}",
        json={"title": "Changed", "tags": ["ok", "   "]},
        headers=author.headers,
    )

    assert response.status_code == 422
    assert (await client.get(f"/api/posts/{post['id']}")).json() == post


async def test_changing_a_posts_tags_moves_the_counts(
    api: Api, client: AsyncClient, author: Account
) -> None:
    post = await api.post(author, tags=["python", "async"])
    await api.post(author, tags=["python"])

    response = await client.patch(
        f"/api/posts/{post['id']}", json={"tags": ["python", "web"]}, headers=author.headers
    )

    assert response.json()["tags"] == ["python", "web"]
    assert await tag_counts(client) == {"python": 2, "web": 1}
    cleared = await client.patch(
        f"/api/posts/{post['id']}", json={"tags": []}, headers=author.headers
    )
    assert cleared.json()["tags"] == []
    assert await tag_counts(client) == {"python": 1}


async def test_tags_are_listed_most_used_first_counting_published_posts_only(
    api: Api, client: AsyncClient, author: Account
) -> None:
    for tags in (["b", "a"], ["b"], ["c", "b"], ["a"]):
        await api.post(author, tags=tags)
    await api.post(author, tags=["c", "d"], status="draft")

    response = await client.get("/api/tags", params={"limit": 2})

    assert response.json() == {"tags": [{"name": "b", "posts": 3}, {"name": "a", "posts": 2}]}
    assert await tag_counts(client) == {"b": 3, "a": 2, "c": 1}


async def test_tag_counts_follow_publishing_unpublishing_and_deleting(
    api: Api, client: AsyncClient, author: Account
) -> None:
    post = await api.post(author, tags=["python"], status="draft")
    url = f"/api/posts/{post['id']}"
    assert await tag_counts(client) == {}

    await client.patch(url, json={"status": "published"}, headers=author.headers)
    assert await tag_counts(client) == {"python": 1}
    await client.patch(url, json={"status": "draft"}, headers=author.headers)
    assert await tag_counts(client) == {}
    await client.patch(url, json={"status": "published"}, headers=author.headers)
    await client.delete(url, headers=author.headers)
    assert await tag_counts(client) == {}


async def test_deleting_an_author_takes_their_posts_out_of_the_tag_counts(
    api: Api, client: AsyncClient, author: Account
) -> None:
    await api.post(author, tags=["python"])
    other = await api.sign_up("other")
    await api.post(other, tags=["python"])

    await client.delete(f"/api/users/{author.id}", headers=author.headers)

    assert await tag_counts(client) == {"python": 1}


async def test_a_tags_listing_has_its_published_posts_newest_first(
    api: Api, client: AsyncClient, author: Account
) -> None:
    older = await api.post(author, tags=["python"])
    await api.post(author, tags=["rust"])
    newer = await api.post(author, tags=["python", "web"])
    await api.post(author, tags=["python"], status="draft")

    page = (await client.get("/api/posts", params={"tag": "Python", "limit": 1})).json()
    rest = (await client.get("/api/posts", params={"tag": "python", "skip": 1})).json()

    assert [post["id"] for post in page["posts"]] == [newer["id"]]
    assert page["posts"][0]["tags"] == ["python", "web"]
    assert (page["total"], page["has_more"]) == (2, True)
    assert [post["id"] for post in rest["posts"]] == [older["id"]]
    past_the_end = (await client.get("/api/posts", params={"tag": "python", "skip": 5})).json()
    assert (past_the_end["posts"], past_the_end["total"]) == ([], 2)


@pytest.mark.parametrize("listing", ["/api/posts?tag=ink", "/api/users/{author}/posts"])
async def test_a_post_published_again_is_listed_as_new_in_its_tag_as_on_its_authors_page(
    api: Api, client: AsyncClient, author: Account, listing: str
) -> None:
    """A tag's listing walks post_tags' copy of the publication date, which follows it: after
    what was published since, before what was published before."""
    again = await api.post(author, tags=["ink"])
    older = await api.post(author, tags=["ink"])
    url = f"/api/posts/{again['id']}"
    for status in ("draft", "published"):
        response = await client.patch(url, json={"status": status}, headers=author.headers)
        assert response.status_code == 200, response.text
    newer = await api.post(author, tags=["ink"])

    page = (await client.get(listing.format(author=author.id))).json()

    assert [post["id"] for post in page["posts"]] == [newer["id"], again["id"], older["id"]]


@pytest.mark.parametrize("tag", ["nobody-uses-this", "!!!", ""])
async def test_a_tag_no_post_carries_lists_nothing(
    api: Api, client: AsyncClient, author: Account, tag: str
) -> None:
    await api.post(author, tags=["python"])

    page = (await client.get("/api/posts", params={"tag": tag})).json()

    assert (page["posts"], page["total"], page["has_more"]) == ([], 0, False)


async def test_every_listing_carries_each_posts_tags(
    api: Api, client: AsyncClient, author: Account
) -> None:
    post = await api.post(author, tags=["b", "a"])
    await api.post(author, status="draft", tags=["x"])

    for listing in ("/api/posts", f"/api/users/{author.id}/posts", "/api/users/me/drafts"):
        posts = (await client.get(listing, headers=author.headers)).json()["posts"]
        assert [listed["tags"] for listed in posts] == (
            [["x"]] if listing.endswith("drafts") else [["a", "b"]]
        ), listing
    assert (await client.get(f"/api/posts/{post['id']}")).json()["tags"] == ["a", "b"]


async def test_writers_racing_to_create_one_new_tag_share_it(
    api: Api, client: AsyncClient, engine: AsyncEngine
) -> None:
    writers = [await api.sign_up(f"writer{i}") for i in range(4)]

    responses = await asyncio.gather(
        *(
            client.post(
                "/api/posts",
                json={"title": f"Post {i}", "content": "c", "tags": ["brand-new"]},
                headers=writers[i % 4].headers,
            )
            for i in range(12)
        )
    )

    assert {response.status_code for response in responses} == {201}
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(Tag)) == 1
    assert await tag_counts(client) == {"brand-new": 12}


async def test_the_tag_limit_is_documented(client: AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]["PostCreate"]

    assert schema["properties"]["tags"]["maxItems"] == 5
    assert schema["properties"]["status"]["enum"] == ["draft", "published"]


async def test_concurrent_changes_to_one_posts_tags_take_turns(
    api: Api, client: AsyncClient, author: Account
) -> None:
    post = await api.post(author, tags=["start"])
    choices = [["a", "b"], ["b", "c"], ["c", "a"], ["d"], ["a", "d"], ["b"]]

    responses = await asyncio.gather(
        *(
            client.patch(f"/api/posts/{post['id']}", json={"tags": tags}, headers=author.headers)
            for tags in choices
        )
    )

    assert {response.status_code for response in responses} == {200}
    final = (await client.get(f"/api/posts/{post['id']}")).json()["tags"]
    assert final in [sorted(tags) for tags in choices]
    assert await tag_counts(client) == dict.fromkeys(final, 1)


async def test_a_listing_asked_for_the_popular_tags_answers_list_tags_in_its_own_statement(
    api: Api, author: Account, started_app: StartedApp, count_statements: StatementCounter
) -> None:
    # Eleven tags, so ranks 10 and 11 must sort after 2; ties ordered by name.
    for tags in (["a", "b", "c", "d", "e"], ["f", "g", "h", "i", "j"], ["k", "b"], ["k"]):
        await api.post(author, tags=tags)
    reader = started_app.state["reader"]
    expected = await posts.list_tags(reader, limit=12)
    count_statements.statements.clear()

    first = await posts.list_posts(reader, skip=0, limit=2, popular_tags=12)

    assert len(count_statements) == 1
    assert first.popular_tags == expected
    assert [tag["name"] for tag in expected] == ["b", "k", *"acdefghij"]
    past_the_last = await posts.list_posts(reader, skip=10, limit=2, popular_tags=12)
    assert past_the_last.popular_tags == expected
    assert (await posts.list_posts(reader, skip=0, limit=2)).popular_tags == []


@pytest.mark.parametrize("asked", [1, 2])
async def test_a_listing_answers_only_as_many_popular_tags_as_asked(
    api: Api, author: Account, started_app: StartedApp, asked: int
) -> None:
    await api.post(author, tags=["a", "b", "c"])
    await api.post(author, tags=["b", "c"])
    await api.post(author, tags=["c"])
    reader = started_app.state["reader"]

    listing = await posts.list_posts(reader, skip=0, limit=10, popular_tags=asked)

    most_used_first = [{"name": "c", "posts": 3}, {"name": "b", "posts": 2}]
    assert listing.popular_tags == most_used_first[:asked]


async def test_a_listing_of_posts_without_tags_answers_no_popular_tags(
    api: Api, author: Account, started_app: StartedApp
) -> None:
    await api.post(author)

    listing = await posts.list_posts(started_app.state["reader"], skip=0, limit=10, popular_tags=3)

    assert len(listing.posts) == 1  # a row, carrying no tags
    assert listing.popular_tags == []
