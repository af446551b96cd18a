"""Conduit's users: registering, logging in, the current user, and its tokens being
Inkwell's own."""

import re

import pytest
from httpx import AsyncClient

from inkwell.config import Settings
from inkwell.users.rows import DEFAULT_AVATAR_PATH
from tests.auth.signing_in import sign_in
from tests.conduit.conftest import API, STRONG_PASSWORD, Conduit, ConduitUser
from tests.factories import PASSWORD, Factory
from tests.pictures import image_file, upload

PICTURE = "https://pictures.example/jake.png?size=200"


async def inkwell_picture(conduit: Conduit, user: ConduitUser) -> str | None:
    """Where Inkwell serves the user's uploaded picture from; None for the default avatar."""
    path: str = (await conduit.client.get("/api/users/me", headers=user.bearer)).json()[
        "image_path"
    ]
    return None if path == DEFAULT_AVATAR_PATH else path


async def upload_to_inkwell(conduit: Conduit, user: ConduitUser, settings: Settings) -> str:
    """The full address Conduit gives the picture uploaded."""
    me = (await conduit.client.get("/api/users/me", headers=user.bearer)).json()
    response = await upload(conduit.client, me["id"], image_file(), headers=user.bearer)
    assert response.status_code == 200, response.text
    return settings.public_base_url + response.json()["image_path"]


def new_user(name: str = "jake", **fields: str) -> dict[str, object]:
    user = {"username": name, "email": f"{name}@example.com", "password": STRONG_PASSWORD}
    return {"user": user | fields}


async def test_registering_answers_201_with_a_token_and_no_bio_or_image(
    conduit: Conduit,
) -> None:
    response = await conduit.post("/users", body=new_user())

    assert response.status_code == 201
    user = response.json()["user"]
    assert user["username"] == "jake"
    assert user["email"] == "jake@example.com"
    assert user["bio"] is None
    assert user["image"] is None
    assert isinstance(user["token"], str)
    assert user["token"]


async def test_the_registered_token_reads_the_current_user(conduit: Conduit) -> None:
    token = (await conduit.post("/users", body=new_user())).json()["user"]["token"]

    response = await conduit.client.get(f"{API}/user", headers={"Authorization": f"Token {token}"})

    assert response.status_code == 200
    assert response.json()["user"]["username"] == "jake"


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"username": "Writer"}, "username"), ({"email": "writer@example.com"}, "email")],
)
async def test_a_taken_username_or_email_is_a_409_naming_it(
    conduit: Conduit, writer: ConduitUser, fields: dict[str, str], field: str
) -> None:
    response = await conduit.post("/users", body=new_user("other", **fields))

    assert response.status_code == 409
    assert response.json() == {"errors": {field: ["has already been taken"]}}


@pytest.mark.parametrize("field", ["username", "email", "password"])
async def test_a_blank_field_is_a_422_saying_it_cant_be_blank(conduit: Conduit, field: str) -> None:
    response = await conduit.post("/users", body=new_user(**{field: ""}))

    assert response.status_code == 422
    assert response.json()["errors"][field] == ["can't be blank"]


async def test_a_missing_user_object_is_a_422_in_the_errors_shape(conduit: Conduit) -> None:
    response = await conduit.post("/users", body={})

    assert response.status_code == 422
    assert response.json() == {"errors": {"user": ["can't be blank"]}}


async def test_an_invalid_email_is_a_422_naming_the_email(conduit: Conduit) -> None:
    response = await conduit.post("/users", body=new_user(email="not-an-email"))

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["email"]


async def test_logging_in_by_email_answers_the_user_with_a_token(
    conduit: Conduit, writer: ConduitUser
) -> None:
    body = {"user": {"email": "writer@example.com", "password": PASSWORD}}
    response = await conduit.post("/users/login", body=body)

    assert response.status_code == 200
    user = response.json()["user"]
    assert (user["username"], user["bio"], user["image"]) == ("writer", None, None)
    assert user["token"]


async def test_a_wrong_password_is_a_401_in_the_errors_shape(
    conduit: Conduit, writer: ConduitUser
) -> None:
    body = {"user": {"email": "writer@example.com", "password": "not the password"}}
    response = await conduit.post("/users/login", body=body)

    assert response.status_code == 401
    assert response.json() == {"errors": {"email or password": ["is invalid"]}}


async def test_signing_in_while_suspended_is_a_403_naming_the_account(
    conduit: Conduit, writer: ConduitUser, factory: Factory
) -> None:
    admin = await factory.account("admin", role="admin")
    me = (await conduit.client.get("/api/users/me", headers=writer.bearer)).json()
    suspended = await conduit.client.post(f"/api/users/{me['id']}/suspend", headers=admin.headers)
    assert suspended.status_code == 200, suspended.text

    body = {"user": {"email": "writer@example.com", "password": PASSWORD}}
    response = await conduit.post("/users/login", body=body)

    assert response.status_code == 403
    assert response.json() == {"errors": {"account": ["is suspended"]}}


