"""Writes on volunteer activities and their shifts: posting, publishing, changing, cancelling
(a shift or the whole activity, each signed-up volunteer told), finishing, and messages to
everyone signed up.

Who may post: community and grid workers in their community or grid, street officials in their
street (over the place they name), and the admins of a verified organisation (over the
organisation). Whoever holds an organiser role over the activity's scope chain runs it after.
The place of an activity (street, community, grid, organisation) is fixed once it is created.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.core import audit
from marketplace.core.exceptions import ValidationFailed
from marketplace.core.permissions import has_role, require
from marketplace.core.roles import Role
from marketplace.core.scheduling import enqueue_at
from marketplace.core.validators import normalize_cn_mobile
from marketplace.organizations.choices import OrgStatus
from search import indexing

from .. import conf, transitions
from ..choices import (
    LIVE_SIGNUP_STATUSES,
    PLACE_TAKING_STATUSES,
    ActivityStatus,
    OrganizerKind,
    ShiftStatus,
    SignupStatus,
)
from ..models import Activity, Shift, Signup, Skill
from ._common import clean_text, tell

__all__ = [
    "MAX_SHIFT_CAPACITY",
    "MAX_SHIFT_LENGTH",
    "ActivityData",
    "ShiftData",
    "activity_cancel",
    "activity_create",
    "activity_finish",
    "activity_message",
    "activity_publish",
    "activity_update",
    "shift_add",
    "shift_cancel",
    "shift_remove",
    "shift_update",
]

MAX_SHIFT_CAPACITY = 10_000
MAX_SHIFT_LENGTH = datetime.timedelta(hours=24)
_LANDLINE_RE = re.compile(r"^0[1-9][0-9]{1,2}-?[0-9]{7,8}(-[0-9]{1,6})?$")


@dataclass
class ActivityData:
    title: str
    description: str
    place: str
    contact_name: str
    contact_phone: str
    signup_deadline: datetime.datetime
    skill_slugs: list[str] = field(default_factory=list)
    party_only: bool = False
    # Where: the grid, else the community, else (street-wide) the street. Used at creation only.
    street: object | None = None
    community: object | None = None
    grid: object | None = None


@dataclass
class ShiftData:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int


def _clean_phone(value: str) -> str:
    raw = re.sub(r"\s", "", str(value or ""))
    if _LANDLINE_RE.match(raw):
        return raw
    try:
        return normalize_cn_mobile(raw)
    except DjangoValidationError:
        raise ValidationFailed(
            _("联系电话无效:请填写手机号或带区号的固定电话(如 020-12345678)。"), field="contact_phone"
        ) from None


def _clean_activity(data: ActivityData) -> dict:
    deadline = data.signup_deadline
    if not isinstance(deadline, datetime.datetime) or timezone.is_naive(deadline):
        raise ValidationFailed(_("请填写报名截止时间。"), field="signup_deadline")
    if deadline <= timezone.now():
        raise ValidationFailed(_("报名截止时间须晚于现在。"), code="deadline_passed", field="signup_deadline")
    slugs = sorted(set(data.skill_slugs or []))
    skills = list(Skill.objects.filter(slug__in=slugs))
    if len(skills) != len(slugs):
        raise ValidationFailed(_("所需技能无效。"), field="required_skills")
    return {
        "title": clean_text(data.title, field="title", label=_("活动名称"), max_length=150),
        "description": clean_text(
            data.description, field="description", label=_("活动内容"), max_length=5000
        ),
        "place": clean_text(data.place, field="place", label=_("活动地点"), max_length=200),
        "contact_name": clean_text(data.contact_name, field="contact_name", label=_("联系人"), max_length=50),
        "contact_phone": _clean_phone(data.contact_phone),
        "signup_deadline": deadline,
        "party_only": bool(data.party_only),
        "_skills": skills,
    }


def _clean_shift(data: ShiftData, *, check_future: bool = True) -> dict:
    starts, ends = data.starts_at, data.ends_at
    for value, name in ((starts, "starts_at"), (ends, "ends_at")):
        if not isinstance(value, datetime.datetime) or timezone.is_naive(value):
            raise ValidationFailed(_("请填写班次的开始和结束时间。"), field=name)
    if starts >= ends:
        raise ValidationFailed(_("班次结束时间须晚于开始时间。"), field="ends_at")
    if ends - starts > MAX_SHIFT_LENGTH:
        raise ValidationFailed(_("单个班次不超过24小时。"), field="ends_at")
    if check_future and starts <= timezone.now():
        raise ValidationFailed(_("班次开始时间须晚于现在。"), field="starts_at")
    capacity = data.capacity
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 1 <= capacity <= MAX_SHIFT_CAPACITY:
        raise ValidationFailed(
            _("名额应为1到%(n)s之间的整数。") % {"n": MAX_SHIFT_CAPACITY}, field="capacity"
        )
    return {"starts_at": starts, "ends_at": ends, "capacity": capacity}


def _place(data: ActivityData) -> dict:
    grid, community, street = data.grid, data.community, data.street
    if grid is not None:
        if community is not None and grid.community_id != community.pk:
            raise ValidationFailed(_("所选网格不属于所选社区。"), field="grid")
        return {
            "grid": grid,
            "community_id": grid.community_id,
            "street_id": grid.street_id,
            "district_id": grid.district_id,
        }
    if community is not None:
        if street is not None and community.street_id != street.pk:
            raise ValidationFailed(_("所选社区不属于所选街道。"), field="community")
        return {
            "grid": None,
            "community": community,
            "street_id": community.street_id,
            "district_id": community.district_id,
        }
    if street is not None:
        return {"grid": None, "community": None, "street": street, "district_id": street.district_id}
    raise ValidationFailed(_("请选择活动所在的街道、社区或网格。"), field="community")


def _summary(values: dict) -> dict:
    out = {}
    for key, value in values.items():
        if key == "_skills":
            out["skills"] = sorted(s.slug for s in value)
        elif key == "contact_phone":
            continue
        elif hasattr(value, "pk"):
            out[key] = value.pk
        elif hasattr(value, "isoformat"):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


@transaction.atomic
def activity_create(
    *, actor, data: ActivityData, shifts: list[ShiftData] = (), organization=None
) -> Activity:
    """A draft activity (with its first shifts, if given) posted over a place, or over a
    verified organisation when ``organization`` is given."""
    place = _place(data)
    scope = data.grid or data.community or data.street
    if organization is not None:
        require(actor, "volunteers.activity.create_as_org", organization)
        if organization.status != OrgStatus.VERIFIED:
            raise ValidationFailed(
                _("只有通过区级认证且未被暂停的社会组织可以发布志愿活动。"), code="org_not_verified"
            )
        if organization.district_id != place["district_id"]:
            raise ValidationFailed(_("活动地点须在本区内。"), field="community")
        kind = OrganizerKind.ORGANIZATION
    else:
        require(actor, "volunteers.activity.create", scope)
        # The most local role the poster holds over the place names the organiser.
        if has_role(actor, [Role.GRID_WORKER], scope) and not has_role(actor, [Role.COMMUNITY_WORKER], scope):
            kind = OrganizerKind.GRID
        elif has_role(actor, [Role.COMMUNITY_WORKER], scope):
            kind = OrganizerKind.COMMUNITY
        else:
            kind = OrganizerKind.STREET
    values = _clean_activity(data)
    skills = values.pop("_skills")
    cleaned_shifts = [_clean_shift(s) for s in shifts]
    activity = Activity.objects.create(
        organizer_kind=kind, organization=organization, created_by=actor, **place, **values
    )
    activity.required_skills.set(skills)
    Shift.objects.bulk_create(Shift(activity=activity, **s) for s in cleaned_shifts)
    audit.record(
        actor=actor,
        action="volunteers.activity.create",
        obj=activity,
        changes={
            **_summary({**place, **values, "_skills": skills}),
            "organizer_kind": kind,
            "organization": organization.pk if organization else None,
            "shifts": len(cleaned_shifts),
        },
    )
    return activity


def _lock_activity(activity: Activity) -> Activity:
    return Activity.objects.select_for_update().get(pk=activity.pk)


@transaction.atomic
def activity_update(*, actor, activity: Activity, data: ActivityData) -> Activity:
    """Change the text, contact, deadline and skills of a draft or published activity. "Party
    members only" can be changed only while it is a draft (people may have signed up)."""
    require(actor, "volunteers.activity.manage", activity)
    activity = _lock_activity(activity)
    if activity.status not in (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED):
        raise ValidationFailed(_("已取消或已结束的活动不能修改。"), code="closed")
    values = _clean_activity(data)
    skills = values.pop("_skills")
    if activity.status != ActivityStatus.DRAFT and values["party_only"] != activity.party_only:
        raise ValidationFailed(
            _("活动发布后不能更改“仅限党员”设置。"), code="party_only_fixed", field="party_only"
        )
    before = _summary(
        {**{k: getattr(activity, k) for k in values}, "_skills": list(activity.required_skills.all())}
    )
    for key, value in values.items():
        setattr(activity, key, value)
    activity.save(update_fields=list(values))
    activity.required_skills.set(skills)
    audit.record(
        actor=actor,
        action="volunteers.activity.change",
        obj=activity,
        changes=audit.diff(before, _summary({**values, "_skills": skills})),
    )
    _tell_search(activity)
    return activity


