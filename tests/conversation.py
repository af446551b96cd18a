"""Steps the conversation's tests share (comments, follows, reports, notifications, their
pages)."""

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


async def report(client: AsyncClient, who: Account, reason: str = "spam", **target: object) -> None:
    """`who` reports what `target` names to the moderators (`post_id=` or `comment_id=`)."""
    response = await client.post(
        "/api/reports", json={**target, "reason": reason}, headers=who.headers
    )
    assert response.status_code == 201, response.text
