"""The engine: one inbound event in, a list of intents out. It never sends anything itself.

Messages to other people (``SendDirect``) are written to the outbox in the same
transaction as the change that caused them, and sent later by the outbox worker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from cachetools import LRUCache
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.capabilities import Capabilities
from bot.core.i18n import LANGUAGES, normalize_locale, translator
from bot.core.identity import NOBODY, Roster
from bot.core.metrics import ENGINE_SECONDS
from bot.core.model import (
    Action,
    Actor,
    Command,
    Event,
    FormSubmission,
    HomeOpened,
    Intent,
    MemberJoined,
    PlainMessage,
    Platform,
    Reply,
    SendDirect,
    UserRef,
)
from bot.core.replies import error_message, text_message
from bot.core.routing import ROUTES, CommandSpec, Context, Routes, command_words
from bot.core.serialize import to_data
from bot.core.settings import CoreSettings
from storage import outbox
from storage.db import Database
from storage.events import first_delivery
from storage.known_people import Identity, KnownPeople, untouched
from storage.people import find_person, upsert_person
from storage.tables import Person
from storage.types import utcnow

log = logging.getLogger(__name__)


class Engine:
    """The platform-neutral bot."""

    def __init__(
        self,
        db: Database,
        settings: CoreSettings,
        *,
        clock: Callable[[], datetime] = utcnow,
        routes: Routes = ROUTES,
        extra_admins: Roster = NOBODY,
        extra_managers: Roster = NOBODY,
        on_outbox: Callable[[], None] | None = None,
        capabilities: Mapping[Platform, Capabilities] | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.routes = routes
        # The one source of truth for rights and for "the admins are told".
        self.admins = settings.admins | extra_admins
        self.managers = settings.managers | extra_managers
        # What each platform can do, as its adapter declared (introductions ask it).
        self.capabilities: Mapping[Platform, Capabilities] = dict(capabilities or {})
        self.on_outbox = on_outbox  # wakes the outbox worker when a handler queued a message
        self._recent = RecentIds()
        # One process owns a SQLite file, so it can remember who is who (storage/known_people).
        self.known_people = KnownPeople(lambda: db.people_generation) if db.is_sqlite else None

    def is_admin(self, user: UserRef, directory_id: str | None = None) -> bool:
        """Admins are listed in MENTORING_ADMINS by qualified identity (platform:workspace:user)."""
        return self.admins.includes(user, directory_id)

    def is_manager(self, user: UserRef, directory_id: str | None = None) -> bool:
        """Managers are listed in MENTORING_MANAGERS the same way."""
        return self.managers.includes(user, directory_id)

    def is_command(self, word: str) -> bool:
        """A first word that is a visible command, or close enough to one to suggest it."""
        spec, _rest = self.routes.resolve([word])
        if spec is not None:
            return not spec.hidden
        return self.routes.suggestion(word) is not None

    def knows_action(self, event: Action) -> bool:
        """True when a feature handles this button (a forged or stale id does not)."""
        return self.routes.action_handler(event) is not None

    async def remember(
        self,
        actor: Actor,
        then: Callable[[AsyncSession, Person], Awaitable[None]] | None = None,
    ) -> Person:
        """Record who ``actor`` is, as ``handle`` does, and let ``then`` store what the
        adapter needs to reach them later (a Teams conversation reference), in one
        transaction: for platform events the engine does not answer (an install)."""
        async with self.db.session() as session:
            person = await _upsert(session, actor)
            if then is not None:
                await then(session, person)
        return person

    async def handle(self, event: Event) -> list[Intent]:
        """Answer one event. Redeliveries of an event id get no answer at all."""
        started = time.perf_counter()
        spec = self._command_spec(event)  # resolved once: for the read-only path and the metric
        try:
            return await self._handle(event, spec)
        finally:
            ENGINE_SECONDS.labels(type(event).__name__, self._metric_label(event, spec)).observe(
                time.perf_counter() - started
            )

    def _metric_label(self, event: Event, spec: CommandSpec | None) -> str:
        """The command's words, or the handler's id: a bounded label, never user text."""
        if isinstance(event, Command | PlainMessage):
            return " ".join(spec.path) if spec is not None else "other"
        if isinstance(event, Action):
            return event.action_id if self.knows_action(event) else "other"
        return ""

    async def _handle(self, event: Event, spec: CommandSpec | None) -> list[Intent]:
        user = event.actor.user
        try:
            read_only = isinstance(event, Command | PlainMessage) and (
                spec is None or spec.read_only
            )
            if read_only:
                # Nothing to write: a redelivery is recognised in memory (see RecentIds).
                if self._recent.seen(user.platform.value, event.event_id):
                    log.info("ignored a redelivered %s event", user.platform.value)
                    return []
                answered = await self._answer_read_only(event)
                if answered is not None:
                    return answered
            async with self.db.session() as session:
                if not read_only and await self._redelivered(session, event):
                    return []
                person = await _upsert(session, event.actor)
                ctx = self._context(event, person, session)
                intents = await self._dispatch(ctx)
                await self._queue_direct_messages(ctx, intents)
                # Handlers may also enqueue directly (introductions, check-in replies).
                queued = bool(session.info.pop(outbox.QUEUED_FLAG, False))
        except Exception:
            # Nothing was saved (the transaction rolled back); say so, without echoing input.
            log.exception("failed to handle a %s event", type(event).__name__)
            t = translator(event.actor.locale, self.settings.mentoring_default_locale)
            return [Reply(error_message(t))]
        if queued and self.on_outbox is not None:
            self.on_outbox()
        return [i for i in intents if not isinstance(i, SendDirect)]

    def _context(self, event: Event, person: Person, session: AsyncSession) -> Context:
        """What a handler needs: the person in their language, their rights, the time."""
        user, directory = event.actor.user, event.actor.directory_id or person.directory_id
        return Context(
            event=event,
            person=person,
            session=session,
            settings=self.settings,
            t=translator(person.locale, self.settings.mentoring_default_locale),
            now=self.clock(),
            is_admin=self.is_admin(user, directory),
            is_manager=self.is_manager(user, directory),
            admins=self.admins,
            capabilities=self.capabilities,
        )

    def _command_spec(self, event: Event) -> CommandSpec | None:
        """The command typed, if the event is one and the words name one."""
        if isinstance(event, Command):
            spec, _ = self.routes.resolve(command_words(event))
        elif isinstance(event, PlainMessage):
            spec, _ = self.routes.resolve(event.text.split())
        else:
            return None
        return spec

    async def _answer_read_only(self, event: Event) -> list[Intent] | None:
        """Answer from a read transaction; None when the person must be written first."""
        user = event.actor.user
        identity = (user.platform.value, user.workspace, user.user_id)
        async with self.db.read_session() as session:
            person = await self._known_person(session, identity)
            if person is None or _profile_changed(person, event.actor):
                return None
            ctx = self._context(event, person, session)
            intents = await self._dispatch(ctx)
            wrote = session.new or session.dirty or not untouched(person)
            if any(isinstance(i, SendDirect) for i in intents) or wrote:
                if self.known_people is not None:
                    self.known_people.forget(identity)
                raise RuntimeError("a read-only command tried to write")
        return intents

    async def _known_person(self, session: AsyncSession, identity: Identity) -> Person | None:
        """Who sent the event: remembered (SQLite) or read, and then remembered."""
        known = self.known_people
        if known is None:
            return await find_person(session, *identity)
        person = known.get(identity)
        if person is None:
            generation = known.generation()  # before the read: a change meanwhile voids it
            person = await find_person(session, *identity)
            if person is not None:
                known.remember(identity, person, generation)
        return person

    async def _redelivered(self, session: AsyncSession, event: Event) -> bool:
        """Record the event id; True when the platform delivered it before."""
        platform = event.actor.user.platform.value
        if event.event_id and not await first_delivery(session, platform, event.event_id):
            log.info("ignored a redelivered %s event", platform)
            return True
        if isinstance(event, Action) and event.neighbour_id:
            await first_delivery(session, platform, event.neighbour_id)
        return False

    async def _dispatch(self, ctx: Context) -> list[Intent]:
        event = ctx.event
        match event:
            case Command() | PlainMessage():
                return await self._command(ctx, event)
            case Action():
                action_handler = self.routes.action_handler(event)
                if action_handler is None:
                    log.info("ignored unknown action id %r", event.action_id[:64])
                    return []
                return await action_handler(ctx)
            case FormSubmission():
                form_handler = self.routes.form_handler(event)
                if form_handler is None:
                    log.info("ignored unknown form id %r", event.form_id[:64])
                    return [Reply(text_message(ctx.t("error.stale")))]
                return await form_handler(ctx)
            case MemberJoined():
                return await self.routes.commands[("welcome",)].handler(ctx)
            case HomeOpened():
                return await self.routes.commands[("home",)].handler(ctx)
        return []

    async def _command(self, ctx: Context, event: Command | PlainMessage) -> list[Intent]:
        words = command_words(event) if isinstance(event, Command) else event.text.split()
        spec, rest = self.routes.resolve(words)
        if spec is None and isinstance(event, PlainMessage):
            spec, rest = self.routes.commands[("chat",)], words
        if spec is None:
            spec, rest = self.routes.commands[("unknown",)], words
        if (spec.admin and not ctx.is_admin) or (
            spec.manager and not (ctx.is_manager or ctx.is_admin)
        ):
            key = "error.admin_only" if spec.admin else "error.manager_only"
            return [Reply(text_message(ctx.t(key)))]
        ctx.args = rest
        return await spec.handler(ctx)

    async def _queue_direct_messages(self, ctx: Context, intents: list[Intent]) -> None:
        """Write ``SendDirect`` intents to the outbox, in the event's transaction."""
        for intent in intents:
            if isinstance(intent, SendDirect):
                user = intent.user
                # With the recipient's person id, the worker keeps to their working hours
                # and an erasure also drops what is still waiting for them.
                recipient = await find_person(
                    ctx.session, user.platform.value, user.workspace, user.user_id
                )
                await outbox.enqueue(
                    ctx.session,
                    key=intent.key,
                    platform=user.platform.value,
                    target=to_data(user),
                    payload=to_data(intent.message),
                    person_id=recipient.id if recipient is not None else None,
                )


