"""Messages matching sends on its own initiative, all through the durable outbox.

Introductions (a Slack group DM with both people, or a 1:1 to each elsewhere),
the kind notice to people left unmatched, the neutral notice when a pair
ends, and private notices to the admins. Each is written in the same
transaction as the change that caused it, under an idempotency key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from urllib.parse import quote

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.capabilities import PLAIN, Capabilities, capability, mention
from bot.core.i18n import Translator
from bot.core.model import Actions, Button, Message, Platform
from bot.core.serialize import to_data
from bot.outbox.notify import send_to, translator_for, user_ref
from conversations.introduction import PairFacts, direct_introduction, group_introduction
from conversations.matching import admin_notice, pair_ended_message, unmatched_message
from storage import outbox
from storage.conversation_refs import principal_name
from storage.tables import Pair, Person, Programme


def display_name(person: Person | None, t: Translator) -> str:
    """The person's name, or a neutral word when the platform gave none."""
    if person is not None and person.display_name:
        return person.display_name
    return t("match.someone")


def _same_place(a: Person, b: Person) -> bool:
    return a.platform == b.platform and a.workspace == b.workspace


async def introduce(
    session: AsyncSession,
    programme: Programme,
    pair: Pair,
    people: Mapping[int, Person],
    now: datetime,
    default_locale: str,
    platforms: Mapping[Platform, Capabilities],
) -> int:
    """Queue the introduction of one pair; how many outbox rows were added.

    One group message where the platform opens group conversations and both are in
    one workspace; else a 1:1 to each, with a mention of the partner and a link to a
    chat with them where the platform has those (``platforms``: what each can do).
    """
    mentor = people.get(pair.mentor_id) if pair.mentor_id is not None else None
    mentee = people.get(pair.mentee_id) if pair.mentee_id is not None else None
    if mentor is None or mentee is None or pair.id is None:
        return 0
    mentor_t = translator_for(mentor, default_locale)
    mentee_t = translator_for(mentee, default_locale)

    def facts(t: Translator) -> PairFacts:
        return PairFacts(
            pair_id=pair.id or 0,
            programme=programme.name,
            kind=programme.kind,
            mentor=display_name(mentor, t),
            mentee=display_name(mentee, t),
            reasons=pair.reasons or [],
            cadence_days=programme.cadence_days,
            duration_days=programme.duration_days,
            labels=programme.labels or {},
        )

    shared = capability(platforms, mentor.platform) if _same_place(mentor, mentee) else PLAIN
    if shared.group_messages:
        # The outbox worker opens the group conversation; if the platform refuses, it
        # re-sends this message to each person, which is why it is in both languages.
        message = group_introduction([mentor_t, mentee_t], facts(mentor_t))
        added = await outbox.enqueue(
            session,
            key=f"intro:{pair.id}:group",
            platform=mentor.platform,
            target=[to_data(user_ref(mentor)), to_data(user_ref(mentee))],
            payload=to_data(message),
            not_before=now,
        )
        return int(added)
    count = 0
    for person, t, role in ((mentor, mentor_t, "mentor"), (mentee, mentee_t, "mentee")):
        told = facts(t)
        partner = mentee if role == "mentor" else mentor
        same_platform = person.platform == partner.platform
        able = capability(platforms, person.platform) if same_platform else PLAIN
        if able.mentions:
            # No group chat here: the 1:1 introduction @mentions the partner instead.
            named = mention(partner.user_id, display_name(partner, t))
            told = replace(told, mentee=named) if role == "mentor" else replace(told, mentor=named)
        message = direct_introduction(t, told, role)
        if able.chat_link and partner.id:
            message = await _with_chat_link(session, message, partner, t, able.chat_link)
        key = f"intro:{pair.id}:{person.id}"
        count += await send_to(session, person, key, message, now) is not None
    return count


async def _with_chat_link(
    session: AsyncSession, message: Message, partner: Person, t: Translator, template: str
) -> Message:
    """Add a button that opens a chat with the partner (when their sign-in name is known)."""
    upn = await principal_name(session, partner.id or 0)
    if upn is None:
        return message
    link = template.format(users=quote(upn, safe="@"))
    label = t("intro.open_chat", partner=display_name(partner, t))
    button = Button(label, "intro.open_chat", url=link, style="primary")
    return Message((*message.elements, Actions((button,))), text=message.text)


async def tell_unmatched(
    session: AsyncSession,
    programme: Programme,
    round_id: int,
    person: Person,
    role: str,
    reason: str,
    now: datetime,
    default_locale: str,
) -> bool:
    """Tell someone kindly that this round found no partner for them, and what happens next."""
    t = translator_for(person, default_locale)
    message = unmatched_message(t, programme.name, role, reason)
    key = f"unmatched:{round_id}:{person.id}"
    return await send_to(session, person, key, message, now) is not None


async def tell_pair_ended(
    session: AsyncSession,
    pair: Pair,
    programme: Programme,
    person: Person,
    partner: Person | None,
    now: datetime,
    default_locale: str,
) -> bool:
    """Tell a member neutrally that their pair ended (never who asked, never why)."""
    t = translator_for(person, default_locale)
    message = pair_ended_message(t, display_name(partner, t), programme.name)
    key = f"pair-ended:{pair.id}:{person.id}"
    return await send_to(session, person, key, message, now) is not None


def notice(catalog_key: str, **params: object) -> Callable[[Translator], Message]:
    """An admin notice from a catalog line, translated for each admin."""

    def build(t: Translator) -> Message:
        return admin_notice(t, t(catalog_key, **params))

    return build
