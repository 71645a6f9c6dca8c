"""A conversation test harness: people talk to a real engine on a fresh database.

    alice = harness.person("Alice")
    await alice.types("/mentoring join")
    await alice.submits(role="mentor")
    assert alice.sees("You're enrolled")

Deterministic: every call awaits the engine directly; nothing sleeps or polls.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.engine import Engine
from bot.core.model import (
    Action,
    Actions,
    Actor,
    Button,
    CloseForm,
    Command,
    ConversationRef,
    Form,
    FormErrors,
    FormSubmission,
    HomeOpened,
    Intent,
    MemberJoined,
    Message,
    MessageRef,
    OpenForm,
    PlainMessage,
    Platform,
    PostMessage,
    PublishHome,
    Reply,
    UpdateMessage,
    UserRef,
)
from bot.core.plaintext import form_text, message_text

_ids = itertools.count(1)


@dataclass
class Turn:
    """What the bot answered to one thing a person did."""

    intents: list[Intent]

    @property
    def messages(self) -> list[Message]:
        """Every message in the answer (replies, posts, updates, home)."""
        found: list[Message] = []
        for i in self.intents:
            if isinstance(i, Reply | PostMessage | UpdateMessage | PublishHome):
                found.append(i.message)
        return found

    @property
    def text(self) -> str:
        """The answer as plain text, forms included."""
        parts = [message_text(m) for m in self.messages]
        parts += [form_text(i.form) for i in self.intents if isinstance(i, OpenForm)]
        return "\n\n".join(parts)

    @property
    def errors(self) -> Mapping[str, str]:
        """Per-field errors of a rejected form."""
        for i in self.intents:
            if isinstance(i, FormErrors):
                return i.errors
        return {}


@dataclass
class Person:
    """Someone talking to the bot; remembers the open form and the buttons they saw."""

    harness: Harness
    name: str
    user: UserRef
    locale: str | None
    timezone: str | None
    form: Form | None = None
    turns: list[Turn] = field(default_factory=list)
    channel: ConversationRef | None = None

    @property
    def actor(self) -> Actor:
        """How the platform describes this person."""
        return Actor(self.user, self.name, self.locale, self.timezone)

    @property
    def dm(self) -> ConversationRef:
        """This person's direct conversation with the bot."""
        return ConversationRef(
            self.user.platform, self.user.workspace, f"D-{self.user.user_id}", "dm"
        )

    @property
    def last(self) -> Turn:
        """The bot's latest answer to this person."""
        return self.turns[-1]

    def sees(self, fragment: str) -> bool:
        """True when the latest answer contains ``fragment`` (case-insensitive)."""
        return fragment.lower() in self.last.text.lower()

    async def _send(self, event: object) -> Turn:
        intents = await self.harness.engine.handle(event)  # type: ignore[arg-type]
        turn = Turn(intents)
        for i in intents:
            if isinstance(i, (OpenForm, FormErrors)):
                self.form = i.form
            elif isinstance(i, CloseForm):
                self.form = None
        self.turns.append(turn)
        return turn

    async def types(
        self, text: str, *, in_channel: ConversationRef | None = None, event_id: str | None = None
    ) -> Turn:
        """``/mentoring ...`` (or the same words typed to the bot in Teams)."""
        where = in_channel or self.dm
        return await self._send(Command(self.actor, where, text, event_id))

    async def says(self, text: str) -> Turn:
        """Free text in the DM."""
        return await self._send(PlainMessage(self.actor, self.dm, text))

    async def joins_workspace(self) -> Turn:
        """The bot is installed / the person joins."""
        return await self._send(MemberJoined(self.actor, self.dm))

    async def opens_home(self) -> Turn:
        """The person opens the App Home tab."""
        return await self._send(HomeOpened(self.actor, self.dm))

    def button(self, label: str) -> Button:
        """The most recent button with this label (or action id) this person was shown."""
        for turn in reversed(self.turns):
            for message in reversed(turn.messages):
                for element in message.elements:
                    if isinstance(element, Actions):
                        for b in element.buttons:
                            if label in (b.label, b.action_id):
                                return b
        raise AssertionError(f"{self.name} was shown no button {label!r}")

    async def clicks(self, label: str, *, event_id: str | None = None) -> Turn:
        """Click a button seen earlier (found by label or action id)."""
        b = self.button(label)
        ref = MessageRef(self.dm, f"m{next(_ids)}")
        return await self._send(Action(self.actor, self.dm, b.action_id, b.value, ref, event_id))

    async def submits(self, form: Form | None = None, /, **values: str | list[str]) -> Turn:
        """Submit the open form with these values (others keep their initial value)."""
        form = form or self.form
        assert form is not None, f"{self.name} has no open form"
        merged: dict[str, str | list[str]] = {}
        for f in form.fields:
            if isinstance(f.initial, tuple):
                merged[f.name] = list(f.initial)
            elif f.initial is not None:
                merged[f.name] = f.initial
        merged.update(values)
        return await self._send(
            FormSubmission(self.actor, self.dm, form.form_id, merged, form.state)
        )


class Harness:
    """A ready engine on a fresh database, and the people talking to it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def person(
        self,
        name: str,
        *,
        user_id: str | None = None,
        platform: Platform = Platform.LOCAL,
        workspace: str = "T1",
        locale: str | None = "en-US",
        timezone: str | None = "Europe/Paris",
    ) -> Person:
        """A new person on a platform (a local-chat persona by default)."""
        uid = user_id or f"U{name.upper()}"
        return Person(self, name, UserRef(platform, workspace, uid), locale, timezone)

    def channel(
        self, name: str = "general", platform: Platform = Platform.LOCAL
    ) -> ConversationRef:
        """A shared channel."""
        return ConversationRef(platform, "T1", f"C-{name}", "channel")
