import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from inkwell.db import create_sessionmaker
from inkwell.posts import service as posts
from inkwell.posts.models import Post
from inkwell.users.models import User
from tests.conftest import RENDERED, Account, Api, StatementCounter
from tests.locks import until_done_or_waiting_for_a_lock

Author = Account


async def test_creating_a_post_returns_it_with_its_author(
    client: AsyncClient, author: Author
) -> None:
    response = await client.post(
        "/api/posts", json={"title": "Hello", "content": "First post."}, headers=author.headers
    )
    assert response.status_code == 201
    post = response.json()
    assert post["title"] == "Hello"
    assert post["content"] == "First post."
    assert post["user_id"] == author.id
    assert post["author"] == {
        "id": author.id,
        "username": "author",
        "display_name": None,
        "image_path": "/static/img/default-avatar.svg",
        "url": "/@author",
    }


async def test_a_new_post_is_posted_published_and_last_updated_at_one_moment(
    api: Api, author: Author
) -> None:
    """So no client takes a post just written for one edited since."""
    post = await api.post(author)

    assert post["date_posted"] == post["updated_at"] == post["published_at"]


async def test_timestamps_are_iso_8601_in_utc(api: Api, author: Author) -> None:
    post = await api.post(author)
    posted = datetime.fromisoformat(str(post["date_posted"]))
    assert posted.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - posted) < timedelta(minutes=1)


async def test_a_post_can_be_read_by_id(api: Api, client: AsyncClient, author: Author) -> None:
    post = await api.post(author, title="Readable")
    response = await client.get(f"/api/posts/{post['id']}")
    assert response.status_code == 200
    assert response.json() == post


async def test_put_replaces_title_and_content(
    api: Api, client: AsyncClient, author: Author
) -> None:
    post = await api.post(author)
    response = await client.put(
        f"/api/posts/{post['id']}",
        json={"title": "New title", "content": "New content"},
        headers=author.headers,
    )
    assert response.status_code == 200
    assert response.json()["title"] == "New title"
    assert response.json()["content"] == "New content"
    assert (await client.get(f"/api/posts/{post['id']}")).json()["title"] == "New title"


async def test_put_requires_every_field(api: Api, client: AsyncClient, author: Author) -> None:
    post = await api.post(author)
    response = await client.put(
        f"/api/posts/{post['id']}", json={"title": "Only a title"}, headers=author.headers
    )
    assert response.status_code == 422


async def test_patch_changes_only_what_it_names(
    api: Api, client: AsyncClient, author: Author
) -> None:
    post = await api.post(author, title="Old", content="Kept content")
    response = await client.patch(
        f"/api/posts/{post['id']}", json={"title": "New"}, headers=author.headers
    )
    assert response.status_code == 200
    assert response.json()["title"] == "New"
    assert response.json()["content"] == "Kept content"


async def test_an_edit_moves_updated_at_but_not_date_posted(
    api: Api, client: AsyncClient, author: Author
) -> None:
    post = await api.post(author)
    edited = (
        await client.patch(
            f"/api/posts/{post['id']}", json={"content": "Edited"}, headers=author.headers
        )
    ).json()
    assert edited["date_posted"] == post["date_posted"]
    assert datetime.fromisoformat(edited["updated_at"]) > datetime.fromisoformat(
        str(post["updated_at"])
    )


async def test_changing_only_the_tags_moves_updated_at(
    api: Api, client: AsyncClient, author: Author
) -> None:
    """The tags are rows of their own, so the post's row is written for them on purpose."""
    post = await api.post(author, tags=["before"])
    edited = (
        await client.patch(
            f"/api/posts/{post['id']}", json={"tags": ["after"]}, headers=author.headers
        )
    ).json()
    assert edited["tags"] == ["after"]
    assert datetime.fromisoformat(edited["updated_at"]) > datetime.fromisoformat(
        str(post["updated_at"])
    )


async def patch_subtitle(
    api: Api, client: AsyncClient, author: Author, change: dict[str, str]
) -> object:
    """The subtitle a post written with one has after `change`, as a PATCH answers it and
    as a later read finds it."""
    post = await api.post(author, subtitle="The first line")
    url = f"/api/posts/{post['id']}"
    patched = await client.patch(url, json=change, headers=author.headers)
    assert patched.status_code == 200, patched.text
    assert (await client.get(url)).json()["subtitle"] == patched.json()["subtitle"]
    return patched.json()["subtitle"]


async def test_a_patch_with_a_subtitle_sets_it(
    api: Api, client: AsyncClient, author: Author
) -> None:
    assert await patch_subtitle(api, client, author, {"subtitle": "A new line"}) == "A new line"


async def test_an_empty_subtitle_clears_it(api: Api, client: AsyncClient, author: Author) -> None:
    assert await patch_subtitle(api, client, author, {"subtitle": ""}) is None


