"""The sitemap (an index of files of at most 50,000 addresses: the home page, published posts
at their canonical address, authors who have published) and robots.txt pointing to it; files
streamed a batch at a time, so 100,000 posts never sit in memory. Run on both databases."""

import tracemalloc
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time

import pytest
from httpx import AsyncClient
from sqlalchemy import Insert, String, bindparam, cast, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from inkwell.posts.models import Post
from inkwell.syndication import service
from inkwell.syndication.sitemaps import Address, sitemap_index, url_set
from tests.conftest import RENDERED, Account, Api, StartedApp
from tests.factories import Factory

BASE = "http://127.0.0.1:8000"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def qualified(name: str) -> str:
    """An element's name in the sitemap namespace, as ElementTree spells it."""
    return f"{{{NS['s']}}}{name}"


async def locations(client: AsyncClient, path: str) -> list[str]:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    return [loc.text or "" for loc in ET.fromstring(response.content).iterfind(".//s:loc", NS)]


SITE_FILE = f"{BASE}/sitemaps/site.xml"


async def test_the_index_lists_the_sites_file_then_one_of_posts_and_one_of_authors(
    api: Api, client: AsyncClient, author: Account
) -> None:
    await api.post(author)

    assert await locations(client, "/sitemap.xml") == [
        SITE_FILE,
        f"{BASE}/sitemaps/posts-1.xml",
        f"{BASE}/sitemaps/authors-1.xml",
    ]


async def test_the_index_is_a_sitemapindex_of_sitemap_entries_with_no_dates(
    api: Api, client: AsyncClient, author: Account
) -> None:
    await api.post(author)

    index = ET.fromstring((await client.get("/sitemap.xml")).content)

    assert index.tag == qualified("sitemapindex")
    assert [entry.tag for entry in index] == [qualified("sitemap")] * 3
    assert [[part.tag for part in entry] for entry in index] == [[qualified("loc")]] * 3


@pytest.mark.parametrize("path", ["/sitemap.xml", "/sitemaps/posts-1.xml"])
async def test_a_sitemap_declares_the_encoding_it_is_written_in(
    api: Api, client: AsyncClient, author: Account, path: str
) -> None:
    await api.post(author)

    body = (await client.get(path)).content

    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n')


async def test_an_empty_site_lists_its_home_page(client: AsyncClient) -> None:
    """Neither the index nor a file may be empty (sitemaps.org's schema)."""
    assert await locations(client, "/sitemap.xml") == [SITE_FILE]
    assert await locations(client, "/sitemaps/site.xml") == [f"{BASE}/"]


async def test_a_location_is_escaped_and_a_date_written_to_the_second() -> None:
    location = "https://example.org/a?b=1&c=<2>"
    modified = datetime(2026, 12, 5, 1, 2, 3, 456789, tzinfo=UTC)

    async def one_batch() -> AsyncIterator[list[Address]]:
        yield [(location, modified)]

    written = b"".join([chunk async for chunk in url_set(one_batch())])

    assert b"<loc>https://example.org/a?b=1&amp;c=&lt;2&gt;</loc>" in written
    url = ET.fromstring(written).find("s:url", NS)
    assert url is not None
    assert [part.text for part in url] == [location, "2026-12-05T01:02:03+00:00"]


async def test_a_file_is_its_addresses_and_nothing_between_them() -> None:
    async def one_batch() -> AsyncIterator[list[Address]]:
        yield [("https://a.example/1", None), ("https://a.example/2", None)]

    written = b"".join([chunk async for chunk in url_set(one_batch())])

    assert written == (
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://a.example/1</loc></url><url><loc>https://a.example/2</loc></url>"
        b"</urlset>"
    )


def test_the_index_is_its_files_and_nothing_between_them() -> None:
    written = sitemap_index(["https://a.example/1.xml", "https://a.example/2.xml"])

    assert written == (
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://a.example/1.xml</loc></sitemap>"
        b"<sitemap><loc>https://a.example/2.xml</loc></sitemap>"
        b"</sitemapindex>"
    )


