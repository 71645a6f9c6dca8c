"""The local web chat's transport: the page at ``/``, a JSON API and server-sent events.

Enabled by ``settings.local_chat_enabled``. Demo personas, their rights and the
clock exist only on a loopback address: every API request must also come from
loopback, name a loopback host (which also defeats DNS rebinding) and carry no
proxy's forwarding header, and every write must be JSON (which a cross-site form
cannot send without a preflight).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlmodel.ext.asyncio.session import AsyncSession
from yarl import URL

from adapters.local import live, personas, translate
from adapters.local.clock import MAX_ADVANCE, SimulatedClock
from adapters.local.personas import Persona
from adapters.local.sender import LocalSender
from adapters.local.translate import BadRequest, Origin, Stored
from adapters.settings import Settings
from bot.core.capabilities import PLAIN
from bot.core.contribution import NOTHING, Contribution
from bot.core.i18n import Translator, load_catalog, translator
from bot.core.identity import roster_of
from bot.core.loopback import is_local_request, is_loopback
from bot.core.markup import unescape
from bot.core.model import Event, HomeOpened, MemberJoined, Platform
from storage import local_chat
from storage.local_chat import LocalMessage
from storage.people import find_person

if TYPE_CHECKING:
    from app import Runtime

log = logging.getLogger(__name__)

LANG_KEY = web.RequestKey("local_lang", str)  # the language of the persona a request names

STATIC = Path(__file__).parent / "static"
STATIC_FILES = {
    "app.js": "text/javascript",
    "style.css": "text/css",
    "favicon.svg": "image/svg+xml",
}
MAX_BODY = 64 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: https:; script-src 'self'; "
        "style-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@cache
def _ui_keys() -> tuple[str, ...]:
    ids = (m.id for m in load_catalog("en"))
    return tuple(sorted(i for i in ids if isinstance(i, str) and i.startswith("local.ui.")))


def ui_strings(t: Translator) -> dict[str, str]:
    """The page's own words, in one language, from the catalogs."""
    return {key.removeprefix("local.ui."): unescape(t(key)) for key in _ui_keys()}


# The commands the composer suggests, by conversation; shown in the reader's words.
SUGGESTED = {"dm": ("help", "join", "status", "feedback"), "general": ("stats",)}


def suggestions(t: Translator) -> dict[str, list[str]]:
    """``/mentoring aide``, ``/mentoring rejoindre``… for a French reader."""
    return {
        conversation: [f"/mentoring {t.command(word)}" for word in words]
        for conversation, words in SUGGESTED.items()
    }


