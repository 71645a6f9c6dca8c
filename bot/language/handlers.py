"""``language fr|en``: choose the bot's language; the platform's locale no longer overrides it."""

from __future__ import annotations

from bot.core.i18n import LANGUAGES, translator
from bot.core.model import Action, Actions, Button, Intent, Message, Reply, Text
from bot.core.replies import text_message
from bot.core.routing import ROUTES, Context


def _choose(ctx: Context, lang: str) -> list[Intent]:
    ctx.person.locale = lang
    ctx.person.locale_chosen = True
    ctx.t = translator(lang)
    return [Reply(text_message(ctx.t("language.done", language=ctx.t.language_name(lang))))]


@ROUTES.command("language", aliases=("langue", "lang"))
async def language(ctx: Context) -> list[Intent]:
    """Set my language, or show the choices."""
    t = ctx.t
    if not ctx.args:
        text = t("language.choose", language=t.language_name(t.lang))
        buttons = tuple(
            Button(translator(code).language_name(code), "language.set", code) for code in LANGUAGES
        )
        return [Reply(Message((Text(text), Actions(buttons)), text=text))]
    wanted = ctx.args[0].lower()[:12]
    aliases = {"english": "en", "anglais": "en", "french": "fr", "francais": "fr", "français": "fr"}
    wanted = aliases.get(wanted, wanted)
    if wanted not in LANGUAGES:
        return [
            Reply(text_message(t("language.unknown", value=wanted, choices=", ".join(LANGUAGES))))
        ]
    return _choose(ctx, wanted)


@ROUTES.action("language.set")
async def language_button(ctx: Context) -> list[Intent]:
    """A language button was clicked."""
    assert isinstance(ctx.event, Action)
    if ctx.event.value not in LANGUAGES:
        return []
    return _choose(ctx, ctx.event.value)
