"""The staff export of service projects (Excel), scoped to the viewer's streets.

Sealed bids stay sealed here too: the sheet never reads a bid's sealed contents. Before opening
a project has only its number of bids; after opening each bidder appears with the price that
opening wrote in the clear (``Bid.price_fen``) and nothing else of its bid. Text typed by users
is written as text, never as a formula. The export is written to the audit trail.
"""

from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from openpyxl import Workbook

from marketplace.core import audit
from marketplace.core.permissions import require
from marketplace.core.spreadsheets import fill_sheet, workbook_bytes

from . import selectors
from .admin_common import VIEW, project_list_for_staff
from .models import Bid

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


def _yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


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
    fill_sheet(
        workbook.active,
        _("服务项目"),
        PROJECT_HEADERS,
        project_rows,
        [36, 12, 14, 14, 10, 16, 20, 18, 18, 8],
        money_cols=(6,),
    )
    fill_sheet(
        workbook.create_sheet(),
        _("开标记录"),
        BID_HEADERS,
        bid_rows,
        [36, 12, 30, 10, 16],
        money_cols=(5,),
    )
    audit.record(
        actor=actor,
        action="procurement.export.projects",
        changes={"projects": len(project_rows), "opened_bids": len(bid_rows)},
        object_repr=_("服务项目"),
    )
    return workbook_bytes(workbook)