class LocalChat:
    """The local chat's state: the runtime it talks to, the live hub and the clock."""

    def __init__(self, runtime: Runtime, clock: SimulatedClock) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.db = runtime.db
        self.engine = runtime.engine
        self.hub = live.Hub()
        self.clock = clock
        self.demo = is_loopback(self.settings.host)
        self.clock_enabled = _clock_enabled(self.settings)

    # --- Start-up -----------------------------------------------------------------

    async def start(self) -> None:
        """Load the clock; create the personas that do not exist yet and welcome them."""
        if not self.demo:
            log.warning("local chat: HOST is not a loopback address, demo personas are off")
            return
        if self.clock_enabled:
            await self.clock.load(self.engine)  # the engine was built on this clock
        async with self.db.session() as session:
            created = await personas.missing(session)
        for persona in created:
            dm = translate.dm_id(persona.user_id)
            ref = translate.conversation_ref(dm)
            await self.run(MemberJoined(persona.actor, ref), Origin(persona.user_id, dm))
        if created:
            async with self.db.session() as session:
                await personas.record_reporting_lines(session, created)
            log.info("local chat: created %d demo personas", len(created))

    # --- The pipeline: event → engine → intents → stored messages → notices ----------

    async def run(
        self,
        event: Event | None,
        origin: Origin,
        echo: translate.Effect | None = None,
    ) -> list[dict[str, Any]]:
        """Handle one event and store what the persona (and others) now see.

        ``echo`` is stored first: the line the persona typed, or a local-only change.
        """
        intents = await self.engine.handle(event) if event is not None else []
        changes: list[translate.Effect] = [echo] if echo else []
        changes += translate.effects(intents, origin)
        touched: list[LocalMessage] = []
        removed: set[tuple[str | None, str]] = set()
        async with self.db.session() as session:
            for change in changes:
                touched += await self._apply(session, change, removed)
        for viewer, conversation in removed | {(r.viewer, r.conversation) for r in touched}:
            self.notify(viewer, conversation)
        return [translate.page_message(_stored(r)) for r in touched]

    async def _apply(
        self,
        session: AsyncSession,
        change: translate.Effect,
        removed: set[tuple[str | None, str]],
    ) -> list[LocalMessage]:
        match change:
            case translate.Append(conversation, viewer, kind, payload, active):
                row = await local_chat.add_message(
                    session,
                    conversation=conversation,
                    viewer=viewer,
                    kind=kind,
                    payload=payload,
                    active=active,
                    created_at=self.clock.now(),
                )
                return [row]
            case translate.Replace(message_id, kind, payload, active, instead):
                found = await local_chat.get_message(session, message_id)
                if found is None:
                    return await self._apply(session, instead, removed) if instead else []
                row = await local_chat.replace_message(
                    session, found, payload=payload, kind=kind, active=active
                )
                return [row]
            case translate.CloseOpenForms(viewer):
                rows = []
                for form in await local_chat.open_forms(session, viewer):
                    closed = translate.closed_form_payload(form.payload, "replaced")
                    rows.append(
                        await local_chat.replace_message(
                            session, form, payload=closed, kind="form", active=False
                        )
                    )
                return rows
            case translate.SetHome(viewer, payload):
                home = translate.home_id(viewer)
                await local_chat.clear_conversation(session, home)
                removed.add((viewer, home))
                row = await local_chat.add_message(
                    session,
                    conversation=home,
                    viewer=viewer,
                    kind="bot",
                    payload=payload,
                    created_at=self.clock.now(),
                )
                return [row]
        return []

    def notify(self, viewer: str | None, conversation: str) -> None:
        """Tell the pages that a conversation changed (not what it says)."""
        key = translate.conversation_key(conversation)
        if key is not None:
            self.hub.publish({"type": "message", "viewer": viewer, "conversation": key})

    # --- Requests ------------------------------------------------------------------

    def check_request(self, request: web.Request) -> None:
        """Refuse anything not from loopback, to a loopback host, from our own origin.

        A request relayed by a reverse proxy (``Forwarded``, ``X-Forwarded-For``...) comes
        from loopback too, but not from this machine's user: it is refused as well.
        """
        if not self.demo or not is_local_request(
            request.remote, request.url.host, request.headers.keys()
        ):
            raise BadRequest(403, "loopback_only")
        origin = request.headers.get("Origin")
        if origin and origin != "null" and not is_loopback(URL(origin).host):
            raise BadRequest(403, "cross_origin")

    async def persona(self, request: web.Request, persona_id: object) -> Persona:
        """The persona a request names; its language becomes the language of errors."""
        found = personas.find(persona_id) if isinstance(persona_id, str) else None
        if found is None:
            raise BadRequest(404, "unknown_persona", persona=str(persona_id)[:40])
        request[LANG_KEY] = await self.language(found)
        return found

    async def language(self, persona: Persona) -> str:
        """The persona's language as stored (``/mentoring language`` changes it)."""
        async with self.db.session() as session:
            person = await find_person(
                session, Platform.LOCAL.value, translate.WORKSPACE, persona.user_id
            )
        return person.locale if person is not None else persona.locale

    async def visible_message(self, persona: Persona, message_id: int) -> Stored:
        """A message the persona may see and act on; others' messages do not exist for them."""
        async with self.db.session() as session:
            row = await local_chat.get_message(session, message_id)
        if row is None or not _visible_to(row, persona.user_id):
            raise BadRequest(404, "unknown_message")
        return _stored(row)

    def persona_json(self, p: Persona, t: Translator) -> dict[str, Any]:
        """A persona as the page shows it."""
        return {
            "id": p.user_id,
            "name": p.name,
            "initials": p.initials,
            "color": p.color,
            "role": p.role,
            "role_label": unescape(t(f"local.ui.role.{p.role}")),
            "title": unescape(t(f"local.persona.{p.key}")),
            "locale": p.locale,
            "timezone": p.timezone,
            "admin": self.engine.is_admin(p.actor.user),
            "manager": self.engine.is_manager(p.actor.user),
        }

    def clock_json(self) -> dict[str, Any]:
        """The simulated clock, for the page."""
        return {
            "enabled": self.clock_enabled,
            "now": self.clock.now().isoformat(),
            "offset_seconds": self.clock.offset.total_seconds(),
        }


