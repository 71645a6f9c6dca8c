"""Signed, realistic Slack → app HTTP requests for tests.

:func:`sign` computes Slack's ``X-Slack-Signature`` /
``X-Slack-Request-Timestamp`` headers; the ``*_body`` builders produce bodies
shaped like the ones Slack sends (slash commands and interactivity payloads
form-encoded, Events API callbacks as JSON). Each builder returns
``(body: bytes, content_type: str)``; :func:`signed_request_headers` combines
both into the headers to send.

Example::

    body, content_type = slash_command_body(text="help", user_id="U0001")
    headers = signed_request_headers("secret", body, content_type)
    await http.post("/slack/events", data=body, headers=headers)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

__all__ = [
    "FORM_CONTENT_TYPE",
    "JSON_CONTENT_TYPE",
    "app_home_opened_event",
    "app_mention_event",
    "block_actions_body",
    "event_callback_body",
    "message_event",
    "sign",
    "signed_request_headers",
    "slash_command_body",
    "text_input_state",
    "url_verification_body",
    "view_closed_body",
    "view_submission_body",
]

JsonDict = dict[str, Any]

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"

DEFAULT_TEAM_ID = "T0001"
DEFAULT_TEAM_DOMAIN = "test-workspace"
DEFAULT_APP_ID = "A0APP"
DEFAULT_BOT_USER_ID = "U0BOT"
DEFAULT_VERIFICATION_TOKEN = "verification-token"  # deprecated by Slack but still sent


# --------------------------------------------------------------------------
# Signing
# --------------------------------------------------------------------------


def sign(secret: str, body: bytes | str, timestamp: int | None = None) -> dict[str, str]:
    """Return Slack's signature headers for ``body`` sent at ``timestamp``.

    ``X-Slack-Signature`` is ``v0=`` + hex HMAC-SHA256 of
    ``"v0:{timestamp}:{body}"`` keyed with the signing secret.
    ``timestamp`` (Unix seconds) defaults to now; Bolt rejects requests more
    than 5 minutes old.
    """
    ts = int(time.time()) if timestamp is None else int(timestamp)
    raw = body.encode("utf-8") if isinstance(body, str) else body
    base = f"v0:{ts}:".encode() + raw
    digest = hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": f"v0={digest}",
    }


def signed_request_headers(
    secret: str,
    body: bytes | str,
    content_type: str,
    timestamp: int | None = None,
) -> dict[str, str]:
    """Headers for a signed Slack request: ``Content-Type`` plus :func:`sign`'s."""
    return {"Content-Type": content_type, **sign(secret, body, timestamp)}


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _trigger_id() -> str:
    return f"{int(time.time() * 1000)}.{secrets.randbelow(10**10)}.{secrets.token_hex(16)}"


def _response_url(team_id: str, kind: str) -> str:
    return f"https://hooks.slack.com/{kind}/{team_id}/{secrets.randbelow(10**13)}/{secrets.token_urlsafe(18)}"


def _event_id() -> str:
    return "Ev" + secrets.token_hex(5).upper()


def _ts() -> str:
    now = time.time()
    return f"{int(now)}.{int((now % 1) * 1_000_000):06d}"


def _payload_form(payload: JsonDict) -> tuple[bytes, str]:
    body = urlencode({"payload": json.dumps(payload, separators=(",", ":"))})
    return body.encode("utf-8"), FORM_CONTENT_TYPE


def _user(user_id: str, user_name: str, team_id: str) -> JsonDict:
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id}


def _team(team_id: str, team_domain: str) -> JsonDict:
    return {"id": team_id, "domain": team_domain}


def text_input_state(values: dict[str, dict[str, str | None]]) -> JsonDict:
    """Build ``view.state`` from ``{block_id: {action_id: text}}`` (plain_text_input values)."""
    return {
        "values": {
            block_id: {
                action_id: {"type": "plain_text_input", "value": value}
                for action_id, value in actions.items()
            }
            for block_id, actions in values.items()
        }
    }