class RecentIds:
    """The last event ids of read-only commands, to drop their redeliveries.

    A read-only answer changes nothing, so a redelivery that reaches another process
    or comes after a restart only repeats an answer: it is not worth a write per
    command, which would double the cost of ``help`` and ``status``. Events with side
    effects keep their durable record (``storage.events``).
    """

    def __init__(self, size: int = 20_000) -> None:
        self._ids: LRUCache[tuple[str, str], None] = LRUCache(size)

    def seen(self, platform: str, event_id: str | None) -> bool:
        """Remember the id; True when it was seen before. No id: never seen."""
        if not event_id:
            return False
        key = (platform, event_id)
        if key in self._ids:
            return True
        self._ids[key] = None
        return False


def _profile_changed(person: Person, actor: Actor) -> bool:
    """True when the platform tells something new about the person (to be stored)."""
    lang = _language(actor.locale)
    return bool(
        (actor.display_name and actor.display_name[:200] != person.display_name)
        or (lang and not person.locale_chosen and lang != person.locale)
        or (actor.timezone and actor.timezone != person.timezone)
    )


async def _upsert(session: AsyncSession, actor: Actor) -> Person:
    """The person behind ``actor``, created or refreshed from what the platform says."""
    user = actor.user
    return await upsert_person(
        session,
        platform=user.platform.value,
        workspace=user.workspace,
        user_id=user.user_id,
        display_name=actor.display_name,
        locale=_language(actor.locale),
        timezone=actor.timezone,
        directory_id=actor.directory_id,
    )


def _language(locale: str | None) -> str | None:
    """A supported language from a platform locale, or None to keep the stored one."""
    lang = normalize_locale(locale, "") if locale else ""
    return lang if lang in LANGUAGES else None
