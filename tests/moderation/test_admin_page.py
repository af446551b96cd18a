"""The admins' page, `/admin/reports`: the open reports and the audit log, for admins only
(a 404 to everyone else), its forms to resolve a report and to suspend a user, and every
admin action recorded (who, what, when, to what); on both databases."""

import asyncio
import html
import re
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.moderation.models import SUMMARY_MAX_LENGTH, AuditEntry
from tests.conftest import PASSWORD, Account, StatementCounter
from tests.conversation import comment, report
from tests.factories import Factory

FORM_HEADERS = {"Origin": "http://test"}


@pytest.fixture
async def admin(factory: Factory) -> Account:
    return await factory.account("admin", role="admin")


@pytest.fixture
async def post(factory: Factory, author: Account) -> dict[str, Any]:
    return await factory.post(author, title="Cheap pens")


async def file_reports(client: AsyncClient, post: dict[str, Any], who: Account, count: int) -> None:
    for i in range(count):
        await report(client, who, f"spam {i}", post_id=post["id"])


async def audit_entries(client: AsyncClient, admin: Account) -> list[tuple[str, str]]:
    """The audit log's rows as the page lists them: each action and the row's text."""
    page = (await client.get("/admin/reports", headers=admin.headers)).text
    entries = [entry.split("</tr>")[0] for entry in page.split('data-testid="audit-entry"')[1:]]
    return [(entry.split('data-action="')[1].split('"')[0], entry) for entry in entries]


async def test_admins_see_the_open_reports(
    client: AsyncClient, admin: Account, author: Account, post: dict[str, Any]
) -> None:
    await file_reports(client, post, author, 1)
    page = await client.get("/admin/reports", headers=admin.headers)
    assert page.status_code == 200
    assert page.text.count('data-testid="report"') == 1
    assert "Cheap pens" in page.text
    assert "spam 0" in page.text


@pytest.mark.parametrize("who", ["anonymous", "user"])
async def test_the_page_does_not_exist_for_anyone_but_admins(
    client: AsyncClient, author: Account, who: str
) -> None:
    headers = author.headers if who == "user" else {}
    page = await client.get("/admin/reports", headers=headers)
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]


async def test_the_page_reads_the_same_statements_however_many_reports(
    *,
    client: AsyncClient,
    factory: Factory,
    admin: Account,
    author: Account,
    post: dict[str, Any],
    count_statements: StatementCounter,
) -> None:
    remark = await comment(client, post["id"], author)
    await client.post(
        "/api/reports", json={"comment_id": remark["id"], "reason": "rude"}, headers=author.headers
    )
    await file_reports(client, post, author, 1)
    count_statements.statements.clear()
    await client.get("/admin/reports", headers=admin.headers)
    few = len(count_statements)
    other = await factory.post(await factory.account("other"))
    await file_reports(client, other, author, 8)
    count_statements.statements.clear()
    page = await client.get("/admin/reports", headers=admin.headers)
    assert page.text.count('data-testid="report"') == 10
    assert len(count_statements) == few


async def test_the_resolve_form_closes_a_report_and_the_log_says_so(
    client: AsyncClient, admin: Account, author: Account, post: dict[str, Any]
) -> None:
    await file_reports(client, post, author, 1)
    report_id = (await client.get("/api/reports", headers=admin.headers)).json()["reports"][0]["id"]
    await sign_in_with_cookie(client, "admin")
    csrf = client.cookies["inkwell_csrf"]
    response = await client.post(
        f"/admin/reports/{report_id}/resolve", data={"csrf_token": csrf}, headers=FORM_HEADERS
    )
    assert response.status_code == 303
    page = (await client.get("/admin/reports")).text
    assert 'data-testid="no-reports"' in page
    assert 'data-action="resolve_report"' in page


