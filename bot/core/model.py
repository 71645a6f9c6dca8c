"""The platform-neutral model: who speaks, what they sent, what the bot answers.

Adapters turn Slack, Teams and local-chat payloads into these events, and render
these messages as Block Kit, Adaptive Cards or HTML. Nothing here imports a
platform SDK.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal


class Platform(StrEnum):
    """The chat platforms the bot speaks to."""

    SLACK = "slack"
    TEAMS = "teams"
    LOCAL = "local"


@dataclass(frozen=True)
class UserRef:
    """A person on one platform: workspace (Slack team / Teams tenant) and user id."""

    platform: Platform
    workspace: str
    user_id: str


@dataclass(frozen=True)
class ConversationRef:
    """Where a message lives: a channel, a DM or a thread, on one platform.

    ``kind`` says whether the conversation is private to one person (``dm``),
    shared by a few (``group``) or a channel (``channel``).
    """

    platform: Platform
    workspace: str
    channel_id: str
    kind: Literal["dm", "group", "channel"] = "channel"
    thread_id: str | None = None
    service_url: str | None = None  # Teams: where the Bot Connector for this conversation lives

    @property
    def is_private(self) -> bool:
        """True for a direct message with the bot."""
        return self.kind == "dm"


@dataclass(frozen=True)
class Actor:
    """The person behind an inbound event, with what the platform tells about them."""

    user: UserRef
    display_name: str = ""
    locale: str | None = None  # platform locale, e.g. "fr-FR"
    timezone: str | None = None  # IANA name, e.g. "Europe/Paris"
    # The person's id in the organisation's directory, when the platform gives it
    # (Teams: the Entra object id, by which admins are listed).
    directory_id: str | None = None


@dataclass(frozen=True)
class MessageRef:
    """A message the bot sent earlier, so that it can be updated in place."""

    conversation: ConversationRef
    message_id: str


# --- Inbound events ---------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """``/mentoring <text>`` in Slack, or the same words typed to the bot in Teams."""

    actor: Actor
    conversation: ConversationRef
    text: str
    event_id: str | None = None


@dataclass(frozen=True)
class Action:
    """A click on a button or a choice in a message."""

    actor: Actor
    conversation: ConversationRef
    action_id: str
    value: str = ""
    message: MessageRef | None = None
    event_id: str | None = None
    # A second id recorded with ``event_id`` and never answered: a platform that sees a
    # click twice (Slack: a double click lands in two time buckets) names both.
    neighbour_id: str | None = None


@dataclass(frozen=True)
class FormSubmission:
    """A submitted form. ``values`` maps field names to a string or a list of strings."""

    actor: Actor
    conversation: ConversationRef
    form_id: str
    values: Mapping[str, str | list[str]]
    state: str = ""
    event_id: str | None = None


@dataclass(frozen=True)
class PlainMessage:
    """Free text sent to the bot that is not a command."""

    actor: Actor
    conversation: ConversationRef
    text: str
    event_id: str | None = None


@dataclass(frozen=True)
class MemberJoined:
    """The bot was installed, or a person joined a conversation with the bot."""

    actor: Actor
    conversation: ConversationRef
    event_id: str | None = None


@dataclass(frozen=True)
class HomeOpened:
    """A person opened the bot's home (Slack App Home)."""

    actor: Actor
    conversation: ConversationRef
    event_id: str | None = None


Event = Command | Action | FormSubmission | PlainMessage | MemberJoined | HomeOpened


# --- Message elements --------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A paragraph with simple markdown: ``*bold*``, ``_italic_``, ``` `code` ```, lists."""

    text: str


@dataclass(frozen=True)
class Heading:
    """A short title line."""

    text: str


@dataclass(frozen=True)
class Fields:
    """Label/value pairs shown side by side where the platform can.

    ``colon`` joins a label and its value in the text version (``Translator.colon``:
    French puts a no-break space before the colon).
    """

    items: tuple[tuple[str, str], ...]
    colon: str = ": "