@pytest.mark.parametrize("subtitle", ["", "   "], ids=["empty", "blank"])
async def test_a_post_written_with_an_empty_subtitle_has_none(
    api: Api, client: AsyncClient, author: Author, subtitle: str
) -> None:
    post = await api.post(author, subtitle=subtitle)

    assert post["subtitle"] is None
    assert (await client.get(f"/api/posts/{post['id']}")).json()["subtitle"] is None


async def test_a_patch_without_a_subtitle_keeps_it(
    api: Api, client: AsyncClient, author: Author
) -> None:
    kept = await patch_subtitle(api, client, author, {"title": "Retitled"})
    assert kept == "The first line"


async def test_a_deleted_post_is_gone(api: Api, client: AsyncClient, author: Author) -> None:
    post = await api.post(author)
    deleted = await client.delete(f"/api/posts/{post['id']}", headers=author.headers)
    assert deleted.status_code == 204
    response = await client.get(f"/api/posts/{post['id']}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Post not found", "code": "post_not_found"}


async def test_a_deleted_posts_address_never_leads_to_another_post(
    api: Api, client: AsyncClient, author: Author
) -> None:
    """SQLite would give the newest post's id, once deleted, to the next (migration 0020)."""
    newest = await api.post(author)
    await client.delete(f"/api/posts/{newest['id']}", headers=author.headers)

    following = await api.post(author)

    assert following["id"] != newest["id"]
    assert (await client.get(f"/api/posts/{newest['id']}")).status_code == 404


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_changing_a_post_that_is_gone_is_a_404_naming_it(
    api: Api, client: AsyncClient, author: Author, method: str
) -> None:
    post = await api.post(author)
    await client.delete(f"/api/posts/{post['id']}", headers=author.headers)
    body = {"title": "Again"} if method == "PATCH" else None
    response = await client.request(
        method, f"/api/posts/{post['id']}", json=body, headers=author.headers
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "Post not found", "code": "post_not_found"}


@pytest.mark.parametrize("versioned", [False, True], ids=["plain", "since its version"])
async def test_an_edit_racing_a_deletion_finds_the_post_gone(
    api: Api, client: AsyncClient, author: Author, engine: AsyncEngine, versioned: bool
) -> None:
    """The edit read the post before the deletion committed; its write then finds no row.
    An edit made only if the post is unchanged (autosave's) is told it is gone, not that
    someone changed it."""
    post = await api.post(author)
    url = f"/api/posts/{post['id']}"
    body = {"title": "Too late"} | (
        {"expected_updated_at": post["updated_at"]} if versioned else {}
    )
    async with create_sessionmaker(engine)() as deleting:
        await posts.delete_post(
            deleting, await posts.get_post(deleting, int(str(post["id"]))), by_admin=False
        )
        edit = asyncio.create_task(client.patch(url, json=body, headers=author.headers))
        await until_done_or_waiting_for_a_lock(engine, edit)
        assert not edit.done()  # it waits for the deletion under way
        await deleting.commit()
    response = await edit
    assert response.status_code == 404
    assert response.json() == {"detail": "Post not found", "code": "post_not_found"}


async def test_a_deletion_racing_another_finds_the_post_gone(
    api: Api, client: AsyncClient, author: Author, engine: AsyncEngine
) -> None:
    """It read the post before the other deletion committed; its own then removes no row."""
    post = await api.post(author)
    url = f"/api/posts/{post['id']}"
    async with create_sessionmaker(engine)() as deleting:
        await posts.delete_post(
            deleting, await posts.get_post(deleting, int(str(post["id"]))), by_admin=False
        )
        second = asyncio.create_task(client.delete(url, headers=author.headers))
        await until_done_or_waiting_for_a_lock(engine, second)
        assert not second.done()  # it waits for the deletion under way
        await deleting.commit()
    response = await second
    assert response.status_code == 404
    assert response.json() == {"detail": "Post not found", "code": "post_not_found"}


async def test_the_empty_blog_lists_an_empty_page(client: AsyncClient) -> None:
    response = await client.get("/api/posts")
    assert response.status_code == 200
    assert response.json() == {
        "posts": [],
        "total": 0,
        "skip": 0,
        "limit": 10,
        "has_more": False,
        "next_cursor": None,
    }


async def test_posts_are_listed_newest_first(api: Api, client: AsyncClient, author: Author) -> None:
    ids = [(await api.post(author))["id"] for _ in range(3)]
    listed = [post["id"] for post in (await client.get("/api/posts")).json()["posts"]]
    assert listed == ids[::-1]


async def test_pages_report_total_and_whether_more_follow(
    api: Api, client: AsyncClient, author: Author
) -> None:
    for _ in range(5):
        await api.post(author)
    first = (await client.get("/api/posts", params={"limit": 2})).json()
    last = (await client.get("/api/posts", params={"skip": 4, "limit": 2})).json()
    assert (first["total"], first["skip"], first["limit"], first["has_more"]) == (5, 0, 2, True)
    assert len(last["posts"]) == 1
    assert last["has_more"] is False


