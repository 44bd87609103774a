"""Excel (.xlsx) files for exports: a header row, frozen and filtered, one row per record.

Text typed by users is written as text, never as a formula: a name such as ``=HYPERLINK(...)``
must not run when the district opens the sheet. Control characters, which the sheet's XML cannot
hold, are dropped; times are written in Asia/Shanghai.
"""

import datetime
import io
from collections.abc import Iterable, Sequence

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YUAN_FORMAT = "#,##0.00"

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")


def cell_value(value):
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def fill_sheet(
    sheet,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    widths: Sequence[int],
    *,
    money_cols: Iterable[int] = (),
) -> None:
    """Write ``rows`` under ``headers``; ``money_cols`` (1-based) hold yuan amounts."""
    money_cols = set(money_cols)
    sheet.title = str(title)[:31]
    sheet.append([str(h) for h in headers])
    for cell in sheet[1]:
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    for row in rows:
        sheet.append([cell_value(v) for v in row])
        for index, cell in enumerate(sheet[sheet.max_row], start=1):
            if cell.data_type == "f":
                # openpyxl turns any string starting with "=" into a formula: keep it text.
                cell.data_type = "s"
            elif index in money_cols:
                cell.number_format = YUAN_FORMAT
            elif cell.is_date:
                cell.number_format = "yyyy-mm-dd hh:mm"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def workbook_bytes(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def sheet_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence], widths: Sequence[int]) -> bytes:
    """A workbook of one sheet."""
    workbook = Workbook()
    fill_sheet(workbook.active, title, headers, rows, widths)
    return workbook_bytes(workbook)
