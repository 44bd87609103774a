"""Excel exports of service hours for the back office: per volunteer, per grid, per party
organisation, and the yearly hours of in-service party members for their workplace branches.

Each is scoped to the rows the actor's staff roles cover and written to the audit trail. Names
and masked phones only: no ID number, no whole phone. Text typed by users is written as text,
never as a formula.
"""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.core import audit
from marketplace.core.exceptions import ValidationFailed
from marketplace.core.masking import mask_phone
from marketplace.core.permissions import require
from marketplace.core.spreadsheets import sheet_bytes

from . import policies, selectors
from .choices import StarLevel

EXPORT = policies.HOURS_EXPORT


def _hours(minutes) -> float:
    return round((minutes or 0) / 60, 1)


def check_period(start: datetime.date | None, end: datetime.date | None) -> None:
    if start and end and start > end:
        raise ValidationFailed(gettext_lazy("开始日期不能晚于结束日期。"), field="end")


def period_label(start: datetime.date | None, end: datetime.date | None) -> str:
    if not start and not end:
        return _("全部")
    return f"{start or ''}—{end or ''}"


# --- per volunteer --------------------------------------------------------------------------
VOLUNTEER_HEADERS = [
    "姓名",
    "手机号(脱敏)",
    "街道",
    "社区",
    "网格",
    "政治面貌",
    "所在党组织",
    "在职党员",
    "状态",
    "期间服务时长(小时)",
    "累计服务时长(小时)",
    "星级",
]


def hours_by_volunteer_xlsx(
    *, actor, start: datetime.date | None = None, end: datetime.date | None = None
) -> bytes:
    require(actor, EXPORT)
    check_period(start, end)
    rows = [
        [
            v.identity.real_name,
            mask_phone(v.user.phone),
            v.street.name,
            v.community.name,
            v.grid.name,
            v.get_political_status_display(),
            v.party_organization.name if v.party_organization_id else "",
            _("是") if v.in_service else _("否"),
            v.get_status_display(),
            _hours(v.period_minutes),
            _hours(v.total_minutes),
            str(StarLevel(v.star).label),
        ]
        for v in selectors.volunteer_hours(viewer=actor, start=start, end=end)
    ]
    content = sheet_bytes(
        _("志愿者服务时长"), VOLUNTEER_HEADERS, rows, [12, 14, 14, 16, 18, 12, 26, 10, 10, 18, 18, 12]
    )
    audit.record(
        actor=actor,
        action="volunteers.export.hours_by_volunteer",
        changes={"rows": len(rows), "period": period_label(start, end)},
        object_repr=_("志愿者服务时长"),
    )
    return content


# --- per grid -------------------------------------------------------------------------------
GRID_HEADERS = ["街道", "社区", "网格", "志愿者人数", "期间服务时长(小时)"]


def hours_by_grid_xlsx(
    *, actor, start: datetime.date | None = None, end: datetime.date | None = None
) -> bytes:
    require(actor, EXPORT)
    check_period(start, end)
    rows = [
        [*g.labels, g.volunteers, g.hours]
        for g in selectors.hours_by_grid(viewer=actor, start=start, end=end)
    ]
    content = sheet_bytes(_("网格服务时长"), GRID_HEADERS, rows, [14, 16, 20, 12, 18])
    audit.record(
        actor=actor,
        action="volunteers.export.hours_by_grid",
        changes={"rows": len(rows), "period": period_label(start, end)},
        object_repr=_("网格服务时长"),
    )
    return content


# --- per party organisation -----------------------------------------------------------------
PARTY_ORG_HEADERS = ["党组织", "类型", "党员志愿者人数", "期间服务时长(小时)"]


def hours_by_party_organization_xlsx(
    *, actor, start: datetime.date | None = None, end: datetime.date | None = None
) -> bytes:
    require(actor, EXPORT)
    check_period(start, end)
    rows = [
        [*g.labels, g.volunteers, g.hours]
        for g in selectors.hours_by_party_organization(viewer=actor, start=start, end=end)
    ]
    content = sheet_bytes(_("党组织服务时长"), PARTY_ORG_HEADERS, rows, [32, 16, 16, 18])
    audit.record(
        actor=actor,
        action="volunteers.export.hours_by_party_organization",
        changes={"rows": len(rows), "period": period_label(start, end)},
        object_repr=_("党组织服务时长"),
    )
    return content


# --- in-service party members, for their workplace branches ---------------------------------
PARTY_YEAR_HEADERS = [
    "单位党支部",
    "工作单位",
    "姓名",
    "手机号(脱敏)",
    "报到社区",
    "网格",
    "年度服务时长(小时)",
]


def party_member_yearly_xlsx(*, actor, year: int) -> bytes:
    require(actor, "volunteers.party_report.hours")
    if not 2000 <= year <= 2100:
        raise ValidationFailed(gettext_lazy("年份无效。"), field="year")
    rows = [
        [
            v.workplace_party_branch,
            v.workplace,
            v.identity.real_name,
            mask_phone(v.user.phone),
            v.community.name,
            v.grid.name,
            _hours(v.year_minutes),
        ]
        for v in selectors.party_member_yearly_hours(viewer=actor, year=year)
    ]
    title = _("%(year)s年在职党员服务时长") % {"year": year}
    content = sheet_bytes(title, PARTY_YEAR_HEADERS, rows, [28, 28, 12, 14, 16, 18, 18])
    audit.record(
        actor=actor,
        action="volunteers.export.party_member_yearly",
        changes={"rows": len(rows), "year": year},
        object_repr=title,
    )
    return content
