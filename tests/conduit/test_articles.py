"""Conduit's articles: Inkwell's published posts, by a slug unique to each."""

import re

import pytest
from httpx import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.posts.models import Post
from inkwell.schemas import MAX_ID
from tests.conduit.conftest import Conduit, ConduitUser, slug_parts
from tests.factories import Factory

ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


async def test_creating_answers_201_with_the_article(conduit: Conduit, writer: ConduitUser) -> None:
    body = {
        "title": "How to train your dragon",
        "description": "Ever wonder how?",
        "body": "You have to believe",
        "tagList": ["dragons", "training"],
    }
    response = await conduit.post("/articles", writer, {"article": body})

    assert response.status_code == 201
    article = response.json()["article"]
    assert article["title"] == "How to train your dragon"
    assert article["description"] == "Ever wonder how?"
    assert article["body"] == "You have to believe"
    assert article["tagList"] == ["dragons", "training"]
    assert article["slug"].startswith("how-to-train-your-dragon-")
    assert ISO_DATETIME.match(article["createdAt"])
    assert ISO_DATETIME.match(article["updatedAt"])
    assert (article["favorited"], article["favoritesCount"]) == (False, 0)
    assert article["author"] == {
        "username": "writer",
        "bio": None,
        "image": None,
        "following": False,
    }


async def test_duplicate_titles_get_distinct_slugs(conduit: Conduit, writer: ConduitUser) -> None:
    first = await conduit.article(writer, title="Same title")
    second = await conduit.article(writer, title="Same title")

    assert first["slug"] != second["slug"]
    assert (await conduit.get(f"/articles/{first['slug']}")).json()["article"]["slug"] == first[
        "slug"
    ]
    assert (await conduit.get(f"/articles/{second['slug']}")).json()["article"]["slug"] == second[
        "slug"
    ]


async def test_reading_by_slug_answers_the_article_with_its_body(
    conduit: Conduit, writer: ConduitUser
) -> None:
    created = await conduit.article(writer)

    response = await conduit.get(f"/articles/{created['slug']}")

    assert response.status_code == 200
    assert response.json()["article"] == created


async def test_an_article_shows_its_authors_bio(conduit: Conduit, writer: ConduitUser) -> None:
    await conduit.put("/user", writer, {"user": {"bio": "I write."}})
    created = await conduit.article(writer)

    response = await conduit.get(f"/articles/{created['slug']}")

    assert created["author"]["bio"] == "I write."
    assert response.json()["article"]["author"]["bio"] == "I write."


@pytest.mark.parametrize(
    "slug",
    ["unknown-slug", "unknown-slug-4242", "article-1-0", "article-99999999999", "a%0Ab-1"],
)
async def test_an_unknown_slug_is_a_404_article_not_found(
    conduit: Conduit, writer: ConduitUser, slug: str
) -> None:
    await conduit.article(writer)

    response = await conduit.get(f"/articles/{slug}")

    assert response.status_code == 404
    assert response.json() == {"errors": {"article": ["not found"]}}


# Digits that `str.isdigit` takes: Arabic-Indic ones `int` reads as the id, superscript
# ones it cannot read at all.
OTHER_DIGITS = {
    "arabic-indic": str.maketrans("0123456789", "".join(map(chr, range(0x0660, 0x066A)))),
    "superscript": str.maketrans(
        "0123456789", "\u2070\u00b9\u00b2\u00b3" + "".join(map(chr, range(0x2074, 0x207A)))
    ),
}


@pytest.mark.parametrize("digits", OTHER_DIGITS.values(), ids=OTHER_DIGITS.keys())
async def test_an_id_written_in_other_digits_names_no_article(
    conduit: Conduit, writer: ConduitUser, digits: dict[int, str]
) -> None:
    created = await conduit.article(writer)
    prefix, post_id = slug_parts(created)

    response = await conduit.get(f"/articles/{prefix}-{post_id.translate(digits)}")

    assert response.status_code == 404
    assert response.json() == {"errors": {"article": ["not found"]}}


async def test_the_largest_id_names_its_article(conduit: Conduit, writer: ConduitUser) -> None:
    created = await conduit.article(writer)
    prefix, post_id = slug_parts(created)
    await conduit.factory.renumber({"id": int(post_id)}, MAX_ID)

    response = await conduit.get(f"/articles/{prefix}-{MAX_ID}")

    assert response.status_code == 200
    assert response.json()["article"]["slug"] == f"{prefix}-{MAX_ID}"


