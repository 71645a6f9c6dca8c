"""A PNG chart of meetings (bars) and satisfaction (a line) over time.

Drawn with Pillow, no plotting library: a few rectangles, lines and labels,
saved as a palette PNG and handed over as a ``data:`` URL in an ``Image``
element. Adapters upload it (Slack), put it in the card (Teams) or show it
inline (local chat); the text version sits beside it in the message.

The chart is drawn at twice its display size (``SCALE``), so it stays sharp on
high-density screens; at its display size (``WIDTH`` × ``HEIGHT`` CSS pixels)
no text is smaller than ``LABEL_PX`` (12 px). The title says what is shown and
when; the legend names each series with its unit and its axis.
"""

from __future__ import annotations

import base64
import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from bot.core.model import Image

SCALE = 2  # pixels per display pixel: sharp on high-density screens
WIDTH, HEIGHT = 720, 380  # display size (CSS pixels); the PNG is SCALE times larger
MARGIN = 16
AXIS_GAP = 6  # between an axis and its labels
LABEL_PX, TITLE_PX = 12, 15  # text sizes at display size: axis labels and legend, title
BACKGROUND = (255, 255, 255)
GRID = (225, 228, 232)
INK = (45, 50, 56)
MUTED = (96, 102, 110)
BAR = (76, 120, 168)  # blue bars and orange line: readable by most colour-blind people
LINE = (214, 96, 0)
USEFULNESS_MAX = 5
MAX_AXIS_LABELS = 12


@dataclass(frozen=True)
class Series:
    """The chart's data: one label per point, meetings, and usefulness (``None`` = not shown).

    ``title`` says what (*Pairs that met and average usefulness per week*) and ``subtitle``
    when (*3 Nov 2026 to 1 Dec 2026*); each legend names its series' unit and axis.
    """

    labels: Sequence[str]
    meetings: Sequence[int]
    usefulness: Sequence[float | None]
    title: str
    meetings_legend: str
    usefulness_legend: str
    subtitle: str = ""  # when: the period the chart covers


FONT_FILES = {
    False: ("DejaVuSans.ttf", "LiberationSans-Regular.ttf"),
    True: ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf"),
}
# Pillow's built-in font lacks a few typographic characters (and French no-break spaces).
_PLAIN = str.maketrans(
    {"–": "-", "—": "-", "’": "'", "“": '"', "”": '"', "…": "...", "\u202f": " ", "\u00a0": " "}
)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def _font(px: int, bold: bool = False) -> tuple[Font, bool]:
    """A system sans-serif font of ``px`` display pixels if there is one (full Unicode)."""
    for name in FONT_FILES[bold]:
        try:
            return ImageFont.truetype(name, px * SCALE), True
        except OSError:
            continue
    return ImageFont.load_default(size=px * SCALE), False


