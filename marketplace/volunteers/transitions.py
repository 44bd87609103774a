"""The volunteer lifecycles as tables of allowed moves (see core.lifecycle).

Registration, in-service party members' reports, activities, shifts, sign-ups and service-hours
records. Moves that the system makes on its own (a waiting volunteer moved up when a place frees,
a no-show after the shift) name ``SYSTEM``; a service makes them with ``actor=None``.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.core.exceptions import GuardFailed
from marketplace.core.lifecycle import Lifecycle, Transition
from marketplace.core.permissions import OWNER, SYSTEM
from marketplace.core.roles import Role
from search import indexing

from . import conf
from .choices import (
    PARTY_STATUSES,
    ActivityStatus,
    PartyReportStatus,
    RecordStatus,
    ShiftStatus,
    SignupStatus,
    VolunteerStatus,
)
from .models import Activity, PartyReport, ServiceRecord, Shift, Signup, Volunteer
from .policies import ORGANISERS

A, C = Role.DISTRICT_ADMIN, Role.COMMUNITY_WORKER


def _now(context):
    return context.get("at") or timezone.now()


# --- guards ---------------------------------------------------------------------------------
def still_party_member_here(report, *, actor, context):
    volunteer = report.volunteer
    if volunteer.political_status not in PARTY_STATUSES or not volunteer.in_service:
        raise GuardFailed(_("该志愿者已不是在职党员,不能确认报到。"), code="not_in_service_member")
    if volunteer.community_id != report.community_id:
        raise GuardFailed(_("该党员的居住社区已变更,请由新社区确认。"), code="moved_away")


def has_upcoming_shift(activity, *, actor, context):
    now = timezone.now()
    shifts = list(activity.shifts.filter(status=ShiftStatus.SCHEDULED))
    if not any(s.starts_at > now for s in shifts):
        raise GuardFailed(_("请至少设置一个尚未开始的班次。"), code="no_upcoming_shift")
    if activity.signup_deadline > max(s.starts_at for s in shifts):
        raise GuardFailed(_("报名截止时间不能晚于最后一个班次的开始时间。"), code="deadline_after_shifts")


def deadline_ahead(activity, *, actor, context):
    if activity.signup_deadline <= timezone.now():
        raise GuardFailed(_("报名截止时间已过,请先修改报名截止时间。"), code="deadline_passed")


def all_shifts_over(activity, *, actor, context):
    now = timezone.now()
    if activity.shifts.filter(status=ShiftStatus.SCHEDULED, ends_at__gt=now).exists():
        raise GuardFailed(_("还有班次尚未结束。"), code="shifts_not_over")


def shift_not_started(shift, *, actor, context):
    if timezone.now() >= shift.starts_at:
        raise GuardFailed(_("班次已开始,不能取消。"), code="shift_started")


def signup_before_start(signup, *, actor, context):
    if timezone.now() >= signup.shift.starts_at:
        raise GuardFailed(_("班次已开始,不能取消报名。"), code="shift_started")


def check_in_window(shift):
    """The time during which a shift's QR code works: [opens, closes)."""
    return shift.starts_at - conf.checkin_opens_before(), shift.ends_at + conf.checkin_closes_after()


