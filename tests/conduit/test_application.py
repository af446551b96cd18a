"""The Conduit application as mounted: its own OpenAPI document, CORS on its prefix only,
its error shape on its routes only, and the subtitle it added to Inkwell's posts."""

import pytest
from httpx import AsyncClient

from inkwell.config import Settings
from tests.conduit.conftest import API, Conduit, ConduitUser, slug_parts
from tests.factories import Account

FRONTEND = "https://frontend.example"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"conduit_cors_origins": (FRONTEND,)})


async def test_the_conduit_document_lists_every_operation(client: AsyncClient) -> None:
    response = await client.get(f"{API}/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths) == {
        "/users/login",
        "/users",
        "/user",
        "/profiles/{username}",
        "/profiles/{username}/follow",
        "/articles",
        "/articles/feed",
        "/articles/{slug}",
        "/articles/{slug}/favorite",
        "/articles/{slug}/comments",
        "/articles/{slug}/comments/{comment_id}",
        "/tags",
    }
    assert paths["/articles/{slug}"]["put"]["responses"]["403"]["content"]["application/json"][
        "schema"
    ] == {"$ref": "#/components/schemas/Errors"}


async def test_inkwells_document_keeps_to_inkwells_routes(client: AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    assert not [path for path in paths if path.startswith("/conduit")]


async def test_a_conduit_preflight_from_an_allowed_origin_is_allowed_without_credentials(
    client: AsyncClient,
) -> None:
    response = await client.options(
        f"{API}/articles",
        headers={
            "Origin": FRONTEND,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == FRONTEND
    assert "access-control-allow-credentials" not in response.headers


async def test_a_conduit_read_from_an_allowed_origin_carries_the_cors_header(
    client: AsyncClient,
) -> None:
    response = await client.get(f"{API}/tags", headers={"Origin": FRONTEND})

    assert response.headers["access-control-allow-origin"] == FRONTEND


async def test_another_origin_gets_no_cors_header(client: AsyncClient) -> None:
    response = await client.get(f"{API}/tags", headers={"Origin": "https://elsewhere.example"})

    assert "access-control-allow-origin" not in response.headers


async def test_inkwells_api_stays_same_origin(client: AsyncClient) -> None:
    response = await client.get("/api/posts", headers={"Origin": FRONTEND})

    assert "access-control-allow-origin" not in response.headers


async def test_inkwells_errors_keep_their_shape(client: AsyncClient) -> None:
    response = await client.get("/api/users/me")

    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated", "code": "not_authenticated"}


async def test_an_unknown_conduit_path_is_a_404_in_conduits_shape(client: AsyncClient) -> None:
    response = await client.get(f"{API}/nowhere")

    assert response.status_code == 404
    assert list(response.json()) == ["errors"]


async def test_a_body_that_is_not_json_is_a_422_in_conduits_shape(
    client: AsyncClient, writer: ConduitUser
) -> None:
    response = await client.post(
        f"{API}/articles",
        content=b"{not json",
        headers={**writer.headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 422
    assert list(response.json()) == ["errors"]


async def test_the_description_is_the_posts_subtitle_in_inkwells_api(
    client: AsyncClient, conduit: Conduit, writer: ConduitUser
) -> None:
    article = await conduit.article(writer, description="A line under the title")
    _, post_id = slug_parts(article)

    response = await client.get(f"/api/posts/{post_id}")

    assert response.json()["subtitle"] == "A line under the title"


async def test_an_inkwell_post_gets_an_optional_subtitle(
    client: AsyncClient, author: Account
) -> None:
    body = {"title": "T", "content": "C", "subtitle": "Under it"}
    created = await client.post("/api/posts", json=body, headers=author.headers)
    plain = await client.post(
        "/api/posts", json={"title": "T", "content": "C"}, headers=author.headers
    )

    assert created.status_code == plain.status_code == 201
    assert created.json()["subtitle"] == "Under it"
    assert plain.json()["subtitle"] is None


async def test_an_inkwell_post_without_a_subtitle_is_an_article_with_an_empty_description(
    client: AsyncClient, conduit: Conduit, author: Account
) -> None:
    created = (
        await client.post("/api/posts", json={"title": "T", "content": "C"}, headers=author.headers)
    ).json()

    response = await conduit.get(f"/articles/t-{created['id']}")

    assert response.json()["article"]["description"] == ""


async def test_a_wrong_method_is_a_405_allowing_every_method_of_the_path(
    client: AsyncClient,
) -> None:
    response = await client.request("OPTIONS", f"{API}/user")

    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, PUT"
    assert list(response.json()) == ["errors"]


async def test_reads_open_to_anyone_document_no_required_token(client: AsyncClient) -> None:
    paths = (await client.get(f"{API}/openapi.json")).json()["paths"]

    assert "security" not in paths["/articles"]["get"]
    assert "security" not in paths["/profiles/{username}"]["get"]
    assert paths["/articles"]["post"]["security"] == [{"Token": []}]


async def test_the_feeds_405_allows_only_what_the_feed_answers(client: AsyncClient) -> None:
    response = await client.request("OPTIONS", f"{API}/articles/feed")

    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
