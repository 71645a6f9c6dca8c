"""``SlackSender``: proactive messages through the fake Web API, with typed errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from adapters.slack.sender import SlackSender, split_message_id
from bot.core.model import ConversationRef, Message, Platform, Text, UserRef
from bot.outbox.delivery import (
    GroupUnsupported,
    PermanentError,
    RateLimited,
    TransientError,
    Unreachable,
)
from storage.db import Database
from storage.people import upsert_person
from storage.tables import ChannelRef
from testkit.slack_api import FakeSlackApi
from tests.adapters.slack.helpers import assert_all_valid

HELLO = Message((Text("Hello! Did you meet this week?"),), text="Did you meet?")


def alice() -> UserRef:
    return UserRef(Platform.SLACK, "T0001", "U0001")


def bob() -> UserRef:
    return UserRef(Platform.SLACK, "T0001", "U0002")


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackApi]:
    """A workspace with Alice and Bob."""
    async with FakeSlackApi() as api:
        api.add_user("U0001", "alice", "Alice")
        api.add_user("U0002", "bob", "Bob")
        yield api
    assert_all_valid(api)


@pytest.fixture
def client(fake: FakeSlackApi) -> AsyncWebClient:
    """A client without retry handlers, so each fault reaches the sender."""
    return fake.web_client(retry_handlers=[])


@pytest.fixture
async def sender(client: AsyncWebClient, db: Database) -> SlackSender:
    """The sender, with Alice and Bob known to the database."""
    async with db.session() as session:
        for user in (alice(), bob()):
            await upsert_person(
                session, platform="slack", workspace=user.workspace, user_id=user.user_id
            )
    return SlackSender(client, db, "T0001")


async def test_a_first_dm_goes_by_user_id_then_its_channel_comes_from_the_database(
    sender: SlackSender, fake: FakeSlackApi, db: Database
) -> None:
    first = await sender.send_direct(alice(), HELLO)
    second = await sender.send_direct(alice(), HELLO)
    channel, ts = split_message_id(first)
    assert channel == fake.dm_channel_id("U0001") and ts
    assert split_message_id(second)[0] == channel
    # chat.postMessage takes a user id as its channel: no Tier 3 conversations.open at all.
    assert fake.calls_to("conversations.open") == []
    assert [c.args["channel"] for c in fake.calls_to("chat.postMessage")] == ["U0001", channel]
    assert len(fake.messages_by_channel()[channel]) == 2
    async with db.session() as session:
        [ref] = (await session.exec(select(ChannelRef))).all()
    assert ref.channel_id == channel


async def test_a_stale_remembered_dm_channel_is_forgotten_and_the_user_id_used_again(
    sender: SlackSender, fake: FakeSlackApi
) -> None:
    await sender.send_direct(alice(), HELLO)
    fake.fail_with_error("chat.postMessage", "channel_not_found")
    await sender.send_direct(alice(), HELLO)
    posts = fake.calls_to("chat.postMessage")
    assert [c.ok for c in posts] == [True, False, True]
    assert [c.args["channel"] for c in posts][::2] == ["U0001", "U0001"]
    assert fake.calls_to("conversations.open") == []


async def test_429_is_rate_limited_with_slacks_retry_after(
    sender: SlackSender, fake: FakeSlackApi
) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(RateLimited) as caught:
        await sender.send_direct(alice(), HELLO)
    assert caught.value.retry_after == 7


@pytest.mark.parametrize("status", [500, 503])
async def test_server_errors_are_transient(
    sender: SlackSender, fake: FakeSlackApi, status: int
) -> None:
    fake.fail_next("chat.postMessage", status=status)
    with pytest.raises(TransientError):
        await sender.send_direct(alice(), HELLO)


async def test_a_network_failure_is_transient(db: Database) -> None:
    async with FakeSlackApi() as gone:
        url = gone.base_url
    client = AsyncWebClient(token="xoxb-test-token", base_url=url, retry_handlers=[])
    with pytest.raises(TransientError):
        await SlackSender(client, db).post(ConversationRef(Platform.SLACK, "T0001", "C0001"), HELLO)


@pytest.mark.parametrize(
    ("method", "error", "expected"),
    [
        ("chat.postMessage", "channel_not_found", Unreachable),  # no DM can exist
        ("chat.postMessage", "user_disabled", Unreachable),
        ("chat.postMessage", "account_inactive", Unreachable),
        ("chat.postMessage", "token_revoked", Unreachable),
        ("chat.postMessage", "invalid_blocks", PermanentError),
        ("chat.postMessage", "internal_error", TransientError),
    ],
)
async def test_slack_errors_become_typed_errors(
    sender: SlackSender,
    fake: FakeSlackApi,
    method: str,
    error: str,
    expected: type[Exception],
) -> None:
    fake.fail_with_error(method, error)
    with pytest.raises(expected):
        await sender.send_direct(alice(), HELLO)


async def test_posting_in_a_missing_or_archived_channel_is_permanent(
    sender: SlackSender, fake: FakeSlackApi
) -> None:
    with pytest.raises(PermanentError, match="channel_not_found"):
        await sender.post(ConversationRef(Platform.SLACK, "T0001", "C404"), HELLO)
    fake.add_channel("C0009", "old", is_archived=True)
    with pytest.raises(PermanentError, match="is_archived"):
        await sender.post(ConversationRef(Platform.SLACK, "T0001", "C0009"), HELLO)


async def test_someone_in_another_workspace_is_unreachable(sender: SlackSender) -> None:
    with pytest.raises(Unreachable):
        await sender.send_direct(UserRef(Platform.SLACK, "T0999", "U0001"), HELLO)


async def test_a_pair_gets_one_group_dm(sender: SlackSender, fake: FakeSlackApi) -> None:
    sent = await sender.send_group([alice(), bob()], HELLO)
    channel, _ts = split_message_id(sent)
    [opened] = fake.calls_to("conversations.open")
    assert set(str(opened.args["users"]).split(",")) == {"U0001", "U0002"}
    assert channel == fake.dm_channel_id("U0001", "U0002") and channel.startswith("G")


async def test_a_group_that_cannot_be_opened_is_group_unsupported(
    sender: SlackSender, fake: FakeSlackApi
) -> None:
    fake.fail_with_error("conversations.open", "user_not_found")
    with pytest.raises(GroupUnsupported):
        await sender.send_group([alice(), bob()], HELLO)
    with pytest.raises(GroupUnsupported):
        await sender.send_group([alice(), UserRef(Platform.SLACK, "T0999", "U0009")], HELLO)
    fake.fail_next("conversations.open", status=429, retry_after=3)
    with pytest.raises(RateLimited):  # a rate limit is worth waiting for, not a reason to split
        await sender.send_group([alice(), bob()], HELLO)
