"""The chart: a PNG at twice its display size, readable labels, gaps where usefulness is hidden."""

from __future__ import annotations

import base64
import io

from PIL import Image as PILImage
from PIL import ImageDraw

from bot.stats import chart
from bot.stats.chart import Series, chart_image, render_png


def series(points: int, hidden: set[int]) -> Series:
    return Series(
        labels=[f"{i + 1} nov." for i in range(points)],
        meetings=[(i * 7) % 23 for i in range(points)],
        usefulness=[None if i in hidden else 1 + (i % 5) for i in range(points)],
        title="Binômes qui se sont vus et utilité moyenne par semaine",
        meetings_legend="Binômes qui se sont vus (nombre, axe de gauche)",
        usefulness_legend="Utilité moyenne (note de 1 à 5, axe de droite)",
        subtitle="du 3\u00a0nov. 2026 au 1\u00a0déc. 2026",
    )


def test_the_chart_is_drawn_at_twice_its_display_size() -> None:
    png = render_png(series(14, {3, 4}))
    image = PILImage.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert chart.SCALE == 2
    assert image.size == (chart.WIDTH * 2, chart.HEIGHT * 2)
    assert len(png) < 40_000  # still small enough for a Teams card


def test_no_text_is_smaller_than_12_px_at_display_size() -> None:
    assert chart.LABEL_PX >= 12 and chart.TITLE_PX > chart.LABEL_PX
    font, scalable = chart._font(chart.LABEL_PX)
    if scalable:  # a real font: its size is in image pixels
        assert getattr(font, "size", 0) >= 12 * chart.SCALE
    # Drawn, a capital letter of a label is at least 8.5 px high at display size.
    image = PILImage.new("L", (200, 100), 0)
    ImageDraw.Draw(image).text((10, 10), "H", fill=255, font=font)
    _, top, _, bottom = image.getbbox() or (0, 0, 0, 0)
    assert (bottom - top) / chart.SCALE >= 8.5


def test_the_chart_is_an_image_element_of_its_display_size_with_its_description() -> None:
    element = chart_image(series(24, set()), alt="Chart of meetings; figures below.")
    assert element.alt == "Chart of meetings; figures below."
    assert (element.width, element.height) == (chart.WIDTH, chart.HEIGHT)
    header, data = element.url.split(",", 1)
    assert header == "data:image/png;base64"
    assert base64.b64decode(data).startswith(b"\x89PNG")


def test_a_long_title_wraps_and_a_long_legend_takes_two_rows() -> None:
    long = Series(
        labels=["T1 2026", "T2 2026"],
        meetings=[3, 4],
        usefulness=[4.0, None],
        title="Binômes qui se sont vus et utilité moyenne par trimestre " * 2,
        meetings_legend="Binômes qui se sont vus (nombre de binômes, axe de gauche) " * 2,
        usefulness_legend="Utilité moyenne (note de 1 à 5, axe de droite)",
        subtitle="du 1\u00a0janv. 2026 au 31\u00a0déc. 2026",
    )
    image = PILImage.open(io.BytesIO(render_png(long)))
    assert image.size == (chart.WIDTH * 2, chart.HEIGHT * 2)


def test_hidden_points_and_empty_series_still_draw() -> None:
    assert render_png(series(1, {0}))
    assert render_png(series(0, set()))
    nothing = Series([], [], [], "t", "m", "u")
    size = PILImage.open(io.BytesIO(render_png(nothing))).size
    assert size == (chart.WIDTH * 2, chart.HEIGHT * 2)
