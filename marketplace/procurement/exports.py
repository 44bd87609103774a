"""The staff export of service projects (Excel), scoped to the viewer's streets.

Sealed bids stay sealed here too: the sheet never reads a bid's sealed contents. Before opening
a project has only its number of bids; after opening each bidder appears with the price that
opening wrote in the clear (``Bid.price_fen``) and nothing else of its bid. Text typed by users
is written as text, never as a formula. The export is written to the audit trail.
"""

import datetime
import io
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from marketplace.core import audit
from marketplace.core.permissions import require

from . import selectors
from .admin_common import VIEW, project_list_for_staff
from .models import Bid

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
_YUAN_FORMAT = "#,##0.00"

PROJECT_HEADERS = [
    "项目名称",
    "采购街道",
    "服务社区",
    "服务类别",
    "状态",
    "预算上限(元)",
    "资金来源",
    "投标截止",
    "开标时间",
    "投标数",
]
BID_HEADERS = ["项目名称", "采购街道", "投标组织", "投标状态", "开标报价(元)"]


def _cell_value(value):
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


def _fill_sheet(sheet, title: str, headers: list[str], rows: list[list], widths: list[int], money_cols=()):
    sheet.title = title
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    for row in rows:
        sheet.append([_cell_value(v) for v in row])
        for index, cell in enumerate(sheet[sheet.max_row], start=1):
            if cell.data_type == "f":
                # openpyxl turns any string starting with "=" into a formula: keep it text.
                cell.data_type = "s"
            elif index in money_cols:
                cell.number_format = _YUAN_FORMAT
            elif cell.is_date:
                cell.number_format = "yyyy-mm-dd hh:mm"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _opened_bids():
    """Bids that took part in an opening: only these have a price in the clear."""
    return (
        Bid.objects.filter(status__in=selectors.OPENED_BID_STATUSES, price_fen__isnull=False)
        .select_related("organization")
        .order_by("price_fen", "pk")
    )


def projects_xlsx(*, actor) -> bytes:
    """Every project in the actor's streets (the district: all), one row each, and a second
    sheet with each opened project's bidders and their opened prices."""
    require(actor, VIEW)
    projects = list(
        project_list_for_staff(actor).prefetch_related(
            Prefetch("bids", queryset=_opened_bids(), to_attr="opened_bids")
        )
    )
    project_rows, bid_rows = [], []
    for p in projects:
        opened = p.opened_bids
        project_rows.append(
            [
                p.title,
                p.street.name,
                p.community.name if p.community_id else _("全街道"),
                p.get_category_display(),
                p.get_status_display(),
                _yuan(p.budget_ceiling_fen),
                p.get_funding_source_display(),
                p.bid_close_at,
                p.opened_at or "",
                len(opened) if opened else p.current_bid_count,
            ]
        )
        for bid in opened:
            bid_rows.append(
                [
                    p.title,
                    p.street.name,
                    bid.organization.name,
                    bid.get_status_display(),
                    _yuan(bid.price_fen),
                ]
            )
    workbook = Workbook()
    _fill_sheet(
        workbook.active,
        _("服务项目"),
        PROJECT_HEADERS,
        project_rows,
        [36, 12, 14, 14, 10, 16, 20, 18, 18, 8],
        money_cols=(6,),
    )
    _fill_sheet(
        workbook.create_sheet(),
        _("开标记录"),
        BID_HEADERS,
        bid_rows,
        [36, 12, 30, 10, 16],
        money_cols=(5,),
    )
    out = io.BytesIO()
    workbook.save(out)
    audit.record(
        actor=actor,
        action="procurement.export.projects",
        changes={"projects": len(project_rows), "opened_bids": len(bid_rows)},
        object_repr=_("服务项目"),
    )
    return out.getvalue()
