"""Rate limits: hard per client address; per account, only what cannot lock its owner out.

Every check of a password a client sends (sign-in, password change) shares the sign-in
limits. Per account only failures count, and past the free ones each attempt waits a delay
that doubles up to the longest: the owner's right password still works once it is over.
"""

import asyncio
import base64
import logging
import math
import re
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import jwt
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.app import create_app
from inkwell.auth.devices import DEVICE_COOKIE
from inkwell.config import Settings
from inkwell.errors import wait_in_words
from tests.conftest import IN_CI, PASSWORD, Account, Api, StartedApp, started
from tests.ports import free_port

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
WRONG_PASSWORD = "wrong password"
STRANGER = "198.51.100.7"  # the `client` fixture calls from 127.0.0.1


async def login(client: AsyncClient, username: str, password: str = WRONG_PASSWORD) -> Response:
    return await client.post("/api/users/token", data={"username": username, "password": password})


async def change_password(
    client: AsyncClient, account: Account, current_password: str = WRONG_PASSWORD
) -> Response:
    return await client.patch(
        f"/api/users/{account.id}",
        json={"password": "a brand new passphrase", "current_password": current_password},
        headers=account.headers,
    )


async def change_email(client: AsyncClient, account: Account) -> Response:
    return await client.patch(
        f"/api/users/{account.id}",
        json={"email": "new@example.com", "current_password": WRONG_PASSWORD},
        headers=account.headers,
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def forgot_password(client: AsyncClient, email: str) -> Response:
    return await client.post("/api/users/forgot-password", json={"email": email})


def assert_rate_limited(
    response: Response, retry_after: int, *, window_opened: float | None = None
) -> None:
    """Retry-After counts down from the window's first attempt: a test that took over a
    second to get here (a loaded machine) is told one second less, never more; one that
    says when the window opened (`time.monotonic()`) is told less by the seconds since."""
    assert response.status_code == 429, response.text
    told = wait_in_words(int(response.headers["retry-after"]))
    assert response.json() == {
        "detail": f"Too many attempts; try again in {told}",
        "code": "rate_limited",
    }
    waited = 1 if window_opened is None else math.ceil(time.monotonic() - window_opened)
    assert retry_after - waited <= int(response.headers["retry-after"]) <= retry_after


@asynccontextmanager
async def client_at(app: StartedApp, address: str) -> AsyncIterator[AsyncClient]:
    """A client calling from `address` (request.client), as a reverse proxy would report it."""
    transport = ASGITransport(app=app, client=(address, 51_234))
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
async def stranger(started_app: StartedApp) -> AsyncIterator[AsyncClient]:
    async with client_at(started_app, STRANGER) as client:
        yield client


def sent_reset_tokens(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The tokens in the reset links emailed so far (without SMTP_HOST, emails are logged)."""
    return [
        token
        for record in caplog.records
        if record.name == "inkwell.mail.service"
        for token in re.findall(r"reset-password\?token=(\S+)", record.getMessage())
    ]


def default_limits(settings: Settings, action: str) -> Settings:
    """The settings with the production defaults of one action's limits."""
    return settings.model_copy(
        update={
            name: field.default
            for name, field in Settings.model_fields.items()
            if name.startswith(f"rate_limit_{action}")
        }
    )


class TestAStrangerCannotLockTheOwnerOut:
    """Finding 3, with the production defaults: 5 free failures, then 1 s, 2 s, 4 s..."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return default_limits(default_limits(settings, "login"), "forgot_password")

    @pytest.mark.slow
    async def test_a_strangers_wrong_passwords_only_delay_the_owners_right_one(
        self, api: Api, client: AsyncClient, stranger: AsyncClient
    ) -> None:
        await api.register("ada")
        for _ in range(5):
            assert (await login(stranger, "ada")).status_code == 401
        assert_rate_limited(await login(client, "ada", PASSWORD), retry_after=1)
        await asyncio.sleep(1)
        assert (await login(client, "ada", PASSWORD)).status_code == 200

    async def test_a_stranger_asking_for_reset_links_leaves_the_owner_a_working_one(
        self, api: Api, client: AsyncClient, stranger: AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        await api.register("ada")
        with caplog.at_level(logging.WARNING, logger="inkwell.mail.service"):
            for _ in range(4):
                assert (await forgot_password(stranger, "ada@example.com")).status_code == 202
            assert (await forgot_password(client, "ada@example.com")).status_code == 202
        *_, last_sent = sent_reset_tokens(caplog)
        response = await client.post(
            "/api/users/reset-password", json={"token": last_sent, "password": "a new passphrase"}
        )
        assert response.status_code == 200, response.text


class TestKnownDevices:
    """A client that signed in to the account before counts its own failures, so a stranger
    who keeps the account waiting, one failure per delay, does not keep its owner waiting."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(
            update={"rate_limit_login_failures": 3, "rate_limit_login_first_delay": 60}
        )

    @pytest.fixture
    async def owner(self, api: Api, client: AsyncClient) -> AsyncClient:
        """The owner's client: it signed in once and kept its cookies."""
        await api.register("ada")
        assert (await login(client, "ada", PASSWORD)).status_code == 200
        return client

    async def lock_out(self, stranger: AsyncClient) -> None:
        for _ in range(3):
            assert (await login(stranger, "ada")).status_code == 401
        assert_rate_limited(await login(stranger, "ada"), retry_after=60)

    async def test_signing_in_makes_the_client_a_known_device(
        self, api: Api, client: AsyncClient
    ) -> None:
        await api.register("ada")
        response = await login(client, "ada", PASSWORD)
        [cookie] = [
            c for c in response.headers.get_list("set-cookie") if c.startswith(DEVICE_COOKIE)
        ]
        attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "path=/", "samesite=strict", "max-age=31536000"} <= attributes

    async def test_each_sign_in_names_a_new_device_of_128_random_bits(
        self, api: Api, client: AsyncClient
    ) -> None:
        user = await api.register("ada")
        devices = []
        for _ in range(2):
            client.cookies.clear()
            await login(client, "ada", PASSWORD)
            claims = jwt.decode(client.cookies[DEVICE_COOKIE], options={"verify_signature": False})
            assert (claims["sub"], claims["aud"]) == (str(user["id"]), "inkwell:device")
            devices.append(claims["jti"])
        assert devices[0] != devices[1]
        assert [len(base64.urlsafe_b64decode(f"{device}==")) for device in devices] == [16, 16]

    async def test_the_owners_known_device_signs_in_while_a_stranger_must_wait(
        self, owner: AsyncClient, stranger: AsyncClient
    ) -> None:
        await self.lock_out(stranger)
        assert (await login(owner, "ada", PASSWORD)).status_code == 200

    @pytest.mark.parametrize(
        ("form", "fields"),
        [
            ("/login", {"username": "ada", "password": PASSWORD}),
            ("/account/password", {"current_password": PASSWORD, "password": "a new passphrase"}),
        ],
    )
    async def test_the_owners_known_device_is_known_to_the_forms_without_javascript_too(
        self, owner: AsyncClient, stranger: AsyncClient, form: str, fields: dict[str, str]
    ) -> None:
        """They check passwords outside /api/users, where the device cookie went alone."""
        await self.lock_out(stranger)
        csrf = {"csrf_token": owner.cookies["inkwell_csrf"]}
        confirmed = {"password_confirm": fields["password"]}
        response = await owner.post(form, data=fields | csrf | confirmed)
        assert response.status_code == 303, response.text

    async def test_the_owners_known_device_changes_the_password_while_a_stranger_must_wait(
        self, owner: AsyncClient, stranger: AsyncClient
    ) -> None:
        signed_in = (await login(owner, "ada", PASSWORD)).json()
        await self.lock_out(stranger)
        me = await owner.get("/api/users/me", headers=bearer(signed_in["access_token"]))
        response = await owner.patch(
            f"/api/users/{me.json()['id']}",
            json={"password": "a brand new passphrase", "current_password": PASSWORD},
            headers=bearer(signed_in["access_token"]),
        )
        assert response.status_code == 200, response.text

    async def test_a_known_devices_own_wrong_passwords_make_it_wait(
        self, owner: AsyncClient
    ) -> None:
        for _ in range(3):
            assert (await login(owner, "ada")).status_code == 401
        assert_rate_limited(await login(owner, "ada", PASSWORD), retry_after=60)

    async def test_each_known_device_counts_its_own_failures(
        self, started_app: StartedApp, owner: AsyncClient
    ) -> None:
        async with client_at(started_app, "203.0.113.9") as laptop:
            assert (await login(laptop, "ada", PASSWORD)).status_code == 200
            for _ in range(3):
                assert (await login(owner, "ada")).status_code == 401
            assert_rate_limited(await login(owner, "ada"), retry_after=60)
            assert (await login(laptop, "ada", PASSWORD)).status_code == 200

    async def test_a_device_known_to_another_account_is_a_stranger_here(
        self, api: Api, owner: AsyncClient, stranger: AsyncClient
    ) -> None:
        await api.register("bob")
        await self.lock_out(stranger)
        assert (await login(owner, "bob", PASSWORD)).status_code == 200
        assert_rate_limited(await login(owner, "ada", PASSWORD), retry_after=60)

    async def test_a_forged_device_cookie_is_a_stranger(
        self, api: Api, stranger: AsyncClient
    ) -> None:
        user = await api.register("ada")
        await self.lock_out(stranger)
        forged = jwt.encode(
            {"sub": str(user["id"]), "aud": "inkwell:device", "jti": "mine", "exp": 2**40},
            "not the server's key, though long enough for HS256",
        )
        response = await stranger.post(
            "/api/users/token",
            data={"username": "ada", "password": PASSWORD},
            headers={"Cookie": f"{DEVICE_COOKIE}={forged}"},
        )
        assert_rate_limited(response, retry_after=60)


