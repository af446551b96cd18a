"""What a shared link shows and search engines read: every page's title and description,
the canonical address, Open Graph and Twitter card tags, and on posts schema.org
BlogPosting JSON-LD in a data block no text of the post can close. Run on both databases."""

import io
import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any, cast

import pytest
from httpx import ASGITransport, AsyncClient
from PIL import Image

from inkwell.app import create_app
from inkwell.config import Settings
from inkwell.pagination import PAGE_SIZE
from inkwell.posts.rows import ListedPost
from inkwell.web.rendering import Site, blog_posting, first_picture, preview_image
from tests.conftest import Account, Api, started

BASE = "http://127.0.0.1:8000"
# What a shared link shows without a picture of its own: a PNG (previews show no SVG).
SITE_PICTURE = f"{BASE}/static/img/share.png"


class Head(HTMLParser):
    """The head's title, meta tags (by name or property), canonical link and JSON-LD."""

    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.meta: dict[str, list[str]] = {}
        self.canonical: list[str] = []
        self.json_ld: list[Any] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "meta" and ("name" in found or "property" in found):
            key = found.get("property") or found["name"]
            self.meta.setdefault(key, []).append(found.get("content", ""))
        elif tag == "link" and found.get("rel") == "canonical":
            self.canonical.append(found["href"])
        elif tag == "title" or (tag == "script" and found.get("type") == "application/ld+json"):
            self._in = tag

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "script":
            self.json_ld.append(json.loads(data))

    def handle_endtag(self, tag: str) -> None:
        self._in = None


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def head_of(client: AsyncClient, path: str) -> Head:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    head = Head()
    head.feed(response.text)
    return head


@pytest.fixture
async def post(api: Api, author: Account) -> dict[str, Any]:
    return await api.post(
        author, title="Ink & paper", content="The **first** words of a post.", tags=["ink"]
    )


async def test_a_post_previews_as_an_article_at_its_canonical_address(
    client: AsyncClient, post: dict[str, Any]
) -> None:
    head = await head_of(client, f"/posts/{post['id']}-{post['slug']}?ref=elsewhere")

    assert head.title == "Ink & paper · Inkwell"
    assert head.canonical == [f"{BASE}{post['url']}"]
    assert head.meta["description"] == [post["excerpt"]]
    assert head.meta["og:title"] == ["Ink & paper"]
    assert head.meta["og:description"] == [post["excerpt"]]
    assert head.meta["og:url"] == [f"{BASE}{post['url']}"]
    assert head.meta["og:type"] == ["article"]
    assert head.meta["og:site_name"] == ["Inkwell"]
    assert head.meta["og:image"] == [SITE_PICTURE]
    assert head.meta["twitter:card"] == ["summary"]
    assert head.meta["article:author"] == [f"{BASE}/@author"]
    [published] = head.meta["article:published_time"]
    assert moment(published) == moment(post["published_at"])
    assert head.meta["article:tag"] == ["ink"]


async def test_a_post_carries_its_blog_posting_for_search_engines(
    client: AsyncClient, post: dict[str, Any]
) -> None:
    [posting] = (await head_of(client, post["url"])).json_ld

    assert moment(posting.pop("datePublished")) == moment(post["published_at"])
    assert moment(posting.pop("dateModified")) == moment(post["updated_at"])
    assert posting == {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": "Ink & paper",
        "description": post["excerpt"],
        "url": f"{BASE}{post['url']}",
        "mainEntityOfPage": f"{BASE}{post['url']}",
        "keywords": ["ink"],
        "image": SITE_PICTURE,
        "author": {"@type": "Person", "name": "author", "url": f"{BASE}/@author"},
    }


async def test_no_text_of_a_post_can_close_its_json_ld_block(
    api: Api, client: AsyncClient, author: Account
) -> None:
    title = "</script><script>alert(1)</script> & <!--"
    post = await api.post(author, title=title)

    html = (await client.get(str(post["url"]))).text
    block = html[html.index('<script type="application/ld+json">') :]
    block = block[: block.index("</script>")]

    assert "<" not in block.removeprefix('<script type="application/ld+json">')
    assert json.loads(block.split(">", 1)[1])["headline"] == title


