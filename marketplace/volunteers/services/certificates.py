"""Writes on volunteer service certificates (志愿服务证明).

A certificate states a volunteer's confirmed hours over a period, as they stand when it is
issued, under a number of the form ``TH-2026-000123`` (prefix, year of issue, serial within the
year). Serials come from one counter row per year, taken with an UPDATE that holds the row's
lock to the end of the transaction, so concurrent issues never share a number. A certificate is
copied whole when issued (name, masked ID number, hours, issuer) and never changed afterwards.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.core import audit
from marketplace.core.exceptions import ValidationFailed
from marketplace.core.permissions import has_role, require
from marketplace.core.roles import Role

from ..models import Certificate, CertificateSequence, Volunteer
from ._common import tell

__all__ = ["certificate_issue", "certificate_number_prefix"]

# A certificate's period starts no earlier than this (the registry began long after).
EARLIEST_PERIOD_START = datetime.date(2000, 1, 1)


def certificate_number_prefix() -> str:
    """``VOLUNTEER_CERTIFICATE_PREFIX`` (default ``TH``, for 太和区)."""
    return str(getattr(settings, "VOLUNTEER_CERTIFICATE_PREFIX", "TH")).upper()


def _next_serial(year: int) -> int:
    """The next serial of ``year``. The UPDATE locks the year's row until the caller's
    transaction ends; the first issue of a year creates the row (a concurrent first issue loses
    the insert, and then takes the UPDATE path after the winner commits)."""
    sequence = CertificateSequence.objects.filter(year=year)
    if not sequence.update(last_serial=F("last_serial") + 1):
        try:
            with transaction.atomic():
                CertificateSequence.objects.create(year=year, last_serial=1)
            return 1
        except IntegrityError:
            sequence.update(last_serial=F("last_serial") + 1)
    return sequence.values_list("last_serial", flat=True).get()


def _clean_period(period_start, period_end, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    for value, name in ((period_start, "period_start"), (period_end, "period_end")):
        if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
            raise ValidationFailed(_("请选择服务期间的开始和结束日期。"), code="period_required", field=name)
    if period_start > period_end:
        raise ValidationFailed(
            _("服务期间的开始日期不能晚于结束日期。"), code="empty_period", field="period_end"
        )
    if period_end > today:
        raise ValidationFailed(
            _("服务期间的结束日期不能晚于今天。"), code="future_period", field="period_end"
        )
    if period_start < EARLIEST_PERIOD_START:
        raise ValidationFailed(
            _("服务期间的开始日期不能早于 %(d)s。") % {"d": EARLIEST_PERIOD_START.isoformat()},
            code="period_too_early",
            field="period_start",
        )
    return period_start, period_end


def _issuer(actor, volunteer: Volunteer) -> tuple[str, object | None]:
    """The home community issues, unless the district does so in its own name (a district
    admin who is neither the volunteer nor a worker of their community)."""
    community = volunteer.community
    as_district = has_role(actor, [Role.DISTRICT_ADMIN], volunteer) and not (
        actor.pk == volunteer.user_id or has_role(actor, [Role.COMMUNITY_WORKER], volunteer)
    )
    if as_district:
        return volunteer.district.name, None
    return f"{volunteer.street.name}{community.name}", community


@transaction.atomic
def certificate_issue(
    *, actor, volunteer: Volunteer, period_start: datetime.date, period_end: datetime.date
) -> Certificate:
    """Issue a certificate of the volunteer's confirmed hours from ``period_start`` to
    ``period_end`` (service dates, both included). By the volunteer, a community worker of their
    home community, or the district. A period without confirmed hours is refused."""
    require(actor, "volunteers.certificate.issue", volunteer)
    now = timezone.now()
    today = timezone.localdate(now)
    period_start, period_end = _clean_period(period_start, period_end, today)

    from ..selectors import volunteer_totals

    volunteer = Volunteer.objects.select_related("identity", "district", "street", "community").get(
        pk=volunteer.pk
    )
    totals = volunteer_totals(volunteer=volunteer, start=period_start, end=period_end)
    if totals.minutes <= 0:
        raise ValidationFailed(
            _("该期间内没有已确认的服务时长,无法出具证明。"), code="no_hours", field="period_start"
        )
    issuer_name, issuer_community = _issuer(actor, volunteer)
    serial = _next_serial(today.year)
    certificate = Certificate.objects.create(
        number=f"{certificate_number_prefix()}-{today.year}-{serial:06d}",
        year=today.year,
        serial=serial,
        volunteer=volunteer,
        holder_name=volunteer.identity.real_name,
        id_number_masked=volunteer.identity.id_number_masked,
        period_start=period_start,
        period_end=period_end,
        minutes=totals.minutes,
        record_count=totals.record_count,
        issuer_name=issuer_name,
        issuer_community=issuer_community,
        district_id=volunteer.district_id,
        street_id=volunteer.street_id,
        community_id=volunteer.community_id,
        issued_on=today,
        issued_at=now,
        issued_by=actor,
    )
    audit.record(
        actor=actor,
        action="volunteers.certificate.issue",
        obj=certificate,
        changes={
            "volunteer": volunteer.pk,
            "minutes": totals.minutes,
            "period": [period_start.isoformat(), period_end.isoformat()],
            "issuer": issuer_name,
        },
    )
    if actor.pk != volunteer.user_id:
        tell(
            volunteer.user,
            _("已为您出具志愿服务证明 %(n)s") % {"n": certificate.number},
            _("服务期间 %(s)s 至 %(e)s,服务时长 %(h)s 小时。")
            % {"s": period_start.isoformat(), "e": period_end.isoformat(), "h": certificate.hours},
        )
    return certificate
