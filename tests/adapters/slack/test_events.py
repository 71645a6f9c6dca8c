"""Events API over HTTP: the App Home, mentions, joins, redeliveries, the bot's own messages."""

from __future__ import annotations

import random

import pytest

from storage.tables import Person
from testkit.slack_signing import (
    event_callback_body,
    message_event,
    url_verification_body,
)
from tests.adapters.slack.helpers import SlackTestApp, random_event_id
from tests.adapters.slack.test_commands import rows


async def test_opening_the_app_home_publishes_my_status_and_quick_actions(
    slack: SlackTestApp,
) -> None:
    alice = slack.person("U0001", "Alice")
    turn = await alice.opens_home()
    [published] = turn.calls("views.publish")
    assert published.payload["user_id"] == "U0001"
    assert published.payload["view"]["type"] == "home"
    assert alice.sees("not enrolled in any programme yet")
    assert [b["text"]["text"] for b in published.buttons()] == [
        "Join a programme",
        "My status",
        "Help",
    ]
    turn = await alice.clicks("Join a programme")
    [opened] = turn.calls("views.open")
    assert opened.payload["view"]["callback_id"] == "enrol.start"


async def test_a_rate_limited_home_is_published_after_retry_after(
    slack: SlackTestApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(random, "random", lambda: 0.0)  # slack_sdk adds up to 1 s of jitter
    slack.fake.fail_next("views.publish", status=429, retry_after=0)
    alice = slack.person("U0001", "Alice")
    await alice.opens_home()
    limited, published = slack.fake.calls_to("views.publish")
    assert limited.status == 429
    assert published.ok  # slack_sdk's rate-limit retry handler tried again


async def test_a_mention_in_a_channel_answers_only_the_person_in_its_thread(
    slack: SlackTestApp,
) -> None:
    bob = slack.person("U0002", "Bob")
    turn = await bob.mentions("help")
    [answer] = turn.calls("chat.postEphemeral")
    assert (answer.channel, answer.payload["user"]) == ("C0001", "U0002")
    assert bob.sees("what I can do")


async def test_the_bot_added_to_a_channel_greets_who_invited_it(slack: SlackTestApp) -> None:
    slack.person("U0002", "Bob")
    event = {
        "type": "member_joined_channel",
        "user": slack.fake.bot_user_id,
        "channel": "C0001",
        "channel_type": "C",
        "team": "T0001",
        "inviter": "U0002",
        "event_ts": "1700000800.000100",
    }
    status, _ = await slack.post(*event_callback_body(event))
    await slack.idle()
    assert status == 200
    [greeting] = slack.fake.calls_to("chat.postEphemeral")
    assert greeting.args["user"] == "U0002"
    assert "Hello Bob" in greeting.args["text"]


async def test_a_redelivered_event_is_answered_once(slack: SlackTestApp) -> None:
    alice = slack.person("U0001", "Alice")
    event = message_event("help", user_id="U0001", channel_id=alice.dm_channel)
    body, content_type = event_callback_body(event, event_id=random_event_id())
    assert (await slack.post(body, content_type))[0] == 200
    retry_headers = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert (await slack.post(body, content_type, headers=retry_headers))[0] == 200
    await slack.idle()
    assert len(slack.fake.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize(
    "change",
    [{"bot_id": "B0OTHER", "subtype": "bot_message"}, {"user": "U0BOT"}],
    ids=["another bot", "the bot itself"],
)
async def test_messages_from_bots_are_ignored(slack: SlackTestApp, change: dict[str, str]) -> None:
    alice = slack.person("U0001", "Alice")
    event = {**message_event("help", user_id="U0001", channel_id=alice.dm_channel), **change}
    status, _ = await slack.post(*event_callback_body(event))
    await slack.idle()
    assert status == 200
    assert slack.fake.calls_to("chat.postMessage") == []
    assert await rows(slack, Person) == []


async def test_the_events_url_is_verified_with_its_challenge(slack: SlackTestApp) -> None:
    status, data = await slack.post(*url_verification_body("c-123"))
    assert status == 200
    assert data == {"challenge": "c-123"}
