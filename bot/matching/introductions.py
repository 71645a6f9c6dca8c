"""Messages matching sends on its own initiative, all through the durable outbox.

Introductions (a Slack group DM with both people, or a 1:1 to each elsewhere),
the kind notice to people left unmatched, the neutral notice when a pair
ends, and private notices to the admins. Each is written in the same
transaction as the change that caused it, under an idempotency key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from urllib.parse import quote

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.i18n import Translator, translator
from bot.core.model import Actions, Button, Message, Platform, UserRef
from bot.core.serialize import to_data
from conversations.introduction import PairFacts, direct_introduction, group_introduction
from conversations.matching import admin_notice, pair_ended_message, unmatched_message
from storage import outbox
from storage.checkins import people_with_user_ids
from storage.conversation_refs import principal_name
from storage.tables import Pair, Person, Programme


def user_ref(person: Person) -> UserRef:
    """How the adapters address this person."""
    return UserRef(Platform(person.platform), person.workspace, person.user_id)


def display_name(person: Person | None, t: Translator) -> str:
    """The person's name, or a neutral word when the platform gave none."""
    if person is not None and person.display_name:
        return person.display_name
    return t("match.someone")


def translator_for(person: Person, default_locale: str) -> Translator:
    """The person's language."""
    return translator(person.locale, default_locale)


async def send_to(
    session: AsyncSession, person: Person, key: str, message: Message, now: datetime
) -> bool:
    """A 1:1 message to one person (skipped when the platform said they are unreachable)."""
    if not person.reachable:
        return False
    return await outbox.enqueue(
        session,
        key=key,
        platform=person.platform,
        target=to_data(user_ref(person)),
        payload=to_data(message),
        person_id=person.id,
        not_before=now,
    )


def _group_possible(a: Person, b: Person) -> bool:
    """Slack can open a group DM with both when they are in the same workspace."""
    return a.platform == b.platform == Platform.SLACK.value and a.workspace == b.workspace


async def introduce(
    session: AsyncSession,
    programme: Programme,
    pair: Pair,
    people: Mapping[int, Person],
    now: datetime,
    default_locale: str,
) -> int:
    """Queue the introduction of one pair; how many outbox rows were added."""
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

    if _group_possible(mentor, mentee):
        # The outbox worker opens the group DM; if Slack refuses, it re-sends this
        # message to each person, which is why it is written in both languages.
        message = group_introduction([mentor_t, mentee_t], facts(mentor_t))
        added = await outbox.enqueue(
            session,
            key=f"intro:{pair.id}:group",
            platform=Platform.SLACK.value,
            target=[to_data(user_ref(mentor)), to_data(user_ref(mentee))],
            payload=to_data(message),
            not_before=now,
        )
        return int(added)
    count = 0
    for person, t, role in ((mentor, mentor_t, "mentor"), (mentee, mentee_t, "mentee")):
        told = facts(t)
        partner = mentee if role == "mentor" else mentor
        if person.platform == partner.platform == Platform.TEAMS.value:
            # A Teams bot cannot open a group chat: the 1:1 introduction @mentions the
            # partner instead (the Teams adapter turns <@id|name> into a real mention).
            mention = f"<@{partner.user_id}|{display_name(partner, t)}>"
            if role == "mentor":
                told = replace(told, mentee=mention)
            else:
                told = replace(told, mentor=mention)
        message = direct_introduction(t, told, role)
        if person.platform == partner.platform == Platform.TEAMS.value and partner.id:
            message = await _with_chat_link(session, message, partner, t)
        count += await send_to(session, person, f"intro:{pair.id}:{person.id}", message, now)
    return count


TEAMS_CHAT_LINK = "https://teams.microsoft.com/l/chat/0/0?users={users}"


async def _with_chat_link(
    session: AsyncSession, message: Message, partner: Person, t: Translator
) -> Message:
    """Add a button that opens a Teams chat with the partner (when their sign-in is known)."""
    upn = await principal_name(session, partner.id or 0)
    if upn is None:
        return message
    link = TEAMS_CHAT_LINK.format(users=quote(upn, safe="@"))
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
    return await send_to(session, person, f"unmatched:{round_id}:{person.id}", message, now)


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
    return await send_to(session, person, f"pair-ended:{pair.id}:{person.id}", message, now)


async def tell_admins(
    session: AsyncSession,
    admin_ids: Iterable[str],
    key: str,
    now: datetime,
    default_locale: str,
    build: Callable[[Translator], Message],
) -> int:
    """A private notice to every admin the bot knows, each in their language."""
    told = 0
    for admin in await people_with_user_ids(session, admin_ids):
        t = translator_for(admin, default_locale)
        told += await send_to(session, admin, f"{key}:{admin.id}", build(t), now)
    return told


def notice(catalog_key: str, **params: object) -> Callable[[Translator], Message]:
    """An admin notice from a catalog line, translated for each admin."""

    def build(t: Translator) -> Message:
        return admin_notice(t, t(catalog_key, **params))

    return build
