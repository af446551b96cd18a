"""`inkwell posts render`: every post's and comment's stored HTML rendered again with today's
renderer and settings, written only where it changes, nothing else of a row touched. Run on
both databases."""

import asyncio
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner, Result

from inkwell import cli
from inkwell.comments.models import Comment
from inkwell.config import Settings
from inkwell.db import create_sessionmaker
from inkwell.posts import stored_html
from inkwell.posts.markdown import MarkdownRenderer, Rendered
from inkwell.posts.models import Post
from tests.conftest import Account, Api
from tests.factories import Factory

runner = CliRunner()
PICTURE = "/media/post_pictures/" + "ab" * 16 + ".webp"
ELSEWHERE = "https://pictures.example.org"


@pytest.fixture(autouse=True)
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MEDIA_DIR", str(settings.media_dir))


async def render(**environment: str) -> Result:
    result = await asyncio.to_thread(
        runner.invoke, cli.app, ["posts", "render"], env=environment or None
    )
    assert result.exit_code == 0, result.output
    return result


async def stored(engine: AsyncEngine, post_id: object) -> dict[str, Any]:
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                select(Post.content_html, Post.excerpt, Post.word_count, Post.updated_at).where(
                    Post.id == post_id
                )
            )
        ).one()
    return row._asdict()


async def spoil(engine: AsyncEngine, post_id: object) -> None:
    """What an older renderer might have left."""
    async with engine.begin() as connection:
        await connection.execute(
            update(Post)
            .where(Post.id == post_id)
            .values(
                content_html="<p>old</p>", excerpt="old", word_count=1, updated_at=Post.updated_at
            )
        )


async def test_a_posts_stale_html_excerpt_and_length_become_what_a_save_makes(
    api: Api, engine: AsyncEngine, author: Account
) -> None:
    post = await api.post(author, content="# Heading\n\nSome **bold** words and `code`.")
    saved = await stored(engine, post["id"])
    await spoil(engine, post["id"])

    result = await render()

    assert await stored(engine, post["id"]) == saved
    assert "Rendered 1 posts again (1 changed) and 0 comments (0 changed)." in result.output


async def test_rows_whose_html_would_not_change_are_not_written(
    api: Api, engine: AsyncEngine, author: Account
) -> None:
    first = await api.post(author, content="Unchanged.")
    second = await api.post(author, content="Spoilt.")
    await spoil(engine, second["id"])

    result = await render()

    assert "Rendered 2 posts again (1 changed)" in result.output
    assert (await stored(engine, first["id"]))["content_html"] == "<p>Unchanged.</p>\n"


async def test_a_posts_last_edit_keeps_its_date(
    api: Api, engine: AsyncEngine, author: Account
) -> None:
    post = await api.post(author, content="Dated.")
    before = await stored(engine, post["id"])
    await spoil(engine, post["id"])

    await render()

    assert (await stored(engine, post["id"]))["updated_at"] == before["updated_at"]


async def test_a_picture_by_the_sites_new_address_shows_as_a_picture(
    api: Api, engine: AsyncEngine, author: Account
) -> None:
    """Saved while the site had another address, the picture was someone else's: a link."""
    post = await api.post(author, content=f"![a view]({ELSEWHERE}{PICTURE})")
    assert "<img" not in (await stored(engine, post["id"]))["content_html"]

    await render(PUBLIC_BASE_URL=ELSEWHERE)

    html = (await stored(engine, post["id"]))["content_html"]
    assert f'<img src="{ELSEWHERE}{PICTURE}" alt="a view"' in html


async def test_a_comments_stale_html_is_rendered_again(
    api: Api, client: AsyncClient, engine: AsyncEngine, author: Account, reader: Account
) -> None:
    post = await api.post(author)
    response = await client.post(
        f"/api/posts/{post['id']}/comments", json={"body": "*Nice*"}, headers=reader.headers
    )
    assert response.status_code == 201, response.text
    async with engine.begin() as connection:
        await connection.execute(
            update(Comment).values(body_html="<p>old</p>", updated_at=Comment.updated_at)
        )

    result = await render()

    assert "and 1 comments (1 changed)." in result.output
    async with engine.connect() as connection:
        html = await connection.scalar(select(Comment.body_html))
    assert html == "<p><em>Nice</em></p>\n"


