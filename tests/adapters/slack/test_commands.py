"""``/mentoring`` over real HTTP, as Slack sends it: signed requests in, Web API calls out."""

from __future__ import annotations

import asyncio
import base64
from typing import Any, TypeVar

import pytest
from sqlmodel import SQLModel, select

from bot.core.model import Form, FormErrors, FormField, Image, Message, Reply, Text
from storage.tables import ChannelRef, Dialogue, Enrolment, Person
from testkit.slack_api import ManualClock
from testkit.slack_signing import slash_command_body
from tests.adapters.slack.helpers import SlackTestApp

M = TypeVar("M", bound=SQLModel)

DETAILS: dict[str, Any] = {
    "topics": ["AI", "Social media"],
    "goals": "Help leaders understand how my generation works.",
    "seniority": "1",
    "department": "Marketing",
    "languages": ["en", "fr"],
    "frequency": "biweekly",
    "capacity": "2",
}


async def rows(slack: SlackTestApp, table: type[M]) -> list[M]:
    """Every row of a table."""
    async with slack.runtime.db.session() as session:
        return list((await session.exec(select(table))).all())


async def test_help_is_answered_in_the_ack_only_to_the_person(slack: SlackTestApp) -> None:
    alice = slack.person("U0001", "Alice")
    turn = await alice.types("help")
    assert turn.status == 200
    assert turn.ack is not None and turn.ack["response_type"] == "ephemeral"
    assert alice.sees("Mentoring: what I can do")
    assert alice.sees("/mentoring join")
    assert slack.fake.calls_to("response_url") == []  # everything came in the ack


async def test_commands_are_served_even_while_auth_test_fails(slack: SlackTestApp) -> None:
    slack.fake.fail_with_error("auth.test", "internal_error", times=1)
    alice = slack.person("U0001", "Alice")
    turn = await alice.types("help")
    assert turn.status == 200
    assert alice.sees("Mentoring: what I can do")  # not bolt's "please install this app"
    await alice.types("status")
    assert len(slack.fake.calls_to("auth.test")) == 2  # asked again until it succeeds once
    await alice.types("help")
    assert len(slack.fake.calls_to("auth.test")) == 2


async def test_a_french_slack_user_is_answered_in_french_and_remembered(
    slack: SlackTestApp,
) -> None:
    claire = slack.person("U0002", "Claire", locale="fr-FR", tz="America/Montreal")
    await claire.types("statut")
    assert claire.sees("Votre mentorat")
    [person] = await rows(slack, Person)
    assert (person.locale, person.timezone, person.display_name) == (
        "fr",
        "America/Montreal",
        "Claire",
    )


async def test_users_info_is_asked_once_per_person_not_on_every_request(
    slack: SlackTestApp,
) -> None:
    alice = slack.person("U0001", "Alice")
    for _ in range(3):
        await alice.types("help")
    calls = slack.fake.calls_to("users.info")
    assert len(calls) == 1
    assert calls[0].args["include_locale"] in (True, "true", "1")


async def test_alice_joins_through_modals_and_confirms_with_a_button(slack: SlackTestApp) -> None:
    alice = slack.person("U0001", "Alice")
    turn = await alice.types("join")
    [opened] = turn.calls("views.open")
    assert opened.payload["view"]["callback_id"] == "enrol.start"
    assert alice.sees("junior")  # the role is explained in reverse-mentoring words

    turn = await alice.submits(role="mentor")
    assert turn.ack is not None and turn.ack["response_action"] == "update"
    assert alice.modal is not None and alice.modal["callback_id"] == "enrol.details"
    assert alice.sees("Privacy")

    turn = await alice.submits(**DETAILS)
    assert turn.ack == {"response_action": "clear"}
    [summary] = turn.calls("response_url")
    assert summary.payload["response_type"] == "ephemeral"
    assert alice.sees("Please check your enrolment")
    assert await rows(slack, Enrolment) == []  # nothing saved before confirming

    turn = await alice.clicks("Confirm")
    [confirmation] = turn.calls("response_url")
    assert confirmation.payload["replace_original"] is True
    assert alice.sees("You're enrolled in *Reverse mentoring* as a mentor")
    [saved] = await rows(slack, Enrolment)
    assert (saved.role, saved.capacity, saved.topics_share) == ("mentor", 2, ["AI", "Social media"])


