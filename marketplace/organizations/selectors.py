"""Reads on organisations and the incubator, each scoped to what its viewer may see."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from marketplace.core.permissions import can, scope_queryset
from marketplace.core.roles import Role

from .choices import (
    REGISTERED_FORMS,
    ApplicationStatus,
    CohortStatus,
    IncubationStatus,
    OrgStatus,
    ScorecardStage,
)
from .models import (
    Application,
    ApplicationReview,
    Cohort,
    Incubation,
    MentorLog,
    Organization,
    OrganizationDocument,
    PeriodicReport,
    Scorecard,
    ServiceTag,
)

# Counters of completed work done elsewhere in the portal (service projects, volunteer
# activities). Later capabilities register theirs: fn(organization_id) -> int, and, so that a list
# of incubations still counts in one query, the same count as a query expression over a field
# holding the organisation id: annotation("organization_id").
_completed_work_counters = []


def register_completed_work_counter(fn, *, annotation=None) -> None:
    _completed_work_counters.append((fn, annotation))


def _completed_elsewhere(field: str):
    """Every counter's count as one expression, or None when some counter cannot give one."""
    annotations = [annotation for _fn, annotation in _completed_work_counters]
    if not annotations or None in annotations:
        return None
    total = annotations[0](field)
    for annotation in annotations[1:]:
        total = total + annotation(field)
    return total


# --- eligibility ----------------------------------------------------------------------------
def organization_can_bid(org: Organization) -> bool:
    """Only verified, unsuspended organisations may bid for service projects."""
    return org.status == OrgStatus.VERIFIED


def bid_refusal_reason(org: Organization) -> str | None:
    if org.status == OrgStatus.SUSPENDED:
        return str(_("该组织已被暂停,暂不能参与投标。"))
    if org.status != OrgStatus.VERIFIED:
        return str(_("该组织尚未通过区级认证,暂不能参与投标。"))
    return None


# --- public directory -----------------------------------------------------------------------
def _public_base() -> QuerySet[Organization]:
    # Suspended organisations stay listed (their record is public) but are marked as such.
    return Organization.objects.filter(status__in=[OrgStatus.VERIFIED, OrgStatus.SUSPENDED])


def organization_directory(
    *,
    street_id: int | None = None,
    community_id: int | None = None,
    category: str | None = None,
    tag: str | None = None,
    q: str | None = None,
) -> QuerySet[Organization]:
    qs = _public_base().select_related("street", "community").prefetch_related("tags")
    if street_id:
        qs = qs.filter(street_id=street_id)
    if community_id:
        qs = qs.filter(community_id=community_id)
    if category:
        qs = qs.filter(category=category)
    if tag:
        qs = qs.filter(tags__slug=tag)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(description__icontains=q))
    incubation_status = Incubation.objects.order_by("-started_at").only(
        "organization_id", "status", "cohort_id"
    )
    return (
        qs.prefetch_related(Prefetch("incubations", queryset=incubation_status)).distinct().order_by("name")
    )


def organization_public_profile(org_id: int) -> Organization | None:
    return (
        _public_base()
        .select_related("street", "community")
        .prefetch_related(
            "tags", Prefetch("incubations", queryset=Incubation.objects.select_related("cohort"))
        )
        .filter(pk=org_id)
        .first()
    )


def tag_list() -> QuerySet[ServiceTag]:
    return ServiceTag.objects.all()


# --- private views --------------------------------------------------------------------------
def can_view_private(user, org: Organization) -> bool:
    """Members and the district see documents, contact phone and the legal representative."""
    return can(user, "organizations.org.view_private", org)


def organizations_for_member(user) -> QuerySet[Organization]:
    """The organisations in which the user holds an organisation role."""
    return scope_queryset(
        user, Organization.objects.select_related("street", "community"), "organizations.org.view_private"
    ).filter(pk__in=_member_org_ids(user))


def _member_org_ids(user) -> list:
    from marketplace.core.permissions import assignments_for

    return [
        a.scope_id
        for a in assignments_for(user)
        if a.role in (Role.ORG_ADMIN, Role.ORG_MEMBER) and a.scope_kind == "organization"
    ]


