"""Login, registration and forgot-password are limited per client address and per account."""

import socket
import uuid
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.app import create_app
from inkwell.config import Settings
from tests.conftest import IN_CI, PASSWORD, Api

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


async def login(client: AsyncClient, username: str, password: str = "wrong password") -> Response:
    return await client.post("/api/users/token", data={"username": username, "password": password})


def assert_rate_limited(response: Response, window_seconds: int = 60) -> None:
    assert response.status_code == 429, response.text
    assert response.json() == {"detail": "Too many attempts; try again later"}
    assert 1 <= int(response.headers["retry-after"]) <= window_seconds


class TestPerAccountLoginLimit:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"rate_limit_login_per_account": "3/minute"})

    async def test_the_failed_login_after_the_budget_is_refused_with_retry_after(
        self, api: Api, client: AsyncClient
    ) -> None:
        await api.register("ada")
        for _ in range(3):
            assert (await login(client, "ada")).status_code == 401
        assert_rate_limited(await login(client, "ada"))

    async def test_even_the_right_password_waits_once_the_budget_is_spent(
        self, api: Api, client: AsyncClient
    ) -> None:
        await api.register("ada")
        for _ in range(3):
            await login(client, "ada")
        assert_rate_limited(await login(client, "ada", PASSWORD))

    async def test_the_account_is_named_in_any_case(self, api: Api, client: AsyncClient) -> None:
        await api.register("ada")
        for name in ("ada", "ADA", "Ada"):
            await login(client, name)
        assert_rate_limited(await login(client, "aDa"))

    async def test_other_accounts_keep_their_budget(self, api: Api, client: AsyncClient) -> None:
        await api.register("ada")
        await api.register("bob")
        for _ in range(4):
            await login(client, "ada")
        assert (await login(client, "bob", PASSWORD)).status_code == 200


class TestPerAddressLoginLimit:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"rate_limit_login_per_address": "3/minute"})

    async def test_guessing_many_accounts_from_one_address_is_limited(
        self, client: AsyncClient
    ) -> None:
        for name in ("ada", "bob", "cy"):
            assert (await login(client, name)).status_code == 401
        assert_rate_limited(await login(client, "dee"))


class TestRegistrationLimit:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"rate_limit_register_per_address": "2/hour"})

    async def test_registrations_from_one_address_are_limited(
        self, api: Api, client: AsyncClient
    ) -> None:
        await api.register("ada")
        await api.register("bob")
        body = {"username": "cy", "email": "cy@example.com", "password": PASSWORD}
        assert_rate_limited(await client.post("/api/users", json=body), window_seconds=3600)


class TestForgotPasswordLimit:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"rate_limit_forgot_password_per_account": "1/hour"})

    async def test_reset_emails_for_one_address_are_limited(self, client: AsyncClient) -> None:
        path = "/api/users/forgot-password"
        assert (await client.post(path, json={"email": "ada@example.com"})).status_code == 202
        assert_rate_limited(
            await client.post(path, json={"email": "ADA@example.com"}), window_seconds=3600
        )
        assert (await client.post(path, json={"email": "bob@example.com"})).status_code == 202


def redis_error() -> str | None:
    try:
        socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=2).close()
    except OSError as exc:
        return str(exc)
    return None


@pytest.fixture
def redis_settings(settings: Settings, engine: AsyncEngine) -> Settings:
    """`engine` empties the database the two instances write to, after the test."""
    error = redis_error()
    if error is not None:
        message = f"Redis at {REDIS_HOST}:{REDIS_PORT} is unreachable ({error})"
        if IN_CI:
            pytest.fail(f"{message}; in CI the Redis tests must run.", pytrace=False)
        pytest.skip(message)
    return settings.model_copy(
        update={
            "redis_url": f"redis://{REDIS_HOST}:{REDIS_PORT}/0",
            # A prefix of its own, so parallel tests and runs never share counters.
            "rate_limit_key_prefix": f"inkwell-test-{uuid.uuid4().hex}",
            "rate_limit_login_per_account": "3/minute",
        }
    )


async def instance(settings: Settings) -> AsyncIterator[AsyncClient]:
    app: FastAPI = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client,
    ):
        yield client


@pytest.fixture
async def first(redis_settings: Settings) -> AsyncIterator[AsyncClient]:
    async for client in instance(redis_settings):
        yield client


@pytest.fixture
async def second(redis_settings: Settings) -> AsyncIterator[AsyncClient]:
    async for client in instance(redis_settings):
        yield client


async def test_two_instances_sharing_redis_share_one_budget(
    first: AsyncClient, second: AsyncClient
) -> None:
    await Api(first).register("ada")
    assert (await login(first, "ada")).status_code == 401
    assert (await login(second, "ada")).status_code == 401
    assert (await login(first, "ada")).status_code == 401
    assert_rate_limited(await login(second, "ada"))
    assert_rate_limited(await login(first, "ada"))


class TestWithRedisDown:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            closed_port = probe.getsockname()[1]
        return settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{closed_port}/0"})

    async def test_limited_endpoints_answer_503_rather_than_go_unlimited(
        self, client: AsyncClient
    ) -> None:
        response = await login(client, "ada")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
