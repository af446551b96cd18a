"""The account page's sessions: the list, each session's "Sign out" and "Sign out
everywhere", plain forms with the CSRF token that work without JavaScript; a page that
renews the sign-in without the CSRF cookie gives its forms the token it sets."""

import re
from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.app import create_app
from inkwell.config import Settings
from tests.auth.signing_in import FIREFOX, IPHONE, ME, sign_in
from tests.auth.test_sessions import set_cookies, with_cookies
from tests.conftest import Account, StartedApp, started
from tests.factories import Factory


@pytest.fixture
async def ada(factory: Factory) -> Account:
    return await factory.account("ada")


@pytest.fixture
async def phone(started_app: StartedApp, ada: Account) -> AsyncIterator[AsyncClient]:
    """Another browser where ada is signed in."""
    transport = ASGITransport(app=started_app)
    headers = {"User-Agent": IPHONE}
    async with AsyncClient(transport=transport, base_url="http://test", headers=headers) as phone:
        await sign_in(phone)
        yield phone


@pytest.fixture
async def laptop(client: AsyncClient, phone: AsyncClient) -> AsyncClient:
    """The test's client, signed in as ada after the phone."""
    client.headers["User-Agent"] = FIREFOX
    await sign_in(client)
    return client


CSRF_FIELDS = re.compile(r'name="csrf_token" value="([^"]*)"')


async def session_ids(client: AsyncClient) -> dict[str, str]:
    return {item["device"]: item["id"] for item in (await client.get("/api/sessions")).json()}


async def test_the_account_page_lists_the_sessions_with_this_browsers_marked(
    laptop: AsyncClient,
) -> None:
    html = (await laptop.get("/account")).text
    assert html.count('data-testid="session"') == 2
    assert "Firefox on Windows" in html
    assert "Mobile Safari on iOS" in html
    assert html.count('data-testid="current-session"') == 1
    assert html.index("Firefox on Windows") < html.index('data-testid="current-session"')


SIGN_OUT_NAMES = re.compile(r'<button [^>]*aria-label="([^"]*)">Sign out</button>')


async def test_each_sessions_sign_out_button_has_a_name_of_its_own(
    started_app: StartedApp, laptop: AsyncClient
) -> None:
    """Browsers of one kind, all seen this minute, are not one name said three times."""
    transport = ASGITransport(app=started_app)
    for _ in range(2):
        headers = {"User-Agent": IPHONE}
        async with AsyncClient(
            transport=transport, base_url="http://test", headers=headers
        ) as other:
            await sign_in(other)

    names = SIGN_OUT_NAMES.findall((await laptop.get("/account")).text)

    assert sorted(names) == [
        "Sign out Mobile Safari on iOS, last seen just now (1 of 3)",
        "Sign out Mobile Safari on iOS, last seen just now (2 of 3)",
        "Sign out Mobile Safari on iOS, last seen just now (3 of 3)",
        "Sign out here",
    ]


async def test_each_session_has_a_plain_sign_out_form_with_the_csrf_token(
    laptop: AsyncClient,
) -> None:
    html = (await laptop.get("/account")).text
    token = laptop.cookies["inkwell_csrf"]
    for session_id in (await session_ids(laptop)).values():
        assert f'<form method="post" action="/account/sessions/{session_id}/end">' in html
    assert '<form method="post" action="/account/sessions/end-all"' in html
    # Each session's form, "Sign out everywhere", the navbar's Sign out, and the picture,
    # profile, notification emails, email, password and delete forms (they work without
    # JavaScript too; with no picture to remove, there is no form to remove it).
    assert html.count(f'name="csrf_token" value="{token}"') == 10


