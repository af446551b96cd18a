"""Reports: anyone signed in reports a post or a comment they can see, with a reason; what
a report must hold, and what is not there to report; on both databases."""

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.moderation.models import REASON_MAX_LENGTH, Report
from inkwell.moderation.service import EXCERPT_LENGTH
from tests.conftest import Account
from tests.conversation import comment
from tests.factories import Factory


@pytest.fixture
async def post(factory: Factory, author: Account) -> dict[str, Any]:
    return await factory.post(author)


@pytest.fixture
async def admin(factory: Factory) -> Account:
    return await factory.account("admin", role="admin")


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
        {"post_id": 1, "reason": "\u200b\u200b\u200b"},
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
        "invisible reason",
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
    ("body", "code", "detail"),
    [
        ({"post_id": 999999, "reason": "Spam"}, "post_not_found", "Post not found"),
        ({"comment_id": 999999, "reason": "Spam"}, "comment_not_found", "Comment not found"),
    ],
)
async def test_reporting_what_does_not_exist_is_a_404_beside_what_does(
    *,
    client: AsyncClient,
    post: dict[str, Any],
    author: Account,
    reader: Account,
    body: dict[str, Any],
    code: str,
    detail: str,
) -> None:
    await comment(client, post["id"], author, "There to be found")
    response = await report(client, reader, body)
    assert response.status_code == 404
    assert response.json() == {"code": code, "detail": detail}


async def test_reporting_a_comment_under_a_post_taken_back_to_draft_is_a_404(
    client: AsyncClient, post: dict[str, Any], author: Account, reader: Account
) -> None:
    remark = await comment(client, post["id"], reader, "Said while it was out")
    unpublished = await client.patch(
        f"/api/posts/{post['id']}", json={"status": "draft"}, headers=author.headers
    )
    assert unpublished.status_code == 200, unpublished.text
    response = await report(client, reader, {"comment_id": remark["id"], "reason": "Rude"})
    assert response.status_code == 404
    assert response.json()["code"] == "comment_not_found"


@pytest.mark.parametrize("suspended", ["the commenter", "the post's author"])
async def test_reporting_a_comment_hidden_by_a_suspension_is_a_404(
    *,
    client: AsyncClient,
    factory: Factory,
    post: dict[str, Any],
    author: Account,
    reader: Account,
    admin: Account,
    suspended: str,
) -> None:
    commenter = await factory.account("commenter")
    remark = await comment(client, post["id"], commenter, "Rude words")
    whom = commenter if suspended == "the commenter" else author
    response = await client.post(f"/api/users/{whom.id}/suspend", headers=admin.headers)
    assert response.status_code == 200, response.text
    response = await report(client, reader, {"comment_id": remark["id"], "reason": "Rude"})
    assert response.status_code == 404
    assert response.json()["code"] == "comment_not_found"


async def test_reporting_someone_elses_draft_is_a_404(
    client: AsyncClient, factory: Factory, author: Account, reader: Account
) -> None:
    draft = await factory.post(author, status="draft")
    response = await report(client, reader, {"post_id": draft["id"], "reason": "Spam"})
    assert response.status_code == 404
    assert response.json()["code"] == "post_not_found"


async def test_admins_list_the_open_reports_oldest_first_up_to_the_limit(
    client: AsyncClient, post: dict[str, Any], reader: Account, admin: Account
) -> None:
    filed = [
        (await report(client, reader, {"post_id": post["id"], "reason": f"Spam {n}"})).json()
        for n in range(3)
    ]
    listed = await client.get("/api/reports", params={"limit": 2}, headers=admin.headers)
    assert [open_report["id"] for open_report in listed.json()["reports"]] == [
        filed[0]["id"],
        filed[1]["id"],
    ]


async def test_the_open_reports_come_in_the_order_of_their_ids_not_as_they_are_stored(
    client: AsyncClient, post: dict[str, Any], reader: Account, admin: Account, engine: AsyncEngine
) -> None:
    """Reports a, b, c renumbered (a to a + 1000, then c to a): each update writes its row
    anew at the table's end, so they are stored b, a + 1000, a while their ids read a, b,
    a + 1000; a list that did not ask for the ids' order reads them as stored (once
    PostgreSQL knows the tables hold a few rows, it scans them rather than an index)."""
    first, _, last = [
        (await report(client, reader, {"post_id": post["id"], "reason": f"Spam {n}"})).json()
        for n in range(3)
    ]
    async with engine.begin() as connection:
        for old, new in ((first["id"], first["id"] + 1000), (last["id"], first["id"])):
            await connection.execute(update(Report).where(Report.id == old).values(id=new))
        if engine.dialect.name == "postgresql":
            await connection.execute(text("ANALYZE"))

    listed = await client.get("/api/reports", headers=admin.headers)

    assert [found["reason"] for found in listed.json()["reports"]] == ["Spam 2", "Spam 1", "Spam 0"]


async def test_an_open_report_of_a_comment_shows_its_start_and_its_writer(
    client: AsyncClient,
    factory: Factory,
    post: dict[str, Any],
    reader: Account,
    admin: Account,
) -> None:
    commenter = await factory.account("commenter")
    body = "Rude words. " + "x" * 300
    remark = await comment(client, post["id"], commenter, body)
    await report(client, reader, {"comment_id": remark["id"], "reason": "Rude"})
    listed = await client.get("/api/reports", headers=admin.headers)
    (open_report,) = listed.json()["reports"]
    assert open_report["target_type"] == "comment"
    assert (open_report["post_id"], open_report["comment_id"]) == (post["id"], remark["id"])
    assert open_report["comment_excerpt"] == body[:EXCERPT_LENGTH]
    assert (open_report["author_id"], open_report["author_name"]) == (commenter.id, "commenter")


async def test_the_admins_page_links_a_reported_post_at_its_address(
    client: AsyncClient, post: dict[str, Any], reader: Account, admin: Account
) -> None:
    await report(client, reader, {"post_id": post["id"], "reason": "Spam"})
    page = await client.get("/admin/reports", headers=admin.headers)
    assert f'href="/posts/{post["id"]}-{post["slug"]}"' in page.text
