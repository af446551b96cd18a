"""One user per name and per address by Unicode's rules (NFKC, then case folding), the same
on SQLite and PostgreSQL, and no new name that passes for an existing one (TR39)."""

import pytest
from httpx import AsyncClient, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.users.identity import (
    confusable_skeleton,
    lookup_key,
    names_key,
    search_key,
    user_keys,
)
from inkwell.users.models import User
from tests.conftest import PASSWORD, Account, Api

CYRILLIC_A = "\u0430"


async def register(client: AsyncClient, username: str, email: str | None = None) -> Response:
    body = {"username": username, "email": email or "someone@example.com", "password": PASSWORD}
    return await client.post("/api/users", json=body)


async def sign_in(client: AsyncClient, login: str) -> int:
    response = await client.post("/api/users/token", data={"username": login, "password": PASSWORD})
    return response.status_code


@pytest.mark.parametrize("login", ["ΟΔΟΣ", "οδος", "οδοσ", "Οδος"])
async def test_a_greek_username_signs_in_in_any_case(
    api: Api, client: AsyncClient, login: str
) -> None:
    await api.register("ΟΔΟΣ", email="odos@example.com")
    assert await sign_in(client, login) == 200


@pytest.mark.parametrize("login", ["İSTANBUL", "İstanbul", "i\u0307stanbul"])
async def test_a_turkish_username_signs_in_in_any_case(
    api: Api, client: AsyncClient, login: str
) -> None:
    await api.register("İSTANBUL", email="istanbul@example.com")
    assert await sign_in(client, login) == 200


async def test_a_username_differing_only_in_the_case_of_an_accent_is_taken(
    api: Api, client: AsyncClient
) -> None:
    await api.register("ÉMILE", email="emile@example.com")
    response = await register(client, "émile")
    assert response.status_code == 409
    assert response.json() == {"detail": "This username is already taken", "code": "username_taken"}


async def test_a_username_written_in_compatibility_characters_is_taken(
    api: Api, client: AsyncClient
) -> None:
    await api.register("ada")
    response = await register(client, "\uff21\uff24\uff21")  # full-width ADA
    assert response.status_code == 409
    assert response.json() == {"detail": "This username is already taken", "code": "username_taken"}


async def test_a_username_is_shown_as_typed_after_nfkc(api: Api) -> None:
    user = await api.register("\ufb01sh\uff2d\uff21\uff2e", email="fishman@example.com")
    assert user["username"] == "fishMAN"


async def test_a_username_mixing_scripts_is_refused_with_a_clear_message(
    client: AsyncClient,
) -> None:
    response = await register(client, f"{CYRILLIC_A}lice")
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "username"]
    assert error["msg"] == (
        "Value error, mixes scripts with letters that look like letters of another script "
        "(such as a Cyrillic a among Latin letters); write it in one script"
    )
    assert error["ctx"]["error"]["message"] == (
        "Write the name in one alphabet: some of its letters look like letters of another."
    )


async def test_a_cyrillic_look_alike_of_a_latin_username_is_refused(
    api: Api, client: AsyncClient
) -> None:
    await api.register("alice")
    response = await register(client, f"{CYRILLIC_A}lice")
    assert response.status_code == 422


async def test_a_whole_script_look_alike_of_an_existing_username_is_a_conflict(
    api: Api, client: AsyncClient
) -> None:
    await api.register("copa")
    response = await register(client, "\u0441\u043e\u0440\u0430")  # Cyrillic es, o, er, a
    assert response.status_code == 409
    assert response.json() == {
        "detail": "This username looks too much like an existing one",
        "code": "username_too_similar",
    }


async def test_a_username_with_a_digit_for_a_letter_is_a_conflict(
    api: Api, client: AsyncClient
) -> None:
    await api.register("alice")
    response = await register(client, "a1ice")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "This username looks too much like an existing one",
        "code": "username_too_similar",
    }


async def test_renaming_to_a_look_alike_of_another_username_is_a_conflict(
    api: Api, client: AsyncClient, author: Account
) -> None:
    await api.register("copa")
    response = await client.patch(
        f"/api/users/{author.id}", json={"username": "c0pa"}, headers=author.headers
    )
    assert response.status_code == 409


