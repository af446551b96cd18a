"""WCAG 2.2 AA on every page, by axe-core in Chromium: signed out and signed in (as an admin,
who sees every page there is), each page in the four looks it is read in, light and dark, on
a desktop and on a phone. One browser, each page opened once and its look changed in place.

The home page and a post are photographed in each look for the README (docs/screenshots)."""

import io
from dataclasses import dataclass

import pytest
from httpx import AsyncClient
from PIL import Image
from playwright.async_api import Page

from inkwell.search.schemas import QUERY_MAX_LENGTH
from tests.conftest import Account
from tests.conversation import comment, follow
from tests.factories import Factory
from tests.web.browser.accessibility import LOOKS, Look, accessibility_violations
from tests.web.browser.conftest import SCREENSHOTS, UPDATE_SCREENSHOTS
from tests.web.browser.signing_in import sign_in

pytestmark = pytest.mark.browser

STORY = """Fountain pens forgive nothing and reward everything. After a year of writing every
draft by hand, here is what changed.

## The ink

A dark blue-black dries fast and survives a spilt coffee:

```python
def dry(seconds: float) -> bool:
    return seconds > 12  # on 80 gsm paper
```

> Write drunk, edit sober, as someone did not quite say.

Before the next batch, with `dry()` at hand:

- [x] flush the pen with `water`
- [ ] try [a `cartridge` converter](https://example.org/converter)

| Pen | Nib | Verdict |
| --- | --- | --- |
| Lamy Safari | F | reliable |
| Pilot Custom 74 | SF | a joy |

Read [the whole series](https://example.org/ink) or the notes below.
"""
TITLES = [
    "Notes on a year of longhand",
    "The quiet joy of a slow web page",
    "What a sourdough starter taught me about deadlines",
    "Five walks along the river, in every season",
    "Reading old letters from my grandmother",
    "Why I keep a paper notebook next to the keyboard",
    "A small kitchen and a big pot of soup",
    "Learning to draw at forty",
    "The map I made of my neighbourhood",
    "Things I wish I knew about houseplants",
    "On finishing what you start",
]
EXCERPT = (
    "An evening's thoughts, written down before they slipped away: what worked, what did "
    "not, and what I will try next time."
)


@dataclass(frozen=True)
class Blog:
    """A blog in full swing: authors, posts over two pages, comments, follows, a report; a
    story with code, inline and highlighted, and a task list."""

    admin: Account
    writer: Account
    story: dict[str, object]
    writers_post: dict[str, object]
    # Reported, by an author then suspended: only admins see it, marked hidden.
    hidden_post: dict[str, object]


@pytest.fixture
async def blog(factory: Factory, client: AsyncClient) -> Blog:
    writer = await factory.account("writer", display_name="Ada Lindqvist")
    # A name long enough to crowd the navbar: it squeezed the search box to 18 px once.
    admin = await factory.account("admin", role="admin", display_name="Augusta Ada King-Noel")
    spammer = await factory.account("spammer")
    posts = [
        await factory.post(writer, title=title, content=EXCERPT, tags=["life", "python"])
        for title in reversed(TITLES)
    ]
    await factory.post(admin, title="Half a thought", status="draft")
    story = await factory.post(
        admin, title="Ink, paper and patience", content=STORY, tags=["python"]
    )
    await comment(client, story["id"], writer, "Blue-black is *the* answer: `dry(15)` holds.")
    await comment(client, story["id"], admin, "It is, and it forgives a wet thumb.")
    await follow(client, writer, admin)
    await follow(client, admin, writer)
    reported = await client.post(
        "/api/reports",
        json={"post_id": posts[0]["id"], "reason": "Reads like an advert"},
        headers=spammer.headers,
    )
    assert reported.status_code == 201, reported.text
    advert = await factory.post(spammer, title="Cheap pens, today only")
    reported = await client.post(
        "/api/reports",
        json={"post_id": advert["id"], "reason": "An advert"},
        headers=writer.headers,
    )
    assert reported.status_code == 201, reported.text
    suspended = await client.post(f"/api/users/{spammer.id}/suspend", headers=admin.headers)
    assert suspended.status_code == 200, suspended.text
    return Blog(admin, writer, story, posts[-1], advert)


