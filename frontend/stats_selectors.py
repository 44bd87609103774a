"""Reads for the public statistics page (数据公开): aggregates only, a fixed number of queries.

Only what is already public elsewhere is counted: the funds' ledgers (public on each fund's page
and in its CSV), confirmed volunteer hours, and projects from publication on."""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from marketplace.fund.choices import AccountKind, EntryKind
from marketplace.fund.models import Posting
from marketplace.places.models import Street
from marketplace.procurement.choices import ProjectStatus
from marketplace.procurement.models import Project
from marketplace.procurement.selectors import PUBLIC_STATUSES
from marketplace.volunteers.choices import RecordStatus
from marketplace.volunteers.models import ServiceRecord


@dataclass(frozen=True)
class FundMonth:
    month: datetime.date  # the first day of the month
    raised_fen: int
    disbursed_fen: int


@dataclass(frozen=True)
class StreetHours:
    street_id: int
    name: str
    minutes: int

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


def _months_back(today: datetime.date, n: int) -> list[datetime.date]:
    first = today.replace(day=1)
    months = []
    year, month = first.year, first.month
    for _ in range(n):
        months.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def fund_monthly(*, months: int = 12, now: datetime.datetime | None = None) -> list[FundMonth]:
    """Money raised (credited donations, before refunds, as on the fund pages) and disbursed
    (paid out) per calendar month in Beijing time, over every fund, for the last ``months``
    months including this one. One query."""
    tz = ZoneInfo(settings.TIME_ZONE)
    today = timezone.localtime(now or timezone.now(), tz).date()
    window = _months_back(today, months)
    start = datetime.datetime.combine(window[0], datetime.time.min, tzinfo=tz)
    rows = (
        Posting.objects.filter(
            account__kind=AccountKind.POT,
            entry__kind__in=[EntryKind.DONATION, EntryKind.DISBURSEMENT],
            entry__created_at__gte=start,
        )
        .annotate(month=TruncMonth("entry__created_at", tzinfo=tz))
        .values("month", "entry__kind")
        .annotate(total=Sum("amount_fen"))
        .order_by()
    )
    raised = dict.fromkeys(window, 0)
    disbursed = dict.fromkeys(window, 0)
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, datetime.datetime) else month
        if month not in raised:
            continue
        total = row["total"] or 0
        # A pot is credit-normal: a donation credits it (negative), a disbursement debits it.
        if row["entry__kind"] == EntryKind.DONATION:
            raised[month] += -total
        else:
            disbursed[month] += total
    return [FundMonth(m, raised[m], disbursed[m]) for m in window]


def hours_by_street() -> list[StreetHours]:
    """Confirmed volunteer hours per street (where the activity took place), every street
    listed in its usual order, those without hours at zero."""
    minutes = dict(
        ServiceRecord.objects.filter(status=RecordStatus.CONFIRMED)
        .values("activity__street_id")
        .annotate(total=Sum("minutes"))
        .order_by()
        .values_list("activity__street_id", "total")
    )
    return [
        StreetHours(street.pk, street.name, minutes.get(street.pk) or 0)
        for street in Street.objects.order_by("sort_order", "name").only("id", "name")
    ]


def projects_by_status() -> list[StatusCount]:
    """The number of public projects in each status, in lifecycle order (zero counts left out)."""
    counts = dict(
        Project.objects.filter(status__in=PUBLIC_STATUSES)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("status", "n")
    )
    return [
        StatusCount(status.value, str(status.label), counts[status.value])
        for status in ProjectStatus
        if counts.get(status.value)
    ]