@transaction.atomic
def activity_publish(*, actor, activity: Activity) -> Activity:
    activity = transitions.ACTIVITY.perform(
        activity, "publish", actor=actor, fields={"published_at": timezone.now()}
    )
    _schedule_finish(activity)
    _book_search_refresh(activity)
    return activity


def _schedule_finish(activity: Activity) -> None:
    from ..tasks import finish_activity

    last_end = activity.shifts.filter(status=ShiftStatus.SCHEDULED).aggregate(m=Max("ends_at"))["m"]
    if last_end is not None:
        enqueue_at(finish_activity, last_end + conf.checkin_closes_after(), activity.pk)


def _book_search_refresh(activity: Activity) -> None:
    """Search marks an activity as taking sign-ups until its deadline or its last shift's start,
    whichever comes first. Nothing moves at that moment, so a re-index is booked for it."""
    last_start = activity.shifts.filter(status=ShiftStatus.SCHEDULED).aggregate(m=Max("starts_at"))["m"]
    ends = min(activity.signup_deadline, last_start) if last_start else activity.signup_deadline
    if ends > timezone.now():
        indexing.changed("activity", [activity.pk], at=ends)


def _tell_search(activity: Activity) -> None:
    """A published activity's text, shifts or places changed: search shows them."""
    if activity.status == ActivityStatus.PUBLISHED:
        indexing.changed("activity", [activity.pk])
        _book_search_refresh(activity)


