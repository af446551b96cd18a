"""Feeds, the sitemap, robots.txt and the icons: documents for feed readers, crawlers, and
the browsers and phones that ask for /favicon.ico and /apple-touch-icon.png unlinked.

Feeds answer `ETag`, and the cached read path (caching/middleware.py, where feeds are shared
routes) adds `Last-Modified`, answers 304 to a reader that already has this version and keeps
the feed in memory: feed readers poll, most of the time for nothing new. Not the newest
entry's date for `Last-Modified`: it goes back when that entry is deleted or its author
suspended, and a reader asking by date would keep what is gone.
"""

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import (
    FileResponse,
    PlainTextResponse,
    RedirectResponse,
    StreamingResponse,
)

from inkwell.config import Settings
from inkwell.dependencies import DbReader
from inkwell.errors import NotFound
from inkwell.posts import service as posts
from inkwell.posts.models import post_path
from inkwell.posts.rows import ListedPost
from inkwell.posts.slugs import tag_name
from inkwell.state import state_of
from inkwell.syndication import service
from inkwell.syndication.atom import FEED_LENGTH, Feed, atom_document
from inkwell.syndication.sitemaps import Address, sitemap_index, url_set
from inkwell.users import service as users
from inkwell.users.rows import author_path
from inkwell.web.common import PageRoute, moved_permanently

router = APIRouter(include_in_schema=False, route_class=PageRoute)

ATOM = "application/atom+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"
# Feed readers poll; a few minutes of staleness saves the server their polls.
FEED_CACHE = "public, max-age=300"
SITEMAP_CACHE = "public, max-age=3600"
# The icons, drawn from the logo by scripts/make_icons.py: a day in any cache.
ICONS = Path(__file__).parents[1] / "static" / "img"
ICON_CACHE = "public, max-age=86400"
# What crawlers need not visit: the API, and pages that are someone's own.
PRIVATE_PATHS = ("/api/", "/account", "/drafts", "/notifications", "/posts/new", "/login")


async def _settings(request: Request) -> Settings:
    return state_of(request)["settings"]


SiteSettings = Annotated[Settings, Depends(_settings)]


def _base(settings: Settings) -> str:
    return settings.public_base_url.rstrip("/")


def _atom_response(settings: Settings, feed: Feed, listed: list[ListedPost]) -> Response:
    body = atom_document(feed, listed, base_url=_base(settings), site_name=settings.site_name)
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    return Response(body, media_type=ATOM, headers={"ETag": etag, "Cache-Control": FEED_CACHE})


@router.get("/feed.atom")
async def site_feed(request: Request, reader: DbReader, settings: SiteSettings) -> Response:
    listing = await posts.list_posts(reader, skip=0, limit=FEED_LENGTH)
    feed = Feed(settings.site_name, settings.site_description, "/", "/feed.atom")
    return _atom_response(settings, feed, listing.posts)


@router.get("/@{username}/feed.atom", response_model=None)
async def author_feed(
    request: Request, username: str, reader: DbReader, settings: SiteSettings
) -> Response:
    author = await users.get_profile_by_username(reader, username)
    page = author_path(author.username)
    if username != author.username:
        return moved_permanently(request, f"{page}/feed.atom")
    listing = await posts.list_posts(reader, skip=0, limit=FEED_LENGTH, author_id=author.id)
    name = author.display_name or author.username
    feed = Feed(
        f"{name} on {settings.site_name}",
        author.bio or f"The posts of {name}",
        page,
        f"{page}/feed.atom",
    )
    return _atom_response(settings, feed, listing.posts)


@router.get("/tags/{tag}/feed.atom", response_model=None)
async def tag_feed(
    request: Request, tag: str, reader: DbReader, settings: SiteSettings
) -> Response | RedirectResponse:
    try:
        name = tag_name(tag)
    except ValueError:
        raise NotFound("No posts have this tag") from None
    if name != tag:
        return moved_permanently(request, f"/tags/{name}/feed.atom")
    listing = await posts.list_posts(reader, skip=0, limit=FEED_LENGTH, tag=name)
    if listing.total == 0:
        raise NotFound("No posts have this tag")
    feed = Feed(
        f"#{name} on {settings.site_name}",
        f"Posts tagged {name}",
        f"/tags/{name}",
        f"/tags/{name}/feed.atom",
    )
    return _atom_response(settings, feed, listing.posts)