def _visible_to(row: LocalMessage, user_id: str) -> bool:
    if row.viewer is not None:
        return row.viewer == user_id
    owned = translate.owner(row.conversation)
    return owned is None or owned == user_id


def _stored(row: LocalMessage) -> Stored:
    assert row.id is not None
    return Stored(
        row.id, row.conversation, row.viewer, row.kind, row.active, row.payload, row.created_at
    )


async def read_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object, or a clear 4xx."""
    if request.content_type != "application/json":
        raise BadRequest(415, "content_type")
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise BadRequest(413, "body_too_large", max=MAX_BODY)
    try:
        raw = await request.content.read(MAX_BODY + 1)
    except web.HTTPRequestEntityTooLarge:
        raise BadRequest(413, "body_too_large", max=MAX_BODY) from None
    if len(raw) > MAX_BODY:
        raise BadRequest(413, "body_too_large", max=MAX_BODY)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest(400, "not_json") from None
    if not isinstance(data, dict):
        raise BadRequest(400, "not_json")
    return data


CHAT_KEY = web.AppKey("local_chat", LocalChat)
ApiHandler = Callable[[LocalChat, web.Request], Awaitable[web.StreamResponse]]


def api(handler: ApiHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Check where the request comes from; turn a ``BadRequest`` into a JSON error."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        chat = request.app[CHAT_KEY]
        try:
            chat.check_request(request)
            return await handler(chat, request)
        except BadRequest as exc:
            t = translator(
                request.get(LANG_KEY) or chat.settings.mentoring_default_locale,
                chat.settings.mentoring_default_locale,
            )
            params = {
                k: t.number(v) if isinstance(v, int) and not isinstance(v, bool) else v
                for k, v in exc.params.items()
            }
            message = unescape(t(f"local.error.{exc.code}", **params))  # shown as text
            return web.json_response(
                {"error": exc.code, "message": message}, status=exc.status, headers=SECURITY_HEADERS
            )

    return wrapped


def _json(data: Mapping[str, Any], status: int = 200) -> web.Response:
    return web.json_response(dict(data), status=status, headers=SECURITY_HEADERS)


# --- Routes ------------------------------------------------------------------------


async def index(request: web.Request) -> web.StreamResponse:
    """The page itself (it shows why when the API refuses to serve personas)."""
    return web.Response(
        body=(STATIC / "index.html").read_bytes(),
        content_type="text/html",
        charset="utf-8",
        headers=SECURITY_HEADERS,
    )


async def static_file(request: web.Request) -> web.StreamResponse:
    """The page's script, style sheet and icon; nothing else is served from disk."""
    name = request.match_info["name"]
    if name not in STATIC_FILES:
        raise web.HTTPNotFound()
    return web.Response(
        body=(STATIC / name).read_bytes(), content_type=STATIC_FILES[name], headers=SECURITY_HEADERS
    )


