"""Transport glue: slack-bolt's ``AsyncApp`` on the shared aiohttp server, and Socket Mode.

``POST /slack/events`` takes every Slack HTTP request (commands, interactivity,
events): ``to_bolt_request`` → ``AsyncApp.async_dispatch`` → ``to_aiohttp_response``.
Bolt verifies signatures (401) and answers ``url_verification``; the listeners
here translate, ask the engine, and ack within Slack's 3 seconds:

* a command or a submitted modal is answered in its ack when the engine is done
  within ``ack_budget``; otherwise the ack says "working on it" and the answer
  follows through ``response_url`` / ``views.update``;
* clicks and events are acked first and handled right after.

Bolt runs with ``process_before_response`` so no listener polls for its ack; the
work after the ack runs in tasks tracked here (``idle()`` waits for them).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from adapters.settings import Settings
from adapters.slack import translate
from adapters.slack.blocks import notice_view
from adapters.slack.profiles import ProfileCache
from adapters.slack.respond import Answer, Outcome, Responder
from adapters.slack.sender import SLACK_CAPABILITIES, SlackSender
from adapters.slack.socket_mode import run_socket_mode
from adapters.slack.translate import MalformedPayload, Origin, Profile
from adapters.slack.webapi import build_client
from bot.core.contribution import NOTHING, Contribution
from bot.core.i18n import Translator, translator
from bot.core.model import Event, Platform

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

    from app import Runtime

log = logging.getLogger(__name__)


class _NoRequestBodies(logging.Filter):
    """Drops bolt's records that quote a refused request's body."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "body:" not in record.getMessage()


ACK_BUDGET_S = 2.0  # Slack waits 3 s for an ack; keep a margin for the network
DRAIN_TIMEOUT_S = 10.0
ANY = re.compile(r".*", re.DOTALL)

T = TypeVar("T")


