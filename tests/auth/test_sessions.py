"""Cookie sign-in sessions: 14 days renewed while used, rotation of the refresh secret and
what a copy of it can do, ending one session, all of them, and the list of them."""

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from fastapi import FastAPI
from fastapi import Response as FastAPIResponse
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import InstrumentedAttribute

from inkwell.auth import service
from inkwell.auth.dependencies import CurrentUser
from inkwell.auth.models import SignInSession
from inkwell.auth.rows import SessionGrant
from inkwell.config import Settings
from inkwell.db import create_sessionmaker, utcnow
from inkwell.users import service as users
from inkwell.users.models import User
from tests.auth.signing_in import FIREFOX, IPHONE, ME, sign_in
from tests.conftest import Account, Api, StartedApp, StatementCounter
from tests.factories import Factory

T = TypeVar("T")
GRACE = timedelta(seconds=30)  # SESSION_RENEWAL_GRACE_SECONDS's default


@pytest.fixture
async def browser(started_app: StartedApp) -> AsyncIterator[Callable[[str], AsyncClient]]:
    """Opens clients that keep their cookies, as browsers do, each with its User-Agent."""
    opened: list[AsyncClient] = []

    def open_browser(user_agent: str = FIREFOX) -> AsyncClient:
        client = AsyncClient(
            transport=ASGITransport(app=started_app),
            base_url="http://test",
            headers={"User-Agent": user_agent},
        )
        opened.append(client)
        return client

    yield open_browser
    for client in opened:
        await client.aclose()


@pytest.fixture
async def ada(factory: Factory) -> Account:
    return await factory.account("ada")


@pytest.fixture
async def firefox(browser: Callable[[str], AsyncClient], ada: Account) -> AsyncClient:
    """A browser where ada is signed in."""
    client = browser(FIREFOX)
    await sign_in(client)
    return client


def let_access_token_expire(client: AsyncClient) -> None:
    """What the browser does once the access cookie's max-age has passed."""
    client.cookies.delete("inkwell_session")


def with_cookies(client: AsyncClient, **cookies: str) -> None:
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies.set(name, value)


def set_cookies(response: Response) -> dict[str, str]:
    return {
        header.split("=", 1)[0]: header.split("=", 1)[1].split(";", 1)[0]
        for header in response.headers.get_list("set-cookie")
    }


async def stored(engine: AsyncEngine, column: InstrumentedAttribute[T]) -> list[T]:
    """One column of every sign-in session the database holds, whoever's."""
    async with engine.connect() as connection:
        return list((await connection.scalars(select(column))).all())


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[timedelta], None]:
    """Moves the sessions' clock (renewals, expiry) forward from now."""

    def move(by: timedelta) -> None:
        monkeypatch.setattr(service, "utcnow", lambda: utcnow() + by)

    return move


async def test_an_expired_access_token_is_renewed_transparently(firefox: AsyncClient) -> None:
    before = dict(firefox.cookies)
    let_access_token_expire(firefox)
    response = await firefox.get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == "ada"
    renewed = set_cookies(response)
    assert renewed.keys() == {"inkwell_session", "inkwell_refresh", "inkwell_csrf"}
    assert renewed["inkwell_refresh"] != before["inkwell_refresh"]
    assert renewed["inkwell_csrf"] == before["inkwell_csrf"]
    assert response.headers["cache-control"] == "no-store"


def max_ages(response: Response) -> dict[str, int]:
    return {
        header.split("=", 1)[0]: int(header.lower().split("max-age=")[1].split(";")[0])
        for header in response.headers.get_list("set-cookie")
    }


async def test_a_renewal_gives_the_access_cookie_its_tokens_lifetime_and_the_others_14_days(
    firefox: AsyncClient,
) -> None:
    """The session lasts 14 days from its last use: so do the cookies that hold it."""
    let_access_token_expire(firefox)
    response = await firefox.get(ME)
    assert max_ages(response) == {
        "inkwell_session": 30 * 60,
        "inkwell_refresh": 14 * 24 * 3600,
        "inkwell_csrf": 14 * 24 * 3600,
    }


async def test_a_renewal_without_the_csrf_cookie_gives_a_fresh_random_one_that_writes_work_with(
    browser: Callable[[str], AsyncClient], ada: Account
) -> None:
    """A browser that lost its CSRF cookie (or never kept it) is not left unable to write."""
    first, second = browser(FIREFOX), browser(IPHONE)
    for client in (first, second):
        await sign_in(client)
        with_cookies(client, inkwell_refresh=client.cookies["inkwell_refresh"])
    tokens = [set_cookies(await client.get(ME))["inkwell_csrf"] for client in (first, second)]
    assert tokens[0] != tokens[1]
    assert all(len(token) >= 43 for token in tokens)  # 32 random bytes, base64url
    headers = {"X-CSRF-Token": first.cookies["inkwell_csrf"]}
    created = await first.post("/api/posts", json={"title": "t", "content": "c"}, headers=headers)
    assert created.status_code == 201


