"""Which address becomes the client: the one the nearest trusted proxy saw, never one the
client wrote itself (TRUSTED_PROXIES)."""

import pytest
from pydantic import ValidationError
from starlette.types import Message, Receive, Scope, Send

from inkwell.config import Settings
from inkwell.operations.proxies import ProxyHeadersMiddleware, TrustedProxies

PROXY = "10.0.0.2"
CLIENT = "203.0.113.9"
FORGED = "198.51.100.66"


async def seen_by_the_app(
    trusted: str, *headers: tuple[str, str], peer: str = PROXY
) -> tuple[str, str]:
    """The client host and the scheme the app is called with, for a request from `peer`."""
    seen: dict[str, Scope] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen["scope"] = scope

    async def receive() -> Message:
        return {"type": "http.request"}

    async def send(message: Message) -> None:
        return None

    scope: Scope = {
        "type": "http",
        "scheme": "http",
        "client": (peer, 40000),
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers],
    }
    await ProxyHeadersMiddleware(app, trusted=TrustedProxies.parse(trusted))(scope, receive, send)
    return seen["scope"]["client"][0], seen["scope"]["scheme"]


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
