"""The site's icons (syndication/router.py): /favicon.ico and /apple-touch-icon.png are
served at the root, where browsers and phones look for them unasked, and every page links
them."""

import io
import re

from httpx import AsyncClient
from PIL import Image


async def test_the_favicon_is_an_icon_of_three_sizes(client: AsyncClient) -> None:
    response = await client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/x-icon"
    icon = Image.open(io.BytesIO(response.content))
    assert icon.format == "ICO"
    assert icon.info["sizes"] == {(16, 16), (32, 32), (48, 48)}


async def test_the_apple_touch_icon_is_an_opaque_180_pixel_square(client: AsyncClient) -> None:
    """iOS fills transparency with black and rounds the corners itself."""
    response = await client.get("/apple-touch-icon.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    icon = Image.open(io.BytesIO(response.content))
    assert icon.size == (180, 180)
    assert icon.mode == "RGB"


async def test_the_icons_are_cached_for_a_day(client: AsyncClient) -> None:
    for path in ["/favicon.ico", "/apple-touch-icon.png"]:
        response = await client.get(path)
        assert response.headers["cache-control"] == "public, max-age=86400", path


async def test_the_icons_answer_head(client: AsyncClient) -> None:
    response = await client.head("/favicon.ico")
    assert response.status_code == 200
    assert response.content == b""


async def test_every_page_links_the_icons(client: AsyncClient) -> None:
    for path in ["/", "/login", "/no/such/page"]:
        page = (await client.get(path)).text
        assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in page, path
        assert '<link rel="apple-touch-icon" href="/apple-touch-icon.png">' in page, path


async def test_the_linked_icons_are_served(client: AsyncClient) -> None:
    page = (await client.get("/")).text
    links = re.findall(r'<link rel="(?:icon|apple-touch-icon)" href="([^"]+)"', page)
    assert len(links) == 3
    for href in links:
        assert (await client.get(href)).status_code == 200, href
