"""CSV cells a spreadsheet would run as formulas are neutralised, and nothing else changes."""

from __future__ import annotations

import csv
import io
import re

from hypothesis import given
from hypothesis import strategies as st

from bot.core.csv_cells import FORMULA_STARTS, safe_cell, safe_writer

NUMBERS = st.one_of(
    st.integers().map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(lambda d: f"{d:f}"),
)


@given(st.text())
def test_no_cell_starts_a_formula_and_nothing_is_lost(text: str) -> None:
    cell = safe_cell(text)
    assert cell in (text, "'" + text)
    if cell.startswith(FORMULA_STARTS):
        float(cell)  # only a plain number may keep its sign


@given(st.sampled_from(FORMULA_STARTS), st.text())
def test_every_formula_start_gets_a_quote(start: str, rest: str) -> None:
    text = start + rest
    if start == "-" and re.fullmatch(r"[0-9]+(\.[0-9]+)?", rest):
        return  # "-12" is a number
    assert safe_cell(text) == "'" + text


@given(NUMBERS)
def test_numbers_stay_numbers(number: str) -> None:
    assert safe_cell(number) == number


@given(st.lists(st.lists(st.text(), max_size=5), max_size=5))
def test_what_is_written_reads_back_neutralised(rows: list[list[str]]) -> None:
    out = io.StringIO()
    safe_writer(csv.writer(out)).writerows(rows)
    read = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    expected = [[safe_cell(cell) for cell in row] for row in rows]
    assert [row for row in read if row] == [row for row in expected if row]
    for row in read:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")) or cell.startswith("'")
