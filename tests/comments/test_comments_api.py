"""Comments under posts: oldest first with their authors, Markdown rendered safely when
written, counted exactly by the database, and changed only by those allowed to."""

import asyncio

import pytest
from httpx import AsyncClient
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from inkwell.comments.models import BODY_MAX_LENGTH, Comment
from inkwell.db import utcnow
from inkwell.posts.models import Post
from inkwell.users.models import User
from tests.conftest import Account, Api, StatementCounter
from tests.conversation import comment


async def kept_and_real(engine: AsyncEngine, post_id: object) -> tuple[int | None, int]:
    async with engine.connect() as connection:
        kept = await connection.scalar(select(Post.comment_count).where(Post.id == post_id))
        real = await connection.scalar(
            select(func.count()).select_from(Comment).where(Comment.post_id == post_id)
        )
    return kept, real or 0


@pytest.fixture
async def post(api: Api, author: Account) -> dict[str, object]:
    return await api.post(author)


async def test_a_comment_is_stored_rendered_and_answered_with_its_author(
    client: AsyncClient, post: dict[str, object], reader: Account
) -> None:
    answer = await comment(client, post["id"], reader, "**Yes**, <b>and</b> [see](javascript:x)")

    assert answer["post_id"] == post["id"]
    assert answer["body"] == "**Yes**, <b>and</b> [see](javascript:x)"
    assert answer["body_html"] == (
        "<p><strong>Yes</strong>, &lt;b&gt;and&lt;/b&gt; [see](javascript:x)</p>\n"
    )
    assert answer["author"] == {
        "id": reader.id,
        "username": "reader",
        "display_name": None,
        "image_path": "/static/img/default-avatar.svg",
        "url": "/@reader",
    }
    listed = (await client.get(f"/api/posts/{post['id']}/comments")).json()
    assert listed["comments"] == [answer]


async def test_a_new_comment_was_last_updated_when_it_was_written(
    client: AsyncClient, post: dict[str, object], reader: Account
) -> None:
    answer = await comment(client, post["id"], reader)

    assert answer["updated_at"] == answer["created_at"]


async def test_comments_are_listed_with_their_authors_name_and_picture(
    client: AsyncClient, post: dict[str, object], reader: Account, session: AsyncSession
) -> None:
    await session.execute(
        update(User)
        .where(User.id == reader.id)
        .values(display_name="Ada L.", image_file="profile_pics/ab12.webp")
    )
    await session.commit()
    await comment(client, post["id"], reader)

    [listed] = (await client.get(f"/api/posts/{post['id']}/comments")).json()["comments"]

    assert listed["author"] == {
        "id": reader.id,
        "username": "reader",
        "display_name": "Ada L.",
        "image_path": "/media/profile_pics/ab12.webp",
        "url": "/@reader",
    }


async def test_comments_render_without_headings_or_images_and_links_are_marked_ugc(
    client: AsyncClient, post: dict[str, object], reader: Account
) -> None:
    answer = await comment(
        client, post["id"], reader, "# Title\n\n![x](/a.png) [a](https://a.example)"
    )

    html = answer["body_html"]
    assert "<h1>" not in html
    assert "<img" not in html
    assert '<a href="https://a.example" rel="nofollow ugc noopener">a</a>' in html


async def test_comments_are_listed_oldest_first_a_page_at_a_time(
    client: AsyncClient, post: dict[str, object], reader: Account, author: Account
) -> None:
    for i in range(5):
        await comment(client, post["id"], reader if i % 2 else author, f"Comment {i}")

    first = (await client.get(f"/api/posts/{post['id']}/comments", params={"limit": 3})).json()
    rest = (
        await client.get(f"/api/posts/{post['id']}/comments", params={"skip": 3, "limit": 3})
    ).json()
    past = (await client.get(f"/api/posts/{post['id']}/comments", params={"skip": 9})).json()

    assert [c["body"] for c in first["comments"]] == ["Comment 0", "Comment 1", "Comment 2"]
    assert (first["total"], first["has_more"]) == (5, True)
    assert [c["body"] for c in rest["comments"]] == ["Comment 3", "Comment 4"]
    assert (rest["total"], rest["has_more"]) == (5, False)
    assert (past["comments"], past["total"], past["has_more"]) == ([], 5, False)
    assert (await client.get(f"/api/posts/{post['id']}")).json()["comment_count"] == 5


