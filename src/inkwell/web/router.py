"""Server-rendered pages. They read through the same services as the JSON API, and their
forms talk to that API from static JavaScript (src/inkwell/static/js)."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from inkwell.dependencies import DbSession, PageParams, ResourceId
from inkwell.posts import service as posts
from inkwell.users import service as users
from inkwell.web.rendering import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def _local_path(target: str) -> str:
    """Only a path on this site may follow a sign-in, never another site (open redirect)."""
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def _sign_in_first(request: Request) -> RedirectResponse:
    query = urlencode({"next": request.url.path})
    return RedirectResponse(f"/login?{query}", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/")
async def home(request: Request, session: DbSession, page: PageParams) -> HTMLResponse:
    found = await posts.list_posts(session, skip=page.skip, limit=page.limit)
    return render(request, "post_list.html", {"page": found, "api_url": "/api/posts"})


@router.get("/users/{user_id}/posts")
async def user_posts(
    request: Request, user_id: ResourceId, session: DbSession, page: PageParams
) -> HTMLResponse:
    author = await users.get_user(session, user_id)
    found = await posts.list_posts(session, skip=page.skip, limit=page.limit, author_id=author.id)
    context = {"page": found, "api_url": f"/api/users/{author.id}/posts", "author": author}
    return render(request, "post_list.html", context)


@router.get("/posts/new", response_model=None)
async def new_post(request: Request) -> RedirectResponse:
    """Writing needs an author: until sign-in is wired to the pages, sign in first."""
    return _sign_in_first(request)


@router.get("/posts/{post_id}")
async def post_page(request: Request, post_id: ResourceId, session: DbSession) -> HTMLResponse:
    post = await posts.get_post(session, post_id)
    return render(request, "post.html", {"post": post})


@router.get("/account", response_model=None)
async def account(request: Request) -> RedirectResponse:
    """The account page is its owner's: until sign-in is wired to the pages, sign in first."""
    return _sign_in_first(request)


@router.get("/login")
async def login(
    request: Request, next_path: Annotated[str, Query(alias="next", max_length=2000)] = "/"
) -> HTMLResponse:
    return render(request, "login.html", {"next": _local_path(next_path)})


@router.get("/register")
async def register(request: Request) -> HTMLResponse:
    return render(request, "register.html")


@router.get("/forgot-password")
async def forgot_password(request: Request) -> HTMLResponse:
    return render(request, "forgot_password.html")


@router.get("/reset-password")
async def reset_password(
    request: Request, token: Annotated[str, Query(max_length=1000)] = ""
) -> HTMLResponse:
    return render(request, "reset_password.html", {"token": token})