async def test_invalid_answers_are_shown_next_to_the_fields_and_nothing_is_lost(
    slack: SlackTestApp,
) -> None:
    alice = slack.person("U0001", "Alice")
    await alice.types("join")
    await alice.submits(role="mentor")
    details_view = alice.modal
    turn = await alice.submits(**{**DETAILS, "capacity": "9", "goals": ""})
    assert turn.ack is not None and turn.ack["response_action"] == "errors"
    assert set(alice.errors) == {"capacity", "goals"}
    assert "from 1 to" in alice.errors["capacity"]
    assert alice.modal == details_view  # the modal stays open with what was typed
    await alice.submits(**DETAILS)
    assert alice.sees("Please check your enrolment")


async def test_a_redelivered_slash_command_has_no_second_effect(slack: SlackTestApp) -> None:
    alice = slack.person("U0001", "Alice")
    body, content_type = slash_command_body(
        text="join",
        user_id="U0001",
        trigger_id=slack.fake.new_trigger_id("U0001"),
        response_url=slack.fake.new_response_url(),
    )
    first = await slack.post(body, content_type)
    second = await slack.post(body, content_type)
    await slack.idle()
    assert first[0] == second[0] == 200
    assert len(slack.fake.calls_to("views.open")) == 1
    assert len(await rows(slack, Dialogue)) == 1
    assert alice.user_id == "U0001"


async def test_a_double_click_on_confirm_enrols_once_and_answers_once(slack: SlackTestApp) -> None:
    alice = slack.person("U0001", "Alice")
    await alice.types("join")
    await alice.submits(role="mentee")
    await alice.submits(**DETAILS)
    first = alice.click_body("Confirm")
    second = alice.click_body("Confirm")  # another trigger id, a moment later
    statuses = await asyncio.gather(slack.post(*first), slack.post(*second))
    await slack.idle()
    assert [s for s, _ in statuses] == [200, 200]
    assert len(await rows(slack, Enrolment)) == 1
    replies = [c for c in slack.fake.calls_to("response_url") if c.args.get("replace_original")]
    assert len(replies) == 1
    assert "enrolled" in replies[0].args["text"]


async def test_stats_typed_in_a_channel_are_posted_in_that_channel(slack: SlackTestApp) -> None:
    manager = slack.person("UMANAGER", "Morgan")
    turn = await manager.types("stats")
    assert turn.ack is not None and turn.ack["response_type"] == "in_channel"
    outsider = slack.person("U0003", "Olga")
    turn = await outsider.types("stats")
    assert turn.ack is not None and turn.ack["response_type"] == "ephemeral"
    assert outsider.sees("for managers and admins only")


PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n-a-small-chart-").decode()