@dataclass(frozen=True)
class Note:
    """Small print under a message (hints, privacy notes)."""

    text: str


@dataclass(frozen=True)
class Divider:
    """A horizontal rule."""


@dataclass(frozen=True)
class Image:
    """An image by URL, with alt text that is also its text fallback.

    ``width`` and ``height``: its natural display size in CSS pixels, when known (a chart
    drawn at twice that size for high-density screens is shown at this size).
    """

    url: str
    alt: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Button:
    """A button; ``action_id`` routes the click, ``value`` carries its state."""

    label: str
    action_id: str
    value: str = ""
    style: Literal["default", "primary", "danger"] = "default"
    url: str | None = None  # a link button opens a URL instead of calling back


@dataclass(frozen=True)
class Option:
    """One choice of a select or a radio group."""

    value: str
    label: str


@dataclass(frozen=True)
class Actions:
    """A row of buttons."""

    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class Choice:
    """A select in a message: picking an option fires ``action_id`` with its value."""

    label: str
    action_id: str
    options: tuple[Option, ...]


Element = Text | Heading | Fields | Note | Divider | Image | Actions | Choice


@dataclass(frozen=True)
class Message:
    """A rich message. ``text`` is the plain-text summary for notifications."""

    elements: tuple[Element, ...]
    text: str = ""


# --- Forms ---------------------------------------------------------------------------

FieldKind = Literal["text", "textarea", "select", "multiselect", "radio", "number", "checkbox"]


@dataclass(frozen=True)
class FormField:
    """One input of a form. A checkbox's value is ``"yes"`` when ticked."""

    name: str
    label: str
    kind: FieldKind = "text"
    options: tuple[Option, ...] = ()
    required: bool = True
    initial: str | tuple[str, ...] | None = None
    hint: str = ""
    placeholder: str = ""
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class Form:
    """A form (Slack modal, Adaptive Card, HTML form). ``state`` round-trips opaque data."""

    form_id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str
    cancel_label: str
    intro: tuple[Element, ...] = ()
    state: str = ""


# --- Outbound intents ---------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """Answer the event where it came from.

    ``private``: only the actor sees it (ephemeral in a Slack channel).
    ``replace``: replace the message whose button was clicked.
    """

    message: Message
    private: bool = True
    replace: bool = False


@dataclass(frozen=True)
class PostMessage:
    """Post a message in a given conversation (e.g. stats in a channel)."""

    conversation: ConversationRef
    message: Message


@dataclass(frozen=True)
class SendDirect:
    """A message to one person's DM with the bot, sent through the outbox."""

    user: UserRef
    message: Message
    key: str  # idempotency key: the same key is never sent twice


@dataclass(frozen=True)
class OpenForm:
    """Show a form to the actor (a modal in Slack, a card in Teams)."""

    form: Form


@dataclass(frozen=True)
class FormErrors:
    """The submitted form is invalid: show these errors next to the fields.

    ``forget``: fields whose typed value must not be kept anywhere (a
    self-description without consent): an adapter that stores forms (the local
    chat) drops them; the person types them again.
    """

    form: Form
    errors: Mapping[str, str] = field(default_factory=dict)
    forget: tuple[str, ...] = ()


@dataclass(frozen=True)
class CloseForm:
    """The form is done; close it (Slack: clear the modal stack)."""


@dataclass(frozen=True)
class UpdateMessage:
    """Replace a message the bot sent earlier."""

    target: MessageRef
    message: Message


@dataclass(frozen=True)
class PublishHome:
    """Refresh the person's home view (Slack App Home)."""

    user: UserRef
    message: Message


Intent = (
    Reply
    | PostMessage
    | SendDirect
    | OpenForm
    | FormErrors
    | CloseForm
    | UpdateMessage
    | PublishHome
)