async def test_the_login_document_says_it_may_answer_403(conduit: Conduit) -> None:
    document = (await conduit.client.get(f"{API}/openapi.json")).json()

    assert "403" in document["paths"]["/users/login"]["post"]["responses"]


async def test_the_current_user_without_a_token_is_a_401_token_is_missing(
    conduit: Conduit,
) -> None:
    response = await conduit.get("/user")

    assert response.status_code == 401
    assert response.json() == {"errors": {"token": ["is missing"]}}
    assert response.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("header", ["Token not-a-jwt", "Token", "Basic abc"])
async def test_a_bad_authorization_header_is_a_401_token_is_invalid(
    client: AsyncClient, header: str
) -> None:
    response = await client.get(f"{API}/user", headers={"Authorization": header})

    assert response.status_code == 401
    assert response.json() == {"errors": {"token": ["is invalid"]}}


@pytest.mark.parametrize("read", ["/user", "/articles"])
async def test_a_good_token_under_another_scheme_is_a_401_token_is_invalid(
    client: AsyncClient, writer: ConduitUser, read: str
) -> None:
    token = writer.bearer["Authorization"].removeprefix("Bearer ")

    response = await client.get(f"{API}{read}", headers={"Authorization": f"Basic {token}"})

    assert response.status_code == 401
    assert response.json() == {"errors": {"token": ["is invalid"]}}


@pytest.mark.parametrize("form", ["token  {}", "TOKEN {}", " Token {} "])
async def test_the_scheme_is_read_whatever_its_case_and_the_spaces_around(
    client: AsyncClient, writer: ConduitUser, form: str
) -> None:
    """RFC 9110 11.1: the scheme is case-insensitive, and one or more spaces follow it."""
    token = writer.bearer["Authorization"].removeprefix("Bearer ")

    response = await client.get(f"{API}/user", headers={"Authorization": form.format(token)})

    assert response.status_code == 200


async def test_updating_the_bio_answers_and_keeps_it(conduit: Conduit, writer: ConduitUser) -> None:
    response = await conduit.put("/user", writer, {"user": {"bio": "I write."}})

    assert response.status_code == 200
    assert response.json()["user"]["bio"] == "I write."
    assert (await conduit.get("/user", writer)).json()["user"]["bio"] == "I write."


@pytest.mark.parametrize("cleared", ["", "  ", None])
async def test_an_empty_or_null_bio_is_stored_as_null(
    conduit: Conduit, writer: ConduitUser, cleared: str | None
) -> None:
    await conduit.put("/user", writer, {"user": {"bio": "I write."}})

    response = await conduit.put("/user", writer, {"user": {"bio": cleared}})

    assert response.status_code == 200
    assert (await conduit.get("/user", writer)).json()["user"]["bio"] is None


async def test_a_bio_that_shows_nothing_is_refused_in_conduits_shape(
    conduit: Conduit, writer: ConduitUser
) -> None:
    """Only invisible characters (a zero-width space, a word joiner) are taken for a mistake,
    as in Inkwell's API: spaces alone clear the bio."""
    await conduit.put("/user", writer, {"user": {"bio": "I write."}})

    response = await conduit.put("/user", writer, {"user": {"bio": " \u200b\u2060 "}})

    assert response.status_code == 422
    assert response.json() == {
        "errors": {
            "bio": ["shows nothing: only spaces, invisible characters or marks with no letter"]
        }
    }
    assert (await conduit.get("/user", writer)).json()["user"]["bio"] == "I write."


async def test_an_empty_image_without_a_picture_stays_null(
    conduit: Conduit, writer: ConduitUser
) -> None:
    response = await conduit.put("/user", writer, {"user": {"image": ""}})

    assert response.status_code == 200
    assert response.json()["user"]["image"] is None


async def test_setting_the_image_answers_it_and_keeps_it(
    conduit: Conduit, writer: ConduitUser
) -> None:
    response = await conduit.put("/user", writer, {"user": {"image": PICTURE}})

    assert response.status_code == 200
    assert response.json()["user"]["image"] == PICTURE
    assert (await conduit.get("/user", writer)).json()["user"]["image"] == PICTURE
    assert (await conduit.get("/profiles/writer")).json()["profile"]["image"] == PICTURE