def _s(value: float) -> float:
    """Display pixels to image pixels."""
    return value * SCALE


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Font, width: float) -> list[str]:
    """Words on as few lines as fit ``width`` image pixels."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and draw.textlength(candidate, font=font) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines


def render_png(series: Series) -> bytes:
    """The chart as PNG bytes, ``SCALE`` times its display size."""
    image = PILImage.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE), BACKGROUND)
    draw = ImageDraw.Draw(image)
    (small, full), (title_font, _) = _font(LABEL_PX), _font(TITLE_PX, bold=True)
    series = series if full else _plain(series)
    line_h = _s(LABEL_PX * 1.5)

    # Title, wrapped over as many lines as it needs.
    y = _s(MARGIN)
    for line in _wrap(draw, series.title, title_font, _s(WIDTH - 2 * MARGIN)):
        draw.text((_s(MARGIN), y), line, fill=INK, font=title_font)
        y += _s(TITLE_PX * 1.35)
    if series.subtitle:
        draw.text((_s(MARGIN), y), series.subtitle, fill=MUTED, font=small)
        y += line_h

    # Legend at the bottom: one row when both entries fit, else one row each.
    swatch = _s(14)
    entries = [(series.meetings_legend, "bar"), (series.usefulness_legend, "line")]
    widths = [swatch + _s(6) + draw.textlength(text, font=small) for text, _ in entries]
    one_row = sum(widths) + _s(24) <= _s(WIDTH - 2 * MARGIN)
    rows = 1 if one_row else 2
    legend_top = _s(HEIGHT - MARGIN) - rows * line_h
    x, row = _s(MARGIN), 0
    for (text, kind), width in zip(entries, widths, strict=True):
        cy = legend_top + row * line_h + line_h / 2
        if kind == "bar":
            draw.rectangle((x, cy - _s(5), x + swatch, cy + _s(5)), fill=BAR)
        else:
            draw.line((x, cy, x + swatch, cy), fill=LINE, width=int(_s(3)))
            draw.ellipse(
                (x + swatch / 2 - _s(3.5), cy - _s(3.5), x + swatch / 2 + _s(3.5), cy + _s(3.5)),
                fill=LINE,
            )
        draw.text((x + swatch + _s(6), cy), text, fill=INK, font=small, anchor="lm")
        if one_row:
            x += width + _s(24)
        else:
            row += 1

    # The plot: left axis meetings, right axis usefulness 1–5, time along the bottom.
    count = max(1, len(series.labels))
    top_meetings = max([1, *series.meetings])
    step = _nice_step(top_meetings)
    axis_max = step * -(-top_meetings // step)
    left_w = max(draw.textlength(str(axis_max), font=small), _s(LABEL_PX))
    right_w = draw.textlength(str(USEFULNESS_MAX), font=small)
    left = _s(MARGIN) + left_w + _s(AXIS_GAP)
    right = _s(WIDTH - MARGIN) - right_w - _s(AXIS_GAP)
    top = y + _s(10)
    bottom = legend_top - _s(10) - line_h  # room for the time labels
    plot_w, plot_h = right - left, max(_s(40), bottom - top)

    for i in range(0, axis_max + 1, step):  # left axis: meetings
        gy = bottom - plot_h * i / axis_max
        draw.line((left, gy, right, gy), fill=GRID, width=int(_s(1)))
        draw.text((left - _s(AXIS_GAP), gy), str(i), fill=INK, font=small, anchor="rm")
    for score in range(1, USEFULNESS_MAX + 1):  # right axis: usefulness 1–5
        gy = bottom - plot_h * score / USEFULNESS_MAX
        draw.text((right + _s(AXIS_GAP), gy), str(score), fill=LINE, font=small, anchor="lm")

    slot = plot_w / count
    bar_w = max(_s(2), slot * 0.6)
    widest = max([draw.textlength(label, font=small) for label in series.labels] or [0.0])
    fit = max(1, int(plot_w // (widest + _s(10)))) if widest else MAX_AXIS_LABELS
    every = max(1, -(-count // min(MAX_AXIS_LABELS, fit)))  # labels that do not overlap
    points: list[tuple[float, float] | None] = []
    for i, label in enumerate(series.labels):
        cx = left + slot * (i + 0.5)
        value = series.meetings[i] if i < len(series.meetings) else 0
        if value:
            top_y = bottom - plot_h * value / axis_max
            draw.rectangle((cx - bar_w / 2, top_y, cx + bar_w / 2, bottom), fill=BAR)
        if (count - 1 - i) % every == 0:  # anchored on the latest point
            draw.text((cx, bottom + _s(AXIS_GAP)), label, fill=MUTED, font=small, anchor="ma")
        average = series.usefulness[i] if i < len(series.usefulness) else None
        points.append(None if average is None else (cx, bottom - plot_h * average / USEFULNESS_MAX))
    _draw_line(draw, points)
    draw.line((left, bottom, right, bottom), fill=INK, width=int(_s(1)))

    out = io.BytesIO()
    image.quantize(colors=32).save(out, format="PNG", optimize=True)
    return out.getvalue()


def _plain(series: Series) -> Series:
    return Series(
        [label.translate(_PLAIN) for label in series.labels],
        series.meetings,
        series.usefulness,
        series.title.translate(_PLAIN),
        series.meetings_legend.translate(_PLAIN),
        series.usefulness_legend.translate(_PLAIN),
        series.subtitle.translate(_PLAIN),
    )


def _draw_line(draw: ImageDraw.ImageDraw, points: Sequence[tuple[float, float] | None]) -> None:
    """Segments between neighbouring shown points; a hidden point leaves a gap."""
    for a, b in itertools.pairwise(points):
        if a is not None and b is not None:
            draw.line((a, b), fill=LINE, width=int(_s(3)))
    r = _s(4)
    for p in points:
        if p is not None:
            draw.ellipse((p[0] - r, p[1] - r, p[0] + r, p[1] + r), fill=LINE)


def _nice_step(top: int) -> int:
    """A round step so that the left axis has at most about five lines."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if top / step <= 5:
            return step
    return int(10 ** len(str(top)))


def data_url(png: bytes) -> str:
    """A ``data:`` URL for PNG bytes."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def chart_image(series: Series, alt: str) -> Image:
    """The chart as a neutral ``Image`` of its display size; ``alt`` describes it."""
    return Image(url=data_url(render_png(series)), alt=alt, width=WIDTH, height=HEIGHT)