async def test_signing_a_session_out_from_the_page_ends_it_and_returns_to_the_list(
    laptop: AsyncClient, phone: AsyncClient
) -> None:
    phones = (await session_ids(laptop))["Mobile Safari on iOS"]
    response = await laptop.post(
        f"/account/sessions/{phones}/end", data={"csrf_token": laptop.cookies["inkwell_csrf"]}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/account#sessions-heading"
    assert (await phone.get(ME)).status_code == 401
    assert "Mobile Safari on iOS" not in (await laptop.get("/account")).text


async def test_signing_this_browser_out_from_the_page_goes_to_the_sign_in_page(
    laptop: AsyncClient, phone: AsyncClient
) -> None:
    own = (await session_ids(laptop))["Firefox on Windows"]
    response = await laptop.post(
        f"/account/sessions/{own}/end", data={"csrf_token": laptop.cookies["inkwell_csrf"]}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert all("max-age=0" in line.lower() for line in response.headers.get_list("set-cookie"))
    assert (await phone.get(ME)).status_code == 200


async def test_signing_out_everywhere_from_the_page_ends_every_session(
    laptop: AsyncClient, phone: AsyncClient, ada: Account
) -> None:
    response = await laptop.post(
        "/account/sessions/end-all", data={"csrf_token": laptop.cookies["inkwell_csrf"]}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login?notice=signed-out-everywhere"
    assert "inkwell_session" not in laptop.cookies
    assert (await phone.get(ME)).status_code == 401
    assert (await laptop.get(ME, headers=ada.headers)).status_code == 401
    notice = (await laptop.get(response.headers["location"])).text
    assert "You are signed out on every device." in notice


async def test_another_users_session_cannot_be_ended_from_the_page(
    laptop: AsyncClient, phone: AsyncClient, factory: Factory, started_app: StartedApp
) -> None:
    phones = (await session_ids(laptop))["Mobile Safari on iOS"]
    await factory.user("mallory")
    transport = ASGITransport(app=started_app)
    async with AsyncClient(transport=transport, base_url="http://test") as mallory:
        await sign_in(mallory, "mallory")
        response = await mallory.post(
            f"/account/sessions/{phones}/end", data={"csrf_token": mallory.cookies["inkwell_csrf"]}
        )
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert (await phone.get(ME)).status_code == 200


@pytest.mark.parametrize("path", ["/account/sessions/end-all", "/account/sessions/abc/end"])
@pytest.mark.parametrize(
    ("data", "headers"),
    [({"csrf_token": "guessed"}, {}), ({"csrf_token": None}, {"Origin": "https://evil.example"})],
    ids=["a guessed token", "another site"],
)
async def test_the_session_forms_refuse_a_wrong_token_or_another_site(
    laptop: AsyncClient,
    phone: AsyncClient,
    path: str,
    data: dict[str, str | None],
    headers: dict[str, str],
) -> None:
    body = {key: value or laptop.cookies["inkwell_csrf"] for key, value in data.items()}
    response = await laptop.post(path, data=body, headers=headers)
    assert response.status_code == 403
    assert (await phone.get(ME)).status_code == 200


async def test_the_session_forms_work_from_the_public_base_url_behind_a_proxy(
    settings: Settings, engine: AsyncEngine, ada: Account
) -> None:
    """The browser sends the published address as the form's Origin, not the one the app
    is reached at behind the proxy; scheme and host compare without regard to case."""
    app = create_app(settings.model_copy(update={"public_base_url": "https://Blog.Example.org/"}))
    async with (
        started(app) as started_app,
        AsyncClient(transport=ASGITransport(app=started_app), base_url="https://test") as client,
    ):
        await sign_in(client)
        response = await client.post(
            "/account/sessions/end-all",
            data={"csrf_token": client.cookies["inkwell_csrf"]},
            headers={"Origin": "https://blog.example.org"},
        )
    assert response.status_code == 303
    assert response.headers["location"] == "/login?notice=signed-out-everywhere"


@pytest.mark.parametrize("path", ["/account/sessions/end-all", "/account/sessions/abc/end"])
async def test_the_session_forms_send_a_visitor_to_sign_in(client: AsyncClient, path: str) -> None:
    response = await client.post(path, data={"csrf_token": "x"})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


# A page that renews the sign-in from the refresh cookie alone (the CSRF cookie expired or
# was cleared): its forms carry the CSRF token its response sets, so the next form works.


def keep_only_the_refresh_cookie(client: AsyncClient) -> None:
    with_cookies(client, inkwell_refresh=client.cookies["inkwell_refresh"])


async def test_a_renewing_page_without_the_csrf_cookie_puts_the_token_it_sets_in_its_forms(
    laptop: AsyncClient, phone: AsyncClient
) -> None:
    phones = (await session_ids(laptop))["Mobile Safari on iOS"]
    keep_only_the_refresh_cookie(laptop)

    page = await laptop.get("/account")

    issued = set_cookies(page)["inkwell_csrf"]
    assert len(issued) >= 43  # a new random token, not an empty field
    assert CSRF_FIELDS.findall(page.text) == [issued] * 10
    response = await laptop.post(f"/account/sessions/{phones}/end", data={"csrf_token": issued})
    assert response.status_code == 303
    assert (await phone.get(ME)).status_code == 401


async def test_a_renewing_post_page_without_the_csrf_cookie_gives_its_like_form_the_token(
    laptop: AsyncClient, factory: Factory, ada: Account
) -> None:
    post = await factory.post(ada, title="On ink")
    keep_only_the_refresh_cookie(laptop)

    page = await laptop.get(post["url"])

    issued = set_cookies(page)["inkwell_csrf"]
    like_form = page.text.split(f'action="/posts/{post["id"]}/like"')[1].split("</form>")[0]
    assert CSRF_FIELDS.findall(like_form) == [issued]
    liked = await laptop.post(
        f"/posts/{post['id']}/like", data={"csrf_token": issued, "next": post["url"]}
    )
    assert liked.status_code == 303
    assert f'action="/posts/{post["id"]}/unlike"' in (await laptop.get(post["url"])).text


async def test_the_token_a_renewing_page_set_is_refused_from_a_browser_without_its_cookie(
    laptop: AsyncClient, phone: AsyncClient
) -> None:
    """The double-submit check is as before: the form's token must be the browser's cookie."""
    keep_only_the_refresh_cookie(laptop)
    issued = set_cookies(await laptop.get("/account"))["inkwell_csrf"]

    response = await phone.post("/account/sessions/end-all", data={"csrf_token": issued})

    assert response.status_code == 403
    assert (await phone.get(ME)).status_code == 200
