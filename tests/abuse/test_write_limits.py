"""Per-account limits on writes: posts, comments, likes, follows, reports and Markdown
previews (each takes a rendering thread) have their own budget per account, answered 429
with Retry-After and `rate_limited` once spent; other accounts and other writes are
unaffected; the Conduit API and the pages' plain forms spend from the same budget; with
Redis every instance shares it. A request refused as malformed spends nothing. Run on both
databases."""

import ast
import asyncio
import inspect
import logging
import re
import textwrap
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from html import unescape
from types import SimpleNamespace
from typing import Annotated, Any, get_args, get_origin, get_type_hints

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.routing import Mount

from inkwell.abuse.config import WRITES, WriteLimitSettings, setting_of
from inkwell.abuse.dependencies import WriteBudget, write_limit
from inkwell.abuse.limits import WriteLimits
from inkwell.app import create_app
from inkwell.auth.cookies import CSRF_COOKIE
from inkwell.comments.models import BODY_MAX_LENGTH
from inkwell.config import Settings
from inkwell.errors import ServiceUnavailable, TooManyRequests, wait_in_words
from inkwell.posts.slugs import SLUG_MAX_LENGTH
from inkwell.rate_limits import limit_storage
from inkwell.schemas import MAX_ID
from inkwell.users.models import USERNAME_MAX_LENGTH
from tests.auth.test_rate_limits import require_redis
from tests.conftest import NO_RATE_LIMITS, Account, Api, StartedApp, started
from tests.conversation import comment
from tests.ports import free_port
from tests.web.test_conversation import insert_comments
from tests.web.test_pages import sign_in

LIMITED = {setting_of(write): "2/minute" for write in WRITES}
# A tag of no letter or digit: what the editor's autosave sent for a tag being typed.
NO_TAG = "!!!"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update=LIMITED)


@pytest.fixture
async def post(api: Api, author: Account) -> dict[str, object]:
    return await api.post(author)


def limits_of(settings: Settings) -> WriteLimits:
    """The write limits as an app of these settings makes them."""
    return WriteLimits.from_settings(settings, limit_storage(settings))


def assert_rate_limited(response: Response, write: str) -> None:
    assert response.status_code == 429, response.text
    told = wait_in_words(int(response.headers["retry-after"]))
    assert response.json() == {
        "detail": f"Too many {write} from your account; try again in {told}",
        "code": "rate_limited",
    }
    assert 1 <= int(response.headers["retry-after"]) <= 60


def writes(client: AsyncClient, post: dict[str, object], author: Account) -> dict[str, object]:
    """One request of each limited write, by whoever's headers are given."""

    async def posts(headers: dict[str, str]) -> Response:
        return await client.post("/api/posts", json={"title": "t", "content": "c"}, headers=headers)

    async def comments(headers: dict[str, str]) -> Response:
        url = f"/api/posts/{post['id']}/comments"
        return await client.post(url, json={"body": "hi"}, headers=headers)

    async def likes(headers: dict[str, str]) -> Response:
        return await client.put(f"/api/posts/{post['id']}/like", headers=headers)

    async def follows(headers: dict[str, str]) -> Response:
        return await client.put(f"/api/users/{author.id}/follow", headers=headers)

    async def previews(headers: dict[str, str]) -> Response:
        return await client.post("/api/markdown/preview", json={"content": "*c*"}, headers=headers)

    async def reports(headers: dict[str, str]) -> Response:
        body = {"post_id": post["id"], "reason": "spam"}
        return await client.post("/api/reports", json=body, headers=headers)

    return {
        "posts": posts,
        "comments": comments,
        "likes": likes,
        "follows": follows,
        "reports": reports,
        "previews": previews,
    }


def test_every_declared_write_is_limited_by_a_route() -> None:
    assert set(WRITES) == {"posts", "comments", "likes", "follows", "reports", "previews"}


def _routes_taking_a_budget(settings: Settings) -> list[Callable[..., Any]]:
    """The endpoints of Inkwell and of the Conduit application it mounts that take one."""
    app = create_app(settings)
    apps = [app, *(route.app for route in app.routes if isinstance(route, Mount))]
    endpoints = [
        context.original_route.endpoint
        for each in apps
        if isinstance(each, FastAPI)
        for context in iter_route_contexts(each.routes)
        if isinstance(context.original_route, APIRoute)
    ]
    return [
        endpoint
        for endpoint in endpoints
        if any(
            get_origin(hint) is Annotated and get_args(hint)[0] is WriteBudget
            for hint in get_type_hints(endpoint, include_extras=True).values()
        )
    ]


