"""Which posts link which pictures uploaded for posts (`post_picture_uses`), kept as posts are
written through either API, on SQLite and PostgreSQL: what deleting a post and the sweep
read instead of the posts' text."""

from datetime import datetime

from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.db import create_sessionmaker
from inkwell.posts import service as posts
from tests.conftest import Account, Api
from tests.factories import MARKDOWN
from tests.media.test_post_pictures import stored_key, upload_for_a_post
from tests.pictures import image_file


async def uses(engine: AsyncEngine) -> set[tuple[int, str]]:
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT post_id, key FROM post_picture_uses"))
        return {(post_id, key) for post_id, key in rows}


async def unlinked_at(engine: AsyncEngine, key: str) -> datetime | None:
    async with engine.connect() as connection:
        when: datetime | None = await connection.scalar(
            text("SELECT unlinked_at FROM post_pictures WHERE key = :key"), {"key": key}
        )
        return when


async def upload(client: AsyncClient) -> str:
    return stored_key(await upload_for_a_post(client, image_file()))


async def test_a_new_post_uses_the_pictures_it_shows_or_links(
    client: AsyncClient, api: Api, engine: AsyncEngine, painter: Account
) -> None:
    shown, linked = await upload(client), await upload(client)

    post = await api.post(painter, content=f"![a](/media/{shown}) and [b](/media/{linked})")

    assert await uses(engine) == {(post["id"], shown), (post["id"], linked)}


async def test_a_key_that_names_no_uploaded_picture_is_no_use(
    client: AsyncClient, api: Api, engine: AsyncEngine, painter: Account
) -> None:
    post = await api.post(painter, content=f"![gone](/media/posts/{'a' * 32}.webp)")

    assert post["content"].startswith("![gone]")
    assert await uses(engine) == set()


async def test_an_edit_moves_the_uses_and_stamps_the_picture_no_post_links_any_more(
    client: AsyncClient, api: Api, engine: AsyncEngine, painter: Account
) -> None:
    kept, dropped, added = await upload(client), await upload(client), await upload(client)
    post = await api.post(painter, content=f"![k](/media/{kept}) ![d](/media/{dropped})")

    edited = await client.patch(
        f"/api/posts/{post['id']}", json={"content": f"![k](/media/{kept}) ![a](/media/{added})"}
    )

    assert edited.status_code == 200
    assert await uses(engine) == {(post["id"], kept), (post["id"], added)}
    assert await unlinked_at(engine, dropped) is not None
    assert await unlinked_at(engine, kept) is None


async def test_an_edit_stamps_only_the_pictures_it_drops(
    client: AsyncClient, api: Api, engine: AsyncEngine, painter: Account
) -> None:
    """Not every picture no post links: another's grace would start again."""
    never_linked, dropped = await upload(client), await upload(client)
    post = await api.post(painter, content=f"![d](/media/{dropped})")

    await client.patch(f"/api/posts/{post['id']}", json={"content": "No picture."})

    assert await unlinked_at(engine, dropped) is not None
    assert await unlinked_at(engine, never_linked) is None


async def test_a_picture_another_post_still_links_is_not_stamped_when_one_drops_it(
    client: AsyncClient, api: Api, engine: AsyncEngine, painter: Account
) -> None:
    key = await upload(client)
    first = await api.post(painter, content=f"![x](/media/{key})")
    second = await api.post(painter, content=f"![x again](/media/{key})")

    await client.patch(f"/api/posts/{first['id']}", json={"content": "No picture."})

    assert await uses(engine) == {(second["id"], key)}
    assert await unlinked_at(engine, key) is None


async def test_two_edits_from_the_same_text_that_both_link_a_picture_record_one_use(
    client: AsyncClient, api: Api, engine: AsyncEngine, painter: Account
) -> None:
    """Each read the post before the other saved it, so each adds the use: the second finds
    it recorded, and is saved all the same."""
    key = await upload(client)
    post = await api.post(painter, content="No picture yet.")
    sessions, linking = create_sessionmaker(engine), f"![x](/media/{key})"

    async with sessions() as first, sessions() as second:
        read = [await posts.get_post(edit, int(str(post["id"]))) for edit in (first, second)]
        for edit, unedited in zip((first, second), read, strict=True):
            await posts.update_post(edit, unedited, markdown=MARKDOWN, content=linking)
            await edit.commit()

    assert await uses(engine) == {(post["id"], key)}


async def test_deleting_a_post_stamps_someone_elses_picture_it_alone_linked(
    client: AsyncClient, api: Api, engine: AsyncEngine, painter: Account
) -> None:
    key = await upload(client)
    other = await api.sign_up("other")
    borrowing = await api.post(other, content=f"![borrowed](/media/{key})")

    deleted = await client.delete(f"/api/posts/{borrowing['id']}", headers=other.headers)

    assert deleted.status_code == 204
    assert await uses(engine) == set()
    assert await unlinked_at(engine, key) is not None


async def test_a_conduit_article_keeps_its_uses_as_its_body_changes(
    client: AsyncClient, engine: AsyncEngine, painter: Account
) -> None:
    first, second = await upload(client), await upload(client)
    token = {"Authorization": client.headers["Authorization"].replace("Bearer", "Token")}
    article = {"title": "T", "description": "D", "body": f"![1](/media/{first})"}
    created = await client.post("/conduit/api/articles", json={"article": article}, headers=token)
    slug = created.json()["article"]["slug"]
    post_id = int(slug.rsplit("-", 1)[1])

    await client.put(
        f"/conduit/api/articles/{slug}",
        json={"article": {"body": f"![2](/media/{second})"}},
        headers=token,
    )

    assert await uses(engine) == {(post_id, second)}