async def test_a_renamed_user_signs_in_by_the_new_name_in_any_case(
    client: AsyncClient, author: Account
) -> None:
    response = await client.patch(
        f"/api/users/{author.id}", json={"username": "ΟΔΟΣ"}, headers=author.headers
    )
    assert response.status_code == 200, response.text
    assert await sign_in(client, "οδος") == 200
    assert await sign_in(client, "author") == 401


@pytest.mark.parametrize("username", ["東京タワー", "東京tower", "λambda"])
async def test_a_name_in_scripts_that_do_not_look_alike_is_accepted(
    api: Api, username: str
) -> None:
    user = await api.register(username, email="tower@example.com")
    assert user["username"] == username


async def test_sign_in_by_email_in_another_case(api: Api, client: AsyncClient) -> None:
    await api.register("ada", email="ada@example.com")
    assert await sign_in(client, "ADA@Example.COM") == 200


async def test_sign_in_by_email_under_unicode_case_folding(api: Api, client: AsyncClient) -> None:
    await api.register("gross", email="straße@example.com")
    assert await sign_in(client, "STRASSE@EXAMPLE.COM") == 200


async def test_an_email_equal_under_unicode_case_folding_is_taken(
    api: Api, client: AsyncClient
) -> None:
    await api.register("gross", email="straße@example.com")
    response = await register(client, "other", email="STRASSE@example.com")
    assert response.status_code == 409
    assert response.json() == {"detail": "This email is already registered", "code": "email_taken"}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("ÉMILE", "one@example.com"), ("émile", "two@example.com")),
        (("one", "straße@example.com"), ("two", "strasse@example.com")),
    ],
    ids=["username", "email"],
)
async def test_the_database_refuses_a_second_user_with_the_same_key(
    session: AsyncSession, first: tuple[str, str], second: tuple[str, str]
) -> None:
    """The unique indexes, not only the service's check, decide races."""
    (username, email), (other_username, other_email) = first, second
    session.add(User(username=username, email=email, password_hash="x"))
    await session.commit()
    session.add(User(username=other_username, email=other_email, password_hash="x"))
    with pytest.raises(IntegrityError):
        await session.commit()


def test_the_keys_stored_for_a_user_written_outside_the_model_are_the_models_own() -> None:
    """Seeding and migrations insert users in bulk, past the model that computes the keys."""
    assert user_keys("\uff211ice", "Alice@Example.ORG") == {  # a fullwidth A, a one for an l
        "username_key": "a1ice",
        "username_skeleton": confusable_skeleton("alice"),
        "email_key": "alice@example.org",
    }


def test_a_nul_in_a_name_looked_up_becomes_a_replacement_character() -> None:
    """No name holds one and PostgreSQL's text cannot: looking it up finds no one."""
    assert lookup_key("ada\x00") == "ada\ufffd"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Zoë", "zoe"),
        ("ÉLODIE", "elodie"),
        ("Ἀθηνᾶ", "αθηνα"),  # Greek accents and breathings
        ("Йод", "йод"),  # й keeps its breve: a letter apart from и, which NFKD would split
        ("Straße", "strasse"),
        ("ﬁona", "fiona"),
        ("한국", "한국"),  # syllables NFKD splits into letters, put back together
        ("नमस्ते", "नमस्ते"),  # a Devanagari vowel sign and virama are parts of letters
    ],
)
def test_the_search_key_folds_case_and_drops_accents_alone(name: str, key: str) -> None:
    assert search_key(name) == key


def test_the_names_key_is_the_username_then_the_display_name() -> None:
    assert names_key("zoe_k", "Zoë Kravitz") == "zoe_k zoe kravitz"
    assert names_key("zoe_k", None) == "zoe_k"


async def test_a_users_names_key_follows_both_names(session: AsyncSession) -> None:
    user = User(display_name="Zoë", username="Ada", email="ada@example.com", password_hash="x")
    assert user.names_key == "ada zoe"

    user.username, user.display_name = "Ádám", None

    assert user.names_key == "adam"
