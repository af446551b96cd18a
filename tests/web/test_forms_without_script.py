"""Signing in, creating an account and signing out without JavaScript: the forms post to
the site, which answers them itself, with the API's protections, and shows each problem at
its field."""

import re

import pytest
from httpx import AsyncClient

from tests.conftest import PASSWORD
from tests.factories import Account, Factory
from tests.web.test_pages import error_shown

FOREIGN = {"Origin": "https://evil.example.com"}


def field_tag(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    assert match is not None, name
    return match.group(0)


def field_message(html: str, field_id: str) -> str:
    match = re.search(
        rf'<div class="invalid-feedback" id="{field_id}-error"[^>]*>([^<]*)</div>', html
    )
    assert match is not None, field_id
    return match.group(1)


async def test_the_sign_in_form_signs_in_and_goes_to_the_next_page(
    client: AsyncClient, author: Account
) -> None:
    form = {"username": "author", "password": PASSWORD, "next": "/drafts"}
    response = await client.post("/login", data=form)
    assert response.status_code == 303
    assert response.headers["location"] == "/drafts"
    assert {"inkwell_session", "inkwell_refresh", "inkwell_csrf"} <= set(response.cookies)
    assert "<span>author</span>" in (await client.get("/")).text


async def test_the_sign_in_form_goes_to_no_other_site(client: AsyncClient, author: Account) -> None:
    form = {"username": "author", "password": PASSWORD, "next": "//evil.example.com/"}
    response = await client.post("/login", data=form)
    assert response.headers["location"] == "/"


async def test_a_wrong_password_shows_the_form_again_saying_so(
    client: AsyncClient, author: Account
) -> None:
    response = await client.post("/login", data={"username": "author", "password": "wrong one"})
    assert response.status_code == 401
    assert "Incorrect username or password" in response.text
    assert 'value="author"' in field_tag(response.text, "username")
    assert "wrong one" not in response.text
    assert "inkwell_session" not in response.cookies


async def test_an_empty_sign_in_field_is_marked_at_the_field(client: AsyncClient) -> None:
    response = await client.post("/login", data={"username": "author"})
    assert response.status_code == 422
    password = field_tag(response.text, "password")
    assert 'aria-invalid="true"' in password
    assert 'aria-describedby="password-error"' in password
    assert field_message(response.text, "password") == "Fill in this field."
    assert 'aria-invalid="true"' not in field_tag(response.text, "username")


async def test_the_sign_in_form_keeps_the_page_to_go_to_after_a_problem(
    client: AsyncClient, author: Account
) -> None:
    form = {"username": "author", "password": "wrong one", "next": "/drafts"}
    response = await client.post("/login", data=form)
    assert '<input type="hidden" name="next" value="/drafts">' in response.text


async def test_the_sign_in_form_is_refused_from_another_site(
    client: AsyncClient, author: Account
) -> None:
    form = {"username": "author", "password": PASSWORD}
    response = await client.post("/login", data=form, headers=FOREIGN)
    assert response.status_code == 403
    assert "inkwell_session" not in response.cookies


async def test_the_registration_form_creates_the_account_and_signs_in(
    client: AsyncClient,
) -> None:
    form = {"username": "newcomer", "email": "newcomer@example.com", "password": PASSWORD}
    response = await client.post("/register", data=form)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert "<span>newcomer</span>" in (await client.get("/")).text


async def test_a_common_password_is_refused_at_its_field_in_plain_words(
    client: AsyncClient,
) -> None:
    form = {"username": "newcomer", "email": "newcomer@example.com", "password": "password123"}
    response = await client.post("/register", data=form)
    assert response.status_code == 422
    assert field_message(response.text, "password").startswith("Choose a less common password")
    assert "Value error" not in response.text
    assert 'value="newcomer"' in field_tag(response.text, "username")
    assert 'value="newcomer@example.com"' in field_tag(response.text, "email")
    assert "password123" not in response.text


async def test_each_field_of_the_registration_form_says_its_own_problem(
    client: AsyncClient,
) -> None:
    form = {"username": "new comer", "email": "nope", "password": "short"}
    html = (await client.post("/register", data=form)).text
    assert field_message(html, "username") == (
        "Use only letters, digits, “_”, “.” and “-”, and not dots alone."
    )
    assert field_message(html, "email") == "Enter a valid email address, such as name@example.com."
    assert field_message(html, "password") == "Use at least 8 characters."
    # The help under the field still describes it, beside the problem.
    assert 'aria-describedby="username-help username-error"' in field_tag(html, "username")


async def test_a_taken_username_is_said_at_the_username_field(
    client: AsyncClient, author: Account
) -> None:
    form = {"username": "author", "email": "other@example.com", "password": PASSWORD}
    response = await client.post("/register", data=form)
    assert response.status_code == 409
    assert field_message(response.text, "username") == "This username is taken. Choose another."


async def test_the_registration_form_is_refused_from_another_site(client: AsyncClient) -> None:
    form = {"username": "newcomer", "email": "newcomer@example.com", "password": PASSWORD}
    response = await client.post("/register", data=form, headers=FOREIGN)
    assert response.status_code == 403
    assert (await client.post("/login", data=form | {"username": "newcomer"})).status_code == 401


async def _signed_in_with_form(client: AsyncClient) -> str:
    await client.post("/login", data={"username": "author", "password": PASSWORD})
    return client.cookies["inkwell_csrf"]


async def test_the_sign_out_form_ends_the_session_and_goes_home(
    client: AsyncClient, author: Account
) -> None:
    csrf = await _signed_in_with_form(client)
    session_cookie = client.cookies["inkwell_session"]
    response = await client.post("/logout", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert "inkwell_session" not in client.cookies
    client.cookies.set("inkwell_session", session_cookie)
    client.cookies.set("inkwell_csrf", csrf)
    assert "<span>author</span>" not in (await client.get("/")).text


async def test_the_sign_out_form_without_its_csrf_field_is_refused(
    client: AsyncClient, author: Account
) -> None:
    await _signed_in_with_form(client)
    response = await client.post("/logout", data={"csrf_token": "guess"})
    assert response.status_code == 403
    assert "<span>author</span>" in (await client.get("/")).text


async def test_the_navbar_signs_out_with_a_plain_form_carrying_the_csrf_field(
    client: AsyncClient, author: Account
) -> None:
    csrf = await _signed_in_with_form(client)
    html = (await client.get("/")).text
    form = html[html.index('<form method="post" action="/logout">') :]
    assert (
        f'<input type="hidden" name="csrf_token" value="{csrf}">' in form[: form.index("</form>")]
    )


@pytest.mark.parametrize(
    ("path", "location"),
    [("/login", "/"), ("/login?next=/drafts", "/drafts"), ("/register", "/")],
)
async def test_a_signed_in_user_is_sent_on_from_the_sign_in_pages(
    client: AsyncClient, author: Account, path: str, location: str
) -> None:
    await _signed_in_with_form(client)
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == location


async def test_the_phone_menu_button_is_a_link_to_the_menu(client: AsyncClient) -> None:
    html = (await client.get("/")).text
    assert re.search(r'<a class="navbar-toggler" href="#nav-links"', html)
    assert 'id="nav-links"' in html
    css = (await client.get("/static/css/inkwell.css")).text
    assert ".navbar-collapse.collapse:target" in css


async def test_the_no_script_banner_says_writing_posts_needs_javascript(
    client: AsyncClient,
) -> None:
    html = (await client.get("/")).text
    banner = html[html.index("<noscript>") : html.index("</noscript>")]
    assert "changing its settings work without JavaScript" in banner
    assert "writing posts needs it" in banner


async def test_a_page_of_posts_past_the_first_links_back_to_the_newest(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    await factory.posts(author, 5)
    first = (await client.get("/", params={"limit": 2})).text
    assert 'data-testid="newest-posts"' not in first
    third = (await client.get("/", params={"skip": 4, "limit": 2})).text
    assert re.search(r'<a href="\?limit=2" data-testid="newest-posts">', third)


@pytest.mark.parametrize(
    ("query", "limit"),
    [("limit=101", 100), ("limit=0", 1), ("skip=-1", 10), ("skip=-1&limit=-5", 1)],
)
async def test_a_listing_page_clamps_its_skip_and_limit(
    *, client: AsyncClient, factory: Factory, author: Account, query: str, limit: int
) -> None:
    await factory.posts(author, 101)
    response = await client.get(f"/?{query}")
    assert response.status_code == 200
    assert response.text.count('<article class="card post-card') == limit + 1  # + the template
    assert f'data-limit="{limit}"' in response.text


async def test_the_api_still_refuses_a_limit_out_of_bounds(client: AsyncClient) -> None:
    assert (await client.get("/api/posts", params={"limit": 101})).status_code == 422


async def test_the_empty_home_page_invites_a_visitor_to_write_the_first_post(
    client: AsyncClient,
) -> None:
    html = (await client.get("/")).text
    assert 'data-testid="empty-home"' in html
    assert 'href="/register">Create an account and write the first post</a>' in html


async def test_the_empty_home_page_invites_a_signed_in_user_to_write_the_first_post(
    client: AsyncClient, author: Account
) -> None:
    await _signed_in_with_form(client)
    html = (await client.get("/")).text
    assert 'href="/posts/new">Write the first post</a>' in html


async def test_a_form_refused_by_its_csrf_check_says_to_reload_its_page(
    client: AsyncClient, author: Account
) -> None:
    """The page held the CSRF cookie's value of before the reader signed in again."""
    await _signed_in_with_form(client)
    response = await client.post("/notifications/read", data={"csrf_token": "stale"})
    assert response.status_code == 403
    assert error_shown(response.text) == (
        "This form has expired",
        "The page that held it is older than your last sign-in or sign-out. "
        "Go back, reload the page, and send the form again.",
    )


async def test_a_form_from_another_site_is_refused_in_a_readers_words(
    client: AsyncClient, author: Account
) -> None:
    form = {"username": "author", "password": PASSWORD}
    response = await client.post("/login", data=form, headers=FOREIGN)
    assert response.status_code == 403
    assert error_shown(response.text)[0] == "This form was not sent from Inkwell"
    assert "Cross-site request refused" not in response.text


async def test_an_authors_empty_page_says_they_have_written_nothing_yet(
    client: AsyncClient, author: Account
) -> None:
    """Not the home page's call to write the first post, on someone else's page."""
    html = (await client.get("/@author")).text
    assert 'data-testid="empty-author"' in html
    assert "author has not published anything yet." in html
    assert "write the first post" not in html


async def test_an_authors_empty_page_invites_them_to_write_their_first_post(
    client: AsyncClient, author: Account
) -> None:
    await _signed_in_with_form(client)
    html = (await client.get("/@author")).text
    assert 'data-testid="empty-author"' in html
    assert 'href="/posts/new">Write your first post</a>' in html


async def test_a_suspended_authors_page_tells_an_admin_their_posts_are_hidden(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    """And lists them, for the admin to find and delete."""
    admin = await factory.account("admin", role="admin")
    await factory.post(author, title="Cheap pens")
    await client.post(f"/api/users/{author.id}/suspend", headers=admin.headers)
    html = (await client.get("/@author", headers=admin.headers)).text
    assert "Their posts are hidden from everyone but admins while they are suspended." in html
    assert "Cheap pens" in html
