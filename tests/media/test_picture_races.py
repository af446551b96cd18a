"""A picture for posts linked by one post while another post that linked it is deleted, or
while the sweep deletes it, by two transactions at once: the picture stays with the post
that links it, or it goes and the link records no use; neither request fails. PostgreSQL
only: SQLite runs one writer at a time, so its transactions never interleave."""

import asyncio
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from inkwell.db import create_sessionmaker, utcnow
from inkwell.media import service as media
from inkwell.media.pending import PendingMedia
from inkwell.media.uses import link_pictures
from inkwell.posts.models import Post
from inkwell.transactions import settled_hooks
from tests.conftest import Account, Api, StartedApp
from tests.media.test_post_pictures import picture_records, stored_key, upload_for_a_post
from tests.pictures import image_file, stored_files

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

# Long enough for the other transaction to reach the lock it waits on.
REACHED = 0.5


async def uses(engine: AsyncEngine) -> set[tuple[int, str]]:
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT post_id, key FROM post_picture_uses"))
        return {(post_id, key) for post_id, key in rows}


async def waiting(work: Awaitable[None]) -> asyncio.Task[None]:
    """`work` started, and found waiting for the other transaction's lock."""
    task = asyncio.ensure_future(work)
    await asyncio.sleep(REACHED)
    assert not task.done(), "it should wait for the other transaction"
    return task


@pytest.fixture
async def picture(client: AsyncClient, painter: Account) -> str:
    return stored_key(await upload_for_a_post(client, image_file()))


async def delete_post(session: AsyncSession, started_app: StartedApp, post_id: object) -> None:
    changes = PendingMedia(started_app.state["storage"], started_app.state["sessionmaker"])
    post = await session.get(Post, post_id)
    assert post is not None
    await media.delete_post(session, changes, post, by_admin=False)


@pytest.fixture
async def pair(api: Api, painter: Account, picture: str) -> tuple[dict[str, Any], int]:
    """The last post that links the picture, and the id of one about to link it."""
    deleted = await api.post(painter, content=f"![going](/media/{picture})")
    linking = await api.post(painter, content="A post without pictures, yet.")
    return deleted, int(str(linking["id"]))


async def test_a_picture_linked_while_its_last_post_is_deleted_stays_with_the_new_link(
    *,
    engine: AsyncEngine,
    started_app: StartedApp,
    pair: tuple[dict[str, Any], int],
    picture: str,
    media_dir: Path,
) -> None:
    deleted, linking = pair
    sessions = create_sessionmaker(engine)

    async def delete() -> None:
        async with settled_hooks(session := sessions()), session.begin():
            await delete_post(session, started_app, deleted["id"])

    async with sessions() as link:
        await link_pictures(link, linking, "", f"![kept](/media/{picture})")
        deletion = await waiting(delete())
        await link.commit()
    await deletion

    assert await uses(engine) == {(linking, picture)}
    assert await picture_records(engine) == {picture}
    assert stored_files(media_dir) == {picture}


async def test_a_picture_linked_while_its_last_post_is_being_deleted_goes_without_a_use(
    *,
    engine: AsyncEngine,
    started_app: StartedApp,
    pair: tuple[dict[str, Any], int],
    picture: str,
    media_dir: Path,
) -> None:
    deleted, linking = pair
    sessions = create_sessionmaker(engine)

    async def link() -> None:
        async with sessions.begin() as session:
            await link_pictures(session, linking, "", f"![late](/media/{picture})")

    async with settled_hooks(session := sessions()), session.begin():
        await delete_post(session, started_app, deleted["id"])
        linked = await waiting(link())
    await linked

    assert await uses(engine) == set()
    assert await picture_records(engine) == set()
    assert stored_files(media_dir) == set()


async def test_two_posts_link_one_picture_at_once_without_waiting_for_each_other(
    *, api: Api, engine: AsyncEngine, painter: Account, picture: str
) -> None:
    """A link holds the picture as its use's foreign key does (FOR KEY SHARE): it waits for
    a deletion, and for nothing else."""
    first, second = [await api.post(painter, content="Soon a picture.") for _ in range(2)]
    sessions = create_sessionmaker(engine)

    async with sessions() as linking:
        await link_pictures(linking, int(str(first["id"])), "", f"![one](/media/{picture})")
        async with sessions.begin() as also:
            linked = link_pictures(also, int(str(second["id"])), "", f"![two](/media/{picture})")
            await asyncio.wait_for(linked, timeout=10 * REACHED)
        await linking.commit()

    assert await uses(engine) == {(first["id"], picture), (second["id"], picture)}


async def test_a_picture_linked_while_an_edit_drops_it_from_another_post_does_not_wait_for_it(
    *, engine: AsyncEngine, pair: tuple[dict[str, Any], int], picture: str
) -> None:
    """The edit stamps the picture unlinked: an update that leaves its key alone, which the
    foreign key's lock lets be."""
    dropping, linking = pair
    sessions = create_sessionmaker(engine)

    async with sessions() as edit:
        await link_pictures(edit, int(str(dropping["id"])), str(dropping["content"]), "None now.")
        async with sessions.begin() as link:
            linked = link_pictures(link, linking, "", f"![kept](/media/{picture})")
            await asyncio.wait_for(linked, timeout=10 * REACHED)
        await edit.commit()

    assert await uses(engine) == {(linking, picture)}


async def test_a_picture_linked_while_the_sweep_runs_is_not_swept(
    *, api: Api, engine: AsyncEngine, painter: Account, picture: str, media_dir: Path
) -> None:
    linking = await api.post(painter, content="An old picture, found again.")
    sessions = create_sessionmaker(engine)

    async def sweep() -> None:
        async with sessions.begin() as session:
            await media.sweep_post_pictures(session, unused_before=utcnow(), batch_size=10)

    async with sessions() as link:
        await link_pictures(link, int(str(linking["id"])), "", f"![again](/media/{picture})")
        await asyncio.wait_for(sweep(), timeout=10 * REACHED)  # passes it by, without waiting
        await link.commit()

    assert await uses(engine) == {(linking["id"], picture)}
    assert await picture_records(engine) == {picture}
