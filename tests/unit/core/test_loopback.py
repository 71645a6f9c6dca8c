"""What counts as this machine, for the endpoints that skip authentication."""

from __future__ import annotations

import pytest

from bot.core.loopback import is_forwarded, is_local_request, is_loopback


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("app.localhost", True),
        ("0.0.0.0", False),  # noqa: S104
        ("::", False),
        ("::ffff:10.0.0.1", False),
        ("10.0.0.1", False),
        ("localhost.example.com", False),
        ("", False),
        (None, False),
    ],
)
def test_loopback_addresses_and_names(host: str | None, local: bool) -> None:
    assert is_loopback(host) is local


def test_a_request_a_proxy_relayed_is_not_local_whatever_its_peer() -> None:
    assert is_local_request("127.0.0.1", "localhost", ["Content-Type", "Host"])
    assert not is_local_request("127.0.0.1", "localhost", ["x-forwarded-for"])
    assert not is_local_request("127.0.0.1", "bot.example.com", [])
    assert not is_local_request("203.0.113.7", "localhost", [])
    assert is_forwarded(["Forwarded"]) and is_forwarded(["X-REAL-IP"]) and is_forwarded(["Via"])
