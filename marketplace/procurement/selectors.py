"""Reads on service projects and bids, each scoped to what its viewer may see."""

from django.db.models import Count, Q, QuerySet

from marketplace.core import audit
from marketplace.core.exceptions import NotFound
from marketplace.core.permissions import can

from . import sealing
from .choices import BidStatus, ProjectStatus
from .models import Bid, Project

# Statuses in which the bids have been opened together; before them a bid is sealed.
OPENED_STATUSES = frozenset(
    {
        ProjectStatus.OPENED,
        ProjectStatus.EVALUATED,
        ProjectStatus.AWARD_PROPOSED,
        ProjectStatus.PUBLICITY,
        ProjectStatus.AWARDED,
        ProjectStatus.CONTRACTED,
        ProjectStatus.IN_DELIVERY,
        ProjectStatus.COMPLETED,
    }
)
PUBLIC_STATUSES = frozenset(
    set(ProjectStatus.values) - {ProjectStatus.DRAFT, ProjectStatus.PENDING_APPROVAL, ProjectStatus.APPROVED}
)


def _bid_access(viewer, bid: Bid) -> str | None:
    """ "own" for the bidding organisation's members, "opened" for the readers of opened bids,
    None for everyone else."""
    if can(viewer, "procurement.bid.read_own", bid.organization):
        return "own"
    if bid.project.status not in OPENED_STATUSES or bid.status == BidStatus.DRAFT:
        return None
    return "opened" if can(viewer, "procurement.bid.read_opened", bid.project) else None


def bid_readable_by(viewer, bid: Bid) -> bool:
    """Whether the viewer may read the bid's sealed contents (and its attachments) now.

    Before the project is opened: the bidding organisation's own members, nobody else — not the
    street, not the district, not a superuser. After opening: also the buying street, the
    district and the project's evaluators. The one rule for every path that shows a bid's
    contents: ``bid_contents`` and the download of a bid attachment.
    """
    return _bid_access(viewer, bid) is not None


def bid_contents(*, viewer, bid: Bid) -> dict:
    """A bid's sealed contents, for the only people who may read them (``bid_readable_by``);
    every read by someone other than the bidder is written to the audit trail. Anyone else is
    told the bid does not exist.
    """
    access = _bid_access(viewer, bid)
    if access is None:
        raise NotFound()
    if access != "own":
        audit.record(actor=viewer, action="procurement.bid.read", obj=bid)
    if not bid.sealed_contents:
        return {}
    return sealing.unseal(bid.project, bid.sealed_contents)


def project_list_public(
    *,
    street_id=None,
    community_id=None,
    category=None,
    status=None,
    budget_min_fen=None,
    budget_max_fen=None,
) -> QuerySet[Project]:
    """Published projects (and everything after), newest first, with the number of bids made.
    A community filter also keeps the street-wide projects of the community's street: they serve
    it too. Budget bounds are inclusive, in fen."""
    qs = (
        Project.objects.filter(status__in=PUBLIC_STATUSES, published_at__isnull=False)
        .select_related("street", "community")
        .annotate(
            bid_count=Count(
                "bids",
                filter=Q(
                    bids__status__in=[
                        BidStatus.SUBMITTED,
                        BidStatus.OPENED,
                        BidStatus.WON,
                        BidStatus.LOST,
                        BidStatus.DISQUALIFIED,
                    ]
                ),
            )
        )
    )
    if street_id:
        qs = qs.filter(street_id=street_id)
    if community_id:
        from marketplace.places.models import Community

        home_street = Community.objects.filter(pk=community_id).values("street_id")
        qs = qs.filter(Q(community_id=community_id) | Q(community__isnull=True, street_id__in=home_street))
    if category:
        qs = qs.filter(category=category)
    if status:
        qs = qs.filter(status=status)
    if budget_min_fen is not None:
        qs = qs.filter(budget_ceiling_fen__gte=budget_min_fen)
    if budget_max_fen is not None:
        qs = qs.filter(budget_ceiling_fen__lte=budget_max_fen)
    return qs.order_by("-published_at", "-id")


