"""CSV that a spreadsheet opens as data: no cell can start a formula.

A cell starting with ``=``, ``+``, ``-`` or ``@`` is read as a formula by Excel, LibreOffice
and Google Sheets (``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``); a leading tab or carriage
return hides such a start from a naive check. Such cells get a leading single quote, which
spreadsheets show as text and do not evaluate. A plain number (``-12``, ``0.5``) is left
alone: it is data, not a formula, and stays a number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def safe_cell(value: object) -> str:
    """The cell's text, with a leading ``'`` when a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


class _Writer(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


class SafeWriter:
    """A ``csv.writer`` whose every cell goes through :func:`safe_cell`."""

    def __init__(self, writer: _Writer) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[object]) -> None:
        """Write one row."""
        self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        """Write many rows."""
        for row in rows:
            self.writerow(row)


def safe_writer(writer: _Writer) -> SafeWriter:
    """Wrap a ``csv.writer``."""
    return SafeWriter(writer)