async def test_signing_out_with_an_expired_access_token_sends_only_the_cookies_cleared(
    firefox: AsyncClient,
) -> None:
    """The request renews the sign-in before it ends it: the renewed cookies must not reach
    the browser beside the cleared ones, or it would keep them."""
    let_access_token_expire(firefox)
    response = await firefox.post(
        "/api/users/logout", headers={"X-CSRF-Token": firefox.cookies["inkwell_csrf"]}
    )
    assert response.status_code == 204
    cleared = response.headers.get_list("set-cookie")
    assert sorted(header.split("=", 1)[0] for header in cleared) == [
        "inkwell_csrf",
        "inkwell_refresh",
        "inkwell_session",
    ]
    assert all("max-age=0" in header.lower() for header in cleared)
    assert not {"inkwell_session", "inkwell_refresh", "inkwell_csrf"} & firefox.cookies.keys()


async def test_a_page_renews_the_sign_in_too(firefox: AsyncClient) -> None:
    let_access_token_expire(firefox)
    response = await firefox.get("/account")
    assert response.status_code == 200
    assert set_cookies(response).keys() == {"inkwell_session", "inkwell_refresh", "inkwell_csrf"}
    assert 'data-testid="current-session"' in response.text


async def test_an_access_cookie_that_no_longer_reads_is_renewed_from_the_refresh_cookie(
    firefox: AsyncClient,
) -> None:
    """A token expires as its cookie does: the browser may still send it in that second."""
    with_cookies(
        firefox,
        inkwell_session="an-expired-or-unreadable-token",
        inkwell_refresh=firefox.cookies["inkwell_refresh"],
    )
    response = await firefox.get(ME)
    assert response.status_code == 200
    assert "inkwell_refresh" in set_cookies(response)


async def test_a_valid_access_token_renews_nothing_and_costs_one_statement(
    firefox: AsyncClient, count_statements: StatementCounter
) -> None:
    count_statements.statements.clear()
    response = await firefox.get(ME)
    assert response.status_code == 200
    assert "set-cookie" not in response.headers
    assert len(count_statements) == 1, count_statements.statements


async def test_the_old_refresh_secret_is_useless_after_rotation(
    browser: Callable[[str], AsyncClient], ada: Account, clock: Callable[[timedelta], None]
) -> None:
    victim, thief = browser(FIREFOX), browser(IPHONE)
    await sign_in(victim)
    stolen = victim.cookies["inkwell_refresh"]
    let_access_token_expire(victim)
    assert (await victim.get(ME)).status_code == 200
    clock(GRACE + timedelta(seconds=1))
    with_cookies(thief, inkwell_refresh=stolen)
    refused = await thief.get(ME)
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_invalid"


async def test_reusing_a_rotated_secret_ends_the_session_for_its_holder_too(
    browser: Callable[[str], AsyncClient], ada: Account, clock: Callable[[timedelta], None]
) -> None:
    """Reuse detection: someone holds a copy. The victim's renewed cookies stop working."""
    victim, thief = browser(FIREFOX), browser(IPHONE)
    await sign_in(victim)
    stolen = victim.cookies["inkwell_refresh"]
    let_access_token_expire(victim)
    assert (await victim.get(ME)).status_code == 200
    clock(GRACE + timedelta(seconds=1))
    with_cookies(thief, inkwell_refresh=stolen)
    assert (await thief.get(ME)).status_code == 401
    assert (await victim.get(ME)).status_code == 401  # its access token, at once
    let_access_token_expire(victim)
    assert (await victim.get(ME)).status_code == 401  # and its refresh secret


async def test_a_thief_who_renews_first_is_signed_out_when_the_owner_comes_back(
    browser: Callable[[str], AsyncClient], ada: Account, clock: Callable[[timedelta], None]
) -> None:
    owner, thief = browser(FIREFOX), browser(IPHONE)
    await sign_in(owner)
    with_cookies(thief, inkwell_refresh=owner.cookies["inkwell_refresh"])
    assert (await thief.get(ME)).status_code == 200
    clock(GRACE + timedelta(seconds=1))
    let_access_token_expire(owner)
    assert (await owner.get(ME)).status_code == 401
    assert (await thief.get(ME)).status_code == 401
    let_access_token_expire(thief)
    assert (await thief.get(ME)).status_code == 401


async def test_a_session_that_does_not_renew_has_its_cookies_cleared(
    firefox: AsyncClient, clock: Callable[[timedelta], None]
) -> None:
    let_access_token_expire(firefox)
    clock(timedelta(days=15))
    response = await firefox.get(ME)
    assert response.status_code == 401
    assert all("max-age=0" in line.lower() for line in response.headers.get_list("set-cookie"))
    assert set_cookies(response).keys() == {"inkwell_session", "inkwell_refresh", "inkwell_csrf"}


