from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class PoliticalStatus(models.TextChoices):
    PARTY_MEMBER = "party_member", _("中共党员")
    PROBATIONARY = "probationary", _("中共预备党员")
    LEAGUE_MEMBER = "league_member", _("共青团员")
    MASSES = "masses", _("群众")


# Both full and probationary members belong to a party organisation, report to their community
# and may join "party members only" activities (预备党员 take part in the party's life too).
PARTY_STATUSES = frozenset({PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY})


class ResidentRole(models.TextChoices):
    NPC_DEPUTY = "npc_deputy", _("人大代表")
    PARTY_DEPUTY = "party_deputy", _("党代表")
    CPPCC_MEMBER = "cppcc_member", _("政协委员")
    OWNERS_COMMITTEE = "owners_committee", _("业委会成员")
    PROPERTY_STAFF = "property_staff", _("物业人员")
    BUILDING_LEADER = "building_leader", _("楼栋长")
    RESIDENT_REP = "resident_rep", _("居民代表")


class Availability(models.TextChoices):
    WEEKDAY_DAYTIME = "weekday_daytime", _("工作日白天")
    WEEKDAY_EVENING = "weekday_evening", _("工作日晚上")
    WEEKEND = "weekend", _("周末")
    HOLIDAY = "holiday", _("节假日")
    ON_CALL = "on_call", _("应急随叫随到")


class VolunteerStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    SUSPENDED = "suspended", _("已暂停")
    WITHDRAWN = "withdrawn", _("已退出")


class PartyReportStatus(models.TextChoices):
    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已报到")
    DECLINED = "declined", _("未通过")
    WITHDRAWN = "withdrawn", _("已撤回")
    ENDED = "ended", _("已结束")


# A member has at most one report that is waiting or in force.
OPEN_REPORT_STATUSES = frozenset({PartyReportStatus.PENDING, PartyReportStatus.CONFIRMED})


class OrganizerKind(models.TextChoices):
    COMMUNITY = "community", _("社区")
    GRID = "grid", _("网格")
    STREET = "street", _("街道")
    ORGANIZATION = "organization", _("社会组织")


class ActivityStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("报名中")
    CANCELLED = "cancelled", _("已取消")
    FINISHED = "finished", _("已结束")


class ShiftStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("正常")
    CANCELLED = "cancelled", _("已取消")


class SignupStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("已报名")
    WAITING = "waiting", _("候补中")
    CANCELLED = "cancelled", _("已取消")
    CHECKED_IN = "checked_in", _("已签到")
    CHECKED_OUT = "checked_out", _("已签退")
    NO_SHOW = "no_show", _("未到岗")


# A sign-up that holds (or waits for) a place: the volunteer cannot sign up for the shift again.
LIVE_SIGNUP_STATUSES = frozenset(
    {SignupStatus.CONFIRMED, SignupStatus.WAITING, SignupStatus.CHECKED_IN, SignupStatus.CHECKED_OUT}
)
# A sign-up that takes one of the shift's places.
PLACE_TAKING_STATUSES = frozenset({SignupStatus.CONFIRMED, SignupStatus.CHECKED_IN, SignupStatus.CHECKED_OUT})


class RecordStatus(models.TextChoices):
    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("未认可")
    SUPERSEDED = "superseded", _("已更正")


# A sign-up has at most one record that is waiting or counts.
CURRENT_RECORD_STATUSES = frozenset({RecordStatus.PENDING, RecordStatus.CONFIRMED})


class StarLevel(models.IntegerChoices):
    NONE = 0, _("未评星")
    ONE = 1, _("一星志愿者")
    TWO = 2, _("二星志愿者")
    THREE = 3, _("三星志愿者")
    FOUR = 4, _("四星志愿者")
    FIVE = 5, _("五星志愿者")


# Confirmed cumulative hours needed for each star (志愿服务记录与证明出具办法 / 星级认定).
STAR_THRESHOLD_HOURS = {
    StarLevel.ONE: 100,
    StarLevel.TWO: 300,
    StarLevel.THREE: 600,
    StarLevel.FOUR: 1000,
    StarLevel.FIVE: 1500,
}


# The skills the platform starts with (migration 0002 adds them), marked for the catalogue so that
# ``Skill.label`` reads them in the visitor's language. A skill the district adds or renames has
# no entry and shows as typed.
DEFAULT_SKILL_NAMES = (
    gettext_noop("助老服务"),
    gettext_noop("儿童关爱"),
    gettext_noop("助残服务"),
    gettext_noop("医疗护理"),
    gettext_noop("应急救护"),
    gettext_noop("心理疏导"),
    gettext_noop("法律咨询"),
    gettext_noop("矛盾调解"),
    gettext_noop("教育辅导"),
    gettext_noop("文体活动"),
    gettext_noop("宣传摄影"),
    gettext_noop("信息技术"),
    gettext_noop("家电维修"),
    gettext_noop("环境保护"),
    gettext_noop("治安巡逻"),
    gettext_noop("外语翻译"),
)
