"""Writing Markdown in Chromium: a post with a table, code, a link and an uploaded picture is
previewed as the server renders it, published, and shown highlighted, under the strict CSP."""

import re

import pytest
from playwright.async_api import Page, expect

from tests.conftest import Account
from tests.pictures import encode, left_red_right_blue
from tests.web.browser.conftest import loaded_width, photograph

pytestmark = pytest.mark.browser

MARKDOWN = """Inkwell now speaks **Markdown**, see [the docs](https://example.com/docs).

| language | typing |
|:---------|-------:|
| Python   | gradual |

```python
def greet(name):
    return f"Hello, {name}"
```

"""
PHOTO = {
    "name": "red and blue.png",
    "mimeType": "image/png",
    "buffer": encode(left_red_right_blue(2400, 600), "PNG"),
}
INSERTED = re.compile(r"!\[red and blue\]\(/media/posts/[0-9a-f]{32}\.webp\)$")
KEYWORD_GREEN = "rgb(0, 128, 0)"  # Pygments' default style for keywords (`.highlight .k`)


async def test_a_markdown_post_is_previewed_published_and_shown_highlighted(
    page: Page, signed_in: Account
) -> None:
    await page.goto("/posts/new")
    await page.get_by_label("Title").fill("Markdown arrives")
    content = page.get_by_label("Content")
    await content.fill(MARKDOWN)

    async with page.expect_file_chooser() as chooser:
        await page.get_by_role("button", name="Insert picture").click()
    await (await chooser.value).set_files(PHOTO)
    await expect(page.get_by_role("status")).to_have_text("Picture inserted.")
    await expect(content).to_have_value(INSERTED)

    await page.get_by_role("button", name="Preview").click()
    preview = page.get_by_test_id("editor-preview")
    await expect(content).to_be_hidden()
    await expect(preview.locator("table td")).to_have_text(["Python", "gradual"])
    await expect(preview.locator("pre.highlight .k")).to_have_text(["def", "return"])
    await expect(preview.locator("pre.highlight .k").first).to_have_css("color", KEYWORD_GREEN)
    await expect(preview.get_by_role("link", name="the docs")).to_have_attribute(
        "rel", "nofollow ugc noopener"
    )
    assert await loaded_width(preview.get_by_role("img", name="red and blue")) == 1600
    await photograph(page, "editor-preview.png")

    await page.get_by_role("button", name="Write").click()
    await expect(content).to_be_visible()
    await page.get_by_role("button", name="Publish").click()
    await page.wait_for_url(re.compile(r"/posts/\d+-[\w-]+$"))

    body = page.get_by_test_id("post-content")
    await expect(body.locator("strong")).to_have_text("Markdown")
    await expect(body.locator("table th")).to_have_text(["language", "typing"])
    await expect(body.locator("table td").nth(1)).to_have_class("text-end")
    await expect(body.locator("pre.highlight .k").first).to_have_css("color", KEYWORD_GREEN)
    await expect(body.locator("pre.highlight .sa")).to_have_text("f")
    await expect(body.get_by_role("link", name="the docs")).to_have_attribute(
        "href", "https://example.com/docs"
    )
    assert await loaded_width(body.get_by_role("img", name="red and blue")) == 1600
    await photograph(page, "post-markdown.png", full_page=True)


async def test_previewing_nothing_says_so_without_asking_the_server(
    page: Page, signed_in: Account
) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    await page.goto("/posts/new")
    await page.get_by_role("button", name="Preview").click()
    await expect(page.get_by_test_id("editor-preview")).to_have_text("Nothing to preview yet.")
    assert not [url for url in requests if "/api/markdown/preview" in url]