async def test_the_home_page_comes_without_a_date(client: AsyncClient) -> None:
    urls = ET.fromstring((await client.get("/sitemaps/site.xml")).content).findall("s:url", NS)

    assert [[part.tag for part in url] for url in urls] == [[qualified("loc")]]


async def test_the_posts_file_lists_published_posts_at_their_canonical_address(
    api: Api, client: AsyncClient, author: Account
) -> None:
    first = await api.post(author, title="First words")
    second = await api.post(author, title="Second words")
    await api.post(author, title="Unfinished", status="draft")

    response = await client.get("/sitemaps/posts-1.xml")

    urls = ET.fromstring(response.content).findall("s:url", NS)
    assert [url.findtext("s:loc", namespaces=NS) for url in urls] == [
        f"{BASE}{first['url']}",
        f"{BASE}{second['url']}",
    ]
    modified = datetime.fromisoformat(urls[0].findtext("s:lastmod", namespaces=NS) or "")
    assert modified == datetime.fromisoformat(str(first["updated_at"])).replace(microsecond=0)


async def test_the_authors_file_lists_those_who_have_published(
    api: Api, client: AsyncClient, author: Account
) -> None:
    await api.post(author)
    drafter = await api.sign_up("drafter")
    await api.post(drafter, status="draft")
    await api.sign_up("reader")

    assert await locations(client, "/sitemaps/authors-1.xml") == [f"{BASE}/@author"]


async def test_an_authors_date_is_their_latest_publication(
    api: Api, client: AsyncClient, author: Account, engine: AsyncEngine
) -> None:
    """Days apart, so that no other post's date could pass for it within the same second."""
    later = await api.sign_up("later")
    published = {
        date(2026, 1, 1): await api.post(author),
        date(2026, 2, 1): await api.post(author),
        date(2026, 3, 1): await api.post(later),
    }
    await api.post(author, status="draft")
    async with engine.begin() as connection:
        for day, post in published.items():
            moment = datetime.combine(day, time(12), UTC)
            await connection.execute(
                update(Post).where(Post.id == post["id"]).values(published_at=moment)
            )

    response = await client.get("/sitemaps/authors-1.xml")

    dates = {
        url.findtext("s:loc", namespaces=NS): url.findtext("s:lastmod", namespaces=NS) or ""
        for url in ET.fromstring(response.content).findall("s:url", NS)
    }
    assert {address: datetime.fromisoformat(day).date() for address, day in dates.items()} == {
        f"{BASE}/@author": date(2026, 2, 1),
        f"{BASE}/@later": date(2026, 3, 1),
    }


async def test_a_suspended_authors_posts_and_page_leave_the_sitemap(
    api: Api, client: AsyncClient, factory: Factory, author: Account
) -> None:
    kept = await api.post(author)
    writer = await api.sign_up("writer")
    await api.post(writer)
    admin = await factory.account("admin", role="admin")

    suspended = await client.post(f"/api/users/{writer.id}/suspend", headers=admin.headers)

    assert suspended.status_code == 200, suspended.text
    assert await locations(client, "/sitemaps/posts-1.xml") == [f"{BASE}{kept['url']}"]
    assert await locations(client, "/sitemaps/authors-1.xml") == [f"{BASE}/@author"]


async def test_files_split_by_ranges_of_ids(
    api: Api, client: AsyncClient, author: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "URLS_PER_FILE", 2)
    posts = [await api.post(author) for _ in range(5)]

    index = await locations(client, "/sitemap.xml")
    files = [await locations(client, f"/sitemaps/posts-{n}.xml") for n in (1, 2, 3)]

    assert index[1:4] == [f"{BASE}/sitemaps/posts-{n}.xml" for n in (1, 2, 3)]
    assert files == [
        [f"{BASE}{post['url']}" for post in posts[0:2]],
        [f"{BASE}{post['url']}" for post in posts[2:4]],
        [f"{BASE}{posts[4]['url']}"],
    ]


