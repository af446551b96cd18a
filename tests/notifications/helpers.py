"""Steps the notification tests share."""

from typing import Any

from httpx import AsyncClient

from tests.conftest import Account


async def comment(
    client: AsyncClient, post_id: object, who: Account, body: str = "Well said."
) -> dict[str, Any]:
    response = await client.post(
        f"/api/posts/{post_id}/comments", json={"body": body}, headers=who.headers
    )
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def follow(client: AsyncClient, who: Account, whom: Account) -> None:
    response = await client.put(f"/api/users/{whom.id}/follow", headers=who.headers)
    assert response.status_code == 200, response.text


async def unfollow(client: AsyncClient, who: Account, whom: Account) -> None:
    response = await client.delete(f"/api/users/{whom.id}/follow", headers=who.headers)
    assert response.status_code == 200, response.text


async def notifications_of(client: AsyncClient, who: Account, **params: int) -> dict[str, Any]:
    response = await client.get("/api/notifications", params=params, headers=who.headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def kinds_of(client: AsyncClient, who: Account) -> list[tuple[str, object]]:
    """(kind, actor's username) of each of `who`'s notifications, newest first."""
    page = await notifications_of(client, who, limit=100)
    return [(item["kind"], item["actor"]["username"]) for item in page["notifications"]]
