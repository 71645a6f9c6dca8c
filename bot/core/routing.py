"""Dispatch tables for commands, button clicks and form submissions.

Feature modules register their handlers with the decorators of ``ROUTES``;
the engine looks them up. A table, not an if/elif chain.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.capabilities import Capabilities
from bot.core.i18n import LANGUAGES, Translator, translator
from bot.core.identity import Roster
from bot.core.model import Action, Command, Event, FormSubmission, Intent, Platform

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.core.settings import CoreSettings
    from storage.tables import Person

MAX_COMMAND_LENGTH = 2000


@dataclass
class Context:
    """Everything a handler needs to answer one event, inside one database transaction."""

    event: Event
    person: Person
    session: AsyncSession
    settings: CoreSettings
    t: Translator
    now: datetime
    is_admin: bool
    is_manager: bool
    admins: Roster = field(default_factory=Roster)  # who "the admins are told" reaches
    # What each platform can do, as its adapter declared it (see bot/core/capabilities.py).
    capabilities: Mapping[Platform, Capabilities] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)

    @property
    def person_id(self) -> int:
        """The actor's person id (always set once the person is flushed)."""
        assert self.person.id is not None
        return self.person.id


Handler = Callable[[Context], Awaitable[list[Intent]]]


@dataclass(frozen=True)
class CommandSpec:
    """A registered command: its words, handler and who may use it."""

    path: tuple[str, ...]
    handler: Handler
    admin: bool = False
    manager: bool = False
    hidden: bool = False
    read_only: bool = False  # never writes: answered from a read transaction


@dataclass
class Routes:
    """The registry of commands (by word path), actions and forms (by id or prefix)."""

    commands: dict[tuple[str, ...], CommandSpec] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    actions: dict[str, Handler] = field(default_factory=dict)
    forms: dict[str, Handler] = field(default_factory=dict)

    def command(
        self,
        path: str,
        *,
        aliases: tuple[str, ...] = (),
        admin: bool = False,
        manager: bool = False,
        hidden: bool = False,
        read_only: bool = False,
    ) -> Callable[[Handler], Handler]:
        """Register a handler for ``/mentoring <path>`` (``path`` may be several words).

        ``read_only`` promises the handler never writes, so the engine may answer it
        without taking a write transaction.
        """
        words = tuple(path.split())

        def register(handler: Handler) -> Handler:
            self.commands[words] = CommandSpec(words, handler, admin, manager, hidden, read_only)
            for alias in (*aliases, *command_words_of(words[0])):
                if alias != words[0]:
                    self.aliases[alias] = words[0]
            return handler

        return register

    def action(self, action_id: str) -> Callable[[Handler], Handler]:
        """Register a handler for a button or choice (``prefix.*`` matches a family)."""

        def register(handler: Handler) -> Handler:
            self.actions[action_id] = handler
            return handler

        return register

    def form(self, form_id: str) -> Callable[[Handler], Handler]:
        """Register a handler for a form submission."""

        def register(handler: Handler) -> Handler:
            self.forms[form_id] = handler
            return handler

        return register

    def top_level_words(self) -> list[str]:
        """The first words of every visible command."""
        return sorted({spec.path[0] for spec in self.commands.values() if not spec.hidden})

    def resolve(self, words: list[str]) -> tuple[CommandSpec | None, list[str]]:
        """The longest registered command that starts ``words``, and the remaining words."""
        if words:
            words = [self._canonical(words[0]), *words[1:]]
        lowered = [w.lower() for w in words]
        for size in range(len(lowered), 0, -1):
            spec = self.commands.get(tuple(lowered[:size]))
            if spec is not None:
                return spec, words[size:]
        return None, words

    def _canonical(self, word: str) -> str:
        """The command a first word names: itself, or what it is an alias of.

        Case does not matter (``Aide``), nor closing punctuation (``Bonjour !``).
        """
        for candidate in (word, word.lower(), word.lower().rstrip("!?.,;:\u202f\u00a0")):
            if candidate in self.aliases:
                return self.aliases[candidate]
            if (candidate,) in self.commands:
                return candidate
        return word

    def subcommands(self, prefix: tuple[str, ...]) -> list[str]:
        """Registered commands below ``prefix`` (e.g. the admin commands)."""
        return sorted(
            " ".join(spec.path)
            for spec in self.commands.values()
            if spec.path[: len(prefix)] == prefix and len(spec.path) > len(prefix)
        )

    def suggestion(self, word: str, prefer: Collection[str] = ()) -> str | None:
        """The closest known command word, for a typo.

        Typos are mostly one swapped, missing or extra letter, so the distance counts
        those. Among equally close words, a word the typo starts (``statu``) wins, then
        one of the reader's language (``prefer``), then one of the same length, so
        ``stauts`` gives ``status`` rather than ``stats``.
        """
        word = word.lower()[:40]
        visible = set(self.top_level_words())
        candidates = [*visible, *(a for a, w in self.aliases.items() if w in visible)]
        limit = max(1, len(word) // 3)
        scored = [
            (
                typo_distance(word, c),
                not c.startswith(word),
                c not in prefer,
                abs(len(c) - len(word)),
                c,
            )
            for c in candidates
            if abs(len(c) - len(word)) <= limit
        ]
        close = [s for s in scored if s[0] <= limit]
        if not close:
            return None
        best = min(close)[-1]
        return self.aliases.get(best, best)

    def action_handler(self, event: Action) -> Handler | None:
        """The handler for a click: exact id first, then ``prefix.*``."""
        if event.action_id in self.actions:
            return self.actions[event.action_id]
        head = event.action_id.split(".")[0]
        return self.actions.get(f"{head}.*")

    def form_handler(self, event: FormSubmission) -> Handler | None:
        """The handler for a submitted form."""
        return self.forms.get(event.form_id)


def command_words_of(word: str) -> list[str]:
    """How each language types a command (``command.join`` in the catalogs), lower-cased."""
    return [translator(lang).command(word).lower() for lang in LANGUAGES]


def typo_distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) between two short words."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[-1]


_QUOTING = re.compile(r"[\"'\\]")
_SHELL_WORD = re.compile(r"[^ \t\r\n]+")


def split_words(text: str) -> list[str]:
    """Split a command like a shell would, but never fail on an unbalanced quote."""
    text = text.strip()[:MAX_COMMAND_LENGTH]
    if not _QUOTING.search(text):  # the usual case, split as shlex would, at a fraction of its cost
        return _SHELL_WORD.findall(text)
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def command_words(event: Command) -> list[str]:
    """The words of a command, without a leading ``mentoring`` or ``/mentoring``."""
    words = split_words(event.text)
    if words and words[0].lower().lstrip("/") == "mentoring":
        words = words[1:]
    return words


ROUTES = Routes()
