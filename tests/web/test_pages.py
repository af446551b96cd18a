"""The pages at the HTTP level, on both backends: what they show, how they escape, how they fail."""

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from httpx import ASGITransport, AsyncClient

from inkwell.app import create_app
from inkwell.config import Settings
from inkwell.errors import TooManyRequests
from inkwell.posts.rows import ListedPost
from inkwell.users.models import User
from inkwell.web.common import PageRoute
from inkwell.web.rendering import Site, page_templates, readable_date
from tests.conftest import PASSWORD, Account, Api, StartedApp, started
from tests.factories import Factory

XSS = "<script>alert(1)</script>"
ESCAPED_XSS = "&lt;script&gt;alert(1)&lt;/script&gt;"


# A script of these types is a data block (JSON-LD for search engines): never run, so no
# Content-Security-Policy applies to it.
DATA_BLOCKS = {"application/ld+json"}


class InlineCode(HTMLParser):
    """Collects what a strict Content-Security-Policy would block: inline scripts, inline
    event handlers and style attributes or elements."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names and dict(attrs).get("type") not in DATA_BLOCKS:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        self.found += [f"{name} on <{tag}>" for name in names if name.startswith("on")]
        if "style" in names:
            self.found.append(f"style attribute on <{tag}>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


async def test_the_home_page_lists_posts_newest_first(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    for title in ("First", "Second", "Third"):
        await factory.post(author, title=title)
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    assert html.index("Third") < html.index("Second") < html.index("First")


async def test_dates_are_shown_in_a_readable_form(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    """How long ago, and the exact date and time in the title, rendered by the server."""
    post = await factory.post(author)
    html = (await client.get(str(post["url"]))).text
    match = re.search(r'<time datetime="([^"]+)" title="([^"]+)">([^<]+)</time>', html)
    assert match is not None
    published = datetime.fromisoformat(str(post["published_at"]))
    assert datetime.fromisoformat(match[1]) == published
    assert match[2] == published.strftime("%b %-d, %Y, %H:%M UTC")
    assert match[3] == "just now"


async def test_a_script_written_by_a_user_is_escaped_everywhere(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    post = await factory.post(author, title=XSS, content=XSS)
    for path in ("/", str(post["url"]), "/@author"):
        html = (await client.get(path)).text
        assert XSS not in html, path
        assert ESCAPED_XSS in html, path


async def test_load_more_points_at_the_next_page_while_there_is_one(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    for _ in range(3):
        await factory.post(author)
    first = (await client.get("/?limit=2")).text
    older = re.search(r'href="\?cursor=([\w-]+)&amp;limit=2"', first)
    assert older is not None, first
    assert f'data-api="/api/posts" data-cursor="{older[1]}" data-limit="2"' in first
    last = (await client.get("/", params={"cursor": older[1], "limit": 2})).text
    assert 'id="load-more"' not in last


async def test_a_users_page_loads_more_from_that_users_posts(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    other = await factory.account("other")
    for writer in (author, author, other):
        await factory.post(writer, title=f"By {writer.user['username']}")
    html = (await client.get("/@author?limit=1")).text
    assert f'data-api="/api/users/{author.id}/posts"' in html
    assert "By author" in html
    assert "By other" not in html


@pytest.mark.parametrize(
    "path",
    ["/", "{url}", "/@author", "/login", "/register", "/forgot-password",
     "/reset-password?token=abc", "/reset-password", "/confirm-email?token=abc",
     "/confirm-email", "/no-such-page"],
)  # fmt: skip
async def test_pages_carry_no_inline_code_that_a_strict_csp_would_block(
    client: AsyncClient, factory: Factory, author: Account, path: str
) -> None:
    post = await factory.post(author)
    html = (await client.get(path.format(**post))).text
    assert inline_code(html) == []


def test_the_inline_code_check_finds_what_it_looks_for() -> None:
    html = '<script>x()</script><a onclick="x()" style="color:red">a</a><style>p{}</style>'
    assert sorted(inline_code(html)) == [
        "<style> element",
        "inline <script>",
        "onclick on <a>",
        "style attribute on <a>",
    ]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/no/such/page", "There is nothing at this address"),
        ("/posts/4242", "Post not found"),
        ("/users/4242/posts", "User not found"),
        ("/posts/not-a-number", "There is nothing at this address"),
        ("/posts/99999999999", "There is nothing at this address"),
    ],
)
async def test_a_page_that_does_not_exist_is_the_html_404_page(
    client: AsyncClient, path: str, message: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert '<h1 class="h3 mb-3">Page not found</h1>' in response.text
    assert message in response.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/no-such-thing", 404),
        ("/api/posts/4242", 404),
        ("/api/posts/not-a-number", 404),
        ("/health/no-such-check", 404),
    ],
)
async def test_api_errors_stay_json(client: AsyncClient, path: str, status: int) -> None:
    response = await client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert "detail" in response.json()


def error_shown(html: str) -> tuple[str, str]:
    """The error page's title and message."""
    title = re.search(r'<h1 class="h3 mb-3">(.*?)</h1>', html)
    message = re.search(r'<p class="lead text-body-secondary mb-4">(.*?)</p>', html)
    assert title is not None, html
    assert message is not None, html
    return title[1], message[1]