def test_every_route_that_takes_a_budget_spends_it_once(settings: Settings) -> None:
    """A budget a route forgot to spend would leave its write unlimited."""
    routes = _routes_taking_a_budget(settings)
    assert len(routes) == 14  # the API's 6, Conduit's 4, the plain forms' 4
    for endpoint in routes:
        [function] = ast.parse(textwrap.dedent(inspect.getsource(endpoint))).body
        assert isinstance(function, ast.AsyncFunctionDef)
        spent = [
            node
            for node in ast.walk(function)
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "budget.spend"
        ]
        assert len(spent) == 1, endpoint.__qualname__


@pytest.mark.parametrize("write", ["posts", "comments", "likes", "follows", "reports", "previews"])
async def test_a_spent_write_is_a_429_for_that_account_only(
    *,
    client: AsyncClient,
    author: Account,
    reader: Account,
    api: Api,
    post: dict[str, object],
    write: str,
) -> None:
    send = writes(client, post, author)[write]
    assert callable(send)
    for _ in range(2):
        assert (await send(reader.headers)).status_code in {200, 201}

    assert_rate_limited(await send(reader.headers), write)
    other = await api.sign_up("other")
    assert (await send(other.headers)).status_code in {200, 201}
    # The other writes keep their own budgets.
    for name, other_write in writes(client, post, author).items():
        if name not in {write, "follows"}:
            assert callable(other_write)
            assert (await other_write(reader.headers)).status_code in {200, 201}


async def test_an_anonymous_write_is_a_401_and_spends_nothing(
    client: AsyncClient, reader: Account, post: dict[str, object]
) -> None:
    for _ in range(3):
        response = await client.post(f"/api/posts/{post['id']}/comments", json={"body": "x"})
        assert response.status_code == 401
    comments = writes(client, post, reader)["comments"]
    assert callable(comments)
    assert (await comments(reader.headers)).status_code == 201


Send = Callable[[dict[str, str]], Awaitable[Response]]


def malformed_writes(client: AsyncClient, post: dict[str, object]) -> dict[str, Send]:
    """One request of each limited write that does not validate: its route never runs."""
    beyond = MAX_ID + 1
    return {
        "posts": partial(
            client.post, "/api/posts", json={"title": "t", "content": "c", "tags": [NO_TAG]}
        ),
        "comments": partial(client.post, f"/api/posts/{post['id']}/comments", json={"body": ""}),
        "likes": partial(client.put, f"/api/posts/{beyond}/like"),
        "follows": partial(client.put, f"/api/users/{beyond}/follow"),
        "reports": partial(client.post, "/api/reports", json={"reason": "spam"}),
        "previews": partial(client.post, "/api/markdown/preview", json={}),
    }


@pytest.mark.parametrize("write", ["posts", "comments", "likes", "follows", "reports", "previews"])
async def test_a_write_refused_as_malformed_spends_nothing(
    *, client: AsyncClient, author: Account, reader: Account, post: dict[str, object], write: str
) -> None:
    """The editor autosaves every few seconds: a tag being typed must not use up the posts."""
    for _ in range(3):
        refused = await malformed_writes(client, post)[write](headers=reader.headers)
        assert refused.status_code == 422, refused.text

    send = writes(client, post, author)[write]
    assert callable(send)
    for _ in range(2):
        assert (await send(reader.headers)).status_code in {200, 201}
    assert_rate_limited(await send(reader.headers), write)


def conduit_writes(
    client: AsyncClient, post: dict[str, object], author: Account
) -> dict[str, Send]:
    """The same writes through the Conduit API (its bearer scheme takes Inkwell's tokens)."""
    article = f"/conduit/api/articles/{post['slug']}-{post['id']}"  # Conduit's slug
    body = {"article": {"title": "t", "description": "d", "body": "b"}}
    return {
        "posts": partial(client.post, "/conduit/api/articles", json=body),
        "comments": partial(client.post, f"{article}/comments", json={"comment": {"body": "hi"}}),
        "likes": partial(client.post, f"{article}/favorite"),
        "follows": partial(client.post, f"/conduit/api/profiles/{author.user['username']}/follow"),
    }


@pytest.mark.parametrize("write", ["posts", "comments", "likes", "follows"])
async def test_conduit_spends_from_the_budget_the_api_spent(
    *, client: AsyncClient, author: Account, reader: Account, post: dict[str, object], write: str
) -> None:
    send = writes(client, post, author)[write]
    assert callable(send)
    for _ in range(2):
        assert (await send(reader.headers)).status_code in {200, 201}

    response = await conduit_writes(client, post, author)[write](headers=reader.headers)

    assert response.status_code == 429, response.text
    told = wait_in_words(int(response.headers["retry-after"]))
    message = f"Too many {write} from your account; try again in {told}"
    assert response.json() == {"errors": {"rate_limited": [message]}}
    assert 1 <= int(response.headers["retry-after"]) <= 60


