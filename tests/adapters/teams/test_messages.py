"""Typing to the bot in Teams: 1:1 commands, channel and group-chat @mentions, redeliveries."""

from __future__ import annotations

from sqlmodel import select

from storage.conversation_refs import find_reference, principal_name
from storage.people import find_person
from storage.tables import Person
from testkit import teams_activities as ta
from testkit.adaptive_cards import adaptive_cards
from testkit.teams_world import TeamsWorld, activity_text

TENANT = ta.DEFAULT_TENANT_ID


async def test_ada_types_help_in_her_chat_and_gets_the_commands(teams: TeamsWorld) -> None:
    ada = teams.user("Ada Lovelace")

    said = await ada.types("help")

    assert len(said.activities) == 1
    assert "join" in said and "status" in said
    assert "/mentoring join" not in said.text  # Teams has no slash command
    assert teams.fake.sent_activities(ada.chat_id) == said.activities
    [card] = adaptive_cards(said.activities[0])
    assert said.activities[0]["summary"]  # what the notification shows
    assert "join" in card["fallbackText"]


async def test_a_leading_mentoring_is_optional(teams: TeamsWorld) -> None:
    ada = teams.user("Ada Lovelace")

    with_word = await ada.types("mentoring status")
    without = await ada.types("status")

    assert with_word.text == without.text
    assert "not enrolled" in without


async def test_free_text_gets_a_hint_and_a_typo_a_suggestion(teams: TeamsWorld) -> None:
    ada = teams.user("Ada Lovelace")

    assert "help" in await ada.types("good morning to you")
    assert "join" in await ada.types("jion")


async def test_the_answer_is_in_the_persons_language(teams: TeamsWorld) -> None:
    amelie = teams.user("Amélie Poulain", locale="fr-FR", timezone="Europe/Paris")

    said = await amelie.types("aide")

    assert "rejoindre" in said.text.lower() or "programme" in said.text.lower()
    async with teams.runtime.db.session() as session:
        person = await find_person(session, "teams", TENANT, amelie.user_id)
    assert person is not None
    assert (person.locale, person.timezone) == ("fr", "Europe/Paris")


async def test_a_redelivered_message_is_answered_once(teams: TeamsWorld) -> None:
    ada = teams.user("Ada Lovelace")
    activity = ta.personal_message(
        "help", ada.user_id, service_url=teams.fake.url, activity_id="1764063000111"
    )

    first = await teams.post(activity)
    again = await teams.post(activity)

    assert (first.status, again.status) == (200, 200)
    assert len(first.activities) == 1
    assert again.activities == []


async def test_a_message_stores_how_to_reach_the_person(teams: TeamsWorld) -> None:
    ada = teams.user("Ada Lovelace")

    await ada.types("help")

    async with teams.runtime.db.session() as session:
        person = await find_person(session, "teams", TENANT, ada.user_id)
        assert person is not None and person.id is not None
        ref = await find_reference(session, person.id)
    assert ref is not None
    assert ref.channel_id == ada.chat_id
    assert ref.reference["serviceUrl"] == teams.fake.url
    assert ref.reference["user"]["id"] == ada.user_id
    assert ref.reference["bot"]["id"] == ta.bot_account_id()


async def test_a_channel_mention_is_answered_privately_with_a_line_in_the_channel(
    teams: TeamsWorld,
) -> None:
    ada = teams.user("Ada Lovelace")

    await ada.mentions("status")

    in_channel = teams.fake.sent_activities(ta.DEFAULT_CHANNEL_ID)
    in_chat = teams.fake.sent_activities(ada.chat_id)
    assert len(in_channel) == 1 and "private chat" in in_channel[0]["text"]
    assert len(in_chat) == 1 and "not enrolled" in activity_text(in_chat[0])
    # No reference was stored yet: the 1:1 chat was created from the user id and tenant.
    [created] = teams.fake.calls_for("create_conversation")
    assert created.json["members"] == [{"id": ada.user_id}]
    assert created.json["tenantId"] == TENANT


