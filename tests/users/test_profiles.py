"""Author profiles: a display name and a short plain-text bio, edited by their user, shown to
everyone with the join date and the count of published posts."""

import re

import pytest
from httpx import AsyncClient

from tests.conftest import Account, Api


async def test_a_user_sets_a_display_name_and_a_bio(
    api: Api, client: AsyncClient, author: Account
) -> None:
    response = await client.patch(
        f"/api/users/{author.id}",
        json={"display_name": "  Ada   Lovelace ", "bio": "Writes about engines.\nhttps://x.org"},
        headers=author.headers,
    )

    assert response.status_code == 200
    assert response.json()["display_name"] == "Ada Lovelace"
    assert response.json()["bio"] == "Writes about engines.\nhttps://x.org"
    await api.post(author)
    public = (await client.get(f"/api/users/{author.id}")).json()
    assert (public["display_name"], public["bio"], public["post_count"]) == (
        "Ada Lovelace",
        "Writes about engines.\nhttps://x.org",
        1,
    )
    assert "email" not in public
    listed = (await client.get("/api/posts")).json()["posts"][0]["author"]
    assert listed["display_name"] == "Ada Lovelace"
    assert "bio" not in listed


async def test_an_empty_display_name_or_bio_clears_it(client: AsyncClient, author: Account) -> None:
    await client.patch(
        f"/api/users/{author.id}",
        json={"display_name": "Ada", "bio": "Hello"},
        headers=author.headers,
    )

    response = await client.patch(
        f"/api/users/{author.id}", json={"display_name": "", "bio": "  "}, headers=author.headers
    )

    assert (response.json()["display_name"], response.json()["bio"]) == (None, None)


async def test_a_bio_keeps_its_windows_line_breaks_as_line_breaks(
    client: AsyncClient, author: Account
) -> None:
    response = await client.patch(
        f"/api/users/{author.id}", json={"bio": "One line.\r\nAnother."}, headers=author.headers
    )

    assert response.status_code == 200
    assert response.json()["bio"] == "One line.\nAnother."


@pytest.mark.parametrize(
    ("bio", "accepted"),
    [("Writes about engines.\nhttps://x.org", True), ("", True), (" \t\r\n ", True),
     ("One line.\r\nAnother.", True), ("a\u200b", True), ("bell\x07", False),
     ("\x0b", False), ("nul\x00", False), ("\u200b", False), (" \u2060\ufeff\n", False),
     ("https://evil.example/\u202eelpmaxe.doog", False),
     ("\u2067\u05e9\u05dc\u05d5\u05dd\u2069", False),
     ("\u05e9\u05dc\u05d5\u05dd \u200fhello", True)],
)  # fmt: skip
async def test_the_api_document_states_which_bios_are_taken(
    client: AsyncClient, author: Account, bio: str, accepted: bool
) -> None:
    document = (await client.get("/openapi.json")).json()
    documented = document["components"]["schemas"]["UserUpdate"]["properties"]["bio"]

    response = await client.patch(
        f"/api/users/{author.id}", json={"bio": bio}, headers=author.headers
    )

    assert (re.search(documented["pattern"], bio) is not None) is accepted
    assert response.status_code == (200 if accepted else 422)


# Nothing a reader would see: zero-width spaces, a word joiner, byte order marks, a Hangul
# filler, and accents (nonspacing or enclosing marks) with no letter to mark.
SHOWING_NOTHING = [
    "\u200b",
    "\u2060 \ufeff",
    "\u3164",
    "\u0301",
    "\u0301\u20dd",
    " \u200b\u0308 \u200b ",
]


@pytest.mark.parametrize("value", SHOWING_NOTHING)
@pytest.mark.parametrize("field", ["display_name", "bio"])
async def test_a_display_name_or_bio_that_shows_nothing_is_refused_in_plain_words(
    client: AsyncClient, author: Account, field: str, value: str
) -> None:
    """Spaces alone clear it; invisible characters with them are taken for a mistake."""
    response = await client.patch(
        f"/api/users/{author.id}", json={field: value}, headers=author.headers
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": field, "code": "invalid_format",
         "message": "Write something visible, or leave it empty."}
    ]  # fmt: skip
    assert (await client.get(f"/api/users/{author.id}")).json()[field] is None


