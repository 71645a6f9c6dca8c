"""Slack-style markdown (the neutral model's) → the markdown Teams renders.

The neutral texts use ``*bold*``, ``_italic_``, `` `code` `` and ``<url|label>`` links, and say
``/mentoring join`` because that is the Slack command. Teams has no slash command (the words are
typed to the bot) and reads ``**bold**``. Adaptive Card text blocks have no inline code, so in
cards code is shown in bold.
"""

from __future__ import annotations

import re

_SLACK_LINK = re.compile(r"<(https?://[^|>\s]+)\|([^>]+)>")
_BARE_LINK = re.compile(r"<(https?://[^|>\s]+)>")
_BOLD = re.compile(r"(?<![\w*\\])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_CODE = re.compile(r"`([^`\n]+)`")
_SLASH_COMMAND = re.compile(r"/mentoring[ \t]+(?=[\w\"'])")
_BULLET = re.compile(r"^([ \t]*)[•◦▪]\s*", re.MULTILINE)
#: A person, Slack style: ``<@USER_ID>`` or ``<@USER_ID|Display Name>``.
_MENTION = re.compile(r"<@([^|>\s]{1,200})(?:\|([^>]{1,200}))?>")

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
    """``<@id>`` → ``<@id|Name>`` for the ids whose name is known."""

    def named(match: re.Match[str]) -> str:
        name = match.group(2) or names.get(match.group(1), "")
        return f"<@{match.group(1)}|{name}>" if name else match.group(0)

    return _MENTION.sub(named, text)


def _at_tags(text: str) -> str:
    def tag(match: re.Match[str]) -> str:
        name = (match.group(2) or "").strip()
        return f"<at>{name}</at>" if name else "@…"

    return _MENTION.sub(tag, text)


def teams_commands(text: str) -> str:
    """``/mentoring join`` → ``join``: in Teams the same words are typed to the bot."""
    return _SLASH_COMMAND.sub("", text)


def to_teams(text: str, *, in_card: bool = False) -> str:
    """Convert neutral markdown to Teams markdown (message text, or an Adaptive Card block).

    Mentions become ``<at>Name</at>``; the message must carry the matching mention entities
    (see :func:`mention_entities`).
    """
    text = _at_tags(teams_commands(text))
    text = _SLACK_LINK.sub(lambda m: f"[{m.group(2)}]({m.group(1)})", text)
    text = _BARE_LINK.sub(lambda m: m.group(1), text)
    text = _BULLET.sub(lambda m: f"{m.group(1)}- ", text)
    text = _BOLD.sub(lambda m: f"**{m.group(1)}**", text)
    if in_card:
        text = _CODE.sub(lambda m: f"**{m.group(1)}**", text)
    return text


def mention_entities(found: list[Mention]) -> list[dict[str, object]]:
    """Teams mention entities for ``<at>Name</at>`` tags."""
    return [
        {"type": "mention", "text": f"<at>{name}</at>", "mentioned": {"id": uid, "name": name}}
        for uid, name in found
    ]


def plain(text: str) -> str:
    """Neutral markdown as plain text (notification summaries, card fallback text)."""
    text = _MENTION.sub(lambda m: m.group(2) or "@…", teams_commands(text))
    text = _SLACK_LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _BARE_LINK.sub(lambda m: m.group(1), text)
    text = _BOLD.sub(lambda m: m.group(1), text)
    return _CODE.sub(lambda m: m.group(1), text)
