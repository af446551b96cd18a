"""Deleting a post from its page without JavaScript, at the HTTP level, on both databases:
its author's Delete is a plain form (confirmed in a <details>) with the CSRF field, and
goes to the author's page, which says the post is deleted; no one else may (an admin's is
in test_moderation_pages)."""

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Account
from tests.factories import Factory
from tests.web.test_conversation import send
from tests.web.test_moderation_pages import actions, delete_form
from tests.web.test_pages import sign_in

NOTICE = 'data-testid="deleted-notice">The post is deleted.<'


@pytest.fixture
async def signed_in(client: AsyncClient, author: Account) -> Account:
    await sign_in(client, "author")
    return author


@pytest.fixture
async def post(factory: Factory, author: Account) -> dict[str, Any]:
    return await factory.post(author, title="On ink")


async def test_the_author_is_offered_delete_as_a_plain_form_behind_a_confirm_step(
    client: AsyncClient, signed_in: Account, post: dict[str, Any]
) -> None:
    html = (await client.get(post["url"])).text
    tools = html.split('id="author-tools"')[1].split("</details>")[0]
    assert '<details class="post-delete" id="delete-post">' in tools
    assert delete_form(post["id"]).search(tools)
    assert "data-api-form" not in tools.split('id="delete-post"')[1]


async def test_the_author_deletes_their_post_and_their_page_says_so(
    client: AsyncClient, engine: AsyncEngine, signed_in: Account, post: dict[str, Any]
) -> None:
    status, location = await send(client, f"/posts/{post['id']}/delete")

    assert (status, location) == (303, "/@author?deleted=post")
    page = await client.get(location)
    assert NOTICE in page.text
    assert "On ink" not in page.text
    assert 'data-testid="post-count">0 posts<' in page.text
    assert (await client.get(post["url"])).status_code == 404
    assert await actions(engine) == []  # an author's own deletion is no admin action


async def test_the_author_deletes_a_draft(
    client: AsyncClient, factory: Factory, author: Account, signed_in: Account
) -> None:
    draft = await factory.post(author, title="Half done", status="draft")
    status, location = await send(client, f"/posts/{draft['id']}/delete")
    assert (status, location) == (303, "/@author?deleted=post")
    assert "Half done" not in (await client.get("/drafts")).text


async def test_someone_elses_post_is_not_theirs_to_delete(
    client: AsyncClient, factory: Factory, post: dict[str, Any]
) -> None:
    await factory.account("reader")
    await sign_in(client, "reader")
    status, _ = await send(client, f"/posts/{post['id']}/delete")
    assert status == 403
    assert (await client.get(post["url"])).status_code == 200


async def test_someone_elses_draft_or_a_missing_post_is_a_404(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    draft = await factory.post(author, status="draft")
    await factory.account("reader")
    await sign_in(client, "reader")
    for post_id in (draft["id"], 999_999):
        status, _ = await send(client, f"/posts/{post_id}/delete")
        assert status == 404, post_id


async def test_the_form_without_its_csrf_field_is_refused(
    client: AsyncClient, signed_in: Account, post: dict[str, Any]
) -> None:
    refused = await client.post(f"/posts/{post['id']}/delete", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert (await client.get(post["url"])).status_code == 200


async def test_a_visitor_is_sent_to_sign_in_first(
    client: AsyncClient, post: dict[str, Any]
) -> None:
    response = await client.post(f"/posts/{post['id']}/delete", data={"next": post["url"]})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    assert (await client.get(post["url"])).status_code == 200


@pytest.mark.usefixtures("post")
async def test_the_notice_is_said_only_to_the_author_and_admins(
    client: AsyncClient, factory: Factory
) -> None:
    assert NOTICE not in (await client.get("/@author?deleted=post")).text
    await factory.account("reader")
    await sign_in(client, "reader")
    assert NOTICE not in (await client.get("/@author?deleted=post")).text
    await factory.account("admin", role="admin")
    await sign_in(client, "admin")
    assert NOTICE in (await client.get("/@author?deleted=post")).text
    assert 'data-testid="deleted-notice"' not in (await client.get("/@author?deleted=x")).text