async def test_the_index_counts_authors_files_by_those_who_have_published(
    api: Api, client: AsyncClient, author: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "URLS_PER_FILE", 2)
    await api.post(author)
    for name in ("reader", "lurker"):
        await api.sign_up(name)

    assert await locations(client, "/sitemap.xml") == [
        SITE_FILE,
        f"{BASE}/sitemaps/posts-1.xml",
        f"{BASE}/sitemaps/authors-1.xml",
    ]


async def test_the_index_lists_no_file_that_only_a_suspended_author_would_fill(
    api: Api,
    client: AsyncClient,
    factory: Factory,
    author: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A sitemap file lists at least one address (sitemaps.org's schema): the newest posts
    and the latest author, suspended, must not leave an empty one in the index."""
    monkeypatch.setattr(service, "URLS_PER_FILE", 1)
    await api.post(author)
    writer = await api.sign_up("writer")
    await api.post(writer)
    admin = await factory.account("admin", role="admin")
    await client.post(f"/api/users/{writer.id}/suspend", headers=admin.headers)

    assert await locations(client, "/sitemap.xml") == [
        SITE_FILE,
        f"{BASE}/sitemaps/posts-1.xml",
        f"{BASE}/sitemaps/authors-1.xml",
    ]


async def test_the_index_skips_files_whose_posts_are_all_deleted_or_unpublished(
    api: Api, client: AsyncClient, author: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Posts 1-2 deleted, 3-4 a draft and a deleted post, 5 published: only the third file
    holds an address, and the files before it answer 404 like any the index does not list."""
    monkeypatch.setattr(service, "URLS_PER_FILE", 2)
    posts = [await api.post(author) for _ in range(2)]
    posts.append(await api.post(author, status="draft"))
    posts += [await api.post(author) for _ in range(2)]
    for post in (posts[0], posts[1], posts[3]):
        deleted = await client.delete(f"/api/posts/{post['id']}", headers=author.headers)
        assert deleted.status_code == 204, deleted.text

    index = await locations(client, "/sitemap.xml")
    skipped = [(await client.get(f"/sitemaps/posts-{n}.xml")).status_code for n in (1, 2)]

    assert index == [SITE_FILE, f"{BASE}/sitemaps/posts-3.xml", f"{BASE}/sitemaps/authors-1.xml"]
    assert await locations(client, "/sitemaps/posts-3.xml") == [f"{BASE}{posts[4]['url']}"]
    assert skipped == [404, 404]


async def test_authors_files_split_by_ranges_of_ids_read_a_batch_at_a_time(
    api: Api, client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "URLS_PER_FILE", 2)
    monkeypatch.setattr(service, "BATCH", 1)
    for name in ("ada", "bob", "cy"):
        await api.post(await api.sign_up(name))

    files = [await locations(client, f"/sitemaps/authors-{n}.xml") for n in (1, 2)]

    assert files == [[f"{BASE}/@ada", f"{BASE}/@bob"], [f"{BASE}/@cy"]]


async def test_a_file_lists_its_posts_once_each_in_id_order_whatever_order_they_are_stored_in(
    api: Api,
    client: AsyncClient,
    author: Account,
    factory: Factory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each update writes its row anew at the table's end: PostgreSQL then keeps the ids
    30, 20, 10 in that order, and a batch that did not ask for id order would read 30 first."""
    monkeypatch.setattr(service, "BATCH", 2)
    posts = [await api.post(author) for _ in range(3)]
    for post, new_id in zip(posts, (30, 20, 10), strict=True):
        await factory.renumber(post, new_id)

    listed = await locations(client, "/sitemaps/posts-1.xml")

    assert [address.split("/posts/")[1].split("-")[0] for address in listed] == ["10", "20", "30"]


@pytest.mark.parametrize(
    "path",
    [
        "/sitemaps/posts-0.xml",
        "/sitemaps/posts-2.xml",
        "/sitemaps/authors-2.xml",
        "/sitemaps/posts-x.xml",
    ],
)
async def test_a_file_the_index_does_not_list_is_a_404(
    api: Api, client: AsyncClient, author: Account, path: str
) -> None:
    await api.post(author)

    assert (await client.get(path)).status_code == 404


async def test_robots_keep_crawlers_off_private_pages_and_point_to_the_sitemap(
    client: AsyncClient,
) -> None:
    response = await client.get("/robots.txt")

    assert response.status_code == 200
    lines = response.text.splitlines()
    assert lines[0] == "User-agent: *"
    assert {"Disallow: /api/", "Disallow: /account", "Disallow: /drafts"} <= set(lines)
    assert lines[-1] == f"Sitemap: {BASE}/sitemap.xml"


@pytest.mark.parametrize("path", ["/sitemap.xml", "/robots.txt"])
async def test_a_crawler_that_has_this_version_gets_a_304(
    api: Api, client: AsyncClient, author: Account, path: str
) -> None:
    await api.post(author)
    first = await client.get(path)

    again = await client.get(path, headers={"If-None-Match": first.headers["etag"]})

    assert (again.status_code, again.content) == (304, b"")


async def test_a_crawler_gets_the_index_again_once_a_new_file_starts(
    api: Api, client: AsyncClient, author: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "URLS_PER_FILE", 1)
    await api.post(author)
    first = await client.get("/sitemap.xml")
    await api.post(author)

    again = await client.get("/sitemap.xml", headers={"If-None-Match": first.headers["etag"]})

    assert again.status_code == 200
    assert f"{BASE}/sitemaps/posts-2.xml" in again.text


# A full file, and the one post that starts a second.
POSTS = service.URLS_PER_FILE + 1


def many_posts(author_id: int, count: int) -> Insert:
    """`count` published posts in one statement the database fills from a counter: an
    INSERT of 100,000 rows sent from here takes minutes on a loaded machine."""
    counter = select(literal(1).label("n")).cte("counter", recursive=True)
    counter = counter.union_all(select(counter.c.n + 1).where(counter.c.n < count))
    when = bindparam("when", datetime(2026, 1, 1, tzinfo=UTC), type_=Post.published_at.type)
    number = cast(counter.c.n, String)
    columns = {
        "title": literal("Post ") + number,
        "slug": literal("post-") + number,
        "content": literal("c"),
        "content_html": literal(RENDERED["content_html"]),
        "excerpt": literal(RENDERED["excerpt"]),
        "word_count": literal(RENDERED["word_count"]),
        "user_id": literal(author_id),
        "status": literal("published"),
        "date_posted": when,
        "updated_at": when,
        "published_at": when,
    }
    return insert(Post).from_select(list(columns), select(*columns.values()))


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # the scale's database
async def test_a_file_of_50000_posts_streams_in_bounded_memory(
    session: AsyncSession, started_app: StartedApp, author: Account
) -> None:
    reader = started_app.state["reader"]
    await session.execute(many_posts(author.id, POSTS))
    await session.commit()
    assert (await service.sitemap_files(reader)).posts == (1, 2)

    async def addresses(number: int) -> AsyncIterator[list[Address]]:
        async for batch in service.sitemap_posts(reader, number):
            yield [(f"{BASE}/posts/{post.id}-{post.slug}", post.updated_at) for post in batch]

    tracemalloc.start()
    try:
        written = 0
        for number in (1, 2):
            async for chunk in url_set(addresses(number)):
                written += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert written > 4_000_000  # 50,001 addresses, ~90 bytes each
    assert peak < 3_000_000, f"peak {peak:,} bytes for {written:,} written"