async def test_the_site_shows_the_html_rendered_again(
    api: Api, client: AsyncClient, engine: AsyncEngine, author: Account
) -> None:
    post = await api.post(author, content="Fresh words.")
    await spoil(engine, post["id"])
    assert (await client.get(f"/api/posts/{post['id']}")).json()["content_html"] == "<p>old</p>"

    await render()

    answer = (await client.get(f"/api/posts/{post['id']}")).json()
    assert answer["content_html"] == "<p>Fresh words.</p>\n"


class EditedWhileRendering(MarkdownRenderer):
    """A writer saves the post between its batch's read and its write."""

    def __init__(self, engine: AsyncEngine, post_id: object) -> None:
        super().__init__()
        self._engine, self._post_id = engine, post_id

    async def render_in_thread(self, source: str) -> Rendered:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(Post)
                .where(Post.id == self._post_id)
                .values(content="Edited.", content_html="<p>Edited.</p>", excerpt="Edited.")
            )
        return await super().render_in_thread(source)


async def test_a_post_saved_while_its_batch_renders_keeps_what_its_save_made_uncounted(
    api: Api, engine: AsyncEngine, author: Account
) -> None:
    post = await api.post(author, content="Before.")
    await spoil(engine, post["id"])

    async with create_sessionmaker(engine).begin() as session:
        batch = await stored_html.render_batch(
            session,
            stored_html.POSTS,
            EditedWhileRendering(engine, post["id"]),
            after=0,
            batch_size=10,
        )

    assert batch == stored_html.RenderedBatch(last_id=int(str(post["id"])), read=1, changed=0)
    assert (await stored(engine, post["id"]))["content_html"] == "<p>Edited.</p>"


async def test_batches_go_on_from_the_last_id_until_none_is_left(
    api: Api, engine: AsyncEngine, author: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "RENDER_BATCH_SIZE", 2)
    posts = [await api.post(author, content=f"Post number {n}.") for n in range(5)]
    for post in posts:
        await spoil(engine, post["id"])

    result = await render()

    assert "Rendered 5 posts again (5 changed)" in result.output
    for n, post in enumerate(posts):
        assert (await stored(engine, post["id"]))["content_html"] == f"<p>Post number {n}.</p>\n"


async def test_a_batch_reads_its_size_in_id_order_whatever_order_they_are_stored_in(
    api: Api, engine: AsyncEngine, author: Account, factory: Factory
) -> None:
    """Renumbered so, PostgreSQL keeps the ids 10, 30, 20 in that order (each update writes
    its row anew at the table's end), and reads them so once it knows the table is small,
    as it would a large one of which most rows are asked for."""
    posts = [await api.post(author) for _ in range(3)]
    for post, new_id in zip(posts, (10, 30, 20), strict=True):
        await factory.renumber(post, new_id)
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            await connection.execute(text("ANALYZE posts"))

    async with create_sessionmaker(engine).begin() as session:
        batch = await stored_html.render_batch(
            session, stored_html.POSTS, MarkdownRenderer(), after=0, batch_size=2
        )

    assert batch == stored_html.RenderedBatch(last_id=20, read=2, changed=0)


async def test_a_batch_starts_after_the_id_it_is_given(
    api: Api, engine: AsyncEngine, author: Account
) -> None:
    first, second = [await api.post(author) for _ in range(2)]

    async with create_sessionmaker(engine).begin() as session:
        batch = await stored_html.render_batch(
            session,
            stored_html.POSTS,
            MarkdownRenderer(),
            after=int(str(first["id"])),
            batch_size=5,
        )

    assert batch == stored_html.RenderedBatch(last_id=int(str(second["id"])), read=1, changed=0)


async def test_a_batch_writes_and_counts_its_own_rows_alone(
    api: Api, engine: AsyncEngine, author: Account
) -> None:
    """A later post with the same Markdown, as stale, is the next batch's to write."""
    first, second = [await api.post(author, content="The same words.") for _ in range(2)]
    for post in (first, second):
        await spoil(engine, post["id"])

    async with create_sessionmaker(engine).begin() as session:
        batch = await stored_html.render_batch(
            session, stored_html.POSTS, MarkdownRenderer(), after=0, batch_size=1
        )

    assert batch == stored_html.RenderedBatch(last_id=int(str(first["id"])), read=1, changed=1)
    assert (await stored(engine, second["id"]))["content_html"] == "<p>old</p>"
