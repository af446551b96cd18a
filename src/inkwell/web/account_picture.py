"""The account page's picture form without JavaScript (`POST /account/picture`): as `PUT
/api/users/{id}/picture`, within the same limits, the upload's body too (its own route
class), every refusal said at the file's field on the account page (web/accounts.py)."""

from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from inkwell.auth.cookies import refuse_cross_site
from inkwell.auth.dependencies import form_user, unread_form_user
from inkwell.body_limits import BodyTooLarge
from inkwell.dependencies import DbReader, DbSession
from inkwell.errors import DomainError
from inkwell.media import service as media
from inkwell.media.dependencies import MediaChanges, Pictures, UploadBudget
from inkwell.media.uploads import UploadLimitRoute
from inkwell.state import state_of
from inkwell.users.rows import Account
from inkwell.web.accounts import account_again, saved
from inkwell.web.common import (
    CsrfField,
    PageRoute,
    SignInFirst,
    page_router,
    sign_in_first,
)
from inkwell.web.form_answers import Refused, told_of

router = page_router()

# The picture form sent with no file chosen (the browser checks it first, as `required`).
_NO_PICTURE = Refused({"file": "Choose an image to upload."}, [], 422)


@dataclass(frozen=True, slots=True)
class _Uploading:
    """Who sent the picture form, and why they may not upload now (None: they may)."""

    viewer: Account
    refusal: DomainError | None


async def _uploading(
    request: Request, csrf_token: CsrfField, limits: UploadBudget
) -> AsyncIterator[_Uploading]:
    """The picture form's sender, the CSRF field checked, read as the API's `Uploader` reads
    them (no database connection held while the picture is processed), holding their one
    upload until the request's session has committed; a refusal of the upload budget (one
    upload at a time, so many an hour) is for the page to say."""
    viewer = await form_user(request, csrf_token)
    if viewer is None:
        raise SignInFirst(sign_in_first(request, "/account"))
    async with AsyncExitStack() as held:
        refusal = None
        try:
            await held.enter_async_context(limits.upload(viewer.id))
        except DomainError as exc:
            refusal = exc
        yield _Uploading(viewer, refusal)


PictureFile = Annotated[UploadFile | str | None, File()]


async def upload_picture(
    *,
    request: Request,
    uploading: Annotated[_Uploading, Depends(_uploading, scope="function")],
    reader: DbReader,
    session: DbSession,
    pictures: Pictures,
    changes: MediaChanges,
    file: PictureFile = None,
) -> HTMLResponse | RedirectResponse:
    """The picture form without JavaScript: as `PUT /api/users/{id}/picture`, within the
    same limits (`_PictureRoute`); a file refused is said at its field."""
    viewer = uploading.viewer
    if uploading.refusal is not None:
        return await account_again(request, reader, viewer, "picture", told_of(uploading.refusal))
    if file is None or isinstance(file, str):  # no file chosen, or a text field
        return await account_again(request, reader, viewer, "picture", _NO_PICTURE)
    try:
        await media.replace_picture(session, pictures, changes, viewer, file)
    except DomainError as exc:
        await session.rollback()  # removes the picture if it was stored
        return await account_again(request, reader, viewer, "picture", told_of(exc))
    return saved("picture")


class _PictureRoute(UploadLimitRoute, PageRoute):
    """The picture form's route: its body within the API's upload limit (MAX_UPLOAD_BYTES),
    and a file past it said at its field like the other refusals, not on an error page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except BodyTooLarge as exc:
                return await _picture_too_large(request, exc)

        return route


async def _picture_too_large(request: Request, refusal: BodyTooLarge) -> Response:
    """The account page again, from this site only: the form's body (and its CSRF field) is
    not read, so nothing changes."""
    refuse_cross_site(request, state_of(request)["settings"].public_base_url)
    viewer = await unread_form_user(request)
    if viewer is None:
        return sign_in_first(request, "/account")
    told = Refused({"file": refusal.detail}, [], refusal.status_code)
    return await account_again(request, state_of(request)["reader"], viewer, "picture", told)


router.add_api_route(
    "/account/picture",
    upload_picture,
    methods=["POST"],
    response_model=None,
    route_class_override=_PictureRoute,
)
