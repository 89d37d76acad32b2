"""The overview as a table file: CSV (UTF-8 with a byte order mark, so Excel reads æøå) and XLSX."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from index.present.overview import Overview

COLUMNS = {
    "nb": ("Sted", "Tiltak", "Tema", "Hva ble gjort (sitat)", "Hva kom ut av det (sitat)", "Kilde", "Dokument"),
    "en": ("Place", "Measure", "Theme", "What was done (quote)", "What came of it (quote)", "Source", "Document"),
}
WIDTHS = (16, 26, 22, 70, 70, 60, 18)


def _rows(view: Overview) -> list[tuple[str, ...]]:
    return [
        (row.place, row.measure, row.theme, f"{row.done.text} [{row.hit.rank}]", f"{row.outcome.text} [{row.hit.rank}]" if row.outcome else "",
         f"[{row.hit.rank}] {row.hit.citation}", row.hit.document.doc_id)
        for row in view.rows
    ]  # fmt: skip


def overview_csv(view: Overview, language: str = "nb") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS[language])
    writer.writerows(_rows(view))
    return out.getvalue().encode("utf-8-sig")


def overview_xlsx(view: Overview, language: str = "nb") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Sammenstilling" if language == "nb" else "Overview"
    sheet.append(COLUMNS[language])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(view):
        sheet.append(row)
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