async def test_the_suspend_form_on_the_users_page_suspends_them(
    client: AsyncClient, admin: Account, author: Account, post: dict[str, Any]
) -> None:
    await sign_in_with_cookie(client, "admin")
    profile = await client.get("/@author")
    assert 'data-testid="suspension"' in profile.text
    response = await client.post(
        f"/admin/users/{author.id}/suspend",
        data={"csrf_token": client.cookies["inkwell_csrf"], "back_to": "/@author"},
        headers=FORM_HEADERS,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/@author"
    assert "Unsuspend" in (await client.get("/@author")).text  # admins still see the page
    client.cookies.clear()
    assert (await client.get("/@author")).status_code == 404
    assert (await client.get("/api/posts")).json()["total"] == 0


async def test_a_report_on_an_admins_post_offers_no_suspend_button(
    client: AsyncClient, factory: Factory, admin: Account, author: Account
) -> None:
    """No admin may suspend an admin: the button led to a 409 page and nowhere else."""
    await file_reports(client, await factory.post(admin, title="By an admin"), author, 1)
    page = (await client.get("/admin/reports", headers=admin.headers)).text
    assert page.count('data-testid="report"') == 1
    assert "Resolve" in page
    assert f'action="/admin/users/{admin.id}/suspend"' not in page


async def test_an_admins_page_offers_no_suspend_button_to_another_admin(
    client: AsyncClient, factory: Factory, admin: Account
) -> None:
    await factory.account("moderator", role="admin")
    await sign_in_with_cookie(client, "admin")
    profile = await client.get("/@moderator")
    assert profile.status_code == 200
    assert 'data-testid="suspension"' not in profile.text


async def test_a_suspended_users_page_offers_an_admin_no_follow_button(
    client: AsyncClient, admin: Account, author: Account
) -> None:
    """No one may follow a suspended user: the button led to a “User not found” page."""
    await client.post(f"/api/users/{author.id}/suspend", headers=admin.headers)
    await sign_in_with_cookie(client, "admin")
    profile = await client.get("/@author")
    assert 'data-testid="suspension"' in profile.text
    assert 'data-testid="follow-button"' not in profile.text


async def test_a_form_from_someone_not_an_admin_finds_no_page(
    client: AsyncClient, author: Account
) -> None:
    await sign_in_with_cookie(client, "author")
    response = await client.post(
        f"/admin/users/{author.id}/suspend",
        data={"csrf_token": client.cookies["inkwell_csrf"]},
        headers=FORM_HEADERS,
    )
    assert response.status_code == 404
    assert (await client.get("/api/posts")).status_code == 200


async def test_every_admin_action_is_recorded_newest_first(
    client: AsyncClient, admin: Account, author: Account, post: dict[str, Any]
) -> None:
    remark = await comment(client, post["id"], author, "Nasty words")
    await file_reports(client, post, author, 1)
    report_id = (await client.get("/api/reports", headers=admin.headers)).json()["reports"][0]["id"]
    steps = [
        ("POST", f"/api/reports/{report_id}/resolve"),
        ("DELETE", f"/api/comments/{remark['id']}"),
        ("POST", f"/api/users/{author.id}/suspend"),
        ("POST", f"/api/users/{author.id}/suspend"),  # changes nothing: not recorded
        ("POST", f"/api/users/{author.id}/unsuspend"),
        ("DELETE", f"/api/posts/{post['id']}"),
    ]
    for method, path in steps:
        response = await client.request(method, path, headers=admin.headers)
        assert response.status_code in {200, 204}, response.text

    entries = await audit_entries(client, admin)
    assert [action for action, _ in entries] == [
        "delete_post",
        "unsuspend_user",
        "suspend_user",
        "delete_comment",
        "resolve_report",
    ]
    assert all("<td>admin</td>" in entry for _, entry in entries)
    assert all("<time datetime=" in entry for _, entry in entries)
    assert f"post {post['id']}: Cheap pens" in entries[0][1]
    assert f"user {author.id}: author" in entries[1][1]
    assert f"user {author.id}: author" in entries[2][1]
    assert f"comment {remark['id']}: Nasty words" in entries[3][1]
    assert f"report {report_id}: report {report_id}" in entries[4][1]


async def test_deleting_ones_own_writing_is_no_admin_action(
    client: AsyncClient, admin: Account, factory: Factory
) -> None:
    own = await factory.post(admin)
    await client.delete(f"/api/posts/{own['id']}", headers=admin.headers)
    assert await audit_entries(client, admin) == []


async def sign_in_with_cookie(client: AsyncClient, username: str) -> None:
    """Signs in as a browser does: the client keeps the session and CSRF cookies."""
    response = await client.post(
        "/api/users/token", data={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text


async def test_the_log_names_each_action_by_its_admin_and_cuts_a_long_summary(
    client: AsyncClient,
    admin: Account,
    author: Account,
    post: dict[str, Any],
    session: AsyncSession,
) -> None:
    """A summary of SUMMARY_MAX_LENGTH characters is kept whole; a longer one is cut to fit."""
    fits = await comment(client, post["id"], author, "f" * SUMMARY_MAX_LENGTH)
    too_long = await comment(client, post["id"], author, "t" * (SUMMARY_MAX_LENGTH + 1))
    for remark in (fits, too_long):
        await client.delete(f"/api/comments/{remark['id']}", headers=admin.headers)
    logged = (
        await session.execute(
            select(AuditEntry.actor_id, AuditEntry.summary).order_by(AuditEntry.id)
        )
    ).all()
    assert logged == [
        (admin.id, "f" * SUMMARY_MAX_LENGTH),
        (admin.id, "t" * (SUMMARY_MAX_LENGTH - 1) + "…"),
    ]


@pytest.mark.parametrize("what", ["post", "comment"])
async def test_an_admins_deletion_sent_many_times_at_once_is_done_and_recorded_once(
    client: AsyncClient, admin: Account, reader: Account, post: dict[str, Any], what: str
) -> None:
    said = await comment(client, post["id"], reader)
    path = f"/api/posts/{post['id']}" if what == "post" else f"/api/comments/{said['id']}"

    answers = await asyncio.gather(*(client.delete(path, headers=admin.headers) for _ in range(8)))

    assert sorted(answer.status_code for answer in answers) == [204] + [404] * 7
    gone = {"detail": f"{what.capitalize()} not found", "code": f"{what}_not_found"}
    assert [answer.json() for answer in answers if answer.status_code == 404] == [gone] * 7
    assert [action for action, _ in await audit_entries(client, admin)] == [f"delete_{what}"]


async def report_on(
    client: AsyncClient, what: str, post: dict[str, Any], reader: Account, author: Account
) -> None:
    """The reader reports the post, or a comment of its author's under it."""
    if what == "comment":
        said = await comment(client, post["id"], author, "Buy pens")
        await report(client, reader, comment_id=said["id"])
    else:
        await report(client, reader, post_id=post["id"])


def delete_form(page: str) -> tuple[str, dict[str, str]]:
    """The report's Delete form, as the browser would send it: its address and fields."""
    before, after = page.split('data-testid="delete-reported"', 1)
    form = before.rsplit("<form ", 1)[1] + after.split("</form>", 1)[0]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    action = re.search(r'action="([^"]+)"', form)
    assert action is not None
    return html.unescape(action[1]), fields


@pytest.mark.parametrize("suspended", [False, True], ids=["active", "suspended"])
@pytest.mark.parametrize("what", ["post", "comment"])
async def test_a_reports_delete_removes_what_it_reports_and_comes_back_saying_so(
    *,
    client: AsyncClient,
    admin: Account,
    author: Account,
    reader: Account,
    post: dict[str, Any],
    what: str,
    suspended: bool,
) -> None:
    """Even while its author is suspended, when no one else finds it; the report goes with
    it, and the log records the deletion."""
    await report_on(client, what, post, reader, author)
    if suspended:
        await client.post(f"/api/users/{author.id}/suspend", headers=admin.headers)
    await sign_in_with_cookie(client, "admin")
    action, fields = delete_form((await client.get("/admin/reports")).text)

    response = await client.post(action, data=fields, headers=FORM_HEADERS)

    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/reports?deleted={what}"
    page = (await client.get(response.headers["location"])).text
    assert f"The {what} is deleted, and its reports with it." in page
    assert 'data-testid="no-reports"' in page
    assert next(action for action, _ in await audit_entries(client, admin)) == f"delete_{what}"
    await client.post(f"/api/users/{author.id}/unsuspend", headers=admin.headers)
    shown = await client.get(f"/api/posts/{post['id']}")
    if what == "post":
        assert shown.status_code == 404
    else:  # and out of its post's count once, suspended or not
        assert shown.json()["comment_count"] == 0
