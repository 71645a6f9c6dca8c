"""manifest.yml: a complete Slack app manifest that matches what the adapter handles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from adapters.slack.translate import HANDLED_EVENTS

MANIFEST = Path(__file__).resolve().parents[3] / "manifest.yml"
SUBCOMMANDS = ("help", "join", "status", "edit", "pause", "resume", "leave", "feedback", "stats")

# The bot scope each Web API method the adapter calls needs.
SCOPES = {
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "conversations.open": "im:write",
    "users.info": "users:read",
    "files.uploadV2": "files:write",
    "slash command": "commands",
    "app_mention": "app_mentions:read",
    "message.im": "im:history",
}


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MANIFEST.read_text())
    return data


def test_the_manifest_is_complete_and_within_slacks_limits() -> None:
    m = manifest()
    info = m["display_information"]
    assert len(info["name"]) <= 35
    assert len(info["description"]) <= 140
    assert 174 <= len(info["long_description"]) <= 4000
    assert m["features"]["bot_user"]["display_name"]
    assert m["features"]["app_home"]["home_tab_enabled"] is True
    assert m["settings"]["interactivity"]["is_enabled"] is True
    assert m["settings"]["socket_mode_enabled"] is False
    assert "socket_mode_enabled: true" in MANIFEST.read_text()  # the note on how to switch


def test_every_request_url_is_the_one_events_endpoint() -> None:
    m = manifest()
    urls = [
        m["settings"]["event_subscriptions"]["request_url"],
        m["settings"]["interactivity"]["request_url"],
        *[c["url"] for c in m["features"]["slash_commands"]],
    ]
    assert all(url.startswith("https://") and url.endswith("/slack/events") for url in urls)


def test_the_slash_command_has_a_usage_hint_naming_the_subcommands() -> None:
    [command] = manifest()["features"]["slash_commands"]
    assert command["command"] == "/mentoring"
    assert all(word in command["usage_hint"] for word in SUBCOMMANDS)


def test_the_events_are_the_ones_the_adapter_handles_with_the_scopes_it_needs() -> None:
    m = manifest()
    events = m["settings"]["event_subscriptions"]["bot_events"]
    assert {e.split(".")[0] for e in events} == set(HANDLED_EVENTS)
    scopes = set(m["oauth_config"]["scopes"]["bot"])
    assert set(SCOPES.values()) <= scopes
    assert "mpim:write" in scopes  # group DMs for introductions (send_group)