def public_bid_count(project: Project) -> int:
    """Before opening only the number of bids is public."""
    return project.bids.filter(status=BidStatus.SUBMITTED, terms_version=project.terms_version).count()


# --- evaluation and result ------------------------------------------------------------------
# From the start of publicity the result is public: the winner, its price, every bidder's score.
RESULT_PUBLIC_STATUSES = frozenset(
    {
        ProjectStatus.PUBLICITY,
        ProjectStatus.AWARDED,
        ProjectStatus.CONTRACTED,
        ProjectStatus.IN_DELIVERY,
        ProjectStatus.COMPLETED,
    }
)
# The bids that took part in the opening, whatever became of them afterwards.
OPENED_BID_STATUSES = (BidStatus.OPENED, BidStatus.DISQUALIFIED, BidStatus.WON, BidStatus.LOST)


def project_evaluators(project: Project):
    """The users currently appointed evaluators of the project."""
    from marketplace.accounts.models import RoleAssignment, User
    from marketplace.core.roles import Role, ScopeKind

    user_ids = (
        RoleAssignment.objects.active()
        .filter(role=Role.EVALUATOR, scope_kind=ScopeKind.PROJECT, scope_id=project.pk)
        .values("user_id")
    )
    return User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk")


def evaluation_missing(project: Project) -> list[str]:
    """What stands between the project and a completed evaluation, in words: every appointed
    evaluator must have declared no conflict and scored every opened, not disqualified bid on
    every non-price criterion. An empty list means nothing is missing."""
    from django.utils.translation import gettext as _

    from .models import ConflictDeclaration, Score

    evaluators = list(project_evaluators(project))
    if not evaluators:
        return [_("尚未指派评审专家")]
    bids = list(project.bids.filter(status=BidStatus.OPENED).select_related("organization").order_by("pk"))
    criteria = list(project.criteria.filter(is_price=False).order_by("sort_order", "pk"))
    declared = set(
        ConflictDeclaration.objects.filter(project=project, evaluator__in=evaluators).values_list(
            "evaluator_id", flat=True
        )
    )
    scored = set(
        Score.objects.filter(bid__in=bids, criterion__in=criteria, evaluator__in=evaluators).values_list(
            "evaluator_id", "bid_id", "criterion_id"
        )
    )
    missing = []
    for evaluator in evaluators:
        name = evaluator.display_label
        if evaluator.pk not in declared:
            missing.append(_("%(e)s 未作无利害关系声明") % {"e": name})
        for bid in bids:
            for criterion in criteria:
                if (evaluator.pk, bid.pk, criterion.pk) not in scored:
                    missing.append(
                        _("%(e)s 未评「%(o)s」的「%(c)s」")
                        % {"e": name, "o": bid.organization.name, "c": criterion.name}
                    )
    return missing


def project_result_public(project: Project) -> dict:
    """The public result. Before publicity starts only the number of bids; from then on the
    winner and its price, and every opened bid's price, total score and rank (a disqualified
    bid is listed as such, without a score)."""
    from .models import BidResult

    if project.status in OPENED_STATUSES:
        bid_count = project.bids.filter(status__in=OPENED_BID_STATUSES).count()
    else:
        bid_count = public_bid_count(project)
    if project.status not in RESULT_PUBLIC_STATUSES:
        return {"published": False, "bid_count": bid_count}
    bidders = []
    results = (
        BidResult.objects.filter(bid__project=project).select_related("bid__organization").order_by("rank")
    )
    for r in results:
        bidders.append(
            {
                "bid_id": r.bid_id,
                "organization_id": r.bid.organization_id,
                "organization": r.bid.organization.name,
                "price_fen": r.bid.price_fen,
                "price_score_milli": r.price_score_milli,
                "other_score_milli": r.other_score_milli,
                "total_score_milli": r.total_score_milli,
                "rank": r.rank,
                "disqualified": False,
                "won": r.bid_id == project.awarded_bid_id,
            }
        )
    for bid in (
        project.bids.filter(status=BidStatus.DISQUALIFIED).select_related("organization").order_by("pk")
    ):
        bidders.append(
            {
                "bid_id": bid.pk,
                "organization_id": bid.organization_id,
                "organization": bid.organization.name,
                "price_fen": bid.price_fen,
                "price_score_milli": None,
                "other_score_milli": None,
                "total_score_milli": None,
                "rank": None,
                "disqualified": True,
                "won": False,
            }
        )
    winner = next((b for b in bidders if b["won"]), None)
    return {
        "published": True,
        "bid_count": bid_count,
        "publicity_ends_at": project.publicity_ends_at,
        "awarded": project.status != ProjectStatus.PUBLICITY,
        "winner": winner,
        "bidders": bidders,
    }