@pytest.mark.parametrize("cleared", ["", "  ", None])
async def test_an_empty_or_null_image_is_stored_as_null(
    conduit: Conduit, writer: ConduitUser, cleared: str | None
) -> None:
    await conduit.put("/user", writer, {"user": {"image": PICTURE}})

    response = await conduit.put("/user", writer, {"user": {"image": cleared}})

    assert response.status_code == 200
    assert (await conduit.get("/user", writer)).json()["user"]["image"] is None


@pytest.mark.parametrize(
    "address",
    ["javascript:alert(1)", "data:image/png;base64,iVBORw0KGgo=", "/media/me.png",
     "ftp://example.com/me.png", "https://", "example.com/me.png", "not a picture",
     "https://exa mple.com/me.png", "https://example.com/\x07.png",
     "https://example.com:99999/me.png", "https://example.com:0/me.png",
     "https://[::1/me.png", "https://example.com:\u0661\u0662/me.png",
     "https://example.com/" + "a" * 2048],
)  # fmt: skip
async def test_an_image_that_is_not_an_http_address_is_a_422_naming_the_image(
    conduit: Conduit, writer: ConduitUser, address: str
) -> None:
    response = await conduit.put("/user", writer, {"user": {"image": address}})

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["image"]
    assert (await conduit.get("/user", writer)).json()["user"]["image"] is None


async def test_an_image_that_is_not_an_http_address_is_refused_in_conduits_shape(
    conduit: Conduit, writer: ConduitUser
) -> None:
    response = await conduit.put("/user", writer, {"user": {"image": "javascript:alert(1)"}})

    assert response.json() == {"errors": {"image": ["must be an absolute http or https address"]}}


@pytest.mark.parametrize(
    ("address", "accepted"),
    [(PICTURE, True), (f"  {PICTURE} ", True), ("", True), ("  ", True),
     ("javascript:alert(1)", False), ("https://example.com:65536/me.png", False),
     ("https://exa mple.com/me.png", False)],
)  # fmt: skip
async def test_the_documented_image_pattern_says_what_is_taken(
    conduit: Conduit, writer: ConduitUser, address: str, accepted: bool
) -> None:
    document = (await conduit.client.get(f"{API}/openapi.json")).json()
    image = document["components"]["schemas"]["UpdateUser"]["properties"]["image"]
    [documented] = [schema for schema in image["anyOf"] if schema.get("type") == "string"]

    response = await conduit.put("/user", writer, {"user": {"image": address}})

    assert (re.search(documented["pattern"], address) is not None) is accepted
    assert response.status_code == (200 if accepted else 422)


async def test_uploading_a_picture_to_inkwell_replaces_the_image_set_here(
    conduit: Conduit, writer: ConduitUser, settings: Settings
) -> None:
    await conduit.put("/user", writer, {"user": {"image": PICTURE}})

    uploaded = await upload_to_inkwell(conduit, writer, settings)

    assert (await conduit.get("/user", writer)).json()["user"]["image"] == uploaded


async def test_an_image_set_here_is_shown_before_the_picture_uploaded_to_inkwell(
    conduit: Conduit, writer: ConduitUser, settings: Settings
) -> None:
    await upload_to_inkwell(conduit, writer, settings)

    await conduit.put("/user", writer, {"user": {"image": PICTURE}})

    assert (await conduit.get("/user", writer)).json()["user"]["image"] == PICTURE


async def test_sending_the_uploaded_pictures_address_back_keeps_the_upload(
    conduit: Conduit, writer: ConduitUser, settings: Settings
) -> None:
    uploaded = await upload_to_inkwell(conduit, writer, settings)
    current = (await conduit.get("/user", writer)).json()["user"]

    await conduit.put("/user", writer, {"user": current | {"bio": "I write."}})

    assert settings.public_base_url + str(await inkwell_picture(conduit, writer)) == uploaded
    assert (await conduit.get("/user", writer)).json()["user"]["image"] == uploaded


async def test_clearing_the_image_removes_the_picture_uploaded_to_inkwell(
    conduit: Conduit, writer: ConduitUser, settings: Settings
) -> None:
    await upload_to_inkwell(conduit, writer, settings)

    response = await conduit.put("/user", writer, {"user": {"image": None}})

    assert response.json()["user"]["image"] is None
    assert await inkwell_picture(conduit, writer) is None


async def test_removing_the_picture_in_inkwell_removes_the_image_set_here_too(
    conduit: Conduit, writer: ConduitUser, settings: Settings
) -> None:
    await upload_to_inkwell(conduit, writer, settings)
    await conduit.put("/user", writer, {"user": {"image": PICTURE}})
    me = (await conduit.client.get("/api/users/me", headers=writer.bearer)).json()

    response = await conduit.client.delete(f"/api/users/{me['id']}/picture", headers=writer.bearer)

    assert response.status_code == 200
    assert (await conduit.get("/user", writer)).json()["user"]["image"] is None


