"""A real server and a real Chromium for the browser tests.

The browser tests run on SQLite only: they test the pages, and the data layer under them
is tested on both backends elsewhere. One uvicorn server and one browser serve the whole
session (per xdist worker); each test gets a new browser context and emptied tables.
The server is the app as deployed, with its own strict Content-Security-Policy: any inline
script or style, or an image from a source it does not allow, is a reported violation.
"""

import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from aiosmtpd.controller import Controller
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    Response,
    async_playwright,
    expect,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.app import create_app
from inkwell.config import Settings
from inkwell.db import create_engine
from inkwell.migrations import upgrade_database
from tests.conftest import NO_RATE_LIMITS, SECRET_KEY, Account
from tests.web.browser.signing_in import sign_in

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
# The README's pictures are taken by the tests that show those pages, and written only when
# asked (`make screenshots`): a test run leaves the checkout as it found it.
SCREENSHOTS = Path(__file__).parents[3] / "docs" / "screenshots"
UPDATE_SCREENSHOTS = os.environ.get("UPDATE_SCREENSHOTS") == "1"
IN_CI = os.environ.get("CI", "").lower() == "true"
# Generous: other test runs share this 2-core machine. A passing check returns at once.
expect.set_options(timeout=15_000)
# Chromium reports every response with an error status in the console, as an error.
FAILED_LOAD = "Failed to load resource: the server responded with a status of"
# Pages report every CSP violation here (the binding outlives navigations).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Overrides the two-backend fixture: the browser tests need one database, SQLite."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('browser') / 'inkwell.db'}"
    engine = create_engine(Settings(database_url=url))
    await upgrade_database(engine)
    await engine.dispose()
    return url


@pytest.fixture(scope="session")
def live_server(
    database_url: str, mail_server: Controller, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread; yields its base URL.

    Its emails go to `mail_server`, and their links point back at it.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    host, port = listener.getsockname()
    base_url = f"http://{host}:{port}"
    settings = Settings(
        environment="test",
        database_url=database_url,
        media_dir=tmp_path_factory.mktemp("media"),
        argon2_time_cost=1,
        argon2_memory_cost_kib=64,
        secret_key=SECRET_KEY,
        public_base_url=base_url,
        smtp_host=mail_server.hostname,
        smtp_port=mail_server.port,
        smtp_security="none",
        # Each test empties the database behind the server's back, which no cache would see.
        anonymous_cache_bytes=0,
        **NO_RATE_LIMITS,
    )
    config = uvicorn.Config(create_app(settings), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the test server stopped while starting"
        assert time.monotonic() < deadline, "the test server did not start in 30 s"
        time.sleep(0.05)
    yield base_url
    server.should_exit = True
    thread.join(timeout=30)
    listener.close()


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's headless Chromium; skips where it is missing, except in CI, where it must run."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if IN_CI:
            pytest.fail(f"{message}; in CI the browser tests must run.", pytrace=False)
        pytest.skip(message)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as browser:
        yield browser


@dataclass
class PageProblems:
    """What a person would see in the devtools console: errors and CSP violations."""

    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    expected_statuses: set[int] = field(default_factory=set)
    expected_failures: set[str] = field(default_factory=set)

    def expect_api_error(self, status: int) -> None:
        """The test provokes this error status from the API on purpose, to see it shown."""
        self.expected_statuses.add(status)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        url = message.location.get("url")
        if not (message.text.startswith(FAILED_LOAD) and url in self.expected_failures):
            self.console_errors.append(f"{message.text} ({url})")

    def on_response(self, response: Response) -> None:
        """A page the test opened on purpose may answer 404; its scripts and styles may not."""
        if response.status < 400:
            return
        if response.request.is_navigation_request() or response.status in self.expected_statuses:
            self.expected_failures.add(response.url)

    def all(self) -> list[str]:
        return self.console_errors + self.csp_violations


@pytest.fixture
async def context(
    browser: Browser, live_server: str, engine: AsyncEngine
) -> AsyncIterator[BrowserContext]:
    """A fresh browser profile (no cookies) at desktop size; `engine` empties the tables after."""
    context = await browser.new_context(base_url=live_server, viewport=DESKTOP)
    yield context
    await context.close()


@pytest.fixture
async def signed_in(context: BrowserContext, author: Account) -> Account:
    """The `author` of the root conftest, signed in in this test's browser."""
    await sign_in(context, "author")
    return author


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


async def watched_page(context: BrowserContext, problems: PageProblems) -> Page:
    """A new tab whose console errors and CSP violations go into `problems`."""
    await context.expose_binding(
        "reportCspViolation", lambda _source, text: problems.csp_violations.append(text)
    )
    await context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = await context.new_page()
    page.on("console", problems.on_console)
    page.on("pageerror", lambda error: problems.console_errors.append(str(error)))
    page.on("response", problems.on_response)
    return page


async def loaded_width(image: Locator) -> int:
    """The picture's natural width once the browser has it; a broken or blocked one fails."""
    width: int = await image.evaluate(
        "async (img) => { await img.decode(); return img.naturalWidth; }"
    )
    return width


@pytest.fixture
async def page(context: BrowserContext, problems: PageProblems) -> AsyncIterator[Page]:
    """A tab whose console must stay free of errors and CSP violations for the whole test."""
    page = await watched_page(context, problems)
    yield page
    assert problems.all() == [], "the browser console reported problems"


async def photograph(page: Page, name: str, *, full_page: bool = False) -> None:
    """The page as the README shows it (docs/screenshots/NAME), when asked."""
    if UPDATE_SCREENSHOTS:
        await page.screenshot(path=SCREENSHOTS / name, full_page=full_page)