async def test_a_chart_is_uploaded_to_the_channel_next_to_its_text(
    slack: SlackTestApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    chart = Message(
        (
            Text("Meetings: 3 in October, 5 in November"),
            Image(f"data:image/png;base64,{PNG}", "Meetings"),
        ),
        text="Programme health",
    )

    async def report(_event: object) -> list[Reply]:
        return [Reply(chart, private=False)]

    monkeypatch.setattr(slack.runtime.engine, "handle", report)
    manager = slack.person("UMANAGER", "Morgan")
    turn = await manager.types("stats")
    assert turn.ack is not None and turn.ack["response_type"] == "in_channel"
    assert manager.sees("5 in November")
    [upload] = slack.fake.uploaded_files.values()
    assert upload.completed and upload.channel_ids == ["C0001"]
    assert upload.content is not None and upload.content.startswith(b"\x89PNG")
    assert upload.alt_txt == "Meetings"


async def test_a_slow_answer_is_acked_in_time_and_follows_through_the_response_url(
    slack: SlackTestApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = slack.runtime.engine
    real_handle = engine.handle
    release = asyncio.Event()

    async def slow_handle(event: Any) -> Any:
        await release.wait()
        return await real_handle(event)

    monkeypatch.setattr(engine, "handle", slow_handle)
    slack.adapter.ack_budget = 0.01
    alice = slack.person("U0001", "Alice")
    body, content_type = slash_command_body(
        text="help", user_id="U0001", response_url=slack.fake.new_response_url()
    )
    status, ack = await slack.post(body, content_type)
    assert status == 200
    assert ack is not None and "working on it" in ack["text"]
    assert slack.fake.calls_to("response_url") == []
    release.set()
    await slack.idle()
    [answer] = slack.fake.calls_to("response_url")
    assert "what I can do" in answer.args["text"]
    assert alice.name == "Alice"


async def test_a_form_whose_trigger_expired_says_so_instead_of_failing_silently(
    slack: SlackTestApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock()
    slack.fake.clock = clock
    engine = slack.runtime.engine
    real_handle = engine.handle
    release = asyncio.Event()

    async def slow_handle(event: Any) -> Any:
        await release.wait()
        return await real_handle(event)

    monkeypatch.setattr(engine, "handle", slow_handle)
    slack.adapter.ack_budget = 0.01
    slack.person("U0001", "Alice")
    body, content_type = slash_command_body(
        text="join",
        user_id="U0001",
        trigger_id=slack.fake.new_trigger_id("U0001"),
        response_url=slack.fake.new_response_url(),
    )
    status, _ack = await slack.post(body, content_type)
    assert status == 200
    clock.advance(5)  # the 3-second trigger is gone by the time the engine answers
    release.set()
    await slack.idle()
    [refused] = slack.fake.calls_to("views.open")
    assert refused.error == "expired_trigger_id"
    [told] = slack.fake.calls_to("response_url")
    assert "took too long to open" in told.args["text"]


async def test_a_direct_message_is_answered_in_the_dm_and_its_channel_is_cached(
    slack: SlackTestApp,
) -> None:
    alice = slack.person("U0001", "Alice")
    await alice.says("help")
    [posted] = alice.last.calls("chat.postMessage")
    assert posted.channel == alice.dm_channel
    assert alice.sees("what I can do")
    await alice.says("hello there")
    assert alice.sees("Type `help`")
    # App Home buttons have no channel: their answers go to the DM, by user id the first
    # time (no conversations.open), then in the DM channel Slack answered with, remembered.
    await alice.opens_home()
    await alice.clicks("My status")
    await alice.clicks("Help")
    assert slack.fake.calls_to("conversations.open") == []
    home_posts = [c.args["channel"] for c in slack.fake.calls_to("chat.postMessage")][-2:]
    assert home_posts == ["U0001", alice.dm_channel]
    [ref] = await rows(slack, ChannelRef)
    assert ref.channel_id == alice.dm_channel


async def test_join_typed_in_a_dm_explains_how_to_open_the_form(slack: SlackTestApp) -> None:
    alice = slack.person("U0001", "Alice")
    await alice.says("join")
    assert alice.sees("Forms open from the `/mentoring` command")
    assert alice.sees("Your role")  # what the form asks, as text
    assert slack.fake.calls_to("views.open") == []


async def test_a_form_slack_cannot_show_gets_a_polite_error_not_a_failed_request(
    slack: SlackTestApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    huge = Form(
        "too.big", "Too big", tuple(FormField(f"f{i}", f"F{i}") for i in range(101)), "OK", "No"
    )

    async def answer(_event: object) -> list[Any]:
        return [FormErrors(huge, {"f1": "?", "nowhere": "?"})]

    alice = slack.person("U0001", "Alice")
    await alice.types("join")
    monkeypatch.setattr(slack.runtime.engine, "handle", answer)
    turn = await alice.submits(role="mentor")
    assert turn.status == 200
    assert turn.ack is not None and turn.ack["response_action"] == "update"
    assert alice.sees("Something went wrong")
