"""Steps the notification tests share."""

from typing import Any

from httpx import AsyncClient

from tests.conftest import Account


async def notifications_of(client: AsyncClient, who: Account, **params: int) -> dict[str, Any]:
    response = await client.get("/api/notifications", params=params, headers=who.headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def kinds_of(client: AsyncClient, who: Account) -> list[tuple[str, object]]:
    """(kind, actor's username) of each of `who`'s notifications, newest first."""
    page = await notifications_of(client, who, limit=100)
    return [(item["kind"], item["actor"]["username"]) for item in page["notifications"]]


async def moderate(client: AsyncClient, admin: Account, what: str, whom: Account) -> None:
    """`admin` suspends or unsuspends `whom` (`what`) through the API."""
    response = await client.post(f"/api/users/{whom.id}/{what}", headers=admin.headers)
    assert response.status_code == 200, response.text
