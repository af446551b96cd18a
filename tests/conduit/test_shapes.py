"""Inkwell's rows in Conduit's shapes: what a Conduit client reads of what Inkwell's own
clients wrote."""

import pytest

from inkwell.conduit.shapes import image
from inkwell.config import Settings
from tests.conduit.conftest import Conduit
from tests.factories import Factory


async def test_a_picture_is_shown_by_its_full_address(
    conduit: Conduit, factory: Factory, settings: Settings
) -> None:
    await factory.user("painter", image_file="ab12.webp")

    response = await conduit.get("/profiles/painter")

    assert response.json()["profile"]["image"] == f"{settings.public_base_url}/media/ab12.webp"


async def test_an_articles_author_is_shown_with_their_pictures_full_address(
    conduit: Conduit, factory: Factory, settings: Settings
) -> None:
    painter = await factory.user("painter", image_file="ab12.webp")
    post = await factory.post(painter, title="Still life")

    response = await conduit.get(f"/articles/still-life-{post['id']}")

    author = response.json()["article"]["author"]
    assert author["image"] == f"{settings.public_base_url}/media/ab12.webp"


@pytest.mark.parametrize(
    ("base_url", "address"),
    [("https://blog.example.org", "https://blog.example.org/media/ab12.webp"),
     ("https://blog.example.org/", "https://blog.example.org/media/ab12.webp"),
     ("https://example.org/X/", "https://example.org/X/media/ab12.webp")],
)  # fmt: skip
def test_a_pictures_address_has_one_slash_however_the_base_url_ends(
    base_url: str, address: str
) -> None:
    assert image(base_url, None, "ab12.webp") == address


def test_a_picture_set_through_conduit_is_shown_before_an_upload() -> None:
    # Both are kept only while the upload is older: uploading clears the other.
    shown = image("https://blog.example.org", "https://pictures.example/me.png", "ab12.webp")

    assert shown == "https://pictures.example/me.png"


def test_a_user_without_either_picture_has_no_image() -> None:
    assert image("https://blog.example.org", None, None) is None


async def test_an_articles_author_is_shown_with_the_picture_set_through_conduit(
    conduit: Conduit, factory: Factory
) -> None:
    painter = await factory.user("painter", image_url="https://pictures.example/me.png")
    post = await factory.post(painter, title="Still life")

    response = await conduit.get(f"/articles/still-life-{post['id']}")

    assert response.json()["article"]["author"]["image"] == "https://pictures.example/me.png"


async def test_a_listed_articles_author_is_shown_with_the_picture_set_through_conduit(
    conduit: Conduit, factory: Factory
) -> None:
    painter = await factory.user("painter", image_url="https://pictures.example/me.png")
    await factory.post(painter, title="Still life")

    response = await conduit.get("/articles")

    [listed] = response.json()["articles"]
    assert listed["author"]["image"] == "https://pictures.example/me.png"


async def test_a_post_written_without_a_subtitle_has_an_empty_description(
    conduit: Conduit, factory: Factory
) -> None:
    poet = await factory.user("poet")
    post = await factory.post(poet, title="Untitled")

    response = await conduit.get(f"/articles/untitled-{post['id']}")

    assert response.json()["article"]["description"] == ""