async def test_two_requests_renewing_at_once_both_stay_signed_in(
    browser: Callable[[str], AsyncClient], ada: Account
) -> None:
    client, tab = browser(FIREFOX), browser(FIREFOX)
    await sign_in(client)
    let_access_token_expire(client)
    with_cookies(tab, **dict(client.cookies))
    first, second = await asyncio.gather(client.get(ME), tab.get("/account"))
    assert (first.status_code, second.status_code) == (200, 200)
    assert 'data-testid="current-session"' in second.text


async def test_the_replaced_secret_renews_within_the_grace_period_without_a_new_one(
    browser: Callable[[str], AsyncClient], ada: Account
) -> None:
    """The slower of two parallel requests: signed in, and the browser keeps the secret the
    faster one was given."""
    client, slower_tab = browser(FIREFOX), browser(FIREFOX)
    await sign_in(client)
    let_access_token_expire(client)
    replaced = client.cookies["inkwell_refresh"]
    first = await client.get(ME)
    rotated = set_cookies(first)["inkwell_refresh"]
    with_cookies(slower_tab, inkwell_refresh=replaced)
    slower = await slower_tab.get(ME)
    assert slower.status_code == 200
    assert "inkwell_refresh" not in set_cookies(slower)
    with_cookies(client, inkwell_refresh=rotated)
    assert (await client.get(ME)).status_code == 200


