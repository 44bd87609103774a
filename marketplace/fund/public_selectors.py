"""Reads for the fund's public pages (transparency, CSV, donation form) and a donor's own pages,
built on ``selectors`` and the ledger.

What the public sees: a donor masked (张**) or 匿名, never a contact; an outflow with its project
or grant and the names its approvers show on the portal. Every function runs a fixed number of
queries whatever the number of funds, donations or disbursements.
"""

from dataclasses import dataclass

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from marketplace.core.exceptions import NotFound

from . import selectors
from .choices import (
    CREDITED_STATUSES,
    AccountKind,
    DisbursementStatus,
    DisbursementTarget,
    EntryKind,
    SubFundKind,
)
from .models import Disbursement, Disclosure, Donation, Fund, Posting, SubFund

# "Every pot" for the inflow/outflow selectors (their default when no sub-fund is given).
ALL_POTS = selectors._ALL


@dataclass
class FundSummary:
    fund: Fund
    raised_fen: int = 0
    refunded_fen: int = 0
    disbursed_fen: int = 0
    committed_fen: int = 0
    donation_count: int = 0

    @property
    def balance_fen(self) -> int:
        return self.raised_fen - self.refunded_fen - self.disbursed_fen

    @property
    def available_fen(self) -> int:
        return self.balance_fen - self.committed_fen


def fund_list_public() -> list[FundSummary]:
    """Every fund with its totals from the ledger (the same sums as ``selectors.fund_balances``),
    those taking donations first."""
    funds = {f.pk: FundSummary(fund=f) for f in Fund.objects.order_by("-active", "code")}
    rows = (
        Posting.objects.filter(account__kind=AccountKind.POT, account__fund_id__in=funds.keys())
        .values("account__fund_id", "entry__kind")
        .annotate(total=Sum("amount_fen"))
    )
    for row in rows:
        summary, total = funds[row["account__fund_id"]], row["total"] or 0
        if row["entry__kind"] == EntryKind.DONATION:
            summary.raised_fen += -total
        elif row["entry__kind"] == EntryKind.REFUND:
            summary.refunded_fen += total
        elif row["entry__kind"] == EntryKind.DISBURSEMENT:
            summary.disbursed_fen += total
    committed = (
        Disbursement.objects.filter(status=DisbursementStatus.APPROVED, fund_id__in=funds.keys())
        .values("fund_id")
        .annotate(total=Sum("amount_fen"))
    )
    for row in committed:
        funds[row["fund_id"]].committed_fen = row["total"] or 0
    counts = (
        Donation.objects.filter(status__in=CREDITED_STATUSES, fund_id__in=funds.keys())
        .values("fund_id")
        .annotate(n=Count("id"))
    )
    for row in counts:
        funds[row["fund_id"]].donation_count = row["n"]
    return list(funds.values())


def fund_by_code(code: str) -> Fund:
    fund = Fund.objects.select_related("district").filter(code=code).first()
    if fund is None:
        raise NotFound()
    return fund


def subfund_by_code(fund: Fund, code: str) -> SubFund:
    subfund = SubFund.objects.select_related("project", "street").filter(fund=fund, code=code).first()
    if subfund is None:
        raise NotFound()
    return subfund


def donation_choices(fund: Fund) -> list[SubFund]:
    """The sub-funds a donor may choose on the donation form (the general pot is always there)."""
    return list(fund.subfunds.filter(active=True).order_by("code"))


def project_targets(subfunds) -> dict[int, int]:
    """For project sub-funds: the amount the project costs (its contract amount once signed,
    before that its budget ceiling), by sub-fund id; the measure of a project's progress bar."""
    from marketplace.procurement.models import Project

    by_project = {sf.project_id: sf.pk for sf in subfunds if sf.kind == SubFundKind.PROJECT and sf.project_id}
    targets = {}
    for project in Project.objects.filter(pk__in=by_project.keys()).select_related("contract"):
        contract = getattr(project, "contract", None)
        targets[by_project[project.pk]] = contract.amount_fen if contract else project.budget_ceiling_fen
    return targets


def _approver_name(user) -> str:
    # Approvers are named publicly by their portal display name only (never a phone or a login).
    if user is None:
        return ""
    return user.display_name or _("区基金管理员")


