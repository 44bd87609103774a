"""Reads on volunteering, each scoped to what its viewer may see, with a number of queries that
does not grow with the rows (annotations and prefetches, never a query per row).

Privacy: lists for organisers and the public carry names and masked phones only (``contact``);
the whole personal data is read through ``services.volunteer_personal_data``, which is audited.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from marketplace.core.exceptions import NotFound
from marketplace.core.masking import mask_name, mask_phone
from marketplace.core.permissions import action_roles, can, require, scope_q, scope_queryset

from . import checkin
from .choices import (
    PARTY_STATUSES,
    PLACE_TAKING_STATUSES,
    ActivityStatus,
    PartyReportStatus,
    RecordStatus,
    ShiftStatus,
    SignupStatus,
    VolunteerStatus,
)
from .models import Activity, PartyReport, ServiceRecord, Shift, Signup, Skill, Volunteer
from .stars import StarProgress, star_expression, star_progress

PUBLIC_ACTIVITY_STATUSES = (ActivityStatus.PUBLISHED, ActivityStatus.FINISHED)


# --- names and masked contacts --------------------------------------------------------------
@dataclass(frozen=True)
class Contact:
    """What an organiser sees of a volunteer."""

    volunteer_id: int
    name: str
    masked_phone: str


def contact(volunteer: Volunteer) -> Contact:
    """Name and masked phone (select_related("identity", "user") to keep a list at one query)."""
    return Contact(volunteer.pk, volunteer.identity.real_name, mask_phone(volunteer.user.phone))


def public_name(volunteer: Volunteer) -> str:
    """The family name only (张**), for public rankings."""
    return mask_name(volunteer.identity.real_name)


def skill_list() -> QuerySet[Skill]:
    return Skill.objects.all()


# --- the registry ---------------------------------------------------------------------------
def volunteer_for_user(user) -> Volunteer | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Volunteer.objects.select_related("identity", "community", "grid", "party_organization")
        .prefetch_related("skills")
        .filter(user=user)
        .first()
    )


def _confirmed_minutes(prefix: str = "records", **extra):
    return Coalesce(
        Sum(f"{prefix}__minutes", filter=Q(**{f"{prefix}__status": RecordStatus.CONFIRMED}, **extra)),
        Value(0),
        output_field=IntegerField(),
    )


def _minutes_subquery(start: datetime.date | None = None, end: datetime.date | None = None):
    """Confirmed minutes of the outer volunteer as a subquery (safe beside other joins)."""
    records = ServiceRecord.objects.filter(volunteer=OuterRef("pk"), status=RecordStatus.CONFIRMED)
    if start:
        records = records.filter(served_on__gte=start)
    if end:
        records = records.filter(served_on__lte=end)
    total = records.order_by().values("volunteer").annotate(total=Sum("minutes")).values("total")
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def volunteer_list(
    *,
    viewer,
    community_id: int | None = None,
    grid_id: int | None = None,
    political_status: str | None = None,
    in_service: bool | None = None,
    skill: str | None = None,
    resident_role: str | None = None,
    status: str | None = None,
    q: str | None = None,
) -> QuerySet[Volunteer]:
    """The registry as the viewer's roles cover it (their grid, community, street, district),
    with each volunteer's confirmed minutes and star level. Show ``contact(v)``, not the identity."""
    qs = scope_queryset(viewer, Volunteer.objects.all(), "volunteers.volunteer.view")
    if community_id:
        qs = qs.filter(community_id=community_id)
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if political_status:
        qs = qs.filter(political_status=political_status)
    if in_service is not None:
        qs = qs.filter(in_service=in_service)
    if skill:
        qs = qs.filter(
            Exists(Skill.volunteers.through.objects.filter(volunteer_id=OuterRef("pk"), skill__slug=skill))
        )
    if resident_role:
        # The JSON list holds plain codes; matching the quoted code is exact and portable.
        qs = qs.filter(resident_roles__icontains=f'"{resident_role}"')
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(identity__real_name__icontains=q.strip())
    return _annotated(qs).order_by("community_id", "grid_id", "id")


def _annotated(qs: QuerySet[Volunteer]) -> QuerySet[Volunteer]:
    return (
        qs.select_related("identity", "user", "community", "grid")
        .prefetch_related("skills")
        .annotate(total_minutes=_minutes_subquery())
        .annotate(star=star_expression("total_minutes"))
    )


