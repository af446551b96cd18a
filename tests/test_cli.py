import asyncio
import os

import pytest
import uvicorn
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner
from uvicorn.importer import import_from_string

from inkwell.cli import app, served_app
from inkwell.comments.models import Comment
from inkwell.config import Settings
from inkwell.likes.models import Like
from inkwell.posts.models import Post, PostTag, Tag
from inkwell.seed import DEMO_PASSWORD, LIKES_PER_USER
from inkwell.users.models import User
from tests.factories import Factory

runner = CliRunner()


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ARGON2_MEMORY_COST_KIB", "64")
    monkeypatch.setenv("ARGON2_TIME_COST", "1")


@pytest.mark.usefixtures("cli_env")
async def test_seed_adds_the_users_and_posts_asked_for(session: AsyncSession) -> None:
    result = await asyncio.to_thread(
        runner.invoke, app, ["seed", "--users", "7", "--posts", "2500", "--comments", "12"]
    )
    assert result.exit_code == 0, result.output
    assert "Added 7 users, 2500 posts and 12 comments" in result.output
    assert f"Every seeded user's password is {DEMO_PASSWORD}" in result.output
    assert await session.scalar(select(func.count()).select_from(User)) == 7
    assert await session.scalar(select(func.count()).select_from(Post)) == 2500
    authors = await session.scalar(select(func.count(func.distinct(Post.user_id))))
    assert authors == 7
    first = await session.scalar(select(func.min(Post.id)))
    commented = select(Post.id, Post.comment_count).where(Post.comment_count > 0)
    assert (await session.execute(commented)).all() == [(first, 12)]
    assert await session.scalar(select(func.count()).select_from(Comment)) == 12


@pytest.mark.usefixtures("cli_env")
async def test_seed_tags_the_posts_and_likes_them_with_exact_counts(
    session: AsyncSession,
) -> None:
    result = await asyncio.to_thread(runner.invoke, app, ["seed", "--users", "3", "--posts", "50"])

    assert result.exit_code == 0, result.output
    assert await session.scalar(select(func.count()).select_from(Like)) == 3 * LIKES_PER_USER
    assert await session.scalar(select(func.sum(Post.like_count))) == 3 * LIKES_PER_USER
    tagged = await session.scalar(select(func.count()).select_from(PostTag))
    assert tagged == await session.scalar(select(func.sum(Tag.post_count)))
    assert tagged


@pytest.mark.usefixtures("cli_env")
async def test_db_upgrade_on_an_up_to_date_database_changes_nothing() -> None:
    result = await asyncio.to_thread(runner.invoke, app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "Database upgraded to head" in result.output


def test_seed_refuses_a_nonsensical_count() -> None:
    result = runner.invoke(app, ["seed", "--users", "0"])
    assert result.exit_code == 2


def test_serve_hands_each_worker_the_app_with_the_process_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Workers import the app themselves; the factory they are given tunes the collector."""
    served: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **_: served.append(target))
    monkeypatch.setenv("ANONYMOUS_CACHE_BYTES", "1000")  # restored after the test
    result = runner.invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert [import_from_string(factory) for factory in served] == [served_app]


@pytest.mark.parametrize(
    ("redis_url", "kept_bytes"), [(None, "0"), ("redis://127.0.0.1/0", "1000")]
)
def test_serve_with_workers_keeps_the_anonymous_cache_only_with_redis(
    monkeypatch: pytest.MonkeyPatch, redis_url: str | None, kept_bytes: str
) -> None:
    """Without Redis each worker would keep its own cache and miss the others' writes."""
    monkeypatch.setattr(uvicorn, "run", lambda *_, **__: None)
    monkeypatch.setenv("ANONYMOUS_CACHE_BYTES", "1000")
    if redis_url is None:
        monkeypatch.delenv("REDIS_URL", raising=False)
    else:
        monkeypatch.setenv("REDIS_URL", redis_url)

    result = runner.invoke(app, ["serve", "--workers", "2"])

    assert result.exit_code == 0, result.output
    assert os.environ["ANONYMOUS_CACHE_BYTES"] == kept_bytes


@pytest.mark.usefixtures("cli_env")
async def test_users_promote_and_demote_change_the_role(
    session: AsyncSession, factory: Factory
) -> None:
    user = await factory.user("Alice")
    promoted = await asyncio.to_thread(runner.invoke, app, ["users", "promote", "alice"])
    assert promoted.exit_code == 0, promoted.output
    assert "alice is now an admin" in promoted.output
    assert await session.scalar(select(User.role).where(User.id == user.id)) == "admin"
    demoted = await asyncio.to_thread(runner.invoke, app, ["users", "demote", "Alice"])
    assert demoted.exit_code == 0, demoted.output
    session.expire_all()
    assert await session.scalar(select(User.role).where(User.id == user.id)) == "user"


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize("command", ["promote", "demote"])
async def test_users_promote_or_demote_of_an_unknown_name_fails_clearly(command: str) -> None:
    result = await asyncio.to_thread(runner.invoke, app, ["users", command, "nobody"])
    assert result.exit_code == 1
    assert "No user is named 'nobody'" in result.output