@router.get("/robots.txt")
async def robots(settings: SiteSettings) -> PlainTextResponse:
    lines = [
        "User-agent: *",
        *(f"Disallow: {path}" for path in PRIVATE_PATHS),
        "Disallow: /posts/*/edit",
        "",
        f"Sitemap: {_base(settings)}/sitemap.xml",
    ]
    return PlainTextResponse("\n".join(lines) + "\n", headers={"Cache-Control": SITEMAP_CACHE})


@router.get("/favicon.ico")
async def favicon() -> FileResponse:
    """16, 32 and 48 px."""
    headers = {"Cache-Control": ICON_CACHE}
    return FileResponse(ICONS / "favicon.ico", media_type="image/x-icon", headers=headers)


@router.get("/apple-touch-icon.png")
async def apple_touch_icon() -> FileResponse:
    """180 px, opaque: iOS rounds the corners itself, and fills transparency with black."""
    headers = {"Cache-Control": ICON_CACHE}
    return FileResponse(ICONS / "apple-touch-icon.png", media_type="image/png", headers=headers)


@router.get("/sitemap.xml")
async def sitemap(reader: DbReader, settings: SiteSettings) -> Response:
    """The index of the sitemap's files: the site's own pages, posts, then authors. Never
    empty (the protocol's schema wants a file), even on a site with nothing published."""
    files = await service.sitemap_files(reader)
    base = _base(settings)
    locations = [
        f"{base}/sitemaps/site.xml",
        *(f"{base}/sitemaps/posts-{n}.xml" for n in files.posts),
        *(f"{base}/sitemaps/authors-{n}.xml" for n in files.authors),
    ]
    return Response(
        sitemap_index(locations), media_type=XML, headers={"Cache-Control": SITEMAP_CACHE}
    )


@router.get("/sitemaps/site.xml")
async def site_sitemap(settings: SiteSettings) -> Response:
    """The home page, which lists the newest posts: its date would be the site's last change,
    which a crawler learns better by visiting it."""

    async def addresses() -> AsyncIterator[list[Address]]:
        yield [(f"{_base(settings)}/", None)]

    return StreamingResponse(
        url_set(addresses()), media_type=XML, headers={"Cache-Control": SITEMAP_CACHE}
    )


def _check_file(listed: bool) -> None:
    """A file the index does not list (none of its range is listed) is none."""
    if not listed:
        raise NotFound("There is no such sitemap file")


@router.get("/sitemaps/posts-{number:int}.xml")
async def posts_sitemap(number: int, reader: DbReader, settings: SiteSettings) -> Response:
    _check_file(await service.lists_posts(reader, number))
    base = _base(settings)

    async def addresses() -> AsyncIterator[list[Address]]:
        async for batch in service.sitemap_posts(reader, number):
            yield [(base + post_path(post.id, post.slug), post.updated_at) for post in batch]

    return StreamingResponse(
        url_set(addresses()), media_type=XML, headers={"Cache-Control": SITEMAP_CACHE}
    )


@router.get("/sitemaps/authors-{number:int}.xml")
async def authors_sitemap(number: int, reader: DbReader, settings: SiteSettings) -> Response:
    _check_file(await service.lists_authors(reader, number))
    base = _base(settings)

    async def addresses() -> AsyncIterator[list[Address]]:
        async for batch in service.sitemap_authors(reader, number):
            yield [
                (base + author_path(author.username), author.last_published_at) for author in batch
            ]

    return StreamingResponse(
        url_set(addresses()), media_type=XML, headers={"Cache-Control": SITEMAP_CACHE}
    )