@transaction.atomic
def activity_cancel(*, actor, activity: Activity, reason: str) -> Activity:
    """Cancel every shift not yet started (their volunteers are told), then the activity. An
    activity with a shift under way or past cannot be cancelled as a whole: cancel the rest."""
    require(actor, "volunteers.activity.oversee", activity)
    activity = _lock_activity(activity)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写原因。"), code="reason_required", field="reason")
    now = timezone.now()
    scheduled = list(activity.shifts.filter(status=ShiftStatus.SCHEDULED).order_by("starts_at", "id"))
    if activity.status == ActivityStatus.PUBLISHED and any(s.starts_at <= now for s in scheduled):
        raise ValidationFailed(
            _("活动已有班次开始,不能整体取消;请逐个取消尚未开始的班次。"), code="shift_started"
        )
    for shift in scheduled:
        if shift.starts_at > now:
            _cancel_shift(actor=actor, shift=shift, reason=reason, tell_title=_("活动「%(t)s」已取消"))
    return transitions.ACTIVITY.perform(
        activity, "cancel", actor=actor, reason=reason, fields={"cancel_reason": reason}
    )


@transaction.atomic
def activity_finish(*, actor, activity: Activity) -> Activity:
    """After the last shift: the activity is finished and every place still only "confirmed"
    (never checked in) is recorded as a no-show."""
    activity = transitions.ACTIVITY.perform(activity, "finish", actor=actor)
    for signup in Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).order_by("id"):
        transitions.SIGNUP.perform(signup, "no_show", actor=None)
    return activity


# --- shifts ---------------------------------------------------------------------------------
def _open_for_shifts(activity: Activity) -> None:
    if activity.status not in (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED):
        raise ValidationFailed(_("已取消或已结束的活动不能再调整班次。"), code="closed")


@transaction.atomic
def shift_add(*, actor, activity: Activity, data: ShiftData) -> Shift:
    require(actor, "volunteers.activity.manage", activity)
    activity = _lock_activity(activity)
    _open_for_shifts(activity)
    values = _clean_shift(data)
    shift = Shift.objects.create(activity=activity, **values)
    audit.record(
        actor=actor,
        action="volunteers.shift.add",
        obj=shift,
        changes=_summary(values) | {"activity": activity.pk},
    )
    if activity.status == ActivityStatus.PUBLISHED:
        _schedule_finish(activity)
    _tell_search(activity)
    return shift