async def test_an_unsafe_request_renews_only_with_a_passing_csrf_check(
    firefox: AsyncClient, engine: AsyncEngine
) -> None:
    let_access_token_expire(firefox)
    refused = await firefox.post("/api/posts", json={"title": "t", "content": "c"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    async with engine.connect() as connection:
        assert await connection.scalar(select(SignInSession.rotated_at)) is None
    headers = {"X-CSRF-Token": firefox.cookies["inkwell_csrf"]}
    created = await firefox.post("/api/posts", json={"title": "t", "content": "c"}, headers=headers)
    assert created.status_code == 201


async def test_an_answer_that_renews_a_sign_in_is_kept_by_no_cache_whatever_its_method(
    firefox: AsyncClient,
) -> None:
    """GET and HEAD answers to a signed-in browser are private anyway (caching/); a renewal
    says so itself for every method, as its new cookies are this browser's alone."""
    let_access_token_expire(firefox)
    headers = {"X-CSRF-Token": firefox.cookies["inkwell_csrf"]}
    created = await firefox.post("/api/posts", json={"title": "t", "content": "c"}, headers=headers)
    assert created.status_code == 201
    assert "inkwell_refresh" in set_cookies(created)
    assert created.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "refresh",
    ["", "no-dot", ".secret", "id.", "x" * 23 + ".secret", "id." + "s" * 65, "unknown.secret"],
    ids=["empty", "no dot", "no id", "no secret", "id too long", "secret too long", "unknown"],
)
async def test_a_malformed_or_unknown_refresh_cookie_signs_no_one_in(
    browser: Callable[[str], AsyncClient], ada: Account, refresh: str
) -> None:
    client = browser(FIREFOX)
    with_cookies(client, inkwell_refresh=refresh)
    response = await client.get(ME)
    assert response.status_code == 401
    assert (await client.get("/")).status_code == 200


ISSUED_ID, ISSUED_SECRET = "i" * 22, "s" * 43  # the lengths of what a sign-in issues


@pytest.mark.parametrize(
    "refresh",
    [
        "no-dot",
        ".secret",
        "id.",
        f"{ISSUED_ID}i.{ISSUED_SECRET}",
        f"{ISSUED_ID[1:]}.{ISSUED_SECRET}",
        f"{ISSUED_ID}.{ISSUED_SECRET}s",
        f"{ISSUED_ID}.{ISSUED_SECRET[1:]}",
    ],
    ids=[
        "no dot",
        "no id",
        "no secret",
        "id one too long",
        "id one too short",
        "secret one too long",
        "secret one too short",
    ],
)
async def test_a_malformed_refresh_cookie_is_refused_without_asking_the_database(
    browser: Callable[[str], AsyncClient], count_statements: StatementCounter, refresh: str
) -> None:
    """No session has such an id or secret: a client sending junk costs no statement."""
    client = browser(FIREFOX)
    with_cookies(client, inkwell_refresh=refresh)
    count_statements.statements.clear()
    assert (await client.get(ME)).status_code == 401
    assert count_statements.statements == []


async def test_logout_ends_the_session_on_the_server(
    browser: Callable[[str], AsyncClient], ada: Account
) -> None:
    client, copy = browser(FIREFOX), browser(FIREFOX)
    await sign_in(client)
    cookies = dict(client.cookies)
    response = await client.post(
        "/api/users/logout", headers={"X-CSRF-Token": cookies["inkwell_csrf"]}
    )
    assert response.status_code == 204
    with_cookies(copy, inkwell_session=cookies["inkwell_session"])
    assert (await copy.get(ME)).status_code == 401
    with_cookies(copy, inkwell_refresh=cookies["inkwell_refresh"])
    assert (await copy.get(ME)).status_code == 401


async def test_logout_leaves_the_other_sessions_and_bearer_tokens_signed_in(
    browser: Callable[[str], AsyncClient], ada: Account
) -> None:
    laptop, phone = browser(FIREFOX), browser(IPHONE)
    await sign_in(laptop)
    await sign_in(phone)
    response = await laptop.post(
        "/api/users/logout", headers={"X-CSRF-Token": laptop.cookies["inkwell_csrf"]}
    )
    assert response.status_code == 204
    assert (await phone.get(ME)).status_code == 200
    assert (await phone.get(ME, headers=ada.headers)).status_code == 200


async def test_signing_out_everywhere_ends_every_session_and_token(
    browser: Callable[[str], AsyncClient], ada: Account
) -> None:
    laptop, phone = browser(FIREFOX), browser(IPHONE)
    await sign_in(laptop)
    await sign_in(phone)
    phone_cookies = dict(phone.cookies)
    response = await laptop.delete(
        "/api/sessions", headers={"X-CSRF-Token": laptop.cookies["inkwell_csrf"]}
    )
    assert response.status_code == 204
    assert (await laptop.get(ME)).status_code == 401
    assert (await phone.get(ME)).status_code == 401
    with_cookies(phone, inkwell_refresh=phone_cookies["inkwell_refresh"])
    assert (await phone.get(ME)).status_code == 401
    assert (await phone.get(ME, headers=ada.headers)).status_code == 401


async def test_a_password_change_ends_every_session(
    api: Api, browser: Callable[[str], AsyncClient], ada: Account
) -> None:
    laptop = browser(FIREFOX)
    await sign_in(laptop)
    await api.change_password(ada, "a brand new long passphrase")
    assert (await laptop.get(ME)).status_code == 401
    let_access_token_expire(laptop)
    assert (await laptop.get(ME)).status_code == 401


async def end_sessions_of(engine: AsyncEngine, username: str) -> None:
    """What suspending a user does (users.end_sessions): a new stamp, the sessions' rows kept."""
    async with create_sessionmaker(engine).begin() as session:
        user = await session.scalar(select(User).where(User.username == username))
        assert user is not None
        users.end_sessions(user)


async def test_ending_a_users_sessions_voids_their_refresh_secrets(
    browser: Callable[[str], AsyncClient], ada: Account, engine: AsyncEngine
) -> None:
    """Their browsers cannot renew: the cookies are cleared, not renewed."""
    laptop = browser(FIREFOX)
    await sign_in(laptop)
    await end_sessions_of(engine, "ada")
    let_access_token_expire(laptop)
    response = await laptop.get(ME)
    assert response.status_code == 401
    assert all("max-age=0" in line.lower() for line in response.headers.get_list("set-cookie"))


async def test_a_session_unused_for_14_days_ends(
    firefox: AsyncClient, clock: Callable[[timedelta], None]
) -> None:
    let_access_token_expire(firefox)
    clock(timedelta(days=14, seconds=1))
    assert (await firefox.get(ME)).status_code == 401


async def test_a_session_used_within_14_days_lasts_14_more(
    firefox: AsyncClient, clock: Callable[[timedelta], None]
) -> None:
    for days in (13, 26, 39):
        let_access_token_expire(firefox)
        clock(timedelta(days=days))
        assert (await firefox.get(ME)).status_code == 200, f"day {days}"


async def used_every_13_days_until(
    browser: AsyncClient, clock: Callable[[timedelta], None], last_day: int
) -> None:
    """Renews the session every 13 days, and on `last_day`."""
    for days in [*range(13, last_day, 13), last_day]:
        let_access_token_expire(browser)
        clock(timedelta(days=days))
        assert (await browser.get(ME)).status_code == 200, f"day {days}"


async def test_a_session_used_every_13_days_ends_90_days_after_its_sign_in(
    firefox: AsyncClient, clock: Callable[[timedelta], None]
) -> None:
    """SESSION_MAX_DAYS: renewed within 14 days each time, it still ends at 90."""
    await used_every_13_days_until(firefox, clock, 89)
    let_access_token_expire(firefox)
    clock(timedelta(days=90, seconds=1))
    assert (await firefox.get(ME)).status_code == 401


async def test_a_renewal_near_the_maximum_age_lasts_only_until_it(
    firefox: AsyncClient, engine: AsyncEngine, clock: Callable[[timedelta], None]
) -> None:
    async with engine.connect() as connection:
        started = await connection.scalar(select(SignInSession.created_at))
    assert started is not None
    await used_every_13_days_until(firefox, clock, 85)
    async with engine.connect() as connection:
        ends = await connection.scalar(select(SignInSession.expires_at))
    assert ends == started + timedelta(days=90)
    listed = (await firefox.get("/api/sessions")).json()
    assert [datetime.fromisoformat(item["expires_at"]) for item in listed] == [ends]


async def test_a_renewal_far_from_the_maximum_age_costs_one_statement_still(
    firefox: AsyncClient, count_statements: StatementCounter, clock: Callable[[timedelta], None]
) -> None:
    await used_every_13_days_until(firefox, clock, 59)
    let_access_token_expire(firefox)
    clock(timedelta(days=60))
    count_statements.statements.clear()
    assert (await firefox.get(ME)).status_code == 200
    assert sum(s.startswith("UPDATE sign_in_sessions") for s in count_statements.statements) == 1


async def test_the_list_shows_each_session_with_its_device_and_marks_the_current_one(
    browser: Callable[[str], AsyncClient], ada: Account
) -> None:
    laptop, phone = browser(FIREFOX), browser(IPHONE)
    await sign_in(phone)
    await sign_in(laptop)
    response = await laptop.get("/api/sessions")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    listed = response.json()
    assert [(item["device"], item["current"]) for item in listed] == [
        ("Firefox on Windows", True),
        ("Mobile Safari on iOS", False),
    ]
    assert set(listed[0]) == {"id", "device", "created_at", "last_seen_at", "expires_at", "current"}


async def test_a_renewal_is_when_a_session_was_last_seen(
    firefox: AsyncClient, clock: Callable[[timedelta], None]
) -> None:
    [before] = (await firefox.get("/api/sessions")).json()
    let_access_token_expire(firefox)
    clock(timedelta(days=3))
    [after] = (await firefox.get("/api/sessions")).json()
    assert after["created_at"] == before["created_at"]
    assert after["last_seen_at"] > before["last_seen_at"]
    assert after["expires_at"] > before["expires_at"]


async def test_a_bearer_token_lists_the_sessions_none_of_them_current(
    client: AsyncClient, browser: Callable[[str], AsyncClient], ada: Account
) -> None:
    await sign_in(browser(FIREFOX))
    response = await client.get("/api/sessions", headers=ada.headers)
    assert [item["current"] for item in response.json()] == [False]


async def test_the_list_leaves_out_ended_and_voided_sessions(
    api: Api, browser: Callable[[str], AsyncClient], ada: Account, client: AsyncClient
) -> None:
    await sign_in(browser(FIREFOX))
    await api.change_password(ada, "a brand new long passphrase")
    fresh = await api.login("ada", "a brand new long passphrase")
    listed = (await client.get("/api/sessions", headers=fresh)).json()
    assert [item["device"] for item in listed] == ["python-httpx"]  # that sign-in's own


async def test_ending_one_session_signs_that_browser_out_at_once(
    browser: Callable[[str], AsyncClient], ada: Account
) -> None:
    laptop, phone = browser(FIREFOX), browser(IPHONE)
    await sign_in(phone)
    await sign_in(laptop)
    [_, phones] = (await laptop.get("/api/sessions")).json()
    response = await laptop.delete(
        f"/api/sessions/{phones['id']}", headers={"X-CSRF-Token": laptop.cookies["inkwell_csrf"]}
    )
    assert response.status_code == 204
    assert "set-cookie" not in response.headers
    assert (await phone.get(ME)).status_code == 401
    let_access_token_expire(phone)
    assert (await phone.get(ME)).status_code == 401
    assert (await laptop.get(ME)).status_code == 200
    assert [item["device"] for item in (await laptop.get("/api/sessions")).json()] == [
        "Firefox on Windows"
    ]


async def test_an_ended_sessions_access_token_no_longer_signs_in_pages_or_light_routes(
    browser: Callable[[str], AsyncClient], ada: Account
) -> None:
    """Pages and the routes that read the account in one short statement (SignedIn) check
    the session as CurrentUser does: the phone is signed out everywhere at once."""
    laptop, phone = browser(FIREFOX), browser(IPHONE)
    await sign_in(phone)
    await sign_in(laptop)
    [_, phones] = (await laptop.get("/api/sessions")).json()
    response = await laptop.delete(
        f"/api/sessions/{phones['id']}", headers={"X-CSRF-Token": laptop.cookies["inkwell_csrf"]}
    )
    assert response.status_code == 204
    assert (await phone.get("/api/sessions")).status_code == 401
    assert 'data-testid="current-session"' not in (await phone.get("/account")).text


async def test_ending_ones_own_session_from_the_list_clears_its_cookies(
    browser: Callable[[str], AsyncClient], ada: Account
) -> None:
    laptop = browser(FIREFOX)
    await sign_in(laptop)
    [own] = (await laptop.get("/api/sessions")).json()
    response = await laptop.delete(
        f"/api/sessions/{own['id']}", headers={"X-CSRF-Token": laptop.cookies["inkwell_csrf"]}
    )
    assert response.status_code == 204
    assert set_cookies(response).keys() == {"inkwell_session", "inkwell_refresh", "inkwell_csrf"}


async def test_another_users_session_cannot_be_ended(
    browser: Callable[[str], AsyncClient], ada: Account, factory: Factory, client: AsyncClient
) -> None:
    laptop = browser(FIREFOX)
    await sign_in(laptop)
    [adas] = (await laptop.get("/api/sessions")).json()
    mallory = await factory.account("mallory")
    response = await client.delete(f"/api/sessions/{adas['id']}", headers=mallory.headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "Session not found", "code": "session_not_found"}
    assert (await laptop.get(ME)).status_code == 200


@pytest.mark.parametrize(("session_id", "status"), [("a" * 23, 422), ("a.b", 422), ("nope", 404)])
async def test_ending_a_malformed_or_unknown_session_is_refused(
    client: AsyncClient, ada: Account, session_id: str, status: int
) -> None:
    response = await client.delete(f"/api/sessions/{session_id}", headers=ada.headers)
    assert response.status_code == status


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/sessions"),
        ("DELETE", "/api/sessions/abc"),
        ("DELETE", "/api/sessions"),
    ],
)
async def test_the_sessions_api_is_for_the_signed_in(
    client: AsyncClient, method: str, path: str
) -> None:
    assert (await client.request(method, path)).status_code == 401