def volunteer_detail(*, viewer, volunteer_id: int) -> Volunteer:
    """One volunteer with totals and star, for the person and whoever sees the registry entry."""
    volunteer = _annotated(Volunteer.objects.filter(pk=volunteer_id)).first()
    if volunteer is None or not can(viewer, "volunteers.volunteer.view", volunteer):
        raise NotFound()
    return volunteer


# --- totals and star levels -----------------------------------------------------------------
@dataclass(frozen=True)
class Totals:
    minutes: int
    record_count: int
    star: StarProgress

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


def volunteer_totals(
    *, volunteer: Volunteer, start: datetime.date | None = None, end: datetime.date | None = None
) -> Totals:
    """Confirmed minutes (current records only: superseded, rejected and pending ones do not
    count), optionally within a period of service dates; the star level is always from the
    cumulative total."""
    confirmed = ServiceRecord.objects.filter(volunteer=volunteer, status=RecordStatus.CONFIRMED)
    period = confirmed
    if start:
        period = period.filter(served_on__gte=start)
    if end:
        period = period.filter(served_on__lte=end)
    row = period.aggregate(m=Coalesce(Sum("minutes"), 0), n=Count("id"))
    cumulative = row["m"] if not (start or end) else confirmed.aggregate(m=Coalesce(Sum("minutes"), 0))["m"]
    return Totals(minutes=row["m"], record_count=row["n"], star=star_progress(cumulative))


def volunteer_records(
    *,
    viewer,
    volunteer: Volunteer,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    include_closed: bool = False,
) -> QuerySet[ServiceRecord]:
    """A volunteer's records, newest first (current ones; with ``include_closed`` also the
    superseded and rejected ones, with what corrected them)."""
    require(viewer, "volunteers.record.view", volunteer)
    qs = ServiceRecord.objects.filter(volunteer=volunteer)
    if not include_closed:
        qs = qs.filter(status__in=[RecordStatus.PENDING, RecordStatus.CONFIRMED])
    if start:
        qs = qs.filter(served_on__gte=start)
    if end:
        qs = qs.filter(served_on__lte=end)
    return qs.select_related("activity", "shift", "corrects", "correction").order_by("-served_on", "-id")


def record_chain(record: ServiceRecord) -> list[ServiceRecord]:
    """The record and every record it corrects, newest first (a short chain)."""
    chain = [record]
    while chain[-1].corrects_id:
        chain.append(ServiceRecord.objects.get(pk=chain[-1].corrects_id))
    return chain


def pending_records(
    *, viewer, activity: Activity | None = None, shift: Shift | None = None
) -> QuerySet[ServiceRecord]:
    """Records waiting for the viewer's confirmation, with the volunteers' names."""
    qs = scope_queryset(
        viewer, ServiceRecord.objects.filter(status=RecordStatus.PENDING), "volunteers.activity.manage"
    )
    if activity is not None:
        qs = qs.filter(activity=activity)
    if shift is not None:
        qs = qs.filter(shift=shift)
    return qs.select_related("volunteer__identity", "volunteer__user", "activity", "shift").order_by(
        "shift__starts_at", "id"
    )


# --- rankings -------------------------------------------------------------------------------
def _ranking(filter_q: Q, limit: int | None) -> QuerySet[Volunteer]:
    qs = (
        Volunteer.objects.filter(filter_q, status=VolunteerStatus.ACTIVE)
        .select_related("identity", "grid", "community")
        .annotate(total_minutes=_minutes_subquery())
        .filter(total_minutes__gt=0)
        .annotate(star=star_expression("total_minutes"))
        .order_by("-total_minutes", "id")
    )
    return qs[:limit] if limit else qs


def ranking_in_grid(*, grid_id: int, limit: int | None = 50) -> QuerySet[Volunteer]:
    """Active volunteers of a grid by confirmed hours, most first (ties: earlier registration).
    Each row has ``total_minutes`` and ``star``; show names with ``public_name`` in public."""
    return _ranking(Q(grid_id=grid_id), limit)


def ranking_in_community(*, community_id: int, limit: int | None = 50) -> QuerySet[Volunteer]:
    return _ranking(Q(community_id=community_id), limit)