async def test_a_post_with_pictures_previews_as_a_large_card_of_its_first(
    api: Api, client: AsyncClient, author: Account
) -> None:
    post = await api.post(
        author, content="Words.\n\n![First](/media/first.webp)\n\n![Second](/media/second.png)"
    )

    head = await head_of(client, str(post["url"]))

    assert head.meta["og:image"] == [f"{BASE}/media/first.webp"]
    assert head.meta["twitter:card"] == ["summary_large_image"]
    assert head.json_ld[0]["image"] == f"{BASE}/media/first.webp"


async def test_a_picture_written_as_a_full_address_previews_at_that_address(
    api: Api, client: AsyncClient, author: Account
) -> None:
    post = await api.post(author, content=f"![Whole]({BASE}/media/whole.jpg)")

    head = await head_of(client, str(post["url"]))

    assert head.meta["og:image"] == [f"{BASE}/media/whole.jpg"]


@pytest.mark.parametrize("offset", range(4090, 4100))
def test_a_picture_far_into_a_long_post_is_found_wherever_the_reading_pauses(
    offset: int,
) -> None:
    """The HTML is read a few kB at a time, up to its first picture."""
    html = f'<p>{"x" * offset}</p><img alt="a > b" src="/media/far.webp"><img src="/media/b.webp">'

    assert first_picture(html) == "/media/far.webp"


def test_a_picture_whose_tag_runs_past_a_chunk_is_found_all_the_same() -> None:
    """Its alt text may be long: the tag is read on until it closes."""
    alt = "a long description " * 300
    html = f'<p>Intro.</p><p><img src="/media/long.webp" alt="{alt}"></p>'

    assert first_picture(html) == "/media/long.webp"


def posting_of(**changes: Any) -> Any:
    """blog_posting's document for a post as listings read it (the fields it reads)."""
    post = {
        "id": 7, "slug": "cafe-notes", "title": "Café notes ☕", "excerpt": "Notes.",
        "published_at": datetime(2026, 11, 25, 14, 3, tzinfo=UTC),
        "updated_at": datetime(2026, 11, 26, 9, 0, tzinfo=UTC), "tags": [],
        "author": {"id": 1, "username": "ann", "display_name": None, "image_file": None},
    } | changes  # fmt: skip
    listed, site = cast(ListedPost, post), Site("Inkwell", "Writing", BASE)
    block = str(blog_posting(listed, site, preview_image(listed, site)))
    return block, json.loads(block)


def test_a_drafts_posting_has_no_publication_date() -> None:
    """Its author sees a draft's page, head and all, before anyone else can."""
    _, posting = posting_of(published_at=None)
    assert posting["datePublished"] is None
    assert posting["dateModified"] == "2026-11-26T09:00:00+00:00"


def test_the_postings_image_is_the_authors_picture() -> None:
    author = {"id": 1, "username": "ann", "display_name": "Ann", "image_file": "ab12.webp"}
    _, posting = posting_of(author=author)
    assert posting["image"] == f"{BASE}/media/ab12.webp"
    assert posting["author"]["name"] == "Ann"


def test_a_posting_writes_its_text_as_written_not_as_escapes() -> None:
    """The page is UTF-8: only `<`, `>` and `&` need escapes in the block."""
    block, posting = posting_of()
    assert '"headline": "Café notes ☕"' in block
    assert posting["headline"] == "Café notes ☕"


async def test_the_home_page_previews_as_the_site(
    client: AsyncClient, post: dict[str, Any]
) -> None:
    head = await head_of(client, "/")

    assert head.canonical == [f"{BASE}/"]
    assert head.meta["og:type"] == ["website"]
    assert head.meta["description"] == [Settings.model_fields["site_description"].default]
    assert head.json_ld == []