def evaluator_projects(user) -> QuerySet[Project]:
    """The projects the user evaluates, with whether they have declared no conflict yet."""
    from django.db.models import Exists, OuterRef

    from marketplace.core.permissions import scope_queryset

    from .models import ConflictDeclaration

    if not getattr(user, "is_authenticated", False):
        return Project.objects.none()
    return (
        scope_queryset(user, Project.objects.select_related("street"), "procurement.evaluation.score")
        .annotate(declared=Exists(ConflictDeclaration.objects.filter(project=OuterRef("pk"), evaluator=user)))
        .order_by("-opened_at", "-id")
    )


# --- contract, delivery and the organisation's record ---------------------------------------
def contract_for_project(project: Project):
    """The project's contract with its milestones (each with its payment) and amendments, or
    None. Public once signed: the contract summary and milestone progress are open data."""
    from django.db.models import Prefetch

    from .models import Contract, Milestone

    return (
        Contract.objects.select_related("organization", "bid", "rating")
        .prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.select_related("payment").order_by("seq")),
            "amendments",
        )
        .filter(project=project)
        .first()
    )


def milestone_reports(*, viewer, milestone):
    """A milestone's delivery reports, for those who may read its evidence (the contracted
    organisation, the buying street and the district); anyone else is told it does not exist."""
    if not can(viewer, "procurement.milestone.view_evidence", milestone):
        raise NotFound()
    return milestone.reports.select_related("submitted_by", "reviewed_by").order_by("submitted_at", "id")


def fund_payment_requests() -> QuerySet:
    """The hand-over to the governance fund: accepted milestones whose payment comes from the
    fund and has not been disbursed yet, oldest first. The fund's disbursement service pays each
    and then calls ``services.milestone_fund_disbursed``."""
    from .choices import MilestoneStatus, PaymentSource
    from .models import Milestone

    return (
        Milestone.objects.filter(
            status=MilestoneStatus.ACCEPTED,
            payment__source=PaymentSource.FUND,
            payment__fund_disbursement_ref="",
        )
        .select_related("payment", "contract__project", "contract__organization")
        .order_by("payment__recorded_at", "pk")
    )


def organization_track_record(org) -> QuerySet:
    """The organisation's completed contracts with the street's rating, newest first: its public
    record of delivered service projects."""
    from .models import Contract

    return (
        Contract.objects.filter(organization=org, completed_at__isnull=False)
        .select_related("project__street", "rating")
        .order_by("-completed_at", "-pk")
    )


def completed_contract_count(organization_id: int) -> int:
    """Completed service contracts count as completed work towards an incubatee's graduation."""
    from .models import Contract

    return Contract.objects.filter(organization_id=organization_id, completed_at__isnull=False).count()


def project_for_open_data(project_id: int) -> Project | None:
    """A project whose record is open data (OCDS): published at some point, whatever came after.
    Drafts, projects waiting for approval and projects cancelled before publication are not."""
    return (
        Project.objects.filter(pk=project_id, status__in=PUBLIC_STATUSES, published_at__isnull=False)
        .select_related("street", "district", "awarded_bid__organization")
        .first()
    )