async def test_a_page_beyond_the_end_is_empty(
    api: Api, client: AsyncClient, author: Author
) -> None:
    await api.post(author)
    page = (await client.get("/api/posts", params={"skip": 50})).json()
    assert page["posts"] == []
    assert page["total"] == 1
    assert page["has_more"] is False


async def test_posts_with_the_same_timestamp_page_without_overlap_or_gaps(
    client: AsyncClient, author: Author, session: AsyncSession
) -> None:
    same_moment = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {
            "title": f"t{i}",
            "content": "c",
            "user_id": author.id,
            "date_posted": same_moment,
            "updated_at": same_moment,
            "published_at": same_moment,
        }
        | RENDERED
        for i in range(7)
    ]
    await session.execute(insert(Post), rows)
    await session.commit()
    seen: list[int] = []
    for skip in range(0, 7, 3):
        page = (await client.get("/api/posts", params={"skip": skip, "limit": 3})).json()
        seen += [post["id"] for post in page["posts"]]
    assert len(seen) == 7
    assert seen == sorted(seen, reverse=True)


async def add_posts_posted_at(
    session: AsyncSession, author: Author, *moments: datetime
) -> list[int]:
    """Posts written in this order (so with rising ids) but published as given; their ids."""
    ids = []
    for moment in moments:
        row = {"title": "t", "content": "c", "user_id": author.id} | RENDERED
        dates = {"date_posted": moment, "updated_at": moment, "published_at": moment}
        ids.append(await session.scalar(insert(Post).values(row | dates).returning(Post.id)))
    await session.commit()
    return ids


@pytest.mark.parametrize("listing", ["/api/posts", "/api/users/{author}/posts"])
async def test_listings_follow_the_publication_date_even_where_it_disagrees_with_the_ids(
    client: AsyncClient, author: Author, session: AsyncSession, listing: str
) -> None:
    """An import or a migrated blog writes old posts after new ones."""
    day = datetime(2026, 1, 1, tzinfo=UTC)
    middle, newest, oldest = await add_posts_posted_at(
        session, author, day, day + timedelta(days=1), day - timedelta(days=1)
    )
    page = (await client.get(listing.format(author=author.id))).json()
    assert [post["id"] for post in page["posts"]] == [newest, middle, oldest]


@pytest.mark.parametrize("listing", ["/api/posts", "/api/users/{author}/posts"])
async def test_posts_posted_at_the_same_moment_are_listed_latest_written_first(
    client: AsyncClient, author: Author, session: AsyncSession, listing: str
) -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    later = moment + timedelta(days=1)
    ids = await add_posts_posted_at(session, author, moment, later, moment, later)
    page = (await client.get(listing.format(author=author.id))).json()
    assert [post["id"] for post in page["posts"]] == [ids[3], ids[1], ids[2], ids[0]]


@pytest.mark.parametrize("listing", ["/api/posts", "/api/users/{author}/posts"])
async def test_the_listing_order_is_total_in_the_query_not_left_to_the_plan(
    client: AsyncClient, author: Author, count_statements: StatementCounter, listing: str
) -> None:
    """The index on (published_at, id) happens to hand over ties in id order; a plan that does
    not use it would not, so the statement itself names the id as the tie-breaker."""
    await client.get(listing.format(author=author.id))
    (page,) = [sql for sql in count_statements.statements if "ORDER BY" in sql]
    assert " ".join(page.split("ORDER BY")[1].split()).startswith(
        "posts.published_at DESC, posts.id DESC LIMIT"
    )


@pytest.mark.parametrize("listing", ["/api/posts", "/api/users/{author}/posts"])
async def test_listings_show_each_authors_picture(
    api: Api, client: AsyncClient, author: Author, session: AsyncSession, listing: str
) -> None:
    await api.post(author)
    await session.execute(
        update(User).where(User.id == author.id).values(image_file="profile_pics/ab12.webp")
    )
    await session.commit()
    (post,) = (await client.get(listing.format(author=author.id))).json()["posts"]
    assert post["author"] == {
        "id": author.id,
        "username": "author",
        "display_name": None,
        "image_path": "/media/profile_pics/ab12.webp",
        "url": "/@author",
    }


async def test_a_users_posts_are_listed_on_their_own(
    api: Api, client: AsyncClient, author: Author
) -> None:
    other = await api.sign_up("other")
    mine = [(await api.post(author))["id"] for _ in range(2)]
    await api.post(other)
    page = (await client.get(f"/api/users/{author.id}/posts")).json()
    assert [post["id"] for post in page["posts"]] == mine[::-1]
    assert page["total"] == 2


async def test_the_posts_of_an_unknown_user_are_not_found(client: AsyncClient) -> None:
    response = await client.get("/api/users/4242/posts")
    assert response.status_code == 404
