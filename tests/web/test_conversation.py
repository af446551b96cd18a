"""The conversation's pages at the HTTP level, on both databases: the heart on cards and on
the post page, comments under a post, the Everyone and Following tabs, Follow on an author's
page, and the plain forms behind each (web/conversation.py) with their unhappy paths: no
CSRF token, signed out, a draft, someone else's comment."""

import re
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.auth.cookies import CSRF_COOKIE
from inkwell.comments.models import BODY_MAX_LENGTH, Comment
from inkwell.db import utcnow
from inkwell.likes.models import Like
from inkwell.web import conversation
from tests.conftest import Account, StatementCounter
from tests.conversation import comment, follow
from tests.factories import Factory
from tests.web.test_pages import XSS, inline_code, sign_in

HEART = re.compile(
    r'<button class="btn[^"]*btn-like"[^>]*aria-pressed="(\w+)" aria-label="([^"]*)"'
)
TEMPLATE = re.compile(r"<template.*?</template>", re.DOTALL)
COMMENT_IDS = re.compile(r'<li class="comment[^"]*" id="comment-(\d+)"')


@pytest.fixture
async def post(factory: Factory, author: Account) -> dict[str, Any]:
    return await factory.post(author, title="On ink")


@pytest.fixture
async def signed_in_reader(client: AsyncClient, reader: Account) -> Account:
    """The reader, signed in by cookie as a browser is."""
    await sign_in(client, "reader")
    return reader


def token(client: AsyncClient) -> str:
    return client.cookies[CSRF_COOKIE]


async def send(
    client: AsyncClient, path: str, back: str | None = None, **fields: str
) -> tuple[int, str]:
    """A plain form as the page sends it: its CSRF field and, if it has one, the page to
    come back to."""
    data = {"csrf_token": token(client), **({"next": back} if back is not None else {}), **fields}
    response = await client.post(path, data=data)
    return response.status_code, response.headers.get("location", "")


def hearts(html: str) -> list[tuple[str, str]]:
    """The hearts a page shows (not the empty card load-more.js clones)."""
    return HEART.findall(TEMPLATE.sub("", html))


def comment_ids(html: str) -> list[str]:
    """The comments a page shows (not the blank one conversation.js clones)."""
    return COMMENT_IDS.findall(TEMPLATE.sub("", html))