# --------------------------------------------------------------------------
# Slash commands
# --------------------------------------------------------------------------


def slash_command_body(
    command: str = "/mentoring",
    text: str = "",
    *,
    user_id: str = "U0001",
    user_name: str = "alice",
    team_id: str = DEFAULT_TEAM_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    channel_id: str = "C0001",
    channel_name: str = "general",
    trigger_id: str | None = None,
    response_url: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    enterprise_id: str | None = None,
    enterprise_name: str | None = None,
    is_enterprise_install: bool = False,
    token: str = DEFAULT_VERIFICATION_TOKEN,
) -> tuple[bytes, str]:
    """A slash-command request body, form-encoded in Slack's field order.

    ``trigger_id`` / ``response_url`` default to realistic random values
    (pass the fake's ``new_trigger_id()`` / ``new_response_url()`` to use them).
    """
    fields: list[tuple[str, str]] = [
        ("token", token),
        ("team_id", team_id),
        ("team_domain", team_domain),
    ]
    if enterprise_id is not None:
        fields.append(("enterprise_id", enterprise_id))
        fields.append(("enterprise_name", enterprise_name or "Enterprise"))
    fields += [
        ("channel_id", channel_id),
        ("channel_name", channel_name),
        ("user_id", user_id),
        ("user_name", user_name),
        ("command", command),
        ("text", text),
        ("api_app_id", api_app_id),
        ("is_enterprise_install", "true" if is_enterprise_install else "false"),
        ("response_url", response_url or _response_url(team_id, "commands")),
        ("trigger_id", trigger_id or _trigger_id()),
    ]
    return urlencode(fields).encode("utf-8"), FORM_CONTENT_TYPE


# --------------------------------------------------------------------------
# Interactivity
# --------------------------------------------------------------------------


def block_actions_body(
    action_id: str,
    *,
    value: str | None = None,
    block_id: str = "actions",
    action_type: str = "button",
    actions: list[JsonDict] | None = None,
    user_id: str = "U0001",
    user_name: str = "alice",
    team_id: str = DEFAULT_TEAM_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    channel_id: str = "C0001",
    channel_name: str = "general",
    message_ts: str | None = None,
    message: JsonDict | None = None,
    view: JsonDict | None = None,
    state_values: JsonDict | None = None,
    trigger_id: str | None = None,
    response_url: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    is_ephemeral: bool = False,
    token: str = DEFAULT_VERIFICATION_TOKEN,
) -> tuple[bytes, str]:
    """A ``block_actions`` interaction (``payload=<json>``, form-encoded).

    By default the action comes from a button in a message posted in
    ``channel_id``; pass ``view`` (a view object, e.g. from
    ``FakeSlackApi.view_for``) for an action inside a modal or App Home, in
    which case there is no channel, message nor response_url. ``actions``
    overrides the single generated action (e.g. for selects).
    """
    ts = message_ts or _ts()
    if actions is None:
        action: JsonDict = {
            "action_id": action_id,
            "block_id": block_id,
            "type": action_type,
            "action_ts": _ts(),
        }
        if action_type == "button":
            action["text"] = {"type": "plain_text", "text": action_id, "emoji": True}
            if value is not None:
                action["value"] = value
        elif action_type == "static_select":
            action["selected_option"] = {
                "text": {"type": "plain_text", "text": value or "", "emoji": True},
                "value": value,
            }
        elif value is not None:
            action["value"] = value
        actions = [action]
    payload: JsonDict = {
        "type": "block_actions",
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": token,
        "trigger_id": trigger_id or _trigger_id(),
        "team": _team(team_id, team_domain),
        "enterprise": None,
        "is_enterprise_install": False,
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "V0000000001")}
        payload["view"] = view
    else:
        payload["container"] = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel_id,
            "is_ephemeral": is_ephemeral,
        }
        payload["channel"] = {"id": channel_id, "name": channel_name}
        payload["message"] = message or {
            "type": "message",
            "user": DEFAULT_BOT_USER_ID,
            "bot_id": "B0BOT",
            "app_id": api_app_id,
            "text": "",
            "ts": ts,
            "team": team_id,
            "blocks": [],
        }
        payload["response_url"] = response_url or _response_url(team_id, "actions")
    payload["state"] = state_values if state_values is not None else {"values": {}}
    payload["actions"] = actions
    return _payload_form(payload)


