"""Plain-text fallback for every neutral message and form.

Notifications, screen readers and any adapter that cannot render rich content
use this text, so a new adapter works on day one.
"""

from __future__ import annotations

from bot.core.model import (
    Actions,
    Choice,
    Divider,
    Element,
    Fields,
    Form,
    Heading,
    Image,
    Message,
    Note,
    Text,
)


def element_text(element: Element) -> str:
    """The plain text of one message element."""
    match element:
        case Text(text=text) | Note(text=text):
            return text
        case Heading(text=text):
            return f"*{text}*"
        case Fields(items=items, colon=colon):
            return "\n".join(f"{label}{colon}{value}" for label, value in items)
        case Divider():
            return "———"
        case Image(alt=alt):
            return alt
        case Actions(buttons=buttons):
            return " | ".join(f"[{b.label}]" for b in buttons)
        case Choice(label=label, options=options):
            return f"{label}: " + ", ".join(o.label for o in options)
    raise TypeError(f"unknown element {type(element).__name__}")


def message_text(message: Message) -> str:
    """The whole message as plain text, paragraphs separated by blank lines."""
    parts = [element_text(e) for e in message.elements]
    body = "\n\n".join(p for p in parts if p)
    return body or message.text


def form_text(form: Form) -> str:
    """A form described in plain text: its intro and the questions it asks."""
    lines = [f"*{form.title}*"]
    lines += [element_text(e) for e in form.intro]
    for f in form.fields:
        choices = f" ({', '.join(o.label for o in f.options)})" if f.options else ""
        lines.append(f"- {f.label}{choices}")
    return "\n".join(lines)
