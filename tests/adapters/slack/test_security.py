"""Bad input over HTTP: forged or stale signatures, malformed payloads, strangers."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest

from storage.db import Database
from storage.tables import InboundEvent, Person
from testkit.slack_api import FakeSlackApi
from testkit.slack_signing import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    block_actions_body,
    event_callback_body,
    message_event,
    signed_request_headers,
    slash_command_body,
    view_submission_body,
)
from tests.adapters.slack.helpers import SlackTestApp, running_slack_app
from tests.adapters.slack.test_commands import rows


async def nothing_happened(slack: SlackTestApp) -> bool:
    """No person stored, no event recorded, no Web API call but the bot's auth.test."""
    await slack.idle()
    calls = [c.method for c in slack.fake.calls if c.method != "auth.test"]
    return calls == [] and await rows(slack, Person) == [] and await rows(slack, InboundEvent) == []


async def test_a_forged_signature_is_refused_with_401_and_no_side_effect(
    slack: SlackTestApp,
) -> None:
    slack.person("U0001", "Alice")
    body, content_type = slash_command_body(text="join", user_id="U0001")
    status, _ = await slack.post(body, content_type, secret="not-the-secret")
    assert status == 401
    assert await nothing_happened(slack)


async def test_a_forged_request_leaves_neither_its_text_nor_its_token_in_the_logs(
    slack: SlackTestApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body, content_type = slash_command_body(text="feedback my-private-words", user_id="U0001")
    status, _ = await slack.post(body, content_type, secret="not-the-secret")
    assert status == 401
    assert "my-private-words" not in caplog.text
    assert "verification-token" not in caplog.text


async def test_a_request_signed_more_than_five_minutes_ago_is_refused(slack: SlackTestApp) -> None:
    body, content_type = slash_command_body(text="help", user_id="U0001")
    status, _ = await slack.post(body, content_type, timestamp=int(time.time()) - 6 * 60)
    assert status == 401
    assert await nothing_happened(slack)


async def test_an_unsigned_malformed_request_is_refused_as_unsigned(slack: SlackTestApp) -> None:
    response = await slack.http.post(
        "/slack/events", data=b"payload=%7Bnot-json", headers={"Content-Type": FORM_CONTENT_TYPE}
    )
    assert response.status == 401
    assert await nothing_happened(slack)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (
            urlencode({"payload": '{"type": "block_actions", "secret-text'}).encode(),
            FORM_CONTENT_TYPE,
        ),
        (b'["a", "list"]', JSON_CONTENT_TYPE),
        (json.dumps({"no": "type"}).encode(), JSON_CONTENT_TYPE),
        (
            json.dumps({"type": "block_actions", "team": {"id": "T0001"}}).encode(),
            JSON_CONTENT_TYPE,
        ),
        (json.dumps({"type": "event_callback", "event": {}}).encode(), JSON_CONTENT_TYPE),
    ],
    ids=["payload not json", "a list", "no type", "no user", "no event type"],
)
async def test_a_signed_malformed_payload_gets_400_and_a_log_line_without_its_text(
    slack: SlackTestApp, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    with caplog.at_level(logging.WARNING):
        status, _ = await slack.post(body, content_type)
    assert status == 400
    assert any(
        "malformed" in r.getMessage() or "unhandled" in r.getMessage() for r in caplog.records
    )
    assert not any("secret-text" in r.getMessage() for r in caplog.records)
    assert await nothing_happened(slack)


async def test_an_unknown_button_is_acked_ignored_and_logged(
    slack: SlackTestApp, caplog: pytest.LogCaptureFixture
) -> None:
    slack.person("U0001", "Alice")
    body, content_type = block_actions_body(
        "made.up.action", value="x", user_id="U0001", response_url=slack.fake.new_response_url()
    )
    with caplog.at_level(logging.INFO):
        status, _ = await slack.post(body, content_type)
        await slack.idle()
    assert status == 200
    assert any("unknown action id" in r.getMessage() for r in caplog.records)
    assert slack.fake.calls_to("response_url") == []


@pytest.fixture
async def one_workspace_only(db: Database, fake_slack: FakeSlackApi) -> AsyncIterator[SlackTestApp]:
    """The bot configured for workspace T0001 only (SLACK_TEAM_ID)."""
    async with running_slack_app(db, fake_slack, slack_team_id="T0001") as app:
        yield app


async def test_someone_from_another_workspace_is_refused_politely_and_nothing_is_stored(
    one_workspace_only: SlackTestApp,
) -> None:
    slack = one_workspace_only
    stranger = slack.person("U0999", "Sam", team_id="T0999")
    turn = await stranger.types("join")
    assert turn.status == 200
    assert stranger.sees("belongs to another Slack workspace")
    body, content_type = block_actions_body(
        "quick.join",
        user_id="U0999",
        team_id="T0999",
        response_url=slack.fake.new_response_url("actions"),
    )
    assert (await slack.post(body, content_type))[0] == 200
    body, content_type = view_submission_body("enrol.start", {}, user_id="U0999", team_id="T0999")
    status, ack = await slack.post(body, content_type)
    assert status == 200 and ack is not None and ack["response_action"] == "update"
    event = message_event("join", user_id="U0999", team_id="T0999", channel_id="D0999")
    assert (await slack.post(*event_callback_body(event, team_id="T0999")))[0] == 200
    await slack.idle()
    assert await rows(slack, Person) == []
    assert await rows(slack, InboundEvent) == []
    [refusal] = slack.fake.calls_to("response_url")
    assert "another Slack workspace" in refusal.args["text"]


async def test_without_a_signing_secret_http_requests_are_refused(
    db: Database, fake_slack: FakeSlackApi
) -> None:
    async with running_slack_app(
        db, fake_slack, slack_signing_secret=None, slack_app_token="xapp-1-test"
    ) as slack:
        # Socket Mode only: an empty secret must not turn into an HMAC key anyone can use.
        body, content_type = slash_command_body(text="help", user_id="U0001")
        status, _ = await slack.post(body, content_type, secret="")
        assert status == 401
        assert await nothing_happened(slack)


@pytest.mark.parametrize(
    "timestamp",
    ["yesterday", "", "1e9", "0x10", "9" * 5000, "12 34"],
    ids=["word", "empty", "float", "hex", "huge", "space"],
)
@pytest.mark.parametrize("kind", ["command", "event"])
async def test_a_timestamp_that_is_not_a_number_gets_401_not_500(
    slack: SlackTestApp, timestamp: str, kind: str
) -> None:
    slack.person("U0001", "Alice")
    if kind == "command":
        body, content_type = slash_command_body(text="join", user_id="U0001")
    else:
        body, content_type = event_callback_body(message_event("hello", user_id="U0001"))
    # A correctly computed signature over the odd timestamp: only the number is wrong.
    headers = signed_request_headers(slack.secret, body, content_type)
    basestring = b"v0:" + timestamp.encode() + b":" + body
    digest = hmac.new(slack.secret.encode(), basestring, hashlib.sha256).hexdigest()
    headers.update({"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"})
    response = await slack.http.post("/slack/events", data=body, headers=headers)
    assert response.status == 401
    assert await nothing_happened(slack)