def organization_list_for_staff(user, *, status: str | None = None) -> QuerySet[Organization]:
    qs = scope_queryset(
        user, Organization.objects.select_related("street", "community"), "organizations.org.view_private"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("status", "name")


def member_list(org: Organization):
    from marketplace.accounts.models import RoleAssignment

    return (
        RoleAssignment.objects.active()
        .filter(scope_kind="organization", scope_id=org.pk, role__in=[Role.ORG_ADMIN, Role.ORG_MEMBER])
        .select_related("user")
        .order_by("role", "created_at")
    )


# --- incubator ------------------------------------------------------------------------------
def cohort_list_public() -> QuerySet[Cohort]:
    return (
        Cohort.objects.exclude(status=CohortStatus.DRAFT)
        .annotate(
            admitted_count=Count("applications", filter=Q(applications__status=ApplicationStatus.ADMITTED)),
            application_count=Count("applications"),
        )
        .order_by("-applications_open_at")
    )


def application_list(user, *, cohort: Cohort) -> QuerySet[Application]:
    return (
        scope_queryset(user, Application.objects.filter(cohort=cohort), "organizations.application.view")
        .select_related("organization", "cohort")
        .prefetch_related("reviews")
        .order_by("submitted_at")
    )


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    met: bool
    detail: str


def latest_scorecard(incubation: Incubation) -> Scorecard | None:
    order = {ScorecardStage.ENTRY: 0, ScorecardStage.MIDTERM: 1, ScorecardStage.EXIT: 2}
    cards = sorted(incubation.scorecards.all(), key=lambda c: order[c.stage])
    return cards[-1] if cards else None


def completed_work_count(incubation: Incubation) -> int:
    own = incubation.activities.count()
    elsewhere = getattr(incubation, "completed_elsewhere", None)
    if elsewhere is None:
        elsewhere = sum(fn(incubation.organization_id) for fn, _annotation in _completed_work_counters)
    return own + elsewhere


def graduation_check(incubation: Incubation) -> list[Criterion]:
    """The cohort's configured graduation criteria, each with whether it is met now."""
    criteria = incubation.cohort.graduation_criteria or {}
    org = incubation.organization
    results = []
    if criteria.get("require_registered_or_filed"):
        registered = (
            org.legal_form in REGISTERED_FORMS and bool(org.uscc)
        ) or org.legal_form == "community_filed"
        results.append(
            Criterion("registered", str(_("已登记注册或备案")), registered, org.get_legal_form_display())
        )
    minimum = criteria.get("min_scorecard_average")
    if minimum not in (None, ""):
        card = latest_scorecard(incubation)
        average = card.average if card else Decimal(0)
        results.append(
            Criterion(
                "scorecard",
                str(_("能力评估平均分不低于 %(min)s") % {"min": minimum}),
                card is not None and average >= Decimal(str(minimum)),
                f"{average:.2f}" if card else str(_("尚无评估")),
            )
        )
    min_work = int(criteria.get("min_completed_activities") or 0)
    if min_work:
        done = completed_work_count(incubation)
        results.append(
            Criterion(
                "activities",
                str(_("完成活动或项目不少于 %(n)s 个") % {"n": min_work}),
                done >= min_work,
                str(done),
            )
        )
    return results


def incubation_for_org(org: Organization) -> Incubation | None:
    return (
        Incubation.objects.filter(organization=org)
        .exclude(status=IncubationStatus.EXITED)
        .select_related("cohort")
        .order_by("-started_at")
        .first()
    )


# --- back office (the district's Wagtail admin) ---------------------------------------------
def organization_available_moves(org: Organization, user) -> list:
    """The verification moves the user may make now (the override note for a code that failed
    its check is asked for by the verify form and checked when the move is made)."""
    from . import transitions

    return transitions.ORGANIZATION.available(org, user)


def organization_for_staff(user, org_id) -> Organization | None:
    """One organisation with its private data, for the district (or its members)."""
    return (
        organization_list_for_staff(user)
        .prefetch_related(
            "tags", Prefetch("documents", queryset=OrganizationDocument.objects.select_related("file"))
        )
        .filter(pk=org_id)
        .first()
    )


def cohort_list_for_staff(user) -> QuerySet[Cohort]:
    """The cohorts the user runs, with their places taken and applications received."""
    return scope_queryset(user, Cohort.objects.all(), "organizations.cohort.change").annotate(
        admitted_count=Count(
            "applications", filter=Q(applications__status=ApplicationStatus.ADMITTED), distinct=True
        ),
        application_count=Count("applications", distinct=True),
    )


def cohort_for_staff(user, cohort_id) -> Cohort | None:
    return cohort_list_for_staff(user).filter(pk=cohort_id).first()


def application_for_staff(user, application_id) -> Application | None:
    return (
        scope_queryset(user, Application.objects.all(), "organizations.application.view")
        .select_related("organization", "cohort")
        .prefetch_related(
            Prefetch("reviews", queryset=ApplicationReview.objects.select_related("reviewer").order_by("id"))
        )
        .filter(pk=application_id)
        .first()
    )


def incubation_list(user, *, cohort: Cohort) -> QuerySet[Incubation]:
    """A cohort's incubations with what ``graduation_check`` reads, so a list of them costs a
    fixed number of queries."""
    qs = (
        scope_queryset(user, Incubation.objects.filter(cohort=cohort), "organizations.incubation.view")
        .select_related("organization", "cohort")
        .prefetch_related("scorecards", "activities")
        .order_by("organization__name")
    )
    elsewhere = _completed_elsewhere("organization_id")
    return qs if elsewhere is None else qs.annotate(completed_elsewhere=elsewhere)


def incubation_for_staff(user, incubation_id) -> Incubation | None:
    return (
        scope_queryset(user, Incubation.objects.all(), "organizations.incubation.view")
        .select_related("organization", "cohort")
        .prefetch_related(
            "activities",
            "goals",
            "reports",
            Prefetch("scorecards", queryset=Scorecard.objects.select_related("scored_by")),
            Prefetch("mentor_logs", queryset=MentorLog.objects.select_related("mentor")),
        )
        .filter(pk=incubation_id)
        .first()
    )


def mentor_list(incubation: Incubation):
    from marketplace.accounts.models import RoleAssignment

    return (
        RoleAssignment.objects.active()
        .filter(scope_kind="incubation", scope_id=incubation.pk, role=Role.MENTOR)
        .select_related("user")
        .order_by("created_at")
    )


def report_for_staff(user, report_id) -> PeriodicReport | None:
    return (
        scope_queryset(user, PeriodicReport.objects.all(), "organizations.incubation.view")
        .select_related("incubation__organization", "incubation__cohort")
        .filter(pk=report_id)
        .first()
    )


def organization_documents(org: Organization) -> list:
    """The organisation's documents with their files (private: callers check the right first)."""
    return list(org.documents.select_related("file"))


def organization_last_rejection(org: Organization):
    """The latest "reject" move on the organisation (who, when, why), or None."""
    from . import transitions

    return transitions.ORGANIZATION.history(org).filter(code="reject").last()


# --- the personal page ("我的") ---------------------------------------------------------------
@dataclass(frozen=True)
class NextStep:
    """Something the organisation has to do now, in Chinese; ``area`` says where it is done
    ("org": its details and documents, "incubation": the incubator), ``note`` why (a reviewer's
    comment), ``overdue`` when its deadline has passed."""

    area: str
    text: str
    due_on: object = None
    overdue: bool = False
    note: str = ""


@dataclass
class OrganizationDashboard:
    organization: Organization
    incubation: Incubation | None
    application: Application | None  # an application still waiting for the decision
    next_steps: list
    criteria: list  # the graduation criteria, while incubating
    open_goals: int = 0
    next_report: PeriodicReport | None = None  # the first report not yet accepted
    scorecard: Scorecard | None = None  # the latest one
    cohorts_accepting: list | None = None  # calls the organisation may still apply to


def organizations_for_dashboard(*, user, today=None) -> list[OrganizationDashboard]:
    """Each organisation the user belongs to with its incubation (the current one, with its
    goals, reports, scorecards and graduation criteria), an application waiting for a decision,
    the incubator's calls it could apply to, and what it has to do next. A fixed number of
    queries whatever the number of organisations, reports or goals."""
    from django.utils import timezone

    from .choices import GoalStatus, ReportStatus

    now = timezone.now()
    today = today or timezone.localdate()
    orgs = list(organizations_for_member(user).annotate(document_count=Count("documents")).order_by("name"))
    if not orgs:
        return []
    ids = [org.pk for org in orgs]
    incubations = (
        Incubation.objects.filter(organization_id__in=ids)
        .exclude(status=IncubationStatus.EXITED)
        .select_related("organization", "cohort")
        .prefetch_related("scorecards", "activities", "goals", "reports")
        .order_by("-started_at", "-id")
    )
    elsewhere = _completed_elsewhere("organization_id")
    if elsewhere is not None:
        incubations = incubations.annotate(completed_elsewhere=elsewhere)
    current = {}
    for incubation in incubations:
        current.setdefault(incubation.organization_id, incubation)
    waiting = {}
    for application in (
        Application.objects.filter(
            organization_id__in=ids, status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.WAITLISTED]
        )
        .select_related("cohort")
        .order_by("-submitted_at", "-id")
    ):
        waiting.setdefault(application.organization_id, application)
    accepting = list(
        Cohort.objects.filter(
            status=CohortStatus.OPEN, applications_open_at__lte=now, applications_close_at__gt=now
        ).order_by("applications_close_at", "id")
    )
    applied = (
        set(
            Application.objects.filter(
                organization_id__in=ids, cohort__in=[c.pk for c in accepting]
            ).values_list("organization_id", "cohort_id")
        )
        if accepting
        else set()
    )

    rows = []
    for org in orgs:
        incubation = current.get(org.pk)
        row = OrganizationDashboard(org, incubation, waiting.get(org.pk), _org_steps(user, org), [])
        if incubation is not None and incubation.status in (
            IncubationStatus.INCUBATING,
            IncubationStatus.MIDTERM,
        ):
            reports = list(incubation.reports.all())
            row.next_steps += _report_steps(reports, today)
            row.next_report = next((r for r in reports if r.status != ReportStatus.ACCEPTED), None)
            row.open_goals = sum(1 for g in incubation.goals.all() if g.status == GoalStatus.OPEN)
            row.scorecard = latest_scorecard(incubation)
            row.criteria = graduation_check(incubation)
        elif (
            incubation is None
            and row.application is None
            and org.status in (OrgStatus.PENDING, OrgStatus.VERIFIED)
            and can(user, "organizations.application.submit", org)
        ):
            row.cohorts_accepting = [c for c in accepting if (org.pk, c.pk) not in applied]
        rows.append(row)
    return rows


