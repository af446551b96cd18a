"""`inkwell media sweep`: the pictures uploaded for posts that no post links (never used, or
dropped by an edit) go once the grace period has passed since their upload or since the last
post stopped linking them; everything still linked, and anything in its grace, stays. On
SQLite and PostgreSQL."""

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import ScalarResult, Select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Executable
from typer.testing import CliRunner, Result

from inkwell import cli
from inkwell.config import Settings
from inkwell.db import create_sessionmaker, utcnow
from inkwell.media import service as media
from inkwell.media.models import PostPicture
from inkwell.media.uses import link_pictures
from tests.conftest import Account, Api
from tests.media.test_picture_uses import uses
from tests.media.test_post_pictures import picture_records, stored_key, upload_for_a_post
from tests.pictures import image_file, stored_files

runner = CliRunner()


@pytest.fixture(autouse=True)
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MEDIA_DIR", str(settings.media_dir))


async def sweep(*arguments: str) -> Result:
    return await asyncio.to_thread(runner.invoke, cli.app, ["media", "sweep", *arguments])


async def uploaded(client: AsyncClient, engine: AsyncEngine, days_ago: int = 8) -> str:
    """A picture for a post, uploaded `days_ago` days ago; answers its key."""
    key = stored_key(await upload_for_a_post(client, image_file()))
    await backdate(engine, key, created_at=utcnow() - timedelta(days=days_ago))
    return key


async def backdate(engine: AsyncEngine, key: str, **when: datetime) -> None:
    async with engine.begin() as connection:
        await connection.execute(update(PostPicture).where(PostPicture.key == key).values(**when))


async def test_an_old_picture_no_post_links_is_deleted(
    client: AsyncClient, engine: AsyncEngine, painter: Account, media_dir: Path
) -> None:
    key = await uploaded(client, engine)

    result = await sweep()

    assert result.exit_code == 0, result.output
    assert "Deleted 1 pictures for posts that no post links." in result.output
    assert stored_files(media_dir) == set()
    assert await picture_records(engine) == set()
    assert (await client.get(f"/media/{key}")).status_code == 404


@pytest.mark.parametrize("status", ["published", "draft"])
async def test_an_old_picture_a_post_of_its_uploader_links_stays(
    client: AsyncClient, api: Api, engine: AsyncEngine, painter: Account, status: str
) -> None:
    key = await uploaded(client, engine)
    await api.post(painter, content=f"![kept](/media/{key})", status=status)

    result = await sweep()

    assert "Deleted 0 pictures" in result.output
    assert await picture_records(engine) == {key}


async def test_a_picture_younger_than_the_grace_period_stays(
    client: AsyncClient, engine: AsyncEngine, painter: Account, media_dir: Path
) -> None:
    young = await uploaded(client, engine, days_ago=2)
    old = await uploaded(client, engine, days_ago=4)

    result = await sweep("--older-than", "3")

    assert result.exit_code == 0, result.output
    assert stored_files(media_dir) == {young}
    assert old not in await picture_records(engine)


async def test_an_old_picture_only_someone_elses_post_links_stays(
    client: AsyncClient, api: Api, engine: AsyncEngine, painter: Account, media_dir: Path
) -> None:
    key = await uploaded(client, engine)
    other = await api.sign_up("other")
    await api.post(other, content=f"![borrowed](/media/{key})")

    await sweep()

    assert stored_files(media_dir) == {key}


async def test_an_old_picture_an_edit_just_dropped_stays_for_the_grace_period(
    client: AsyncClient, api: Api, engine: AsyncEngine, painter: Account, media_dir: Path
) -> None:
    key = await uploaded(client, engine, days_ago=30)
    post = await api.post(painter, content=f"![soon cut](/media/{key})")
    await client.patch(f"/api/posts/{post['id']}", json={"content": "Cut, to paste elsewhere."})

    result = await sweep()

    assert "Deleted 0 pictures" in result.output
    assert stored_files(media_dir) == {key}


async def test_a_picture_dropped_by_an_edit_goes_once_the_grace_period_is_over(
    client: AsyncClient, api: Api, engine: AsyncEngine, painter: Account, media_dir: Path
) -> None:
    key = await uploaded(client, engine, days_ago=30)
    post = await api.post(painter, content=f"![cut](/media/{key})")
    await client.patch(f"/api/posts/{post['id']}", json={"content": "Cut for good."})
    await backdate(engine, key, unlinked_at=utcnow() - timedelta(days=8))

    result = await sweep()

    assert "Deleted 1 pictures" in result.output
    assert stored_files(media_dir) == set()


async def test_the_sweep_goes_through_every_batch(
    *,
    client: AsyncClient,
    api: Api,
    engine: AsyncEngine,
    painter: Account,
    media_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cli, "SWEEP_BATCH_SIZE", 2)
    keys = [await uploaded(client, engine) for _ in range(5)]
    kept = keys[2]
    await api.post(painter, content=f"![kept](/media/{kept})")

    result = await sweep()

    assert "Deleted 4 pictures" in result.output
    assert stored_files(media_dir) == {kept}


async def sweep_once(
    engine: AsyncEngine, unused_before: datetime, batch_size: int = 10
) -> int | None:
    """One of the sweep's transactions, as the command runs it."""
    async with create_sessionmaker(engine).begin() as session:
        return await media.sweep_post_pictures(
            session, unused_before=unused_before, batch_size=batch_size
        )


async def test_one_transaction_deletes_at_most_its_batch(
    client: AsyncClient, engine: AsyncEngine, painter: Account
) -> None:
    for _ in range(3):
        await uploaded(client, engine)

    swept = await sweep_once(engine, utcnow(), batch_size=2)

    assert swept == 2
    assert len(await picture_records(engine)) == 1


async def test_a_picture_unused_since_the_very_cutoff_is_still_in_its_grace(
    client: AsyncClient, engine: AsyncEngine, painter: Account
) -> None:
    cutoff = utcnow() - timedelta(days=7)
    key = await uploaded(client, engine)
    await backdate(engine, key, created_at=cutoff)

    assert await sweep_once(engine, cutoff) is None
    assert await sweep_once(engine, cutoff + timedelta(microseconds=1)) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_picture_linked_after_the_sweep_chose_it_is_not_swept(
    *,
    client: AsyncClient,
    api: Api,
    engine: AsyncEngine,
    painter: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On SQLite choosing the batch holds no lock (the transaction begins with its first
    write), so a post may link a chosen picture before the deletion, which asks again.
    PostgreSQL holds the batch's rows (test_picture_races)."""
    key = await uploaded(client, engine)
    post_id = int(str((await api.post(painter, content="An old picture, found again."))["id"]))
    sessions = create_sessionmaker(engine)

    async with sessions.begin() as session:
        scalars = session.scalars

        async def chosen_then_linked(statement: Executable, **options: Any) -> ScalarResult[Any]:
            chosen = await scalars(statement, **options)
            if isinstance(statement, Select):
                async with sessions.begin() as link:
                    await link_pictures(link, post_id, "", f"![again](/media/{key})")
            return chosen

        monkeypatch.setattr(session, "scalars", chosen_then_linked)
        swept = await media.sweep_post_pictures(session, unused_before=utcnow(), batch_size=10)

    assert swept == 0
    assert await uses(engine) == {(post_id, key)}
    assert await picture_records(engine) == {key}


def test_a_grace_period_under_a_day_is_refused() -> None:
    result = runner.invoke(cli.app, ["media", "sweep", "--older-than", "0"])

    assert result.exit_code == 2