def malformed_conduit_writes(client: AsyncClient, post: dict[str, object]) -> dict[str, Send]:
    """One request of each of Conduit's limited writes that does not validate."""
    article = f"/conduit/api/articles/{post['slug']}-{post['id']}"
    new = {"article": {"title": "t", "description": "d", "body": "b", "tagList": [NO_TAG]}}
    return {
        "posts": partial(client.post, "/conduit/api/articles", json=new),
        "comments": partial(client.post, f"{article}/comments", json={"comment": {"body": ""}}),
        # Longer than any slug and its id, or than any name as a path may give it.
        "likes": partial(
            client.post, f"/conduit/api/articles/{'s' * (SLUG_MAX_LENGTH + 13)}/favorite"
        ),
        "follows": partial(
            client.post, f"/conduit/api/profiles/{'u' * (4 * USERNAME_MAX_LENGTH + 1)}/follow"
        ),
    }


@pytest.mark.parametrize("write", ["posts", "comments", "likes", "follows"])
async def test_a_conduit_write_refused_as_malformed_spends_nothing(
    *, client: AsyncClient, author: Account, reader: Account, post: dict[str, object], write: str
) -> None:
    for _ in range(3):
        refused = await malformed_conduit_writes(client, post)[write](headers=reader.headers)
        assert refused.status_code == 422, refused.text

    send = conduit_writes(client, post, author)[write]
    for _ in range(2):
        sent = await send(headers=reader.headers)
        assert sent.status_code in {200, 201}, sent.text
    assert (await send(headers=reader.headers)).status_code == 429


@pytest.mark.parametrize("write", ["posts", "comments", "likes", "follows"])
async def test_the_api_spends_from_the_budget_conduit_spent(
    *, client: AsyncClient, author: Account, reader: Account, post: dict[str, object], write: str
) -> None:
    for _ in range(2):
        sent = await conduit_writes(client, post, author)[write](headers=reader.headers)
        assert sent.status_code in {200, 201}, sent.text

    send = writes(client, post, author)[write]
    assert callable(send)
    assert_rate_limited(await send(reader.headers), write)


@pytest.mark.parametrize("write", ["comments", "likes", "follows", "reports"])
async def test_the_plain_forms_spend_from_the_budget_the_api_spent(
    *, client: AsyncClient, author: Account, reader: Account, post: dict[str, object], write: str
) -> None:
    send = writes(client, post, author)[write]
    assert callable(send)
    for _ in range(2):
        assert (await send(reader.headers)).status_code in {200, 201}
    await sign_in(client, "reader")
    path = form_paths(post, author)[write]

    response = await client.post(path, data={"csrf_token": client.cookies[CSRF_COOKIE], **SAID})

    assert response.status_code == 429
    assert f"Too many {write} from your account" in response.text
    assert 1 <= int(response.headers["retry-after"]) <= 60


# What each plain form sends beside its CSRF field: a comment's body, a report's reason.
SAID = {"next": "/", "body": "Hi.", "reason": "Spam."}
# A textarea of the post page a plain form over its budget comes back to, by its id, and
# what it holds.
TEXTAREA = r'<textarea[^>]* id="{}"[^>]*>([^<]*)</textarea>'


def form_again(html: str, textarea: str) -> tuple[str, bool]:
    """What the textarea the page shows again holds, and whether the reader lands on it."""
    tag = re.search(TEXTAREA.format(re.escape(textarea)), html)
    assert tag is not None, html
    return unescape(tag[1]), " autofocus" in tag[0]


async def spend_on_the_api(
    client: AsyncClient, post: dict[str, object], author: Account, reader: Account, write: str
) -> None:
    send = writes(client, post, author)[write]
    assert callable(send)
    for _ in range(2):
        assert (await send(reader.headers)).status_code in {200, 201}


async def test_a_comment_over_the_budget_comes_back_in_the_post_page_with_when_to_send_it(
    client: AsyncClient, author: Account, reader: Account, post: dict[str, object]
) -> None:
    """Without JavaScript, a reader's comment past their budget is not lost on an error page."""
    await spend_on_the_api(client, post, author, reader, "comments")
    await sign_in(client, "reader")
    typed = "A long & <careful> answer,\nwritten for a while."
    data = {"csrf_token": client.cookies[CSRF_COOKIE], "next": str(post["url"]), "body": typed}

    response = await client.post(f"/posts/{post['id']}/comments", data=data)

    assert response.status_code == 429
    retry = int(response.headers["retry-after"])
    assert 1 <= retry <= 60
    assert response.headers["cache-control"] == "no-store"
    assert 'data-testid="post-title"' in response.text
    assert form_again(response.text, "comment-body") == (typed, True)
    assert (
        "Too many comments from your account for now. What you wrote is kept here: you can "
        f"send it again in {wait_in_words(retry)}."
    ) in response.text
    # The page's other forms come back to the post, not to the form's address.
    assert f'name="next" value="{post["url"]}"' in response.text