class TestFailedPasswordsPerAccount:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(
            update={
                "rate_limit_login_failures": 3,
                "rate_limit_login_first_delay": 60,
                "rate_limit_login_longest_delay": 240,
            }
        )

    async def test_past_the_free_failures_the_next_attempt_waits_the_first_delay(
        self, api: Api, client: AsyncClient
    ) -> None:
        await api.register("ada")
        for _ in range(3):
            assert (await login(client, "ada")).status_code == 401
        assert_rate_limited(await login(client, "ada"), retry_after=60)

    async def test_the_right_password_waits_out_the_delay_too(
        self, api: Api, client: AsyncClient
    ) -> None:
        """Else a guesser would learn the password from whichever guess is not refused."""
        await api.register("ada")
        for _ in range(3):
            await login(client, "ada")
        assert_rate_limited(await login(client, "ada", PASSWORD), retry_after=60)

    async def test_right_passwords_are_not_counted(self, api: Api, client: AsyncClient) -> None:
        await api.register("ada")
        for _ in range(4):
            assert (await login(client, "ada", PASSWORD)).status_code == 200
        for _ in range(3):
            assert (await login(client, "ada")).status_code == 401

    async def test_a_right_password_clears_the_failures_before_it(
        self, api: Api, client: AsyncClient
    ) -> None:
        await api.register("ada")
        for _ in range(2):
            await login(client, "ada")
        assert (await login(client, "ada", PASSWORD)).status_code == 200
        for _ in range(3):
            assert (await login(client, "ada")).status_code == 401

    async def test_a_right_password_that_took_the_accounts_turn_gives_it_back(
        self, api: Api, client: AsyncClient, stranger: AsyncClient
    ) -> None:
        """The stranger, unlike the now known client, tries the account's own failures."""
        await api.register("ada")
        for _ in range(2):
            await login(client, "ada")
        assert (await login(client, "ada", PASSWORD)).status_code == 200  # the third: a turn
        for _ in range(3):
            assert (await login(stranger, "ada")).status_code == 401

    async def test_the_account_is_one_whether_named_by_username_or_email_in_any_case(
        self, api: Api, client: AsyncClient
    ) -> None:
        await api.register("ada")
        for name in ("ada", "ADA@example.com", "Ada"):
            assert (await login(client, name)).status_code == 401
        assert_rate_limited(await login(client, "ada@example.com"), retry_after=60)

    async def test_names_no_account_has_are_limited_alike(self, client: AsyncClient) -> None:
        for name in ("ghost", "GHOST", "Ghost"):
            assert (await login(client, name)).status_code == 401
        assert_rate_limited(await login(client, "ghost"), retry_after=60)

    async def test_other_accounts_keep_their_own_failures(
        self, api: Api, client: AsyncClient
    ) -> None:
        await api.register("ada")
        await api.register("bob")
        for _ in range(4):
            await login(client, "ada")
        assert (await login(client, "bob", PASSWORD)).status_code == 200
        assert (await login(client, "bob")).status_code == 401

    async def test_parallel_guesses_get_no_more_than_the_free_failures(
        self, api: Api, client: AsyncClient
    ) -> None:
        await api.register("ada")
        responses = await asyncio.gather(*(login(client, "ada") for _ in range(12)))
        assert sorted(response.status_code for response in responses) == [401] * 3 + [429] * 9


