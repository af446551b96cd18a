"""Drafts are seen by their author alone: never listed, counted or shown to anyone else, and
someone else's draft does not exist (404, not 403). Publishing and unpublishing move a post
in and out of every listing and count."""

from datetime import datetime

import pytest
from httpx import AsyncClient

from tests.conftest import Account, Api


async def draft(api: Api, author: Account, **fields: object) -> dict[str, object]:
    return await api.post(author, status="draft", **fields)


async def test_a_post_is_published_unless_it_says_otherwise(api: Api, author: Account) -> None:
    post = await api.post(author)

    assert post["status"] == "published"
    assert datetime.fromisoformat(str(post["published_at"])) >= datetime.fromisoformat(
        str(post["date_posted"])
    )


async def test_a_draft_has_no_publication_date(api: Api, author: Account) -> None:
    post = await draft(api, author)

    assert (post["status"], post["published_at"]) == ("draft", None)


async def test_an_unknown_status_is_refused_and_nothing_is_stored(
    client: AsyncClient, author: Account
) -> None:
    response = await client.post(
        "/api/posts",
        json={"title": "t", "content": "c", "status": "scheduled"},
        headers=author.headers,
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    mine = await client.get("/api/users/me/drafts", headers=author.headers)
    assert (await client.get("/api/posts")).json()["total"] == 0
    assert mine.json()["total"] == 0


async def test_drafts_are_in_no_listing_or_count(
    api: Api, client: AsyncClient, author: Account
) -> None:
    published = await api.post(author)
    await draft(api, author)

    for listing in ("/api/posts", f"/api/users/{author.id}/posts"):
        page = (await client.get(listing, headers=author.headers)).json()
        assert [post["id"] for post in page["posts"]] == [published["id"]], listing
        assert page["total"] == 1
    assert (await client.get(f"/api/users/{author.id}")).json()["post_count"] == 1


async def test_the_author_reads_their_draft(api: Api, client: AsyncClient, author: Account) -> None:
    post = await draft(api, author)

    response = await client.get(f"/api/posts/{post['id']}", headers=author.headers)

    assert response.status_code == 200
    assert response.json() == post


@pytest.mark.parametrize("reader", ["anonymous", "someone else"])
async def test_someone_elses_draft_does_not_exist(
    api: Api, client: AsyncClient, author: Account, reader: str
) -> None:
    post = await draft(api, author)
    headers = (await api.sign_up("other")).headers if reader == "someone else" else {}

    response = await client.get(f"/api/posts/{post['id']}", headers=headers)

    assert response.status_code == 404
    assert response.json() == {"detail": "Post not found", "code": "post_not_found"}


@pytest.mark.parametrize("method", ["PATCH", "PUT", "DELETE"])
async def test_changing_someone_elses_draft_is_not_found_rather_than_forbidden(
    api: Api, client: AsyncClient, author: Account, method: str
) -> None:
    """A 403 would tell that the draft exists."""
    post = await draft(api, author, title="Secret")
    other = await api.sign_up("other")
    body = {"title": "Mine now", "content": "c"} if method != "DELETE" else None

    response = await client.request(
        method, f"/api/posts/{post['id']}", json=body, headers=other.headers
    )

    assert response.status_code == 404
    kept = await client.get(f"/api/posts/{post['id']}", headers=author.headers)
    assert kept.json()["title"] == "Secret"


async def test_my_drafts_are_listed_last_edited_first_and_paginated(
    api: Api, client: AsyncClient, author: Account
) -> None:
    first, second, third = [await draft(api, author) for _ in range(3)]
    await api.post(author)
    await client.patch(f"/api/posts/{first['id']}", json={"content": "x"}, headers=author.headers)

    page = (
        await client.get("/api/users/me/drafts", params={"limit": 2}, headers=author.headers)
    ).json()
    rest = (
        await client.get("/api/users/me/drafts", params={"skip": 2}, headers=author.headers)
    ).json()

    assert [post["id"] for post in page["posts"]] == [first["id"], third["id"]]
    assert (page["total"], page["has_more"]) == (3, True)
    assert [post["id"] for post in rest["posts"]] == [second["id"]]
    assert rest["has_more"] is False


async def test_my_drafts_are_mine_alone(api: Api, client: AsyncClient, author: Account) -> None:
    await draft(api, author)
    other = await api.sign_up("other")

    theirs = (await client.get("/api/users/me/drafts", headers=other.headers)).json()
    anonymous = await client.get("/api/users/me/drafts")

    assert (theirs["posts"], theirs["total"]) == ([], 0)
    assert anonymous.status_code == 401


async def test_publishing_a_draft_lists_it_first_with_its_publication_date(
    api: Api, client: AsyncClient, author: Account
) -> None:
    post = await draft(api, author)
    newer = await api.post(author)

    response = await client.patch(
        f"/api/posts/{post['id']}", json={"status": "published"}, headers=author.headers
    )

    assert response.status_code == 200
    published = response.json()
    assert published["status"] == "published"
    assert published["published_at"] > newer["published_at"]
    listed = (await client.get("/api/posts")).json()["posts"]
    assert [listed_post["id"] for listed_post in listed] == [post["id"], newer["id"]]


async def test_unpublishing_takes_a_post_out_of_the_listings(
    api: Api, client: AsyncClient, author: Account
) -> None:
    post = await api.post(author)

    response = await client.patch(
        f"/api/posts/{post['id']}", json={"status": "draft"}, headers=author.headers
    )

    assert (response.json()["status"], response.json()["published_at"]) == ("draft", None)
    assert (await client.get("/api/posts")).json()["total"] == 0
    assert (await client.get(f"/api/posts/{post['id']}")).status_code == 404
    drafts = (await client.get("/api/users/me/drafts", headers=author.headers)).json()
    assert [listed["id"] for listed in drafts["posts"]] == [post["id"]]


async def test_publishing_again_stamps_a_new_publication_date(
    api: Api, client: AsyncClient, author: Account
) -> None:
    """Documented choice: a post taken down and published again is new again."""
    post = await api.post(author)
    url = f"/api/posts/{post['id']}"
    await client.patch(url, json={"status": "draft"}, headers=author.headers)

    again = (await client.patch(url, json={"status": "published"}, headers=author.headers)).json()

    assert again["published_at"] > post["published_at"]
    assert again["date_posted"] == post["date_posted"]


async def test_an_edit_keeps_the_publication_date(
    api: Api, client: AsyncClient, author: Account
) -> None:
    post = await api.post(author)

    edited = await client.patch(
        f"/api/posts/{post['id']}",
        json={"title": "Edited", "status": "published"},
        headers=author.headers,
    )

    assert edited.json()["published_at"] == post["published_at"]


async def test_put_without_a_status_keeps_a_draft_a_draft(
    api: Api, client: AsyncClient, author: Account
) -> None:
    post = await draft(api, author, tags=["kept"])

    replaced = await client.put(
        f"/api/posts/{post['id']}", json={"title": "New", "content": "New"}, headers=author.headers
    )

    assert (replaced.json()["status"], replaced.json()["tags"]) == ("draft", ["kept"])