async def test_a_user_keeps_at_most_the_configured_number_of_sessions(
    factory: Factory, engine: AsyncEngine
) -> None:
    """The least recently used goes (an API client signing in again and again)."""
    terms = service.SessionTerms(lifetime=timedelta(days=14), grace=GRACE, per_user=2)
    user = await factory.user("ada")
    started = []
    for _ in range(3):
        async with create_sessionmaker(engine).begin() as session:
            user = await session.get_one(User, user.id)
            started.append((await service.start_session(session, user, "curl", terms)).session_id)
    assert set(await stored(engine, SignInSession.id)) == set(started[1:])


async def test_the_grace_period_does_not_outlive_a_password_change(
    api: Api, browser: Callable[[str], AsyncClient], ada: Account
) -> None:
    client, slower_tab = browser(FIREFOX), browser(FIREFOX)
    await sign_in(client)
    let_access_token_expire(client)
    replaced = client.cookies["inkwell_refresh"]
    assert (await client.get(ME)).status_code == 200
    await api.change_password(ada, "a brand new long passphrase")
    with_cookies(slower_tab, inkwell_refresh=replaced)
    assert (await slower_tab.get(ME)).status_code == 401


async def test_a_signed_in_page_view_costs_what_it_costs_with_a_bearer_token(
    browser: Callable[[str], AsyncClient],
    ada: Account,
    client: AsyncClient,
    count_statements: StatementCounter,
) -> None:
    """The session is checked in the statement that reads the viewer: no statement more."""
    cookies = browser(FIREFOX)
    await sign_in(cookies)
    count_statements.statements.clear()
    assert (await client.get("/", headers=ada.headers)).status_code == 200
    with_bearer = len(count_statements)
    count_statements.statements.clear()
    assert (await cookies.get("/")).status_code == 200
    assert len(count_statements) == with_bearer