class TestTheDelayGrows:
    """Real (short) waits: the first delay is 1 s, the longest 2 s."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(
            update={
                "rate_limit_login_failures": 1,
                "rate_limit_login_first_delay": 1,
                "rate_limit_login_longest_delay": 2,
            }
        )

    @pytest.mark.slow
    async def test_each_failure_past_the_free_ones_doubles_the_delay_up_to_the_longest(
        self, api: Api, client: AsyncClient
    ) -> None:
        await api.register("ada")
        assert (await login(client, "ada")).status_code == 401
        assert_rate_limited(await login(client, "ada"), retry_after=1)
        await asyncio.sleep(1)
        assert (await login(client, "ada")).status_code == 401
        assert_rate_limited(await login(client, "ada"), retry_after=2)
        await asyncio.sleep(2)
        assert (await login(client, "ada")).status_code == 401
        assert_rate_limited(await login(client, "ada"), retry_after=2)

    @pytest.mark.slow
    async def test_the_right_password_after_the_delay_signs_in_and_clears_the_failures(
        self, api: Api, client: AsyncClient
    ) -> None:
        await api.register("ada")
        assert (await login(client, "ada")).status_code == 401
        assert_rate_limited(await login(client, "ada", PASSWORD), retry_after=1)
        await asyncio.sleep(1)
        assert (await login(client, "ada", PASSWORD)).status_code == 200
        assert (await login(client, "ada")).status_code == 401
        assert_rate_limited(await login(client, "ada"), retry_after=1)


class TestRefusedAttemptsAreNotFailures:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(
            update={
                "rate_limit_login_failures": 1,
                "rate_limit_login_first_delay": 1,
                "rate_limit_login_longest_delay": 60,
            }
        )

    @pytest.mark.slow
    async def test_attempts_refused_while_waiting_do_not_lengthen_the_next_delay(
        self, api: Api, client: AsyncClient
    ) -> None:
        await api.register("ada")
        responses = await asyncio.gather(*(login(client, "ada") for _ in range(6)))
        assert sorted(response.status_code for response in responses) == [401] + [429] * 5
        await asyncio.sleep(1)
        assert (await login(client, "ada")).status_code == 401
        assert_rate_limited(await login(client, "ada"), retry_after=2)


class TestFailuresAreForgotten:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(
            update={"rate_limit_login_failures": 2, "rate_limit_login_failures_kept": 1}
        )

    @pytest.mark.slow
    async def test_failures_are_forgotten_once_kept_for_their_time(
        self, api: Api, client: AsyncClient
    ) -> None:
        await api.register("ada")
        assert (await login(client, "ada")).status_code == 401
        await asyncio.sleep(1)
        for _ in range(2):
            assert (await login(client, "ada")).status_code == 401
        assert_rate_limited(await login(client, "ada"), retry_after=1)


class TestPasswordChecksShareTheSignInLimits:
    """Finding 5: the current password asked by PATCH /api/users/{id} is no free oracle."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(
            update={"rate_limit_login_failures": 3, "rate_limit_login_first_delay": 60}
        )

    async def test_wrong_current_passwords_wait_like_failed_sign_ins(
        self, api: Api, client: AsyncClient
    ) -> None:
        account = await api.sign_up("ada")
        for _ in range(3):
            assert (await change_password(client, account)).status_code == 400
        assert_rate_limited(await change_password(client, account), retry_after=60)

    async def test_wrong_current_passwords_for_a_new_email_wait_like_failed_sign_ins(
        self, api: Api, client: AsyncClient
    ) -> None:
        account = await api.sign_up("ada")
        for _ in range(3):
            assert (await change_email(client, account)).status_code == 400
        assert_rate_limited(await change_email(client, account), retry_after=60)

    async def test_parallel_wrong_current_passwords_get_no_more_than_the_free_failures(
        self, api: Api, client: AsyncClient
    ) -> None:
        account = await api.sign_up("ada")
        responses = await asyncio.gather(*(change_password(client, account) for _ in range(16)))
        assert sorted(response.status_code for response in responses) == [400] * 3 + [429] * 13

    async def test_failed_sign_ins_delay_the_password_change(
        self, api: Api, client: AsyncClient, stranger: AsyncClient
    ) -> None:
        account = await api.sign_up("ada")
        for _ in range(3):
            await login(stranger, "ada")
        assert_rate_limited(await change_password(client, account, PASSWORD), retry_after=60)

    async def test_wrong_current_passwords_delay_sign_in(
        self, api: Api, client: AsyncClient
    ) -> None:
        account = await api.sign_up("ada")
        for _ in range(3):
            await change_password(client, account)
        assert_rate_limited(await login(client, "ada", PASSWORD), retry_after=60)


