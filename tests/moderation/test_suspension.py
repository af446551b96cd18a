"""Suspending a user: they cannot sign in and every session of theirs ends; their posts,
comments and likes leave every public listing, page, count and feed (nothing is deleted),
and lifting the suspension restores everything exactly; on both databases. The counts the
database keeps are compared with `count(*)` of what is shown."""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import aliased

from inkwell.comments import service as comments
from inkwell.comments.models import Comment
from inkwell.db import create_sessionmaker
from inkwell.errors import DomainError
from inkwell.follows import service as follows_service
from inkwell.follows.models import Follow
from inkwell.likes import service as likes
from inkwell.likes.models import Like
from inkwell.moderation import service as moderation
from inkwell.moderation.models import AuditEntry
from inkwell.posts import service as posts
from inkwell.posts.markdown import MarkdownRenderer
from inkwell.posts.models import PUBLISHED, Post, PostStats, PostTag, Tag
from inkwell.users.models import User
from tests.conftest import PASSWORD, Account, Api
from tests.conversation import comment, follow
from tests.factories import Factory
from tests.locks import until_done_or_waiting_for_a_lock


class World:
    """A villain (to be suspended) and a writer, each with published posts tagged `ink`,
    commented on and liked by each other and by a reader who follows them both."""

    def __init__(self, **people: Any) -> None:
        self.__dict__.update(people)


@pytest.fixture
async def world(factory: Factory) -> World:
    admin = await factory.account("admin", role="admin")
    villain = await factory.account("villain")
    writer = await factory.account("writer")
    reader = await factory.account("reader")
    spam = await factory.post(villain, title="Spam", tags=["ink", "paper"])
    more_spam = await factory.post(villain, title="More spam", tags=["paper"])
    await factory.post(villain, title="Draft spam", status="draft", tags=["ink"])
    essay = await factory.post(writer, title="Essay", tags=["ink"])
    await factory.comment(villain, essay, "Buy now")
    await factory.comment(reader, essay, "Lovely")
    await factory.comment(reader, spam, "Is this spam?")
    for who, post in ((villain, essay), (reader, spam), (reader, essay), (villain, more_spam)):
        await factory.like(who, post)
    await factory.follow(reader, villain)
    await factory.follow(reader, writer)
    return World(admin=admin, villain=villain, writer=writer, reader=reader, spam=spam, essay=essay)


