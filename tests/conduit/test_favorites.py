"""Favorites: Inkwell's likes of a post, idempotent and counted by the database."""

import pytest

from tests.conduit.conftest import Conduit, ConduitUser, slug_parts


async def test_favoriting_answers_the_article_favorited(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser
) -> None:
    article = await conduit.article(writer)

    response = await conduit.post(f"/articles/{article['slug']}/favorite", reader)

    assert response.status_code == 200
    favorited = response.json()["article"]
    assert (favorited["favorited"], favorited["favoritesCount"]) == (True, 1)
    again = (await conduit.get(f"/articles/{article['slug']}", reader)).json()["article"]
    assert (again["favorited"], again["favoritesCount"]) == (True, 1)


async def test_favoriting_twice_counts_once(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser
) -> None:
    article = await conduit.article(writer)
    await conduit.post(f"/articles/{article['slug']}/favorite", reader)

    response = await conduit.post(f"/articles/{article['slug']}/favorite", reader)

    assert response.json()["article"]["favoritesCount"] == 1


async def test_unfavoriting_answers_the_article_unfavorited(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser
) -> None:
    article = await conduit.article(writer)
    await conduit.post(f"/articles/{article['slug']}/favorite", reader)

    response = await conduit.delete(f"/articles/{article['slug']}/favorite", reader)

    assert response.status_code == 200
    unfavorited = response.json()["article"]
    assert (unfavorited["favorited"], unfavorited["favoritesCount"]) == (False, 0)


@pytest.mark.parametrize("method", ["POST", "DELETE"])
async def test_an_unknown_article_is_a_404(
    conduit: Conduit, writer: ConduitUser, method: str
) -> None:
    article = await conduit.article(writer)
    _, post_id = slug_parts(article)

    for slug in ("unknown-slug-4242", f"wrong-words-{post_id}"):
        response = await conduit.client.request(
            method, f"/conduit/api/articles/{slug}/favorite", headers=writer.headers
        )
        assert response.status_code == 404
        assert response.json() == {"errors": {"article": ["not found"]}}
    assert (await conduit.get(f"/articles/{article['slug']}")).json()["article"][
        "favoritesCount"
    ] == 0


@pytest.mark.parametrize("method", ["POST", "DELETE"])
async def test_favoriting_without_a_token_is_a_401(
    conduit: Conduit, writer: ConduitUser, method: str
) -> None:
    article = await conduit.article(writer)

    response = await conduit.client.request(
        method, f"/conduit/api/articles/{article['slug']}/favorite"
    )

    assert response.status_code == 401
    assert response.json() == {"errors": {"token": ["is missing"]}}