async def insert_comments(
    engine: AsyncEngine, post_id: object, writers: list[Account], count: int
) -> None:
    now = utcnow()
    rows = [
        {
            "post_id": post_id,
            "user_id": writers[i % len(writers)].id,
            "body": f"c{i}",
            "body_html": f"<p>c{i}</p>",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
    ]
    async with engine.begin() as connection:
        await connection.execute(insert(Comment), rows)


async def insert_likes(engine: AsyncEngine, post_id: object, likers: list[Account]) -> None:
    rows = [{"user_id": who.id, "post_id": post_id, "created_at": utcnow()} for who in likers]
    async with engine.begin() as connection:
        await connection.execute(insert(Like), rows)


# Hearts.


async def test_a_card_and_the_post_page_show_a_heart_with_the_like_count(
    client: AsyncClient, post: dict[str, Any], signed_in_reader: Account
) -> None:
    for path in ["/", post["url"], "/@author", "/tags/none-yet"]:
        response = await client.get(path)
        if response.status_code == 404:  # a tag with no posts has no page
            continue
        assert hearts(response.text) == [("false", "Like, 0 likes")], path
        assert f'action="/posts/{post["id"]}/like"' in response.text
        assert inline_code(response.text) == []


async def test_liking_with_the_plain_form_goes_back_and_presses_the_heart(
    client: AsyncClient, post: dict[str, Any], signed_in_reader: Account
) -> None:
    status, location = await send(client, f"/posts/{post['id']}/like", back="/?skip=0")

    assert (status, location) == (303, f"/?skip=0#post-{post['id']}")
    html = (await client.get("/")).text
    assert hearts(html) == [("true", "Like, 1 like")]
    assert f'action="/posts/{post["id"]}/unlike"' in html
    assert hearts((await client.get(post["url"])).text) == [("true", "Like, 1 like")]


async def test_unliking_with_the_plain_form_releases_the_heart(
    client: AsyncClient, post: dict[str, Any], signed_in_reader: Account
) -> None:
    await send(client, f"/posts/{post['id']}/like")
    status, _ = await send(client, f"/posts/{post['id']}/unlike", back=post["url"])

    assert status == 303
    assert hearts((await client.get(post["url"])).text) == [("false", "Like, 0 likes")]


async def test_a_form_never_sends_the_browser_to_another_site(
    client: AsyncClient, post: dict[str, Any], signed_in_reader: Account
) -> None:
    _, location = await send(client, f"/posts/{post['id']}/like", back="//evil.example/x")
    assert location == f"/#post-{post['id']}"


async def test_drafts_show_no_heart(client: AsyncClient, factory: Factory, author: Account) -> None:
    draft = await factory.post(author, status="draft")
    await sign_in(client, "author")
    assert hearts((await client.get("/drafts")).text) == []
    html = (await client.get(draft["url"])).text
    assert hearts(html) == []
    assert 'id="comments"' not in html


# Every form's unhappy paths.


def form_routes(post_id: object, comment_id: object, user_id: object) -> list[str]:
    return [
        f"/posts/{post_id}/like",
        f"/posts/{post_id}/unlike",
        f"/posts/{post_id}/comments",
        f"/comments/{comment_id}/edit",
        f"/comments/{comment_id}/delete",
        f"/users/{user_id}/follow",
        f"/users/{user_id}/unfollow",
    ]


async def test_every_form_without_the_csrf_token_is_refused_and_changes_nothing(
    client: AsyncClient, post: dict[str, Any], author: Account, reader: Account
) -> None:
    said = await comment(client, post["id"], reader, "Mine.")
    await sign_in(client, "reader")
    for path in form_routes(post["id"], said["id"], author.id):
        for sent in [{"csrf_token": "guessed"}, {}]:
            response = await client.post(path, data={**sent, "body": "Changed."})
            assert response.status_code == 403, path
            assert response.headers["content-type"].startswith("text/html")
    html = (await client.get(post["url"])).text
    assert "<p>Mine.</p>" in html
    assert hearts(html) == [("false", "Like, 0 likes")]
    assert "0 followers<" in (await client.get("/@author")).text


async def test_every_form_from_another_site_is_refused(
    client: AsyncClient, post: dict[str, Any], author: Account, reader: Account
) -> None:
    said = await comment(client, post["id"], reader, "Mine.")
    await sign_in(client, "reader")
    for path in form_routes(post["id"], said["id"], author.id):
        response = await client.post(
            path,
            data={"csrf_token": token(client), "body": "Changed."},
            headers={"Origin": "https://evil.example"},
        )
        assert response.status_code == 403, path


async def test_every_form_sends_a_visitor_to_sign_in_and_back_to_the_page(
    client: AsyncClient, post: dict[str, Any], author: Account, reader: Account
) -> None:
    said = await comment(client, post["id"], reader, "Mine.")
    for path in form_routes(post["id"], said["id"], author.id):
        # A visitor's page has no CSRF token to put in its forms.
        response = await client.post(path, data={"next": post["url"], "body": "Hi."})
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/login?next={post['url'].replace('/', '%2F')}"


@pytest.mark.parametrize("action", ["like", "unlike", "comments"])
async def test_a_draft_cannot_be_liked_nor_commented_on(
    client: AsyncClient, factory: Factory, author: Account, reader: Account, action: str
) -> None:
    draft = await factory.post(author, status="draft")
    await sign_in(client, "reader")
    status, _ = await send(client, f"/posts/{draft['id']}/{action}", body="Early!")
    assert status == 404


async def test_a_missing_post_comment_or_user_is_a_404_page(
    client: AsyncClient, signed_in_reader: Account
) -> None:
    for path in ["/posts/999/like", "/posts/999/comments", "/comments/999/edit",
                 "/comments/999/delete", "/users/999/follow"]:  # fmt: skip
        status, _ = await send(client, path, body="Hi.")
        assert status == 404, path


# Comments.


async def test_comments_show_under_the_post_oldest_first_with_their_authors(
    client: AsyncClient, post: dict[str, Any], author: Account, reader: Account
) -> None:
    first = await comment(client, post["id"], reader, "First *words*.")
    second = await comment(client, post["id"], author, "Thanks!")

    html = (await client.get(post["url"])).text

    assert comment_ids(html) == [str(first["id"]), str(second["id"])]
    assert "<p>First <em>words</em>.</p>" in html
    assert ">2 comments</h2>" in html
    assert 'href="/@reader"' in html
    # A visitor is asked to sign in, and gets no form.
    assert 'id="comment-form"' not in html
    assert f'href="/login?next={post["url"]}"' in html
    assert inline_code(html) == []


async def test_a_comment_written_as_html_is_shown_as_text(
    client: AsyncClient, post: dict[str, Any], reader: Account
) -> None:
    await comment(client, post["id"], reader, XSS)
    html = (await client.get(post["url"])).text
    assert XSS not in html


async def test_commenting_with_the_plain_form_goes_to_the_new_comment(
    client: AsyncClient, post: dict[str, Any], signed_in_reader: Account
) -> None:
    assert 'id="comment-form"' in (await client.get(post["url"])).text

    status, location = await send(
        client, f"/posts/{post['id']}/comments", back=post["url"], body="Well *said*."
    )

    assert status == 303
    page, anchor = location.split("#")
    assert page == post["url"]
    html = (await client.get(page)).text
    assert f'id="{anchor}"' in html
    assert "<p>Well <em>said</em>.</p>" in html


async def test_comments_come_a_page_at_a_time_and_a_new_one_on_the_last_page(
    client: AsyncClient,
    engine: AsyncEngine,
    post: dict[str, Any],
    reader: Account,
    signed_in_reader: Account,
) -> None:
    await insert_comments(engine, post["id"], [reader], 12)
    html = (await client.get(post["url"])).text
    assert len(comment_ids(html)) == 10
    assert "Later comments" in html
    # A new comment shows on the last page: only there can conversation.js add it in place.
    assert 'id="comment-template"' not in html

    _, location = await send(client, f"/posts/{post['id']}/comments", body="Thirteenth.")

    assert location.startswith(f"{post['url']}?skip=10#comment-")
    html = (await client.get(location.split("#")[0])).text
    assert len(comment_ids(html)) == 3
    assert "<p>Thirteenth.</p>" in html
    assert "Earlier comments" in html
    assert 'id="comment-template"' in html


async def test_a_comment_as_long_as_the_textarea_allows_is_taken_with_its_line_breaks(
    client: AsyncClient, post: dict[str, Any], signed_in_reader: Account
) -> None:
    """The textarea's maxlength counts a line break as one character; the browser sends
    it as two (CRLF): a comment the textarea took must not be refused and lost."""
    typed = "x" * (BODY_MAX_LENGTH - 10) + "\n" * 10

    status, _ = await send(
        client, f"/posts/{post['id']}/comments", body=typed.replace("\n", "\r\n")
    )

    assert status == 303
    said = (await client.get(f"/api/posts/{post['id']}/comments")).json()["comments"][0]
    assert said["body"] == typed


async def test_a_blank_comment_is_a_clear_400(
    client: AsyncClient, post: dict[str, Any], signed_in_reader: Account
) -> None:
    status, _ = await send(client, f"/posts/{post['id']}/comments", body="   \n ")
    assert status == 400


async def test_the_comments_author_edits_it_in_place(
    client: AsyncClient, post: dict[str, Any], reader: Account
) -> None:
    said = await comment(client, post["id"], reader, "Frist.")
    await sign_in(client, "reader")
    html = (await client.get(post["url"])).text
    assert f'action="/comments/{said["id"]}/edit"' in html
    assert f'action="/comments/{said["id"]}/delete"' in html

    status, location = await send(client, f"/comments/{said['id']}/edit", body="First.")

    assert (status, location) == (303, f"{post['url']}#comment-{said['id']}")
    html = (await client.get(post["url"])).text
    assert "<p>First.</p>" in html
    assert "Frist." not in html


async def test_a_comment_is_marked_edited_once_edited_and_not_before(
    client: AsyncClient, post: dict[str, Any], reader: Account
) -> None:
    said = await comment(client, post["id"], reader, "Frist.")
    assert "· edited" not in (await client.get(post["url"])).text

    await sign_in(client, "reader")
    await send(client, f"/comments/{said['id']}/edit", body="First.")

    assert "· edited" in (await client.get(post["url"])).text


@pytest.mark.parametrize("who", ["reader", "author"])
async def test_the_comments_author_and_the_posts_author_may_delete_it(
    client: AsyncClient, post: dict[str, Any], reader: Account, who: str
) -> None:
    said = await comment(client, post["id"], reader, "Regrettable.")
    await sign_in(client, who)

    status, location = await send(client, f"/comments/{said['id']}/delete", back=post["url"])

    assert (status, location) == (303, f"{post['url']}#comments")
    html = (await client.get(post["url"])).text
    assert "Regrettable." not in html
    assert ">0 comments</h2>" in html


async def test_the_posts_author_may_delete_a_comment_but_not_edit_it(
    client: AsyncClient, post: dict[str, Any], reader: Account
) -> None:
    said = await comment(client, post["id"], reader, "Theirs.")
    await sign_in(client, "author")
    html = (await client.get(post["url"])).text
    assert f'action="/comments/{said["id"]}/delete"' in html
    assert f'action="/comments/{said["id"]}/edit"' not in html

    status, _ = await send(client, f"/comments/{said['id']}/edit", body="Mine now.")

    assert status == 403
    assert "<p>Theirs.</p>" in (await client.get(post["url"])).text


@pytest.mark.parametrize("action", ["edit", "delete"])
async def test_someone_elses_comment_is_not_yours_to_edit_or_delete(
    client: AsyncClient, factory: Factory, post: dict[str, Any], reader: Account, action: str
) -> None:
    said = await comment(client, post["id"], reader, "Theirs.")
    await factory.account("stranger")
    await sign_in(client, "stranger")
    html = (await client.get(post["url"])).text
    assert f'action="/comments/{said["id"]}/{action}"' not in html

    status, _ = await send(client, f"/comments/{said['id']}/{action}", body="Mine now.")

    assert status == 403
    assert "<p>Theirs.</p>" in (await client.get(post["url"])).text


# Follows and the Following tab.


async def test_an_authors_page_shows_their_follower_and_following_counts(
    client: AsyncClient, author: Account, reader: Account
) -> None:
    await follow(client, reader, author)
    html = (await client.get("/@author")).text
    assert 'data-testid="follower-count" data-follower-count>1 follower<' in html
    assert 'data-testid="following-count">0 following<' in html
    assert 'data-testid="follow-button"' not in html  # a visitor has no button


async def test_following_with_the_plain_form_turns_the_button_into_unfollow(
    client: AsyncClient, author: Account, signed_in_reader: Account
) -> None:
    html = (await client.get("/@author")).text
    assert f'action="/users/{author.id}/follow"' in html

    status, location = await send(client, f"/users/{author.id}/follow", back="/@author")

    assert (status, location) == (303, "/@author")
    html = (await client.get("/@author")).text
    assert "1 follower<" in html
    assert f'action="/users/{author.id}/unfollow"' in html
    assert re.search(r"data-follow-button>Unfollow<", html)

    await send(client, f"/users/{author.id}/unfollow", back="/@author")
    assert "0 followers<" in (await client.get("/@author")).text


async def test_ones_own_page_has_no_follow_button_and_the_form_refuses(
    client: AsyncClient, author: Account
) -> None:
    await sign_in(client, "author")
    assert 'data-testid="follow-button"' not in (await client.get("/@author")).text
    status, _ = await send(client, f"/users/{author.id}/follow")
    assert status == 400


async def test_signed_in_the_home_page_has_everyone_and_following_tabs(
    client: AsyncClient, factory: Factory, author: Account, reader: Account
) -> None:
    followed = await factory.post(author, title="Followed writing")
    other = await factory.account("other")
    await factory.post(other, title="Other writing")
    await follow(client, reader, author)
    await sign_in(client, "reader")

    home = (await client.get("/")).text
    following = (await client.get("/following")).text

    assert '<a class="nav-link active" href="/" aria-current="page">Everyone</a>' in home
    assert '<a class="nav-link" href="/following">Following</a>' in home
    assert 'href="/following" aria-current="page">Following</a>' in following
    assert "Other writing" in home
    assert "Followed writing" in home
    assert "Followed writing" in following
    assert "Other writing" not in following
    assert f'href="{followed["url"]}"' in following
    assert 'data-api="/api/feed"' not in following  # one page: no Load more


async def test_following_no_one_says_how_to_start(
    client: AsyncClient, signed_in_reader: Account
) -> None:
    assert 'data-testid="no-following"' in (await client.get("/following")).text


async def test_a_visitor_has_no_tabs_and_following_sends_them_to_sign_in(
    client: AsyncClient,
) -> None:
    assert 'data-testid="home-tabs"' not in (await client.get("/")).text
    response = await client.get("/following")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Ffollowing"


# Statements: what a page holds never changes how many it costs.


async def statements_of(
    client: AsyncClient, counter: StatementCounter, path: str
) -> tuple[int, str]:
    counter.statements.clear()
    response = await client.get(path)
    assert response.status_code == 200
    return len(counter), response.text


async def test_a_post_page_costs_the_same_statements_for_few_or_many_comments_and_likers(
    client: AsyncClient,
    engine: AsyncEngine,
    factory: Factory,
    author: Account,
    count_statements: StatementCounter,
) -> None:
    few = await factory.post(author, title="Few")
    many = await factory.post(author, title="Many")
    people = [await factory.account(f"person{i}") for i in range(20)]
    await insert_comments(engine, few["id"], people[:1], 1)
    await insert_likes(engine, few["id"], people[:1])
    await insert_comments(engine, many["id"], people, 100)
    await insert_likes(engine, many["id"], people)
    await sign_in(client, "person0")

    small, _ = await statements_of(client, count_statements, few["url"])
    large, html = await statements_of(client, count_statements, f"{many['url']}?limit=100")

    assert len(comment_ids(html)) == 100
    assert hearts(html) == [("true", "Like, 20 likes")]
    # The viewer, the post, the page of comments.
    assert large == small == 3, count_statements.statements


async def test_the_home_following_and_author_pages_cost_the_same_for_many_likers(
    client: AsyncClient,
    engine: AsyncEngine,
    factory: Factory,
    author: Account,
    count_statements: StatementCounter,
) -> None:
    posts = await factory.posts(author, 10)
    people = [await factory.account(f"person{i}") for i in range(20)]
    await follow(client, people[0], author)
    await sign_in(client, "person0")
    before = {
        path: (await statements_of(client, count_statements, path))[0]
        for path in ["/", "/following", "/@author"]
    }
    for post in posts:
        await insert_likes(engine, post["id"], people)
        await insert_comments(engine, post["id"], people, 5)

    for path, count in before.items():
        after, html = await statements_of(client, count_statements, path)
        assert hearts(html) == [("true", "Like, 20 likes")] * 10, path
        assert after == count, (path, count_statements.statements)


async def test_a_comment_past_the_deepest_offset_is_shown_on_a_page_by_cursor(
    *,
    client: AsyncClient,
    engine: AsyncEngine,
    post: dict[str, Any],
    reader: Account,
    signed_in_reader: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past MAX_SKIP comments (10,000; here 5) the page a new comment is on is not asked by
    `skip`: it is the page by cursor that starts with the comment."""
    monkeypatch.setattr(conversation, "MAX_SKIP", 5)
    await insert_comments(engine, post["id"], [reader], 12)

    _, location = await send(client, f"/posts/{post['id']}/comments", body="Thirteenth.")

    assert location.startswith(f"{post['url']}?cursor=")
    html = (await client.get(location.split("#")[0])).text
    assert comment_ids(html) == ["13"]
    assert "<p>Thirteenth.</p>" in html


async def open_reports(client: AsyncClient, factory: Factory) -> list[tuple[str, int, str]]:
    """What the moderators see: each open report's kind, its target and its reason."""
    admin = await factory.account("moderator", role="admin")
    listed = await client.get("/api/reports", headers=admin.headers)
    assert listed.status_code == 200, listed.text
    return [
        (found["target_type"], found["comment_id"] or found["post_id"], found["reason"])
        for found in listed.json()["reports"]
    ]


async def test_a_reader_reports_a_post_from_its_page_and_is_thanked(
    client: AsyncClient, factory: Factory, post: dict[str, Any], signed_in_reader: Account
) -> None:
    status, location = await send(
        client, f"/posts/{post['id']}/report", back=post["url"], reason="Copied from my blog."
    )

    assert (status, location) == (303, f"{post['url']}?reported=post#reported")
    page = (await client.get(location)).text
    assert "Thank you: the moderators will look at this post." in page
    assert await open_reports(client, factory) == [("post", post["id"], "Copied from my blog.")]


async def test_a_reader_reports_a_comment_from_a_later_page_of_comments_and_comes_back_to_it(
    client: AsyncClient,
    factory: Factory,
    post: dict[str, Any],
    author: Account,
    signed_in_reader: Account,
) -> None:
    said = await comment(client, post["id"], author, "Buy cheap pens!")
    back = f"{post['url']}?skip=10"

    status, location = await send(
        client, f"/comments/{said['id']}/report", back=back, reason="Spam."
    )

    assert (status, location) == (303, f"{back}&reported=comment#reported")
    page = (await client.get(location)).text
    assert "Thank you: the moderators will look at the comment." in page
    assert await open_reports(client, factory) == [("comment", said["id"], "Spam.")]


async def test_the_report_forms_are_for_signed_in_readers_but_not_on_their_own_writing(
    client: AsyncClient, post: dict[str, Any], author: Account, reader: Account
) -> None:
    theirs = await comment(client, post["id"], author, "The author's own word.")
    mine = await comment(client, post["id"], reader, "A reader's word.")
    actions = re.compile(r'action="(/(?:posts|comments)/\d+/report)"')
    visitor = actions.findall(TEMPLATE.sub("", (await client.get(post["url"])).text))
    await sign_in(client, "reader")
    as_reader = actions.findall(TEMPLATE.sub("", (await client.get(post["url"])).text))
    await sign_in(client, "author")
    as_author = actions.findall(TEMPLATE.sub("", (await client.get(post["url"])).text))

    assert visitor == []
    assert as_reader == [f"/posts/{post['id']}/report", f"/comments/{theirs['id']}/report"]
    assert as_author == [f"/comments/{mine['id']}/report"]


@pytest.mark.parametrize(
    ("reason", "message"),
    [("\u200b" * 4, "Say in a few words what is wrong (blank ones do not count)."),
     ("no", "Use at least 3 characters.")],
    ids=["blank", "short"],
)  # fmt: skip
async def test_a_report_without_a_reason_is_a_400_that_says_why_and_files_nothing(
    *,
    client: AsyncClient,
    factory: Factory,
    post: dict[str, Any],
    signed_in_reader: Account,
    reason: str,
    message: str,
) -> None:
    response = await client.post(
        f"/posts/{post['id']}/report",
        data={"csrf_token": token(client), "next": post["url"], "reason": reason},
    )

    assert response.status_code == 400
    assert message in response.text
    assert await open_reports(client, factory) == []


async def test_a_visitor_reporting_is_sent_to_sign_in_first(
    client: AsyncClient, factory: Factory, post: dict[str, Any]
) -> None:
    response = await client.post(
        f"/posts/{post['id']}/report", data={"next": post["url"], "reason": "Spam."}
    )

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    assert await open_reports(client, factory) == []


async def test_a_draft_cannot_be_reported_from_a_form(
    client: AsyncClient, factory: Factory, author: Account, signed_in_reader: Account
) -> None:
    draft = await factory.post(author, status="draft")

    status, _ = await send(client, f"/posts/{draft['id']}/report", reason="Spam.")

    assert status == 404
    assert await open_reports(client, factory) == []


async def test_only_posts_and_comments_have_a_report_form(
    client: AsyncClient, factory: Factory, author: Account, signed_in_reader: Account
) -> None:
    status, _ = await send(client, f"/users/{author.id}/report", reason="Spam.")

    assert status == 404
    assert await open_reports(client, factory) == []