def completed_contracts_annotation(organization_field: str):
    """``completed_contract_count`` as a query expression over a field holding an organisation
    id, so that lists (a cohort's incubations) count in their own query."""
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from .models import Contract

    counted = (
        Contract.objects.filter(organization_id=OuterRef(organization_field), completed_at__isnull=False)
        .order_by()
        .values("organization_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# --- what search may index --------------------------------------------------------------------
def project_search_documents(project_ids=None) -> list[dict]:
    """The searchable record of published projects: the announcement's own words and its place,
    category, status, budget and public bid count, in a constant number of queries. This is the
    only thing search indexes about a project, so it never holds a bid's contents, a bidder
    before the result, or anyone's personal data; drafts and projects awaiting approval have no
    document at all."""
    qs = project_list_public()
    if project_ids is not None:
        qs = qs.filter(pk__in=list(project_ids))
    return [
        {
            "id": project.pk,
            "kind": "project",
            "title": project.title,
            "body": "\n".join((project.description, project.service_targets, project.performance_goals)),
            "street_id": project.street_id,
            "street": project.street.name,
            "community_id": project.community_id,
            "community": project.community.name if project.community_id else "",
            "category": project.category,
            "status": project.status,
            "open": project.bidding_is_open(),
            "budget_ceiling_fen": project.budget_ceiling_fen,
            "bid_count": project.bid_count,
            "published_at": project.published_at,
            "bid_close_at": project.bid_close_at,
        }
        for project in qs
    ]


# --- the bidding organisations' own pages -----------------------------------------------------
def bidding_organizations(user) -> list:
    """The organisations for which the user may bid, ask, object and report (org admin or
    member)."""
    from marketplace.organizations.selectors import organizations_for_member

    if not getattr(user, "is_authenticated", False):
        return []
    return [org for org in organizations_for_member(user) if can(user, "procurement.bid.write", org)]


def bid_eligibility_refusal(project: Project, org) -> str | None:
    """Why the organisation may not bid for the project, in Chinese, or None when it may: it must
    be verified and not suspended, hold the project's minimum grade (still valid today) and be of
    one of the project's service categories. The one rule behind ``bid_submit`` and the "projects
    I may bid for" filter; it reads only the two rows, so a list can apply it without queries."""
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from marketplace.organizations.choices import Grade
    from marketplace.organizations.selectors import bid_refusal_reason

    reason = bid_refusal_reason(org)
    if reason:
        return reason
    if project.min_grade:
        order = {g: i for i, g in enumerate(Grade.values)}
        if not org.grade_valid_on(timezone.localdate()) or order[org.grade] < order[project.min_grade]:
            return _("本项目要求评估等级 %(g)s 及以上(且在有效期内)。") % {"g": project.min_grade}
    if project.required_categories and org.category not in project.required_categories:
        return _("本项目限定的服务类别不包括贵组织的类别。")
    return None


def project_list_biddable(*, viewer, now=None, **filters) -> QuerySet[Project]:
    """``project_list_public`` (same filters) cut to the projects open for bidding now for which
    at least one of the viewer's organisations is eligible, by ``bid_eligibility_refusal``."""
    from django.utils import timezone

    orgs = bidding_organizations(viewer)
    qs = project_list_public(**filters)
    if not orgs:
        return qs.none()
    now = now or timezone.now()
    open_now = Project.objects.filter(
        status=ProjectStatus.PUBLISHED, bid_open_at__lte=now, bid_close_at__gt=now
    ).only("pk", "min_grade", "required_categories")
    ids = [p.pk for p in open_now if any(bid_eligibility_refusal(p, org) is None for org in orgs)]
    return qs.filter(pk__in=ids)


def organization_objections(*, viewer, bid: Bid) -> list:
    """The objections the bid's organisation raised on the bid's project, with their answers,
    for the organisation's own members; anyone else is told they do not exist."""
    from .models import Objection

    if not can(viewer, "procurement.bid.read_own", bid.organization):
        raise NotFound()
    return list(Objection.objects.filter(project_id=bid.project_id, organization_id=bid.organization_id))


# The personal page lists the latest ones only.
MEMBER_LIST_LIMIT = 30


def member_procurement(user) -> dict | None:
    """The bids (newest first, drafts aside) and contracts of the user's organisations for the
    personal page, in a constant number of queries; None for someone in no bidding organisation."""
    from django.db.models import F

    from marketplace.core.permissions import scope_queryset

    from .models import Contract

    if not bidding_organizations(user):
        return None
    bids = (
        scope_queryset(
            user,
            Bid.objects.select_related("project", "organization").defer("sealed_contents"),
            "procurement.bid.read_own",
        )
        .exclude(status=BidStatus.DRAFT)
        .order_by("-submitted_at", "-id")
    )
    contracts = scope_queryset(
        user,
        Contract.objects.select_related("project", "organization").defer("terms"),
        "procurement.milestone.report",
    ).order_by(F("completed_at").asc(nulls_first=True), "-signed_at", "-id")
    return {"bids": list(bids[:MEMBER_LIST_LIMIT]), "contracts": list(contracts[:MEMBER_LIST_LIMIT])}


def contract_delivery(*, viewer, contract_id: int):
    """A contract as its organisation delivers it (履约): the milestones in order with their
    payment and their reports (oldest first), each report carrying ``evidence`` (its files),
    ``outcome_code`` (pending, accepted, returned) and ``outcome`` (its label), in a constant
    number of queries. Only the contracted
    organisation's members; anyone else is told it does not exist."""
    from django.db.models import Prefetch
    from django.utils.translation import gettext as _

    from marketplace.core.models import PrivateFile

    from .choices import MilestoneStatus
    from .models import Contract, Milestone, MilestoneReport

    contract = (
        Contract.objects.select_related("project__street", "organization")
        .prefetch_related(
            Prefetch(
                "milestones",
                queryset=Milestone.objects.select_related("payment")
                .prefetch_related(
                    Prefetch("reports", queryset=MilestoneReport.objects.order_by("submitted_at", "id"))
                )
                .order_by("seq"),
            )
        )
        .filter(pk=contract_id)
        .first()
    )
    if contract is None or not can(viewer, "procurement.milestone.report", contract):
        raise NotFound()
    milestones = list(contract.milestones.all())
    file_ids = [fid for m in milestones for r in m.reports.all() for fid in r.evidence_file_ids]
    files = {str(f.pk): f for f in PrivateFile.objects.filter(pk__in=file_ids)} if file_ids else {}
    for milestone in milestones:
        reports = list(milestone.reports.all())
        for i, report in enumerate(reports):
            report.evidence = [files[fid] for fid in report.evidence_file_ids if fid in files]
            last = i == len(reports) - 1
            # A report is reviewed once: accepted ends the milestone, so an earlier reviewed
            # report, or the last one of a returned milestone, was sent back.
            if report.reviewed_at is None:
                report.outcome_code, report.outcome = "pending", _("待验收")
            elif last and milestone.status in (MilestoneStatus.ACCEPTED, MilestoneStatus.PAID):
                report.outcome_code, report.outcome = "accepted", _("已验收")
            else:
                report.outcome_code, report.outcome = "returned", _("退回修改")
    return contract


# --- scoped lists of the API ----------------------------------------------------------------
def bid_list_own(user) -> QuerySet[Bid]:
    """Bids of the organisations the user belongs to (rows only: contents go through
    ``bid_contents``)."""
    from marketplace.core.permissions import scope_queryset

    return scope_queryset(
        user, Bid.objects.select_related("project", "organization"), "procurement.bid.read_own"
    )


def milestone_list_reportable(user):
    """Milestones of the contracts of the user's organisations, which its members report on."""
    from marketplace.core.permissions import scope_queryset

    from .models import Milestone

    return scope_queryset(
        user, Milestone.objects.select_related("contract__project"), "procurement.milestone.report"
    )


def project_list_managed(user) -> QuerySet[Project]:
    """Projects the user sees in the back office (its street's, or every street's for the
    district) or evaluates."""
    from marketplace.core.permissions import action_roles, scope_q

    q = None
    for act in ("procurement.project.view", "procurement.evaluation.score"):
        part = scope_q(user, action_roles(act), Project.SCOPE_LOOKUPS)
        if part is not None:
            q = part if q is None else q | part
    if q is None:
        return Project.objects.none()
    return Project.objects.filter(q)


# --- the personal page ("我的"), by organisation ----------------------------------------------
# Bids still waiting for a result, or for the organisation to submit again, come first.
OPEN_BID_STATUSES = (BidStatus.SUBMITTED, BidStatus.INVALIDATED, BidStatus.OPENED)


def procurement_for_dashboard(*, user, today=None) -> list[dict] | None:
    """For each organisation the user may bid for: its bids (waiting ones first, then the latest
    results) and its contracts, each contract with its next milestone (the first by order not yet
    accepted: ``next_seq``, ``next_title``, ``next_due_on``, ``next_status``, and ``next_overdue``
    when its report is late), ``returned_count`` (reports sent back to redo, with the latest
    ``return_note``) and ``unreported_due_count`` (milestones due by today with no report yet;
    only while the project is in delivery, when reports are accepted). None for someone in no
    bidding organisation.

    The milestone facts are subqueries of the contracts' own query, so the page costs the same
    queries with no contract as with many."""
    from django.db.models import Case, F, IntegerField, OuterRef, Subquery, Value, When
    from django.db.models.functions import Coalesce
    from django.utils import timezone

    from marketplace.core.permissions import scope_queryset

    from .choices import MilestoneStatus
    from .models import Contract, Milestone, MilestoneReport

    organizations = bidding_organizations(user)
    if not organizations:
        return None
    today = today or timezone.localdate()
    bids = (
        scope_queryset(
            user,
            Bid.objects.select_related("project", "organization").defer("sealed_contents"),
            "procurement.bid.read_own",
        )
        .exclude(status=BidStatus.DRAFT)
        .annotate(
            waiting=Case(When(status__in=OPEN_BID_STATUSES, then=Value(0)), default=Value(1)),
        )
        .order_by("waiting", F("submitted_at").desc(nulls_last=True), "-id")
    )
    milestones = Milestone.objects.filter(contract=OuterRef("pk")).order_by()
    upcoming = milestones.filter(
        status__in=[MilestoneStatus.PENDING, MilestoneStatus.RETURNED, MilestoneStatus.SUBMITTED]
    ).order_by("seq")

    def count(qs):
        counted = qs.values("contract").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))

    contracts = (
        scope_queryset(
            user,
            Contract.objects.select_related("project", "organization").defer("terms"),
            "procurement.milestone.report",
        )
        .annotate(
            next_seq=Subquery(upcoming.values("seq")[:1]),
            next_title=Subquery(upcoming.values("title")[:1]),
            next_due_on=Subquery(upcoming.values("due_on")[:1]),
            next_status=Subquery(upcoming.values("status")[:1]),
            returned_count=count(milestones.filter(status=MilestoneStatus.RETURNED)),
            unreported_due_count=count(milestones.filter(status=MilestoneStatus.PENDING, due_on__lte=today)),
            return_note=Subquery(
                MilestoneReport.objects.filter(
                    milestone__contract=OuterRef("pk"),
                    milestone__status=MilestoneStatus.RETURNED,
                    reviewed_at__isnull=False,
                )
                .order_by("-reviewed_at", "-id")
                .values("review_note")[:1]
            ),
        )
        .order_by(F("completed_at").asc(nulls_first=True), "-signed_at", "-id")
    )
    bids, contracts = list(bids[:MEMBER_LIST_LIMIT]), list(contracts[:MEMBER_LIST_LIMIT])
    for contract in contracts:
        in_delivery = contract.project.status == ProjectStatus.IN_DELIVERY
        contract.in_delivery = in_delivery
        if not in_delivery:
            # Reports are refused before the street starts delivery and after completion.
            contract.unreported_due_count = 0
        contract.next_overdue = bool(
            in_delivery
            and contract.next_status == MilestoneStatus.PENDING
            and contract.next_due_on is not None
            and contract.next_due_on < today
        )
        contract.next_status_label = (
            MilestoneStatus(contract.next_status).label if contract.next_status else ""
        )
    return [
        {
            "organization": org,
            "bids": [b for b in bids if b.organization_id == org.pk],
            "contracts": [c for c in contracts if c.organization_id == org.pk],
        }
        for org in organizations
    ]