def grid_totals(*, community_id: int) -> QuerySet:
    """Each grid of a community with its volunteers' confirmed minutes and number of active
    volunteers, most hours first: the grids ranked within their community."""
    from marketplace.places.models import Grid

    minutes = (
        ServiceRecord.objects.filter(volunteer__grid=OuterRef("pk"), status=RecordStatus.CONFIRMED)
        .order_by()
        .values("volunteer__grid")
        .annotate(total=Sum("minutes"))
        .values("total")
    )
    volunteers = (
        Volunteer.objects.filter(grid=OuterRef("pk"), status=VolunteerStatus.ACTIVE)
        .order_by()
        .values("grid")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Grid.objects.filter(community_id=community_id)
        .annotate(
            total_minutes=Coalesce(Subquery(minutes, output_field=IntegerField()), Value(0)),
            volunteer_count=Coalesce(Subquery(volunteers, output_field=IntegerField()), Value(0)),
        )
        .order_by("-total_minutes", "sort_order", "code")
    )


# --- in-service party members ---------------------------------------------------------------
def party_report_list(*, viewer, status: str | None = None) -> QuerySet[PartyReport]:
    """Reports to the communities the viewer covers (waiting ones first)."""
    qs = scope_queryset(viewer, PartyReport.objects.all(), "volunteers.party_report.view")
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("volunteer__identity", "volunteer__user", "community").order_by(
        "status", "-reported_at"
    )


def party_reports_of(volunteer: Volunteer) -> QuerySet[PartyReport]:
    return (
        PartyReport.objects.filter(volunteer=volunteer).select_related("community").order_by("-reported_at")
    )


