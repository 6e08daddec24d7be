"""Tables written for readers: one Excel writer shared by every exported table.

:func:`write_table_xlsx` writes a table with a bold, frozen, filterable header
and a second sheet of notes on it. The chromatin-feature table
(:func:`genomenb.data.features.export_features_xlsx`) and the ranked features
of the interpretation chapter (:mod:`genomenb.interpret`) both use it, so all
workbooks of the book look alike.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping

import numpy as np

__all__ = ["write_table_xlsx"]


def _plain(value: Any) -> Any:
    """NumPy scalars to Python scalars (openpyxl cannot write np.float32)."""
    return value.item() if isinstance(value, np.generic) else value


def write_table_xlsx(path: str | Path, table, *, sheet: str, notes_sheet: str, notes_header: tuple[str, str],
                     notes: Mapping[str, Any], widths=None, notes_width: int = 70) -> Path:
    """Write a table and a sheet of notes about it to an Excel workbook (``openpyxl``).

    Sheet ``sheet`` holds ``table`` (a DataFrame, its columns in order) with
    a bold, frozen header and filters on; NaN becomes an empty cell. Sheet
    ``notes_sheet`` lists ``notes`` as two columns under ``notes_header``
    (what a column means, where the numbers came from).

    Parameters
    ----------
    widths : sequence of float, optional
        Column widths of the table; by default each fits its header and first
        200 values, between 8 and 40 characters.
    notes_width : int, default 70
        Width of the notes' second column.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([str(c) for c in table.columns])
    for row in table.itertuples(index=False):
        ws.append([None if isinstance(v, float) and math.isnan(v) else v for v in map(_plain, row)])
    if widths is None:
        widths = [min(max(8, max([len(str(c))] + [len(str(v)) for v in table[c].head(200)]) + 2), 40)
                  for c in table.columns]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    info = wb.create_sheet(notes_sheet)
    info.append(list(notes_header))
    for key, value in notes.items():
        info.append([str(key), _plain(value)])
    for header in (ws[1], info[1]):
        for cell in header:
            cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    info.column_dimensions["A"].width = 24
    info.column_dimensions["B"].width = notes_width
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