async def test_inkwells_pages_never_load_an_image_set_here(
    conduit: Conduit, writer: ConduitUser
) -> None:
    await conduit.put("/user", writer, {"user": {"image": PICTURE}})
    await conduit.article(writer)

    pages = [await conduit.client.get(path) for path in ("/", "/@writer")]

    assert all(page.status_code == 200 for page in pages)
    assert all(PICTURE not in page.text for page in pages)


async def test_the_username_changes_and_the_token_still_works(
    conduit: Conduit, writer: ConduitUser
) -> None:
    response = await conduit.put("/user", writer, {"user": {"username": "author"}})

    assert response.status_code == 200
    assert (await conduit.get("/user", writer)).json()["user"]["username"] == "author"


async def test_sending_the_whole_user_back_unchanged_is_accepted(
    conduit: Conduit, writer: ConduitUser
) -> None:
    current = (await conduit.get("/user", writer)).json()["user"]

    response = await conduit.put("/user", writer, {"user": current | {"password": ""}})

    assert response.status_code == 200
    assert response.json()["user"]["email"] == current["email"]


async def test_resending_the_email_as_typed_at_registration_changes_nothing(
    conduit: Conduit,
) -> None:
    # The official suite's "Update User" sends only the email it registered with, as typed.
    typed = "Jake.Doe@Example.COM"
    registered = await conduit.post("/users", body=new_user(email=typed))
    token = {"Authorization": f"Token {registered.json()['user']['token']}"}

    response = await conduit.client.put(
        f"{API}/user", headers=token, json={"user": {"email": typed}}
    )

    assert response.status_code == 200
    assert response.json()["user"]["email"] == "jake.doe@example.com"
    assert response.json()["user"]["username"] == "jake"


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"email": "new@example.com"}, "email"), ({"password": STRONG_PASSWORD}, "password")],
)
async def test_a_new_email_or_password_is_a_422_sending_to_inkwells_settings(
    conduit: Conduit, writer: ConduitUser, fields: dict[str, str], field: str
) -> None:
    response = await conduit.put("/user", writer, {"user": fields})

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize("field", ["username", "email"])
async def test_a_null_username_or_email_is_a_422_saying_it_cant_be_null(
    conduit: Conduit, writer: ConduitUser, field: str
) -> None:
    response = await conduit.put("/user", writer, {"user": {field: None}})

    assert response.status_code == 422
    assert response.json() == {"errors": {field: ["can't be null"]}}


@pytest.mark.parametrize("field", ["username", "email"])
async def test_an_empty_username_or_email_is_a_422_naming_it(
    conduit: Conduit, writer: ConduitUser, field: str
) -> None:
    response = await conduit.put("/user", writer, {"user": {field: ""}})

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


async def test_a_taken_username_on_update_is_a_409(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser
) -> None:
    response = await conduit.put("/user", writer, {"user": {"username": "reader"}})

    assert response.status_code == 409
    assert response.json() == {"errors": {"username": ["has already been taken"]}}


async def test_an_inkwell_bearer_token_works_as_a_conduit_token(
    client: AsyncClient, writer: ConduitUser
) -> None:
    token = writer.bearer["Authorization"].removeprefix("Bearer ")

    inkwell = await client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
    conduit = await client.get(f"{API}/user", headers={"Authorization": f"Token {token}"})

    assert inkwell.status_code == conduit.status_code == 200


async def test_a_sign_in_sessions_cookie_token_is_no_conduit_token(
    client: AsyncClient, writer: ConduitUser
) -> None:
    """Conduit answers the current user with a new bearer token: a session cookie's token
    traded there would become one that outlives its session (signing out, reuse detection)."""
    await sign_in(client, writer.username)
    cookie_token = {"Authorization": f"Token {client.cookies['inkwell_session']}"}
    client.cookies.clear()

    current_user = await client.get(f"{API}/user", headers=cookie_token)
    articles = await client.get(f"{API}/articles", headers=cookie_token)

    assert current_user.status_code == articles.status_code == 401
    assert current_user.json() == {"errors": {"token": ["is invalid"]}}


async def test_a_conduit_token_signs_in_to_inkwells_api(
    client: AsyncClient, conduit: Conduit
) -> None:
    token = (await conduit.post("/users", body=new_user())).json()["user"]["token"]

    response = await client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert response.json()["username"] == "jake"


async def test_logging_out_of_inkwell_ends_the_conduit_token(
    client: AsyncClient, conduit: Conduit, writer: ConduitUser
) -> None:
    logout = await client.post("/api/users/logout", headers=writer.bearer)

    response = await conduit.get("/user", writer)

    assert logout.status_code == 204
    assert response.status_code == 401
    assert response.json() == {"errors": {"token": ["is invalid"]}}
