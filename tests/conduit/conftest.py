"""The Conduit API's fixtures: users inserted by the factory, with `Token` headers."""

from dataclasses import dataclass

import pytest
from httpx import AsyncClient, Response

from tests.conftest import StatementCounter
from tests.factories import Factory

API = "/conduit/api"
STRONG_PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class ConduitUser:
    username: str
    headers: dict[str, str]
    bearer: dict[str, str]


class Conduit:
    """Short-hands for the Conduit requests tests share as setup; each asserts it worked."""

    def __init__(self, client: AsyncClient, factory: Factory) -> None:
        self.client = client
        self.factory = factory
        self._count = 0

    async def user(self, username: str) -> ConduitUser:
        user = await self.factory.user(username)
        bearer = self.factory.headers(user)
        token = bearer["Authorization"].removeprefix("Bearer ")
        return ConduitUser(username, {"Authorization": f"Token {token}"}, bearer)

    async def article(self, author: ConduitUser, **fields: object) -> dict[str, object]:
        self._count += 1
        body = {
            "title": f"Article {self._count}",
            "description": "What it is about",
            "body": "Some words.",
        }
        response = await self.post("/articles", author, {"article": body | fields})
        assert response.status_code == 201, response.text
        article: dict[str, object] = response.json()["article"]
        return article

    async def get(self, path: str, user: ConduitUser | None = None, **params: object) -> Response:
        headers = user.headers if user else {}
        return await self.client.get(API + path, headers=headers, params=params)

    async def post(
        self, path: str, user: ConduitUser | None = None, body: object = None
    ) -> Response:
        headers = user.headers if user else {}
        return await self.client.post(API + path, headers=headers, json=body)

    async def put(
        self, path: str, user: ConduitUser | None = None, body: object = None
    ) -> Response:
        headers = user.headers if user else {}
        return await self.client.put(API + path, headers=headers, json=body)

    async def delete(self, path: str, user: ConduitUser | None = None) -> Response:
        headers = user.headers if user else {}
        return await self.client.delete(API + path, headers=headers)


def slug_parts(article: dict[str, object]) -> tuple[str, str]:
    """An article's slug as its words and the post's id, which ends every slug."""
    words, post_id = str(article["slug"]).rsplit("-", 1)
    return words, post_id


def read_bodies(counter: StatementCounter) -> list[str]:
    """The statements sent that read a post's Markdown or its HTML."""
    return [statement for statement in counter.statements if "posts.content" in statement]


@pytest.fixture
def conduit(client: AsyncClient, factory: Factory) -> Conduit:
    return Conduit(client, factory)


@pytest.fixture
async def writer(conduit: Conduit) -> ConduitUser:
    return await conduit.user("writer")


@pytest.fixture
async def reader(conduit: Conduit) -> ConduitUser:
    return await conduit.user("reader")
