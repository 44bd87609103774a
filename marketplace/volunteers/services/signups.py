"""Writes on sign-ups, check-in and check-out, and service-hours records.

Capacity is exact under concurrency: every write that takes or frees a place locks the shift row
first (``select_for_update``), then counts; the waiting list is served in the order people joined
it (sign-up id, which the lock makes the order of arrival). Deadlines are the server clock's.

Hours. Checking out writes a pending record of the minutes between check-in and check-out, never
negative and never more than the shift's length plus ``VOLUNTEER_HOURS_MARGIN``. An organiser
confirms it, rejects it, or corrects it: a correction is a new, confirmed record that points at
the one it corrects, which becomes superseded. A record's minutes are never edited.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.core import audit
from marketplace.core.exceptions import ValidationFailed
from marketplace.core.permissions import require
from search import indexing

from .. import checkin, conf, transitions
from ..choices import (
    LIVE_SIGNUP_STATUSES,
    PLACE_TAKING_STATUSES,
    ActivityStatus,
    RecordStatus,
    ShiftStatus,
    SignupStatus,
    VolunteerStatus,
)
from ..models import ServiceRecord, Shift, Signup, Volunteer
from ._common import clean_text, tell, volunteer_of

__all__ = [
    "check_in_by_token",
    "check_out_by_token",
    "fill_places",
    "max_record_minutes",
    "record_confirm",
    "record_confirm_all",
    "record_correct",
    "record_reject",
    "release_upcoming_signups",
    "signup_cancel",
    "signup_check_in",
    "signup_check_out",
    "signup_create",
    "signup_void",
]


def _lock_shift(shift_id: int) -> Shift:
    # Lock the shift row only (not the joined activity), the one place every capacity write meets.
    return Shift.objects.select_for_update(of=("self",)).select_related("activity").get(pk=shift_id)


# --- signing up -----------------------------------------------------------------------------
@transaction.atomic
def signup_create(*, actor, shift: Shift) -> Signup:
    """Sign the actor up for a shift: a place if one is free, else the end of the waiting list."""
    volunteer = volunteer_of(actor)
    require(actor, "volunteers.volunteer.act", volunteer)
    shift = _lock_shift(shift.pk)
    activity = shift.activity
    now = timezone.now()
    if volunteer.status != VolunteerStatus.ACTIVE:
        raise ValidationFailed(_("您的志愿者登记已暂停或已退出,不能报名。"), code="not_active")
    if activity.status != ActivityStatus.PUBLISHED:
        raise ValidationFailed(_("该活动不在报名中。"), code="not_open")
    if shift.status != ShiftStatus.SCHEDULED:
        raise ValidationFailed(_("该班次已取消。"), code="shift_cancelled")
    if now >= activity.signup_deadline:
        raise ValidationFailed(_("报名已截止。"), code="deadline")
    if now >= shift.starts_at:
        raise ValidationFailed(_("班次已开始,不能报名。"), code="shift_started")
    if activity.party_only and not volunteer.is_party_member:
        raise ValidationFailed(_("本活动仅限党员报名。"), code="party_only")
    live = Signup.objects.filter(volunteer=volunteer, status__in=LIVE_SIGNUP_STATUSES)
    if live.filter(shift=shift).exists():
        raise ValidationFailed(_("您已报名该班次。"), code="duplicate")
    clash = live.filter(
        shift__status=ShiftStatus.SCHEDULED,
        shift__starts_at__lt=shift.ends_at,
        shift__ends_at__gt=shift.starts_at,
    ).exists()
    if clash:
        raise ValidationFailed(_("您在该时段已报名其他班次。"), code="time_clash")
    taken = Signup.objects.filter(shift=shift, status__in=PLACE_TAKING_STATUSES).count()
    status = SignupStatus.CONFIRMED if taken < shift.capacity else SignupStatus.WAITING
    try:
        with transaction.atomic():
            signup = Signup.objects.create(
                shift=shift, activity=activity, volunteer=volunteer, user_id=volunteer.user_id, status=status
            )
    except IntegrityError as exc:
        raise ValidationFailed(_("您已报名该班次。"), code="duplicate") from exc
    audit.record(
        actor=actor,
        action="volunteers.signup.create",
        obj=signup,
        changes={"status": status, "shift": shift.pk},
    )
    if status == SignupStatus.CONFIRMED and taken + 1 >= shift.capacity:
        # The last place of the shift: search may no longer show the activity as open.
        indexing.changed("activity", [activity.pk])
    return signup


def fill_places(shift: Shift) -> list[Signup]:
    """Move the waiting list up, first come first served, while the shift has free places. The
    caller holds the shift's lock."""
    if shift.status != ShiftStatus.SCHEDULED or timezone.now() >= shift.starts_at:
        return []
    taken = Signup.objects.filter(shift=shift, status__in=PLACE_TAKING_STATUSES).count()
    free = shift.capacity - taken
    if free <= 0:
        return []
    promoted = []
    waiting = (
        Signup.objects.filter(shift=shift, status=SignupStatus.WAITING).select_related("user").order_by("id")
    )
    for signup in waiting[:free]:
        transitions.SIGNUP.perform(signup, "promote", actor=None, fields={"promoted_at": timezone.now()})
        tell(
            signup.user,
            _("候补成功:您已获得「%(t)s」的名额") % {"t": shift.activity.title},
            _("班次时间:%(s)s") % {"s": shift},
        )
        promoted.append(signup)
    return promoted


