"""Draws the site's icons from its logo (static/img/logo.svg) with Chromium and Pillow:
favicon.ico (16, 32 and 48 px, for browsers and tools that ask for /favicon.ico),
apple-touch-icon.png (180 px, opaque and square: iOS rounds the corners itself) and
share.png (512 px, opaque: the picture of a shared link that has none of its own; link
previews show no SVG, and some none under 200 px).

    .venv/bin/python scripts/make_icons.py
"""

import asyncio
import base64
import io
from pathlib import Path

from PIL import Image
from playwright.async_api import async_playwright

IMG = Path(__file__).parents[1] / "src/inkwell/static/img"
CHROMIUM = "/usr/bin/chromium"
# The logo's pen on a full square of its blue, for the home screen.
SQUARE_LOGO = (IMG / "logo.svg").read_text().replace('rx="8" ', "")


async def draw(svg: str, size: int) -> Image.Image:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        page = await browser.new_page(viewport={"width": size, "height": size})
        source = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
        await page.set_content(
            f'<body style="margin:0"><img src="{source}" width="{size}" height="{size}"'
            ' style="display:block"></body>'
        )
        png = await page.screenshot(omit_background=True)
        await browser.close()
    return Image.open(io.BytesIO(png))


async def main() -> None:
    logo = await draw((IMG / "logo.svg").read_text(), 256)
    logo.save(IMG / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
    touch = (await draw(SQUARE_LOGO, 180)).convert("RGB")
    touch.save(IMG / "apple-touch-icon.png", optimize=True)
    share = (await draw(SQUARE_LOGO, 512)).convert("RGB")
    share.save(IMG / "share.png", optimize=True)


if __name__ == "__main__":
    asyncio.run(main())