async def test_a_comment_whose_budget_cannot_be_read_comes_back_in_the_post_page(
    *,
    client: AsyncClient,
    started_app: StartedApp,
    settings: Settings,
    author: Account,
    post: dict[str, object],
) -> None:
    """With the limits' store down the write is refused (503), and the text is not lost."""
    down = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    started_app.state["write_limits"] = limits_of(down)
    await sign_in(client, "author")
    typed = "Written while Redis was away."
    data = {"csrf_token": client.cookies[CSRF_COOKIE], "next": str(post["url"]), "body": typed}

    response = await client.post(f"/posts/{post['id']}/comments", data=data)

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert form_again(response.text, "comment-body") == (typed, True)
    assert (
        "Comments cannot be taken just now. What you wrote is kept here: you can send it "
        "again in 5 seconds."
    ) in response.text


async def test_the_post_page_shown_again_links_its_pages_of_comments_at_the_posts_address(
    *,
    client: AsyncClient,
    engine: AsyncEngine,
    author: Account,
    reader: Account,
    post: dict[str, object],
) -> None:
    """The page answers at the form's address, where `?skip=10` names no page."""
    await insert_comments(engine, post["id"], [author], 11)
    await spend_on_the_api(client, post, author, reader, "comments")
    await sign_in(client, "reader")
    data = {"csrf_token": client.cookies[CSRF_COOKIE], "next": str(post["url"]), "body": "Hi."}

    response = await client.post(f"/posts/{post['id']}/comments", data=data)

    assert response.status_code == 429
    assert f'href="{post["url"]}?skip=10#comments">Later comments' in response.text


@pytest.mark.parametrize("kind", ["posts", "comments"])
async def test_a_report_over_the_budget_comes_back_open_in_the_post_page_with_its_reason(
    *,
    client: AsyncClient,
    author: Account,
    reader: Account,
    post: dict[str, object],
    kind: str,
) -> None:
    target = post if kind == "posts" else await comment(client, post["id"], author)
    await spend_on_the_api(client, post, author, reader, "reports")
    await sign_in(client, "reader")
    data = {"csrf_token": client.cookies[CSRF_COOKIE], "next": str(post["url"]), "reason": "Spam!"}

    response = await client.post(f"/{kind}/{target['id']}/report", data=data)

    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 60
    name = f"report-{kind.removesuffix('s')}-{target['id']}"
    assert re.search(f'<details class="report" id="{name}"[^>]* open>', response.text)
    assert form_again(response.text, f"{name}-reason") == ("Spam!", True)
    assert "Too many reports from your account for now." in response.text


def form_paths(post: dict[str, object], author: Account) -> dict[str, str]:
    return {
        "comments": f"/posts/{post['id']}/comments",
        "likes": f"/posts/{post['id']}/like",
        "follows": f"/users/{author.id}/follow",
        "reports": f"/posts/{post['id']}/report",
    }


@pytest.mark.parametrize(
    ("write", "path", "body", "status"),
    [
        ("comments", None, "x" * (BODY_MAX_LENGTH + 1), 400),  # a form it cannot read
        ("comments", None, " ", 400),  # the form's own check: a blank comment
        ("likes", f"/posts/{MAX_ID + 1}/like", "Hi.", 404),
        ("follows", f"/users/{MAX_ID + 1}/follow", "Hi.", 404),
        ("reports", None, " \u200b ", 400),  # the form's own check: a blank reason
    ],
    ids=["comments-too-long", "comments-blank", "likes", "follows", "reports-blank"],
)
@pytest.mark.usefixtures("reader")
async def test_a_plain_form_refused_as_malformed_spends_nothing(
    *,
    client: AsyncClient,
    author: Account,
    post: dict[str, object],
    write: str,
    path: str | None,
    body: str,
    status: int,
) -> None:
    await sign_in(client, "reader")
    fields = {"csrf_token": client.cookies[CSRF_COOKIE], **SAID}
    for _ in range(3):
        refused = await client.post(
            path or form_paths(post, author)[write], data={**fields, "body": body, "reason": body}
        )
        assert refused.status_code == status

    form = form_paths(post, author)[write]
    for _ in range(2):
        assert (await client.post(form, data=fields)).status_code == 303
    refused = await client.post(form, data=fields)
    assert refused.status_code == 429
    assert f"Too many {write} from your account" in refused.text