@api
async def workspace(chat: LocalChat, request: web.Request) -> web.StreamResponse:
    """The personas, the page's words in the default language, the clock."""
    lang = request.query.get("lang") or chat.settings.mentoring_default_locale
    t = translator(lang, chat.settings.mentoring_default_locale)
    return _json(
        {
            "lang": t.lang,
            "ui": ui_strings(t),
            "suggestions": suggestions(t),
            "personas": [chat.persona_json(p, t) for p in personas.PERSONAS],
            "clock": chat.clock_json(),
        }
    )


@api
async def persona_view(chat: LocalChat, request: web.Request) -> web.StreamResponse:
    """One persona, with the page's words in that persona's language."""
    p = await chat.persona(request, request.match_info["persona"])
    t = translator(request[LANG_KEY], chat.settings.mentoring_default_locale)
    return _json(
        {
            "lang": t.lang,
            "ui": ui_strings(t),
            "suggestions": suggestions(t),
            "persona": chat.persona_json(p, t),
            "personas": [chat.persona_json(other, t) for other in personas.PERSONAS],
        }
    )


@api
async def messages(chat: LocalChat, request: web.Request) -> web.StreamResponse:
    """The messages of one conversation that the persona may see."""
    p = await chat.persona(request, request.match_info["persona"])
    key = request.match_info["conversation"]
    conversation = translate.conversation_id(key, p.user_id)
    async with chat.db.session() as session:
        rows = await local_chat.visible_messages(session, conversation, p.user_id)
    return _json(
        {"conversation": key, "messages": [translate.page_message(_stored(r)) for r in rows]}
    )


@api
async def command(chat: LocalChat, request: web.Request) -> web.StreamResponse:
    """A persona typed a line: ``/mentoring ...``, free text to the bot, or channel chat."""
    body = await read_body(request)
    p = await chat.persona(request, body.get("persona"))
    key = translate.require_text(body, "conversation", 16)
    if key not in ("dm", "general"):
        raise BadRequest(404, "unknown_conversation")
    conversation = translate.conversation_id(key, p.user_id)
    event = translate.command_event(body, p.actor, conversation)
    text = event.text if event is not None else str(body["text"]).strip()
    # A slash command is seen only by who typed it (as in Slack); channel chat by everyone.
    viewer = p.user_id if event is not None else None
    echo = translate.Append(
        conversation, viewer, "user", translate.user_payload(p.user_id, p.name, text)
    )
    shown = await chat.run(event, Origin(p.user_id, conversation), echo)
    return _json({"messages": shown})


@api
async def action(chat: LocalChat, request: web.Request) -> web.StreamResponse:
    """A click on a button, or a pick in a choice."""
    body = await read_body(request)
    p = await chat.persona(request, body.get("persona"))
    stored = await chat.visible_message(p, translate.require_int(body, "message_id"))
    event = translate.action_event(body, p.actor, stored)
    if translate.conversation_key(stored.conversation) == "home":
        # The home view is redrawn as a whole: answers to its buttons go to the DM.
        origin = Origin(p.user_id, translate.dm_id(p.user_id))
    else:
        origin = Origin(p.user_id, stored.conversation, stored)
    return _json({"messages": await chat.run(event, origin)})


@api
async def submit_form(chat: LocalChat, request: web.Request) -> web.StreamResponse:
    """A submitted form."""
    body = await read_body(request)
    p = await chat.persona(request, body.get("persona"))
    stored = await chat.visible_message(p, translate.require_int(body, "message_id"))
    event = translate.form_event(body, p.actor, stored)
    origin = Origin(p.user_id, stored.conversation, stored, event.values)
    return _json({"messages": await chat.run(event, origin)})


@api
async def cancel_form(chat: LocalChat, request: web.Request) -> web.StreamResponse:
    """The persona closed a form without submitting it (the bot is not told, as in Slack)."""
    body = await read_body(request)
    p = await chat.persona(request, body.get("persona"))
    stored = await chat.visible_message(p, translate.require_int(body, "message_id"))
    translate.stored_form(stored)
    closed = translate.closed_form_payload(stored.payload, "cancelled")
    change = translate.Replace(stored.id, "form", closed)
    return _json({"messages": await chat.run(None, Origin(p.user_id, stored.conversation), change)})