def _submitted_view(
    *,
    callback_id: str,
    state: JsonDict,
    view_id: str,
    team_id: str,
    private_metadata: str,
    blocks: list[JsonDict] | None,
    title: str,
    api_app_id: str,
    external_id: str,
    root_view_id: str | None,
    previous_view_id: str | None,
    view_hash: str | None,
) -> JsonDict:
    return {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "blocks": blocks or [],
        "private_metadata": private_metadata,
        "callback_id": callback_id,
        "state": state,
        "hash": view_hash or f"{int(time.time())}.{secrets.token_hex(4)}",
        "title": {"type": "plain_text", "text": title, "emoji": True},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
        "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
        "previous_view_id": previous_view_id,
        "root_view_id": root_view_id or view_id,
        "app_id": api_app_id,
        "external_id": external_id,
        "app_installed_team_id": team_id,
        "bot_id": "B0BOT",
    }


def view_submission_body(
    callback_id: str,
    values: JsonDict | None = None,
    *,
    user_id: str = "U0001",
    user_name: str = "alice",
    team_id: str = DEFAULT_TEAM_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    view_id: str = "V0000000001",
    private_metadata: str = "",
    blocks: list[JsonDict] | None = None,
    title: str = "Mentoring",
    external_id: str = "",
    root_view_id: str | None = None,
    previous_view_id: str | None = None,
    view_hash: str | None = None,
    trigger_id: str | None = None,
    response_urls: list[JsonDict] | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    token: str = DEFAULT_VERIFICATION_TOKEN,
) -> tuple[bytes, str]:
    """A ``view_submission`` interaction (``payload=<json>``, form-encoded).

    ``values`` is ``view.state.values`` in Slack's shape
    (``{block_id: {action_id: {"type": ..., "value": ...}}}``); build simple
    text inputs with :func:`text_input_state` (pass its ``["values"]``).
    """
    view = _submitted_view(
        callback_id=callback_id,
        state={"values": values or {}},
        view_id=view_id,
        team_id=team_id,
        private_metadata=private_metadata,
        blocks=blocks,
        title=title,
        api_app_id=api_app_id,
        external_id=external_id,
        root_view_id=root_view_id,
        previous_view_id=previous_view_id,
        view_hash=view_hash,
    )
    payload: JsonDict = {
        "type": "view_submission",
        "team": _team(team_id, team_domain),
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": token,
        "trigger_id": trigger_id or _trigger_id(),
        "view": view,
        "response_urls": response_urls or [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _payload_form(payload)


def view_closed_body(
    callback_id: str,
    *,
    user_id: str = "U0001",
    user_name: str = "alice",
    team_id: str = DEFAULT_TEAM_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    view_id: str = "V0000000001",
    private_metadata: str = "",
    is_cleared: bool = False,
    api_app_id: str = DEFAULT_APP_ID,
    token: str = DEFAULT_VERIFICATION_TOKEN,
) -> tuple[bytes, str]:
    """A ``view_closed`` interaction (sent when a modal has ``notify_on_close``)."""
    view = _submitted_view(
        callback_id=callback_id,
        state={"values": {}},
        view_id=view_id,
        team_id=team_id,
        private_metadata=private_metadata,
        blocks=None,
        title="Mentoring",
        api_app_id=api_app_id,
        external_id="",
        root_view_id=None,
        previous_view_id=None,
        view_hash=None,
    )
    view["notify_on_close"] = True
    payload: JsonDict = {
        "type": "view_closed",
        "team": _team(team_id, team_domain),
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": token,
        "view": view,
        "is_cleared": is_cleared,
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _payload_form(payload)


# --------------------------------------------------------------------------
# Events API
# --------------------------------------------------------------------------


def event_callback_body(
    event: JsonDict,
    event_id: str | None = None,
    team_id: str = DEFAULT_TEAM_ID,
    *,
    api_app_id: str = DEFAULT_APP_ID,
    event_time: int | None = None,
    authorized_user_id: str = DEFAULT_BOT_USER_ID,
    enterprise_id: str | None = None,
    is_ext_shared_channel: bool = False,
    token: str = DEFAULT_VERIFICATION_TOKEN,
) -> tuple[bytes, str]:
    """An Events API ``event_callback`` envelope around ``event`` (JSON).

    Retries of a delivery carry the same ``event_id`` (plus
    ``X-Slack-Retry-Num`` / ``X-Slack-Retry-Reason`` headers, not added here).
    """
    envelope: JsonDict = {
        "token": token,
        "team_id": team_id,
        "enterprise_id": enterprise_id,
        "context_team_id": team_id,
        "context_enterprise_id": enterprise_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or _event_id(),
        "event_time": event_time if event_time is not None else int(time.time()),
        "authorizations": [
            {
                "enterprise_id": enterprise_id,
                "team_id": team_id,
                "user_id": authorized_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": is_ext_shared_channel,
        "event_context": f"4-{secrets.token_urlsafe(24)}",
    }
    if enterprise_id is None:
        del envelope["enterprise_id"], envelope["context_enterprise_id"]
    return json.dumps(envelope).encode("utf-8"), JSON_CONTENT_TYPE


def url_verification_body(
    challenge: str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
) -> tuple[bytes, str]:
    """The Events API ``url_verification`` handshake (JSON)."""
    body = {"token": DEFAULT_VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
    return json.dumps(body).encode("utf-8"), JSON_CONTENT_TYPE


def message_event(
    text: str,
    *,
    user_id: str = "U0001",
    channel_id: str = "D0001",
    channel_type: str = "im",
    team_id: str = DEFAULT_TEAM_ID,
    ts: str | None = None,
    thread_ts: str | None = None,
) -> JsonDict:
    """A user's ``message`` event (default: a DM to the app), for :func:`event_callback_body`."""
    event_ts = ts or _ts()
    event: JsonDict = {
        "type": "message",
        "client_msg_id": secrets.token_hex(16),
        "text": text,
        "user": user_id,
        "ts": event_ts,
        "blocks": [
            {
                "type": "rich_text",
                "block_id": secrets.token_hex(2),
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
                ],
            }
        ],
        "team": team_id,
        "channel": channel_id,
        "event_ts": event_ts,
        "channel_type": channel_type,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def app_mention_event(
    text: str,
    *,
    user_id: str = "U0001",
    channel_id: str = "C0001",
    team_id: str = DEFAULT_TEAM_ID,
    bot_user_id: str = DEFAULT_BOT_USER_ID,
    ts: str | None = None,
) -> JsonDict:
    """An ``app_mention`` event; ``text`` is prefixed with ``<@bot_user_id>``."""
    event = message_event(
        f"<@{bot_user_id}> {text}",
        user_id=user_id,
        channel_id=channel_id,
        team_id=team_id,
        ts=ts,
    )
    event["type"] = "app_mention"
    del event["channel_type"]
    return event


def app_home_opened_event(
    user_id: str = "U0001",
    *,
    tab: str = "home",
    channel_id: str = "D0001",
    view: JsonDict | None = None,
) -> JsonDict:
    """An ``app_home_opened`` event (``view`` is the published Home view, if any)."""
    event: JsonDict = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": channel_id,
        "tab": tab,
        "event_ts": _ts(),
    }
    if view is not None:
        event["view"] = view
    return event
