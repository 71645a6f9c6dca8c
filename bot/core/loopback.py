"""Loopback addresses, and requests that only look local because a proxy relayed them.

Everything that skips authentication (the local web chat, Teams emulator mode) serves only
requests from this machine: a loopback peer, naming a loopback host, that no reverse proxy
relayed. A proxy on the same machine connects from loopback too, so the headers proxies add
are what tells its requests apart.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

#: Headers a reverse proxy adds (RFC 7239 ``Forwarded`` and the de facto ones). A request that
#: carries one came from somewhere else, whatever its peer address says.
FORWARDING_HEADERS = frozenset(
    {
        "forwarded",
        "forwarded-for",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-forwarded-proto",
        "x-original-forwarded-for",
        "x-real-ip",
        "x-client-ip",
        "x-cluster-client-ip",
        "cf-connecting-ip",
        "true-client-ip",
        "fastly-client-ip",
        "via",
    }
)


def is_loopback(host: str | None) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ``::1``, ``::ffff:127.…``)."""
    if not host:
        return False
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback  # ::ffff:127.0.0.1 on a dual-stack socket
    return address.is_loopback


def is_forwarded(header_names: Iterable[str]) -> bool:
    """True when one of the headers is a proxy's forwarding header."""
    return any(name.lower() in FORWARDING_HEADERS for name in header_names)


def is_local_request(peer: str | None, host: str | None, header_names: Iterable[str]) -> bool:
    """A request from loopback, to a loopback host name, not relayed by a proxy.

    The host check also defeats DNS rebinding (a foreign page whose name resolves to
    127.0.0.1 still sends its own name in ``Host``).
    """
    return is_loopback(peer) and is_loopback(host) and not is_forwarded(header_names)
