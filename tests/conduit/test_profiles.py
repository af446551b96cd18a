"""Conduit's profiles: Inkwell's users, followed and unfollowed by name."""

from tests.conduit.conftest import Conduit, ConduitUser


async def test_a_profile_has_no_bio_or_image_until_set(
    conduit: Conduit, writer: ConduitUser
) -> None:
    response = await conduit.get("/profiles/writer")

    assert response.status_code == 200
    assert response.json() == {
        "profile": {"username": "writer", "bio": None, "image": None, "following": False}
    }


async def test_a_profile_shows_the_bio_once_set(conduit: Conduit, writer: ConduitUser) -> None:
    await conduit.put("/user", writer, {"user": {"bio": "I write."}})

    assert (await conduit.get("/profiles/writer")).json()["profile"]["bio"] == "I write."


async def test_following_answers_the_profile_followed(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser
) -> None:
    response = await conduit.post("/profiles/writer/follow", reader)

    assert response.status_code == 200
    assert response.json()["profile"] == {
        "username": "writer",
        "bio": None,
        "image": None,
        "following": True,
    }
    assert (await conduit.get("/profiles/writer", reader)).json()["profile"]["following"] is True
    assert (await conduit.get("/profiles/writer")).json()["profile"]["following"] is False


async def test_unfollowing_answers_the_profile_unfollowed(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser
) -> None:
    await conduit.post("/profiles/writer/follow", reader)

    response = await conduit.delete("/profiles/writer/follow", reader)

    assert response.status_code == 200
    assert response.json()["profile"]["following"] is False
    assert (await conduit.get("/profiles/writer", reader)).json()["profile"]["following"] is False


async def test_following_twice_is_once(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser
) -> None:
    await conduit.post("/profiles/writer/follow", reader)
    response = await conduit.post("/profiles/writer/follow", reader)

    assert response.json()["profile"]["following"] is True


async def test_following_oneself_is_a_422(conduit: Conduit, writer: ConduitUser) -> None:
    response = await conduit.post("/profiles/writer/follow", writer)

    assert response.status_code == 422
    assert response.json() == {"errors": {"profile": ["cannot follow yourself"]}}


async def test_an_unknown_profile_is_a_404_profile_not_found(
    conduit: Conduit, reader: ConduitUser
) -> None:
    for response in (
        await conduit.get("/profiles/nobody"),
        await conduit.post("/profiles/nobody/follow", reader),
        await conduit.delete("/profiles/nobody/follow", reader),
    ):
        assert response.status_code == 404
        assert response.json() == {"errors": {"profile": ["not found"]}}


async def test_following_without_a_token_is_a_401(conduit: Conduit, writer: ConduitUser) -> None:
    for response in (
        await conduit.post("/profiles/writer/follow"),
        await conduit.delete("/profiles/writer/follow"),
    ):
        assert response.status_code == 401
        assert response.json() == {"errors": {"token": ["is missing"]}}