async def change(client: AsyncClient, world: World, what: str, whom: Account) -> Any:
    response = await client.post(f"/api/users/{whom.id}/{what}", headers=world.admin.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def public_view(client: AsyncClient, world: World) -> dict[str, Any]:
    """Everything the public (and the reader's feed) shows."""
    views: dict[str, Any] = {}
    for path in ("/api/posts", "/api/tags", "/api/posts?tag=ink", "/api/posts?tag=paper"):
        views[path] = (await client.get(path)).json()
    views["feed"] = (await client.get("/api/feed", headers=world.reader.headers)).json()
    for post in (world.spam, world.essay):
        for path in (f"/api/posts/{post['id']}", f"/api/posts/{post['id']}/comments"):
            response = await client.get(path)
            views[path] = (response.status_code, response.json())
    for user in (world.villain, world.writer):
        for path in (f"/api/users/{user.id}", f"/api/users/{user.id}/posts"):
            response = await client.get(path)
            views[path] = (response.status_code, response.json())
    return views


async def kept_and_counted(engine: AsyncEngine) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every count the database keeps, and the same counted with count(*) over what is
    shown: published posts, comments and likes of users who are not suspended (and each
    author's published posts, whoever they are)."""
    active = User.suspended_at.is_(None)
    async with engine.connect() as connection:
        kept = {
            "total": await connection.scalar(select(func.sum(PostStats.total))),
            "tags": dict((await connection.execute(select(Tag.name, Tag.post_count))).all()),
            "posts": {
                row.id: (row.comment_count, row.like_count)
                for row in await connection.execute(
                    select(Post.id, Post.comment_count, Post.like_count)
                )
            },
            "follows": {
                row.id: (row.follower_count, row.following_count)
                for row in await connection.execute(
                    select(User.id, User.follower_count, User.following_count)
                )
            },
            "authors": dict((await connection.execute(select(User.id, User.post_count))).all()),
        }
        published = (
            select(func.count())
            .select_from(Post)
            .join(User, User.id == Post.user_id)
            .where(Post.status == PUBLISHED, active)
        )
        tagged = (
            select(func.count())
            .select_from(PostTag)
            .join(Post, Post.id == PostTag.post_id)
            .join(User, User.id == Post.user_id)
            .where(PostTag.tag_id == Tag.id, PostTag.status == PUBLISHED, active)
            .scalar_subquery()
        )
        per_tag = select(Tag.name, tagged)

        def per_post(child: type[Comment] | type[Like]) -> Any:
            return (
                select(func.count())
                .select_from(child)
                .join(User, User.id == child.user_id)
                .where(child.post_id == Post.id, active)
                .scalar_subquery()
            )

        def follows(mine: Any, theirs: Any) -> Any:
            """Everyone's follows (as the follower or the followed) with someone active."""
            other = aliased(User)
            return (
                select(func.count())
                .select_from(Follow)
                .join(other, other.id == theirs)
                .where(mine == User.id, other.suspended_at.is_(None))
                .scalar_subquery()
            )

        # An author's own count keeps their posts while they are suspended.
        theirs = (
            select(func.count())
            .select_from(Post)
            .where(Post.user_id == User.id, Post.status == PUBLISHED)
            .scalar_subquery()
        )
        counted = {
            "total": await connection.scalar(published),
            "tags": dict((await connection.execute(per_tag)).all()),
            "posts": {
                row[0]: (row[1], row[2])
                for row in await connection.execute(
                    select(Post.id, per_post(Comment), per_post(Like))
                )
            },
            "follows": {
                row[0]: (row[1], row[2])
                for row in await connection.execute(
                    select(
                        User.id,
                        follows(Follow.followed_id, Follow.follower_id),
                        follows(Follow.follower_id, Follow.followed_id),
                    )
                )
            },
            "authors": dict((await connection.execute(select(User.id, theirs))).all()),
        }
    return kept, counted


async def test_a_suspended_users_posts_leave_every_listing_and_count(
    client: AsyncClient, world: World
) -> None:
    await change(client, world, "suspend", world.villain)

    listed = (await client.get("/api/posts")).json()
    assert [post["title"] for post in listed["posts"]] == ["Essay"]
    assert listed["total"] == 1
    tags = (await client.get("/api/tags")).json()["tags"]
    assert tags == [{"name": "ink", "posts": 1}]
    inked = (await client.get("/api/posts?tag=ink")).json()
    assert [post["title"] for post in inked["posts"]] == ["Essay"]
    papered = (await client.get("/api/posts?tag=paper")).json()
    assert (papered["posts"], papered["total"]) == ([], 0)
    feed = (await client.get("/api/feed", headers=world.reader.headers)).json()
    assert [post["title"] for post in feed["posts"]] == ["Essay"]
    assert feed["total"] == 1


async def test_a_tag_their_one_post_alone_carries_leaves_the_tags(
    client: AsyncClient, factory: Factory, world: World
) -> None:
    loner = await factory.account("loner")
    await factory.post(loner, tags=["solo", "ink"])

    await change(client, world, "suspend", loner)

    tags = (await client.get("/api/tags")).json()["tags"]
    assert tags == [{"name": "ink", "posts": 2}, {"name": "paper", "posts": 2}]


async def test_a_suspended_users_comments_and_likes_leave_the_posts_and_their_counts(
    client: AsyncClient, world: World
) -> None:
    await change(client, world, "suspend", world.villain)

    essay = (await client.get(f"/api/posts/{world.essay['id']}")).json()
    comments = (await client.get(f"/api/posts/{world.essay['id']}/comments")).json()
    assert (essay["comment_count"], essay["like_count"]) == (1, 1)
    assert [remark["body"] for remark in comments["comments"]] == ["Lovely"]
    assert comments["total"] == 1


async def test_what_a_suspended_user_likes_leaves_conduits_favorited_listing_until_lifted(
    client: AsyncClient, world: World
) -> None:
    async def favorited() -> list[str]:
        answer = await client.get("/conduit/api/articles", params={"favorited": "villain"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["articlesCount"] == len(answer.json()["articles"])
        return [article["title"] for article in answer.json()["articles"]]

    await change(client, world, "suspend", world.villain)
    assert await favorited() == []

    await change(client, world, "unsuspend", world.villain)
    assert await favorited() == ["Essay", "More spam"]


async def test_a_suspended_users_profile_and_posts_answer_404(
    client: AsyncClient, world: World
) -> None:
    await change(client, world, "suspend", world.villain)

    spam = world.spam["id"]
    for path in (
        f"/api/posts/{spam}",
        f"/api/posts/{spam}/comments",
        f"/api/users/{world.villain.id}",
        f"/api/users/{world.villain.id}/posts",
        "/@villain",
        f"/posts/{spam}",
    ):
        assert (await client.get(path)).status_code == 404, path


async def test_what_a_suspended_user_wrote_cannot_be_liked_commented_reported_or_changed(
    client: AsyncClient, world: World
) -> None:
    await change(client, world, "suspend", world.villain)

    spam, headers = world.spam["id"], world.reader.headers
    refused = [
        await client.put(f"/api/posts/{spam}/like", headers=headers),
        await client.post(f"/api/posts/{spam}/comments", json={"body": "x"}, headers=headers),
        await client.post(
            "/api/reports", json={"post_id": spam, "reason": "spam"}, headers=headers
        ),
        await client.patch(f"/api/posts/{spam}", json={"title": "x"}, headers=headers),
        await client.delete(f"/api/posts/{spam}", headers=headers),
    ]
    assert [response.status_code for response in refused] == [404] * 5


async def comment_ids(client: AsyncClient, post: dict[str, Any]) -> dict[str, int]:
    listed = (await client.get(f"/api/posts/{post['id']}/comments")).json()["comments"]
    return {remark["body"]: remark["id"] for remark in listed}


async def test_comments_a_suspension_hides_are_not_found_to_change(
    client: AsyncClient, world: World
) -> None:
    """The suspended user's comment, and a comment under their post, do not exist meanwhile:
    changing either is a 404 for anyone (not a 403, which would say it is there), and
    nothing of theirs is changed or deleted."""
    buy_now = (await comment_ids(client, world.essay))["Buy now"]
    under_spam = (await comment_ids(client, world.spam))["Is this spam?"]
    await change(client, world, "suspend", world.villain)

    attempts = [  # by the essay's author, then by the comment's own author
        await client.patch(
            f"/api/comments/{buy_now}", json={"body": "Edited"}, headers=world.writer.headers
        ),
        await client.delete(f"/api/comments/{buy_now}", headers=world.writer.headers),
        await client.patch(
            f"/api/comments/{under_spam}", json={"body": "Edited"}, headers=world.reader.headers
        ),
        await client.delete(f"/api/comments/{under_spam}", headers=world.reader.headers),
    ]
    assert [attempt.status_code for attempt in attempts] == [404] * 4
    await change(client, world, "unsuspend", world.villain)
    assert (await comment_ids(client, world.essay))["Buy now"] == buy_now
    assert await comment_ids(client, world.spam) == {"Is this spam?": under_spam}


async def _hidden_targets(client: AsyncClient, world: World) -> dict[str, str]:
    """What a suspension of the villain hides, by the address an admin deletes it at."""
    return {
        "their post": f"/api/posts/{world.spam['id']}",
        "their comment": f"/api/comments/{(await comment_ids(client, world.essay))['Buy now']}",
        "a comment under their post": (
            f"/api/comments/{(await comment_ids(client, world.spam))['Is this spam?']}"
        ),
    }


async def _shown(client: AsyncClient, world: World) -> set[str]:
    """The titles listed and the comments shown under the essay and the spam."""
    listed = (await client.get("/api/posts")).json()["posts"]
    shown = {post["title"] for post in listed}
    for post in (world.essay, world.spam):
        if (await client.get(f"/api/posts/{post['id']}")).status_code == 200:
            shown |= (await comment_ids(client, post)).keys()
    return shown


# What each deletion takes away for good: the post, with the comment under it.
GONE = {
    "their post": {"Spam", "Is this spam?"},
    "their comment": {"Buy now"},
    "a comment under their post": {"Is this spam?"},
}


@pytest.mark.parametrize("target", list(GONE))
async def test_an_admin_deletes_what_a_suspension_hides_and_the_counts_stay_exact(
    client: AsyncClient, engine: AsyncEngine, world: World, target: str
) -> None:
    """A suspension takes the villain's rows out of the counts; deleting one of them must not
    take it out a second time, nor lifting the suspension put it back."""
    address, before = (await _hidden_targets(client, world))[target], await _shown(client, world)
    await change(client, world, "suspend", world.villain)

    deleted = await client.delete(address, headers=world.admin.headers)
    assert deleted.status_code == 204, deleted.text
    kept, counted = await kept_and_counted(engine)
    assert kept == counted
    await change(client, world, "unsuspend", world.villain)
    kept, counted = await kept_and_counted(engine)
    assert kept == counted
    assert await _shown(client, world) == before - GONE[target]


async def test_an_admins_deletion_of_a_hidden_post_is_recorded(
    client: AsyncClient, engine: AsyncEngine, world: World
) -> None:
    await change(client, world, "suspend", world.villain)
    await client.delete(f"/api/posts/{world.spam['id']}", headers=world.admin.headers)

    async with engine.connect() as connection:
        logged = await connection.execute(
            select(AuditEntry.actor_id, AuditEntry.action, AuditEntry.target_id).order_by(
                AuditEntry.id
            )
        )
        assert logged.all() == [
            (world.admin.id, "suspend_user", world.villain.id),
            (world.admin.id, "delete_post", world.spam["id"]),
        ]


async def test_lifting_a_suspension_restores_everything_exactly(
    client: AsyncClient, world: World
) -> None:
    before = await public_view(client, world)
    await change(client, world, "suspend", world.villain)
    await change(client, world, "unsuspend", world.villain)
    assert await public_view(client, world) == before


@pytest.mark.parametrize("steps", [["suspend"], ["suspend", "unsuspend"], ["suspend"] * 2])
async def test_kept_counts_match_what_is_shown(
    client: AsyncClient, engine: AsyncEngine, world: World, steps: list[str]
) -> None:
    """Suspending twice changes nothing twice; a second suspended user (the reader, who
    commented on and liked the villain's post) is taken out on top of the first."""
    for step in steps:
        await change(client, world, step, world.villain)
    kept, counted = await kept_and_counted(engine)
    assert kept == counted
    await change(client, world, "suspend", world.reader)
    kept, counted = await kept_and_counted(engine)
    assert kept == counted
    await change(client, world, "unsuspend", world.villain)
    await change(client, world, "unsuspend", world.reader)
    kept, counted = await kept_and_counted(engine)
    assert kept == counted


async def test_others_writing_meanwhile_is_counted_once_the_suspension_is_lifted(
    client: AsyncClient, engine: AsyncEngine, world: World
) -> None:
    await change(client, world, "suspend", world.villain)
    await comment(client, world.essay["id"], world.reader, "Still here")
    await client.delete(f"/api/posts/{world.essay['id']}/like", headers=world.reader.headers)
    await change(client, world, "unsuspend", world.villain)
    kept, counted = await kept_and_counted(engine)
    assert kept == counted
    essay = (await client.get(f"/api/posts/{world.essay['id']}")).json()
    assert (essay["comment_count"], essay["like_count"]) == (3, 1)


async def test_a_suspended_user_cannot_sign_in(client: AsyncClient, world: World) -> None:
    await change(client, world, "suspend", world.villain)

    right = await client.post(
        "/api/users/token", data={"username": "villain", "password": PASSWORD}
    )
    wrong = await client.post("/api/users/token", data={"username": "villain", "password": "no"})
    assert right.status_code == 403
    assert right.json() == {
        "detail": "This account is suspended by the moderators",
        "code": "account_suspended",
    }
    assert wrong.status_code == 401  # a guesser learns nothing of the suspension
    assert "inkwell_session" not in right.cookies


async def test_suspending_ends_every_session_and_lifting_it_lets_them_sign_in_again(
    client: AsyncClient, api: Api, world: World
) -> None:
    signed_in = await client.post(
        "/api/users/token", data={"username": "villain", "password": PASSWORD}
    )
    assert (await client.get("/api/users/me")).status_code == 200  # the session cookie
    await change(client, world, "suspend", world.villain)

    assert (await client.get("/api/users/me")).status_code == 401
    bearer = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    assert (await client.get("/api/users/me", headers=bearer)).status_code == 401
    assert (await client.get("/api/users/me", headers=world.villain.headers)).status_code == 401
    client.cookies.clear()
    await change(client, world, "unsuspend", world.villain)
    headers = await api.login("villain")
    assert (await client.get("/api/users/me", headers=headers)).status_code == 200


async def test_the_answer_says_who_is_suspended_since_when(
    client: AsyncClient, world: World
) -> None:
    suspended = await change(client, world, "suspend", world.villain)
    again = await change(client, world, "suspend", world.villain)
    lifted = await change(client, world, "unsuspend", world.villain)
    assert suspended["username"] == "villain"
    assert suspended["role"] == "user"
    assert suspended["suspended_at"] is not None
    assert again["suspended_at"] == suspended["suspended_at"]
    assert lifted["suspended_at"] is None


async def test_two_admins_suspending_at_once_take_the_user_out_once(
    client: AsyncClient, engine: AsyncEngine, factory: Factory, world: World
) -> None:
    other_admin = await factory.account("moderator", role="admin")
    path = f"/api/users/{world.villain.id}/suspend"
    answers = await asyncio.gather(
        client.post(path, headers=world.admin.headers),
        client.post(path, headers=other_admin.headers),
    )
    assert [answer.status_code for answer in answers] == [200, 200]
    kept, counted = await kept_and_counted(engine)
    assert kept == counted
    async with engine.connect() as connection:
        recorded = await connection.scalar(select(func.count()).select_from(AuditEntry))
    assert recorded == 1


async def test_the_signed_in_user_is_told_their_role(client: AsyncClient, world: World) -> None:
    admin = await client.get("/api/users/me", headers=world.admin.headers)
    reader = await client.get("/api/users/me", headers=world.reader.headers)
    assert (admin.json()["role"], reader.json()["role"]) == ("admin", "user")


async def test_follower_counts_leave_out_a_suspended_user_until_it_is_lifted(
    client: AsyncClient, world: World
) -> None:
    await follow(client, world.villain, world.writer)

    async def counts(who: Account) -> tuple[int, int]:
        user = (await client.get(f"/api/users/{who.id}")).json()
        return user["follower_count"], user["following_count"]

    before = (await counts(world.writer), await counts(world.reader))
    await change(client, world, "suspend", world.villain)
    assert (await counts(world.writer), await counts(world.reader)) == ((1, 0), (0, 1))
    await change(client, world, "unsuspend", world.villain)
    assert (await counts(world.writer), await counts(world.reader)) == before == ((2, 0), (0, 2))


async def test_no_one_follows_or_unfollows_a_suspended_user(
    client: AsyncClient, world: World
) -> None:
    await change(client, world, "suspend", world.villain)
    path = f"/api/users/{world.villain.id}/follow"
    for method in ("PUT", "DELETE"):
        answer = await client.request(method, path, headers=world.writer.headers)
        assert (answer.status_code, answer.json()["code"]) == (404, "user_not_found")


# What the villain (or someone with them) writes while an admin suspends them: each changes
# a count the suspension takes the villain out of.
Write = Any


def _writes(world: World) -> dict[str, Write]:
    async def like(session: AsyncSession) -> None:
        await likes.like(session, world.villain.id, world.other["id"])

    async def unlike(session: AsyncSession) -> None:
        await likes.unlike(session, world.villain.id, world.essay["id"])

    async def add_comment(session: AsyncSession) -> None:
        villain = await session.get_one(User, world.villain.id)
        await comments.add_comment(session, villain, world.other["id"], "In flight")

    async def publish(session: AsyncSession) -> None:
        villain = await session.get_one(User, world.villain.id)
        await posts.create_post(
            session, villain, "In flight", "Text", markdown=MarkdownRenderer(), tags=["ink"]
        )

    async def follow_writer(session: AsyncSession) -> None:
        await follows_service.follow(session, world.villain.id, world.writer.id)

    async def unfollowed(session: AsyncSession) -> None:
        await follows_service.unfollow(session, world.reader.id, world.villain.id)

    return {
        "like": like,
        "unlike": unlike,
        "comment": add_comment,
        "publish": publish,
        "follow": follow_writer,
        "unfollowed": unfollowed,
    }


WRITES = ["like", "unlike", "comment", "publish", "follow", "unfollowed"]
T = TypeVar("T")


@pytest.fixture
async def other_post(world: World, factory: Factory) -> World:
    world.other = await factory.post(world.writer, title="Other", tags=["ink"])
    return world


Step = Callable[[AsyncSession, User, int], Awaitable[User]]


async def _suspend(engine: AsyncEngine, world: World, step: Step = moderation.suspend) -> None:
    """The villain suspended (or, with `step`, the suspension lifted) in a transaction."""
    async with create_sessionmaker(engine)() as session:
        admin = await session.get_one(User, world.admin.id)
        await step(session, admin, world.villain.id)
        await session.commit()


async def during_a_suspension(
    engine: AsyncEngine,
    world: World,
    arriving: Coroutine[Any, Any, T],
    step: Step = moderation.suspend,
) -> T:
    """What `arriving` comes to when it starts while the villain's suspension (or, with
    `step`, its lifting) is under way: it waits for it to commit (asserted), then goes on."""
    async with create_sessionmaker(engine)() as suspending:
        admin = await suspending.get_one(User, world.admin.id)
        await step(suspending, admin, world.villain.id)
        answer = asyncio.create_task(arriving)
        await until_done_or_waiting_for_a_lock(engine, answer)
        assert not answer.done()  # it waits for the suspension under way
        await suspending.commit()
    return await answer


async def a_suspension_during(
    engine: AsyncEngine, world: World, write: Write, step: Step = moderation.suspend
) -> None:
    """The villain's suspension (or, with `step`, its lifting) arriving while `write` is under
    way in a transaction: it waits for the write to commit (asserted), then goes on."""
    async with create_sessionmaker(engine)() as writing:
        await write(writing)
        suspension = asyncio.create_task(_suspend(engine, world, step))
        await until_done_or_waiting_for_a_lock(engine, suspension)
        assert not suspension.done()  # it waits for the write under way
        await writing.commit()
    await suspension


@pytest.mark.parametrize("write", WRITES)
async def test_a_write_under_way_when_a_suspension_begins_is_counted_out_exactly_once(
    client: AsyncClient, engine: AsyncEngine, other_post: World, write: str
) -> None:
    """The suspension waits for the write to commit, then counts it out with the rest; lifting
    it puts back exactly what was taken (no write counted twice)."""
    world = other_post
    await a_suspension_during(engine, world, _writes(world)[write])
    kept, counted = await kept_and_counted(engine)
    assert kept == counted
    await change(client, world, "unsuspend", world.villain)
    kept, counted = await kept_and_counted(engine)
    assert kept == counted


@pytest.mark.parametrize("write", WRITES)
async def test_a_write_arriving_during_a_suspension_waits_for_it_then_writes_nothing(
    client: AsyncClient, engine: AsyncEngine, other_post: World, write: str
) -> None:
    world = other_post
    before = await kept_and_counted(engine)

    async def attempt() -> None:
        async with create_sessionmaker(engine)() as writing:
            await _writes(world)[write](writing)
            await writing.commit()

    with pytest.raises(DomainError) as refused:
        await during_a_suspension(engine, world, attempt())
    assert refused.value.status_code in (403, 404)
    kept, counted = await kept_and_counted(engine)
    assert kept == counted
    await change(client, world, "unsuspend", world.villain)
    assert await kept_and_counted(engine) == before


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_an_edit_or_deletion_arriving_during_a_suspension_finds_the_post_gone(
    client: AsyncClient, engine: AsyncEngine, world: World, method: str
) -> None:
    """The author's request read the post before the suspension committed; then, waiting for
    it, it finds the author suspended: the post is gone, as all of theirs are, and unchanged."""
    url = f"/api/posts/{world.spam['id']}"
    body = {"title": "Edited in flight"} if method == "PATCH" else None
    arriving = client.request(method, url, json=body, headers=world.villain.headers)
    response = await during_a_suspension(engine, world, arriving)
    assert response.status_code == 404
    assert response.json() == {"detail": "Post not found", "code": "post_not_found"}
    await change(client, world, "unsuspend", world.villain)
    assert (await client.get(url)).json()["title"] == "Spam"


async def test_a_comment_deletion_arriving_during_its_authors_suspension_finds_it_gone(
    client: AsyncClient, engine: AsyncEngine, world: World
) -> None:
    """The essay's author found the villain's comment before the suspension committed; then,
    waiting for it, finds the commenter suspended: the comment is gone, and still there."""
    buy_now = (await comment_ids(client, world.essay))["Buy now"]
    arriving = client.delete(f"/api/comments/{buy_now}", headers=world.writer.headers)
    response = await during_a_suspension(engine, world, arriving)
    assert response.status_code == 404
    assert response.json() == {"detail": "Comment not found", "code": "comment_not_found"}
    await change(client, world, "unsuspend", world.villain)
    assert (await comment_ids(client, world.essay))["Buy now"] == buy_now


# Their own: a comment of someone else under their post stays in its post's count whoever
# is suspended, so its deletion waits for no suspension.
THEIRS = ["their post", "their comment"]


@pytest.mark.parametrize("target", THEIRS)
async def test_an_admins_deletion_arriving_while_a_suspension_is_lifted_is_counted_once(
    client: AsyncClient, engine: AsyncEngine, world: World, target: str
) -> None:
    """It waits for the lifting to commit, then deletes what is shown again: the triggers
    take it out of the counts the lifting put it back into."""
    address, before = (await _hidden_targets(client, world))[target], await _shown(client, world)
    await change(client, world, "suspend", world.villain)

    arriving = client.delete(address, headers=world.admin.headers)
    deleted = await during_a_suspension(engine, world, arriving, moderation.unsuspend)
    assert deleted.status_code == 204, deleted.text
    kept, counted = await kept_and_counted(engine)
    assert kept == counted
    assert await _shown(client, world) == before - GONE[target]


async def _delete_as_admin(session: AsyncSession, world: World, address: str) -> None:
    """The deletion `address` names, as the API's DELETE does it, in `session`."""
    admin = await session.get_one(User, world.admin.id)
    kind, target_id = address.split("/")[-2:]
    if kind == "posts":
        post = await posts.get_post(session, int(target_id), suspended=True)
        await posts.delete_post(session, post, by_admin=True)
    else:
        await comments.delete_comment(session, admin, int(target_id))


@pytest.mark.parametrize("target", THEIRS)
async def test_a_suspension_lifted_during_an_admins_deletion_counts_without_it(
    client: AsyncClient, engine: AsyncEngine, world: World, target: str
) -> None:
    """The deletion holds the author's row: the lifting waits for it to commit, then puts
    back what is left, which no longer has what was deleted."""
    address, before = (await _hidden_targets(client, world))[target], await _shown(client, world)
    await change(client, world, "suspend", world.villain)

    async def deletion(session: AsyncSession) -> None:
        await _delete_as_admin(session, world, address)

    await a_suspension_during(engine, world, deletion, moderation.unsuspend)
    kept, counted = await kept_and_counted(engine)
    assert kept == counted
    assert await _shown(client, world) == before - GONE[target]