async def test_a_renewal_costs_one_statement(
    firefox: AsyncClient, count_statements: StatementCounter
) -> None:
    count_statements.statements.clear()
    assert (await firefox.get("/")).status_code == 200
    signed_in = len(count_statements)
    let_access_token_expire(firefox)
    count_statements.statements.clear()
    assert (await firefox.get("/")).status_code == 200
    assert len(count_statements) == signed_in + 1
    assert count_statements.statements[0].startswith("UPDATE sign_in_sessions")


async def test_a_renewal_reaches_the_browser_even_with_a_server_error(
    app: FastAPI, started_app: StartedApp, ada: Account
) -> None:
    """The refresh secret rotated; without the new one the browser would end its session by
    presenting the replaced one after the grace period."""

    @app.get("/fails-after-signing-in")
    async def fails(user: CurrentUser) -> None:
        raise RuntimeError(user.username)

    transport = ASGITransport(app=started_app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        await sign_in(client)
        let_access_token_expire(client)
        response = await client.get("/fails-after-signing-in")
    assert response.status_code == 500
    assert set_cookies(response).keys() == {"inkwell_session", "inkwell_refresh", "inkwell_csrf"}


async def test_issued_refresh_cookies_have_the_shape_renewal_accepts(firefox: AsyncClient) -> None:
    session_id, _, secret = firefox.cookies["inkwell_refresh"].partition(".")
    assert (len(session_id), len(secret)) == (len(ISSUED_ID), len(ISSUED_SECRET))


async def test_a_renewal_keeps_the_cookies_the_response_sets_of_its_own(
    app: FastAPI, started_app: StartedApp, ada: Account
) -> None:
    """Only a cookie of the same name replaces a renewal's (signing out clearing them)."""

    @app.get("/sets-a-cookie-of-its-own")
    async def sets_a_cookie(user: CurrentUser, response: FastAPIResponse) -> None:
        response.set_cookie("theme", "dark")

    async with AsyncClient(
        transport=ASGITransport(app=started_app), base_url="http://test"
    ) as client:
        await sign_in(client)
        let_access_token_expire(client)
        response = await client.get("/sets-a-cookie-of-its-own")
    assert response.status_code == 200
    assert set_cookies(response).keys() == {
        "theme",
        "inkwell_session",
        "inkwell_refresh",
        "inkwell_csrf",
    }


async def test_a_renewals_cookies_are_sent_as_asgi_asks_with_lower_case_names(
    started_app: StartedApp, firefox: AsyncClient
) -> None:
    """ASGI servers write header names as given; HTTP/2 forbids upper case."""
    cookie = f"inkwell_refresh={firefox.cookies['inkwell_refresh']}"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": ME,
        "raw_path": ME.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"test"), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }
    started: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            started.append(message)

    await started_app(scope, receive, send)
    names = [name for name, _ in started[0]["headers"]]
    assert started[0]["status"] == 200
    assert names.count(b"set-cookie") == 3
    assert all(name == name.lower() for name in names)


