"""Which address becomes the client: the one the nearest trusted proxy saw, never one the
client wrote itself (TRUSTED_PROXIES)."""

from ipaddress import ip_address

import pytest
from pydantic import ValidationError
from starlette.types import Message, Receive, Scope, Send

from inkwell.config import Settings
from inkwell.operations.proxies import ProxyHeadersMiddleware, TrustedProxies

PROXY = "10.0.0.2"
CLIENT = "203.0.113.9"
FORGED = "198.51.100.66"


async def scope_seen_by_the_app(
    trusted: str,
    *headers: tuple[str, str],
    peer: str | None = PROXY,
    kind: str = "http",
) -> Scope:
    """The scope the app is called with, for a request of `kind` from `peer` (None: a
    connection with no address, such as a Unix socket's)."""
    seen: dict[str, Scope] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen["scope"] = scope

    async def receive() -> Message:
        return {"type": "http.request"}

    async def send(message: Message) -> None:
        return None

    scope: Scope = {
        "type": kind,
        "scheme": "http",
        "client": None if peer is None else (peer, 40000),
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers],
    }
    await ProxyHeadersMiddleware(app, trusted=TrustedProxies.parse(trusted))(scope, receive, send)
    return seen["scope"]


async def seen_by_the_app(
    trusted: str, *headers: tuple[str, str], peer: str = PROXY
) -> tuple[str, str]:
    """The client host and the scheme the app is called with, for a request from `peer`."""
    scope = await scope_seen_by_the_app(trusted, *headers, peer=peer)
    return scope["client"][0], scope["scheme"]


async def test_trusting_any_peer_believes_only_the_hop_it_added() -> None:
    client, _ = await seen_by_the_app("*", ("X-Forwarded-For", f"{FORGED}, {CLIENT}"))
    assert client == CLIENT


async def test_the_client_is_the_rightmost_hop_outside_the_trusted_networks() -> None:
    forwarded = f"{FORGED}, {CLIENT}, 10.0.0.7"
    client, _ = await seen_by_the_app("10.0.0.0/8", ("X-Forwarded-For", forwarded))
    assert client == CLIENT


async def test_a_forged_hop_that_looks_like_a_trusted_proxy_is_not_believed() -> None:
    forwarded = f"10.9.9.9, {CLIENT}"
    client, _ = await seen_by_the_app("10.0.0.0/8", ("X-Forwarded-For", forwarded))
    assert client == CLIENT


async def test_when_every_hop_is_a_trusted_proxy_the_first_one_made_the_request() -> None:
    forwarded = "10.0.0.5, 10.0.0.7"
    client, _ = await seen_by_the_app("10.0.0.0/8", ("X-Forwarded-For", forwarded))
    assert client == "10.0.0.5"


async def test_several_forwarded_for_headers_read_as_one_list() -> None:
    client, _ = await seen_by_the_app(
        "10.0.0.0/8", ("X-Forwarded-For", FORGED), ("X-Forwarded-For", f"{CLIENT}, 10.0.0.7")
    )
    assert client == CLIENT


async def test_an_untrusted_peers_forwarded_headers_are_ignored() -> None:
    seen = await seen_by_the_app(
        "10.0.0.0/8",
        ("X-Forwarded-For", FORGED),
        ("X-Forwarded-Proto", "https"),
        peer=CLIENT,
    )
    assert seen == (CLIENT, "http")


@pytest.mark.parametrize("hop", ["unknown", "", "not an address"])
async def test_a_last_hop_that_is_not_an_address_leaves_the_peer_as_the_client(hop: str) -> None:
    client, _ = await seen_by_the_app("*", ("X-Forwarded-For", f"{FORGED}, {hop}"))
    assert client == PROXY


@pytest.mark.parametrize(
    ("hop", "address"),
    [
        ("203.0.113.9:5000", "203.0.113.9"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:DB8:0::1", "2001:db8::1"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
    ],
)
async def test_a_hop_is_read_as_a_plain_address(hop: str, address: str) -> None:
    client, _ = await seen_by_the_app("*", ("X-Forwarded-For", hop))
    assert client == address


async def test_a_trusted_proxy_tells_the_scheme_it_was_reached_by() -> None:
    _, scheme = await seen_by_the_app("*", ("X-Forwarded-Proto", "https"))
    assert scheme == "https"


async def test_an_unknown_forwarded_scheme_is_ignored() -> None:
    _, scheme = await seen_by_the_app("*", ("X-Forwarded-Proto", "gopher"))
    assert scheme == "http"


@pytest.mark.parametrize("setting", ["nginx", "10.0.0.0/8, proxy.internal", "10.0.0.300"])
def test_a_trusted_proxy_that_is_not_an_address_or_network_stops_start_up(setting: str) -> None:
    with pytest.raises(ValidationError, match="neither an IP address nor a network"):
        Settings(trusted_proxies=setting)


async def test_the_forwarded_client_has_no_port() -> None:
    """The proxy saw the client's port, but X-Forwarded-For does not carry it."""
    scope = await scope_seen_by_the_app("*", ("X-Forwarded-For", CLIENT))
    assert scope["client"] == (CLIENT, 0)


async def test_the_scheme_is_the_one_the_nearest_proxy_was_reached_by() -> None:
    _, scheme = await seen_by_the_app("*", ("X-Forwarded-Proto", "http, HTTPS "))
    assert scheme == "https"


async def test_a_websocket_through_a_trusted_proxy_gets_its_client_and_secure_scheme() -> None:
    scope = await scope_seen_by_the_app(
        "10.0.0.0/8",
        ("X-Forwarded-For", CLIENT),
        ("X-Forwarded-Proto", "https"),
        kind="websocket",
    )
    assert (scope["client"][0], scope["scheme"]) == (CLIENT, "wss")


async def test_a_connection_without_an_address_is_no_trusted_proxy() -> None:
    scope = await scope_seen_by_the_app("10.0.0.0/8", ("X-Forwarded-For", FORGED), peer=None)
    assert scope["client"] is None


async def test_the_app_reads_the_request_and_answers_through_the_middleware() -> None:
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        await send({"type": "http.response.body", "body": message["body"]})

    async def receive() -> Message:
        return {"type": "http.request", "body": b"the body"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "client": (PROXY, 40000), "headers": []}
    await ProxyHeadersMiddleware(app, trusted=TrustedProxies.parse("*"))(scope, receive, send)
    assert sent == [{"type": "http.response.body", "body": b"the body"}]


@pytest.mark.parametrize("setting", ["10.0.0.0/8,192.168.0.0/16", " 10.0.0.0/8 , 192.168.0.0/16 ,"])
def test_trusted_proxies_are_a_comma_separated_list(setting: str) -> None:
    trusted = TrustedProxies.parse(setting)
    assert trusted.trusts(ip_address("10.1.2.3"))
    assert trusted.trusts(ip_address("192.168.4.5"))
    assert not trusted.trusts(ip_address(CLIENT))


def test_a_trusted_network_may_be_written_from_any_of_its_addresses() -> None:
    """`10.0.0.2/8`, an address with its network's length, trusts 10.0.0.0/8."""
    assert TrustedProxies.parse("10.0.0.2/8").trusts(ip_address("10.200.0.1"))


def test_a_bad_trusted_proxy_is_named_with_what_to_write_instead() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(trusted_proxies="10.0.0.0/8, proxy.internal")
    assert (
        "'proxy.internal' is neither an IP address nor a network (use `*` to trust whichever "
        "peer connects)"
    ) in str(refused.value)