async def test_a_full_page_that_ends_the_comments_says_none_follow(
    client: AsyncClient, post: dict[str, object], reader: Account
) -> None:
    for i in range(3):
        await comment(client, post["id"], reader, f"Comment {i}")

    page = (await client.get(f"/api/posts/{post['id']}/comments", params={"limit": 3})).json()

    assert len(page["comments"]) == 3
    assert (page["has_more"], page["next_cursor"]) == (False, None)


async def test_a_post_lists_its_own_comments_and_no_other_post_s(
    api: Api, client: AsyncClient, author: Account, post: dict[str, object], reader: Account
) -> None:
    other = await api.post(author)
    await comment(client, post["id"], reader, "On the first")
    await comment(client, other["id"], reader, "On the other")

    listed = (await client.get(f"/api/posts/{post['id']}/comments")).json()

    assert [c["body"] for c in listed["comments"]] == ["On the first"]
    assert listed["total"] == 1


async def test_an_unpublished_post_s_comments_are_not_listed(
    client: AsyncClient, author: Account, post: dict[str, object], reader: Account
) -> None:
    """They are kept (publishing again brings them back) but, like the draft, not shown."""
    await comment(client, post["id"], reader, "Before it went back to draft")
    unpublished = await client.patch(
        f"/api/posts/{post['id']}", json={"status": "draft"}, headers=author.headers
    )
    assert unpublished.status_code == 200, unpublished.text

    listed = await client.get(f"/api/posts/{post['id']}/comments", headers=author.headers)

    assert listed.status_code == 404
    assert listed.json()["code"] == "post_not_found"


async def test_the_listing_order_is_total_in_the_query_not_left_to_the_plan(
    client: AsyncClient, post: dict[str, object], count_statements: StatementCounter
) -> None:
    """Comments written in the same instant: the (post_id, created_at, id) index happens to
    hand them over in id order; a plan that does not use it would not, so the statement
    itself names the id as the tie-breaker."""
    await client.get(f"/api/posts/{post['id']}/comments")
    (page,) = [sql for sql in count_statements.statements if "ORDER BY" in sql]
    assert " ".join(page.split("ORDER BY")[1].split()).startswith(
        "comments.created_at, comments.id LIMIT"
    )


async def test_a_post_without_comments_lists_none_and_an_unknown_post_is_a_404(
    client: AsyncClient, post: dict[str, object]
) -> None:
    empty = await client.get(f"/api/posts/{post['id']}/comments")
    unknown = await client.get("/api/posts/4242/comments")

    assert empty.json() == {
        "comments": [],
        "total": 0,
        "skip": 0,
        "limit": 10,
        "has_more": False,
        "next_cursor": None,
    }
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "Post not found", "code": "post_not_found"}