def visitor_pages(blog: Blog) -> list[str]:
    return [
        "/",
        "/?skip=10",
        str(blog.story["url"]),
        "/@writer",
        "/tags/python",
        "/search?q=ink",
        "/search?q=" + "x" * (QUERY_MAX_LENGTH + 1),
        "/login",
        "/register",
        "/forgot-password",
        "/reset-password?token=a-token",
        "/reset-password",
        "/confirm-email?token=a-token",
        "/no/such/page",
    ]


def admin_pages(blog: Blog) -> list[str]:
    return [
        "/",
        "/following",
        str(blog.story["url"]),
        str(blog.writers_post["url"]),
        str(blog.hidden_post["url"]),
        "/@spammer",  # suspended: their page and posts, to admins alone
        "/@writer",
        "/tags/python",
        "/search?q=ink",
        "/account",
        "/posts/new",
        "/drafts",
        "/notifications",
        "/admin/reports",
        "/no/such/page",
    ]


async def screenshot(page: Page, name: str, look: Look) -> None:
    """A small PNG for the README, when asked: the screen's colours in a palette of 128."""
    if not UPDATE_SCREENSHOTS:
        return
    png = await page.screenshot()
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(128)
    image.save(SCREENSHOTS / f"{name}-{look.name}.png", optimize=True)


async def violations_in_every_look(
    page: Page, paths: list[str], screenshots: dict[str, str] | None = None
) -> dict[str, list[str]]:
    """What axe finds on each page in each look, by page and look; {} when nothing."""
    found = {}
    for path in paths:
        await page.goto(path)
        for look in LOOKS:
            await look.apply(page)
            violations = await accessibility_violations(page)
            if violations:
                found[f"{path} {look.name}"] = violations
            if screenshots and path in screenshots:
                await screenshot(page, screenshots[path], look)
    return found


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{where}: {violation}" for where, each in found.items() for violation in each)


async def test_every_page_a_visitor_sees_meets_wcag_aa_in_every_look(
    page: Page, blog: Blog
) -> None:
    pages = visitor_pages(blog)
    shots = {"/": "home", str(blog.story["url"]): "post"}
    found = await violations_in_every_look(page, pages, shots)
    assert found == {}, report(found)


async def test_every_page_a_signed_in_admin_sees_meets_wcag_aa_in_every_look(
    page: Page, blog: Blog
) -> None:
    await sign_in(page.context, "admin")
    found = await violations_in_every_look(page, admin_pages(blog))
    assert found == {}, report(found)


# The methods whose operations /docs colours each its own way.
METHODS = ("get", "post", "put", "patch", "delete")


async def test_the_api_docs_meet_wcag_aa_closed_and_open(page: Page) -> None:
    """Swagger UI's page (operations/docs.py): its operations listed, then one of each method
    open and the first tried out. axe takes seconds on it: two looks, not four."""
    await page.goto("/docs")
    await page.locator(".opblock").first.wait_for()
    found = {"closed": await accessibility_violations(page)}
    for method in METHODS:
        await page.locator(f".opblock-{method} .opblock-summary-control").first.click()
    await page.locator(".try-out__btn").first.click()
    await page.locator(".btn.execute").first.wait_for()
    await LOOKS[0].apply(page)
    found["open"] = await accessibility_violations(page)
    await LOOKS[-1].apply(page)
    found[f"open {LOOKS[-1].name}"] = await accessibility_violations(page)
    assert {where: each for where, each in found.items() if each} == {}, report(found)


async def test_the_api_docs_sign_in_dialog_meets_wcag_aa(page: Page) -> None:
    """Swagger UI's Authorize dialog, where a reader of the docs signs in to try operations."""
    await page.goto("/docs")
    await page.locator(".btn.authorize").first.click()
    await page.locator(".modal-ux").wait_for()
    found = {"light": await accessibility_violations(page)}
    await LOOKS[-1].apply(page)
    found[LOOKS[-1].name] = await accessibility_violations(page)
    assert {where: each for where, each in found.items() if each} == {}, report(found)
