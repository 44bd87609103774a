"""Reads on the governance fund: balances from the ledger, and the public inflows and outflows.

Everything here that the public sees leaves out donors' contacts, and shows a donor's name masked
(张**) or 匿名."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from . import ledger
from .choices import CREDITED_STATUSES, AccountKind, DisbursementStatus, EntryKind
from .models import Disbursement, Donation, Fund, Posting, SubFund

_ALL = object()


@dataclass
class PotBalance:
    """One pot's figures, in fen: ``raised`` is every credited donation (before refunds), ``balance``
    = raised − refunded − disbursed (the ledger), ``available`` = balance − committed (approved
    disbursements not paid yet)."""

    subfund: SubFund | None
    name: str
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


@dataclass
class FundBalances:
    fund: Fund
    general: PotBalance
    subfunds: list[PotBalance]

    @property
    def pots(self) -> list[PotBalance]:
        return [self.general, *self.subfunds]

    def _sum(self, attr: str) -> int:
        return sum(getattr(p, attr) for p in self.pots)

    @property
    def raised_fen(self) -> int:
        return self._sum("raised_fen")

    @property
    def refunded_fen(self) -> int:
        return self._sum("refunded_fen")

    @property
    def disbursed_fen(self) -> int:
        return self._sum("disbursed_fen")

    @property
    def balance_fen(self) -> int:
        return self._sum("balance_fen")

    @property
    def available_fen(self) -> int:
        return self._sum("available_fen")

    @property
    def donation_count(self) -> int:
        return self._sum("donation_count")


def fund_balances(fund: Fund) -> FundBalances:
    """Every pot's figures from the ledger (a fixed number of queries, whatever the data)."""
    subfunds = list(fund.subfunds.order_by("code"))
    pots: dict[int | None, PotBalance] = {None: PotBalance(subfund=None, name=str(fund.name))}
    for sf in subfunds:
        pots[sf.pk] = PotBalance(subfund=sf, name=sf.name)
    rows = (
        Posting.objects.filter(account__fund=fund, account__kind=AccountKind.POT)
        .values("account__subfund_id", "entry__kind")
        .annotate(total=Sum("amount_fen"))
    )
    for row in rows:
        pot = pots.get(row["account__subfund_id"])
        if pot is None:
            continue
        total = row["total"] or 0
        if row["entry__kind"] == EntryKind.DONATION:
            pot.raised_fen += -total
        elif row["entry__kind"] == EntryKind.REFUND:
            pot.refunded_fen += total
        elif row["entry__kind"] == EntryKind.DISBURSEMENT:
            pot.disbursed_fen += total
    committed = (
        Disbursement.objects.filter(fund=fund, status=DisbursementStatus.APPROVED)
        .values("subfund_id")
        .annotate(total=Sum("amount_fen"))
    )
    for row in committed:
        if row["subfund_id"] in pots:
            pots[row["subfund_id"]].committed_fen = row["total"] or 0
    counts = (
        Donation.objects.filter(fund=fund, status__in=CREDITED_STATUSES)
        .values("subfund_id")
        .annotate(n=Count("id"))
    )
    for row in counts:
        if row["subfund_id"] in pots:
            pots[row["subfund_id"]].donation_count = row["n"]
    return FundBalances(fund=fund, general=pots[None], subfunds=[pots[sf.pk] for sf in subfunds])


def pot_available(fund: Fund, subfund: SubFund | None = None) -> int:
    return ledger.pot_available(fund, subfund)


def _pot_filter(subfund) -> Q:
    if subfund is _ALL:
        return Q()
    return Q(subfund__isnull=True) if subfund is None else Q(subfund=subfund)


def fund_inflows(fund: Fund, *, subfund=_ALL) -> QuerySet:
    """Credited donations, newest first, for the public page: show ``public_donor_name`` (masked
    or 匿名), the amount, what was refunded and the date. The contact column is never loaded.
    ``subfund``: left out, every pot; None, the general pot; a sub-fund, that one."""
    return (
        Donation.objects.filter(_pot_filter(subfund), fund=fund, status__in=CREDITED_STATUSES)
        .select_related("subfund")
        .only(
            "id",
            "fund_id",
            "subfund__id",
            "subfund__name",
            "subfund__code",
            "amount_fen",
            "refunded_fen",
            "donor_name",
            "anonymous",
            "channel",
            "status",
            "credited_at",
            "receipt_number",
        )
        .order_by("-credited_at", "-id")
    )


def fund_outflows(fund: Fund, *, subfund=_ALL) -> QuerySet:
    """Paid disbursements, newest first, with their project or grant and approvers."""
    return (
        Disbursement.objects.filter(_pot_filter(subfund), fund=fund, status=DisbursementStatus.PAID)
        .select_related(
            "subfund",
            "milestone__contract__project",
            "milestone__contract__organization",
            "incubation__organization",
            "proposed_by",
            "approved_by",
            "second_approved_by",
        )
        .order_by("-paid_at", "-id")
    )


def donations_of(user) -> QuerySet:
    """A signed-in donor's own donations, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Donation.objects.none()
    return (
        Donation.objects.filter(donor_user=user)
        .select_related("fund", "subfund")
        .order_by("-created_at", "-id")
    )
