"""The client's address and scheme as the nearest trusted proxy saw them.

Each proxy appends the address it received the request from to X-Forwarded-For, so the
list reads client-written entries first and proxy-written ones last. Only the entries
added by trusted proxies can be believed: the client is the rightmost hop that is not a
trusted proxy. uvicorn's ProxyHeadersMiddleware takes the leftmost entry when it trusts
"*", an address the client writes itself; this one never does, whatever it trusts.
"""

import ipaddress
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

TRUST_ANY_PEER = "*"
_FORWARDED_SCHEMES = {"http": "ws", "https": "wss"}


def _ip(text: str) -> IPAddress | None:
    """An address as proxies write it (`1.2.3.4`, `[::1]`, `1.2.3.4:5678`), IPv4-mapped
    IPv6 read as IPv4; None for anything else."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True)
class TrustedProxies:
    """Either any peer (`*`: the peer is trusted, the client is the last hop it added) or
    the proxies in these networks (the client is the rightmost hop outside them)."""

    networks: tuple[IPNetwork, ...]
    any_peer: bool = False

    @classmethod
    def parse(cls, setting: str) -> "TrustedProxies":
        """TRUSTED_PROXIES: `*`, or comma-separated IP addresses and CIDR networks."""
        if setting.strip() == TRUST_ANY_PEER:
            return cls(networks=(), any_peer=True)
        networks = []
        for entry in filter(None, (part.strip() for part in setting.split(","))):
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(
                    f"{entry!r} is neither an IP address nor a network (use `*` to trust "
                    "whichever peer connects)"
                ) from None
        return cls(networks=tuple(networks))

    def trusts(self, address: IPAddress | None) -> bool:
        if self.any_peer:
            return True
        return address is not None and any(address in network for network in self.networks)

    def client(self, forwarded_for: str) -> IPAddress | None:
        """The address the nearest trusted proxy saw, from a trusted peer's X-Forwarded-For.

        None when the header is empty or that hop is not an IP address: the peer stays
        the client rather than anything a proxy did not vouch for.
        """
        hops = [_ip(hop) for hop in forwarded_for.split(",")]
        if self.any_peer:
            return hops[-1]
        for hop in reversed(hops):
            if not self.trusts(hop):
                return hop
        # Every hop is a trusted proxy: the leftmost made the request itself.
        return hops[0]


class ProxyHeadersMiddleware:
    """Pure ASGI: from a trusted peer, X-Forwarded-For sets `client` (the port is unknown,
    so 0) and X-Forwarded-Proto the scheme; from anyone else both headers are ignored."""

    def __init__(self, app: ASGIApp, *, trusted: TrustedProxies) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            peer = scope.get("client")
            if self.trusted.trusts(_ip(peer[0]) if peer else None):
                self._apply_forwarded_headers(scope)
        await self.app(scope, receive, send)

    def _apply_forwarded_headers(self, scope: Scope) -> None:
        forwarded_for: list[str] = []
        forwarded_proto: list[str] = []
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                forwarded_for.append(value.decode("latin-1"))
            elif name == b"x-forwarded-proto":
                forwarded_proto.append(value.decode("latin-1"))
        if forwarded_for and (client := self.trusted.client(",".join(forwarded_for))):
            scope["client"] = (str(client), 0)
        if forwarded_proto:
            scheme = forwarded_proto[-1].rpartition(",")[2].strip().lower()
            if scheme in _FORWARDED_SCHEMES:
                websocket = scope["type"] == "websocket"
                scope["scheme"] = _FORWARDED_SCHEMES[scheme] if websocket else scheme
