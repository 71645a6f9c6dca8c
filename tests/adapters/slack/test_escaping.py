"""Names and answers are shown as typed in Slack, never read as markup.

Two people whose Slack display names are ``<!channel>`` and ``<https://evil.example|click
here>`` enrol (with answers full of markup too), are matched by the admin, introduced, and one
asks for a new partner, which sends the admins a private notice. Everything the fake Slack
received on the way (acks, ``response_url`` posts, modals, the introduction in the group DM,
the admin notice) is checked: the names arrive escaped (``&lt;!channel&gt;``), so Slack shows
them as text; no channel is pinged and no link is disguised.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.outbox.worker import drain
from storage.types import utcnow
from tests.adapters.slack.helpers import SlackPerson, SlackTestApp

PING = "<!channel>"
DISGUISED = "<https://evil.example|click here>"
ANSWER = "I like <!here> & <@UADMIN> & <https://evil.example|docs>"
#: What would be markup if it reached Slack unescaped.
FORBIDDEN = ("<!channel", "<!here", "<@UADMIN", "<https://evil")


def parsed(value: Any, *, message: bool = True) -> Iterator[str]:
    """The strings Slack reads as mrkdwn: a message's ``text`` and every ``mrkdwn`` object.

    (``plain_text`` objects, input values and metadata are shown or kept as they are.)
    """
    if isinstance(value, dict):
        if message and isinstance(value.get("text"), str):
            yield value["text"]
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            yield value["text"]
        for key, item in value.items():
            if key != "text" or not isinstance(item, str):
                yield from parsed(item, message=False)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from parsed(item, message=False)


def plain_texts(value: Any) -> Iterator[str]:
    """The ``plain_text`` objects' texts."""
    if isinstance(value, dict):
        if value.get("type") == "plain_text" and isinstance(value.get("text"), str):
            yield value["text"]
        for item in value.values():
            yield from plain_texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from plain_texts(item)


def next_working_noon() -> datetime:
    """A Wednesday noon (UTC) a week or so ahead: inside everyone's working hours."""
    day = (utcnow() + timedelta(days=7)).date()
    while day.weekday() != 2:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


async def enrol(person: SlackPerson, role: str, seniority: str, department: str) -> None:
    """``/mentoring join`` through both modals, then Confirm."""
    await person.types("join")
    await person.submits(role=role)
    details: dict[str, Any] = {
        "topics": ["AI"],
        "goals": ANSWER,
        "seniority": seniority,
        "department": department,
        "languages": ["en"],
        "frequency": "biweekly",
        "self_description": ANSWER[:200],
        "consent": True,
    }
    if role == "mentor":
        details["capacity"] = "1"
    await person.submits(**details)
    assert person.sees("Please check your enrolment"), (person.errors, person.last.text)
    await person.clicks("enrol.confirm")
    assert person.sees("enrolled")


async def test_hostile_names_and_answers_reach_slack_escaped(slack: SlackTestApp) -> None:
    mentor = slack.person("U0001", PING)
    mentee = slack.person("U0002", DISGUISED)
    admin = slack.person("UADMIN", "Ada Admin")
    await enrol(mentor, "mentor", "1", "Data")
    await enrol(mentee, "mentee", "5", "Board")
    await mentor.types("status")
    await mentor.types("mydata")

    await admin.types("admin match")
    assert admin.sees("&lt;!channel&gt;")  # the preview names both, escaped
    await admin.clicks("match.approve")
    at = next_working_noon()
    assert await drain(slack.runtime.engine, slack.runtime.senders, at) >= 1
    await admin.types("admin pairs")
    await mentee.types("rematch")
    await mentee.clicks("rematch.confirm")
    assert await drain(slack.runtime.engine, slack.runtime.senders, at) >= 2  # admin, partner

    payloads = [call.args for call in slack.fake.calls]
    payloads += [seen.payload for p in (mentor, mentee, admin) for t in p.turns for seen in t.seen]
    read_as_markup = [text for payload in payloads for text in parsed(payload)]
    assert any("&lt;!channel&gt;" in text for text in read_as_markup)
    for text in read_as_markup:
        for markup in FORBIDDEN:
            assert markup not in text, text
    # Where Slack parses nothing (headers, buttons, labels), the name shows as typed.
    headers = [text for payload in payloads for text in plain_texts(payload)]
    assert f"{PING} and {DISGUISED}, meet each other!" in headers
    intro = [
        m
        for messages in slack.fake.messages_by_channel().values()
        for m in messages
        if "meet each other" in m.get("text", "")
    ]
    assert intro and "&lt;!channel&gt;" in intro[0]["text"]
    assert "&lt;https://evil.example|click here&gt;" in intro[0]["text"]
    admin_dm = slack.fake.messages_by_channel().get(slack.fake.dm_channel_id("UADMIN"), [])
    notices = [m for m in admin_dm if "new partner" in str(m)]
    assert notices and "&lt;https://evil.example|click here&gt;" in str(notices[-1]["blocks"])


async def test_an_admins_programme_name_and_topics_reach_slack_escaped(
    slack: SlackTestApp,
) -> None:
    admin = slack.person("UADMIN", "Ada Admin")
    ben = slack.person("U0003", "Ben")
    await admin.types(
        "admin programme create name=<!channel>&Co topics=<!here>,<@U0003> tracks=<!everyone>"
    )
    assert admin.sees("&lt;!channel&gt;&amp;Co")
    await admin.types("admin programme list")
    await admin.types("admin programme create nonsense=<!here> name=x")  # the error echoes it
    await admin.types("stats")
    await admin.types("admin match <!channel>&Co")
    await ben.types("join <!channel>&Co")
    await ben.types("<!here>")  # an unknown command, echoed back

    payloads = [call.args for call in slack.fake.calls]
    payloads += [seen.payload for p in (admin, ben) for t in p.turns for seen in t.seen]
    read_as_markup = [text for payload in payloads for text in parsed(payload)]
    assert any("&lt;!here&gt;" in text for text in read_as_markup)
    for text in read_as_markup:
        for markup in (*FORBIDDEN, "<!everyone", "<@U0003"):
            assert markup not in text, text
