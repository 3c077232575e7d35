"""Tests never reach beyond 127.0.0.1: a connection or a name lookup for any other host is
refused at once (``ConnectionRefusedError``, ``socket.gaierror``) and fails the test that
made it, so that a test cannot pass by luck on a machine with a network.

conftest.py imports :func:`no_outside_network` (autouse); sockets of other families (Unix
sockets of PostgreSQL, socketpairs) and loopback addresses pass through.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo
attempts: list[str] = []


def is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def _outside(sock: socket.socket, address: Any) -> bool:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return False
    return not is_loopback(address[0])


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if _outside(self, address):
        attempts.append(f"connect to {address!r}")
        raise ConnectionRefusedError(f"tests run off the network: {address!r} is not loopback")
    return _connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if _outside(self, address):
        attempts.append(f"connect to {address!r}")
        raise ConnectionRefusedError(f"tests run off the network: {address!r} is not loopback")
    return _connect_ex(self, address)


def _is_numeric(host: object) -> bool:
    try:
        ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return False
    return True


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    """Names other than localhost are not looked up (a DNS query leaves the machine);
    numeric addresses pass, and the connect guard judges them."""
    if host is not None and not is_loopback(host) and not _is_numeric(host):
        if str(host).rstrip(".").endswith(".invalid"):  # RFC 6761: never exists, answered here
            raise socket.gaierror(socket.EAI_NONAME, f"{host!r} does not exist")
        attempts.append(f"name lookup of {host!r}")
        raise socket.gaierror(socket.EAI_NONAME, f"tests run off the network: {host!r}")
    return _getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def no_outside_network() -> Iterator[None]:
    attempts.clear()
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo
    try:
        yield
    finally:
        socket.socket.connect = _connect  # type: ignore[method-assign]
        socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = _getaddrinfo
    if attempts:
        pytest.fail("the test tried to reach beyond 127.0.0.1: " + "; ".join(attempts[:5]))