async def test_signing_out_everywhere_deletes_ones_own_sessions_and_no_one_elses(
    browser: Callable[[str], AsyncClient], ada: Account, factory: Factory, engine: AsyncEngine
) -> None:
    bob = await factory.account("bob")
    laptop, bobs_phone = browser(FIREFOX), browser(IPHONE)
    await sign_in(laptop)
    await sign_in(bobs_phone, "bob")
    response = await laptop.delete(
        "/api/sessions", headers={"X-CSRF-Token": laptop.cookies["inkwell_csrf"]}
    )
    assert response.status_code == 204
    assert await stored(engine, SignInSession.user_id) == [bob.id]
    let_access_token_expire(bobs_phone)
    assert (await bobs_phone.get(ME)).status_code == 200


async def test_a_refresh_secret_renews_only_the_session_it_was_issued_for(
    browser: Callable[[str], AsyncClient], ada: Account
) -> None:
    laptop, phone = browser(FIREFOX), browser(IPHONE)
    await sign_in(laptop)
    await sign_in(phone)
    phones_session = phone.cookies["inkwell_refresh"].split(".")[0]
    laptops_secret = laptop.cookies["inkwell_refresh"].split(".")[1]
    thief = browser(FIREFOX)
    with_cookies(thief, inkwell_refresh=f"{phones_session}.{laptops_secret}")
    assert (await thief.get(ME)).status_code == 401


async def test_the_list_leaves_out_sessions_voided_whose_rows_remain(
    *,
    factory: Factory,
    browser: Callable[[str], AsyncClient],
    ada: Account,
    client: AsyncClient,
    engine: AsyncEngine,
) -> None:
    """A suspension voids the sessions by the user's stamp alone (users.end_sessions); a
    bearer token issued since lists them (a sign-in would clear them away first)."""
    await sign_in(browser(FIREFOX))
    await end_sessions_of(engine, "ada")
    async with create_sessionmaker(engine)() as session:
        fresh = factory.headers(await session.get_one(User, ada.id))
    listed = await client.get("/api/sessions", headers=fresh)
    assert listed.status_code == 200
    assert listed.json() == []


@pytest.mark.parametrize("why", ["expired", "voided"])
async def test_signing_in_clears_away_the_users_sessions_that_can_no_longer_renew(
    *,
    browser: Callable[[str], AsyncClient],
    ada: Account,
    engine: AsyncEngine,
    clock: Callable[[timedelta], None],
    why: str,
) -> None:
    await sign_in(browser(FIREFOX))
    if why == "expired":
        clock(timedelta(days=15))
    else:
        await end_sessions_of(engine, "ada")
    await sign_in(browser(IPHONE))
    assert await stored(engine, SignInSession.device) == ["Mobile Safari on iOS"]


TERMS = service.SessionTerms(
    lifetime=timedelta(days=14), grace=GRACE, per_user=10, max_age=timedelta(days=90)
)
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    """Stops the sessions' clock at an instant, to see what happens exactly then."""

    def stop_at(instant: datetime) -> None:
        monkeypatch.setattr(service, "utcnow", lambda: instant)

    return stop_at


async def start(
    engine: AsyncEngine, user_id: int, terms: service.SessionTerms = TERMS
) -> SessionGrant:
    async with create_sessionmaker(engine).begin() as session:
        user = await session.get_one(User, user_id)
        return await service.start_session(session, user, "Firefox", terms)


async def renew(
    engine: AsyncEngine, started: SessionGrant, terms: service.SessionTerms = TERMS
) -> SessionGrant | None:
    """With the refresh secret the session was started with."""
    assert started.refresh_secret is not None
    async with create_sessionmaker(engine).begin() as session:
        return await service.renew_session(
            session, started.session_id, started.refresh_secret, terms
        )


async def test_a_session_does_not_renew_from_the_instant_it_expires(
    ada: Account, engine: AsyncEngine, frozen: Callable[[datetime], None]
) -> None:
    frozen(T0)
    grant = await start(engine, ada.id)
    frozen(T0 + TERMS.lifetime)
    assert await renew(engine, grant) is None


