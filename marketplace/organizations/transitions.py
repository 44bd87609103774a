"""The organisations' lifecycles as tables of allowed moves (see core.lifecycle)."""

from django.utils.translation import gettext_lazy as _

from marketplace.core.exceptions import GuardFailed
from marketplace.core.lifecycle import Lifecycle, Transition
from marketplace.core.permissions import SYSTEM
from marketplace.core.roles import Role
from search import indexing

from .choices import (
    ApplicationStatus,
    CohortStatus,
    IncubationStatus,
    OrgStatus,
    ReportStatus,
    ScorecardStage,
)
from .models import Application, Cohort, Incubation, Organization, PeriodicReport

A = Role.DISTRICT_ADMIN
ORG_ADMIN = Role.ORG_ADMIN
ORG_MEMBER = Role.ORG_MEMBER
MENTOR = Role.MENTOR


# --- guards ---------------------------------------------------------------------------------
def has_documents(org, *, actor, context):
    if not org.documents.exists():
        raise GuardFailed(_("请先上传登记证书、章程或备案证明等材料。"), code="documents_missing")


def code_override_documented(org, *, actor, context):
    if org.uscc_check_failed and not (context.get("override_reason") or "").strip():
        raise GuardFailed(
            _("该组织的统一社会信用代码未通过校验,认证前须填写人工核验说明。"),
            code="override_reason_required",
        )


def cohort_dates_sane(cohort, *, actor, context):
    if cohort.applications_open_at >= cohort.applications_close_at:
        raise GuardFailed(_("申请截止时间必须晚于开始时间。"), code="bad_dates")
    if cohort.starts_on > cohort.ends_on:
        raise GuardFailed(_("培育结束日期不能早于开始日期。"), code="bad_dates")


def cohort_has_room(application, *, actor, context):
    admitted = Application.objects.filter(
        cohort_id=application.cohort_id, status=ApplicationStatus.ADMITTED
    ).count()
    if admitted >= application.cohort.capacity:
        raise GuardFailed(_("入孵名额已满,可将申请列入候补。"), code="cohort_full")


def cohort_in_review(application, *, actor, context):
    if application.cohort.status not in (CohortStatus.REVIEWING, CohortStatus.RUNNING):
        raise GuardFailed(_("申请截止并进入评审后才能决定入孵结果。"), code="cohort_not_reviewing")


def has_scorecard(stage):
    def guard(incubation, *, actor, context):
        if not incubation.scorecards.filter(stage=stage).exists():
            raise GuardFailed(
                _("请先填写「%(stage)s」能力评估表。") % {"stage": ScorecardStage(stage).label},
                code="scorecard_missing",
            )

    return guard


def graduation_criteria_met(incubation, *, actor, context):
    from .selectors import graduation_check

    failed = [c for c in graduation_check(incubation) if not c.met]
    if failed:
        raise GuardFailed(
            _("未达到出壳条件:%(items)s") % {"items": ";".join(str(c.label) for c in failed)},
            code="criteria_not_met",
        )


# --- tables ---------------------------------------------------------------------------------
# Search lists verified organisations only: verifying, suspending and reinstating tell it.
REINDEX = [indexing.on_transition("organization")]

S = OrgStatus
ORGANIZATION = Lifecycle(
    "organizations.organization",
    model=Organization,
    states=OrgStatus,
    transitions=[
        Transition(
            "verify",
            [S.PENDING],
            S.VERIFIED,
            [A],
            _("认证通过"),
            guards=[has_documents],
            input_guards=[code_override_documented],
            effects=REINDEX,
        ),
        Transition("reject", [S.PENDING], S.REJECTED, [A], _("退回"), reason_required=True),
        Transition("resubmit", [S.REJECTED], S.PENDING, [ORG_ADMIN], _("重新提交审核")),
        Transition(
            "suspend", [S.VERIFIED], S.SUSPENDED, [A], _("暂停"), reason_required=True, effects=REINDEX
        ),
        Transition(
            "reinstate", [S.SUSPENDED], S.VERIFIED, [A], _("恢复"), reason_required=True, effects=REINDEX
        ),
    ],
)

C = CohortStatus
COHORT = Lifecycle(
    "organizations.cohort",
    model=Cohort,
    states=CohortStatus,
    transitions=[
        Transition("open", [C.DRAFT], C.OPEN, [A], _("开始接受申请"), guards=[cohort_dates_sane]),
        # The scheduler closes the call at its deadline; the district may close it early.
        Transition("close_applications", [C.OPEN], C.REVIEWING, [A, SYSTEM], _("截止申请")),
        Transition("start", [C.REVIEWING], C.RUNNING, [A], _("开始培育")),
        Transition("finish", [C.RUNNING], C.FINISHED, [A], _("结束本期")),
    ],
)

AP = ApplicationStatus
APPLICATION = Lifecycle(
    "organizations.application",
    model=Application,
    states=ApplicationStatus,
    transitions=[
        Transition(
            "admit",
            [AP.SUBMITTED, AP.WAITLISTED],
            AP.ADMITTED,
            [A],
            _("录取入孵"),
            guards=[cohort_in_review, cohort_has_room],
        ),
        Transition("waitlist", [AP.SUBMITTED], AP.WAITLISTED, [A], _("列入候补"), guards=[cohort_in_review]),
        Transition(
            "decline", [AP.SUBMITTED, AP.WAITLISTED], AP.DECLINED, [A], _("不予录取"), reason_required=True
        ),
        Transition("withdraw", [AP.SUBMITTED, AP.WAITLISTED], AP.WITHDRAWN, [ORG_ADMIN], _("撤回申请")),
    ],
)

I = IncubationStatus  # noqa: E741
INCUBATION = Lifecycle(
    "organizations.incubation",
    model=Incubation,
    states=IncubationStatus,
    transitions=[
        Transition(
            "midterm",
            [I.INCUBATING],
            I.MIDTERM,
            [A, MENTOR],
            _("完成中期评估"),
            guards=[has_scorecard(ScorecardStage.MIDTERM)],
        ),
        Transition(
            "graduate",
            [I.MIDTERM],
            I.GRADUATED,
            [A],
            _("出壳"),
            guards=[has_scorecard(ScorecardStage.EXIT), graduation_criteria_met],
        ),
        Transition("exit", [I.INCUBATING, I.MIDTERM], I.EXITED, [A], _("退出孵化"), reason_required=True),
    ],
)

R = ReportStatus
REPORT = Lifecycle(
    "organizations.report",
    model=PeriodicReport,
    states=ReportStatus,
    transitions=[
        Transition("submit", [R.DUE, R.RETURNED], R.SUBMITTED, [ORG_ADMIN, ORG_MEMBER], _("提交报告")),
        Transition("accept", [R.SUBMITTED], R.ACCEPTED, [A, MENTOR], _("通过")),
        Transition("return", [R.SUBMITTED], R.RETURNED, [A, MENTOR], _("退回修改"), reason_required=True),
    ],
)
