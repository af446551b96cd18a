"""Who is told of what: the post's author of a comment, the thread's other commenters of a
reply, a writer of a new follower; never anyone of their own doing. Run on both databases."""

import pytest
from httpx import AsyncClient

from tests.conftest import Account, Api, StartedApp
from tests.conversation import comment, follow, unfollow
from tests.factories import Factory
from tests.notifications.helpers import kinds_of, notifications_of


@pytest.fixture
async def post(api: Api, author: Account) -> dict[str, object]:
    return await api.post(author)


@pytest.fixture
async def other(factory: Factory) -> Account:
    return await factory.account("other")


async def test_a_comment_tells_the_posts_author_with_the_actor_and_a_link(
    client: AsyncClient, author: Account, reader: Account, post: dict[str, object]
) -> None:
    said = await comment(client, post["id"], reader)

    page = await notifications_of(client, author)
    [notification] = page["notifications"]
    assert notification == {
        "id": notification["id"],
        "kind": "comment",
        "read": False,
        "created_at": notification["created_at"],
        "actor": {
            "id": reader.id,
            "username": "reader",
            "display_name": None,
            "image_path": "/static/img/default-avatar.svg",
            "url": "/@reader",
        },
        "post_id": post["id"],
        "comment_id": said["id"],
        "link": f"{post['url']}?comment={said['id']}#comment-{said['id']}",
    }
    assert (page["total"], page["unread"], page["has_more"]) == (1, 1, False)
    assert await kinds_of(client, reader) == []


async def test_a_post_taken_back_to_draft_is_linked_without_its_new_title_for_others(
    client: AsyncClient, author: Account, reader: Account, other: Account, post: dict[str, object]
) -> None:
    await comment(client, post["id"], reader)
    said = await comment(client, post["id"], other)
    [reply] = (await notifications_of(client, reader))["notifications"]
    assert reply["link"] == f"{post['url']}?comment={said['id']}#comment-{said['id']}"

    hidden = await client.patch(
        f"/api/posts/{post['id']}",
        json={"status": "draft", "title": "A secret title"},
        headers=author.headers,
    )
    assert hidden.status_code == 200, hidden.text

    [reply] = (await notifications_of(client, reader))["notifications"]
    assert reply["link"] == "/@other"
    links = [item["link"] for item in (await notifications_of(client, author))["notifications"]]
    assert all(link.startswith(f"/posts/{post['id']}-a-secret-title?") for link in links)
    assert len(links) == 2


async def test_a_notification_shows_its_actors_display_name(
    client: AsyncClient, author: Account, reader: Account, post: dict[str, object]
) -> None:
    named = await client.patch(
        f"/api/users/{reader.id}", json={"display_name": "Ada L."}, headers=reader.headers
    )
    assert named.status_code == 200, named.text
    await comment(client, post["id"], reader)

    [notification] = (await notifications_of(client, author))["notifications"]
    assert notification["actor"]["display_name"] == "Ada L."


async def test_a_comment_on_ones_own_post_tells_no_one_but_the_threads_commenters(
    client: AsyncClient, author: Account, reader: Account, post: dict[str, object]
) -> None:
    await comment(client, post["id"], author, "First!")
    assert await kinds_of(client, author) == []

    await comment(client, post["id"], reader)
    await comment(client, post["id"], author, "Thanks")

    assert await kinds_of(client, author) == [("comment", "reader")]
    assert await kinds_of(client, reader) == [("reply", "author")]


async def test_a_reply_tells_each_earlier_commenter_once_but_not_its_own_author(
    client: AsyncClient,
    author: Account,
    reader: Account,
    other: Account,
    post: dict[str, object],
) -> None:
    await comment(client, post["id"], reader, "One")
    await comment(client, post["id"], reader, "Two")
    await comment(client, post["id"], other, "Three")

    assert await kinds_of(client, reader) == [("reply", "other")]
    assert await kinds_of(client, other) == []
    # The post's author hears of each comment once, as a comment on their post.
    assert await kinds_of(client, author) == [
        ("comment", "other"), ("comment", "reader"), ("comment", "reader"),
    ]  # fmt: skip


