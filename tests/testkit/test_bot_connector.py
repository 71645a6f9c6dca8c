"""The fake Bot Connector answers botframework-connector's real client the way Teams does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.core.teams import TeamsActivityHandler, teams_get_channel_id, teams_get_team_info
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ErrorResponseException,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials

from testkit import teams_activities as ta
from testkit.bot_connector import FakeBotConnector, ManualClock

TENANT = ta.DEFAULT_TENANT_ID
ADA_ID = ta.make_user_id("ada")
ADA_AAD = "0b7e1a52-7a53-4f0e-9c1d-5a8e2f3b4c6d"


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotConnector]:
    async with FakeBotConnector() as connector:
        connector.add_user(
            ADA_ID, "Ada Lovelace", ADA_AAD, TENANT, "en-GB", email="ada@example.com"
        )
        yield connector


@pytest.fixture
async def client(fake: FakeBotConnector) -> AsyncIterator[ConnectorClient]:
    # Emulator-style: no Microsoft App ID, so no token and no Authorization header.
    async with ConnectorClient(MicrosoftAppCredentials.empty(), base_url=fake.url) as connector:
        yield connector


def _message(text: str) -> Activity:
    return Activity(type="message", text=text)


async def _create_1to1(client: ConnectorClient, user_id: str = ADA_ID) -> str:
    created = await client.conversations.create_conversation(
        ConversationParameters(
            bot=ChannelAccount(id=ta.bot_account_id()),
            members=[ChannelAccount(id=user_id)],
            tenant_id=TENANT,
            is_group=False,
            channel_data={"tenant": {"id": TENANT}},
        )
    )
    return str(created.id)


@pytest.mark.asyncio
async def test_service_url_looks_like_teams(fake: FakeBotConnector) -> None:
    assert fake.url.startswith("http://127.0.0.1:")
    assert fake.url.endswith("/emea/")


@pytest.mark.asyncio
async def test_create_conversation_is_stable_per_user(
    fake: FakeBotConnector, client: ConnectorClient
) -> None:
    first = await _create_1to1(client)
    second = await _create_1to1(client)

    assert first == second == fake.personal_conversation_id(ADA_ID)
    assert first.startswith("a:")
    [call, _] = fake.calls_for("create_conversation")
    assert call.status == 201
    assert call.json["members"] == [{"id": ADA_ID}]
    assert call.json["tenantID"] == TENANT  # sic: botbuilder-python's casing
    assert call.authorization is None


@pytest.mark.asyncio
async def test_create_conversation_with_unknown_or_uninstalled_user_is_refused(
    fake: FakeBotConnector, client: ConnectorClient
) -> None:
    with pytest.raises(ErrorResponseException) as unknown:
        await _create_1to1(client, ta.make_user_id("nobody"))
    assert unknown.value.response.status_code == 404

    grace = ta.make_user_id("grace")
    fake.add_user(grace, "Grace Hopper", "aad-grace", TENANT, installed=False)
    with pytest.raises(ErrorResponseException) as uninstalled:
        await _create_1to1(client, grace)
    assert uninstalled.value.response.status_code == 403


@pytest.mark.asyncio
async def test_send_reply_update_delete(fake: FakeBotConnector, client: ConnectorClient) -> None:
    conversation_id = await _create_1to1(client)

    sent = await client.conversations.send_to_conversation(conversation_id, _message("hello"))
    reply = await client.conversations.reply_to_activity(
        conversation_id, sent.id, _message("a reply")
    )
    await client.conversations.update_activity(
        conversation_id, sent.id, Activity(id=sent.id, type="message", text="hello, edited")
    )

    assert sent.id
    assert reply.id != sent.id
    activities = fake.sent_activities(conversation_id)
    assert [a["text"] for a in activities] == ["hello", "a reply"]
    assert activities[1]["replyToId"] == sent.id
    assert [a["text"] for a in fake.transcript(conversation_id)] == ["hello, edited", "a reply"]
    assert [c.operation for c in fake.calls[1:]] == ["send", "reply", "update"]

    await client.conversations.delete_activity(conversation_id, reply.id)
    assert [a["id"] for a in fake.transcript(conversation_id)] == [sent.id]
    with pytest.raises(ErrorResponseException) as missing:
        await client.conversations.delete_activity(conversation_id, reply.id)
    assert missing.value.response.status_code == 404
    assert missing.value.error.error.code == "ActivityNotFoundInConversation"


@pytest.mark.asyncio
async def test_channel_thread_ids_survive_url_encoding(
    fake: FakeBotConnector, client: ConnectorClient
) -> None:
    thread = ta.channel_thread_id(ta.DEFAULT_CHANNEL_ID, "1700000000000")

    await client.conversations.reply_to_activity(thread, "1700000000000", _message("in thread"))

    [call] = fake.calls
    assert call.conversation_id == thread
    assert call.activity_id == "1700000000000"
    assert [a["text"] for a in fake.sent_activities(ta.DEFAULT_CHANNEL_ID)] == ["in thread"]


@pytest.mark.asyncio
async def test_members_are_teams_channel_accounts(
    fake: FakeBotConnector, client: ConnectorClient
) -> None:
    conversation_id = await _create_1to1(client)

    [member] = await client.conversations.get_conversation_members(conversation_id)
    one = await client.conversations.get_conversation_member(conversation_id, ADA_ID)

    assert member.id == ADA_ID
    assert member.aad_object_id == ADA_AAD
    assert one.name == "Ada Lovelace"
    assert one.additional_properties["email"] == "ada@example.com"
    assert one.additional_properties["tenantId"] == TENANT
    assert "userPrincipalName" in one.additional_properties


@pytest.mark.asyncio
async def test_429_carries_retry_after_and_is_not_retried_on_post(
    fake: FakeBotConnector, client: ConnectorClient
) -> None:
    conversation_id = await _create_1to1(client)
    fake.fail_next(429, retry_after=3, path_contains="/activities")

    with pytest.raises(ErrorResponseException) as throttled:
        await client.conversations.send_to_conversation(conversation_id, _message("hi"))

    assert throttled.value.response.status_code == 429
    assert throttled.value.response.headers["Retry-After"] == "3"
    assert throttled.value.error.error.code == "Throttled"
    assert len(fake.calls_for("send")) == 1  # POST is never retried by the transport
    await client.conversations.send_to_conversation(conversation_id, _message("hi again"))
    assert [a["text"] for a in fake.sent_activities()] == ["hi again"]


@pytest.mark.asyncio
async def test_transient_errors_on_put_are_retried_by_the_transport(
    fake: FakeBotConnector, client: ConnectorClient
) -> None:
    conversation_id = await _create_1to1(client)
    sent = await client.conversations.send_to_conversation(conversation_id, _message("v1"))
    fake.fail_next(502, method="PUT")

    await client.conversations.update_activity(
        conversation_id, sent.id, Activity(id=sent.id, type="message", text="v2")
    )

    assert [c.status for c in fake.calls_for("update")] == [502, 200]


@pytest.mark.asyncio
async def test_blocked_user_gets_403(fake: FakeBotConnector, client: ConnectorClient) -> None:
    conversation_id = await _create_1to1(client)
    fake.block_user(ADA_ID)

    with pytest.raises(ErrorResponseException) as blocked:
        await client.conversations.send_to_conversation(conversation_id, _message("hi"))

    assert blocked.value.response.status_code == 403
    assert blocked.value.error.error.code == "ConversationBlockedByUser"
    assert fake.sent_activities() == []


@pytest.mark.asyncio
async def test_fail_ratio_is_repeatable(fake: FakeBotConnector, client: ConnectorClient) -> None:
    conversation_id = await _create_1to1(client)
    fake.fail_ratio(0.5, status=412, seed=7, path_contains="/activities")

    statuses = []
    for i in range(10):
        try:
            await client.conversations.send_to_conversation(conversation_id, _message(str(i)))
            statuses.append(201)
        except ErrorResponseException as error:
            statuses.append(error.response.status_code)

    assert set(statuses) == {201, 412}
    assert statuses == [call.status for call in fake.calls_for("send")]
    assert len(fake.sent_activities()) == statuses.count(201)


@pytest.mark.asyncio
async def test_rate_limit_per_conversation_on_injected_clock() -> None:
    clock = ManualClock()
    async with FakeBotConnector(rate_limit=True, clock=clock) as fake:
        fake.add_user(ADA_ID, "Ada Lovelace", ADA_AAD, TENANT)
        async with ConnectorClient(MicrosoftAppCredentials.empty(), base_url=fake.url) as client:
            conversation_id = await _create_1to1(client)
            for i in range(7):
                await client.conversations.send_to_conversation(conversation_id, _message(str(i)))

            with pytest.raises(ErrorResponseException) as throttled:
                await client.conversations.send_to_conversation(conversation_id, _message("8th"))
            assert throttled.value.response.status_code == 429
            assert throttled.value.response.headers["Retry-After"] == "1"

            clock.advance(1.5)  # the 1 s window is clear, but 8 per 2 s still allows one more
            await client.conversations.send_to_conversation(conversation_id, _message("8th"))
            with pytest.raises(ErrorResponseException):
                await client.conversations.send_to_conversation(conversation_id, _message("9th"))
            clock.advance(1)
            await client.conversations.send_to_conversation(conversation_id, _message("9th"))

    assert len(fake.sent_activities()) == 9


@pytest.mark.asyncio
async def test_unknown_route_and_missing_region_prefix_are_404(
    fake: FakeBotConnector,
) -> None:
    base_without_region = fake.url.removesuffix("emea/")
    async with ConnectorClient(
        MicrosoftAppCredentials.empty(), base_url=base_without_region
    ) as client:
        with pytest.raises(ErrorResponseException) as not_found:
            await client.conversations.send_to_conversation("a:1x", _message("lost"))
    assert not_found.value.response.status_code == 404


class _EchoBot(ActivityHandler):  # type: ignore[misc]
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        text = turn_context.activity.text or ""
        await turn_context.send_activity(f"echo: {text}")


@pytest.mark.asyncio
async def test_cloud_adapter_replies_through_the_fake(fake: FakeBotConnector) -> None:
    config = SimpleNamespace(APP_ID="", APP_PASSWORD="")
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))
    incoming = ta.personal_message(
        "help", ADA_ID, ADA_AAD, TENANT, fake.url, locale="fr-FR", timezone="Europe/Paris"
    )

    await adapter.process_activity("", Activity().deserialize(incoming), _EchoBot().on_turn)

    [reply] = fake.sent_activities()
    [call] = fake.calls
    assert call.operation == "reply"
    assert call.conversation_id == fake.personal_conversation_id(ADA_ID)
    assert call.activity_id == incoming["id"]
    assert call.authorization is None
    assert reply["text"] == "echo: help"
    assert reply["replyToId"] == incoming["id"]
    assert reply["from"]["id"] == ta.bot_account_id()
    assert reply["recipient"]["id"] == ADA_ID


class _RecordingTeamsBot(TeamsActivityHandler):  # type: ignore[misc]
    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.value is not None:
            self.events.append(("submit", (activity.value, activity.reply_to_id)))
            return
        text = TurnContext.remove_recipient_mention(activity).strip()
        channel = teams_get_channel_id(activity)
        self.events.append(("message", (text, activity.locale, channel)))

    async def on_teams_members_added(
        self, teams_members_added: list[object], team_info: object, turn_context: TurnContext
    ) -> None:
        ids = [member.id for member in teams_members_added]  # type: ignore[attr-defined]
        team = teams_get_team_info(turn_context.activity)
        self.events.append(("members_added", (ids, team.id if team else None)))

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        self.events.append(("installed", turn_context.activity.conversation.conversation_type))


@pytest.mark.asyncio
async def test_builders_are_understood_by_teams_activity_handler(fake: FakeBotConnector) -> None:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(SimpleNamespace(APP_ID="")))
    bot = _RecordingTeamsBot()
    url = fake.url
    activities = [
        ta.personal_message(
            "status", ADA_ID, ADA_AAD, TENANT, url, locale="fr-FR", timezone="Europe/Paris"
        ),
        ta.channel_mention("join", user_id=ADA_ID, aad_object_id=ADA_AAD, service_url=url),
        ta.card_submit(
            {"action": "pause", "weeks": "2"}, "1700000000001", ADA_ID, ADA_AAD, TENANT, url
        ),
        ta.conversation_update_members_added(["bot", "user"], ADA_ID, ADA_AAD, TENANT, url),
        ta.conversation_update_members_added(["user"], ADA_ID, ADA_AAD, TENANT, url, "team"),
        ta.installation_update("add", ADA_ID, ADA_AAD, TENANT, url),
    ]

    for activity in activities:
        await adapter.process_activity("", Activity().deserialize(activity), bot.on_turn)

    bot_id = ta.bot_account_id()
    assert bot.events == [
        ("message", ("status", "fr-FR", None)),
        ("message", ("join", "en-US", ta.DEFAULT_CHANNEL_ID)),
        ("submit", ({"action": "pause", "weeks": "2"}, "1700000000001")),
        ("members_added", ([bot_id, ADA_ID], None)),
        ("members_added", ([ADA_ID], ta.DEFAULT_TEAM_ID)),
        ("installed", "personal"),
    ]
    # members_added looked the 1:1 user up in the roster (a known user) and the team member
    # up in a conversation the fake does not know (ConversationNotFound, tolerated by botbuilder).
    assert [(c.operation, c.status) for c in fake.calls] == [
        ("get_member", 200),
        ("get_member", 404),
    ]
    first = activities[0]
    assert first["entities"] == [
        {
            "locale": "fr-FR",
            "country": "FR",
            "platform": "Web",
            "timezone": "Europe/Paris",
            "type": "clientInfo",
        }
    ]
    assert first["localTimestamp"].endswith(("+01:00", "+02:00"))