def _release(signup: Signup, *, code: str, actor, reason: str = "") -> Signup:
    shift = _lock_shift(signup.shift_id)
    signup = transitions.SIGNUP.perform(
        signup,
        code,
        actor=actor,
        reason=reason,
        fields={"cancelled_at": timezone.now(), "cancel_reason": reason},
    )
    if not fill_places(shift):
        # Nobody was waiting for the place: the activity may be open again in search.
        indexing.changed("activity", [shift.activity_id])
    return signup


@transaction.atomic
def signup_cancel(*, actor, signup: Signup) -> Signup:
    """The volunteer gives up a place or leaves the waiting list, before the shift starts."""
    return _release(signup, code="cancel", actor=actor)


@transaction.atomic
def signup_void(*, actor, signup: Signup, reason: str) -> Signup:
    """An organiser removes a sign-up (with a reason); the volunteer is told."""
    signup = _release(signup, code="void", actor=actor, reason=(reason or "").strip())
    tell(signup.user, _("您在「%(t)s」的报名已被组织者撤销") % {"t": signup.activity.title}, reason)
    return signup


def release_upcoming_signups(volunteer: Volunteer, *, reason: str) -> int:
    """Give up the volunteer's places and turns on shifts not yet started (on leaving)."""
    now = timezone.now()
    upcoming = Signup.objects.filter(
        volunteer=volunteer,
        status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITING],
        shift__starts_at__gt=now,
    ).order_by("shift_id", "id")
    count = 0
    for signup in upcoming:
        _release(signup, code="void", actor=None, reason=reason)
        count += 1
    return count


# --- check-in and check-out -----------------------------------------------------------------
def _when(at: datetime.datetime | None) -> datetime.datetime:
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise ValidationFailed(_("时间无效。"), field="at")
    if at > now:
        raise ValidationFailed(_("签到、签退时间不能晚于现在。"), field="at")
    return at


@transaction.atomic
def signup_check_in(*, actor, signup: Signup, at: datetime.datetime | None = None) -> Signup:
    """The organiser checks a volunteer in, now or at a time of the check-in window already past."""
    require(actor, "volunteers.activity.manage", signup.activity)
    at = _when(at)
    return transitions.SIGNUP.perform(
        signup,
        "check_in",
        actor=actor,
        context={"at": at},
        fields={"checked_in_at": at, "checked_in_by": actor},
    )


@transaction.atomic
def signup_check_out(*, actor, signup: Signup, at: datetime.datetime | None = None) -> ServiceRecord:
    """The organiser checks a volunteer out; the pending record of their hours is returned."""
    require(actor, "volunteers.activity.manage", signup.activity)
    return _check_out(actor=actor, signup=signup, at=_when(at))


def _scanned(actor, token: str, shift: Shift | None) -> tuple[Shift, Volunteer]:
    claims = checkin.read_token(token)
    if shift is not None and claims.shift_id != shift.pk:
        raise ValidationFailed(_("该二维码不属于本班次。"), code="other_shift", field="token")
    scanned = Shift.objects.select_related("activity").filter(pk=claims.shift_id).first()
    if scanned is None:
        raise ValidationFailed(_("二维码无效:班次不存在。"), code="bad_token", field="token")
    checkin.check_claims(claims, scanned)
    if scanned.status != ShiftStatus.SCHEDULED:
        raise ValidationFailed(_("该班次已取消。"), code="shift_cancelled")
    return scanned, volunteer_of(actor)


def _own_signup(volunteer: Volunteer, shift: Shift) -> Signup | None:
    return (
        Signup.objects.filter(volunteer=volunteer, shift=shift, status__in=LIVE_SIGNUP_STATUSES)
        .select_related("shift", "activity")
        .first()
    )


@transaction.atomic
def check_in_by_token(*, actor, token: str, shift: Shift | None = None) -> Signup:
    """The volunteer scans the shift's QR code at the site. ``shift``: the shift whose page the
    code was scanned from, when known (a code of another shift is then refused)."""
    shift, volunteer = _scanned(actor, token, shift)
    signup = _own_signup(volunteer, shift)
    if signup is None:
        raise ValidationFailed(_("您没有报名该班次。"), code="not_signed_up")
    if signup.status == SignupStatus.WAITING:
        raise ValidationFailed(_("您仍在候补名单中,不能签到。"), code="waiting")
    if signup.status != SignupStatus.CONFIRMED:
        raise ValidationFailed(_("您已签到过了。"), code="already_checked_in")
    at = timezone.now()
    return transitions.SIGNUP.perform(
        signup,
        "check_in",
        actor=actor,
        context={"at": at},
        fields={"checked_in_at": at, "checked_in_by": actor},
    )


