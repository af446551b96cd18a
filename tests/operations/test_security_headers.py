"""Every response carries the security headers: API answers, errors, static files, docs."""

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from starlette.types import Message, Receive, Scope, Send

from inkwell.app import create_app
from inkwell.config import Settings
from inkwell.operations.headers import SecurityHeadersMiddleware
from tests.conftest import SECRET_KEY, StartedApp
from tests.s3 import REGION

EXPECTED = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
        "microphone=(), payment=(), usb=()"
    ),
}
HSTS = "max-age=63072000; includeSubDomains"


def assert_security_headers(response: Response) -> None:
    assert {name: response.headers.get(name) for name in EXPECTED} == EXPECTED
    assert "strict-transport-security" not in response.headers


@pytest.fixture
async def lenient_client(started_app: StartedApp) -> AsyncIterator[AsyncClient]:
    """A client that receives the app's 500 answer instead of the exception behind it."""
    transport = ASGITransport(app=started_app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_an_api_response_carries_the_security_headers(client: AsyncClient) -> None:
    response = await client.get("/api/posts")
    assert response.status_code == 200
    assert_security_headers(response)


async def test_a_not_found_error_carries_the_security_headers(client: AsyncClient) -> None:
    response = await client.get("/api/posts/12345")
    assert response.status_code == 404
    assert_security_headers(response)


async def test_an_unknown_path_carries_the_security_headers(client: AsyncClient) -> None:
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert_security_headers(response)


async def test_a_validation_error_carries_the_security_headers(client: AsyncClient) -> None:
    response = await client.post("/api/users", json={"username": ""})
    assert response.status_code == 422
    assert_security_headers(response)


async def test_an_unexpected_error_carries_the_security_headers(
    app: FastAPI, lenient_client: AsyncClient
) -> None:
    @app.get("/api/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    response = await lenient_client.get("/api/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error", "code": "internal_error"}
    assert_security_headers(response)


async def test_a_static_file_carries_the_security_headers(client: AsyncClient) -> None:
    response = await client.get("/static/img/default-avatar.svg")
    assert response.status_code == 200
    assert_security_headers(response)


async def test_the_docs_page_carries_the_security_headers(client: AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert_security_headers(response)


async def test_hsts_is_sent_when_a_trusted_proxy_forwarded_https(client: AsyncClient) -> None:
    # httpx's ASGI transport connects from 127.0.0.1, the default trusted proxy.
    response = await client.get("/health", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["strict-transport-security"] == HSTS


async def test_hsts_is_sent_on_a_direct_https_request(started_app: StartedApp) -> None:
    transport = ASGITransport(app=started_app)
    async with AsyncClient(transport=transport, base_url="https://test") as client:
        response = await client.get("/health")
    assert response.headers["strict-transport-security"] == HSTS


async def test_an_untrusted_peer_cannot_claim_https(started_app: StartedApp) -> None:
    transport = ASGITransport(app=started_app, client=("203.0.113.7", 40000))
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/health", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert "strict-transport-security" not in response.headers


@pytest.mark.usefixtures("aws_credentials")
@pytest.mark.parametrize(
    ("s3_settings", "picture_origin"),
    [
        ({"s3_endpoint_url": "http://127.0.0.1:9000"}, "http://127.0.0.1:9000"),
        (
            {
                "s3_endpoint_url": "http://minio:9000",
                "s3_public_url": "https://media.example.org/p/",
            },
            "https://media.example.org",
        ),
    ],
)
async def test_with_s3_pages_may_show_pictures_from_its_public_origin(
    s3_settings: dict[str, str], picture_origin: str
) -> None:
    settings = Settings(
        environment="test",
        secret_key=SECRET_KEY,
        storage_backend="s3",
        s3_bucket="pictures",
        s3_region=REGION,
        **s3_settings,
    )
    transport = ASGITransport(app=create_app(settings))
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/static/img/default-avatar.svg")
    images = "img-src 'self' data: blob:"
    expected = EXPECTED["content-security-policy"].replace(images, f"{images} {picture_origin}")
    assert response.headers["content-security-policy"] == expected


async def test_a_header_the_response_sets_itself_is_kept_and_not_repeated() -> None:
    async def framed_page(scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"X-Frame-Options", b"SAMEORIGIN")],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    app = SecurityHeadersMiddleware(framed_page, media_origin=None)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        response = await client.get("/")

    assert response.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_response_with_its_own_hsts_over_https_keeps_only_its_own() -> None:
    async def preloaded_page(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"Strict-Transport-Security", b"max-age=60")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    app = SecurityHeadersMiddleware(preloaded_page, media_origin=None)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="https://test") as client:
        response = await client.get("/")

    assert response.headers.get_list("strict-transport-security") == ["max-age=60"]


@pytest.mark.parametrize("kind", ["websocket", "lifespan"])
async def test_a_connection_that_is_not_http_is_passed_on_as_it_came(kind: str) -> None:
    passed: list[tuple[Scope, Receive, Send]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        passed.append((scope, receive, send))

    async def receive() -> Message:
        return {"type": f"{kind}.connect"}

    async def send(message: Message) -> None:
        return None

    scope: Scope = {"type": kind, "scheme": "https", "headers": []}
    await SecurityHeadersMiddleware(app, media_origin=None)(scope, receive, send)
    assert passed == [(scope, receive, send)]