class TestPerAddressLimits:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        # The same limit for every action, so only their names keep their budgets apart.
        return settings.model_copy(
            update={
                f"rate_limit_{action}_per_address": "1/minute"
                for action in ("login", "register", "forgot_password")
            }
        )

    async def test_a_spent_address_waits_exactly_until_its_window_moves(
        self, client: AsyncClient
    ) -> None:
        assert (await login(client, "ada")).status_code == 401
        assert_rate_limited(await login(client, "bob"), retry_after=60)

    @pytest.mark.slow
    async def test_a_spent_address_waits_only_what_is_left_of_its_window(
        self, client: AsyncClient
    ) -> None:
        assert (await login(client, "ada")).status_code == 401
        await asyncio.sleep(1.5)
        response = await login(client, "bob")
        assert response.status_code == 429
        assert 50 <= int(response.headers["retry-after"]) <= 59

    async def test_each_action_has_its_own_budget(self, client: AsyncClient) -> None:
        assert (await login(client, "ada")).status_code == 401
        body = {"username": "bob", "email": "bob@example.com", "password": PASSWORD}
        assert (await client.post("/api/users", json=body)).status_code == 201
        assert (await forgot_password(client, "cy@example.com")).status_code == 202
        assert_rate_limited(await forgot_password(client, "dee@example.com"), retry_after=60)

    async def test_each_address_has_its_own_budget(
        self, client: AsyncClient, stranger: AsyncClient
    ) -> None:
        assert (await login(client, "ada")).status_code == 401
        assert (await login(stranger, "ada")).status_code == 401
        assert_rate_limited(await login(stranger, "bob"), retry_after=60)

    async def test_each_address_has_its_own_registration_budget(
        self, client: AsyncClient, stranger: AsyncClient
    ) -> None:
        body = {"username": "bob", "email": "bob@example.com", "password": PASSWORD}
        assert (await client.post("/api/users", json=body)).status_code == 201
        body = {"username": "cy", "email": "cy@example.com", "password": PASSWORD}
        assert (await stranger.post("/api/users", json=body)).status_code == 201

    async def test_each_address_has_its_own_reset_link_budget(
        self, client: AsyncClient, stranger: AsyncClient
    ) -> None:
        assert (await forgot_password(client, "ada@example.com")).status_code == 202
        assert (await forgot_password(stranger, "bob@example.com")).status_code == 202

    async def test_an_ipv6_client_is_limited_by_its_64_network(
        self, started_app: StartedApp
    ) -> None:
        async with client_at(started_app, "2001:db8:1:2::1") as first:
            assert (await login(first, "ada")).status_code == 401
        async with client_at(started_app, "2001:db8:1:2:ffff::9") as same_network:
            assert_rate_limited(await login(same_network, "bob"), retry_after=60)
        async with client_at(started_app, "2001:db8:1:3::1") as next_network:
            assert (await login(next_network, "cy")).status_code == 401

    async def test_an_ipv4_mapped_ipv6_client_is_limited_as_its_ipv4_address(
        self, started_app: StartedApp, stranger: AsyncClient
    ) -> None:
        async with client_at(started_app, f"::ffff:{STRANGER}") as mapped:
            assert (await login(mapped, "ada")).status_code == 401
        assert_rate_limited(await login(stranger, "bob"), retry_after=60)

    async def test_password_changes_spend_the_sign_in_budget_of_the_address(
        self, api: Api, client: AsyncClient
    ) -> None:
        account = await api.sign_up("ada")  # its sign-in spends the address's budget
        assert_rate_limited(await change_password(client, account, PASSWORD), retry_after=60)


