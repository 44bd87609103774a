"""Reading a roster spreadsheet (.xlsx) into rows for ``services.roster_import``, and the blank
template to fill in.

Only the reading is here: which column is which, cell values to text. Every rule about a row
(valid ID number, phone, grid, duplicates, consent) is the service's. The sheet's first row holds
the column titles, in any order; unknown columns are ignored, so a community may keep its own
notes beside the roster.
"""

import datetime
import io
import zipfile

from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from marketplace.core.exceptions import ValidationFailed

from .services.roster import MAX_ROSTER_ROWS, RosterRow

MAX_FILE_BYTES = 5 * 1024 * 1024
# An upload on the roster page is imported within the request: this many rows take seconds. The
# import service itself takes up to MAX_ROSTER_ROWS (100,000), which no request should wait for.
UPLOAD_MAX_ROWS = 2000

# Column title -> RosterRow field. The first title of each field is the template's.
COLUMNS = [
    ("姓名", "real_name", ["姓名", "真实姓名"]),
    ("身份证号码", "id_number", ["身份证号码", "身份证号", "公民身份号码"]),
    ("手机号", "phone", ["手机号", "手机号码", "联系电话"]),
    ("政治面貌", "political_status", ["政治面貌"]),
    ("所在党组织", "party_organization", ["所在党组织", "党组织"]),
    ("在职党员", "in_service", ["在职党员", "是否在职党员"]),
    ("工作单位", "workplace", ["工作单位"]),
    ("单位党支部", "workplace_party_branch", ["单位党支部"]),
    ("社区", "community", ["社区", "居住社区"]),
    ("网格", "grid", ["网格", "所在网格"]),
    ("技能特长", "skills", ["技能特长", "技能"]),
    ("居民身份", "resident_roles", ["居民身份"]),
    ("可服务时间", "availability", ["可服务时间"]),
    ("已签署身份证号处理同意书", "consent", ["已签署身份证号处理同意书", "已签署同意书", "同意书"]),
]
_REQUIRED = ("real_name", "id_number", "phone", "political_status", "grid", "consent")

TEMPLATE_EXAMPLE = [
    "张三",
    "11010119900101XXXX",
    "13800001111",
    "中共党员",
    "甲一社区第1网格党支部",
    "是",
    "市第一医院",
    "市第一医院党支部",
    "",
    "第1网格",
    "医疗护理、心理疏导",
    "楼栋长",
    "周末、节假日",
    "是",
]


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # A phone or ID typed as a number: 13800001111.0 -> 13800001111.
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).strip()


def _column_map(header: tuple) -> dict[int, str]:
    by_title = {title: name for _first, name, titles in COLUMNS for title in titles}
    found: dict[int, str] = {}
    for index, title in enumerate(header):
        name = by_title.get(_cell_text(title).replace(" ", "").replace("*", ""))
        if name and name not in found.values():
            found[index] = name
    missing = [first for first, name, _titles in COLUMNS if name in _REQUIRED and name not in found.values()]
    if missing:
        raise ValidationFailed(
            _("表头缺少必填列:%(cols)s。请使用导入模板。") % {"cols": "、".join(missing)}, field="file"
        )
    return found


def read_roster(upload, *, max_rows: int = UPLOAD_MAX_ROWS) -> list[RosterRow]:
    """The rows of the first sheet of an uploaded .xlsx (blank lines skipped), at most
    ``max_rows`` of them (at most ``MAX_ROSTER_ROWS``)."""
    max_rows = min(max_rows, MAX_ROSTER_ROWS)
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise ValidationFailed(_("文件不能超过5MB。"), field="file")
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(".xlsx"):
        raise ValidationFailed(_("请上传 Excel 文件(.xlsx)。"), field="file")
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise ValidationFailed(
            _("无法读取该文件,请上传用导入模板填写的 .xlsx 文件。"), field="file"
        ) from None
    try:
        sheet = workbook.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header = next(lines, None)
        if not header:
            raise ValidationFailed(_("文件中没有志愿者数据。"), field="file")
        columns = _column_map(header)
        rows = []
        for number, values in enumerate(lines, start=2):
            if not any(_cell_text(v) for v in values):
                continue
            if len(rows) >= max_rows:
                raise ValidationFailed(_("一次最多导入%(n)s行,请分批导入。") % {"n": max_rows}, field="file")
            data = {name: _cell_text(values[i]) for i, name in columns.items() if i < len(values)}
            rows.append(RosterRow(line=number, **data))
    finally:
        workbook.close()
    if not rows:
        raise ValidationFailed(_("文件中没有志愿者数据。"), field="file")
    return rows


def template_xlsx() -> bytes:
    """The blank roster with its titles, one example row and the accepted values."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "志愿者花名册"
    sheet.append([first for first, _name, _titles in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE7F3")
    for index in range(1, len(COLUMNS) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 18
        # ID numbers and phones are text: Excel would turn them into numbers and lose digits.
        for row in range(2, 502):
            sheet.cell(row=row, column=index).number_format = "@"
    notes = workbook.create_sheet("填写说明")
    for line in (
        "第一行为表头,请勿修改;从第二行起每行一名志愿者。",
        "示例:" + "|".join(TEMPLATE_EXAMPLE),
        "必填:姓名、身份证号码、手机号、政治面貌、网格、已签署身份证号处理同意书(是/否)。",
        "政治面貌:中共党员、中共预备党员、共青团员、群众;党员须填写所在党组织(全称或编码)。",
        "在职党员填“是”时,须填写工作单位和单位党支部。",
        "网格:本社区网格的名称或编码;社区可不填,填写时须为导入的社区。",
        "技能特长、居民身份、可服务时间:多项用顿号(、)分隔,须为平台列表中的名称。",
        "同一身份证号或手机号在文件中出现多次的行均不导入。",
        "已是本社区志愿者的,按身份证号更新其资料;手机号以本人验证的为准。",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 90
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
