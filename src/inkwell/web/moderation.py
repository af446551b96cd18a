"""The admins' pages: `/admin/reports` lists the open reports and the audit log, with plain
forms (they work without JavaScript) to resolve a report, to delete what it reports (the
post and comment pages' own forms, web/posts.py and web/conversation.py) and to suspend or
unsuspend a user. To anyone but an admin the page does not exist (404)."""

from typing import Annotated, Literal

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.status import HTTP_303_SEE_OTHER

from inkwell.auth.cookies import CSRF_FIELD, csrf_field_value
from inkwell.auth.dependencies import form_user
from inkwell.dependencies import DbReader, DbSession, ResourceId
from inkwell.errors import NotFound
from inkwell.moderation import service as moderation
from inkwell.users import service as users
from inkwell.users.models import User
from inkwell.web.common import Viewer, page_router, render, sign_in_first

router = page_router()

CsrfField = Annotated[str, Form(alias=CSRF_FIELD, max_length=200)]
# Where a form sends the admin back to: this page, or the page of the user they suspended.
BackTo = Annotated[str, Form(max_length=200, pattern=r"^/(admin/reports|@[^/]+)$")]
REPORTS_SHOWN = 100
AUDIT_ENTRIES_SHOWN = 50
ADMIN_PAGE = "/admin/reports"
_DELETED_NOTICES = {
    "post": "The post is deleted, and its reports with it.",
    "comment": "The comment is deleted, and its reports with it.",
}


def _no_such_page() -> NotFound:
    return NotFound("There is nothing at this address.")


@router.get(ADMIN_PAGE)
async def reports_page(
    request: Request,
    viewer: Viewer,
    reader: DbReader,
    deleted: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    """After a report's Delete (`?deleted=post` or `comment`), it says what is gone: the
    report went with it."""
    if viewer is None or not viewer.is_admin:
        raise _no_such_page()
    context = {
        "reports": await moderation.list_open_reports(reader, limit=REPORTS_SHOWN),
        "audit_log": await moderation.list_audit_log(reader, limit=AUDIT_ENTRIES_SHOWN),
        "csrf_token": csrf_field_value(request),
        "notice": _DELETED_NOTICES.get(deleted),
    }
    return render(request, "admin_reports.html", context, current_user=viewer)


async def _form_admin(request: Request, csrf_token: str, session: DbSession) -> User | None:
    """The admin who sent a form, loaded into the request's session; None when signed out
    (a signed-in user who is not an admin finds no such page)."""
    account = await form_user(request, csrf_token)
    if account is None:
        return None
    if not account.is_admin:
        raise _no_such_page()
    return await users.get_user(session, account.id)


@router.post(ADMIN_PAGE + "/{report_id}/resolve", response_model=None)
async def resolve_report(
    request: Request, report_id: ResourceId, csrf_token: CsrfField, session: DbSession
) -> RedirectResponse:
    admin = await _form_admin(request, csrf_token, session)
    if admin is None:
        return sign_in_first(request)
    await moderation.resolve(session, admin, report_id)
    return RedirectResponse(ADMIN_PAGE, status_code=HTTP_303_SEE_OTHER)


@router.post("/admin/users/{user_id}/{change}", response_model=None)
async def change_suspension(
    *,
    request: Request,
    user_id: ResourceId,
    change: Literal["suspend", "unsuspend"],
    csrf_token: CsrfField,
    session: DbSession,
    back_to: BackTo = ADMIN_PAGE,
) -> RedirectResponse:
    """The Suspend and Unsuspend buttons (on this page and on the user's own page)."""
    admin = await _form_admin(request, csrf_token, session)
    if admin is None:
        return sign_in_first(request)
    apply = moderation.suspend if change == "suspend" else moderation.unsuspend
    await apply(session, admin, user_id)
    return RedirectResponse(back_to, status_code=HTTP_303_SEE_OTHER)