async def test_a_slug_with_another_posts_words_is_a_404(
    conduit: Conduit, writer: ConduitUser
) -> None:
    created = await conduit.article(writer)
    _, post_id = slug_parts(created)

    response = await conduit.get(f"/articles/something-else-{post_id}")

    assert response.status_code == 404


async def test_a_draft_is_not_an_article_even_for_its_author(
    conduit: Conduit, writer: ConduitUser, factory: Factory
) -> None:
    draft = await factory.post(1, title="Draft", status="draft")

    response = await conduit.get(f"/articles/draft-{draft['id']}", writer)

    assert response.status_code == 404


@pytest.mark.parametrize("field", ["title", "description", "body"])
async def test_a_blank_field_is_a_422_cant_be_blank(
    conduit: Conduit, writer: ConduitUser, field: str
) -> None:
    body = {"title": "T", "description": "D", "body": "B", field: ""}
    response = await conduit.post("/articles", writer, {"article": body})

    assert response.status_code == 422
    assert response.json() == {"errors": {field: ["can't be blank"]}}


async def test_a_missing_field_is_a_422_cant_be_blank(
    conduit: Conduit, writer: ConduitUser
) -> None:
    response = await conduit.post("/articles", writer, {"article": {"title": "T", "body": "B"}})

    assert response.status_code == 422
    assert response.json() == {"errors": {"description": ["can't be blank"]}}


async def test_a_null_tag_list_is_a_422(conduit: Conduit, writer: ConduitUser) -> None:
    body = {"title": "T", "description": "D", "body": "B", "tagList": None}
    response = await conduit.post("/articles", writer, {"article": body})

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["tagList"]


async def test_creating_without_a_token_is_a_401_token_is_missing(conduit: Conduit) -> None:
    body = {"title": "T", "description": "D", "body": "B"}
    response = await conduit.post("/articles", None, {"article": body})

    assert response.status_code == 401
    assert response.json() == {"errors": {"token": ["is missing"]}}


async def test_an_update_changes_updated_at_and_keeps_created_at(
    conduit: Conduit, writer: ConduitUser
) -> None:
    created = await conduit.article(writer)
    before = (await conduit.get(f"/articles/{created['slug']}")).json()["article"]

    response = await conduit.put(
        f"/articles/{created['slug']}", writer, {"article": {"body": "New words."}}
    )

    updated = response.json()["article"]
    assert response.status_code == 200
    assert updated["body"] == "New words."
    assert updated["title"] == created["title"]
    assert updated["createdAt"] == before["createdAt"]
    assert updated["updatedAt"] > before["updatedAt"]
    assert (await conduit.get(f"/articles/{created['slug']}")).json()["article"] == updated


async def test_a_new_title_answers_the_new_slug(conduit: Conduit, writer: ConduitUser) -> None:
    created = await conduit.article(writer)

    response = await conduit.put(
        f"/articles/{created['slug']}", writer, {"article": {"title": "A new title"}}
    )

    slug = response.json()["article"]["slug"]
    assert slug.startswith("a-new-title-")
    assert (await conduit.get(f"/articles/{slug}")).status_code == 200


async def test_an_update_changes_the_description(conduit: Conduit, writer: ConduitUser) -> None:
    created = await conduit.article(writer)

    response = await conduit.put(
        f"/articles/{created['slug']}", writer, {"article": {"description": "Now this"}}
    )

    assert response.json()["article"]["description"] == "Now this"


async def test_an_empty_tag_list_clears_the_tags(conduit: Conduit, writer: ConduitUser) -> None:
    created = await conduit.article(writer, tagList=["one", "two"])

    response = await conduit.put(
        f"/articles/{created['slug']}", writer, {"article": {"tagList": []}}
    )

    assert response.status_code == 200
    assert response.json()["article"]["tagList"] == []
    assert (await conduit.get("/tags")).json() == {"tags": []}


async def test_an_update_without_a_tag_list_keeps_the_tags(
    conduit: Conduit, writer: ConduitUser
) -> None:
    created = await conduit.article(writer, tagList=["one"])

    response = await conduit.put(f"/articles/{created['slug']}", writer, {"article": {"body": "B"}})

    assert response.json()["article"]["tagList"] == ["one"]