class TestRetryAfterIsNeverEarly:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"rate_limit_login_per_address": "1/2 seconds"})

    @pytest.mark.slow
    async def test_a_client_that_waits_its_retry_after_is_let_through(
        self, client: AsyncClient
    ) -> None:
        """Refused within the window's first second, with under two seconds left: rounded up
        to 2 (a client told 1 would come back too early and be refused again)."""
        assert (await login(client, "ada")).status_code == 401
        refused = await login(client, "bob")
        assert refused.status_code == 429
        await asyncio.sleep(int(refused.headers["retry-after"]))
        assert (await login(client, "cy")).status_code == 401


class TestRegistrationLimits:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"rate_limit_register_per_address": "2/hour"})

    async def test_registrations_from_one_address_are_limited(
        self, api: Api, client: AsyncClient
    ) -> None:
        await api.register("ada")
        await api.register("bob")
        body = {"username": "cy", "email": "cy@example.com", "password": PASSWORD}
        assert_rate_limited(await client.post("/api/users", json=body), retry_after=3600)


class TestRegistrationLimitsPerName:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"rate_limit_register_per_account": "1/hour"})

    async def test_each_name_and_email_has_its_own_registration_budget(
        self, client: AsyncClient
    ) -> None:
        for name in ("ada", "bob"):
            body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
            assert (await client.post("/api/users", json=body)).status_code == 201


