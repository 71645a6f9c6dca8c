"""A small PNG chart of meetings (bars) and satisfaction (a line) over time.

Drawn with Pillow, no plotting library: a few rectangles, lines and labels,
saved as a palette PNG (a few kilobytes) and handed over as a ``data:`` URL in
an ``Image`` element. Adapters upload it (Slack), put it in the card (Teams)
or show it inline (local chat); the text version sits beside it in the message.
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

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 48, 48, 44, 52
BACKGROUND = (255, 255, 255)
GRID = (225, 228, 232)
INK = (45, 50, 56)
BAR = (76, 120, 168)  # blue bars and orange line: readable by most colour-blind people
LINE = (228, 108, 10)
USEFULNESS_MAX = 5


@dataclass(frozen=True)
class Series:
    """The chart's data: one label per point, meetings, and usefulness (``None`` = not shown)."""

    labels: Sequence[str]
    meetings: Sequence[int]
    usefulness: Sequence[float | None]
    title: str
    meetings_legend: str
    usefulness_legend: str


FONT_FILES = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf")
# Pillow's built-in font lacks a few typographic characters.
_PLAIN = str.maketrans({"–": "-", "—": "-", "’": "'", "“": '"', "”": '"', "…": "..."})


@cache
def _font(size: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    """A system sans-serif font if there is one (full Unicode), else Pillow's own."""
    for name in FONT_FILES:
        try:
            return ImageFont.truetype(name, size), True
        except OSError:
            continue
    return ImageFont.load_default(size=size), False


def render_png(series: Series) -> bytes:
    """The chart as PNG bytes."""
    image = PILImage.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    (small, full), (normal, _) = _font(11), _font(14)
    series = series if full else _plain(series)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    bottom = TOP + plot_h
    count = max(1, len(series.labels))
    top_meetings = max([1, *series.meetings])
    step = _nice_step(top_meetings)
    axis_max = step * -(-top_meetings // step)

    draw.text((LEFT, 10), series.title, fill=INK, font=normal)
    for i in range(0, axis_max + 1, step):  # left axis: meetings
        y = bottom - plot_h * i / axis_max
        draw.line((LEFT, y, WIDTH - RIGHT, y), fill=GRID)
        draw.text((LEFT - 6, y), str(i), fill=INK, font=small, anchor="rm")
    for score in range(1, USEFULNESS_MAX + 1):  # right axis: usefulness 1–5
        y = bottom - plot_h * score / USEFULNESS_MAX
        draw.text((WIDTH - RIGHT + 6, y), str(score), fill=LINE, font=small, anchor="lm")

    slot = plot_w / count
    bar_w = max(2.0, slot * 0.6)
    every = max(1, -(-count // 12))  # at most 12 labels on the axis
    points: list[tuple[float, float] | None] = []
    for i, label in enumerate(series.labels):
        x = LEFT + slot * (i + 0.5)
        value = series.meetings[i] if i < len(series.meetings) else 0
        if value:
            draw.rectangle(
                (x - bar_w / 2, bottom - plot_h * value / axis_max, x + bar_w / 2, bottom), fill=BAR
            )
        if (count - 1 - i) % every == 0:  # anchored on the latest point
            draw.text((x, bottom + 6), label, fill=INK, font=small, anchor="ma")
        average = series.usefulness[i] if i < len(series.usefulness) else None
        points.append(None if average is None else (x, bottom - plot_h * average / USEFULNESS_MAX))
    _draw_line(draw, points)
    draw.line((LEFT, bottom, WIDTH - RIGHT, bottom), fill=INK)

    legend_y = HEIGHT - 18
    draw.rectangle((LEFT, legend_y - 5, LEFT + 12, legend_y + 5), fill=BAR)
    draw.text((LEFT + 18, legend_y), series.meetings_legend, fill=INK, font=small, anchor="lm")
    x2 = WIDTH // 2
    draw.line((x2, legend_y, x2 + 14, legend_y), fill=LINE, width=3)
    draw.text((x2 + 20, legend_y), series.usefulness_legend, fill=INK, font=small, anchor="lm")

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
    )


def _draw_line(draw: ImageDraw.ImageDraw, points: Sequence[tuple[float, float] | None]) -> None:
    """Segments between neighbouring shown points; a hidden point leaves a gap."""
    for a, b in itertools.pairwise(points):
        if a is not None and b is not None:
            draw.line((a, b), fill=LINE, width=3)
    for p in points:
        if p is not None:
            draw.ellipse((p[0] - 4, p[1] - 4, p[0] + 4, p[1] + 4), fill=LINE)


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
    """The chart as a neutral ``Image`` element; ``alt`` describes it for screen readers."""
    return Image(url=data_url(render_png(series)), alt=alt)
