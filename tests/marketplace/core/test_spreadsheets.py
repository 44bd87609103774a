"""The shared Excel writer: formula-safe text, local times, money columns."""

import datetime
import io
import zoneinfo

import openpyxl

from marketplace.core.spreadsheets import sheet_bytes


def _rows(content: bytes):
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return sheet, list(sheet.iter_rows(values_only=True))


def test_text_that_looks_like_a_formula_stays_text_and_times_are_local(db):
    aware = datetime.datetime(2026, 3, 1, 16, 30, tzinfo=datetime.UTC)
    naive = datetime.datetime(2026, 3, 1, 9, 0)
    content = sheet_bytes(
        "测试", ["名称", "时间", "本地时间"], [['=HYPERLINK("http://x","点我")', aware, naive]], [20, 20, 20]
    )
    sheet, rows = _rows(content)
    assert rows[0] == ("名称", "时间", "本地时间")
    name, when, local = rows[1]
    assert name == '=HYPERLINK("http://x","点我")' and sheet["A2"].data_type == "s"
    shanghai = aware.astimezone(zoneinfo.ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    assert when == shanghai == datetime.datetime(2026, 3, 2, 0, 30)
    assert local == naive
    assert sheet.freeze_panes == "A2"


def test_control_characters_are_dropped(db):
    _sheet, rows = _rows(sheet_bytes("t", ["a"], [["甲\x01乙"]], [10]))
    assert rows[1] == ("甲乙",)
