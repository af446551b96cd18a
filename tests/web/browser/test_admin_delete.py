"""An admin deletes someone's post and someone's comment from the post's page, in Chromium,
each after a confirm step; a comment's link past the first page of comments opens the page
that shows it, scrolled to it. No console errors or CSP violations."""

import pytest
from httpx import AsyncClient
from playwright.async_api import Page, expect
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.comments.models import Comment
from inkwell.db import utcnow
from tests.conftest import Account
from tests.conversation import comment
from tests.factories import Factory
from tests.web.browser.signing_in import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
async def admin(factory: Factory) -> Account:
    return await factory.account("admin", role="admin")


@pytest.mark.usefixtures("admin", "problems")
async def test_an_admin_deletes_someones_post_after_confirming(
    page: Page, factory: Factory, author: Account
) -> None:
    post = await factory.post(author, title="Cheap pens, buy now")
    await sign_in(page.context, "admin")
    await page.goto(str(post["url"]))

    await page.locator("#admin-tools summary", has_text="Delete as admin").click()
    await page.get_by_role("button", name="Yes, delete it").click()

    await page.wait_for_url("/@author?deleted=post")
    await expect(page.get_by_test_id("deleted-notice")).to_have_text("The post is deleted.")
    await expect(page.get_by_role("link", name="Cheap pens, buy now")).to_have_count(0)


@pytest.mark.usefixtures("admin", "problems")
async def test_an_admin_deletes_someones_comment_after_confirming(
    page: Page, client: AsyncClient, factory: Factory, author: Account
) -> None:
    post = await factory.post(author, title="On ink")
    said = await comment(client, post["id"], author, "Buy cheap pens.")
    await sign_in(page.context, "admin")
    await page.goto(str(post["url"]))
    item = page.locator(f"#comment-{said['id']}")

    await item.locator("summary", has_text="Delete").click()
    await item.get_by_role("button", name="Yes, delete it").click()

    await expect(page.get_by_text("Buy cheap pens.")).to_have_count(0)


@pytest.mark.usefixtures("problems")
async def test_a_comments_link_past_the_first_page_opens_its_page_scrolled_to_it(
    page: Page, engine: AsyncEngine, factory: Factory, author: Account
) -> None:
    post = await factory.post(author, title="On ink")
    now = utcnow()
    rows = [
        {"post_id": post["id"], "user_id": author.id, "body": f"c{i}",
         "body_html": f"<p>Comment number {i}</p>", "created_at": now, "updated_at": now}
        for i in range(25)
    ]  # fmt: skip
    async with engine.begin() as connection:
        await connection.execute(insert(Comment), rows)
        ids = list(await connection.scalars(select(Comment.id).order_by(Comment.id)))

    await page.goto(f"{post['url']}?comment={ids[22]}#comment-{ids[22]}")

    wanted = page.locator(f"#comment-{ids[22]}")
    await expect(wanted).to_contain_text("Comment number 22")
    await expect(wanted).to_be_in_viewport()
    await expect(page.get_by_text("Comment number 0", exact=True)).to_have_count(0)
