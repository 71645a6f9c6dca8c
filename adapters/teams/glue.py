"""``POST /api/messages``: Teams activities in, through botbuilder's ``CloudAdapter``.

Mounted only when it can be trusted: with ``MICROSOFT_APP_ID`` (every request needs a valid
Bot Framework token), or with ``TEAMS_EMULATOR=1`` (no authentication, for the Bot Framework
Emulator: the settings refuse it unless ``HOST`` is loopback, requests must come from this
machine, not through a proxy, and name a loopback ``serviceUrl``).

The request body is read here, so that an oversized body gets a 413, a malformed activity a
400 (and a log line that never holds message text) and a request without a valid token a 401,
all before anything is stored or any call is made. botbuilder authenticates
(``ConfigurationBotFrameworkAuthentication`` from ``MICROSOFT_APP_*``) and runs the turn; the
turn itself works on the raw activity JSON with the pure translator, asks the engine, and
answers through the Bot Connector client of ``connector.py``. Only this module and ``auth.py``
import botbuilder.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from botframework.connector.auth import BotFrameworkAuthentication
from yarl import URL

from adapters.settings import Settings
from adapters.teams import connector as connector_module
from adapters.teams.auth import OutboundTokens, build_authentication
from adapters.teams.cards import notice_activity
from adapters.teams.connector import BotConnector
from adapters.teams.sender import TEAMS_CAPABILITIES, TeamsSender
from adapters.teams.translate import (
    HANDLED_TYPES,
    ActivityInfo,
    BadSubmission,
    BotAdded,
    FormCancelled,
    Ignored,
    Incoming,
    InstallationChanged,
    MalformedActivity,
    Translated,
    activity_type,
    read_activity,
    translate,
)
from adapters.teams.turn import (
    Sleep,
    Turn,
    carry_out,
    message_activity_text,
    replace_or_send,
    with_retries,
)
from bot.core.contribution import NOTHING, Contribution
from bot.core.i18n import Translator, translator
from bot.core.loopback import is_local_request, is_loopback
from bot.core.model import Action, MemberJoined, Platform
from bot.outbox.delivery import DeliveryError
from storage.conversation_refs import (
    PRINCIPAL_NAME,
    find_reference,
    principal_name,
    save_reference,
    set_reachable,
)
from storage.events import first_delivery
from storage.people import find_person

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from app import Runtime
    from storage.tables import Person

log = logging.getLogger(__name__)

JSON = dict[str, Any]

#: The largest activity accepted (the server's own limit); Teams sends a few kilobytes.
MAX_ACTIVITY_BYTES = 1024 * 1024


@dataclass
class TeamsBot:
    """The Teams side of the bot: authenticates, translates, asks the engine, answers."""

    runtime: Runtime
    adapter: CloudAdapter
    authentication: BotFrameworkAuthentication
    connector: BotConnector
    sender: TeamsSender
    tokens: OutboundTokens
    sleep: Sleep = connector_module.pause

    # --- HTTP -------------------------------------------------------------------------------

    @property
    def emulator(self) -> bool:
        """Emulator mode: no app id, nothing authenticated (loopback only)."""
        return not self.runtime.settings.microsoft_app_id

    async def handle_request(self, request: web.Request) -> web.Response:
        """``POST /api/messages``."""
        if self.emulator and not is_local_request(
            request.remote, request.url.host, request.headers.keys()
        ):
            log.warning("refused a Teams emulator request that did not come from this machine")
            return web.json_response({"error": "forbidden"}, status=403)
        if request.content_length is not None and request.content_length > MAX_ACTIVITY_BYTES:
            return _too_large()
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _too_large()
        if len(raw) > MAX_ACTIVITY_BYTES:
            return _too_large()
        try:
            body = json.loads(raw)
            kind = activity_type(body)
            activity = Activity().deserialize(body)
        except (ValueError, MalformedActivity) as exc:
            log.warning("refused a malformed Teams activity: %s", _reason(exc))
            return web.json_response({"error": "malformed activity"}, status=400)
        except Exception as exc:  # msrest's deserializer raises its own error types
            log.warning("refused a malformed Teams activity: %s", type(exc).__name__)
            return web.json_response({"error": "malformed activity"}, status=400)
        if self.emulator and _elsewhere(body.get("serviceUrl")):
            # Unauthenticated: calling the URL a request names would let anyone make the bot
            # send its answers (and requests) anywhere.
            log.warning("refused a Teams emulator activity whose serviceUrl is not on loopback")
            return web.json_response({"error": "forbidden"}, status=403)
        try:
            auth = await self.authentication.authenticate_request(
                activity, request.headers.get("Authorization", "")
            )
        except Exception as exc:  # every way a token can be wrong means the same: 401
            log.warning("refused a Teams request without a valid token (%s)", type(exc).__name__)
            return web.json_response({"error": "unauthorized"}, status=401)
        try:
            invoke = await self.adapter.process_activity(
                auth, activity, lambda context: self.on_turn(context, body)
            )
        except MalformedActivity as exc:
            log.warning("refused a malformed Teams %s activity: %s", kind[:32], exc)
            return web.json_response({"error": "malformed activity"}, status=400)
        except Exception:
            log.exception("failed to handle a Teams %s activity", kind[:32])
            return web.json_response({"error": "internal error"}, status=500)
        if invoke is not None:
            return web.json_response(invoke.body, status=invoke.status)
        return web.Response(status=200)

    # --- the turn ---------------------------------------------------------------------------

    async def on_turn(self, _context: TurnContext, raw: JSON) -> None:
        """Handle one authenticated activity."""
        if raw["type"] not in HANDLED_TYPES:
            return
        info = read_activity(raw)
        settings = self.runtime.settings
        t = translator(info.actor.locale, settings.mentoring_default_locale)
        tenant = settings.microsoft_app_tenant_id
        if tenant and info.tenant_id.lower() != tenant.lower():
            log.warning("refused a Teams activity from another tenant")
            if info.activity_type == "message":
                await self._say(info, t, t("teams.error.tenant"))
            return
        translated = translate(raw, info, self.runtime.engine.is_command)
        person = await self._remember(info, translated)
        if person is not None:
            t = translator(person.locale, settings.mentoring_default_locale)
        await self._act(info, translated, t)

    async def _act(self, info: ActivityInfo, translated: Translated, t: Translator) -> None:
        match translated:
            case Incoming(event=event):
                if isinstance(event, Action) and not self.runtime.engine.knows_action(event):
                    log.info("a Teams card submitted an unknown action id")
                    await self._say(info, t, t("teams.error.bad_submission"))
                    return
                intents = await self.runtime.engine.handle(event)
                await carry_out(self._turn(info, event, t), intents)
            case BadSubmission(reason=reason):
                log.info("a Teams card submission was refused: %s", reason)
                await self._say(info, t, t("teams.error.bad_submission"))
            case FormCancelled():
                notice = notice_activity(t("teams.form.cancelled"))
                turn = self._turn(info, None, t)
                await self._deliver(turn, info.reply_to_id, notice)
            case BotAdded():
                await self._bot_added(info, t)
            case InstallationChanged() | Ignored():
                return

    async def _bot_added(self, info: ActivityInfo, t: Translator) -> None:
        if info.is_personal:
            event = MemberJoined(info.actor, info.conversation, info.activity_id)
            intents = await self.runtime.engine.handle(event)
            await carry_out(self._turn(info, event, t), intents)
            return
        if info.activity_id:
            async with self.runtime.db.session() as session:
                first = await first_delivery(session, Platform.TEAMS.value, info.activity_id)
            if not first:
                return
        await self._say(info, t, t("teams.welcome_team"))

    def _turn(self, info: ActivityInfo, event: Any, t: Translator) -> Turn:
        return Turn(info, event, t, self.connector, self.sender, self.sleep)

    async def _deliver(self, turn: Turn, card_id: str | None, activity: JSON) -> None:
        try:
            await replace_or_send(turn, card_id, activity)
        except DeliveryError as exc:
            log.warning("could not answer on Teams: %s", exc)

    async def _say(self, info: ActivityInfo, t: Translator, text: str) -> None:
        """One line in the activity's conversation (best effort)."""
        service_url = info.conversation.service_url or ""
        conversation_id = info.conversation.channel_id
        try:
            await with_retries(
                lambda: self.connector.send(
                    service_url, conversation_id, message_activity_text(text)
                ),
                self.sleep,
            )
        except DeliveryError as exc:
            log.warning("could not answer on Teams: %s", exc)

    async def _remember(self, info: ActivityInfo, translated: Translated) -> Person | None:
        """Store how to reach the person later: their 1:1 reference, or a seed from a channel."""
        if not info.is_personal and info.activity_type != "message":
            return None  # installs in a team: the installer has not talked to the bot yet
        reference = dict(info.reference)
        if info.is_personal:
            await self._add_principal_name(info, reference)
        removed = isinstance(translated, InstallationChanged) and not translated.added

        async def keep_reference(session: AsyncSession, person: Person) -> None:
            assert person.id is not None
            if info.is_personal:
                channel_id = "" if removed else info.conversation.channel_id
                if removed:
                    reference.pop("conversation", None)
                await save_reference(session, person.id, channel_id, reference)
            elif await find_reference(session, person.id) is None:
                reference.pop("conversation", None)
                await save_reference(session, person.id, "", reference)
            if person.reachable == removed:
                await set_reachable(session, person.id, not removed)
                person.reachable = not removed

        return await self.runtime.engine.remember(info.actor, keep_reference)

    async def _add_principal_name(self, info: ActivityInfo, reference: dict[str, Any]) -> None:
        """Keep the person's sign-in name in their reference (for "open a chat" deep links).

        Activities do not carry it; the Connector's members API does. Asked once per
        person: later activities reuse the stored value. A failure only means no link.
        """
        user = dict(reference.get("user") or {})
        async with self.runtime.db.read_session() as session:
            person = await find_person(
                session, Platform.TEAMS.value, info.tenant_id, info.actor.user.user_id
            )
            known = await principal_name(session, person.id) if person and person.id else None
        if known is None:
            try:
                profile = await self.connector.member_profile(
                    info.conversation.service_url or "",
                    info.conversation.channel_id,
                    info.actor.user.user_id,
                )
            except DeliveryError:
                return
            known = profile.get(PRINCIPAL_NAME)
        if isinstance(known, str) and "@" in known:
            user[PRINCIPAL_NAME] = known[:200]
            reference["user"] = user


