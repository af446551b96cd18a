"""Atom feeds of the site, an author and a tag, as a feed reader parses them (feedparser):
the newest published posts with their HTML, canonical links, stable ids and dates; 304 to a
reader that has this version; canonical addresses; autodiscovery on the pages. Run on both
databases."""

import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import feedparser
import pytest
from httpx import AsyncClient, Response

from inkwell.config import Settings
from inkwell.syndication.atom import FEED_LENGTH
from tests.conftest import Account, Api, StartedApp
from tests.factories import Factory

BASE = "http://127.0.0.1:8000"  # the test settings' PUBLIC_BASE_URL


ATOM = "{http://www.w3.org/2005/Atom}"


def parsed(response: Response) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return feed


@pytest.fixture
async def writing(api: Api, author: Account) -> dict[str, object]:
    return await api.post(
        author,
        title="Ink & <paper>",
        content="Some **bold** words and [a link](https://example.org).",
        tags=["python", "ink"],
    )


async def test_the_site_feed_holds_a_post_as_written(
    client: AsyncClient, writing: dict[str, Any]
) -> None:
    feed = parsed(await client.get("/feed.atom"))

    assert feed.feed.title == "Inkwell"
    assert feed.feed.generator == "Inkwell"
    assert feed.feed.id == f"{BASE}/"
    assert {link.rel: link.href for link in feed.feed.links} == {
        "self": f"{BASE}/feed.atom",
        "alternate": f"{BASE}/",
    }
    [entry] = feed.entries
    assert entry.title == "Ink & <paper>"
    assert entry.id == f"{BASE}/posts/{writing['id']}"
    assert entry.link == f"{BASE}{writing['url']}"
    assert entry.author == "author"
    assert entry.author_detail.href == f"{BASE}/@author"
    assert entry.content[0].type == "text/html"
    assert entry.content[0].value == writing["content_html"].strip()
    assert entry.summary == writing["excerpt"]
    assert sorted((tag.term, tag.label) for tag in entry.tags) == [
        ("ink", "ink"),
        ("python", "python"),
    ]
    published = datetime.fromisoformat(writing["published_at"])
    assert entry.published_parsed[:6] == published.utctimetuple()[:6]


async def test_a_posts_pictures_and_links_resolve_to_the_site_in_any_reader(
    api: Api, client: AsyncClient, author: Account
) -> None:
    """The HTML names the site's own addresses from its root (`/media/...`): a reader that
    fetched the feed through another address, or copies entries elsewhere, resolves them
    against the feed's xml:base."""
    await api.post(author, content="![A picture](/media/ab12.webp) by [me](/@author)")

    [entry] = parsed(await client.get("/feed.atom")).entries

    assert f'src="{BASE}/media/ab12.webp"' in entry.content[0].value
    assert f'href="{BASE}/@author"' in entry.content[0].value


async def test_a_post_with_control_characters_leaves_them_out_of_the_feed(
    api: Api, client: AsyncClient, author: Account
) -> None:
    """XML 1.0 cannot carry them, and Markdown lets them through: one such post must not
    take down every feed that lists it."""
    await api.post(author, title="Odd bytes", content="A bell\x07 rings\x1b.")

    [entry] = parsed(await client.get("/feed.atom")).entries

    assert entry.summary == "A bell rings."
    assert entry.content[0].value == "<p>A bell rings.</p>"


async def test_the_feeds_links_name_their_relation_and_type_as_written(
    client: AsyncClient,
) -> None:
    """As written, not as feedparser reads them: it supplies a missing `rel` and `type`."""
    document = ET.fromstring((await client.get("/feed.atom")).content)

    links = document.findall(f"{ATOM}link")
    assert sorted((link.get("rel"), link.get("type")) for link in links) == [
        ("alternate", "text/html"),
        ("self", "application/atom+xml"),
    ]


async def test_a_feed_is_sent_compact_without_indentation(
    client: AsyncClient, writing: dict[str, Any]
) -> None:
    body = (await client.get("/feed.atom")).content

    declaration, document = body.split(b"\n", 1)
    assert declaration.startswith(b"<?xml")
    assert b">\n" not in document


async def test_the_site_feed_holds_the_newest_published_posts_and_no_draft(
    api: Api, client: AsyncClient, author: Account
) -> None:
    posts = [await api.post(author, title=f"Post {n}") for n in range(FEED_LENGTH + 2)]
    await api.post(author, title="Unfinished", status="draft")

    feed = parsed(await client.get("/feed.atom"))

    newest = [post["title"] for post in reversed(posts)][:FEED_LENGTH]
    assert [entry.title for entry in feed.entries] == newest


async def test_a_suspended_authors_posts_leave_the_feeds(
    api: Api, client: AsyncClient, factory: Factory, writing: dict[str, Any]
) -> None:
    writer = await api.sign_up("writer")
    await api.post(writer, title="Soon hidden", tags=["python"])
    admin = await factory.account("admin", role="admin")

    await client.post(f"/api/users/{writer.id}/suspend", headers=admin.headers)

    for address in ("/feed.atom", "/tags/python/feed.atom"):
        assert [entry.title for entry in parsed(await client.get(address)).entries] == [
            writing["title"]
        ]
    assert (await client.get("/@writer/feed.atom")).status_code == 404


async def test_an_empty_site_feed_is_still_a_valid_feed(client: AsyncClient) -> None:
    feed = parsed(await client.get("/feed.atom"))

    assert feed.entries == []
    assert feed.feed.updated_parsed is not None


async def test_an_empty_feed_is_dated_at_the_epoch_so_it_reads_the_same_until_a_post_comes(
    client: AsyncClient,
) -> None:
    first, again = await client.get("/feed.atom"), await client.get("/feed.atom")

    assert tuple(parsed(first).feed.updated_parsed[:3]) == (1970, 1, 1)
    assert first.headers["etag"] == again.headers["etag"]