async def test_commenting_on_an_unknown_post_is_a_404_and_stores_nothing(
    client: AsyncClient, reader: Account, engine: AsyncEngine
) -> None:
    response = await client.post(
        "/api/posts/4242/comments", json={"body": "Hello"}, headers=reader.headers
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "Post not found", "code": "post_not_found"}
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(Comment)) == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"body": ""},
        {"body": " \n\t"},
        {"body": "\u200b"},
        {"body": "nul \x00 inside"},
        {"body": None},
        {"body": 42},
        {"body": "x" * (BODY_MAX_LENGTH + 1)},
        {"body": "fine", "post_id": 1},
        {"body": "fine", "user_id": 1},
    ],
)
async def test_a_bad_comment_is_a_422_and_nothing_is_stored_or_changed(
    client: AsyncClient, post: dict[str, object], reader: Account, engine: AsyncEngine,
    body: dict[str, object],
) -> None:  # fmt: skip
    existing = await comment(client, post["id"], reader, "Kept")

    created = await client.post(
        f"/api/posts/{post['id']}/comments", json=body, headers=reader.headers
    )
    edited = await client.patch(
        f"/api/comments/{existing['id']}", json=body, headers=reader.headers
    )

    assert (created.status_code, edited.status_code) == (422, 422)
    assert created.json()["code"] == edited.json()["code"] == "validation_failed"
    assert await kept_and_real(engine, post["id"]) == (1, 1)
    listed = (await client.get(f"/api/posts/{post['id']}/comments")).json()["comments"]
    assert [c["body"] for c in listed] == ["Kept"]


async def test_the_longest_comment_is_taken(
    client: AsyncClient, post: dict[str, object], reader: Account
) -> None:
    answer = await comment(client, post["id"], reader, "é" * BODY_MAX_LENGTH)
    assert len(answer["body"]) == BODY_MAX_LENGTH


async def test_an_edit_changes_the_body_and_its_html_and_keeps_the_rest(
    client: AsyncClient, post: dict[str, object], reader: Account
) -> None:
    before = await comment(client, post["id"], reader, "First")

    response = await client.patch(
        f"/api/comments/{before['id']}", json={"body": "*Second*"}, headers=reader.headers
    )

    after = response.json()
    assert response.status_code == 200
    assert (after["body"], after["body_html"]) == ("*Second*", "<p><em>Second</em></p>\n")
    assert (after["id"], after["created_at"], after["author"]) == (
        before["id"], before["created_at"], before["author"],
    )  # fmt: skip
    assert after["updated_at"] >= before["updated_at"]


# Who may do what to a comment. Actors: no one signed in, the comment's author, the author of
# the post it is under, and a stranger. (Admins come with moderation.)
EDIT, DELETE = "edit", "delete"
MATRIX = [
    (EDIT, "anonymous", 401),
    (EDIT, "commenter", 200),
    (EDIT, "post author", 403),
    (EDIT, "stranger", 403),
    (DELETE, "anonymous", 401),
    (DELETE, "commenter", 204),
    (DELETE, "post author", 204),
    (DELETE, "stranger", 403),
]

REFUSALS = {
    EDIT: "You may only edit your own comments",
    DELETE: "You may only delete your own comments or those under your posts",
}


@pytest.mark.parametrize(("action", "actor", "status"), MATRIX)
async def test_who_may_do_what_to_a_comment(
    *,
    api: Api, client: AsyncClient, post: dict[str, object], author: Account, reader: Account,
    engine: AsyncEngine, action: str, actor: str, status: int,
) -> None:  # fmt: skip
    stranger = await api.sign_up("stranger")
    actors = {"anonymous": {}, "commenter": reader.headers, "post author": author.headers}
    headers = actors.get(actor, stranger.headers)
    target = await comment(client, post["id"], reader, "Original")
    url = f"/api/comments/{target['id']}"

    if action == EDIT:
        response = await client.patch(url, json={"body": "Changed"}, headers=headers)
    else:
        response = await client.delete(url, headers=headers)

    assert response.status_code == status, response.text
    listed = (await client.get(f"/api/posts/{post['id']}/comments")).json()["comments"]
    if status == 204:
        assert listed == []
        assert await kept_and_real(engine, post["id"]) == (0, 0)
    else:
        assert [c["body"] for c in listed] == ["Changed" if status == 200 else "Original"]
        assert await kept_and_real(engine, post["id"]) == (1, 1)
    if status == 401:
        assert response.json()["code"] == "not_authenticated"
    if status == 403:
        assert response.json() == {"detail": REFUSALS[action], "code": "forbidden"}


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_an_unknown_comment_is_a_404(
    client: AsyncClient, reader: Account, method: str
) -> None:
    response = await client.request(
        method, "/api/comments/4242", json={"body": "x"}, headers=reader.headers
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "Comment not found", "code": "comment_not_found"}


