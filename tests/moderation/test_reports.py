"""Reports: anyone signed in reports a post or a comment they can see, with a reason; what
a report must hold, and what is not there to report; on both databases."""

from typing import Any

import pytest
from httpx import AsyncClient

from inkwell.moderation.models import REASON_MAX_LENGTH
from tests.conftest import Account
from tests.conversation import comment
from tests.factories import Factory


@pytest.fixture
async def post(factory: Factory, author: Account) -> dict[str, Any]:
    return await factory.post(author)


async def report(client: AsyncClient, who: Account | None, body: dict[str, Any]) -> Any:
    return await client.post("/api/reports", json=body, headers=who.headers if who else {})


async def test_a_post_is_reported_with_a_reason(
    client: AsyncClient, post: dict[str, Any], reader: Account
) -> None:
    response = await report(client, reader, {"post_id": post["id"], "reason": "  Spam links  "})
    assert response.status_code == 201, response.text
    filed = response.json()
    assert (filed["post_id"], filed["comment_id"]) == (post["id"], None)
    assert filed["reason"] == "Spam links"
    assert filed["resolved_at"] is None


async def test_a_comment_is_reported_with_a_reason(
    client: AsyncClient, post: dict[str, Any], reader: Account, author: Account
) -> None:
    remark = await comment(client, post["id"], author, "Rude words")
    response = await report(client, reader, {"comment_id": remark["id"], "reason": "Rude"})
    assert response.status_code == 201, response.text
    assert (response.json()["post_id"], response.json()["comment_id"]) == (None, remark["id"])


async def test_reporting_needs_a_signed_in_reader(
    client: AsyncClient, post: dict[str, Any]
) -> None:
    response = await report(client, None, {"post_id": post["id"], "reason": "Spam"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"reason": "Spam"},
        {"post_id": 1, "comment_id": 1, "reason": "Spam"},
        {"post_id": None, "comment_id": 1, "reason": "Spam"},
        {"post_id": None, "reason": "Spam"},
        {"post_id": 1},
        {"post_id": 1, "reason": "  "},
        {"post_id": 1, "reason": "x" * (REASON_MAX_LENGTH + 1)},
        {"post_id": 1, "reason": "nul\x00"},
        {"post_id": 0, "reason": "Spam"},
        {"post_id": 1, "reason": "Spam", "reporter_id": 2},
    ],
    ids=[
        "no target",
        "both targets",
        "a null beside",
        "a null target",
        "no reason",
        "blank reason",
        "long reason",
        "nul",
        "bad id",
        "unknown field",
    ],
)
async def test_a_malformed_report_is_a_422_and_nothing_is_stored(
    client: AsyncClient, post: dict[str, Any], reader: Account, body: dict[str, Any]
) -> None:
    response = await report(client, reader, body)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"post_id": 999999, "reason": "Spam"}, "post_not_found"),
        ({"comment_id": 999999, "reason": "Spam"}, "comment_not_found"),
    ],
)
async def test_reporting_what_does_not_exist_is_a_404(
    client: AsyncClient, reader: Account, body: dict[str, Any], code: str
) -> None:
    response = await report(client, reader, body)
    assert response.status_code == 404
    assert response.json()["code"] == code


async def test_reporting_someone_elses_draft_is_a_404(
    client: AsyncClient, factory: Factory, author: Account, reader: Account
) -> None:
    draft = await factory.post(author, status="draft")
    response = await report(client, reader, {"post_id": draft["id"], "reason": "Spam"})
    assert response.status_code == 404
    assert response.json()["code"] == "post_not_found"