@pytest.mark.parametrize("field", ["tagList", "title", "body", "description"])
async def test_a_null_field_in_an_update_is_a_422(
    conduit: Conduit, writer: ConduitUser, field: str
) -> None:
    created = await conduit.article(writer, tagList=["one"])

    response = await conduit.put(f"/articles/{created['slug']}", writer, {"article": {field: None}})

    assert response.status_code == 422
    assert response.json() == {"errors": {field: ["can't be null"]}}
    assert (await conduit.get(f"/articles/{created['slug']}")).json()["article"] == created


async def test_updating_without_a_token_is_a_401(conduit: Conduit, writer: ConduitUser) -> None:
    created = await conduit.article(writer)

    response = await conduit.put(f"/articles/{created['slug']}", None, {"article": {"body": "B"}})

    assert response.status_code == 401
    assert response.json() == {"errors": {"token": ["is missing"]}}


async def test_updating_someone_elses_article_is_a_403(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser
) -> None:
    created = await conduit.article(writer)

    response = await conduit.put(f"/articles/{created['slug']}", reader, {"article": {"body": "B"}})

    assert response.status_code == 403
    assert response.json() == {"errors": {"article": ["forbidden"]}}


async def test_deleting_someone_elses_article_is_a_403_and_keeps_it(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser
) -> None:
    created = await conduit.article(writer)

    response = await conduit.delete(f"/articles/{created['slug']}", reader)

    assert response.status_code == 403
    assert (await conduit.get(f"/articles/{created['slug']}")).status_code == 200


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_a_suspended_authors_article_is_not_found_to_change(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser, factory: Factory, method: str
) -> None:
    """A 404 as to every read, not a 403 that would say it is there."""
    created = await conduit.article(writer)
    admin = await factory.account("admin", role="admin")
    me = (await conduit.client.get("/api/users/me", headers=writer.bearer)).json()
    await conduit.client.post(f"/api/users/{me['id']}/suspend", headers=admin.headers)

    address = f"/articles/{created['slug']}"
    if method == "PUT":
        response = await conduit.put(address, reader, {"article": {"body": "B"}})
    else:
        response = await conduit.delete(address, reader)

    assert response.status_code == 404
    assert response.json() == {"errors": {"article": ["not found"]}}


async def test_deleting_answers_204_and_the_article_is_gone(
    conduit: Conduit, writer: ConduitUser
) -> None:
    created = await conduit.article(writer)

    response = await conduit.delete(f"/articles/{created['slug']}", writer)

    assert response.status_code == 204
    gone = await conduit.get(f"/articles/{created['slug']}")
    assert gone.status_code == 404
    assert gone.json() == {"errors": {"article": ["not found"]}}


async def change_article(conduit: Conduit, method: str, slug: str, user: ConduitUser) -> Response:
    """An update (PUT) or a deletion (DELETE) of the article `slug`, by `user`."""
    return await conduit.client.request(
        method,
        f"/conduit/api/articles/{slug}",
        headers=user.headers,
        json={"article": {"body": "B"}},
    )


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_changing_an_unknown_article_is_a_404(
    conduit: Conduit, writer: ConduitUser, method: str
) -> None:
    response = await change_article(conduit, method, "unknown-slug-77", writer)

    assert response.status_code == 404
    assert response.json() == {"errors": {"article": ["not found"]}}


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_changing_an_article_by_another_posts_words_is_a_404_and_keeps_it(
    conduit: Conduit, writer: ConduitUser, method: str
) -> None:
    created = await conduit.article(writer)
    _, post_id = slug_parts(created)

    response = await change_article(conduit, method, f"something-else-{post_id}", writer)

    assert response.status_code == 404
    kept = await conduit.get(f"/articles/{created['slug']}")
    assert kept.json()["article"]["body"] == created["body"]


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_a_draft_cannot_be_changed_as_an_article_even_by_its_author(
    conduit: Conduit, writer: ConduitUser, factory: Factory, engine: AsyncEngine, method: str
) -> None:
    draft = await factory.post(1, title="Draft", content="Unfinished.", status="draft")

    response = await change_article(conduit, method, f"draft-{draft['id']}", writer)

    assert response.status_code == 404
    assert response.json() == {"errors": {"article": ["not found"]}}
    async with engine.connect() as connection:
        kept = await connection.scalar(select(Post.content).where(Post.id == draft["id"]))
    assert kept == "Unfinished."