def party_member_yearly_hours(
    *, viewer, year: int, community_id: int | None = None, workplace_party_branch: str | None = None
) -> QuerySet[Volunteer]:
    """In-service party members with a confirmed report to a community the viewer covers, each
    with ``year_minutes``: their confirmed service in that calendar year — the report for their
    workplace party branches (grouped by ``workplace_party_branch``)."""
    q = scope_q(viewer, action_roles("volunteers.party_report.hours"), Volunteer.SCOPE_LOOKUPS)
    if q is None:
        return Volunteer.objects.none()
    confirmed_report = PartyReport.objects.filter(
        volunteer=OuterRef("pk"), status=PartyReportStatus.CONFIRMED
    )
    qs = Volunteer.objects.filter(q, political_status__in=PARTY_STATUSES, in_service=True).filter(
        Exists(confirmed_report)
    )
    if community_id:
        qs = qs.filter(community_id=community_id)
    if workplace_party_branch:
        qs = qs.filter(workplace_party_branch=workplace_party_branch)
    return (
        qs.select_related("identity", "user", "community", "grid")
        .annotate(
            year_minutes=_minutes_subquery(datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
        )
        .order_by("workplace_party_branch", "community_id", "id")
    )


# --- activities -----------------------------------------------------------------------------
def _shift_counts(qs: QuerySet[Shift]) -> QuerySet[Shift]:
    return qs.annotate(
        taken=Count("signups", filter=Q(signups__status__in=PLACE_TAKING_STATUSES)),
        waiting=Count("signups", filter=Q(signups__status=SignupStatus.WAITING)),
    )


def _shift_prefetch():
    return Prefetch(
        "shifts",
        queryset=_shift_counts(Shift.objects.filter(status=ShiftStatus.SCHEDULED)).order_by(
            "starts_at", "id"
        ),
    )


def _with_activity_summary(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    scheduled = Shift.objects.filter(activity=OuterRef("pk"), status=ShiftStatus.SCHEDULED).order_by()
    capacity = scheduled.values("activity").annotate(c=Sum("capacity")).values("c")
    first_start = scheduled.values("activity").annotate(s=Min("starts_at")).values("s")
    taken = (
        Signup.objects.filter(
            activity=OuterRef("pk"), status__in=PLACE_TAKING_STATUSES, shift__status=ShiftStatus.SCHEDULED
        )
        .order_by()
        .values("activity")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        qs.select_related("street", "community", "grid", "organization")
        .prefetch_related("required_skills", _shift_prefetch())
        .annotate(
            total_capacity=Coalesce(Subquery(capacity, output_field=IntegerField()), Value(0)),
            places_taken=Coalesce(Subquery(taken, output_field=IntegerField()), Value(0)),
            first_shift_at=Subquery(first_start),
        )
    )


def activity_list_public(
    *,
    street_id: int | None = None,
    community_id: int | None = None,
    grid_id: int | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    skill: str | None = None,
    party_only: bool | None = None,
    upcoming_only: bool = False,
) -> QuerySet[Activity]:
    """Published and finished activities, soonest first. Dates select activities with a shift
    starting on those (local) days. Each row has ``total_capacity``, ``places_taken``,
    ``first_shift_at``, its scheduled shifts (with ``taken`` and ``waiting``) and its skills."""
    from django.utils import timezone

    qs = Activity.objects.filter(status__in=PUBLIC_ACTIVITY_STATUSES)
    if street_id:
        qs = qs.filter(street_id=street_id)
    if community_id:
        qs = qs.filter(community_id=community_id)
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    shifts = Shift.objects.filter(activity=OuterRef("pk"), status=ShiftStatus.SCHEDULED)
    if date_from:
        start = timezone.make_aware(datetime.datetime.combine(date_from, datetime.time.min))
        shifts = shifts.filter(starts_at__gte=start)
    if date_to:
        end = timezone.make_aware(
            datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min)
        )
        shifts = shifts.filter(starts_at__lt=end)
    if upcoming_only:
        qs = qs.filter(status=ActivityStatus.PUBLISHED)
        shifts = shifts.filter(starts_at__gt=timezone.now())
    if date_from or date_to or upcoming_only:
        qs = qs.filter(Exists(shifts))
    if skill:
        qs = qs.filter(
            Exists(Skill.activities.through.objects.filter(activity_id=OuterRef("pk"), skill__slug=skill))
        )
    if party_only is not None:
        qs = qs.filter(party_only=party_only)
    return _with_activity_summary(qs).order_by("first_shift_at", "id")


def activity_public_detail(activity_id: int) -> Activity | None:
    return _with_activity_summary(
        Activity.objects.filter(pk=activity_id, status__in=PUBLIC_ACTIVITY_STATUSES)
    ).first()


def activity_list_for_organiser(*, viewer, status: str | None = None) -> QuerySet[Activity]:
    """Activities the viewer runs or oversees, newest first."""
    qs = scope_queryset(viewer, Activity.objects.all(), "volunteers.activity.oversee")
    if status:
        qs = qs.filter(status=status)
    return _with_activity_summary(qs).order_by("-created_at", "-id")


def activity_for_organiser(*, viewer, activity_id: int) -> Activity:
    activity = activity_list_for_organiser(viewer=viewer).filter(pk=activity_id).first()
    if activity is None:
        raise NotFound()
    return activity


def shift_list(activity: Activity, *, include_cancelled: bool = False) -> QuerySet[Shift]:
    qs = Shift.objects.filter(activity=activity)
    if not include_cancelled:
        qs = qs.filter(status=ShiftStatus.SCHEDULED)
    return _shift_counts(qs).order_by("starts_at", "id")


@dataclass(frozen=True)
class RosterRow:
    signup: Signup
    contact: Contact
    waiting_position: int | None  # 1 for the first on the waiting list


def shift_roster(*, viewer, shift: Shift) -> list[RosterRow]:
    """Who signed up for a shift, in order: names and masked phones only. One query."""
    require(viewer, "volunteers.activity.oversee", shift.activity)
    signups = (
        Signup.objects.filter(shift=shift)
        .exclude(status=SignupStatus.CANCELLED)
        .select_related("volunteer__identity", "volunteer__user")
        .order_by("id")
    )
    rows, position = [], 0
    for signup in signups:
        waiting = None
        if signup.status == SignupStatus.WAITING:
            position += 1
            waiting = position
        rows.append(RosterRow(signup, contact(signup.volunteer), waiting))
    return rows


def shift_checkin_token(*, viewer, shift: Shift) -> str:
    """The token for the shift's QR code, for its organisers to show at the site."""
    require(viewer, "volunteers.activity.manage", shift.activity)
    return checkin.make_token(shift)


# --- a volunteer's own sign-ups -------------------------------------------------------------
def my_signups(*, volunteer: Volunteer, upcoming_only: bool = False) -> QuerySet[Signup]:
    """The volunteer's sign-ups, soonest shift first, each with ``waiting_position`` (1 = next in
    line; null when not waiting)."""
    from django.utils import timezone

    ahead = (
        Signup.objects.filter(shift=OuterRef("shift"), status=SignupStatus.WAITING, id__lte=OuterRef("id"))
        .order_by()
        .values("shift")
        .annotate(n=Count("id"))
        .values("n")
    )
    qs = Signup.objects.filter(volunteer=volunteer).exclude(status=SignupStatus.CANCELLED)
    if upcoming_only:
        qs = qs.filter(shift__ends_at__gt=timezone.now())
    return (
        qs.select_related("shift", "activity")
        .annotate(
            waiting_position=Case(
                When(status=SignupStatus.WAITING, then=Subquery(ahead, output_field=IntegerField())),
                default=None,
                output_field=IntegerField(),
            )
        )
        .order_by("shift__starts_at", "id")
    )


def can_manage(user, activity: Activity) -> bool:
    return can(user, "volunteers.activity.manage", activity)


# --- the volunteer's own pages (public site) ------------------------------------------------
def activity_contact_phone(*, viewer, activity: Activity) -> str:
    """The activity's contact phone as the viewer may see it: whole for the volunteers signed up
    for it and for its organisers, masked for everyone else."""
    if getattr(viewer, "is_authenticated", False) and (
        can(viewer, "volunteers.activity.oversee", activity)
        or Signup.objects.filter(
            activity=activity,
            user=viewer,
            status__in=PLACE_TAKING_STATUSES,
        ).exists()
    ):
        return activity.contact_phone
    return mask_phone(activity.contact_phone)


@dataclass(frozen=True)
class CheckinPreview:
    """What a scanned QR code is for: the shift, the viewer's sign-up for it (if any), and why
    the code would be refused now (None when it works)."""

    shift: Shift
    signup: Signup | None
    problem: str | None


def checkin_preview(*, viewer, token: str) -> CheckinPreview:
    """Read a scanned code for the page that shows it before the volunteer presses 签到 or 签退.
    A forged or tampered code, or one of a shift that no longer exists, is refused
    (``ValidationFailed``); the services decide again on the press itself."""
    from django.utils.translation import gettext_lazy as _

    from marketplace.core.exceptions import ValidationFailed

    claims = checkin.read_token(token)
    shift = Shift.objects.select_related("activity").filter(pk=claims.shift_id).first()
    if shift is None:
        raise ValidationFailed(_("二维码无效:班次不存在。"), code="bad_token", field="token")
    problem = None
    try:
        checkin.check_claims(claims, shift)
    except ValidationFailed as exc:
        problem = str(exc.message)
    if problem is None and shift.status != ShiftStatus.SCHEDULED:
        problem = str(_("该班次已取消。"))
    signup = None
    if getattr(viewer, "is_authenticated", False):
        signup = (
            Signup.objects.filter(
                shift=shift,
                user=viewer,
                status__in=[*PLACE_TAKING_STATUSES, SignupStatus.WAITING],
            )
            .order_by("-id")
            .first()
        )
    return CheckinPreview(shift=shift, signup=signup, problem=problem)


# --- certificates (志愿服务证明) -------------------------------------------------------------
@dataclass(frozen=True)
class PublicCertificate:
    """What anyone may see of a certificate on the public check page: masked data only."""

    number: str
    masked_name: str
    id_number_masked: str
    minutes: int
    period_start: datetime.date
    period_end: datetime.date
    issuer_name: str
    issued_on: datetime.date

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


def certificate_number_normalised(raw) -> str | None:
    """A typed number in canonical form (``th-2026-123`` -> ``TH-2026-000123``), or None when
    it cannot be one."""
    import re

    match = re.fullmatch(r"\s*([A-Za-z]{1,10})\s*-\s*(\d{4})\s*-\s*(\d{1,9})\s*", str(raw or ""))
    if not match:
        return None
    prefix, year, serial = match.groups()
    return f"{prefix.upper()}-{year}-{int(serial):06d}"


def certificate_public(number) -> PublicCertificate | None:
    """The certificate with this number, as the public check page shows it; None if none."""
    from .models import Certificate

    normalised = certificate_number_normalised(number)
    if normalised is None:
        return None
    cert = Certificate.objects.filter(number=normalised).first()
    if cert is None:
        return None
    return PublicCertificate(
        number=cert.number,
        masked_name=mask_name(cert.holder_name),
        id_number_masked=cert.id_number_masked,
        minutes=cert.minutes,
        period_start=cert.period_start,
        period_end=cert.period_end,
        issuer_name=cert.issuer_name,
        issued_on=cert.issued_on,
    )


def my_certificates(*, viewer) -> QuerySet:
    """The viewer's own certificates, newest first (none for someone not registered)."""
    from .models import Certificate

    if not getattr(viewer, "is_authenticated", False):
        return Certificate.objects.none()
    return Certificate.objects.filter(volunteer__user=viewer).order_by("-issued_at", "-id")


def certificate_for_owner(*, viewer, number):
    """The viewer's own certificate (for the PDF download); anyone else's is not found."""
    from django.utils.translation import gettext_lazy as _

    normalised = certificate_number_normalised(number)
    cert = my_certificates(viewer=viewer).filter(number=normalised).first() if normalised else None
    if cert is None:
        raise NotFound(_("未找到该证明。"))
    return cert


# --- hours reports for the back office (exports) --------------------------------------------
def _registry_q(viewer):
    """The registry rows the viewer's staff roles cover (their grid, community, street,
    district), as a filter on Volunteer; None for none."""
    return scope_q(viewer, action_roles("volunteers.volunteer.view"), Volunteer.SCOPE_LOOKUPS)


def volunteer_hours(
    *, viewer, start: datetime.date | None = None, end: datetime.date | None = None
) -> QuerySet[Volunteer]:
    """Each volunteer the viewer covers with ``period_minutes`` (confirmed, service dates in
    [start, end]), ``total_minutes`` and ``star``. Show ``contact(v)``, never the identity."""
    q = _registry_q(viewer)
    if q is None:
        return Volunteer.objects.none()
    return (
        Volunteer.objects.filter(q)
        .select_related("identity", "user", "street", "community", "grid", "party_organization")
        .annotate(period_minutes=_minutes_subquery(start, end), total_minutes=_minutes_subquery())
        .annotate(star=star_expression("total_minutes"))
        .order_by("street_id", "community_id", "grid_id", "id")
    )


@dataclass(frozen=True)
class HoursGroup:
    """Hours of a group of volunteers (a grid, a party organisation) within a period."""

    key: int
    labels: tuple[str, ...]
    volunteers: int
    minutes: int

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


def _period_records(viewer, start, end) -> QuerySet[ServiceRecord] | None:
    q = scope_q(
        viewer,
        action_roles("volunteers.volunteer.view"),
        {kind: f"volunteer__{field}" for kind, field in Volunteer.SCOPE_LOOKUPS.items()},
    )
    if q is None:
        return None
    records = ServiceRecord.objects.filter(q, status=RecordStatus.CONFIRMED)
    if start:
        records = records.filter(served_on__gte=start)
    if end:
        records = records.filter(served_on__lte=end)
    return records.order_by()


def hours_by_grid(
    *, viewer, start: datetime.date | None = None, end: datetime.date | None = None
) -> list[HoursGroup]:
    """Every grid the viewer covers, with its volunteers (by home grid) and their confirmed
    minutes in the period; two queries whatever the number of grids and records."""
    from marketplace.places.models import Grid

    q = scope_q(viewer, action_roles("volunteers.volunteer.view"), Grid.SCOPE_LOOKUPS)
    if q is None:
        return []
    records = _period_records(viewer, start, end)
    minutes = dict(records.values_list("volunteer__grid_id").annotate(m=Sum("minutes")))
    grids = (
        Grid.objects.filter(q)
        .select_related("street", "community")
        .annotate(n=Count("volunteers"))
        .order_by(
            "street__sort_order",
            "street__code",
            "community__sort_order",
            "community__code",
            "sort_order",
            "code",
        )
    )
    return [
        HoursGroup(g.pk, (g.street.name, g.community.name, g.name), g.n, minutes.get(g.pk, 0) or 0)
        for g in grids
    ]


def hours_by_party_organization(
    *, viewer, start: datetime.date | None = None, end: datetime.date | None = None
) -> list[HoursGroup]:
    """Each party organisation with party-member volunteers the viewer covers: how many, and
    their confirmed minutes in the period (only the covered members count: a community sees its
    own members of a workplace branch, not the branch's members elsewhere)."""
    q = _registry_q(viewer)
    if q is None:
        return []
    members = (
        Volunteer.objects.filter(q, party_organization__isnull=False)
        .order_by()
        .values("party_organization_id", "party_organization__name", "party_organization__kind")
        .annotate(n=Count("id"))
    )
    minutes = dict(
        _period_records(viewer, start, end)
        .filter(volunteer__party_organization__isnull=False)
        .values_list("volunteer__party_organization_id")
        .annotate(m=Sum("minutes"))
    )
    from marketplace.places.choices import PartyOrgKind

    kinds = dict(PartyOrgKind.choices)
    rows = [
        HoursGroup(
            m["party_organization_id"],
            (m["party_organization__name"], str(kinds.get(m["party_organization__kind"], ""))),
            m["n"],
            minutes.get(m["party_organization_id"], 0) or 0,
        )
        for m in members
    ]
    return sorted(rows, key=lambda r: (-r.minutes, r.labels[0]))


# --- an organisation's own activities (the organisers' pages on the public site) ------------
def organiser_organization(*, viewer, org_id: int):
    """A verified organisation whose admin the viewer is, for its volunteer-activity pages;
    anything else (another organisation, a member who is not an admin, one not verified or
    suspended, no such organisation) is not found."""
    from marketplace.organizations.choices import OrgStatus
    from marketplace.organizations.models import Organization

    org = Organization.objects.filter(pk=org_id, status=OrgStatus.VERIFIED).first()
    if org is None or not can(viewer, "volunteers.activity.create_as_org", org):
        raise NotFound()
    return org


def organization_activities(*, viewer, organization, status: str | None = None) -> QuerySet[Activity]:
    """The activities the organisation posted, as ``activity_list_for_organiser`` shows them."""
    return activity_list_for_organiser(viewer=viewer, status=status).filter(organization=organization)


def organization_activity(*, viewer, organization, activity_id: int) -> Activity:
    activity = (
        organization_activities(viewer=viewer, organization=organization).filter(pk=activity_id).first()
    )
    if activity is None:
        raise NotFound()
    return activity


def _of_organization(viewer, queryset: QuerySet, organization, pk: int):
    found = (
        scope_queryset(viewer, queryset, "volunteers.activity.oversee")
        .filter(activity__organization=organization, pk=pk)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def organization_shift(*, viewer, organization, shift_id: int) -> Shift:
    return _of_organization(
        viewer,
        Shift.objects.select_related("activity__street", "activity__community", "activity__grid"),
        organization,
        shift_id,
    )


def organization_signup(*, viewer, organization, signup_id: int) -> Signup:
    return _of_organization(
        viewer,
        Signup.objects.select_related("shift", "activity", "volunteer__identity", "user"),
        organization,
        signup_id,
    )


def organization_record(*, viewer, organization, record_id: int) -> ServiceRecord:
    return _of_organization(
        viewer,
        ServiceRecord.objects.select_related("shift", "activity", "volunteer__identity", "volunteer__user"),
        organization,
        record_id,
    )


def shift_records(*, viewer, shift: Shift) -> QuerySet[ServiceRecord]:
    """Every hours record of a shift, current and closed (the correction chains), by sign-up
    then age, with the volunteers' names: one query."""
    require(viewer, "volunteers.activity.oversee", shift.activity)
    return (
        ServiceRecord.objects.filter(shift=shift)
        .select_related("volunteer__identity", "volunteer__user", "activity", "corrects")
        .order_by("signup_id", "id")
    )


# --- the personal page ("我的") ---------------------------------------------------------------
# What the personal page lists at most of each kind; the volunteer's own pages have the rest.
DASHBOARD_SIGNUPS = 10
DASHBOARD_CERTIFICATES = 3
DASHBOARD_RECORDS = 5
# Corrections this recent are shown on the personal page.
DASHBOARD_CORRECTION_DAYS = 90


@dataclass(frozen=True)
class VolunteerDashboard:
    """A volunteer's summary for the personal page. ``volunteer`` carries ``total_minutes`` and
    ``year_minutes`` (confirmed records only), ``star`` and ``star_label``."""

    volunteer: Volunteer
    year: int
    upcoming: list  # confirmed or checked-in sign-ups whose QR code still works, soonest first
    waiting: list  # waiting-list sign-ups with ``waiting_position``
    certificates: list  # the latest ones
    pending_records: list  # hours waiting for the organiser's confirmation
    pending_count: int
    corrections: list  # recent corrections of the volunteer's hours, with the record corrected


def volunteer_for_dashboard(*, user, now=None) -> VolunteerDashboard | None:
    """The signed-in person's volunteering at a glance, in a fixed number of queries; None when
    they have not registered. ``upcoming`` holds the places the volunteer checks in or out of by
    scanning the code at the site (confirmed on a shift not yet over, or checked in while the
    code still works), each with ``checkin_opens_at``, from when its code works."""
    from django.utils import timezone

    from . import conf
    from .choices import StarLevel
    from .models import Certificate
    from .transitions import check_in_window

    if not getattr(user, "is_authenticated", False):
        return None
    now = now or timezone.now()
    year = timezone.localtime(now).year
    pending = (
        ServiceRecord.objects.filter(volunteer=OuterRef("pk"), status=RecordStatus.PENDING)
        .order_by()
        .values("volunteer")
        .annotate(n=Count("id"))
        .values("n")
    )
    volunteer = (
        Volunteer.objects.filter(user=user)
        .annotate(
            total_minutes=_minutes_subquery(),
            year_minutes=_minutes_subquery(datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
            pending_count=Coalesce(Subquery(pending, output_field=IntegerField()), Value(0)),
        )
        .annotate(star=star_expression("total_minutes"))
        .first()
    )
    if volunteer is None:
        return None
    volunteer.star_label = StarLevel(volunteer.star).label
    live = list(
        my_signups(volunteer=volunteer)
        .filter(shift__status=ShiftStatus.SCHEDULED)
        .filter(
            Q(status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITING], shift__ends_at__gt=now)
            # Checked in: the code still works for checking out a while after the end.
            | Q(status=SignupStatus.CHECKED_IN, shift__ends_at__gt=now - conf.checkin_closes_after())
        )[: DASHBOARD_SIGNUPS * 2]
    )
    upcoming, waiting = [], []
    for signup in live:
        if signup.status == SignupStatus.WAITING:
            waiting.append(signup)
            continue
        signup.checkin_opens_at = check_in_window(signup.shift)[0]
        upcoming.append(signup)
    records = ServiceRecord.objects.filter(volunteer=volunteer).select_related("activity", "shift")
    awaiting = list(
        records.filter(status=RecordStatus.PENDING).order_by("served_on", "id")[:DASHBOARD_RECORDS]
    )
    corrections = list(
        records.filter(
            corrects__isnull=False,
            status=RecordStatus.CONFIRMED,
            created_at__gte=now - datetime.timedelta(days=DASHBOARD_CORRECTION_DAYS),
        )
        .select_related("corrects")
        .order_by("-created_at", "-id")[:DASHBOARD_RECORDS]
    )
    certificates = list(
        Certificate.objects.filter(volunteer=volunteer).order_by("-issued_at", "-id")[:DASHBOARD_CERTIFICATES]
    )
    return VolunteerDashboard(
        volunteer=volunteer,
        year=year,
        upcoming=upcoming[:DASHBOARD_SIGNUPS],
        waiting=waiting[:DASHBOARD_SIGNUPS],
        certificates=certificates,
        pending_records=awaiting,
        pending_count=volunteer.pending_count,
        corrections=corrections,
    )


# --- what search may index --------------------------------------------------------------------
def activity_is_open(activity: Activity, now=None) -> bool:
    """Taking sign-ups now: published, before its deadline, with a shift still to start that
    has a free place (a row of ``activity_list_public``, whose shifts carry ``taken``)."""
    from django.utils import timezone

    now = now or timezone.now()
    if activity.status != ActivityStatus.PUBLISHED or now >= activity.signup_deadline:
        return False
    return any(shift.starts_at > now and shift.taken < shift.capacity for shift in activity.shifts.all())


def activity_search_documents(activity_ids=None) -> list[dict]:
    """The searchable record of the activities the public list shows (published and finished):
    title, description, place, who posts it, skills, status and whether it takes sign-ups, in a
    constant number of queries. Drafts and cancelled activities have none; the contact person,
    the phone and everyone who signed up are never read."""
    from django.utils import timezone

    now = timezone.now()
    qs = activity_list_public().defer("contact_name", "contact_phone")
    if activity_ids is not None:
        qs = qs.filter(pk__in=list(activity_ids))
    return [
        {
            "id": activity.pk,
            "kind": "activity",
            "title": activity.title,
            "description": activity.description,
            "place": activity.place,
            "organizer": (
                activity.organization.name
                if activity.organization_id
                else str(activity.get_organizer_kind_display())
            ),
            "skills": [skill.name for skill in activity.required_skills.all()],
            "party_only": activity.party_only,
            "street_id": activity.street_id,
            "street": activity.street.name,
            "community_id": activity.community_id,
            "community": activity.community.name if activity.community_id else "",
            "status": activity.status,
            "open": activity_is_open(activity, now),
            "first_shift_at": activity.first_shift_at,
            "signup_deadline": activity.signup_deadline,
            "published_at": activity.published_at,
        }
        for activity in qs
    ]


def activities_by_organization(org_id: int, *, limit: int = 6) -> list[Activity]:
    """The public activities an organisation posted, soonest first (as the public list shows
    them), for its profile page."""
    return list(activity_list_public().filter(organization_id=org_id)[:limit])
