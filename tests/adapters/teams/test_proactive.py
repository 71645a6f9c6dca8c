"""Messages the bot sends on its own initiative (the outbox worker's Teams ``Sender``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.teams.connector import BotConnector
from adapters.teams.ratelimit import ConversationRateLimiter
from adapters.teams.sender import TeamsSender
from bot.core.model import (
    Actions,
    Button,
    ConversationRef,
    Heading,
    Message,
    Platform,
    Text,
    UserRef,
)
from bot.core.serialize import to_data
from bot.outbox.delivery import (
    GroupUnsupported,
    PermanentError,
    RateLimited,
    TransientError,
    Unreachable,
)
from bot.outbox.worker import drain
from storage import outbox
from storage.conversation_refs import find_reference, save_reference
from storage.db import Database
from storage.people import find_person, upsert_person
from storage.types import utcnow
from testkit import teams_activities as ta
from testkit.adaptive_cards import assert_valid_activity
from testkit.bot_connector import FakeBotConnector, ManualClock
from testkit.teams_world import TeamsUser, TeamsWorld, activity_text, teams_settings

TENANT = ta.DEFAULT_TENANT_ID
CHECK_IN = Message(
    (
        Heading("Did you meet?"),
        Text("It's been two weeks since your introduction to *Grace*."),
        Actions(
            (Button("We met", "checkin.met", "1:1", "primary"), Button("Not yet", "checkin.no"))
        ),
    ),
    text="Did you meet?",
)


def _sender(teams: TeamsWorld) -> TeamsSender:
    sender = teams.runtime.senders[Platform.TEAMS]
    assert isinstance(sender, TeamsSender)
    return sender


def _ref(user: TeamsUser) -> UserRef:
    return UserRef(Platform.TEAMS, user.tenant, user.user_id)


async def _reachable(teams: TeamsWorld, user: TeamsUser) -> bool:
    async with teams.runtime.db.session() as session:
        person = await find_person(session, "teams", user.tenant, user.user_id)
    assert person is not None
    return person.reachable


async def test_a_check_in_goes_to_the_stored_chat(teams: TeamsWorld) -> None:
    ada = teams.user("Ada Lovelace")
    await ada.types("help")
    teams.fake.clear()

    message_id = await _sender(teams).send_direct(_ref(ada), CHECK_IN)

    [sent] = teams.fake.sent_activities(ada.chat_id)
    assert sent["id"] == message_id
    assert_valid_activity(sent)
    assert "**Grace**" in activity_text(sent) and sent["summary"] == "Did you meet?"
    assert teams.fake.calls_for("create_conversation") == []


async def test_the_chat_is_created_when_only_a_channel_message_was_seen(teams: TeamsWorld) -> None:
    ada = teams.user("Ada Lovelace")
    grace = teams.user("Grace Hopper")
    await grace.mentions("help")  # a channel message: no 1:1 reference yet
    async with teams.runtime.db.session() as session:
        person = await find_person(session, "teams", TENANT, grace.user_id)
        assert person is not None and person.id is not None
        await save_reference(session, person.id, "", {"serviceUrl": teams.fake.url})
    teams.fake.clear()

    await _sender(teams).send_direct(_ref(grace), CHECK_IN)
    await _sender(teams).send_direct(_ref(grace), CHECK_IN)

    [created] = teams.fake.calls_for("create_conversation")
    assert created.json["members"] == [{"id": grace.user_id}]
    assert created.json["tenantId"] == TENANT
    assert len(teams.fake.sent_activities(grace.chat_id)) == 2
    assert teams.fake.sent_activities(ada.chat_id) == []


async def test_someone_never_seen_is_reached_through_the_tenants_service_url(
    teams: TeamsWorld,
) -> None:
    ada = teams.user("Ada Lovelace")
    await ada.types("help")  # tells the bot the tenant's service URL
    newcomer = teams.user("Nina Newcomer")
    teams.fake.clear()

    await _sender(teams).send_direct(_ref(newcomer), CHECK_IN)

    [created] = teams.fake.calls_for("create_conversation")
    assert created.json["bot"] == {"id": ta.bot_account_id()}
    assert len(teams.fake.sent_activities(newcomer.chat_id)) == 1


async def test_a_blocked_bot_marks_the_person_unreachable_and_stops_trying(
    teams: TeamsWorld,
) -> None:
    ada = teams.user("Ada Lovelace")
    await ada.types("help")
    teams.fake.block_user(ada.user_id)

    with pytest.raises(Unreachable):
        await _sender(teams).send_direct(_ref(ada), CHECK_IN)
    calls = len(teams.fake.calls)
    with pytest.raises(Unreachable):
        await _sender(teams).send_direct(_ref(ada), CHECK_IN)

    assert not await _reachable(teams, ada)
    assert len(teams.fake.calls) == calls  # no more calls to Teams

    teams.fake.unblock_user(ada.user_id)
    await ada.types("help")  # she talks to the bot again: reachable again
    assert await _reachable(teams, ada)
    await _sender(teams).send_direct(_ref(ada), CHECK_IN)


async def test_an_uninstalled_app_makes_the_person_unreachable(teams: TeamsWorld) -> None:
    bob = teams.user("Bob Uninstalled", installed=False)
    async with teams.runtime.db.session() as session:
        await upsert_person(session, platform="teams", workspace=TENANT, user_id=bob.user_id)
        person = await find_person(session, "teams", TENANT, bob.user_id)
        assert person is not None and person.id is not None
        await save_reference(session, person.id, "", {"serviceUrl": teams.fake.url})

    with pytest.raises(Unreachable):
        await _sender(teams).send_direct(_ref(bob), CHECK_IN)

    assert not await _reachable(teams, bob)


@pytest.mark.parametrize(
    ("status", "retry_after", "error", "wait"),
    [
        (429, 7, RateLimited, 7.0),
        (429, None, RateLimited, 1.0),
        (503, 3, RateLimited, 3.0),
        (412, None, TransientError, None),
        (502, None, TransientError, None),
        (504, None, TransientError, None),
        (500, None, TransientError, None),
        (400, None, PermanentError, None),
    ],
)
async def test_connector_failures_become_typed_errors(
    teams: TeamsWorld,
    status: int,
    retry_after: int | None,
    error: type[Exception],
    wait: float | None,
) -> None:
    ada = teams.user("Ada Lovelace")
    await ada.types("help")
    teams.fake.fail_next(status, retry_after=retry_after, path_contains="/activities")

    with pytest.raises(error) as raised:
        await _sender(teams).send_direct(_ref(ada), CHECK_IN)

    if wait is not None:
        assert isinstance(raised.value, RateLimited) and raised.value.retry_after == wait
    assert await _reachable(teams, ada)


async def test_a_gateway_error_page_is_a_transient_error(teams: TeamsWorld) -> None:
    ada = teams.user("Ada Lovelace")
    await ada.types("help")
    teams.fake.fail_next(502, retry_after=None, body="<html>Bad gateway</html>")

    with pytest.raises(TransientError):
        await _sender(teams).send_direct(_ref(ada), CHECK_IN)


async def test_a_vanished_conversation_is_opened_again(teams: TeamsWorld) -> None:
    ada = teams.user("Ada Lovelace")
    await ada.types("help")
    teams.fake.fail_next(404, retry_after=None, path_contains="/activities", method="POST")

    await _sender(teams).send_direct(_ref(ada), CHECK_IN)

    assert len(teams.fake.calls_for("create_conversation")) == 1
    assert len(teams.fake.sent_activities(ada.chat_id)) == 2  # "help", then the check-in
    async with teams.runtime.db.session() as session:
        person = await find_person(session, "teams", TENANT, ada.user_id)
        assert person is not None and person.id is not None
        ref = await find_reference(session, person.id)
    assert ref is not None and ref.channel_id == ada.chat_id


async def test_a_group_message_is_refused_so_the_worker_sends_one_each(teams: TeamsWorld) -> None:
    ada, grace = teams.user("Ada Lovelace"), teams.user("Grace Hopper")

    with pytest.raises(GroupUnsupported):
        await _sender(teams).send_group([_ref(ada), _ref(grace)], CHECK_IN)

    assert teams.fake.calls == []


async def test_posting_in_a_channel(teams: TeamsWorld) -> None:
    channel = ConversationRef(
        Platform.TEAMS, TENANT, ta.DEFAULT_CHANNEL_ID, "channel", service_url=teams.fake.url
    )

    message_id = await _sender(teams).post(channel, Message((Text("Round 3 is open!"),)))

    [sent] = teams.fake.sent_activities(ta.DEFAULT_CHANNEL_ID)
    assert sent["id"] == message_id and sent["text"] == "Round 3 is open!"


@pytest.fixture
async def limited(
    db: Database, tmp_path: Path
) -> AsyncIterator[tuple[TeamsSender, FakeBotConnector, ManualClock]]:
    """A sender and a rate-limiting fake Teams sharing one manual clock."""
    clock = ManualClock()
    async with FakeBotConnector(rate_limit=True, clock=clock) as fake:
        fake.add_user(ta.make_user_id("Ada"), "Ada", "aad-ada", TENANT)
        async with db.session() as session:
            person = await upsert_person(
                session, platform="teams", workspace=TENANT, user_id=ta.make_user_id("Ada")
            )
            assert person.id is not None
            chat = fake.personal_conversation_id(ta.make_user_id("Ada"))
            await save_reference(
                session, person.id, chat, {"serviceUrl": fake.url, "bot": {"id": "28:x"}}
            )

        async def no_token() -> str | None:
            return None

        connector = BotConnector(no_token, limiter=ConversationRateLimiter(clock=clock))
        try:
            yield TeamsSender(db, connector, teams_settings(tmp_path)), fake, clock
        finally:
            await connector.close()


async def test_per_conversation_limits_are_kept_on_our_side(
    limited: tuple[TeamsSender, FakeBotConnector, ManualClock],
) -> None:
    sender, fake, clock = limited
    ada = UserRef(Platform.TEAMS, TENANT, ta.make_user_id("Ada"))
    note = Message((Text("hello"),))

    for _ in range(7):
        await sender.send_direct(ada, note)
    with pytest.raises(RateLimited) as seventh:
        await sender.send_direct(ada, note)
    clock.advance(1.0)
    await sender.send_direct(ada, note)  # 8 in 2 seconds is allowed
    with pytest.raises(RateLimited):
        await sender.send_direct(ada, note)

    assert 0 < seventh.value.retry_after <= 1.0
    assert len(fake.calls_for("send", status=201)) == 8
    assert fake.calls_for("send", status=429) == []  # Teams never had to say no


async def test_a_reply_is_retried_inside_the_turn_without_really_sleeping(
    teams: TeamsWorld,
) -> None:
    ada = teams.user("Ada Lovelace")
    teams.fake.fail_next(429, retry_after=1, path_contains="/activities")
    teams.fake.fail_next(502, retry_after=None, path_contains="/activities")

    said = await ada.types("help")

    assert len(said.activities) == 1
    assert [c.status for c in teams.fake.calls_for("send")] == [429, 502, 201]
    assert len(teams.sleeps) == 2 and teams.sleeps[0] >= 1.0


async def test_a_long_retry_after_gives_up_and_the_turn_still_succeeds(teams: TeamsWorld) -> None:
    ada = teams.user("Ada Lovelace")
    teams.fake.fail_next(429, retry_after=60, path_contains="/activities")

    said = await ada.types("help")

    assert said.status == 200 and said.activities == []
    assert teams.sleeps == []


async def test_the_outbox_worker_sends_through_teams(teams: TeamsWorld) -> None:
    ada, grace = teams.user("Ada Lovelace"), teams.user("Grace Hopper")
    await ada.types("help")
    await grace.types("help")
    teams.fake.clear()
    pair = [_ref(ada), _ref(grace)]
    async with teams.runtime.db.session() as session:
        await outbox.enqueue(
            session,
            key="intro:1",
            platform="teams",
            target=to_data(pair),
            payload=to_data(Message((Text("Meet your match!"),))),
        )

    sent = await drain(teams.runtime.engine, teams.runtime.senders, utcnow())

    # A Teams bot cannot open a group chat: each of them got the introduction 1:1.
    assert sent >= 1
    for user in (ada, grace):
        [intro] = teams.fake.sent_activities(user.chat_id)
        assert intro["text"] == "Meet your match!"


async def test_an_introduction_mentions_the_other_person_by_name(teams: TeamsWorld) -> None:
    ada, grace = teams.user("Ada Lovelace"), teams.user("Grace Hopper")
    await ada.types("help")
    await grace.types("help")
    teams.fake.clear()
    intro = Message((Text(f"Meet <@{grace.user_id}>, your mentor for this programme."),))

    await _sender(teams).send_direct(_ref(ada), intro)

    [sent] = teams.fake.sent_activities(ada.chat_id)
    assert sent["text"] == "Meet <at>Grace Hopper</at>, your mentor for this programme."
    assert sent["entities"][0]["mentioned"] == {"id": grace.user_id, "name": "Grace Hopper"}
    assert_valid_activity(sent)