def _too_large() -> web.Response:
    log.warning("refused a Teams request larger than %d bytes", MAX_ACTIVITY_BYTES)
    return web.json_response({"error": "request too large"}, status=413)


def _elsewhere(service_url: object) -> bool:
    """An http(s) URL that is not on loopback (anything else is a malformed activity: 400)."""
    if not isinstance(service_url, str) or not service_url.startswith(("https://", "http://")):
        return False
    try:
        return not is_loopback(URL(service_url).host)
    except ValueError:
        return True


def _reason(exc: Exception) -> str:
    if isinstance(exc, MalformedActivity):
        return str(exc)
    return "the body is not JSON"


def contribute(settings: Settings) -> Contribution:
    """What Teams can do (rights come from the settings' rosters)."""
    if not settings.teams_enabled:
        return NOTHING
    return Contribution(capabilities={Platform.TEAMS: TEAMS_CAPABILITIES})


def mount(app: web.Application, runtime: Runtime) -> None:
    """Serve ``POST /api/messages`` and register the Teams sender, with an app id or in
    emulator mode (``TEAMS_EMULATOR=1``); otherwise there is no such endpoint."""
    settings = runtime.settings
    if not settings.teams_enabled:
        return
    authentication = build_authentication(settings)
    tokens = OutboundTokens(authentication, settings.microsoft_app_id)
    connector = BotConnector(tokens.authorization, loopback_only=not settings.microsoft_app_id)
    sender = TeamsSender(runtime.db, connector, settings)
    adapter = CloudAdapter(authentication)
    bot = TeamsBot(runtime, adapter, authentication, connector, sender, tokens)
    runtime.senders[Platform.TEAMS] = sender
    app[TEAMS_BOT] = bot
    app.router.add_post("/api/messages", bot.handle_request)
    if settings.microsoft_app_id:
        log.info("Teams: %s bot, Bot Framework tokens required", settings.microsoft_app_type)
        if settings.microsoft_openid_metadata_url:
            log.warning(
                "Teams: tokens are checked against the keys of MICROSOFT_OPENID_METADATA_URL, "
                "not Microsoft's"
            )
    else:
        log.warning(
            "Teams: emulator mode (TEAMS_EMULATOR=1): /api/messages authenticates nothing; "
            "served to this machine only, answering loopback service URLs only"
        )

    async def close_connector(_app: web.Application) -> None:
        await connector.close()

    app.on_cleanup.append(close_connector)


TEAMS_BOT = web.AppKey("teams_bot", TeamsBot)
