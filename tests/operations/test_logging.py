"""A request id on every response and every log line of its request; one access line each."""

import io
import json
import logging
import logging.config
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import PurePosixPath
from types import SimpleNamespace
from typing import Any, Literal
from urllib.parse import unquote

import pytest
import uvicorn.config
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inkwell.config import Settings
from inkwell.operations import logs
from inkwell.operations.logs import (
    CONSOLE_FORMAT,
    ConsoleFormatter,
    JsonFormatter,
    RequestContextMiddleware,
    RequestIdFilter,
    current_request_id,
    logging_config,
)
from tests.conftest import StartedApp
from tests.operations.test_production_settings import production

LogLines = Callable[[], list[dict[str, Any]]]


@contextmanager
def printed_logs(
    caplog: pytest.LogCaptureFixture, log_format: Literal["console", "json"]
) -> Iterator[io.StringIO]:
    """What the served process prints for the app's loggers in this format, as it prints it.

    The handler is built from `logging_config`, as the server builds it; it listens on
    "inkwell" rather than the root, which also hears the test's HTTP client.
    """
    spec = logging_config(Settings(log_format=log_format))["formatters"]["default"]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.config.DictConfigurator({}).configure_formatter(dict(spec)))
    handler.addFilter(RequestIdFilter())
    caplog.set_level(logging.INFO, logger="inkwell")
    logging.getLogger("inkwell").addHandler(handler)
    try:
        yield stream
    finally:
        logging.getLogger("inkwell").removeHandler(handler)


@pytest.fixture
def json_logs(caplog: pytest.LogCaptureFixture) -> Iterator[LogLines]:
    """The JSON lines, parsed back: a dict a line."""
    with printed_logs(caplog, "json") as stream:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture
def console_logs(caplog: pytest.LogCaptureFixture) -> Iterator[io.StringIO]:
    with printed_logs(caplog, "console") as stream:
        yield stream


@pytest.fixture
def chatty_app(app: FastAPI) -> FastAPI:
    """The app with one more route that writes a log line of its own, as services do."""

    @app.get("/chatty")
    async def chatty() -> dict[str, str]:
        logging.getLogger("inkwell.test").warning("working on it", extra={"step": 2})
        return {"done": "yes"}

    return app


@pytest.fixture
async def lenient_client(started_app: StartedApp) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=started_app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def access_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line["logger"] == "inkwell.access"]


async def test_a_response_carries_a_generated_request_id(client: AsyncClient) -> None:
    first = await client.get("/health")
    second = await client.get("/health")
    assert len(first.headers["x-request-id"]) == 32
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_a_sane_incoming_request_id_is_kept(client: AsyncClient) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "edge-7f3a.42:1"})
    assert response.headers["x-request-id"] == "edge-7f3a.42:1"


@pytest.mark.parametrize("incoming", ["a" * 129, "has space", 'quote"d', "ünï"])
async def test_an_odd_incoming_request_id_is_replaced(client: AsyncClient, incoming: str) -> None:
    response = await client.get("/health", headers={"X-Request-ID": incoming.encode()})
    assert response.status_code == 200
    assert response.headers["x-request-id"] != incoming
    assert len(response.headers["x-request-id"]) == 32


@pytest.mark.usefixtures("chatty_app")
async def test_every_log_line_of_a_request_carries_its_id(
    client: AsyncClient, json_logs: LogLines
) -> None:
    response = await client.get("/chatty", headers={"X-Request-ID": "req-1"})
    lines = json_logs()
    service_line = next(line for line in lines if line["logger"] == "inkwell.test")
    assert service_line["message"] == "working on it"
    assert service_line["step"] == 2
    assert [line["request_id"] for line in lines] == ["req-1"] * len(lines)
    assert response.headers["x-request-id"] == "req-1"


async def test_the_access_log_records_method_path_status_and_duration(
    client: AsyncClient, json_logs: LogLines
) -> None:
    await client.post("/api/users", json={"username": ""}, headers={"X-Request-ID": "req-2"})
    [line] = access_lines(json_logs())
    assert line["method"] == "POST"
    assert line["path"] == "/api/users"
    assert line["status"] == 422
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert line["request_id"] == "req-2"
    assert line["message"].startswith("POST /api/users 422 ")


async def test_the_access_log_leaves_out_the_query_string(
    client: AsyncClient, json_logs: LogLines
) -> None:
    await client.get("/api/posts", params={"skip": "0", "token": "secret-reset-token"})
    [line] = access_lines(json_logs())
    assert line["path"] == "/api/posts"
    assert "secret-reset-token" not in json.dumps(json_logs())


