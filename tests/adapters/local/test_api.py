"""The local chat's JSON API over real HTTP: personas, conversations, forms, the clock.

Each test runs against the app as ``python app.py`` builds it, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from adapters.local import personas
from adapters.local.clock import SimulatedClock
from adapters.local.glue import CHAT_KEY, LocalChat
from bot.core.model import ConversationRef, Message, Platform, Text, UserRef
from bot.core.serialize import to_data
from bot.outbox.delivery import GroupUnsupported, PermanentError
from storage import outbox
from storage.db import Database
from storage.people import find_person
from storage.tables import Enrolment, Person
from storage.types import utcnow
from testkit.programmes import running_pair
from tests.adapters.local.helpers import LocalChatClient, local_settings, start_chat
from tests.footprint import footprint

DETAILS: dict[str, Any] = {
    "topics": ["AI", "Social media"],
    "goals": "Help leaders see how my generation works.",
    "seniority": "1",
    "department": "Data",
    "languages": ["en"],
    "frequency": "biweekly",
    "capacity": "1",
}


async def test_the_workspace_lists_the_demo_people_with_their_languages_and_time_zones(
    chat: LocalChatClient,
) -> None:
    answer = await chat.get("/local/api/workspace")
    assert answer.status == 200
    people = {p["id"]: p for p in answer.body["personas"]}
    roles = {p["role"] for p in people.values()}
    assert roles == {"junior", "senior", "admin", "manager"}
    assert {p["locale"] for p in people.values()} >= {"fr-FR", "en-GB", "en-US"}
    assert len({p["timezone"] for p in people.values()}) >= 4
    assert people["L-sofia"]["admin"] is True
    assert people["L-julien"]["manager"] is True
    assert people["L-priya"]["admin"] is False
    assert answer.body["ui"]["choose_title"] == "Who are you today?"
    french = await chat.get("/local/api/workspace?lang=fr")
    assert french.body["ui"]["choose_title"] == "Qui êtes-vous aujourd'hui\u202f?"
    assert french.body["suggestions"]["dm"][:2] == ["/mentoring aide", "/mentoring rejoindre"]
    assert answer.body["suggestions"]["dm"][:2] == ["/mentoring help", "/mentoring join"]


async def test_each_persona_gets_the_page_in_their_own_language(chat: LocalChatClient) -> None:
    amara = await chat.get("/local/api/personas/L-amara")
    assert amara.body["lang"] == "fr"
    assert amara.body["ui"]["send"] == "Envoyer"
    assert amara.body["persona"]["title"] == "Apprentie ingénieure logiciel"
    priya = await chat.get("/local/api/personas/L-priya")
    assert (priya.body["lang"], priya.body["ui"]["send"]) == ("en", "Send")


async def test_a_language_chosen_with_the_bot_also_changes_the_page(
    chat: LocalChatClient,
) -> None:
    priya = chat.persona("L-priya")
    await priya.types("/mentoring language fr")
    answer = await chat.get("/local/api/personas/L-priya")
    assert answer.body["ui"]["send"] == "Envoyer"


async def test_every_persona_is_welcomed_in_their_dm_on_first_start(
    chat: LocalChatClient,
) -> None:
    assert await chat.persona("L-priya").sees("Hello Priya Natarajan!")
    assert await chat.persona("L-amara").sees("Bonjour Amara Diallo")
    async with chat.runtime.db.session() as session:
        people = (await session.exec(select(Person).where(Person.platform == "local"))).all()
    assert len(people) == 8
    reporting = {p.user_id: p.manager_user_id for p in people}
    assert reporting["L-amara"] == "L-henri"


async def test_priya_joins_fixes_a_mistake_and_sees_the_confirmation(
    chat: LocalChatClient,
) -> None:
    priya = chat.persona("L-priya")
    answer = await priya.types("/mentoring join")
    assert answer.status == 200
    first = await priya.open_form()
    assert first["form"]["form_id"] == "enrol.start"
    await priya.submits(role="mentor")
    assert (await priya.open_form())["form"]["form_id"] == "enrol.details"
    await priya.submits(**{**DETAILS, "goals": "x" * 501, "department": "Data & AI"})
    rejected = (await priya.open_form())["form"]
    fields = {f["name"]: f for f in rejected["fields"]}
    assert fields["goals"]["error"] == "Please keep this under 500 characters (you wrote 501)."
    assert fields["department"]["value"] == "Data & AI"  # what was typed is kept
    await priya.submits(goals=DETAILS["goals"])
    assert await priya.sees("Please check your enrolment")
    await priya.clicks("Confirm")
    assert await priya.sees("You're enrolled in *Reverse mentoring* as a mentor")
    statuses = [m["form"]["status"] for m in await priya.messages() if m["kind"] == "form"]
    assert statuses == ["submitted", "submitted"]
    async with chat.runtime.db.session() as session:
        [saved] = (await session.exec(select(Enrolment))).all()
    assert saved.role == "mentor"


async def test_the_confirm_click_replaces_the_summary_in_place(chat: LocalChatClient) -> None:
    priya = chat.persona("L-priya")
    await priya.types("/mentoring join")
    await priya.submits(role="mentee")
    mentee = {k: v for k, v in DETAILS.items() if k != "capacity"}  # mentees have no capacity
    answer = await priya.submits(**mentee)
    assert answer.status == 200
    summary_id, _ = await priya.button("Confirm")
    await priya.clicks("Confirm")
    [replaced] = [m for m in await priya.messages() if m["id"] == summary_id]
    assert "You're enrolled" in replaced["fallback"]


async def test_nobody_sees_or_touches_another_persons_dm(chat: LocalChatClient) -> None:
    priya, margaret = chat.persona("L-priya"), chat.persona("L-margaret")
    await priya.types("/mentoring join")
    form = await priya.open_form()
    seen = await margaret.messages()
    assert [m["kind"] for m in seen] == ["bot"]  # her own welcome, nothing of Priya's
    assert not await margaret.sees("Priya")
    answer = await chat.post(
        "/local/api/form",
        {"persona": "L-margaret", "message_id": form["id"], "values": {"role": "mentor"}},
    )
    assert (answer.status, answer.error) == (404, "unknown_message")
    welcome_id, join = await priya.button("Join a programme")
    answer = await chat.post(
        "/local/api/action",
        {"persona": "L-margaret", "message_id": welcome_id, **_click(join)},
    )
    assert (answer.status, answer.error) == (404, "unknown_message")


async def test_leaving_also_erases_the_personas_chat_history(chat: LocalChatClient) -> None:
    priya, margaret = chat.persona("L-priya"), chat.persona("L-margaret")
    await priya.types("/mentoring join")
    await priya.submits(role="mentor")
    await priya.types("/mentoring stats", "general")  # a private notice in the channel
    await priya.types("hello everyone", "general")
    await margaret.types("/mentoring help")
    await priya.types("/mentoring leave")
    await priya.clicks("Yes, erase my data")
    left = await priya.messages()
    assert [m["kind"] for m in left] == ["bot"]
    assert "your data has been erased" in left[0]["fallback"]
    assert not await priya.sees("managers", "general")  # her private notice is gone
    # What she said in public goes too: the chat's history is in the bot's database.
    assert not await margaret.sees("hello everyone", "general")
    assert await margaret.sees("/mentoring help")
    assert await margaret.sees("/mentoring join")  # Margaret's own DM is untouched


async def test_a_button_that_was_never_offered_is_refused(chat: LocalChatClient) -> None:
    priya = chat.persona("L-priya")
    welcome_id, _ = await priya.button("Help")
    forged = {"action_id": "enrol.confirm", "value": "1:1"}
    answer = await chat.post(
        "/local/api/action", {"persona": "L-priya", "message_id": welcome_id, **forged}
    )
    assert (answer.status, answer.error) == (400, "unknown_action")


async def test_a_cancelled_form_cannot_be_submitted(chat: LocalChatClient) -> None:
    priya = chat.persona("L-priya")
    await priya.types("/mentoring join")
    form = await priya.open_form()
    answer = await chat.post(
        "/local/api/form/cancel", {"persona": "L-priya", "message_id": form["id"]}
    )
    assert answer.status == 200
    [closed] = [m for m in await priya.messages() if m["id"] == form["id"]]
    assert closed["form"]["status"] == "cancelled"
    answer = await chat.post(
        "/local/api/form",
        {"persona": "L-priya", "message_id": form["id"], "values": {"role": "mentor"}},
    )
    assert (answer.status, answer.error) == (409, "form_closed")


async def test_a_resent_submission_is_handled_once(chat: LocalChatClient) -> None:
    priya = chat.persona("L-priya")
    await priya.types("/mentoring join")
    form = await priya.open_form()
    body = {
        "persona": "L-priya",
        "message_id": form["id"],
        "values": {"role": "mentor"},
        "event_id": "same-click",
    }
    first = await chat.post("/local/api/form", body)
    assert first.status == 200
    assert [m["form"]["form_id"] for m in first.body["messages"] if m["kind"] == "form"] == [
        "enrol.start",
        "enrol.details",
    ]
    forms = [m for m in await priya.messages() if m["kind"] == "form"]
    assert len(forms) == 2


async def test_channel_chat_is_public_but_a_slash_command_is_seen_only_by_who_typed_it(
    chat: LocalChatClient,
) -> None:
    priya, margaret = chat.persona("L-priya"), chat.persona("L-margaret")
    await priya.types("Hello everyone", conversation="general")
    await priya.types("/mentoring help", conversation="general")
    assert await margaret.sees("Hello everyone", "general")
    assert not await margaret.sees("/mentoring help", "general")
    mine = await priya.messages("general")
    command = next(m for m in mine if m["kind"] == "user" and m["lines"][0]["runs"])
    assert command["private"] is False  # the public line
    private = [m for m in mine if m["private"]]
    assert private and all(m["private"] for m in private)
    assert any("/mentoring join" in m.get("fallback", "") for m in private)  # the help


async def test_home_is_drawn_again_each_time_it_is_opened(chat: LocalChatClient) -> None:
    priya = chat.persona("L-priya")
    for _ in range(2):
        answer = await chat.post("/local/api/home", {"persona": "L-priya"})
        assert answer.status == 200
    home = await priya.messages("home")
    assert len(home) == 1
    await priya.clicks("Join a programme", "home")
    assert (await priya.open_form("dm"))["form"]["form_id"] == "enrol.start"


async def test_proactive_messages_reach_the_right_dm_live(chat: LocalChatClient) -> None:
    sender = chat.runtime.senders[Platform.LOCAL]
    margaret = UserRef(Platform.LOCAL, "local", "L-margaret")
    async with chat.client.get("/local/api/events") as stream:
        hello = await _next_notice(stream)
        assert hello == {"type": "hello"}
        message_id = await sender.send_direct(margaret, Message((Text("Meet *Priya*"),)))
        notice = await _next_notice(stream)
    assert notice == {"type": "message", "viewer": "L-margaret", "conversation": "dm"}
    assert message_id.isdigit()
    assert await chat.persona("L-margaret").sees("Meet *Priya*")
    assert not await chat.persona("L-priya").sees("Meet *Priya*")
    general = ConversationRef(Platform.LOCAL, "local", "C-general", "channel")
    await sender.post(general, Message((Text("Programme health"),)))
    assert await chat.persona("L-priya").sees("Programme health", "general")
    with pytest.raises(GroupUnsupported):
        await sender.send_group([margaret], Message((Text("x"),)))
    with pytest.raises(PermanentError):
        await sender.send_direct(UserRef(Platform.SLACK, "T1", "U1"), Message((Text("x"),)))


async def test_the_clock_moves_time_runs_the_sweeps_and_survives_a_restart(
    chat: LocalChatClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = await chat.get("/local/api/clock")
    assert before.body["enabled"] is True
    answer = await chat.post("/local/api/clock", {"advance_seconds": 86400})
    assert answer.status == 200
    assert answer.body["offset_seconds"] == 86400
    assert "forgotten_event_ids" in answer.body["sweeps"]
    assert "outbox_sent" in answer.body["sweeps"]
    ahead = chat.runtime.engine.clock() - utcnow()
    assert timedelta(hours=23) < ahead <= timedelta(days=1)  # handlers see the simulated time
    await chat.client.close()
    again = await start_chat(db, local_settings(), monkeypatch)
    try:
        clock = await again.get("/local/api/clock")
        assert clock.body["offset_seconds"] == 86400
        assert len(await again.persona("L-priya").messages()) == 1  # the welcome, not twice
    finally:
        await again.client.close()


async def test_a_message_held_for_office_hours_goes_out_in_them_during_a_clock_jump(
    chat: LocalChatClient,
) -> None:
    async with chat.runtime.db.session() as session:
        margaret = await find_person(session, "local", "local", "L-margaret")
        assert margaret is not None
        await outbox.enqueue(
            session,
            key="test:office-hours",
            platform="local",
            target=to_data(UserRef(Platform.LOCAL, "local", "L-margaret")),
            payload=to_data(Message((Text("Your check-in is due"),))),
            person_id=margaret.id,
            not_before=chat.runtime.engine.clock() + timedelta(hours=1),
        )
    answer = await chat.post("/local/api/clock", {"advance_seconds": 3 * 86400})
    assert answer.body["sweeps"]["outbox_sent"] >= 1
    [delivered] = [
        m for m in await chat.persona("L-margaret").messages() if "check-in" in m["fallback"]
    ]
    local = datetime.fromisoformat(delivered["time"]).astimezone(ZoneInfo("America/New_York"))
    assert local.weekday() < 5 and 9 <= local.hour < 17  # sent in her working hours


async def test_messages_survive_a_restart(
    chat: LocalChatClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    priya = chat.persona("L-priya")
    await priya.types("/mentoring join")
    before = await priya.messages()
    await chat.client.close()
    again = await start_chat(db, local_settings(), monkeypatch)
    try:
        assert await again.persona("L-priya").messages() == before
        await again.persona("L-priya").submits(role="mentor")
        assert (await again.persona("L-priya").open_form())["form"]["form_id"] == "enrol.details"
    finally:
        await again.client.close()


@pytest.mark.parametrize(
    ("path", "body", "status", "error"),
    [
        (
            "/local/api/command",
            {"persona": "L-nobody", "conversation": "dm", "text": "hi"},
            404,
            "unknown_persona",
        ),
        ("/local/api/command", {"persona": "L-priya", "conversation": "dm"}, 400, "missing"),
        (
            "/local/api/command",
            {"persona": "L-priya", "conversation": "dm", "text": 42},
            400,
            "missing",
        ),
        (
            "/local/api/command",
            {"persona": "L-priya", "conversation": "dm", "text": "x" * 2001},
            413,
            "too_long",
        ),
        (
            "/local/api/command",
            {"persona": "L-priya", "conversation": "random", "text": "hi"},
            404,
            "unknown_conversation",
        ),
        (
            "/local/api/command",
            {"persona": "L-priya", "conversation": "dm", "text": "/giphy cat"},
            400,
            "slash_only",
        ),
        (
            "/local/api/action",
            {"persona": "L-priya", "message_id": "1", "action_id": "x"},
            400,
            "missing",
        ),
        (
            "/local/api/action",
            {"persona": "L-priya", "message_id": 99999, "action_id": "x"},
            404,
            "unknown_message",
        ),
        (
            "/local/api/form",
            {"persona": "L-priya", "message_id": 1, "values": {}},
            400,
            "not_a_form",
        ),
        ("/local/api/clock", {"advance_seconds": -5}, 400, "clock_range"),
        ("/local/api/clock", {"advance_seconds": "a week"}, 400, "clock_range"),
        ("/local/api/nowhere", {}, 404, "not_found"),
    ],
)
async def test_a_malformed_request_gets_a_clear_json_error(
    chat: LocalChatClient, path: str, body: dict[str, Any], status: int, error: str
) -> None:
    answer = await chat.post(path, body)
    assert (answer.status, answer.error) == (status, error)
    assert answer.body["message"]


async def test_bodies_that_are_not_json_objects_are_refused(chat: LocalChatClient) -> None:
    json_header = {"Content-Type": "application/json"}
    answer = await chat.post("/local/api/command", data=b"{not json", headers=json_header)
    assert (answer.status, answer.error) == (400, "not_json")
    answer = await chat.post("/local/api/command", data=b'["a list"]', headers=json_header)
    assert (answer.status, answer.error) == (400, "not_json")
    answer = await chat.post("/local/api/command", data=b"\xff\xfe", headers=json_header)
    assert (answer.status, answer.error) == (400, "not_json")
    form_header = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = await chat.post("/local/api/command", data=b"text=hi", headers=form_header)
    assert (answer.status, answer.error) == (415, "content_type")
    huge = json.dumps({"persona": "L-priya", "text": "x" * 70_000}).encode()
    answer = await chat.post("/local/api/command", data=huge, headers=json_header)
    assert (answer.status, answer.error) == (413, "body_too_large")


async def test_a_french_persona_gets_errors_in_french(chat: LocalChatClient) -> None:
    answer = await chat.post("/local/api/command", {"persona": "L-amara", "conversation": "dm"})
    assert answer.body["message"] == "Le champ «\u00a0text\u00a0» est absent ou invalide."


async def test_requests_naming_another_host_or_from_another_site_are_refused(
    chat: LocalChatClient,
) -> None:
    rebinding = await chat.get("/local/api/workspace", headers={"Host": "evil.example:3978"})
    assert (rebinding.status, rebinding.error) == (403, "loopback_only")
    cross = await chat.post(
        "/local/api/command",
        {"persona": "L-priya", "conversation": "dm", "text": "hi"},
        headers={"Origin": "https://evil.example"},
    )
    assert (cross.status, cross.error) == (403, "cross_origin")
    same = await chat.get("/local/api/workspace", headers={"Origin": "http://localhost:3978"})
    assert same.status == 200


PROXY_HEADERS = {
    "forwarded": {"Forwarded": "for=203.0.113.7;host=chat.example.com;proto=https"},
    "x-forwarded-for": {"X-Forwarded-For": "203.0.113.7"},
    "x-real-ip": {"X-Real-IP": "203.0.113.7"},
    "x-forwarded-host": {"X-Forwarded-Host": "chat.example.com"},
    "via": {"Via": "1.1 proxy.example.com"},
}


@pytest.mark.parametrize("case", sorted(PROXY_HEADERS))
async def test_a_request_relayed_by_a_reverse_proxy_is_refused_with_no_side_effect(
    chat: LocalChatClient, case: str
) -> None:
    # A proxy on this machine connects from loopback: its forwarding headers give it away.
    before = await footprint(chat.runtime.db)

    read = await chat.get("/local/api/workspace", headers=PROXY_HEADERS[case])
    write = await chat.post(
        "/local/api/command",
        {"persona": "L-sofia", "conversation": "general", "text": "/mentoring admin pairs"},
        headers=PROXY_HEADERS[case],
    )
    clock = await chat.post(
        "/local/api/clock", {"advance_seconds": 86400}, headers=PROXY_HEADERS[case]
    )

    assert [(a.status, a.error) for a in (read, write, clock)] == [(403, "loopback_only")] * 3
    assert await footprint(chat.runtime.db) == before
    direct = await chat.get("/local/api/workspace")
    assert direct.status == 200  # the same request, straight from this machine


async def test_the_page_and_its_files_are_served_with_a_strict_policy(
    chat: LocalChatClient,
) -> None:
    async with chat.client.get("/") as page:
        assert page.status == 200
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        assert "/local/static/app.js" in await page.text()
    async with chat.client.get("/local/static/app.js") as script:
        assert script.status == 200
        assert ".innerHTML" not in await script.text()  # the page never parses HTML
    async with chat.client.get("/local/static/..%2Fglue.py") as escape:
        assert escape.status == 404


async def test_on_a_public_address_there_are_no_personas_no_rights_and_no_api(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = await start_chat(db, local_settings(host="0.0.0.0"), monkeypatch)  # noqa: S104
    try:
        answer = await chat.get("/local/api/workspace")
        assert (answer.status, answer.error) == (403, "loopback_only")
        assert "loopback" in answer.body["message"]
        sofia = personas.find("L-sofia")
        assert sofia is not None and not chat.runtime.engine.is_admin(sofia.actor.user)
        async with chat.runtime.db.session() as session:
            assert (await session.exec(select(Person))).all() == []
    finally:
        await chat.client.close()


async def test_the_local_chat_is_off_when_a_platform_is_configured(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = local_settings(microsoft_app_id="app-id", microsoft_app_password="secret")
    assert not settings.local_chat_enabled
    chat = await start_chat(db, settings, monkeypatch)
    try:
        answer = await chat.get("/local/api/workspace")
        assert answer.status == 404
        assert Platform.LOCAL not in chat.runtime.senders
    finally:
        await chat.client.close()


async def test_with_local_chat_forced_on_beside_a_platform_the_clock_stays_still(
    chat: LocalChatClient,
) -> None:
    runtime = chat.runtime
    forced = local_settings(
        local_chat=True, microsoft_app_id="app-id", microsoft_app_password="secret"
    )
    local = LocalChat(type(runtime)(forced, runtime.db, runtime.engine), SimulatedClock())
    assert local.demo and not local.clock_enabled
    assert chat.client.app is not None and chat.client.app[CHAT_KEY].clock_enabled


def _click(button: dict[str, Any]) -> dict[str, Any]:
    return {"action_id": button["action_id"], "value": button["value"]}


async def _next_notice(stream: Any) -> dict[str, Any]:
    """The next ``data:`` line of a server-sent event stream (bounded wait)."""
    async with asyncio.timeout(5):
        while True:
            line = (await stream.content.readline()).decode().strip()
            if line.startswith("data:"):
                return dict(json.loads(line[5:]))


async def test_the_demo_admin_receives_a_problem_report_privately(chat: LocalChatClient) -> None:
    """ "Something is wrong" promises the admins are told: Sofia, the demo admin, is."""
    now = chat.runtime.engine.clock()
    async with chat.runtime.db.session() as session:
        people = {
            p.user_id: p for p in (await session.exec(select(Person))).all() if p.id is not None
        }
        started = now - timedelta(days=14)
        await running_pair(session, people["L-priya"], people["L-margaret"], started)
    await chat.post("/local/api/clock", {"advance_seconds": 2 * 86400})
    answer = await chat.persona("L-priya").clicks("Something is wrong")
    assert answer.status == 200
    await chat.post("/local/api/clock", {"advance_seconds": 3 * 86400})
    sofia = chat.persona("L-sofia")
    assert await sofia.sees("says something is wrong in their pair with *Margaret Chen*")
    for other in ("L-margaret", "L-julien", "L-david"):
        assert not await chat.persona(other).sees("says something is wrong")


def _runs(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every styled run of these page messages (texts, notes, field values, typed lines)."""
    found: list[dict[str, Any]] = []
    for message in messages:
        lines = list(message.get("lines", []))
        for element in message.get("elements", []):
            lines += element.get("lines", [])
            for item in element.get("items", []):
                lines += item.get("lines", [])
        found += [run for line in lines for run in line["runs"]]
    return found


async def test_answers_and_typed_lines_are_shown_as_typed_never_as_links(
    chat: LocalChatClient,
) -> None:
    hostile = "<https://evil.example|click here> & <b>bold</b>"
    priya = chat.persona("L-priya")
    await priya.types("/mentoring join")
    await priya.submits(role="mentor")
    await priya.submits(**{**DETAILS, "goals": hostile, "department": "R&D <team>"})
    assert await priya.sees("Please check your enrolment")
    await priya.types("/mentoring mydata")
    await priya.types(hostile, conversation="general")

    runs = _runs(await priya.messages()) + _runs(await priya.messages("general"))
    texts = "".join(run["text"] for run in runs)
    assert "<b>bold</b>" in texts and "R&D <team>" in texts  # as typed: entities decoded
    assert "&amp;" not in texts and "&lt;" not in texts
    for run in runs:
        if "evil.example" in run.get("href", ""):
            assert run["text"] == run["href"]  # a bare address at most, never a disguised link
    assert not any(run.get("text") == "click here" for run in runs)