def _org_steps(user, org: Organization) -> list[NextStep]:
    """What the organisation's verification waits for from its members (``document_count``
    annotated)."""
    if org.status == OrgStatus.REJECTED:
        if can(user, "organizations.org.change", org):
            return [NextStep("org", str(_("认证未通过:请按退回意见修改资料后重新提交审核。")))]
        return [NextStep("org", str(_("认证未通过:请联系本组织管理员修改资料后重新提交审核。")))]
    if (
        org.status == OrgStatus.PENDING
        and not org.document_count
        and can(user, "organizations.org.add_document", org)
    ):
        return [NextStep("org", str(_("请上传登记证书、章程或备案证明等材料,以便区级审核。")))]
    return []


def _report_steps(reports, today) -> list[NextStep]:
    """The incubation's periodic reports to write or redo, by due date."""
    from .choices import ReportStatus

    steps = []
    for report in reports:
        if report.status == ReportStatus.RETURNED:
            text, note = _("修改并重新提交定期报告「%(title)s」"), report.review_note
        elif report.status == ReportStatus.DUE:
            text, note = _("提交定期报告「%(title)s」"), ""
        else:
            continue
        steps.append(
            NextStep(
                "incubation",
                str(text % {"title": report.title}),
                due_on=report.due_on,
                overdue=report.due_on < today,
                note=note,
            )
        )
    return steps


# --- what search may index --------------------------------------------------------------------
# Read never: what the public profile shows only to members and the district, and the code.
_UNSEARCHABLE_FIELDS = ("uscc", "uscc_override_reason", "legal_representative", "contact_phone", "address")


def organization_search_documents(org_ids=None) -> list[dict]:
    """The searchable record of verified organisations, the ones the public directory lists as
    working now: name, introduction, service tags, category, grade and place, in a constant
    number of queries. Pending, rejected and suspended organisations have no record; the credit
    code, contact phone, address, the people behind the organisation and its documents are never
    read."""
    qs = organization_directory().filter(status=OrgStatus.VERIFIED).defer(*_UNSEARCHABLE_FIELDS)
    if org_ids is not None:
        qs = qs.filter(pk__in=list(org_ids))
    return [
        {
            "id": org.pk,
            "kind": "organization",
            "name": org.name,
            "description": org.description,
            "tags": [tag.name for tag in org.tags.all()],
            "category": org.category,
            "grade": org.grade,
            "street_id": org.street_id,
            "street": org.street.name,
            "community_id": org.community_id,
            "community": org.community.name if org.community_id else "",
            "status": org.status,
            "verified_at": org.verified_at,
        }
        for org in qs
    ]