@pytest.mark.parametrize("value", ["e\u0301", "\u200bAda\u2060", "\u0301 x"])
async def test_a_bio_that_shows_something_among_invisible_characters_is_kept_as_written(
    client: AsyncClient, author: Account, value: str
) -> None:
    response = await client.patch(
        f"/api/users/{author.id}", json={"bio": value}, headers=author.headers
    )

    assert response.status_code == 200
    assert response.json()["bio"] == value


async def test_a_display_name_that_shows_a_letter_and_its_accent_is_kept(
    client: AsyncClient, author: Account
) -> None:
    response = await client.patch(
        f"/api/users/{author.id}", json={"display_name": "Ze\u0301"}, headers=author.headers
    )

    assert response.status_code == 200
    assert response.json()["display_name"] == "Z\u00e9"


@pytest.mark.parametrize(
    ("name", "accepted"),
    [("Ada Lovelace", True), ("", True), ("Ada\tLovelace", True), ("Ada\x00", False),
     ("Ada\x07", False), ("Ada\x85\x9f", False), ("Ada\u202eecalevol", False),
     ("\u200b\u200b", False), ("\u200b ", False), (" \t ", True)],
)  # fmt: skip
async def test_the_api_document_states_which_display_names_are_taken(
    client: AsyncClient, author: Account, name: str, accepted: bool
) -> None:
    document = (await client.get("/openapi.json")).json()
    documented = document["components"]["schemas"]["UserUpdate"]["properties"]["display_name"]

    response = await client.patch(
        f"/api/users/{author.id}", json={"display_name": name}, headers=author.headers
    )

    assert (re.search(documented["pattern"], name) is not None) is accepted
    assert response.status_code == (200 if accepted else 422)


@pytest.mark.parametrize(
    "fields",
    [
        {"display_name": "x" * 51},
        {"display_name": "Ada\x00"},
        {"display_name": "Ada\u202eecalevol"},
        {"display_name": "\u200b\u200b"},
        {"display_name": None},
        {"bio": "x" * 301},
        {"bio": "bell\x07"},
        {"bio": "nul\x00"},
        {"bio": "https://evil.example/\u202eelpmaxe.doog"},
    ],
)
async def test_a_bad_display_name_or_bio_is_refused_and_nothing_changes(
    client: AsyncClient, author: Account, fields: dict[str, object]
) -> None:
    response = await client.patch(
        f"/api/users/{author.id}", json={"username": "renamed", **fields}, headers=author.headers
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    public = (await client.get(f"/api/users/{author.id}")).json()
    assert (public["username"], public["display_name"], public["bio"]) == ("author", None, None)


@pytest.mark.parametrize(
    ("fields", "problem", "message"),
    [({"display_name": "Ada\u202eecalevol"},
      "control characters and direction overrides are not allowed",
      "Remove the invisible control characters from the name."),
     ({"bio": "bell\x07"},
      "control characters other than line breaks, and direction overrides, are not allowed",
      "Remove the invisible control characters from the text."),
     ({"bio": "https://evil.example/\u202eelpmaxe.doog"},
      "control characters other than line breaks, and direction overrides, are not allowed",
      "Remove the invisible control characters from the text.")],
)  # fmt: skip
async def test_a_control_character_in_a_name_or_bio_is_refused_in_plain_words(
    client: AsyncClient, author: Account, fields: dict[str, str], problem: str, message: str
) -> None:
    response = await client.patch(f"/api/users/{author.id}", json=fields, headers=author.headers)

    [field] = fields
    answer = response.json()
    assert answer["errors"] == [{"field": field, "code": "control_characters", "message": message}]
    assert [error["msg"] for error in answer["detail"]] == [f"Value error, {problem}"]


async def test_only_the_user_changes_their_profile(
    api: Api, client: AsyncClient, author: Account
) -> None:
    other = await api.sign_up("other")

    response = await client.patch(
        f"/api/users/{author.id}", json={"display_name": "Impostor"}, headers=other.headers
    )

    assert response.status_code == 403
    assert (await client.get(f"/api/users/{author.id}")).json()["display_name"] is None
