"""Server-rendered pages. They read through the same services as the JSON API, and their
forms talk to that API from static JavaScript (src/inkwell/static/js)."""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from inkwell.auth.dependencies import optional_user
from inkwell.dependencies import DbReader, DbSession, PageParams, ResourceId
from inkwell.errors import ErrorPageRoute
from inkwell.posts import service as posts
from inkwell.users import service as users
from inkwell.users.schemas import CONFIRM_TOKEN_MAX_LENGTH, UserPrivate
from inkwell.web.rendering import remember_viewer, render


class PageRoute(ErrorPageRoute):
    """A page answers HEAD as it answers GET (uptime checks and `curl -I` send HEAD); the
    server sends the headers without the body."""

    def __init__(self, path: str, endpoint: Any, *, methods: Any = None, **kwargs: Any) -> None:
        if methods is not None and "GET" in methods:
            methods = {*methods, "HEAD"}
        super().__init__(path, endpoint, methods=methods, **kwargs)


router = APIRouter(
    include_in_schema=False, default_response_class=HTMLResponse, route_class=PageRoute
)

# Messages the login page shows for the reason it was sent there (`?notice=`); others are ignored.
_LOGIN_NOTICES = {
    "password-changed": "Your password is changed and every session has ended. "
    "Sign in with the new password.",
    "email-changed": "Your email is changed and every session has ended. Sign in again.",
}


async def _viewer(request: Request) -> UserPrivate | None:
    viewer = await optional_user(request)
    remember_viewer(request, viewer)
    return viewer


# Who is looking at the page: the navbar, and its error page too, show them signed in.
Viewer = Annotated[UserPrivate | None, Depends(_viewer)]


def _local_path(target: str) -> str:
    """Only a path on this site may follow a sign-in, never another site (open redirect),
    and never one with control characters (a CR or LF could split a header)."""
    if target.startswith("/") and not target.startswith(("//", "/\\")) and target.isprintable():
        return target
    return "/"


def _sign_in_first(request: Request) -> RedirectResponse:
    query = urlencode({"next": request.url.path})
    return RedirectResponse(f"/login?{query}", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/")
async def home(
    request: Request, viewer: Viewer, reader: DbReader, page: PageParams
) -> HTMLResponse:
    found = await posts.list_posts(reader, skip=page.skip, limit=page.limit)
    context = {"page": found, "api_url": "/api/posts"}
    return render(request, "post_list.html", context, current_user=viewer)


@router.get("/users/{user_id}/posts")
async def user_posts(
    request: Request,
    user_id: ResourceId,
    viewer: Viewer,
    reader: DbReader,
    page: PageParams,
) -> HTMLResponse:
    author = await users.get_profile(reader, user_id)
    found = await posts.list_posts(reader, skip=page.skip, limit=page.limit, author_id=author.id)
    context = {"page": found, "api_url": f"/api/users/{author.id}/posts", "author": author}
    return render(request, "post_list.html", context, current_user=viewer)


@router.get("/posts/new", response_model=None)
async def new_post(request: Request, viewer: Viewer) -> HTMLResponse | RedirectResponse:
    """The form sends only title and content: the API takes the author from the session."""
    if viewer is None:
        return _sign_in_first(request)
    return render(request, "new_post.html", current_user=viewer)


@router.get("/posts/{post_id}")
async def post_page(
    request: Request, post_id: ResourceId, viewer: Viewer, session: DbSession
) -> HTMLResponse:
    """Its author also gets the edit and delete forms."""
    post = await posts.get_post(session, post_id)
    return render(request, "post.html", {"post": post}, current_user=viewer)


@router.get("/account", response_model=None)
async def account(request: Request, viewer: Viewer) -> HTMLResponse | RedirectResponse:
    if viewer is None:
        return _sign_in_first(request)
    return render(request, "account.html", current_user=viewer)


@router.get("/login")
async def login(
    request: Request,
    viewer: Viewer,
    next_path: Annotated[str, Query(alias="next", max_length=2000)] = "/",
    notice: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    context = {"next": _local_path(next_path), "notice": _LOGIN_NOTICES.get(notice)}
    return render(request, "login.html", context, current_user=viewer)


@router.get("/register")
async def register(request: Request, viewer: Viewer) -> HTMLResponse:
    return render(request, "register.html", current_user=viewer)


@router.get("/forgot-password")
async def forgot_password(request: Request, viewer: Viewer) -> HTMLResponse:
    return render(request, "forgot_password.html", current_user=viewer)


@router.get("/reset-password")
async def reset_password(
    request: Request, viewer: Viewer, token: Annotated[str, Query(max_length=1000)] = ""
) -> HTMLResponse:
    return render(request, "reset_password.html", {"token": token}, current_user=viewer)


@router.get("/confirm-email")
async def confirm_email(
    request: Request,
    viewer: Viewer,
    token: Annotated[str, Query(max_length=CONFIRM_TOKEN_MAX_LENGTH)] = "",
) -> HTMLResponse:
    """A button that posts the token: opening the link (a mail scanner may) changes nothing."""
    return render(request, "confirm_email.html", {"token": token}, current_user=viewer)