async def test_an_authors_feed_holds_their_posts_only(
    api: Api, client: AsyncClient, author: Account, writing: dict[str, Any]
) -> None:
    other = await api.sign_up("other")
    await api.post(other, title="Not theirs")

    feed = parsed(await client.get("/@author/feed.atom"))

    assert feed.feed.title == "author on Inkwell"
    assert feed.feed.link == f"{BASE}/@author"
    assert [entry.title for entry in feed.entries] == [writing["title"]]


async def test_a_tags_feed_holds_the_posts_with_that_tag(
    api: Api, client: AsyncClient, author: Account, writing: dict[str, Any]
) -> None:
    await api.post(author, title="Untagged")

    feed = parsed(await client.get("/tags/python/feed.atom"))

    assert feed.feed.title == "#python on Inkwell"
    assert [entry.title for entry in feed.entries] == [writing["title"]]


@pytest.mark.parametrize(
    ("address", "subtitle"),
    [
        ("/feed.atom", Settings.model_fields["site_description"].default),
        ("/@author/feed.atom", "The posts of author"),
        ("/tags/python/feed.atom", "Posts tagged python"),
    ],
    ids=["the site", "an author without a bio", "a tag"],
)
async def test_each_feed_says_what_it_holds_in_its_subtitle(
    client: AsyncClient, writing: dict[str, Any], address: str, subtitle: str
) -> None:
    feed = parsed(await client.get(address))

    assert feed.feed.subtitle == subtitle


@pytest.mark.parametrize(
    ("address", "canonical"),
    [
        ("/@AUTHOR/feed.atom", "/@author/feed.atom"),
        ("/tags/Python/feed.atom", "/tags/python/feed.atom"),
    ],
)
async def test_a_feed_written_another_way_moves_to_its_canonical_address(
    client: AsyncClient, writing: dict[str, Any], address: str, canonical: str
) -> None:
    response = await client.get(address)

    assert response.status_code == 301
    assert response.headers["location"] == canonical


@pytest.mark.parametrize(
    "address", ["/@nobody/feed.atom", "/tags/unused/feed.atom", "/tags/%20/feed.atom"]
)
async def test_the_feed_of_no_one_or_of_an_unused_tag_is_a_404(
    client: AsyncClient, writing: dict[str, Any], address: str
) -> None:
    assert (await client.get(address)).status_code == 404


def quiet_for_a_while(started_app: StartedApp) -> None:
    """No public write for ten seconds: a Last-Modified can name the second it ended."""
    started_app.state["anonymous_cache"].generation.changed_at = time.time() - 10


async def test_a_reader_that_has_this_version_gets_a_304(
    client: AsyncClient, started_app: StartedApp, writing: dict[str, Any]
) -> None:
    quiet_for_a_while(started_app)
    first = await client.get("/feed.atom")
    etag, modified = first.headers["etag"], first.headers["last-modified"]

    by_etag = await client.get("/feed.atom", headers={"If-None-Match": f'W/{etag}, "other"'})
    by_date = await client.get("/feed.atom", headers={"If-Modified-Since": modified})

    assert (by_etag.status_code, by_etag.content, by_etag.headers["etag"]) == (304, b"", etag)
    assert by_date.status_code == 304


async def test_a_changed_feed_is_sent_again_with_a_new_etag(
    api: Api, client: AsyncClient, author: Account, writing: dict[str, Any]
) -> None:
    first = await client.get("/feed.atom")
    await client.patch(
        f"/api/posts/{writing['id']}", json={"title": "Renamed"}, headers=author.headers
    )

    again = await client.get("/feed.atom", headers={"If-None-Match": first.headers["etag"]})

    assert again.status_code == 200
    assert again.headers["etag"] != first.headers["etag"]
    assert parsed(again).entries[0].title == "Renamed"


async def test_a_reader_asking_by_date_gets_the_feed_again_once_its_newest_post_is_deleted(
    api: Api, client: AsyncClient, started_app: StartedApp, author: Account
) -> None:
    """The newest remaining entry is older than what the reader has: dating the feed by its
    entries would tell the reader nothing changed, and it would keep the deleted post."""
    await api.post(author, title="Kept")
    newest = await api.post(author, title="Deleted")
    quiet_for_a_while(started_app)
    first = await client.get("/feed.atom")
    await client.delete(f"/api/posts/{newest['id']}", headers=author.headers)

    again = await client.get(
        "/feed.atom", headers={"If-Modified-Since": first.headers["last-modified"]}
    )

    assert again.status_code == 200
    assert [entry.title for entry in parsed(again).entries] == ["Kept"]


@pytest.mark.parametrize(
    "header",
    [
        {"If-None-Match": '"stale"'},
        {"If-Modified-Since": "not a date"},
        {"If-Modified-Since": format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)},
    ],
    ids=["another etag", "an unreadable date", "a date long before"],
)
async def test_a_reader_with_another_version_or_a_bad_header_gets_the_feed(
    client: AsyncClient, writing: dict[str, Any], header: dict[str, str]
) -> None:
    assert (await client.get("/feed.atom", headers=header)).status_code == 200


@pytest.mark.parametrize(
    ("page", "feed"),
    [
        ("/", "/feed.atom"),
        ("/@author", "/@author/feed.atom"),
        ("/tags/python", "/tags/python/feed.atom"),
    ],
)
async def test_pages_point_feed_readers_to_their_feed(
    client: AsyncClient, writing: dict[str, Any], page: str, feed: str
) -> None:
    html = (await client.get(page)).text

    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert f'href="{feed}"' in html