@transaction.atomic
def check_out_by_token(*, actor, token: str, shift: Shift | None = None) -> ServiceRecord:
    shift, volunteer = _scanned(actor, token, shift)
    signup = _own_signup(volunteer, shift)
    if signup is None or signup.status in (SignupStatus.CONFIRMED, SignupStatus.WAITING):
        raise ValidationFailed(_("您尚未签到,不能签退。"), code="not_checked_in")
    if signup.status == SignupStatus.CHECKED_OUT:
        raise ValidationFailed(_("您已签退过了。"), code="already_checked_out")
    return _check_out(actor=actor, signup=signup, at=timezone.now())


def max_record_minutes(shift: Shift) -> int:
    return shift.duration_minutes + int(conf.hours_margin().total_seconds() // 60)


def _check_out(*, actor, signup: Signup, at: datetime.datetime) -> ServiceRecord:
    signup = transitions.SIGNUP.perform(
        signup,
        "check_out",
        actor=actor,
        context={"at": at},
        fields={"checked_out_at": at, "checked_out_by": actor},
    )
    shift = signup.shift
    served = int((at - signup.checked_in_at).total_seconds() // 60)
    minutes = min(max(served, 0), max_record_minutes(shift))
    record = ServiceRecord.objects.create(
        signup=signup,
        volunteer_id=signup.volunteer_id,
        activity_id=signup.activity_id,
        shift=shift,
        served_on=timezone.localtime(shift.starts_at).date(),
        minutes=minutes,
        started_at=signup.checked_in_at,
        ended_at=at,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor=actor,
        action="volunteers.record.create",
        obj=record,
        changes={"minutes": minutes, "served_minutes": served, "signup": signup.pk},
    )
    return record


# --- service-hours records ------------------------------------------------------------------
@transaction.atomic
def record_confirm(*, actor, record: ServiceRecord) -> ServiceRecord:
    record = transitions.RECORD.perform(
        record, "confirm", actor=actor, fields={"confirmed_by": actor, "confirmed_at": timezone.now()}
    )
    return record


@transaction.atomic
def record_confirm_all(*, actor, shift: Shift) -> int:
    """Confirm every pending record of a shift at once; returns how many."""
    require(actor, "volunteers.activity.manage", shift.activity)
    count = 0
    for record in ServiceRecord.objects.filter(shift=shift, status=RecordStatus.PENDING).order_by("id"):
        record_confirm(actor=actor, record=record)
        count += 1
    return count


@transaction.atomic
def record_reject(*, actor, record: ServiceRecord, reason: str) -> ServiceRecord:
    record = transitions.RECORD.perform(
        record, "reject", actor=actor, reason=reason, fields={"closed_at": timezone.now()}
    )
    tell(record.volunteer.user, _("您在「%(t)s」的服务时长未被认可") % {"t": record.activity.title}, reason)
    return record


@transaction.atomic
def record_correct(*, actor, record: ServiceRecord, minutes: int, reason: str) -> ServiceRecord:
    """Correct a pending or confirmed record: a new confirmed record with ``minutes`` points at
    it, and it becomes superseded. Returns the new record."""
    require(actor, "volunteers.activity.manage", record.activity)
    reason = clean_text(reason, field="reason", label=_("更正原因"), max_length=1000)
    if not isinstance(minutes, int) or isinstance(minutes, bool):
        raise ValidationFailed(_("服务时长须为整数(单位:分钟)。"), field="minutes")
    if minutes < 0:
        raise ValidationFailed(_("服务时长不能为负数。"), code="negative", field="minutes")
    ceiling = max_record_minutes(record.shift)
    if minutes > ceiling:
        raise ValidationFailed(
            _("服务时长不能超过班次时长加 %(m)s 分钟,即 %(max)s 分钟。")
            % {"m": int(conf.hours_margin().total_seconds() // 60), "max": ceiling},
            code="too_long",
            field="minutes",
        )
    now = timezone.now()
    old = transitions.RECORD.perform(
        record, "supersede", actor=actor, reason=reason, fields={"closed_at": now}
    )
    new = ServiceRecord.objects.create(
        signup_id=old.signup_id,
        volunteer_id=old.volunteer_id,
        activity_id=old.activity_id,
        shift_id=old.shift_id,
        served_on=old.served_on,
        minutes=minutes,
        started_at=old.started_at,
        ended_at=old.ended_at,
        status=RecordStatus.CONFIRMED,
        corrects=old,
        reason=reason,
        created_by=actor,
        confirmed_by=actor,
        confirmed_at=now,
    )
    audit.record(
        actor=actor,
        action="volunteers.record.correct",
        obj=new,
        changes={"corrects": old.pk, "minutes": [old.minutes, minutes]},
        reason=reason,
    )
    tell(
        old.volunteer.user,
        _("您在「%(t)s」的服务时长已更正") % {"t": old.activity.title},
        _("更正为 %(m)s 分钟。原因:%(r)s") % {"m": minutes, "r": reason},
    )
    return new