async def test_commenting_on_someone_elses_post_tells_nobody_of_other_posts(
    api: Api, client: AsyncClient, author: Account, reader: Account, post: dict[str, object]
) -> None:
    elsewhere = await api.post(author)
    await comment(client, post["id"], reader)

    await comment(client, elsewhere["id"], author)

    assert await kinds_of(client, reader) == []


async def test_a_comment_tells_the_author_of_that_post_and_no_other_author(
    api: Api, client: AsyncClient, author: Account, reader: Account, post: dict[str, object]
) -> None:
    other_author = await api.sign_up("other")
    await api.post(other_author)

    await comment(client, post["id"], reader)

    assert await kinds_of(client, author) == [("comment", "reader")]
    assert await kinds_of(client, other_author) == []


async def test_a_deleted_comment_takes_its_notifications_with_it(
    client: AsyncClient, author: Account, reader: Account, post: dict[str, object]
) -> None:
    said = await comment(client, post["id"], reader)

    response = await client.delete(f"/api/comments/{said['id']}", headers=reader.headers)

    assert response.status_code == 204
    page = await notifications_of(client, author)
    assert (page["notifications"], page["total"], page["unread"]) == ([], 0, 0)


async def test_a_new_follower_tells_the_one_followed(
    client: AsyncClient, author: Account, reader: Account
) -> None:
    await follow(client, reader, author)

    [notification] = (await notifications_of(client, author))["notifications"]
    assert notification["kind"] == "follow"
    assert notification["actor"]["id"] == reader.id
    assert (notification["post_id"], notification["comment_id"]) == (None, None)
    assert notification["link"] == "/@reader"
    assert await kinds_of(client, reader) == []


async def test_each_new_follower_tells_the_one_followed(
    client: AsyncClient, author: Account, reader: Account, other: Account
) -> None:
    await follow(client, reader, author)
    await follow(client, other, author)

    assert await kinds_of(client, author) == [("follow", "other"), ("follow", "reader")]


async def test_a_reader_following_two_writers_tells_each(
    client: AsyncClient, author: Account, reader: Account, other: Account
) -> None:
    await follow(client, reader, author)
    await follow(client, reader, other)

    assert await kinds_of(client, author) == [("follow", "reader")]
    assert await kinds_of(client, other) == [("follow", "reader")]


async def test_a_follow_soon_after_a_comment_from_the_same_reader_is_told(
    client: AsyncClient, author: Account, reader: Account, post: dict[str, object]
) -> None:
    await comment(client, post["id"], reader)
    await follow(client, reader, author)

    assert await kinds_of(client, author) == [("follow", "reader"), ("comment", "reader")]


async def test_following_again_unfollowing_and_refollowing_soon_after_tell_only_once(
    client: AsyncClient, author: Account, reader: Account
) -> None:
    await follow(client, reader, author)
    await follow(client, reader, author)
    for _ in range(3):
        await unfollow(client, reader, author)
        await follow(client, reader, author)

    assert await kinds_of(client, author) == [("follow", "reader")]


async def test_a_refollow_after_the_quiet_period_tells_again(
    client: AsyncClient, author: Account, reader: Account, started_app: StartedApp
) -> None:
    settings = started_app.state["settings"]
    started_app.state["settings"] = settings.model_copy(
        update={"follow_notification_quiet_hours": 0}
    )
    await follow(client, reader, author)
    await unfollow(client, reader, author)
    await follow(client, reader, author)

    assert await kinds_of(client, author) == [("follow", "reader"), ("follow", "reader")]


async def test_a_refused_follow_of_oneself_tells_no_one(
    client: AsyncClient, reader: Account
) -> None:
    response = await client.put(f"/api/users/{reader.id}/follow", headers=reader.headers)

    assert response.status_code == 400
    assert await kinds_of(client, reader) == []