@transaction.atomic
def shift_update(*, actor, shift: Shift, data: ShiftData) -> Shift:
    """Change a shift's times (only while nobody has signed up for it) or its capacity (not below
    the places taken; more places move the waiting list up at once)."""
    from .signups import fill_places

    require(actor, "volunteers.activity.manage", shift.activity)
    shift = Shift.objects.select_for_update().get(pk=shift.pk)
    _open_for_shifts(shift.activity)
    if shift.status != ShiftStatus.SCHEDULED:
        raise ValidationFailed(_("该班次已取消。"), code="shift_cancelled")
    times_changed = (data.starts_at, data.ends_at) != (shift.starts_at, shift.ends_at)
    values = _clean_shift(data, check_future=times_changed)
    live = Signup.objects.filter(shift=shift, status__in=LIVE_SIGNUP_STATUSES)
    if times_changed and live.exists():
        raise ValidationFailed(
            _("已有志愿者报名,不能修改班次时间;如需调整,请取消该班次后另设新班次。"), code="has_signups"
        )
    taken = live.filter(status__in=PLACE_TAKING_STATUSES).count()
    if values["capacity"] < taken:
        raise ValidationFailed(
            _("名额不能少于已报名人数(%(n)s人)。") % {"n": taken}, code="below_taken", field="capacity"
        )
    before = _summary({k: getattr(shift, k) for k in values})
    for key, value in values.items():
        setattr(shift, key, value)
    shift.save(update_fields=list(values))
    audit.record(
        actor=actor, action="volunteers.shift.change", obj=shift, changes=audit.diff(before, _summary(values))
    )
    fill_places(shift)
    if times_changed and shift.activity.status == ActivityStatus.PUBLISHED:
        _schedule_finish(shift.activity)
    _tell_search(shift.activity)
    return shift


@transaction.atomic
def shift_remove(*, actor, shift: Shift) -> None:
    """Delete a shift of a draft activity (nobody can have signed up)."""
    require(actor, "volunteers.activity.manage", shift.activity)
    activity = _lock_activity(shift.activity)
    if activity.status != ActivityStatus.DRAFT:
        raise ValidationFailed(_("活动发布后不能删除班次,请改为取消班次。"), code="not_draft")
    audit.record(actor=actor, action="volunteers.shift.remove", obj=activity, changes={"shift": shift.pk})
    Shift.objects.filter(pk=shift.pk).delete()


def _cancel_shift(*, actor, shift: Shift, reason: str, tell_title) -> Shift:
    shift = transitions.SHIFT.perform(
        shift, "cancel", actor=actor, reason=reason, fields={"cancel_reason": reason}
    )
    title = tell_title % {"t": shift.activity.title}
    signups = Signup.objects.filter(shift=shift, status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITING])
    for signup in signups.select_related("user").order_by("id"):
        transitions.SIGNUP.perform(
            signup,
            "void",
            actor=actor,
            reason=reason,
            fields={"cancelled_at": timezone.now(), "cancel_reason": reason},
        )
        tell(signup.user, title, _("%(shift)s 的班次已取消。原因:%(r)s") % {"shift": shift, "r": reason})
    return shift


@transaction.atomic
def shift_cancel(*, actor, shift: Shift, reason: str) -> Shift:
    """Cancel a shift not yet started; everyone signed up (or waiting) is told."""
    shift = _cancel_shift(
        actor=actor, shift=shift, reason=(reason or "").strip(), tell_title=_("活动「%(t)s」的班次已取消")
    )
    _tell_search(shift.activity)
    return shift


# --- messages -------------------------------------------------------------------------------
@transaction.atomic
def activity_message(*, actor, activity: Activity, title: str, body: str, shift: Shift | None = None) -> int:
    """Send a message to everyone signed up (confirmed, waiting or checked in) for the activity,
    or for one of its shifts. Returns the number of people told."""
    require(actor, "volunteers.activity.manage", activity)
    if shift is not None and shift.activity_id != activity.pk:
        raise ValidationFailed(_("该班次不属于此活动。"), field="shift")
    title = clean_text(title, field="title", label=_("消息标题"), max_length=100)
    body = clean_text(body, field="body", label=_("消息内容"), max_length=2000)
    signups = Signup.objects.filter(
        activity=activity, status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITING, SignupStatus.CHECKED_IN]
    )
    if shift is not None:
        signups = signups.filter(shift=shift)
    users = {s.user_id: s.user for s in signups.select_related("user")}
    heading = f"【{activity.title}】{title}"
    for user in users.values():
        tell(user, heading, body)
    audit.record(
        actor=actor,
        action="volunteers.activity.message",
        obj=activity,
        changes={"recipients": len(users), "shift": shift.pk if shift else None, "title": title},
    )
    return len(users)
