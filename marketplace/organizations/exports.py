"""Excel exports for the district: the organisation directory and a cohort's scorecards.

Both need the "organizations.export" permission and are written to the audit trail. Phones are
masked, and text typed by users is written as text, never as a formula: a name such as
``=HYPERLINK(...)`` must not run when the district opens the sheet.
"""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core import audit
from marketplace.core.permissions import require
from marketplace.core.spreadsheets import sheet_bytes

from . import selectors
from .choices import ScorecardStage
from .models import Cohort, Incubation, Scorecard

DIRECTORY_HEADERS = [
    "组织名称",
    "组织形式",
    "统一社会信用代码",
    "服务类别",
    "服务标签",
    "评估等级",
    "等级有效期至",
    "所在街道",
    "所在社区",
    "状态",
    "联系电话(脱敏)",
]


def directory_xlsx(*, actor) -> bytes:
    """Every organisation the actor may see as staff, one row each."""
    require(actor, "organizations.export")
    orgs = list(selectors.organization_list_for_staff(actor).prefetch_related("tags"))
    rows = [
        [
            org.name,
            org.get_legal_form_display(),
            org.uscc or "",
            org.get_category_display(),
            "、".join(tag.name for tag in org.tags.all()),
            org.grade,
            org.grade_expires_on,
            org.street.name,
            org.community.name if org.community_id else "",
            org.get_status_display(),
            org.masked_contact_phone,
        ]
        for org in orgs
    ]
    content = sheet_bytes(
        _("社会组织名录"), DIRECTORY_HEADERS, rows, [30, 20, 22, 14, 24, 10, 14, 14, 16, 10, 16]
    )
    audit.record(
        actor=actor,
        action="organizations.export.directory",
        changes={"rows": len(rows)},
        object_repr=_("社会组织名录"),
    )
    return content


# --- a cohort's scorecards ------------------------------------------------------------------
SCORECARD_HEADERS = [
    "组织名称",
    "孵化状态",
    "评估阶段",
    "内部治理",
    "内部治理依据",
    "财务管理",
    "财务管理依据",
    "项目服务",
    "项目服务依据",
    "人才队伍",
    "人才队伍依据",
    "平均分",
    "评估人",
    "评估时间",
]
_STAGE_ORDER = {stage: index for index, stage in enumerate(ScorecardStage.values)}


def _incubations_with_scorecards(cohort: Cohort):
    return (
        Incubation.objects.filter(cohort=cohort)
        .select_related("organization")
        .prefetch_related(
            Prefetch("scorecards", queryset=Scorecard.objects.select_related("scored_by").order_by("id"))
        )
        .order_by("organization__name")
    )


def cohort_scorecards_xlsx(*, actor, cohort: Cohort) -> bytes:
    """One row per incubation and scorecard stage (entry, mid-term, exit); an incubation with no
    scorecard yet gets one row without scores, so that the gap shows."""
    require(actor, "organizations.export", cohort)
    rows = []
    for incubation in _incubations_with_scorecards(cohort):
        cards = sorted(incubation.scorecards.all(), key=lambda c: _STAGE_ORDER[c.stage])
        if not cards:
            rows.append(
                [incubation.organization.name, incubation.get_status_display(), _("未评估")] + [""] * 11
            )
        for card in cards:
            rows.append(
                [
                    incubation.organization.name,
                    incubation.get_status_display(),
                    card.get_stage_display(),
                    card.governance,
                    card.governance_evidence,
                    card.finance,
                    card.finance_evidence,
                    card.programmes,
                    card.programmes_evidence,
                    card.people,
                    card.people_evidence,
                    float(card.average),
                    card.scored_by.display_label,
                    timezone.localtime(card.scored_at).replace(tzinfo=None),
                ]
            )
    title = _("能力评估表")
    content = sheet_bytes(title, SCORECARD_HEADERS, rows, [30, 12, 10] + [10, 30] * 4 + [10, 14, 18])
    audit.record(
        actor=actor,
        action="organizations.export.scorecards",
        obj=cohort,
        changes={"rows": len(rows)},
    )
    return content