def test_a_route_cannot_name_a_limit_that_is_not_declared() -> None:
    with pytest.raises(ValueError, match="no rate_limit_shares_per_account"):
        write_limit("shares")


def test_the_tests_settings_lift_every_declared_limit() -> None:
    assert {setting_of(write) for write in WRITES} <= set(NO_RATE_LIMITS)


def test_a_new_limit_is_one_declaration(settings: Settings) -> None:
    """What adding shares would take: a field in abuse/config.py; the route then names it."""

    class WithShares(WriteLimitSettings):
        rate_limit_shares_per_account: str = "5/hour"

    assert "shares" in {
        name.removeprefix("rate_limit_").removesuffix("_per_account")
        for name in WithShares.model_fields
    }


def test_the_defaults_let_a_person_write(settings: Settings) -> None:
    defaults = WriteLimitSettings()
    assert defaults.rate_limit_comments_per_account.startswith("10/minute")
    assert defaults.rate_limit_likes_per_account.startswith("60/minute")


@pytest.fixture
def redis_settings(settings: Settings, engine: AsyncEngine) -> Settings:
    # Keys of this test's own in the shared Redis: its rate limits' and its cache's.
    prefix = f"inkwell-test-{uuid.uuid4().hex}"
    return settings.model_copy(
        update={
            "redis_url": require_redis(),
            "rate_limit_key_prefix": prefix,
            "cache_key_prefix": f"{prefix}:",
        }
    )


async def instance(settings: Settings) -> AsyncIterator[AsyncClient]:
    app = create_app(settings)
    async with (
        started(app) as served,
        AsyncClient(transport=ASGITransport(app=served), base_url="http://test") as client,
    ):
        yield client


@pytest.fixture
async def first(redis_settings: Settings) -> AsyncIterator[AsyncClient]:
    async for client in instance(redis_settings):
        yield client


@pytest.fixture
async def second(redis_settings: Settings) -> AsyncIterator[AsyncClient]:
    async for client in instance(redis_settings):
        yield client


async def test_two_instances_sharing_redis_share_an_accounts_budget(
    first: AsyncClient, second: AsyncClient
) -> None:
    writer = await Api(first).sign_up("writer")
    body = {"title": "t", "content": "c"}

    assert (await first.post("/api/posts", json=body, headers=writer.headers)).status_code == 201
    assert (await second.post("/api/posts", json=body, headers=writer.headers)).status_code == 201
    assert_rate_limited(await first.post("/api/posts", json=body, headers=writer.headers), "posts")


async def test_with_redis_down_a_limited_write_answers_503_rather_than_go_unlimited(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    closed_port = free_port()
    down = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{closed_port}/0"})
    limits = limits_of(down)

    with (
        caplog.at_level(logging.WARNING, logger="inkwell.abuse.limits"),
        pytest.raises(ServiceUnavailable) as refused,
    ):
        await limits.spend("likes", 1)
    assert refused.value.detail == "Temporarily unavailable; try again shortly"
    [warning] = [record.getMessage() for record in caplog.records]
    assert warning.startswith("write limit storage unavailable: ")
    assert str(closed_port) in warning  # the storage's own error


async def spent(settings: Settings) -> WriteLimits:
    """Limits whose account 1 has spent its two likes of the minute."""
    limits = limits_of(settings)
    for _ in range(2):
        await limits.spend("likes", 1)
    return limits


@pytest.mark.slow
async def test_the_retry_after_is_what_is_left_of_the_accounts_window(settings: Settings) -> None:
    """The window began with the account's first like, a second ago: not a whole minute."""
    limits = await spent(settings)
    await asyncio.sleep(1.1)
    with pytest.raises(TooManyRequests) as refused:
        await limits.spend("likes", 1)
    assert refused.value.headers is not None
    assert 55 <= int(refused.value.headers["Retry-After"]) <= 59


async def test_the_retry_after_is_a_second_at_least_when_the_window_ends_meanwhile(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window may end between the refusal and the reading of the clock: never 0."""
    limits = await spent(settings)
    past_the_window = time.time() + 61
    monkeypatch.setattr("inkwell.rate_limits.time", SimpleNamespace(time=lambda: past_the_window))
    with pytest.raises(TooManyRequests) as refused:
        await limits.spend("likes", 1)
    assert refused.value.headers == {"Retry-After": "1"}