async def test_the_mention_is_stripped_in_a_group_chat(teams: TeamsWorld) -> None:
    ada = teams.user("Ada Lovelace")

    said = await ada.mentions_in_group_chat("help")

    assert "join" in said  # "help" was understood: the @mention did not get in the way
    assert teams.fake.sent_activities(ada.chat_id)


async def test_a_private_answer_to_someone_the_bot_cannot_write_to_stays_out_of_the_channel(
    teams: TeamsWorld,
) -> None:
    bob = teams.user("Bob Uninstalled", installed=False)

    said = await bob.mentions("status")

    [line] = said.activities
    assert "can't write to you privately" in line["text"]
    assert "Your enrolments" not in said.text


async def test_a_manager_gets_stats_in_the_channel(teams: TeamsWorld) -> None:
    mary = teams.user("Mary Manager")

    said = await mary.mentions("stats")

    assert said.status == 200
    assert said.activities  # an answer, wherever the stats feature decides to put it


async def test_installing_the_app_says_hello_once_and_stores_the_reference(
    teams: TeamsWorld,
) -> None:
    ada = teams.user("Ada Lovelace")
    install = ta.conversation_update_members_added(
        ["bot"], user_id=ada.user_id, service_url=teams.fake.url
    )

    said = await teams.post(install)
    again = await teams.post(install)

    assert said.status == 200 and len(said.activities) == 1
    assert "join" in said
    assert again.activities == []
    async with teams.runtime.db.session() as session:
        person = await find_person(session, "teams", TENANT, ada.user_id)
        assert person is not None and person.id is not None
        ref = await find_reference(session, person.id)
    assert ref is not None and ref.channel_id == ada.chat_id


async def test_installing_the_app_in_a_team_greets_the_channel_once(teams: TeamsWorld) -> None:
    ada = teams.user("Ada Lovelace")
    install = ta.conversation_update_members_added(
        ["bot"], user_id=ada.user_id, service_url=teams.fake.url, scope="team"
    )

    said = await teams.post(install)
    again = await teams.post(install)

    [hello] = said.activities
    assert "Mention me" in hello["text"]
    assert again.activities == []
    async with teams.runtime.db.session() as session:
        people = (await session.exec(select(Person).where(Person.platform == "teams"))).all()
    assert people == []  # the installer has not talked to the bot: nothing stored about them


async def test_removing_the_app_marks_the_person_unreachable_and_adding_it_back_reachable(
    teams: TeamsWorld,
) -> None:
    ada = teams.user("Ada Lovelace")
    await ada.types("help")

    removed = await teams.post(
        ta.installation_update("remove", user_id=ada.user_id, service_url=teams.fake.url)
    )
    async with teams.runtime.db.session() as session:
        person = await find_person(session, "teams", TENANT, ada.user_id)
    assert removed.activities == [] and person is not None and not person.reachable

    await teams.post(ta.installation_update("add", user_id=ada.user_id, service_url=teams.fake.url))
    async with teams.runtime.db.session() as session:
        person = await find_person(session, "teams", TENANT, ada.user_id)
    assert person is not None and person.reachable


async def test_activities_the_bot_does_not_use_are_acknowledged_silently(
    teams: TeamsWorld,
) -> None:
    typing = {
        "type": "typing",
        "id": "1764063000200",
        "channelId": "msteams",
        "serviceUrl": teams.fake.url,
        "from": {"id": ta.make_user_id("Ada Lovelace")},
        "conversation": {"id": "a:1xyz"},
        "recipient": {"id": ta.bot_account_id()},
    }

    said = await teams.post(typing)

    assert (said.status, said.activities) == (200, [])


async def test_the_sign_in_name_is_learnt_once_for_open_a_chat_links(teams: TeamsWorld) -> None:
    ada = teams.user("Ada Lovelace")

    await ada.types("help")
    await ada.types("status")

    assert len(teams.fake.calls_for("get_member")) == 1  # asked once, then reused
    async with teams.runtime.db.session() as session:
        person = await find_person(session, "teams", TENANT, ada.user_id)
        assert person is not None
        assert person.id is not None
        upn = await principal_name(session, person.id)
    assert upn is not None
    assert upn.endswith("@example.com")