async def test_an_unexpected_error_is_logged_with_the_request_id_and_answered_with_it(
    app: FastAPI, lenient_client: AsyncClient, json_logs: LogLines
) -> None:
    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    response = await lenient_client.get("/boom", headers={"X-Request-ID": "req-3"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "req-3"
    lines = json_logs()
    error = next(line for line in lines if line["message"] == "unhandled error")
    assert error["request_id"] == "req-3"
    assert "RuntimeError: a bug" in error["exception"]
    assert access_lines(lines)[0]["status"] == 500


def test_logs_are_json_in_production_and_console_elsewhere() -> None:
    production_settings = production(database_url="postgresql+asyncpg://db/x")
    assert logging_config(production_settings)["formatters"]["default"] == {"()": JsonFormatter}
    development = logging_config(Settings(environment="development"))["formatters"]["default"]
    assert development == {"()": ConsoleFormatter, "fmt": CONSOLE_FORMAT}


def test_log_format_overrides_the_environment_default() -> None:
    settings = Settings(environment="development", log_format="json")
    assert logging_config(settings)["formatters"]["default"] == {"()": JsonFormatter}


def test_the_console_format_shows_the_request_id() -> None:
    formatter = ConsoleFormatter(CONSOLE_FORMAT)
    record = logging.makeLogRecord({"name": "inkwell", "msg": "hello", "levelname": "INFO"})
    RequestIdFilter().filter(record)
    assert formatter.format(record).endswith("inkwell [-] hello")


# Characters that end or rewrite a line, percent-encoded in a request path, and how the
# console shows them.
CONTROL_CHARACTERS = {
    "%0A": "\\n",
    "%0D": "\\r",
    "%1B[2K": "\\x1b[2K",
    "%0B": "\\x0b",
    "%C2%85": "\\x85",
    "%E2%80%A8": "\\u2028",
}


async def test_a_newline_in_the_path_cannot_forge_a_console_log_line(
    client: AsyncClient, console_logs: io.StringIO
) -> None:
    await client.get("/x%0Afake%20line")
    [line] = console_logs.getvalue().splitlines()
    assert " inkwell.access [" in line
    assert "] GET /x\\nfake line 404 " in line


@pytest.mark.parametrize(("encoded", "shown"), CONTROL_CHARACTERS.items())
async def test_control_characters_in_the_path_are_escaped_on_the_console(
    client: AsyncClient, console_logs: io.StringIO, encoded: str, shown: str
) -> None:
    await client.get(f"/x{encoded}fake")
    [line] = console_logs.getvalue().splitlines()
    assert f"GET /x{shown}fake 404 " in line


@pytest.mark.parametrize("encoded", CONTROL_CHARACTERS)
async def test_control_characters_in_the_path_stay_inside_their_json_log_line(
    client: AsyncClient, json_logs: LogLines, encoded: str
) -> None:
    response = await client.get(f"/x{encoded}fake")
    [line] = json_logs()
    assert line["logger"] == "inkwell.access"
    assert line["path"] == unquote(response.request.url.raw_path.decode())


# The middleware and the formatters on their own, with a request or a record of the test's.


async def answered(app: ASGIApp, scope: Scope, incoming: Message | None = None) -> list[Message]:
    """What RequestContextMiddleware sends for `scope`, wrapped around `app`, which
    receives `incoming` (an empty request body unless said)."""
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming or {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    await RequestContextMiddleware(app)(scope, receive, send)
    return sent


async def no_content(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def http_scope(**fields: Any) -> Scope:
    return {"type": "http", "method": "GET", "path": "/x", "headers": [], **fields}


async def test_the_access_log_names_the_clients_address(json_logs: LogLines) -> None:
    await answered(no_content, http_scope(client=("203.0.113.7", 50000)))
    [line] = access_lines(json_logs())
    assert line["client"] == "203.0.113.7"
    assert line["status"] == 204


async def test_a_request_with_no_client_address_is_logged_without_one(json_logs: LogLines) -> None:
    await answered(no_content, http_scope())
    [line] = access_lines(json_logs())
    assert line["client"] is None


async def test_the_access_log_times_the_request_in_milliseconds(
    monkeypatch: pytest.MonkeyPatch, json_logs: LogLines
) -> None:
    clock = iter([100.0, 100.01234])
    monkeypatch.setattr(logs, "time", SimpleNamespace(perf_counter=lambda: next(clock)))
    await answered(no_content, http_scope())
    [line] = access_lines(json_logs())
    assert line["duration_ms"] == 12.3
    assert line["message"] == "GET /x 204 12.3ms"


async def test_a_request_that_fails_before_answering_is_logged_as_a_500(
    json_logs: LogLines,
) -> None:
    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError, match="a bug"):
        await answered(broken, http_scope())
    [line] = access_lines(json_logs())
    assert line["status"] == 500


async def test_the_request_id_is_forgotten_once_the_request_is_answered(
    json_logs: LogLines,
) -> None:
    await answered(no_content, http_scope(headers=[(b"x-request-id", b"req-4")]))
    logging.getLogger("inkwell.test").warning("after the request")
    assert [line["request_id"] for line in json_logs()] == ["req-4", "-"]


async def test_a_requests_body_reaches_the_app_and_its_answer_the_client(
    json_logs: LogLines,
) -> None:
    async def echo(scope: Scope, receive: Receive, send: Send) -> None:
        body = (await receive())["body"]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    sent = await answered(echo, http_scope(method="POST"), {"type": "http.request", "body": b"hi"})
    assert [message.get("body") for message in sent] == [None, b"hi"]
    assert access_lines(json_logs())[0]["status"] == 200


async def test_a_lifespan_scope_passes_through_with_no_id_and_no_log_line(
    json_logs: LogLines,
) -> None:
    seen: list[Scope] = []

    async def lifespan(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)
        if (await receive())["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})

    sent = await answered(lifespan, {"type": "lifespan"}, {"type": "lifespan.startup"})
    assert seen == [{"type": "lifespan"}]
    assert sent == [{"type": "lifespan.startup.complete"}]
    assert json_logs() == []


def test_a_json_line_has_the_time_level_logger_message_request_id_and_process() -> None:
    record = logging.makeLogRecord(
        {
            "name": "inkwell.test",
            "msg": "hello %s",
            "args": ("you",),
            "levelname": "WARNING",
            "created": 1_780_000_000.25,
            "process": 4321,
        }
    )
    RequestIdFilter().filter(record)
    assert json.loads(JsonFormatter().format(record)) == {
        "time": "2026-05-28T20:26:40.250+00:00",
        "level": "WARNING",
        "logger": "inkwell.test",
        "message": "hello you",
        "request_id": "-",
        "pid": 4321,
    }


def test_a_json_line_no_filter_stamped_still_has_a_request_id() -> None:
    record = logging.makeLogRecord({"name": "inkwell.test", "msg": "hello"})
    assert json.loads(JsonFormatter().format(record))["request_id"] == "-"


def test_an_extra_value_json_cannot_hold_is_written_as_its_text() -> None:
    record = logging.makeLogRecord({"msg": "stored", "where": PurePosixPath("/srv/media/a.webp")})
    assert json.loads(JsonFormatter().format(record))["where"] == "/srv/media/a.webp"


# The whole configuration, applied as the server applies it.

UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


@pytest.fixture
def configure_logging() -> Iterator[Callable[[dict[str, Any]], None]]:
    """Applies a `dictConfig`, then puts back what the test process had (pytest's handlers on
    the root logger, uvicorn's loggers as they were)."""
    root = logging.getLogger()
    loggers = [logging.getLogger(name) for name in UVICORN_LOGGERS]
    kept_root = (root.level, root.handlers[:])
    kept = [(logger.level, logger.handlers[:], logger.propagate) for logger in loggers]
    yield logging.config.dictConfig
    root.setLevel(kept_root[0])
    root.handlers[:] = kept_root[1]
    for logger, (level, handlers, propagate) in zip(loggers, kept, strict=True):
        logger.setLevel(level)
        logger.handlers[:] = handlers
        logger.propagate = propagate


def test_the_configuration_prints_the_apps_lines_on_stdout_at_the_level_set(
    configure_logging: Callable[[dict[str, Any]], None], capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(logging_config(Settings(log_format="json", log_level="ERROR")))
    access_logger = logging.getLogger("inkwell.access")  # made before: not disabled
    token = current_request_id.set("req-5")
    try:
        access_logger.warning("dropped")
        access_logger.error("kept")
    finally:
        current_request_id.reset(token)

    [line] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (line["logger"], line["message"], line["request_id"]) == (
        "inkwell.access",
        "kept",
        "req-5",
    )


def test_uvicorns_lines_go_through_the_same_handler_once(
    configure_logging: Callable[[dict[str, Any]], None], capsys: pytest.CaptureFixture[str]
) -> None:
    # uvicorn's own configuration first, with its handlers on stderr: ours takes them away,
    # so uvicorn's lines reach the root's one handler, in its format, and only it.
    configure_logging(uvicorn.config.LOGGING_CONFIG)
    configure_logging(logging_config(Settings(log_format="json")))
    for name in UVICORN_LOGGERS:
        logging.getLogger(name).warning("from %s", name)

    printed = capsys.readouterr()
    lines = [json.loads(line) for line in printed.out.splitlines()]
    assert [(line["logger"], line["message"]) for line in lines] == [
        (name, f"from {name}") for name in UVICORN_LOGGERS
    ]
    assert printed.err == ""