async def test_deleting_a_post_deletes_its_comments(
    client: AsyncClient, post: dict[str, object], author: Account, reader: Account,
    engine: AsyncEngine,
) -> None:  # fmt: skip
    await comment(client, post["id"], reader)
    await comment(client, post["id"], author)

    assert (
        await client.delete(f"/api/posts/{post['id']}", headers=author.headers)
    ).status_code == 204

    assert await kept_and_real(engine, post["id"]) == (None, 0)


async def test_deleting_a_commenter_takes_their_comments_out_of_the_count(
    client: AsyncClient, post: dict[str, object], author: Account, reader: Account,
    engine: AsyncEngine,
) -> None:  # fmt: skip
    await comment(client, post["id"], reader)
    await comment(client, post["id"], reader)
    await comment(client, post["id"], author)

    await client.delete(f"/api/users/{reader.id}", headers=reader.headers)

    assert await kept_and_real(engine, post["id"]) == (1, 1)


async def test_concurrent_comments_and_deletions_are_counted_exactly(
    api: Api, client: AsyncClient, post: dict[str, object], author: Account,
    engine: AsyncEngine,
) -> None:  # fmt: skip
    writers = [await api.sign_up(f"writer{i}") for i in range(10)]
    first = [await comment(client, post["id"], writer) for writer in writers]

    responses = await asyncio.gather(
        *(
            client.post(
                f"/api/posts/{post['id']}/comments",
                json={"body": f"Comment {i}"},
                headers=writers[i % len(writers)].headers,
            )
            for i in range(30)
        ),
        *(client.delete(f"/api/comments/{c['id']}", headers=author.headers) for c in first),
    )

    assert sorted({response.status_code for response in responses}) == [201, 204]
    assert await kept_and_real(engine, post["id"]) == (30, 30)


async def test_a_comment_listing_costs_the_same_statements_for_10_or_100_comments(
    api: Api, client: AsyncClient, post: dict[str, object], session: AsyncSession,
    count_statements: StatementCounter,
) -> None:  # fmt: skip
    writers = [await api.sign_up(f"writer{i}") for i in range(20)]
    now = utcnow()
    rows = [
        {
            "post_id": post["id"],
            "user_id": writers[i % 20].id,
            "body": f"c{i}",
            "body_html": f"<p>c{i}</p>",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(120)
    ]
    await session.execute(insert(Comment), rows)
    await session.commit()
    count_statements.statements.clear()

    await client.get(f"/api/posts/{post['id']}/comments", params={"limit": 10})
    small_page = len(count_statements)
    count_statements.statements.clear()
    page = (await client.get(f"/api/posts/{post['id']}/comments", params={"limit": 100})).json()

    assert len(page["comments"]) == 100
    assert len({c["author"]["id"] for c in page["comments"]}) == 20
    assert page["total"] == 120
    assert len(count_statements) == small_page == 1, count_statements.statements


async def test_a_draft_takes_no_comments_and_lists_none(
    client: AsyncClient, api: Api, author: Account, reader: Account, post: dict[str, object]
) -> None:
    """Even beside a published post (which takes comments)."""
    draft = await api.post(author, status="draft")

    for who in (reader, author):
        response = await client.post(
            f"/api/posts/{draft['id']}/comments", json={"body": "Early!"}, headers=who.headers
        )
        assert response.status_code == 404
        assert response.json()["code"] == "post_not_found"
    listed = await client.get(f"/api/posts/{draft['id']}/comments", headers=author.headers)
    assert listed.status_code == 404
