"""Names are shown as typed in Teams: no link, no HTML, no mention they did not ask for.

Two Teams users named like a markdown link and like HTML with a mention tag talk to the bot
(which stores them), are paired, and the introduction goes through the outbox to the fake Bot
Connector. Teams markdown and Adaptive Card text decode ``&lt;`` (so the names read as typed)
but never get a ``[label](url)`` they did not write: every ``]`` of a name is followed by a
zero-width space. The one mention is the partner's, and its entity matches its tag.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import select

from adapters.teams.markdown import to_teams
from bot.matching.introductions import introduce
from bot.outbox.worker import drain
from storage.people import find_person
from storage.tables import Pair, Person, Programme
from storage.types import utcnow
from testkit import teams_activities as ta
from testkit.teams_world import TeamsWorld, activity_text
from tests.adapters.slack.test_escaping import next_working_noon

LINK = "[click here](https://evil.example)"
HTML = '<at>Boss</at> <a href="https://evil.example">x</a> & co'


def markdown_texts(activity: dict[str, Any]) -> list[str]:
    """What Teams renders as markdown: the message text, text blocks and fact values."""
    found = [activity["text"]] if isinstance(activity.get("text"), str) else []

    def walk(item: object) -> None:
        if isinstance(item, list):
            for x in item:
                walk(x)
        elif isinstance(item, dict):
            if item.get("type") == "TextBlock":
                found.append(item["text"])
            if item.get("type") == "FactSet":
                found.extend(fact["value"] for fact in item["facts"])
            walk(item.get("body"))
            walk(item.get("items"))

    for attachment in activity.get("attachments") or []:
        walk(attachment.get("content"))
    return found


async def test_hostile_names_reach_teams_as_text_in_an_introduction(teams: TeamsWorld) -> None:
    mentor, mentee = teams.user(LINK), teams.user(HTML)
    await mentor.types("help")
    await mentee.types("help")
    async with teams.runtime.db.session() as session:
        programme = (await session.exec(select(Programme))).one()
        people: dict[int, Person] = {}
        for user in (mentor, mentee):
            person = await find_person(session, "teams", ta.DEFAULT_TENANT_ID, user.user_id)
            assert person is not None and person.id is not None
            people[person.id] = person
        mentor_id, mentee_id = list(people)
        pair = Pair(
            programme_id=programme.id or 0,
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            status="active",
            introduced_at=utcnow() - timedelta(minutes=1),
        )
        session.add(pair)
        await session.flush()
        platforms = teams.runtime.engine.capabilities
        assert await introduce(session, programme, pair, people, utcnow(), "en", platforms) == 2
    teams.fake.clear()

    assert await drain(teams.runtime.engine, teams.runtime.senders, next_working_noon()) == 2

    [to_mentor] = teams.fake.sent_activities(mentor.chat_id)
    [to_mentee] = teams.fake.sent_activities(mentee.chat_id)
    for activity in (to_mentor, to_mentee):
        markdown = "\n".join(markdown_texts(activity))
        assert "<a href" not in markdown and "<at>Boss" not in markdown  # no HTML, no tag
        [card] = [a["content"] for a in activity["attachments"]]
        plain = [activity["summary"], card["fallbackText"]]  # text, though a client may parse
        for text in (markdown, *plain):
            assert "](https://evil" not in text  # no markdown link
    # The mentee's introduction names the mentor: a real mention, the name kept readable.
    [mention] = to_mentee["attachments"][0]["content"]["msteams"]["entities"]
    assert mention["mentioned"] == {"id": mentor.user_id, "name": LINK}
    assert mention["text"] == "<at>[click here]\u200b(https://evil.example)</at>"
    assert mention["text"] in activity_text(to_mentee)
    # The mentor's introduction names the mentee, escaped: Teams shows it as typed.
    [mention] = to_mentor["attachments"][0]["content"]["msteams"]["entities"]
    assert mention["mentioned"]["name"] == HTML
    assert "&lt;at&gt;Boss&lt;/at&gt; &lt;a href=" in mention["text"]


def test_the_markdown_converter_keeps_its_own_links_and_breaks_anything_else() -> None:
    assert to_teams("<https://x.example/a|a link>") == "[a link](https://x.example/a)"
    assert to_teams("[a](https://evil.example)") == "[a]\u200b(https://evil.example)"
    assert (
        to_teams("![img](https://evil.example/x.png)") == "![img]\u200b(https://evil.example/x.png)"
    )
    assert to_teams("[x][ref]\n[ref]: https://evil.example") == (
        "[x]\u200b[ref]\u200b\n[ref]\u200b: https://evil.example"
    )
    assert to_teams("&lt;b&gt;bold&lt;/b&gt; &amp;") == "&lt;b&gt;bold&lt;/b&gt; &amp;"
    assert to_teams("<@29:1|[Boss](https://evil.example)>") == (
        "<at>[Boss]\u200b(https://evil.example)</at>"
    )