def outflow_target(disbursement: Disbursement) -> str:
    """What the money went to, in words: the project and milestone, or the incubation grant."""
    if disbursement.target_kind == DisbursementTarget.MILESTONE and disbursement.milestone_id:
        milestone = disbursement.milestone
        contract = milestone.contract
        return _("%(project)s · %(milestone)s(%(org)s)") % {
            "project": contract.project.title,
            "milestone": milestone.title,
            "org": contract.organization.name,
        }
    if disbursement.incubation_id:
        return _("孵化资助 · %(org)s") % {"org": disbursement.incubation.organization.name}
    return disbursement.get_target_kind_display()


def outflow_approvers(disbursement: Disbursement) -> list[str]:
    return [
        name
        for name in (
            _approver_name(disbursement.approved_by),
            _approver_name(disbursement.second_approved_by),
        )
        if name
    ]


def inflows(fund: Fund, subfund=ALL_POTS):
    return (
        selectors.fund_inflows(fund) if subfund is ALL_POTS else selectors.fund_inflows(fund, subfund=subfund)
    )


def outflows(fund: Fund, subfund=ALL_POTS):
    return (
        selectors.fund_outflows(fund)
        if subfund is ALL_POTS
        else selectors.fund_outflows(fund, subfund=subfund)
    )


def ledger_rows(fund: Fund, subfund=ALL_POTS):
    """The public ledger, row by row, for the CSV download: every credited donation (net of what
    was refunded) and every paid disbursement, oldest first. Amounts are fen."""
    general = _("基金统筹")
    for d in inflows(fund, subfund).order_by("credited_at", "id").iterator(chunk_size=500):
        yield {
            "kind": "inflow",
            "date": d.credited_at,
            "pot": d.subfund.name if d.subfund_id else general,
            "party": d.public_donor_name,
            "channel": d.get_channel_display(),
            "amount_fen": d.amount_fen,
            "refunded_fen": d.refunded_fen,
            "approvers": [],
            "reference": d.receipt_number or "",
        }
    for o in outflows(fund, subfund).order_by("paid_at", "id").iterator(chunk_size=500):
        yield {
            "kind": "outflow",
            "date": o.paid_at,
            "pot": o.subfund.name if o.subfund_id else general,
            "party": outflow_target(o),
            "channel": o.get_target_kind_display(),
            "amount_fen": o.amount_fen,
            "refunded_fen": 0,
            "approvers": outflow_approvers(o),
            "reference": o.reference,
        }


def disclosure_calendar(fund: Fund):
    return (
        Disclosure.objects.filter(fund=fund)
        .order_by("due_on", "id")
        .only("id", "fund_id", "title", "due_on", "published_at")
    )


def my_donations(user):
    return selectors.donations_of(user)


def receipt_for_owner(*, viewer, number: str) -> Donation:
    """The donation whose receipt ``number`` is, if ``viewer`` gave it; otherwise NotFound (the
    same answer whether the receipt exists or not)."""
    if not getattr(viewer, "is_authenticated", False) or not number:
        raise NotFound()
    donation = (
        Donation.objects.select_related("fund", "subfund")
        .filter(receipt_number=number, donor_user=viewer, status__in=CREDITED_STATUSES)
        .first()
    )
    if donation is None:
        raise NotFound()
    return donation


def session_donation(donation_id) -> Donation | None:
    """The donation a browser started (its session remembers the id), whatever its state now."""
    if not isinstance(donation_id, int):
        return None
    return Donation.objects.select_related("fund", "subfund").filter(pk=donation_id).first()


def payments_to_organization(org_id: int, *, limit: int = 10) -> list[Disbursement]:
    """What the fund has paid to an organisation — its milestone payments and incubation grants —
    newest first, as the fund's public outflows show them."""
    paid = (
        Disbursement.objects.filter(status=DisbursementStatus.PAID)
        .select_related("fund", "subfund", "milestone__contract__project", "incubation__cohort")
        .order_by("-paid_at", "-pk")
    )
    # Two queries, not one with OR across the two joins: each walks its own indexes from the
    # organisation (contracts → milestones → payments; incubations → grants), where the OR made
    # PostgreSQL scan every disbursement, milestone and contract (90 ms with 200,000 milestones).
    rows = [
        *paid.filter(milestone__contract__organization_id=org_id)[:limit],
        *paid.filter(incubation__organization_id=org_id)[:limit],
    ]
    rows.sort(key=lambda d: (d.paid_at, d.pk), reverse=True)
    return rows[:limit]
