"""Neutral markup (Slack-style, see ``bot.core.markup``) → the markdown Teams renders.

The neutral texts use ``*bold*``, ``_italic_``, `` `code` `` and ``<url|label>`` links, and say
``/mentoring join`` because that is the Slack command. Teams has no slash command (the words are
typed to the bot) and reads ``**bold**``. Adaptive Card text blocks have no inline code, so in
cards code is shown in bold.

Escaping: in neutral markup the characters ``&``, ``<`` and ``>`` of a value are already
entities, which Teams messages and Adaptive Card text both decode, so a name can bring neither
HTML nor a mention. What Teams markdown has and Slack's has not is the ``[label](url)`` link
(and its reference and image forms): in the text outside the neutral markup's own constructs,
every ``]`` is followed by a zero-width space, which no markdown renderer reads as a link,
whatever its escaping rules, and which nobody sees. A link the engine wrote (``<url|label>``)
is the only link Teams gets.
"""

from __future__ import annotations

import re

from bot.core.markup import escape, unescape

_SLACK_LINK = re.compile(r"<(https?://[^|>\s]+)\|([^>]+)>")
_BARE_LINK = re.compile(r"<(https?://[^|>\s]+)>")
_BOLD = re.compile(r"(?<![\w*\\])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_CODE = re.compile(r"`([^`\n]+)`")
_SLASH_COMMAND = re.compile(r"/mentoring[ \t]+(?=[\w\"'])")
_BULLET = re.compile(r"^([ \t]*)[•◦▪]\s*", re.MULTILINE)
#: A person, Slack style: ``<@USER_ID>`` or ``<@USER_ID|Display Name>``.
_MENTION = re.compile(r"<@([^|>\s]{1,200})(?:\|([^>]{1,200}))?>")
#: The neutral markup's own constructs (what a value can never produce: its ``<`` is ``&lt;``).
_MARKUP = re.compile(
    r"(?P<mention><@(?P<uid>[^|>\s]{1,200})(?:\|(?P<name>[^>]{1,200}))?>)"
    r"|<(?P<href>https?://[^|>\s]+)(?:\|(?P<label>[^>]+))?>"
)
#: Breaks ``](``, ``][`` and ``]:``, the markdown link forms, without showing anything.
_NO_LINK = "]\u200b"

Mention = tuple[str, str]  # (user id, display name)


def mentions(text: str) -> list[Mention]:
    """The people mentioned by name in a text (``<@id|name>``), in order, once each."""
    found: list[Mention] = []
    for user_id, name in _MENTION.findall(text):
        if name.strip() and (user_id, name.strip()) not in found:
            found.append((user_id, name.strip()))
    return found


def mentioned_ids(text: str) -> list[str]:
    """The user ids mentioned without a name (``<@id>``): their names are looked up."""
    return [user_id for user_id, name in _MENTION.findall(text) if not name.strip()]


def name_mentions(text: str, names: dict[str, str]) -> str:
    """``<@id>`` → ``<@id|Name>`` for the ids whose name is known (``names``: as stored, not
    markup; they are escaped here)."""

    def named(match: re.Match[str]) -> str:
        name = match.group(2) or escape(names.get(match.group(1), ""))
        return f"<@{match.group(1)}|{name}>" if name else match.group(0)

    return _MENTION.sub(named, text)


def literal(text: str) -> str:
    """Text outside the markup's constructs, safe in Teams markdown: no link can start."""
    return text.replace("]", _NO_LINK)


def _at_tag(name: str) -> str:
    return f"<at>{literal(name)}</at>"


def teams_commands(text: str) -> str:
    """``/mentoring join`` → ``join``: in Teams the same words are typed to the bot."""
    return _SLASH_COMMAND.sub("", text)


def _constructs(text: str) -> str:
    """Mentions and links in Teams form; everything around them made literal."""
    out: list[str] = []
    pos = 0
    for m in _MARKUP.finditer(text):
        out.append(literal(text[pos : m.start()]))
        pos = m.end()
        if m.group("mention") is not None:
            name = (m.group("name") or "").strip()
            out.append(_at_tag(name) if name else "@…")
        elif m.group("label") is not None:
            out.append(f"[{literal(m.group('label'))}]({m.group('href')})")
        else:
            out.append(m.group("href"))
    out.append(literal(text[pos:]))
    return "".join(out)


def to_teams(text: str, *, in_card: bool = False) -> str:
    """Convert neutral markup to Teams markdown (message text, or an Adaptive Card block).

    Mentions become ``<at>Name</at>``; the message must carry the matching mention entities
    (see :func:`mention_entities`).
    """
    text = _constructs(teams_commands(text))
    text = _BULLET.sub(lambda m: f"{m.group(1)}- ", text)
    text = _BOLD.sub(lambda m: f"**{m.group(1)}**", text)
    if in_card:
        text = _CODE.sub(lambda m: f"**{m.group(1)}**", text)
    return text


def mention_entities(found: list[Mention]) -> list[dict[str, object]]:
    """Teams mention entities for ``<at>Name</at>`` tags (the tag exactly as in the text)."""
    return [
        {"type": "mention", "text": _at_tag(name), "mentioned": {"id": uid, "name": unescape(name)}}
        for uid, name in found
    ]


def plain(text: str) -> str:
    """Neutral markup as plain text (notification summaries, card fallback text, labels)."""
    text = _MENTION.sub(lambda m: m.group(2) or "@…", teams_commands(text))
    text = _SLACK_LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _BARE_LINK.sub(lambda m: m.group(1), text)
    text = _BOLD.sub(lambda m: m.group(1), text)
    return unescape(_CODE.sub(lambda m: m.group(1), text))