async def test_a_lowered_maximum_age_ends_a_session_from_the_instant_it_is_reached(
    ada: Account, engine: AsyncEngine, frozen: Callable[[datetime], None]
) -> None:
    """Whatever the expiry the session was given under the old maximum."""
    frozen(T0)
    grant = await start(engine, ada.id)
    lowered = dataclasses.replace(TERMS, max_age=timedelta(days=7))
    frozen(T0 + lowered.max_age)
    assert await renew(engine, grant, lowered) is None


async def test_the_replaced_secret_still_renews_at_the_last_instant_of_the_grace_period(
    ada: Account, engine: AsyncEngine, frozen: Callable[[datetime], None]
) -> None:
    frozen(T0)
    grant = await start(engine, ada.id)
    rotated_at = T0 + timedelta(hours=1)
    frozen(rotated_at)
    assert await renew(engine, grant) is not None
    frozen(rotated_at + GRACE)
    renewed = await renew(engine, grant)
    assert renewed is not None
    assert renewed.refresh_secret is None


async def test_the_replaced_secret_does_not_renew_a_session_that_has_reached_its_end(
    ada: Account, engine: AsyncEngine, frozen: Callable[[datetime], None]
) -> None:
    """Within the grace period still, but at the maximum age the rotation capped it to."""
    short = dataclasses.replace(TERMS, max_age=timedelta(hours=1, seconds=10))
    frozen(T0)
    grant = await start(engine, ada.id, short)
    frozen(T0 + timedelta(hours=1))
    assert await renew(engine, grant, short) is not None
    frozen(T0 + short.max_age)
    assert await renew(engine, grant, short) is None


async def test_the_list_leaves_out_a_session_from_the_instant_it_expires(
    ada: Account, engine: AsyncEngine, client: AsyncClient, frozen: Callable[[datetime], None]
) -> None:
    frozen(T0)
    await start(engine, ada.id)
    frozen(T0 + TERMS.lifetime)
    listed = await client.get("/api/sessions", headers=ada.headers)
    assert listed.json() == []


def test_the_maximum_age_is_the_settings(settings: Settings) -> None:
    monthly = settings.model_copy(update={"session_max_days": 30})
    assert service.SessionTerms.from_settings(monthly).max_age == timedelta(days=30)


async def test_a_listed_session_says_when_it_began_was_last_seen_and_ends(
    ada: Account, engine: AsyncEngine, client: AsyncClient, frozen: Callable[[datetime], None]
) -> None:
    frozen(T0)
    await start(engine, ada.id)
    [listed] = (await client.get("/api/sessions", headers=ada.headers)).json()
    instants = [
        datetime.fromisoformat(listed[name])
        for name in ("created_at", "last_seen_at", "expires_at")
    ]
    assert instants == [T0, T0, T0 + TERMS.lifetime]


async def test_sessions_last_seen_at_the_same_instant_are_listed_by_id(
    ada: Account, engine: AsyncEngine, client: AsyncClient, frozen: Callable[[datetime], None]
) -> None:
    frozen(T0)
    started = [(await start(engine, ada.id)).session_id for _ in range(6)]
    listed = (await client.get("/api/sessions", headers=ada.headers)).json()
    assert [item["id"] for item in listed] == sorted(started)


async def test_of_sessions_last_seen_at_the_same_instant_the_first_by_id_are_kept(
    ada: Account, engine: AsyncEngine, frozen: Callable[[datetime], None]
) -> None:
    """Past `per_user`, the least recently seen go; among equals, the order is the ids'."""
    one_more = dataclasses.replace(TERMS, per_user=2)
    frozen(T0)
    started = [(await start(engine, ada.id, one_more)).session_id for _ in range(6)]
    assert set(await stored(engine, SignInSession.id)) == {min(started[:-1]), started[-1]}


async def test_past_the_sessions_a_user_keeps_the_least_recently_seen_go(
    ada: Account, engine: AsyncEngine, frozen: Callable[[datetime], None]
) -> None:
    """Whatever their ids: the one seen last is kept, the one started first or not."""
    grants = []
    for hour in range(4):
        frozen(T0 + timedelta(hours=hour))
        grants.append(await start(engine, ada.id))
    seen_last = max(grants, key=lambda grant: grant.session_id)
    frozen(T0 + timedelta(hours=5))
    assert await renew(engine, seen_last) is not None
    frozen(T0 + timedelta(hours=6))
    newest = await start(engine, ada.id, dataclasses.replace(TERMS, per_user=2))
    kept = set(await stored(engine, SignInSession.id))
    assert kept == {seen_last.session_id, newest.session_id}


async def test_signing_in_clears_away_a_session_from_the_instant_it_expires(
    ada: Account, engine: AsyncEngine, frozen: Callable[[datetime], None]
) -> None:
    frozen(T0)
    await start(engine, ada.id)
    frozen(T0 + TERMS.lifetime)
    second = await start(engine, ada.id)
    assert await stored(engine, SignInSession.id) == [second.session_id]
