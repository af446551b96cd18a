"""What the post page gives admins and a comment's link, at the HTTP level, on both
databases: an admin's Delete on anyone's post (a confirm step in a <details>, a plain form
with the CSRF field, as the author's) and on anyone's comment (the plain form); a comment's
link (`?comment=N#comment-N`) opens the page of comments that shows it."""

import html
import re
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.auth.cookies import CSRF_COOKIE, CSRF_HEADER
from inkwell.comments.models import Comment
from inkwell.moderation.models import AuditEntry
from tests.conftest import Account
from tests.conversation import comment
from tests.factories import Factory
from tests.web.test_conversation import comment_ids, insert_comments, send
from tests.web.test_pages import sign_in

ADMIN_TOOLS = 'data-testid="admin-tools"'


def delete_form(post_id: object) -> re.Pattern[str]:
    """The plain form that deletes the post: the browser sends it, JavaScript or not."""
    return re.compile(rf'<form method="post"[^>]* action="/posts/{post_id}/delete"')


@pytest.fixture
async def admin(factory: Factory) -> Account:
    return await factory.account("admin", role="admin")


@pytest.fixture
async def post(factory: Factory, author: Account) -> dict[str, Any]:
    return await factory.post(author, title="On ink")


async def actions(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        return list((await connection.scalars(select(AuditEntry.action))).all())


@pytest.mark.usefixtures("admin")
async def test_an_admin_is_offered_delete_with_a_confirm_step_on_anyones_post(
    client: AsyncClient, post: dict[str, Any]
) -> None:
    await sign_in(client, "admin")
    html = (await client.get(post["url"])).text

    assert ADMIN_TOOLS in html
    tools = html.split(ADMIN_TOOLS)[1].split("</details>")[0]
    assert "<summary" in tools  # the confirm step opens without JavaScript
    assert delete_form(post["id"]).search(tools)
    assert f'name="csrf_token" value="{client.cookies[CSRF_COOKIE]}"' in tools
    assert "Yes, delete it" in tools
    assert 'id="author-tools"' not in html  # no editing someone else's post
    assert 'src="/static/js/forms.' not in html  # nothing sends the form but the browser
    assert 'src="/static/js/editor.' not in html


@pytest.mark.parametrize("who", ["reader", "author"])
async def test_no_one_else_is_offered_the_admins_delete(
    client: AsyncClient, post: dict[str, Any], reader: Account, who: str
) -> None:
    await sign_in(client, who)
    assert ADMIN_TOOLS not in (await client.get(post["url"])).text


@pytest.mark.parametrize("author_state", ["active", "suspended"])
async def test_the_admins_delete_removes_the_post_is_recorded_and_says_so(
    *,
    client: AsyncClient,
    engine: AsyncEngine,
    admin: Account,
    author: Account,
    post: dict[str, Any],
    author_state: str,
) -> None:
    """Its author's suspension, which hides the post from everyone else, changes nothing: to
    the author's page, which an admin still finds, saying the post is deleted."""
    suspended = author_state == "suspended"
    if suspended:
        await client.post(f"/api/users/{author.id}/suspend", headers=admin.headers)
    await sign_in(client, "admin")

    status, location = await send(client, f"/posts/{post['id']}/delete")

    assert (status, location) == (303, "/@author?deleted=post")
    page = await client.get(location)
    assert 'data-testid="deleted-notice">The post is deleted.<' in page.text
    assert "On ink" not in page.text
    assert (await client.get(post["url"])).status_code == 404
    assert await actions(engine) == ["suspend_user"] * suspended + ["delete_post"]


@pytest.mark.usefixtures("admin")
async def test_the_admins_delete_without_the_forms_csrf_field_is_refused(
    client: AsyncClient, engine: AsyncEngine, post: dict[str, Any]
) -> None:
    await sign_in(client, "admin")
    for sent in [{"csrf_token": "forged"}, {}]:
        refused = await client.post(f"/posts/{post['id']}/delete", data=sent)
        assert refused.status_code == 403
    assert (await client.get(post["url"])).status_code == 200
    assert await actions(engine) == []


@pytest.mark.usefixtures("admin")
async def test_the_admins_delete_from_another_site_is_refused(
    client: AsyncClient, post: dict[str, Any]
) -> None:
    await sign_in(client, "admin")
    refused = await client.post(
        f"/posts/{post['id']}/delete",
        data={"csrf_token": client.cookies[CSRF_COOKIE]},
        headers={"Origin": "https://evil.example"},
    )
    assert refused.status_code == 403
    assert (await client.get(post["url"])).status_code == 200


@pytest.mark.usefixtures("admin")
async def test_the_apis_delete_still_takes_the_csrf_header(
    client: AsyncClient, engine: AsyncEngine, post: dict[str, Any]
) -> None:
    """What a script of the admin's own sends: the session cookie and the CSRF header."""
    await sign_in(client, "admin")
    headers = {CSRF_HEADER: client.cookies[CSRF_COOKIE], "Origin": "http://test"}

    deleted = await client.delete(f"/api/posts/{post['id']}", headers=headers)

    assert deleted.status_code == 204
    assert await actions(engine) == ["delete_post"]


@pytest.mark.usefixtures("admin")
async def test_an_admin_deletes_anyones_comment_from_the_page(
    client: AsyncClient, engine: AsyncEngine, post: dict[str, Any], reader: Account
) -> None:
    said = await comment(client, post["id"], reader, "Buy cheap pens.")
    await sign_in(client, "admin")
    html = (await client.get(post["url"])).text
    assert f'action="/comments/{said["id"]}/delete"' in html
    assert f'action="/comments/{said["id"]}/edit"' not in html

    status, location = await send(client, f"/comments/{said['id']}/delete", back=post["url"])

    assert (status, location) == (303, f"{post['url']}#comments")
    assert "Buy cheap pens." not in (await client.get(post["url"])).text
    assert await actions(engine) == ["delete_comment"]


@pytest.mark.usefixtures("admin")
async def test_the_admins_comment_delete_needs_the_forms_csrf_field(
    client: AsyncClient, post: dict[str, Any], reader: Account
) -> None:
    said = await comment(client, post["id"], reader, "Buy cheap pens.")
    await sign_in(client, "admin")
    refused = await client.post(f"/comments/{said['id']}/delete", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert "Buy cheap pens." in (await client.get(post["url"])).text


# A comment's link.


@pytest.fixture
async def many_comments(engine: AsyncEngine, post: dict[str, Any], reader: Account) -> list[int]:
    """25 comments under the post (three pages of 10), their ids oldest first."""
    await insert_comments(engine, post["id"], [reader], 25)
    async with engine.connect() as connection:
        ids = await connection.scalars(
            select(Comment.id).where(Comment.post_id == post["id"]).order_by(Comment.id)
        )
        return list(ids)


@pytest.mark.parametrize(("index", "page"), [(0, 0), (9, 0), (10, 1), (22, 2), (24, 2)])
async def test_a_comments_link_opens_the_page_of_comments_that_shows_it(
    client: AsyncClient, post: dict[str, Any], many_comments: list[int], index: int, page: int
) -> None:
    wanted = many_comments[index]
    html = (await client.get(f"{post['url']}?comment={wanted}")).text
    shown = [int(found) for found in comment_ids(html)]
    assert shown == many_comments[page * 10 : page * 10 + 10]
    assert f'id="comment-{wanted}"' in html


async def test_a_link_to_a_comment_not_under_the_post_opens_the_first_page(
    client: AsyncClient,
    *,
    factory: Factory,
    author: Account,
    reader: Account,
    post: dict[str, Any],
    many_comments: list[int],
) -> None:
    other = await factory.post(author, title="Elsewhere")
    elsewhere = await comment(client, other["id"], reader, "Not here.")
    for missing in (elsewhere["id"], 999_999):
        html = (await client.get(f"{post['url']}?comment={missing}")).text
        assert [int(found) for found in comment_ids(html)] == many_comments[:10]


async def test_an_explicit_page_wins_over_the_comments_link(
    client: AsyncClient, post: dict[str, Any], many_comments: list[int]
) -> None:
    html = (await client.get(f"{post['url']}?skip=10&comment={many_comments[24]}")).text
    assert [int(found) for found in comment_ids(html)] == many_comments[10:20]


@pytest.mark.parametrize("value", ["0", "-1", "x", "99999999999"])
async def test_a_bad_comment_link_is_a_clear_4xx(
    client: AsyncClient, post: dict[str, Any], value: str
) -> None:
    response = await client.get(f"{post['url']}?comment={value}")
    assert 400 <= response.status_code < 500


async def test_comments_of_suspended_users_do_not_count_toward_the_page(
    client: AsyncClient,
    *,
    engine: AsyncEngine,
    factory: Factory,
    admin: Account,
    post: dict[str, Any],
    reader: Account,
) -> None:
    """The pages leave them out, so the position does too: the 11th shown is on page 2."""
    villain = await factory.account("villain")
    await insert_comments(engine, post["id"], [villain], 5)
    await insert_comments(engine, post["id"], [reader], 11)
    suspended = await client.post(f"/api/users/{villain.id}/suspend", headers=admin.headers)
    assert suspended.status_code == 200
    async with engine.connect() as connection:
        theirs = await connection.scalars(
            select(Comment.id).where(Comment.user_id == reader.id).order_by(Comment.id)
        )
        readers = list(theirs)
    html = (await client.get(f"{post['url']}?comment={readers[9]}")).text
    assert [int(found) for found in comment_ids(html)] == readers[:10]
    html = (await client.get(f"{post['url']}?comment={readers[10]}")).text
    assert [int(found) for found in comment_ids(html)] == readers[10:]


# A reported post whose author is suspended.


@pytest.fixture
async def hidden_post(
    client: AsyncClient, admin: Account, author: Account, post: dict[str, Any]
) -> dict[str, Any]:
    """The post, its author suspended (as after a reader reported it)."""
    suspended = await client.post(f"/api/users/{author.id}/suspend", headers=admin.headers)
    assert suspended.status_code == 200
    return post


async def test_an_admin_following_a_report_sees_a_suspended_authors_post_marked_hidden(
    client: AsyncClient, hidden_post: dict[str, Any]
) -> None:
    await sign_in(client, "admin")

    response = await client.get(hidden_post["url"])

    assert response.status_code == 200
    assert "On ink" in response.text
    assert 'data-testid="hidden-notice"' in response.text
    assert "Hidden: its author is suspended." in response.text


async def test_a_suspended_authors_post_shown_to_an_admin_is_kept_and_listed_by_no_one(
    client: AsyncClient, hidden_post: dict[str, Any]
) -> None:
    await sign_in(client, "admin")

    response = await client.get(hidden_post["url"])

    assert "no-store" in response.headers["cache-control"]
    assert response.headers["x-robots-tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in response.text
    assert 'rel="canonical"' not in response.text


async def test_a_suspended_authors_post_shown_to_an_admin_offers_deleting_it_alone(
    client: AsyncClient, hidden_post: dict[str, Any]
) -> None:
    """No like, comment or report form: each would be refused as not found."""
    await sign_in(client, "admin")

    response = await client.get(hidden_post["url"])

    assert response.status_code == 200
    main = response.text.split('id="main"')[1].split("</main>")[0]
    assert re.findall(r'<form [^>]*action="([^"]+)"', main) == [
        f"/posts/{hidden_post['id']}/delete"
    ]


@pytest.fixture
async def unreported(factory: Factory, author: Account) -> dict[str, Any]:
    """Another post of the author's, written before their suspension, that no one reported."""
    return await factory.post(author, title="Also on ink")


async def test_an_admin_finds_a_suspended_authors_posts_on_their_page(
    client: AsyncClient, unreported: dict[str, Any], hidden_post: dict[str, Any]
) -> None:
    """Reported or not, each leads to its page, marked hidden, where it may be deleted."""
    await sign_in(client, "admin")

    page = (await client.get("/@author")).text

    for post in (hidden_post, unreported):
        assert f'id="post-{post["id"]}"' in page
        assert f'href="{post["url"]}"' in page
    assert "2 posts" in page


async def test_a_suspended_authors_older_posts_open_as_a_page_the_api_would_not_serve(
    client: AsyncClient, factory: Factory, admin: Account, author: Account
) -> None:
    """Load more reads the API's listing, which lists no suspended author's posts: the link
    stays a link to the next page (no data-api for load-more.js to take it over)."""
    await factory.posts(author, 3)
    await client.post(f"/api/users/{author.id}/suspend", headers=admin.headers)
    await sign_in(client, "admin")

    first = (await client.get("/@author?limit=2")).text
    older = re.search(r'<a [^>]*id="load-more"[^>]*href="([^"]+)"[^>]*>', first)

    assert older is not None
    assert "data-api" not in older[0]
    assert 'id="post-' in (await client.get("/@author" + html.unescape(older[1]))).text


async def test_a_suspended_authors_post_is_still_a_404_to_a_reader(
    client: AsyncClient, reader: Account, hidden_post: dict[str, Any]
) -> None:
    await sign_in(client, "reader")
    assert (await client.get(hidden_post["url"])).status_code == 404


async def test_a_suspended_authors_post_is_still_a_404_to_a_visitor(
    client: AsyncClient, hidden_post: dict[str, Any]
) -> None:
    assert (await client.get(hidden_post["url"])).status_code == 404