async def test_a_wrong_method_on_a_page_is_an_html_page_that_says_so(client: AsyncClient) -> None:
    response = await client.delete("/")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    # Its title says it all: there is no message of the status's own to add.
    assert error_shown(response.text) == ("That is not something this page does", "")


@pytest.fixture
async def failing_client(app: FastAPI, started_app: StartedApp) -> AsyncIterator[AsyncClient]:
    """A client for an app with a page and an API route that fail unexpectedly, and a page
    that refuses its visitor for now."""

    async def fail() -> None:
        raise RuntimeError("a bug")

    async def limited() -> None:
        raise TooManyRequests("Too many comments", retry_after=7)

    app.router.add_api_route("/broken-page", fail, route_class_override=PageRoute)
    app.router.add_api_route("/limited-page", limited, route_class_override=PageRoute)
    app.add_api_route("/api/broken", fail)
    transport = ASGITransport(app=started_app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_an_unexpected_error_on_a_page_is_the_friendly_500_page(
    failing_client: AsyncClient,
) -> None:
    response = await failing_client.get("/broken-page")
    assert response.status_code == 500
    assert error_shown(response.text) == (
        "Something went wrong",
        "An unexpected error happened on our side. It has been logged; please try again.",
    )
    assert "a bug" not in response.text
    assert "Internal server error" not in response.text


async def test_an_error_whose_status_has_no_title_of_its_own_says_that_did_not_work(
    failing_client: AsyncClient,
) -> None:
    response = await failing_client.get("/limited-page")
    assert response.status_code == 429
    assert error_shown(response.text) == (
        "That did not work",
        "Too many comments; try again in 7 seconds",
    )
    assert response.headers["retry-after"] == "7"


async def test_an_unexpected_error_in_the_api_stays_json(failing_client: AsyncClient) -> None:
    response = await failing_client.get("/api/broken")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error", "code": "internal_error"}


@pytest.mark.parametrize("path", ["/account", "/posts/new"])
async def test_pages_for_signed_in_users_send_visitors_to_sign_in(
    client: AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=%2F{path[1:].replace('/', '%2F')}"


@pytest.mark.parametrize(
    ("next_path", "redirect"),
    [("/account", "/account"), ("//evil.example/", "/"), ("https://evil.example/", "/"),
     ("/\\evil.example", "/")],
)  # fmt: skip
async def test_signing_in_returns_only_to_a_page_of_this_site(
    client: AsyncClient, next_path: str, redirect: str
) -> None:
    html = (await client.get("/login", params={"next": next_path})).text
    assert f'data-redirect="{redirect}"' in html


@pytest.mark.parametrize("path", ["/", "/login", "/register"])
async def test_a_page_answers_head_as_it_answers_get_without_the_body(
    client: AsyncClient, path: str
) -> None:
    got, head = await client.get(path), await client.head(path)
    assert head.status_code == got.status_code
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-security-policy"] == got.headers["content-security-policy"]
    assert head.content == b""


def test_every_page_module_serves_its_pages_as_page_routes(settings: Settings) -> None:
    """Each area's module makes its router with `page_router()`: its pages stay out of the
    API's document, and are told from API endpoints by their route class."""
    routes = [
        context.original_route for context in iter_route_contexts(create_app(settings).routes)
    ]
    pages = [
        route
        for route in routes
        if isinstance(route, APIRoute) and route.endpoint.__module__.startswith("inkwell.web.")
    ]
    paths = {route.path for route in pages}
    assert {
        "/",
        "/posts/{address}",
        "/@{username}",
        "/tags/{tag}",
        "/drafts",
        "/users/{user_id}/posts",
        "/account",
        "/login",
    } <= paths
    assert [route.path for route in pages if not isinstance(route, PageRoute)] == []
    assert [route.path for route in pages if route.include_in_schema] == []


def test_the_reset_page_carries_its_token_escaped() -> None:
    html = render("reset_password.html", None, token='a"b<c', usable=True, back="/")
    assert 'name="token" value="a&#34;b&lt;c"' in html


async def test_the_reset_page_without_a_token_offers_a_new_link(client: AsyncClient) -> None:
    html = (await client.get("/reset-password")).text
    assert 'id="reset-password-form"' not in html
    assert 'href="/forgot-password"' in html


TEMPLATES = page_templates(
    auto_reload=False, site=Site("Inkwell", "A blog platform.", "http://127.0.0.1:8000")
)


def render(name: str, current_user: User | None, **context: object) -> str:
    return TEMPLATES.get_template(name).render(
        current_user=current_user, **{"csrf_token": "", "notices": {}, **context}
    )


@pytest.mark.parametrize(
    ("environment", "reloads"), [("development", True), ("test", False), ("production", False)]
)
async def test_templates_reload_from_disk_only_in_development(
    settings: Settings, environment: str, reloads: bool
) -> None:
    app = create_app(settings.model_copy(update={"environment": environment}))
    async with started(app) as served:
        assert served.state["templates"].env.auto_reload is reloads


WRITER = User(id=7, username="writer", email="writer@example.com", image_file=None)


def signed_in_page(name: str) -> str:
    return render(name, WRITER)


def test_the_navbar_shows_a_signed_in_user_and_a_way_to_sign_out() -> None:
    html = signed_in_page("new_post.html")
    assert "<span>writer</span>" in html
    assert 'id="sign-out"' in html
    assert 'href="/login"' not in html


async def test_the_confirm_page_carries_its_token_escaped_in_a_form_to_send(
    client: AsyncClient,
) -> None:
    """Opening the link changes nothing (mail scanners open links); the button does."""
    html = (await client.get("/confirm-email", params={"token": 'a"b<c'})).text
    assert 'id="confirm-email-form" data-api-form data-endpoint="/api/users/confirm-email"' in html
    assert 'name="token" value="a&#34;b&lt;c"' in html


async def test_the_confirm_page_without_a_token_sends_to_the_account_page(
    client: AsyncClient,
) -> None:
    html = (await client.get("/confirm-email")).text
    assert 'id="confirm-email-form"' not in html
    assert 'href="/account"' in html


def account_page() -> str:
    """The account page of a user with no cookie session (signed in with a bearer token)."""
    return render("account.html", WRITER, sessions=[], current_session=None, csrf_token="t")


def test_the_account_page_edits_and_deletes_its_users_account() -> None:
    html = account_page()
    assert 'data-endpoint="/api/users/7"' in html
    assert 'data-endpoint="/api/users/7/picture"' in html
    assert 'data-must-equal="writer"' in html
    assert inline_code(html) == []


def a_post_by(author: User) -> ListedPost:
    now = datetime.now(UTC)
    byline = {
        "id": author.id,
        "username": author.username,
        "image_file": None,
        "display_name": None,
    }
    return {
        "id": 3, "title": "Mine", "content": "Words", "content_html": "<p>Words</p>\n",
        "excerpt": "Words", "word_count": 1, "date_posted": now, "updated_at": now,
        "user_id": author.id, "status": "published", "published_at": now, "slug": "mine",
        "tags": [],
        "author": byline, "like_count": 0, "comment_count": 0, "liked": False,
    }  # fmt: skip


def render_post(viewer: User | None) -> str:
    page = {"post": a_post_by(WRITER), "comments": None, "csrf_token": "", "back": "/posts/3-mine"}
    return render("post.html", viewer, **page)


def test_the_author_of_a_post_can_edit_and_delete_it_from_its_page() -> None:
    html = render_post(WRITER)
    assert 'id="edit-post"' in html
    # Edit, publish or unpublish through the API; delete with a plain form (test_deleting_posts).
    assert html.count('data-endpoint="/api/posts/3"') == 2
    assert 'data-method="PATCH"' in html
    assert 'action="/posts/3/delete"' in html
    assert inline_code(html) == []


@pytest.mark.parametrize("viewer", [None, User(id=8, username="reader", email="r@example.com")])
def test_nobody_else_sees_the_edit_and_delete_tools(viewer: User | None) -> None:
    html = render_post(viewer)
    assert 'id="author-tools"' not in html
    assert "js/forms." not in html


async def sign_in(client: AsyncClient, username: str) -> None:
    """From now on the client carries the session cookie, as a browser does after signing in.

    Sign in last: the `api` helpers clear the client's cookies when they sign someone in.
    """
    response = await client.post(
        "/api/users/token", data={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text


@pytest.fixture
async def signed_in(client: AsyncClient, author: Account) -> Account:
    await sign_in(client, "author")
    return author


@pytest.mark.parametrize("path", ["/", "/@author", "/drafts", "/account", "/posts/new"])
async def test_every_page_shows_the_signed_in_user_in_the_navbar(
    client: AsyncClient, signed_in: Account, path: str
) -> None:
    response = await client.get(path.format(id=signed_in.id))
    assert response.status_code == 200
    assert "<span>author</span>" in response.text
    assert 'id="sign-out"' in response.text


async def test_a_signed_in_user_gets_their_own_account_page(
    client: AsyncClient, signed_in: Account
) -> None:
    html = (await client.get("/account")).text
    assert "author@example.com" in html
    assert f'data-endpoint="/api/users/{signed_in.id}"' in html


async def test_a_signed_in_user_gets_the_new_post_form(
    client: AsyncClient, signed_in: Account
) -> None:
    html = (await client.get("/posts/new")).text
    assert 'id="new-post-form" data-api-form data-endpoint="/api/posts"' in html


async def test_the_post_page_gives_its_author_the_edit_tools(
    client: AsyncClient, factory: Factory, signed_in: Account
) -> None:
    post = await factory.post(signed_in)
    html = (await client.get(str(post["url"]))).text
    assert 'id="author-tools"' in html


async def test_the_post_page_gives_another_signed_in_user_no_edit_tools(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    post = await factory.post(await factory.account("other"))
    await sign_in(client, "author")
    html = (await client.get(str(post["url"]))).text
    assert 'id="author-tools"' not in html
    assert "<span>author</span>" in html


async def test_a_session_ended_by_a_password_change_leaves_a_visitor(
    client: AsyncClient, api: Api, signed_in: Account
) -> None:
    await api.change_password(signed_in, "a fresh and long passphrase")
    assert 'href="/login"' in (await client.get("/")).text
    response = await client.get("/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Faccount"


async def test_the_login_page_says_why_after_a_password_change(client: AsyncClient) -> None:
    html = (await client.get("/login", params={"notice": "password-changed"})).text
    assert "Your password is changed and every session has ended." in html


async def test_the_login_page_says_why_after_an_email_change(client: AsyncClient) -> None:
    html = (await client.get("/login", params={"notice": "email-changed"})).text
    assert "Your email is changed and every session has ended." in html


def test_the_account_page_asks_for_the_password_to_change_the_email() -> None:
    html = account_page()
    form = html[html.index('<form method="post" action="/account/email" id="email-form"') :]
    form = form[: form.index("</form>")]
    assert 'name="email"' in form
    assert 'name="current_password" type="password" required' in form
    assert 'data-redirect="/account?saved=email#email-heading"' in form
    assert (
        'name="email"' not in html[html.index('id="profile-form"') : html.index('id="email-form"')]
    )


async def test_the_login_page_ignores_a_notice_it_does_not_know(client: AsyncClient) -> None:
    html = (await client.get("/login", params={"notice": "<b>you were hacked</b>"})).text
    assert 'data-testid="login-notice"' not in html
    assert "hacked" not in html


@pytest.mark.parametrize("path", ["/posts/4242", "/users/4242/posts", "/posts/not-a-number"])
async def test_an_error_on_a_page_still_shows_who_is_signed_in(
    client: AsyncClient, signed_in: Account, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert "<span>author</span>" in response.text


@pytest.mark.parametrize(
    "path",
    ["/forgot-password", "/reset-password?token=abc", "/account",
     "/posts/new", "{url}", "/confirm-email?token=abc"],
)  # fmt: skip
async def test_a_form_sent_without_its_script_keeps_its_fields_out_of_the_address(
    client: AsyncClient, factory: Factory, signed_in: Account, path: str
) -> None:
    """Before forms.js runs (or without JavaScript) a browser sends a form itself: as a POST,
    so no password ends up in the address bar, the history or an access log. (The navbar's
    search box is the one form meant to be a GET: a search has an address.)"""
    post = await factory.post(signed_in)
    html = (await client.get(path.format(**post))).text
    forms = [form for form in re.findall(r"<form\b[^>]*>", html) if 'role="search"' not in form]
    assert forms
    assert all('method="post"' in form for form in forms), forms


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2026, 1, 5, 23, 59, tzinfo=UTC), "Jan 5, 2026"),
        (datetime(2026, 11, 25, tzinfo=UTC), "Nov 25, 2026"),
    ],
)
def test_dates_read_as_the_load_more_script_writes_them(moment: datetime, shown: str) -> None:
    """load-more.js formats appended posts with Intl.DateTimeFormat("en-US") in UTC."""
    assert readable_date(moment) == shown