async def test_an_authors_page_previews_as_their_profile(
    api: Api, client: AsyncClient, author: Account, post: dict[str, Any]
) -> None:
    await client.patch(
        f"/api/users/{author.id}", json={"bio": "I write about ink."}, headers=author.headers
    )

    head = await head_of(client, "/@author")

    assert head.canonical == [f"{BASE}/@author"]
    assert head.meta["og:type"] == ["profile"]
    assert head.meta["description"] == ["I write about ink."]
    assert head.meta["og:image"] == [SITE_PICTURE]


async def test_a_tags_page_previews_at_its_canonical_address(
    client: AsyncClient, post: dict[str, Any]
) -> None:
    head = await head_of(client, "/tags/ink?skip=0")

    assert head.canonical == [f"{BASE}/tags/ink"]
    assert head.meta["description"] == ["Posts tagged ink on Inkwell"]


@pytest.mark.parametrize("path", ["/", "/@author", "/tags/ink"])
async def test_a_later_page_of_a_listing_is_its_own_canonical_address(
    api: Api, client: AsyncClient, author: Account, path: str
) -> None:
    """Not the first page's: search engines would take it for a copy of that one, whose
    posts it does not show, and drop it."""
    for _ in range(PAGE_SIZE + 1):
        await api.post(author, tags=["ink"])
    older = re.search(r'href="\?cursor=([\w-]+)"', (await client.get(path)).text)
    assert older is not None

    head = await head_of(client, f"{path}?cursor={older[1]}&ref=elsewhere")

    assert head.canonical == [f"{BASE}{path}?cursor={older[1]}"]


@pytest.mark.parametrize("path", ["/", "/tags/ink", "/search?q=ink", "/login"])
async def test_a_page_without_a_picture_of_its_own_previews_with_the_sites(
    client: AsyncClient, post: dict[str, Any], path: str
) -> None:
    head = await head_of(client, path)

    assert head.meta["og:image"] == [SITE_PICTURE]


async def test_the_sites_picture_is_a_png_large_enough_for_every_preview(
    client: AsyncClient,
) -> None:
    """Facebook shows none under 200 px square."""
    response = await client.get(SITE_PICTURE.removeprefix(BASE))

    assert response.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (512, 512)


@pytest.mark.parametrize("path", ["/login", "/register", "/forgot-password"])
async def test_a_page_that_is_no_content_has_a_title_and_description_but_no_canonical(
    client: AsyncClient, path: str
) -> None:
    head = await head_of(client, path)

    assert head.title.endswith(" · Inkwell")
    assert head.meta["description"]
    assert head.canonical == []


@pytest.mark.parametrize(
    "path", ["/register", "/forgot-password", "/reset-password?token=t", "/search?q=ink"]
)
async def test_a_page_with_no_canonical_address_asks_search_engines_not_to_list_it(
    client: AsyncClient, path: str
) -> None:
    """A form or someone's own page: listed, it would be a result with nothing to read."""
    head = await head_of(client, path)

    assert head.meta["robots"] == ["noindex"]


@pytest.mark.parametrize("path", ["/", "/@author", "/tags/ink", "post"])
async def test_a_page_with_a_canonical_address_may_be_listed(
    client: AsyncClient, post: dict[str, Any], path: str
) -> None:
    head = await head_of(client, post["url"] if path == "post" else path)

    assert "robots" not in head.meta


async def test_the_site_is_named_and_described_by_its_settings(settings: Settings) -> None:
    named = settings.model_copy(
        update={"site_name": "Quill & Co", "site_description": "Notes from the workshop."}
    )
    async with (
        started(create_app(named)) as app,
        AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client,
    ):
        head = await head_of(client, "/")

    assert head.title == "Latest posts · Quill & Co"
    assert head.meta["og:site_name"] == ["Quill & Co"]
    assert head.meta["description"] == ["Notes from the workshop."]