class TestResetEmailsPerAccount:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"rate_limit_forgot_password_per_account": "1/hour"})

    async def test_past_the_accounts_budget_the_answer_is_the_same_and_nothing_is_sent(
        self, api: Api, client: AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        await api.register("ada")
        await api.register("bob")
        with caplog.at_level(logging.WARNING, logger="inkwell.mail.service"):
            first = await forgot_password(client, "ada@example.com")
            again = await forgot_password(client, "ADA@example.com")
            other = await forgot_password(client, "bob@example.com")
        assert first.status_code == again.status_code == other.status_code == 202
        assert first.json() == again.json()
        assert len(sent_reset_tokens(caplog)) == 2

    async def test_the_link_sent_last_stays_valid_past_the_budget(
        self, api: Api, client: AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        await api.register("ada")
        with caplog.at_level(logging.WARNING, logger="inkwell.mail.service"):
            await forgot_password(client, "ada@example.com")
            await forgot_password(client, "ada@example.com")
        [token] = sent_reset_tokens(caplog)
        response = await client.post(
            "/api/users/reset-password", json={"token": token, "password": "a new passphrase"}
        )
        assert response.status_code == 200, response.text


def redis_error() -> str | None:
    try:
        socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=2).close()
    except OSError as exc:
        return str(exc)
    return None


def require_redis() -> str:
    """The test Redis's URL; a skip where it is unreachable, but a failure in CI."""
    error = redis_error()
    if error is not None:
        message = f"Redis at {REDIS_HOST}:{REDIS_PORT} is unreachable ({error})"
        if IN_CI:
            pytest.fail(f"{message}; in CI the Redis tests must run.", pytrace=False)
        pytest.skip(message)
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


@pytest.fixture
def redis_settings(settings: Settings, engine: AsyncEngine) -> Settings:
    """`engine` empties the database the two instances write to, after the test."""
    return settings.model_copy(
        update={
            "redis_url": require_redis(),
            # A prefix of its own, so parallel tests and runs never share counters.
            "rate_limit_key_prefix": f"inkwell-test-{uuid.uuid4().hex}",
            "rate_limit_login_failures": 3,
            "rate_limit_login_first_delay": 60,
            "rate_limit_register_per_address": "1/hour",
        }
    )


async def instance(settings: Settings) -> AsyncIterator[AsyncClient]:
    app: FastAPI = create_app(settings)
    async with (
        started(app) as served,
        AsyncClient(transport=ASGITransport(app=served), base_url="http://test") as client,
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


async def test_two_instances_sharing_redis_share_the_failures_of_an_account(
    first: AsyncClient, second: AsyncClient
) -> None:
    await Api(first).register("ada")
    assert (await login(first, "ada")).status_code == 401
    assert (await login(second, "ada")).status_code == 401
    assert (await login(first, "ada")).status_code == 401
    assert_rate_limited(await login(second, "ada"), retry_after=60)
    assert_rate_limited(await login(first, "ada", PASSWORD), retry_after=60)


async def test_with_redis_a_spent_address_waits_exactly_until_its_window_moves(
    first: AsyncClient, second: AsyncClient
) -> None:
    window_opened = time.monotonic()
    await Api(first).register("ada")
    body = {"username": "bob", "email": "bob@example.com", "password": PASSWORD}
    response = await second.post("/api/users", json=body)
    assert_rate_limited(response, retry_after=3600, window_opened=window_opened)


class TestWithRedisDown:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})

    async def test_limited_endpoints_answer_503_rather_than_go_unlimited(
        self, client: AsyncClient
    ) -> None:
        response = await login(client, "ada")
        assert response.status_code == 503
        assert response.json()["detail"] == "Temporarily unavailable; try again shortly"
        assert response.headers["retry-after"] == "5"

    async def test_the_outage_is_logged_with_the_storage_s_own_error(
        self, client: AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.WARNING, logger="inkwell.auth.ratelimit"):
            await login(client, "ada")
        [record] = [r for r in caplog.records if r.name == "inkwell.auth.ratelimit"]
        assert record.levelno == logging.WARNING
        message = record.getMessage()
        assert message.startswith("rate limit storage unavailable: [Errno 111] Connect call failed")
