"""Every kind of bad access token gets 401 with a Bearer challenge, never a 500."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.app import create_app
from inkwell.auth.tokens import AUDIENCE, AccessClaims, AccessTokens
from inkwell.config import Settings
from inkwell.errors import Unauthorized
from inkwell.schemas import MAX_ID
from tests.conftest import SECRET_KEY, Account, Api, started


def forge(user_id: object, **changes: object) -> str:
    """A token like the app's, signed with the app's key unless `key` says otherwise."""
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": str(user_id),
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "typ": "access",
    }
    key = str(changes.pop("key", SECRET_KEY))
    algorithm = str(changes.pop("algorithm", "HS256"))
    claims |= changes
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm=algorithm)


async def assert_refused(client: AsyncClient, token: str) -> None:
    response = await client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert response.json() == {"detail": "Invalid or expired token", "code": "token_invalid"}


async def stamp_of(client: AsyncClient, account: Account) -> str:
    token = account.headers["Authorization"].removeprefix("Bearer ")
    return str(jwt.decode(token, options={"verify_signature": False})["stp"])


async def test_a_forged_token_with_the_right_key_and_claims_is_accepted(
    client: AsyncClient, author: Account
) -> None:
    """The baseline for the cases below: each changes one thing and is refused."""
    token = forge(author.id, stp=await stamp_of(client, author))
    response = await client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


BAD_CLAIMS: dict[str, Callable[[], dict[str, object]]] = {
    "expired": lambda: {"exp": datetime.now(UTC) - timedelta(seconds=1)},
    "signed with another key": lambda: {
        "key": "another key, just as long and just as good as the test secret key"
    },
    "another algorithm": lambda: {"algorithm": "HS512"},
    "another token type": lambda: {"typ": "password-reset"},
    "another audience": lambda: {"aud": "someone-else"},
    "no expiry": lambda: {"exp": None},
    "no type": lambda: {"typ": None},
    "no issue time": lambda: {"iat": None},
    "no audience": lambda: {"aud": None},
    "a subject that is not an id": lambda: {"sub": "ada"},
    "a subject beyond the id range": lambda: {"sub": str(2**31)},
    "a stale security stamp": lambda: {"stp": "0" * 32},
}


@pytest.mark.parametrize("change", BAD_CLAIMS.values(), ids=BAD_CLAIMS.keys())
async def test_tokens_with_a_bad_claim_or_signature_are_refused(
    client: AsyncClient, author: Account, change: Callable[[], dict[str, object]]
) -> None:
    claims = {"stp": await stamp_of(client, author)} | change()
    await assert_refused(client, forge(claims.pop("sub", author.id), **claims))


async def test_an_unsigned_alg_none_token_is_refused(client: AsyncClient, author: Account) -> None:
    stamp = await stamp_of(client, author)
    token = jwt.encode(
        {
            "sub": str(author.id),
            "aud": AUDIENCE,
            "typ": "access",
            "stp": stamp,
            "iat": 0,
            "exp": datetime.now(UTC) + timedelta(minutes=5),
        },
        key=None,
        algorithm="none",
    )
    await assert_refused(client, token)


@pytest.mark.parametrize(
    "token",
    ["", "not-a-jwt", "a.b.c", "a b.c d.e f", "x" * 5000, "eyJhbGciOiJIUzI1NiJ9.e30."],
    ids=str,
)
async def test_malformed_tokens_are_refused(client: AsyncClient, token: str) -> None:
    await assert_refused(client, token)


async def test_a_token_for_a_deleted_user_is_refused(api: Api, client: AsyncClient) -> None:
    account = await api.sign_up("ada")
    assert (
        await client.delete(f"/api/users/{account.id}", headers=account.headers)
    ).status_code == 204
    assert (await client.get("/api/users/me", headers=account.headers)).status_code == 401


async def test_a_deleted_users_token_does_not_open_a_new_account_with_the_same_id(
    api: Api, client: AsyncClient
) -> None:
    """SQLite hands the highest deleted rowid to the next user; the stamp tells them apart."""
    gone = await api.sign_up("gone")
    await client.delete(f"/api/users/{gone.id}", headers=gone.headers)
    await api.register("newcomer")
    assert (await client.get("/api/users/me", headers=gone.headers)).status_code == 401


async def test_tokens_issued_before_a_password_change_are_refused(
    api: Api, client: AsyncClient, author: Account
) -> None:
    await api.change_password(author, "a brand new passphrase")
    assert (await client.get("/api/users/me", headers=author.headers)).status_code == 401
    fresh = await api.login("author", "a brand new passphrase")
    assert (await client.get("/api/users/me", headers=fresh)).status_code == 200


async def test_a_token_used_after_logout_is_refused(client: AsyncClient, author: Account) -> None:
    assert (await client.post("/api/users/logout", headers=author.headers)).status_code == 204
    assert (await client.get("/api/users/me", headers=author.headers)).status_code == 401


@pytest.fixture
async def hs512_client(settings: Settings, engine: AsyncEngine) -> AsyncIterator[AsyncClient]:
    """A client of an app configured with JWT_ALGORITHM=HS512 rather than the default."""
    app = create_app(settings.model_copy(update={"jwt_algorithm": "HS512"}))
    async with (
        started(app) as started_app,
        AsyncClient(transport=ASGITransport(app=started_app), base_url="http://test") as client,
    ):
        yield client


async def test_tokens_are_signed_and_checked_with_the_configured_algorithm(
    hs512_client: AsyncClient,
) -> None:
    account = await Api(hs512_client).sign_up("ada")
    token = account.headers["Authorization"].removeprefix("Bearer ")
    assert jwt.get_unverified_header(token)["alg"] == "HS512"
    assert (await hs512_client.get("/api/users/me", headers=account.headers)).status_code == 200


async def test_a_token_signed_with_the_default_algorithm_is_refused_when_another_is_configured(
    hs512_client: AsyncClient,
) -> None:
    account = await Api(hs512_client).sign_up("ada")
    stamp = await stamp_of(hs512_client, account)
    await assert_refused(hs512_client, forge(account.id, stp=stamp, algorithm="HS256"))


def local_tokens() -> AccessTokens:
    return AccessTokens(key=SECRET_KEY, algorithm="HS256", lifetime=timedelta(minutes=5))


@pytest.mark.parametrize("user_id", [1, MAX_ID], ids=["the first id", "the largest id"])
def test_every_id_a_user_can_have_is_read_back_from_a_token(user_id: int) -> None:
    token = forge(user_id, stp="a stamp")
    assert local_tokens().read(token) == AccessClaims(user_id=user_id, security_stamp="a stamp")


def test_a_cookies_token_is_read_back_with_its_user_stamp_and_session() -> None:
    claims = AccessClaims(user_id=7, security_stamp="a stamp", session_id="a session")
    token = local_tokens().issue_in_session(claims)

    assert local_tokens().read(token) == claims
    assert jwt.decode(token, options={"verify_signature": False}) | {"iat": 0, "exp": 0} == {
        "sub": "7",
        "aud": AUDIENCE,
        "iat": 0,
        "exp": 0,
        "typ": "access",
        "stp": "a stamp",
        "sid": "a session",
    }


def test_a_bearer_token_is_read_as_one_and_a_cookies_token_is_none() -> None:
    """What Conduit takes (AccessTokens.read_bearer): its answers carry a new token, which a
    cookie's token traded there would become, outliving its sign-in session."""
    bearer = forge(7, stp="a stamp")
    cookies = local_tokens().issue_in_session(
        AccessClaims(user_id=7, security_stamp="a stamp", session_id="a session")
    )

    assert local_tokens().read_bearer(bearer) == AccessClaims(user_id=7, security_stamp="a stamp")
    with pytest.raises(Unauthorized, match="Invalid or expired token"):
        local_tokens().read_bearer(cookies)


@pytest.mark.parametrize("session", [7, ["a session"], {"id": "a session"}])
def test_a_token_whose_session_is_not_a_string_is_refused(session: object) -> None:
    with pytest.raises(Unauthorized, match="Invalid or expired token"):
        local_tokens().read(forge(7, stp="a stamp", sid=session))


@pytest.mark.parametrize(
    "subject",
    ["0", str(MAX_ID + 1), "-1", "\N{FULLWIDTH DIGIT ONE}"],
    ids=["zero", "past the largest id", "negative", "a non-ASCII digit"],
)
def test_a_subject_outside_the_id_range_is_refused_before_any_lookup(subject: str) -> None:
    with pytest.raises(Unauthorized, match="Invalid or expired token"):
        local_tokens().read(forge(subject, stp="a stamp"))


async def test_a_token_lives_as_long_as_access_token_expire_minutes(
    client: AsyncClient, author: Account, settings: Settings
) -> None:
    token = author.headers["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == settings.access_token_expire_minutes * 60
