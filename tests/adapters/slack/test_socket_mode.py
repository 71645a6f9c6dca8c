"""Socket Mode: the same listeners, reached over a WebSocket opened with the app token."""

from __future__ import annotations

import asyncio
import contextlib
import json
from urllib.parse import parse_qsl

from storage.db import Database
from testkit.slack_api import FakeSlackApi
from testkit.slack_signing import event_callback_body, message_event, slash_command_body
from tests.adapters.slack.helpers import running_slack_app

APP_TOKEN = "xapp-1-A0APP-1-test"


async def test_commands_and_events_arrive_over_socket_mode_and_are_acked(
    db: Database, fake_slack: FakeSlackApi
) -> None:
    fake_slack.add_token(APP_TOKEN)
    async with running_slack_app(db, fake_slack, slack_app_token=APP_TOKEN) as slack:
        assert slack.runtime.background, "Socket Mode runs as a background job"
        alice = slack.person("U0001", "Alice")
        job = asyncio.create_task(slack.adapter.run_socket_mode())
        try:
            body, _ = slash_command_body(text="help", user_id="U0001")
            command = dict(parse_qsl(body.decode(), keep_blank_values=True))
            ack = await fake_slack.socket_request("slash_commands", command)
            assert ack["payload"]["response_type"] == "ephemeral"
            assert "what I can do" in ack["payload"]["text"]

            event = message_event("help", user_id="U0001", channel_id=alice.dm_channel)
            envelope = json.loads(event_callback_body(event)[0])
            ack = await fake_slack.socket_request("events_api", envelope)
            assert "payload" not in ack  # events are acked empty, answered after
            await slack.idle()
            [posted] = fake_slack.calls_to("chat.postMessage")
            assert posted.args["channel"] == alice.dm_channel
            [opened] = fake_slack.calls_to("apps.connections.open")
            assert opened.headers["Authorization"] == f"Bearer {APP_TOKEN}"
        finally:
            job.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await job
