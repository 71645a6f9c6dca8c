"""``help``, the welcome message, the App Home, free text and unknown commands."""

from __future__ import annotations

from bot.core.i18n import translator
from bot.core.markup import Markup, escape
from bot.core.model import (
    Action,
    Actions,
    Button,
    Command,
    Element,
    Fields,
    Heading,
    Intent,
    Message,
    Note,
    PlainMessage,
    PublishHome,
    Reply,
    Text,
)
from bot.core.replies import text_message
from bot.core.routing import ROUTES, Context, command_words
from storage.enrolments import enrolments_of

# The help lists these, in this order; each has a catalog line ``help.cmd.<word>``.
USER_COMMANDS = (
    "join",
    "status",
    "edit",
    "pause",
    "resume",
    "feedback",
    "language",
    "mydata",
    "leave",
    "rematch",
)
MANAGER_COMMANDS = ("stats",)


def help_message(ctx: Context) -> Message:
    """Every command the person may use, one line each."""
    t = ctx.t
    words = list(USER_COMMANDS)
    if ctx.is_manager or ctx.is_admin:
        words += MANAGER_COMMANDS
    lines = [
        f"`/mentoring {t.command(w)}` — {t(f'help.cmd.{w}')}"
        for w in words
        if (w,) in ROUTES.commands
    ]
    elements: list[Element] = [
        Heading(t("help.title")),
        Text(t("help.intro")),
        Text("\n".join(lines)),
    ]
    if ctx.is_admin:
        admin_lines = [f"`/mentoring {c}`" for c in ROUTES.subcommands(("admin",))]
        elements += [Heading(t("help.admin_title")), Text("\n".join(admin_lines))]
    elements.append(Note(t("help.footer")))
    return Message(tuple(elements), text=t("help.title"))


@ROUTES.command("help", aliases=("aide", "?", "h"), read_only=True)
async def show_help(ctx: Context) -> list[Intent]:
    """What I can do."""
    return [Reply(help_message(ctx))]


@ROUTES.command("unknown", hidden=True, read_only=True)
async def unknown(ctx: Context) -> list[Intent]:
    """An unknown subcommand: suggest the closest one."""
    t = ctx.t
    if not ctx.args:
        return [Reply(help_message(ctx))]
    word = ctx.args[0][:40]
    suggestion = ROUTES.suggestion(word, {t.command(w) for w in ROUTES.top_level_words()})
    if suggestion:  # in the reader's words: "statut" for a French reader
        text = t("unknown.suggest", word=word, suggestion=t.command(suggestion))
    else:
        text = t("unknown.none", word=word)
    return [Reply(text_message(text))]


# A greeting is answered in the language it was said in.
GREETINGS = {
    "hello": "en",
    "hi": "en",
    "hey": "en",
    "bonjour": "fr",
    "bonsoir": "fr",
    "salut": "fr",
    "coucou": "fr",
}


@ROUTES.command("hello", aliases=tuple(GREETINGS), hidden=True, read_only=True)
async def hello(ctx: Context) -> list[Intent]:
    """``bonjour``: a greeting in the greeting's language, then how to start."""
    said = _greeting_word(ctx)
    t = translator(GREETINGS.get(said, ctx.t.lang))
    name = _first_name(ctx.person.display_name)
    text = t("greeting.text", name=name) if name else t("greeting.text_anonymous")
    if t.lang != ctx.t.lang:  # say how to keep this language
        switch = t("greeting.switch", language=t.language_name(t.lang), code=t.lang)
        text = Markup(f"{text} {switch}")
    return [Reply(text_message(text))]


def _greeting_word(ctx: Context) -> str:
    """The greeting the person typed (``Bonjour !`` → ``bonjour``)."""
    event = ctx.event
    text = event.text if isinstance(event, Command | PlainMessage) else ""
    words = command_words(event) if isinstance(event, Command) else text.split()
    first = words[0].lower().rstrip("!?.,;:\u202f\u00a0") if words else ""
    return first


def _first_name(display_name: str | None) -> str:
    return (display_name or "").split(" ")[0]


@ROUTES.command("chat", hidden=True, read_only=True)
async def chat(ctx: Context) -> list[Intent]:
    """Free text that is not a command: point to the help."""
    return [Reply(text_message(ctx.t("chat.hint")))]


def _quick_buttons(ctx: Context, *words: str) -> Actions:
    return Actions(
        tuple(
            Button(ctx.t(f"button.{w}"), f"quick.{w}", "", "primary" if i == 0 else "default")
            for i, w in enumerate(words)
        )
    )


@ROUTES.command("welcome", hidden=True)
async def welcome(ctx: Context) -> list[Intent]:
    """The bot was installed or the person joined: say hello and how to start."""
    text = ctx.t("welcome.text", name=ctx.person.display_name or "")
    return [Reply(Message((Text(text), _quick_buttons(ctx, "join", "help")), text=text))]


@ROUTES.command("home", hidden=True)
async def home(ctx: Context) -> list[Intent]:
    """The App Home: my enrolments and quick actions."""
    t = ctx.t
    enrolments = await enrolments_of(ctx.session, ctx.person_id)
    items = tuple(
        (escape(p.name), Markup(f"{t(f'role.{e.role}')} · {t(f'status.{e.status}')}"))
        for e, p in enrolments
    )
    elements: list[Element] = [Heading(t("home.title")), Text(t("home.intro"))]
    elements.append(Fields(items, t.colon) if items else Text(t("status.none")))
    elements.append(_quick_buttons(ctx, "join", "status", "help"))
    message = Message(tuple(elements), text=t("home.title"))
    return [PublishHome(ctx.event.actor.user, message)]


@ROUTES.action("quick.*")
async def quick_action(ctx: Context) -> list[Intent]:
    """Buttons that run a command (from the welcome message or the App Home)."""
    assert isinstance(ctx.event, Action)
    word = ctx.event.action_id.split(".", 1)[1]
    spec = ROUTES.commands.get((word,))
    if spec is None or spec.admin or spec.manager or spec.hidden:
        return []
    ctx.args = []
    return await spec.handler(ctx)