@api
async def open_home(chat: LocalChat, request: web.Request) -> web.StreamResponse:
    """The persona opened their home view."""
    body = await read_body(request)
    p = await chat.persona(request, body.get("persona"))
    dm = translate.dm_id(p.user_id)
    event = HomeOpened(p.actor, translate.conversation_ref(dm))
    return _json({"messages": await chat.run(event, Origin(p.user_id, dm))})


@api
async def get_clock(chat: LocalChat, request: web.Request) -> web.StreamResponse:
    """The simulated time."""
    return _json(chat.clock_json())


@api
async def advance_clock(chat: LocalChat, request: web.Request) -> web.StreamResponse:
    """Move the simulated time forward and run the scheduler's sweeps at the new time."""
    if not chat.clock_enabled:
        raise BadRequest(403, "clock_disabled")
    body = await read_body(request)
    seconds = body.get("advance_seconds")
    limit = int(MAX_ADVANCE.total_seconds())
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= limit:
        raise BadRequest(400, "clock_range", max=MAX_ADVANCE.days)
    now, counts = await chat.clock.advance(
        chat.engine, timedelta(seconds=seconds), chat.runtime.senders
    )
    chat.hub.publish({"type": "clock", "now": now.isoformat()})
    return _json({**chat.clock_json(), "sweeps": counts})


@api
async def events(chat: LocalChat, request: web.Request) -> web.StreamResponse:
    """Server-sent change notices."""
    return await live.stream(request, chat.hub)


@api
async def not_found(chat: LocalChat, request: web.Request) -> web.StreamResponse:
    """Any other API path."""
    raise BadRequest(404, "not_found")


def _clock_enabled(settings: Settings) -> bool:
    # Moving time moves it for everyone: only when no real workspace is connected.
    return is_loopback(settings.host) and not (settings.slack_enabled or settings.teams_configured)


def contribute(settings: Settings) -> Contribution:
    """The demo personas' admin and manager rights, and the simulated clock."""
    if not settings.local_chat_enabled:
        return NOTHING
    clock = SimulatedClock()
    if not is_loopback(settings.host):
        return Contribution(state=clock)  # no demo personas off loopback
    return Contribution(
        capabilities={Platform.LOCAL: PLAIN},
        admins=roster_of(p.actor.user for p in personas.with_role("admin")),
        managers=roster_of(p.actor.user for p in personas.with_role("manager")),
        clock=clock.now if _clock_enabled(settings) else None,
        state=clock,
    )


def mount(app: web.Application, runtime: Runtime) -> None:
    """Serve the local chat when it is enabled, and register its sender."""
    if not runtime.settings.local_chat_enabled:
        return
    contributed = runtime.contributions.get("local")
    clock = contributed.state if contributed is not None else None
    chat = LocalChat(runtime, clock if isinstance(clock, SimulatedClock) else SimulatedClock())
    app[CHAT_KEY] = chat
    runtime.senders[Platform.LOCAL] = LocalSender(runtime.db, chat.hub, chat.clock.stamp)
    r = app.router
    r.add_get("/", index)
    r.add_get("/local/static/{name}", static_file)
    r.add_get("/local/api/workspace", workspace)
    r.add_get("/local/api/personas/{persona}", persona_view)
    r.add_get("/local/api/personas/{persona}/conversations/{conversation}", messages)
    r.add_post("/local/api/command", command)
    r.add_post("/local/api/action", action)
    r.add_post("/local/api/form", submit_form)
    r.add_post("/local/api/form/cancel", cancel_form)
    r.add_post("/local/api/home", open_home)
    r.add_get("/local/api/clock", get_clock)
    r.add_post("/local/api/clock", advance_clock)
    r.add_get("/local/api/events", events)
    r.add_route("*", "/local/api/{tail:.*}", not_found)

    async def start(_app: web.Application) -> None:
        await chat.start()

    async def stop(_app: web.Application) -> None:
        chat.hub.close()

    app.on_startup.append(start)
    app.on_shutdown.append(stop)
