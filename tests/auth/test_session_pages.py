"""The account page's sessions: the list, each session's "Sign out" and "Sign out
everywhere", plain forms with the CSRF token that work without JavaScript."""

from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.app import create_app
from inkwell.config import Settings
from tests.auth.signing_in import FIREFOX, IPHONE, ME, sign_in
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


async def test_each_session_has_a_plain_sign_out_form_with_the_csrf_token(
    laptop: AsyncClient,
) -> None:
    html = (await laptop.get("/account")).text
    token = laptop.cookies["inkwell_csrf"]
    for session_id in (await session_ids(laptop)).values():
        assert f'<form method="post" action="/account/sessions/{session_id}/end">' in html
    assert '<form method="post" action="/account/sessions/end-all"' in html
    # Each session's form, "Sign out everywhere", and the navbar's Sign out.
    assert html.count(f'name="csrf_token" value="{token}"') == 4


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
