"""Ports of this machine for the tests' own servers, and for endpoints where nothing listens."""

import socket


def free_port() -> int:
    """A port nothing listens on: the system's next free one, free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
