"""The chart: a small PNG with gaps where satisfaction is hidden."""

from __future__ import annotations

import base64
import io

from PIL import Image as PILImage

from bot.stats.chart import Series, chart_image, render_png


def series(points: int, hidden: set[int]) -> Series:
    return Series(
        labels=[f"{i + 1} nov." for i in range(points)],
        meetings=[(i * 7) % 23 for i in range(points)],
        usefulness=[None if i in hidden else 1 + (i % 5) for i in range(points)],
        title="Binômes qui se sont vus et utilité moyenne",
        meetings_legend="Binômes qui se sont vus",
        usefulness_legend="Utilité moyenne (1–5)",
    )


def test_the_chart_is_a_small_png_of_the_expected_size() -> None:
    png = render_png(series(14, {3, 4}))
    image = PILImage.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (720, 320)
    assert len(png) < 30_000


def test_the_chart_is_an_image_element_with_its_description() -> None:
    element = chart_image(series(24, set()), alt="Chart of meetings; figures below.")
    assert element.alt == "Chart of meetings; figures below."
    header, data = element.url.split(",", 1)
    assert header == "data:image/png;base64"
    assert base64.b64decode(data).startswith(b"\x89PNG")


def test_hidden_points_and_empty_series_still_draw() -> None:
    assert render_png(series(1, {0}))
    assert render_png(series(0, set()))
    nothing = Series([], [], [], "t", "m", "u")
    assert PILImage.open(io.BytesIO(render_png(nothing))).size == (720, 320)
