"""Conduit's comments: Inkwell's comments under a post, oldest first."""

from tests.conduit.conftest import Conduit, ConduitUser, read_bodies
from tests.conftest import StatementCounter


async def test_commenting_answers_201_with_the_comment(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser
) -> None:
    article = await conduit.article(writer)

    response = await conduit.post(
        f"/articles/{article['slug']}/comments", reader, {"comment": {"body": "Nice!"}}
    )

    assert response.status_code == 201
    comment = response.json()["comment"]
    assert isinstance(comment["id"], int)
    assert comment["body"] == "Nice!"
    assert comment["createdAt"] <= comment["updatedAt"]
    assert comment["author"] == {
        "username": "reader",
        "bio": None,
        "image": None,
        "following": False,
    }


async def test_the_comments_list_oldest_first_with_authors_from_the_readers_view(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser
) -> None:
    article = await conduit.article(writer)
    url = f"/articles/{article['slug']}/comments"
    await conduit.post(url, writer, {"comment": {"body": "First"}})
    await conduit.post(url, reader, {"comment": {"body": "Second"}})
    await conduit.post("/profiles/writer/follow", reader)

    as_reader = (await conduit.get(url, reader)).json()["comments"]
    anonymous = (await conduit.get(url)).json()["comments"]

    assert [comment["body"] for comment in as_reader] == ["First", "Second"]
    assert [comment["author"]["following"] for comment in as_reader] == [True, False]
    assert [comment["author"]["following"] for comment in anonymous] == [False, False]


async def test_the_comments_list_leaves_the_articles_body_unread(
    conduit: Conduit, writer: ConduitUser, count_statements: StatementCounter
) -> None:
    article = await conduit.article(writer)
    url = f"/articles/{article['slug']}/comments"
    await conduit.post(url, writer, {"comment": {"body": "First"}})
    count_statements.statements.clear()

    response = await conduit.get(url)

    assert len(response.json()["comments"]) == 1
    assert read_bodies(count_statements) == []


async def test_deleting_a_comment_answers_204_and_leaves_the_others(
    conduit: Conduit, writer: ConduitUser
) -> None:
    article = await conduit.article(writer)
    url = f"/articles/{article['slug']}/comments"
    first = (await conduit.post(url, writer, {"comment": {"body": "First"}})).json()["comment"]
    await conduit.post(url, writer, {"comment": {"body": "Second"}})

    response = await conduit.delete(f"{url}/{first['id']}", writer)

    assert response.status_code == 204
    assert [comment["body"] for comment in (await conduit.get(url)).json()["comments"]] == [
        "Second"
    ]


async def test_deleting_a_comment_finds_the_article_without_its_body_or_its_authors_profile(
    conduit: Conduit, writer: ConduitUser, count_statements: StatementCounter
) -> None:
    article = await conduit.article(writer)
    url = f"/articles/{article['slug']}/comments"
    comment = (await conduit.post(url, writer, {"comment": {"body": "First"}})).json()["comment"]
    count_statements.statements.clear()

    await conduit.delete(f"{url}/{comment['id']}", writer)

    assert read_bodies(count_statements) == []
    assert [statement for statement in count_statements.statements if "follows" in statement] == []


async def test_deleting_someone_elses_comment_is_a_403(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser
) -> None:
    stranger = await conduit.user("stranger")
    article = await conduit.article(writer)
    url = f"/articles/{article['slug']}/comments"
    comment = (await conduit.post(url, reader, {"comment": {"body": "Mine"}})).json()["comment"]

    response = await conduit.delete(f"{url}/{comment['id']}", stranger)

    assert response.status_code == 403
    assert response.json() == {"errors": {"comment": ["forbidden"]}}
    assert len((await conduit.get(url)).json()["comments"]) == 1


async def test_a_comment_under_another_article_is_a_404(
    conduit: Conduit, writer: ConduitUser
) -> None:
    article = await conduit.article(writer)
    other = await conduit.article(writer)
    url = f"/articles/{article['slug']}/comments"
    comment = (await conduit.post(url, writer, {"comment": {"body": "Here"}})).json()["comment"]

    response = await conduit.delete(f"/articles/{other['slug']}/comments/{comment['id']}", writer)

    assert response.status_code == 404
    assert response.json() == {"errors": {"comment": ["not found"]}}


async def test_an_unknown_comment_is_a_404(conduit: Conduit, writer: ConduitUser) -> None:
    article = await conduit.article(writer)

    response = await conduit.delete(f"/articles/{article['slug']}/comments/4242", writer)

    assert response.status_code == 404
    assert response.json() == {"errors": {"comment": ["not found"]}}


async def test_comments_of_an_unknown_article_are_a_404(
    conduit: Conduit, writer: ConduitUser
) -> None:
    for response in (
        await conduit.get("/articles/unknown-slug-4242/comments"),
        await conduit.post(
            "/articles/unknown-slug-4242/comments", writer, {"comment": {"body": "Hi"}}
        ),
    ):
        assert response.status_code == 404
        assert response.json() == {"errors": {"article": ["not found"]}}


async def test_a_blank_comment_is_a_422(conduit: Conduit, writer: ConduitUser) -> None:
    article = await conduit.article(writer)

    response = await conduit.post(
        f"/articles/{article['slug']}/comments", writer, {"comment": {"body": " "}}
    )

    assert response.status_code == 422
    assert response.json() == {"errors": {"body": ["can't be blank"]}}


async def test_commenting_without_a_token_is_a_401(conduit: Conduit, writer: ConduitUser) -> None:
    article = await conduit.article(writer)
    url = f"/articles/{article['slug']}/comments"

    for response in (
        await conduit.post(url, None, {"comment": {"body": "Hi"}}),
        await conduit.delete(f"{url}/1"),
    ):
        assert response.status_code == 401
        assert response.json() == {"errors": {"token": ["is missing"]}}


async def test_a_comments_author_is_shown_with_the_image_they_set(
    conduit: Conduit, writer: ConduitUser, reader: ConduitUser
) -> None:
    picture = "https://pictures.example/reader.png"
    article = await conduit.article(writer)
    await conduit.put("/user", reader, {"user": {"image": picture}})
    url = f"/articles/{article['slug']}/comments"

    answered = await conduit.post(url, reader, {"comment": {"body": "Nice!"}})
    listed = await conduit.get(url)

    assert answered.json()["comment"]["author"]["image"] == picture
    assert listed.json()["comments"][0]["author"]["image"] == picture