def within_check_in_window(signup, *, actor, context):
    at = _now(context)
    opens, closes = check_in_window(signup.shift)
    if at < opens:
        raise GuardFailed(
            _("签到尚未开始:班次开始前 %(m)s 分钟起可以签到。")
            % {"m": int(conf.checkin_opens_before().total_seconds() // 60)},
            code="too_early",
        )
    if at >= signup.shift.ends_at:
        raise GuardFailed(_("班次已结束,不能再签到。"), code="too_late")


def within_check_out_window(signup, *, actor, context):
    at = _now(context)
    _opens, closes = check_in_window(signup.shift)
    if at >= closes:
        raise GuardFailed(_("签退时间已过,请联系活动组织者确认服务时长。"), code="too_late")
    if signup.checked_in_at and at < signup.checked_in_at:
        raise GuardFailed(_("签退时间不能早于签到时间。"), code="before_check_in")


def shift_over(signup, *, actor, context):
    if timezone.now() < signup.shift.ends_at:
        raise GuardFailed(_("班次尚未结束。"), code="shift_not_over")


# --- tables ---------------------------------------------------------------------------------
V = VolunteerStatus
VOLUNTEER = Lifecycle(
    "volunteers.volunteer",
    model=Volunteer,
    states=VolunteerStatus,
    transitions=[
        Transition("suspend", [V.ACTIVE], V.SUSPENDED, [C, A], _("暂停"), reason_required=True),
        Transition("reinstate", [V.SUSPENDED], V.ACTIVE, [C, A], _("恢复"), reason_required=True),
        Transition("withdraw", [V.ACTIVE], V.WITHDRAWN, [OWNER], _("退出志愿者队伍")),
        Transition("rejoin", [V.WITHDRAWN], V.ACTIVE, [OWNER], _("重新加入")),
    ],
)

PR = PartyReportStatus
PARTY_REPORT = Lifecycle(
    "volunteers.party_report",
    model=PartyReport,
    states=PartyReportStatus,
    transitions=[
        Transition(
            "confirm", [PR.PENDING], PR.CONFIRMED, [C], _("确认报到"), guards=[still_party_member_here]
        ),
        Transition("decline", [PR.PENDING], PR.DECLINED, [C], _("不予确认"), reason_required=True),
        Transition("withdraw", [PR.PENDING], PR.WITHDRAWN, [OWNER], _("撤回报到")),
        # Moving away or leaving the job ends the report; the member or the community says so.
        Transition("end", [PR.CONFIRMED], PR.ENDED, [C, OWNER], _("结束报到"), reason_required=True),
    ],
)

# Search lists published and finished activities, marking those that take sign-ups.
REINDEX = [indexing.on_transition("activity")]

AC = ActivityStatus
ACTIVITY = Lifecycle(
    "volunteers.activity",
    model=Activity,
    states=ActivityStatus,
    transitions=[
        Transition(
            "publish",
            [AC.DRAFT],
            AC.PUBLISHED,
            ORGANISERS,
            _("发布活动"),
            guards=[deadline_ahead, has_upcoming_shift],
            effects=REINDEX,
        ),
        Transition(
            "cancel",
            [AC.DRAFT, AC.PUBLISHED],
            AC.CANCELLED,
            [*ORGANISERS, A],
            _("取消活动"),
            reason_required=True,
            effects=REINDEX,
        ),
        # The scheduler finishes an activity after its last shift; its organisers may too.
        Transition(
            "finish",
            [AC.PUBLISHED],
            AC.FINISHED,
            [*ORGANISERS, SYSTEM],
            _("结束活动"),
            guards=[all_shifts_over],
            effects=REINDEX,
        ),
    ],
)

SH = ShiftStatus
SHIFT = Lifecycle(
    "volunteers.shift",
    model=Shift,
    states=ShiftStatus,
    transitions=[
        Transition(
            "cancel",
            [SH.SCHEDULED],
            SH.CANCELLED,
            [*ORGANISERS, A],
            _("取消班次"),
            guards=[shift_not_started],
            reason_required=True,
        ),
    ],
)

SU = SignupStatus
SIGNUP = Lifecycle(
    "volunteers.signup",
    model=Signup,
    states=SignupStatus,
    transitions=[
        # A place freed: the first on the waiting list moves up (the system, in the same
        # transaction as the cancellation that freed it).
        Transition("promote", [SU.WAITING], SU.CONFIRMED, [SYSTEM], _("候补转正")),
        Transition(
            "cancel",
            [SU.CONFIRMED, SU.WAITING],
            SU.CANCELLED,
            [OWNER],
            _("取消报名"),
            guards=[signup_before_start],
        ),
        # The organiser removes a sign-up, or the shift is cancelled.
        Transition(
            "void",
            [SU.CONFIRMED, SU.WAITING],
            SU.CANCELLED,
            [*ORGANISERS, A, SYSTEM],
            _("撤销报名"),
            reason_required=True,
        ),
        Transition(
            "check_in",
            [SU.CONFIRMED],
            SU.CHECKED_IN,
            [OWNER, *ORGANISERS],
            _("签到"),
            guards=[within_check_in_window],
        ),
        Transition(
            "check_out",
            [SU.CHECKED_IN],
            SU.CHECKED_OUT,
            [OWNER, *ORGANISERS],
            _("签退"),
            guards=[within_check_out_window],
        ),
        Transition(
            "no_show", [SU.CONFIRMED], SU.NO_SHOW, [*ORGANISERS, SYSTEM], _("记为未到岗"), guards=[shift_over]
        ),
    ],
)

R = RecordStatus
RECORD = Lifecycle(
    "volunteers.record",
    model=ServiceRecord,
    states=RecordStatus,
    transitions=[
        Transition("confirm", [R.PENDING], R.CONFIRMED, ORGANISERS, _("确认时长")),
        Transition("reject", [R.PENDING], R.REJECTED, ORGANISERS, _("不予认可"), reason_required=True),
        # Only as part of a correction: the new record takes its place (services.record_correct).
        Transition(
            "supersede", [R.PENDING, R.CONFIRMED], R.SUPERSEDED, ORGANISERS, _("更正"), reason_required=True
        ),
    ],
)