class SlackAdapter:
    """The Slack side of the bot: bolt app, Web API client, sender, background work."""

    def __init__(self, runtime: Runtime, client: AsyncWebClient | None = None) -> None:
        settings = runtime.settings
        assert settings.slack_bot_token is not None
        self.settings = settings
        self.engine = runtime.engine
        self.db = runtime.db
        self.signing_secret = settings.slack_signing_secret or ""
        self.client = client or build_client(settings.slack_bot_token, settings.slack_api_url)
        self.sender = SlackSender(
            self.client,
            runtime.db,
            settings.slack_team_id,
            default_locale=settings.mentoring_default_locale,
        )
        self.profiles = ProfileCache(self.client)
        self.responder = Responder(self.client, self.sender, self.http)
        self.ack_budget = ACK_BUDGET_S
        self._identity: AuthorizeResult | None = None
        self.bolt = self._build_bolt()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._http: aiohttp.ClientSession | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def http(self) -> aiohttp.ClientSession:
        """The shared HTTP session (``response_url`` posts and the Web API client)."""
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
            self.client.session = self._http
        return self._http

    async def start(self, _app: web.Application | None = None) -> None:
        """Open the shared HTTP session, so Web API calls reuse connections."""
        self.http()

    async def close(self, _app: web.Application | None = None) -> None:
        """Finish the work in flight (bounded), then close the HTTP session."""
        if self._tasks:
            _done, pending = await asyncio.wait(set(self._tasks), timeout=DRAIN_TIMEOUT_S)
            for task in pending:
                task.cancel()
        if self._http is not None:
            await self._http.close()
            self._http = None
            self.client.session = None

    async def idle(self) -> None:
        """Wait until every answer that follows an ack has been sent (for tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*set(self._tasks), return_exceptions=True)

    def _spawn(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log.error("Slack background work failed: %s", type(exc).__name__, exc_info=exc)

    # --- HTTP ---------------------------------------------------------------------------------

    async def handle_http(self, request: web.Request) -> web.StreamResponse:
        """``POST /slack/events``: verify, dispatch through bolt, answer."""
        if not self.signing_secret:
            log.warning("refused a Slack HTTP request: SLACK_SIGNING_SECRET is not set")
            return web.Response(status=401)
        raw = await request.read()
        # Verified here first, so that no unsigned body is parsed and a malformed signature
        # header (a timestamp that is not a number) is a 401 too: bolt's own check raises on
        # it. bolt verifies again; the cost is one HMAC.
        if not self._signed(raw, request.headers):
            return web.Response(status=401)
        try:
            bolt_request = await to_bolt_request(request)
            kind = translate.payload_kind(bolt_request.body)
        except (ValueError, TypeError, AttributeError, UnicodeDecodeError):
            kind = None
        if kind is None:
            log.warning("malformed Slack request (%d bytes): no command nor type", len(raw))
            return web.Response(status=400)
        response = await self.bolt.async_dispatch(bolt_request)
        if response.status == 404:
            log.warning("unhandled Slack payload of kind %r", kind[:40])
            return web.Response(status=400)
        return await to_aiohttp_response(response)

    def _signed(self, raw: bytes, headers: Mapping[str, str]) -> bool:
        verifier = SignatureVerifier(self.signing_secret)
        try:
            return verifier.is_valid(
                body=raw,
                timestamp=headers.get("X-Slack-Request-Timestamp", ""),
                signature=headers.get("X-Slack-Signature", ""),
            )
        except (ValueError, TypeError):  # a missing or non-numeric timestamp
            return False

    # --- bolt ----------------------------------------------------------------------------------

    async def _identify(self, enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        """The bot's identity from one ``auth.test``.

        bolt's default answers every request with "install this app" while auth.test
        fails (a Web API hiccup, a proxy without it); here the bot keeps serving, and
        its own messages are still recognised by their ``bot_id``. auth.test is asked
        again until it succeeds once.
        """
        token = self.settings.slack_bot_token or ""
        if self._identity is not None:
            return self._identity
        try:
            found = await self.client.auth_test()
        except (SlackApiError, aiohttp.ClientError, TimeoutError):
            log.warning("auth.test failed; serving without the bot's own user id for now")
            return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token)
        self._identity = AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=found.get("team_id") or team_id,
            bot_token=token,
            bot_id=found.get("bot_id"),
            bot_user_id=found.get("user_id"),
        )
        return self._identity

    def _build_bolt(self) -> AsyncApp:
        # bolt logs the whole body of a request with a bad signature: the user's text and
        # the legacy verification token would land in the logs. bolt resets these loggers'
        # levels, so a filter (which it leaves alone) drops those records.
        for name in ("slack_bolt.RequestVerification", "slack_bolt.AsyncRequestVerification"):
            logger = logging.getLogger(name)
            if not any(isinstance(f, _NoRequestBodies) for f in logger.filters):
                logger.addFilter(_NoRequestBodies())

        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            # A plain function: bolt passes arguments by their names (a method's self confuses it).
            return await self._identify(enterprise_id, team_id)

        # auth.test runs once, lazily, on the first request (never at start-up), so building
        # the app needs no network; if it fails, requests are still served (see _authorize).
        bolt = AsyncApp(
            name="mentoring",
            client=self.client,
            signing_secret=self.signing_secret,
            process_before_response=True,
            authorize=authorize,
            logger=logging.getLogger("slack_bolt.mentoring"),
        )
        bolt.command(ANY)(self.on_command)
        bolt.action(ANY)(self.on_action)
        bolt.view_submission(ANY)(self.on_view_submission)
        bolt.view_closed(ANY)(self.ack_only)
        bolt.shortcut(ANY)(self.ack_only)
        bolt.options(ANY)(self.no_options)
        bolt.event(ANY)(self.on_event)
        return bolt

    def _t(self, profile: Profile | None = None) -> Translator:
        locale = profile.locale if profile else None
        return translator(locale, self.settings.mentoring_default_locale)

    def _foreign(self, team_id: str) -> bool:
        expected = self.settings.slack_team_id
        return bool(expected) and team_id != expected

    def _malformed(self, kind: str, exc: MalformedPayload) -> BoltResponse:
        log.warning("malformed Slack %s payload: %s", kind, exc)
        return BoltResponse(status=400, body="")

    async def _within_budget(self, task: asyncio.Task[Any]) -> bool:
        done, _pending = await asyncio.wait({task}, timeout=self.ack_budget)
        return bool(done)

    async def _ask_engine(self, origin: Origin, build: Callable[[Profile], Event]) -> Outcome:
        profile = await self.profiles.profile(origin.team_id, origin.user_id)
        intents = await self.engine.handle(build(profile))
        return Outcome(intents, self._t(profile))

    def _plan(self, plan: Callable[[], Answer], *, view: bool = False) -> Answer:
        """The ack to send; a bug while rendering gives a polite error, not a Slack failure."""
        try:
            return plan()
        except Exception:
            log.exception("could not render an answer for Slack")
            t = self._t()
            if view:
                notice = notice_view(t("slack.error.title"), t("error.internal"), t("slack.close"))
                return Answer(ack={"response_action": "update", "view": notice})
            return Answer(ack={"response_type": "ephemeral", "text": t("error.internal")})

    async def ack_only(self, ack: AsyncAck) -> None:
        """Payloads the bot has nothing to say to (closed modals, shortcuts)."""
        await ack()

    async def no_options(self, ack: AsyncAck) -> None:
        """The bot's selects are static: no external options to load."""
        await ack(options=[])

    async def on_command(self, ack: AsyncAck, body: dict[str, Any]) -> BoltResponse | None:
        """``/mentoring …``: answered in the ack when the engine is quick enough."""
        try:
            origin = translate.command_origin(body)
        except MalformedPayload as exc:
            return self._malformed("command", exc)
        if self._foreign(origin.team_id):
            log.info("refused a command from another Slack workspace")
            await ack(text=self._t()("slack.other_workspace"), response_type="ephemeral")
            return None
        task = self._spawn(
            self._ask_engine(origin, lambda p: translate.command_event(body, origin, p))
        )
        if not await self._within_budget(task):
            await ack(text=self._t()("slack.working"), response_type="ephemeral")
            self._spawn(self._deliver_late(task, origin))
            return None
        answer = self._plan(lambda: self.responder.plan_command(task.result(), origin))
        await ack(**(answer.ack or {}))
        if answer.later:
            self._spawn(answer.run_later())
        return None

    async def on_view_submission(self, ack: AsyncAck, body: dict[str, Any]) -> BoltResponse | None:
        """A submitted modal: errors, the next step or closing it, in the ack."""
        try:
            origin = translate.view_origin(body)
            translate.submission_event(body, origin, Profile())  # fail fast on a bad payload
        except MalformedPayload as exc:
            return self._malformed("view_submission", exc)
        t = self._t()
        if self._foreign(origin.team_id):
            view = notice_view(
                t("slack.other_workspace.title"), t("slack.other_workspace"), t("slack.close")
            )
            await ack(response_action="update", view=view)
            return None
        task = self._spawn(
            self._ask_engine(origin, lambda p: translate.submission_event(body, origin, p))
        )
        if not await self._within_budget(task):
            view = notice_view(t("slack.working.title"), t("slack.working"), t("slack.close"))
            await ack(response_action="update", view=view)
            self._spawn(self._deliver_late(task, origin))
            return None
        answer = self._plan(
            lambda: self.responder.plan_submission(task.result(), origin), view=True
        )
        await ack(**(answer.ack or {}))
        if answer.later:
            self._spawn(answer.run_later())
        return None

    async def on_action(self, ack: AsyncAck, body: dict[str, Any]) -> BoltResponse | None:
        """A click or a choice: acked at once, handled right after."""
        if body.get("type") != "block_actions":
            await ack()
            return None
        try:
            origin = translate.action_origin(body)
            translate.action_event(body, origin, Profile())
        except MalformedPayload as exc:
            return self._malformed("block_actions", exc)
        await ack()
        if self._foreign(origin.team_id):
            log.info("refused a click from another Slack workspace")
            self._spawn(self.responder.refuse(origin, self._t()))
            return None
        self._spawn(self._handle_click(body, origin))
        return None

    async def _handle_click(self, body: dict[str, Any], origin: Origin) -> None:
        # A double click is the engine's redelivery: it answers it with nothing.
        outcome = await self._ask_engine(origin, lambda p: translate.action_event(body, origin, p))
        await self.responder.deliver(outcome.intents, origin, outcome.t)

    async def on_event(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> BoltResponse | None:
        """Events API: acked at once; Slack's redeliveries are dropped by event id."""
        try:
            request = translate.event_request(body, context.bot_user_id)
        except MalformedPayload as exc:
            return self._malformed("event", exc)
        await ack()
        if request is None:
            return None
        if self._foreign(request.origin.team_id):
            log.info("refused an event from another Slack workspace")
            if request.type in ("message", "app_mention"):
                self._spawn(self.responder.refuse(request.origin, self._t()))
            return None
        self._spawn(self._handle_event(request))
        return None

    async def _handle_event(self, request: translate.EventRequest) -> None:
        outcome = await self._ask_engine(
            request.origin, lambda p: translate.event_from_request(request, p)
        )
        await self.responder.deliver(outcome.intents, request.origin, outcome.t)

    async def _deliver_late(self, task: Awaitable[Outcome], origin: Origin) -> None:
        outcome = await task
        await self.responder.deliver(outcome.intents, origin, outcome.t)

    async def run_socket_mode(self) -> None:
        """The Socket Mode connection (a background job of the server)."""
        assert self.settings.slack_app_token is not None
        await run_socket_mode(self.bolt, self.settings.slack_app_token)


SLACK_KEY = web.AppKey("slack", SlackAdapter)


def contribute(settings: Settings) -> Contribution:
    """What Slack can do (rights come from the settings' rosters)."""
    if not settings.slack_enabled:
        return NOTHING
    return Contribution(capabilities={Platform.SLACK: SLACK_CAPABILITIES})


def mount(app: web.Application, runtime: Runtime) -> None:
    """Mount the Slack adapter when Slack is configured; register its sender and Socket Mode."""
    if not runtime.settings.slack_enabled:
        return
    slack = SlackAdapter(runtime)
    app[SLACK_KEY] = slack
    runtime.senders[Platform.SLACK] = slack.sender
    app.router.add_post("/slack/events", slack.handle_http)
    app.on_startup.append(slack.start)
    app.on_cleanup.append(slack.close)
    if runtime.settings.slack_app_token:
        runtime.background.append(slack.run_socket_mode)
    mode = "HTTP + Socket Mode" if runtime.settings.slack_app_token else "HTTP"
    log.info("Slack adapter mounted (%s)", mode)
