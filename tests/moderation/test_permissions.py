"""Who may do what, as a matrix of actor by action by whose resource: a plain user, the
resource's owner and an admin deleting a post or a comment, suspending or unsuspending a
user and resolving a report; on both databases."""

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.moderation.models import Report
from tests.conftest import Account
from tests.conversation import comment
from tests.factories import Factory

STRANGER, OWNER, ADMIN = "stranger", "owner", "admin"


class Scene:
    """An owner's post with a comment of theirs, a report of it, and who acts on them."""

    def __init__(self, accounts: dict[str, Account], post: Any, remark: Any, report: Any) -> None:
        self.accounts, self.post, self.remark, self.report = accounts, post, remark, report


@pytest.fixture
async def scene(factory: Factory, client: AsyncClient) -> Scene:
    accounts = {
        STRANGER: await factory.account(STRANGER),
        OWNER: await factory.account(OWNER),
        ADMIN: await factory.account(ADMIN, role="admin"),
    }
    post = await factory.post(accounts[OWNER])
    remark = await comment(client, post["id"], accounts[OWNER])
    reported = await client.post(
        "/api/reports",
        json={"post_id": post["id"], "reason": "spam, plainly"},
        headers=accounts[STRANGER].headers,
    )
    assert reported.status_code == 201, reported.text
    return Scene(accounts, post, remark, reported.json())


def _request(scene: Scene, action: str) -> tuple[str, str, dict[str, str] | None]:
    """The method, path and JSON body of the action on the owner's resources."""
    owner_id = scene.accounts[OWNER].id
    return {
        "edit post": ("PATCH", f"/api/posts/{scene.post['id']}", {"title": "Other words"}),
        "delete post": ("DELETE", f"/api/posts/{scene.post['id']}", None),
        "delete comment": ("DELETE", f"/api/comments/{scene.remark['id']}", None),
        "suspend": ("POST", f"/api/users/{owner_id}/suspend", None),
        "unsuspend": ("POST", f"/api/users/{owner_id}/unsuspend", None),
        "resolve report": ("POST", f"/api/reports/{scene.report['id']}/resolve", None),
    }[action]


# What each actor gets for each action on the owner's resources: the owner may edit and
# delete their own writing but not moderate; only admins moderate, and they delete another's
# writing but never edit it. A refusal says why.
ADMINS_ONLY = ("admins_only", "Only admins may do this")
NOT_YOURS = ("forbidden", "You may only change your own posts")
MATRIX = [
    ("edit post", STRANGER, 403, NOT_YOURS),
    ("edit post", OWNER, 200, None),
    ("edit post", ADMIN, 403, NOT_YOURS),
    ("delete post", STRANGER, 403, NOT_YOURS),
    ("delete post", OWNER, 204, None),
    ("delete post", ADMIN, 204, None),
    (
        "delete comment",
        STRANGER,
        403,
        ("forbidden", "You may only delete your own comments or those under your posts"),
    ),
    ("delete comment", OWNER, 204, None),
    ("delete comment", ADMIN, 204, None),
    ("suspend", STRANGER, 403, ADMINS_ONLY),
    ("suspend", OWNER, 403, ADMINS_ONLY),
    ("suspend", ADMIN, 200, None),
    ("unsuspend", STRANGER, 403, ADMINS_ONLY),
    ("unsuspend", OWNER, 403, ADMINS_ONLY),
    ("unsuspend", ADMIN, 200, None),
    ("resolve report", STRANGER, 403, ADMINS_ONLY),
    ("resolve report", OWNER, 403, ADMINS_ONLY),
    ("resolve report", ADMIN, 200, None),
]


@pytest.mark.parametrize(("action", "actor", "status", "refusal"), MATRIX)
async def test_who_may_do_what(
    *,
    client: AsyncClient,
    scene: Scene,
    action: str,
    actor: str,
    status: int,
    refusal: tuple[str, str] | None,
) -> None:
    method, path, body = _request(scene, action)
    response = await client.request(method, path, json=body, headers=scene.accounts[actor].headers)
    assert response.status_code == status, response.text
    if refusal is not None:
        code, detail = refusal
        assert response.json() == {"code": code, "detail": detail}


@pytest.mark.parametrize(
    "action",
    ["edit post", "delete post", "delete comment", "suspend", "unsuspend", "resolve report"],
)
async def test_anonymous_callers_are_asked_to_sign_in(
    client: AsyncClient, scene: Scene, action: str
) -> None:
    method, path, body = _request(scene, action)
    response = await client.request(method, path, json=body)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


async def test_an_admin_cannot_be_suspended_not_even_by_themselves(
    client: AsyncClient, scene: Scene
) -> None:
    admin = scene.accounts[ADMIN]
    response = await client.post(f"/api/users/{admin.id}/suspend", headers=admin.headers)
    assert response.status_code == 409
    assert response.json() == {
        "code": "admin_not_suspendable",
        "detail": "An admin cannot be suspended; demote them first",
    }


@pytest.mark.parametrize("change", ["suspend", "unsuspend"])
async def test_suspending_an_unknown_user_is_a_404(
    client: AsyncClient, scene: Scene, change: str
) -> None:
    response = await client.post(
        f"/api/users/999999/{change}", headers=scene.accounts[ADMIN].headers
    )
    assert response.status_code == 404
    assert response.json()["code"] == "user_not_found"


async def test_resolving_an_unknown_report_is_a_404(client: AsyncClient, scene: Scene) -> None:
    response = await client.post(
        "/api/reports/999999/resolve", headers=scene.accounts[ADMIN].headers
    )
    assert response.status_code == 404
    assert response.json() == {"code": "report_not_found", "detail": "Report not found"}


async def test_resolving_is_idempotent_and_keeps_the_first_resolution(
    client: AsyncClient, scene: Scene
) -> None:
    path = f"/api/reports/{scene.report['id']}/resolve"
    first = await client.post(path, headers=scene.accounts[ADMIN].headers)
    again = await client.post(path, headers=scene.accounts[ADMIN].headers)
    assert first.status_code == again.status_code == 200
    assert first.json()["resolved_at"] is not None
    assert again.json() == first.json()


async def test_resolving_one_report_leaves_the_others_open(
    client: AsyncClient, scene: Scene
) -> None:
    other = await client.post(
        "/api/reports",
        json={"comment_id": scene.remark["id"], "reason": "rude, plainly"},
        headers=scene.accounts[STRANGER].headers,
    )
    admin = scene.accounts[ADMIN].headers
    resolved = await client.post(f"/api/reports/{scene.report['id']}/resolve", headers=admin)
    assert resolved.status_code == 200, resolved.text
    listed = await client.get("/api/reports", headers=admin)
    assert [report["id"] for report in listed.json()["reports"]] == [other.json()["id"]]


async def test_a_resolved_report_keeps_which_admin_resolved_it(
    client: AsyncClient, scene: Scene, session: AsyncSession
) -> None:
    admin = scene.accounts[ADMIN]
    await client.post(f"/api/reports/{scene.report['id']}/resolve", headers=admin.headers)
    resolver = await session.scalar(
        select(Report.resolved_by_id).where(Report.id == scene.report["id"])
    )
    assert resolver == admin.id


async def test_only_admins_list_the_open_reports(client: AsyncClient, scene: Scene) -> None:
    refused = await client.get("/api/reports", headers=scene.accounts[OWNER].headers)
    listed = await client.get("/api/reports", headers=scene.accounts[ADMIN].headers)
    assert refused.status_code == 403
    assert [report["id"] for report in listed.json()["reports"]] == [scene.report["id"]]
    assert listed.json()["reports"][0]["author_name"] == OWNER
