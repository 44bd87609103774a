from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class LegalForm(models.TextChoices):
    SOCIAL_GROUP = "social_group", _("社会团体")
    SOCIAL_SERVICE = "social_service", _("社会服务机构")
    FOUNDATION = "foundation", _("基金会")
    COMMUNITY_FILED = "community_filed", _("社区社会组织(备案)")


REGISTERED_FORMS = frozenset({LegalForm.SOCIAL_GROUP, LegalForm.SOCIAL_SERVICE, LegalForm.FOUNDATION})


class ServiceCategory(models.TextChoices):
    DAILY_LIFE = "daily_life", _("生活服务类")
    CHARITY = "charity", _("公益慈善类")
    MUTUAL_AID = "mutual_aid", _("居民互助类")
    SPECIFIC_GROUPS = "specific_groups", _("特定群体类")


class Grade(models.TextChoices):
    A1 = "1A", "1A"
    A2 = "2A", "2A"
    A3 = "3A", "3A"
    A4 = "4A", "4A"
    A5 = "5A", "5A"


class OrgStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    VERIFIED = "verified", _("已认证")
    REJECTED = "rejected", _("未通过")
    SUSPENDED = "suspended", _("已暂停")


class DocumentKind(models.TextChoices):
    REGISTRATION = "registration", _("登记证书")
    CHARTER = "charter", _("章程")
    FILING = "filing", _("备案证明")
    OTHER = "other", _("其他材料")


class CohortStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    OPEN = "open", _("接受申请")
    REVIEWING = "reviewing", _("评审中")
    RUNNING = "running", _("培育中")
    FINISHED = "finished", _("已结束")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    ADMITTED = "admitted", _("已入孵")
    WAITLISTED = "waitlisted", _("候补")
    DECLINED = "declined", _("未入选")
    WITHDRAWN = "withdrawn", _("已撤回")


class IncubationStatus(models.TextChoices):
    INCUBATING = "incubating", _("培育中")
    MIDTERM = "midterm", _("已中期评估")
    GRADUATED = "graduated", _("已出壳")
    EXITED = "exited", _("已退出")


class ScorecardStage(models.TextChoices):
    ENTRY = "entry", _("入孵")
    MIDTERM = "midterm", _("中期")
    EXIT = "exit", _("出壳")


class GoalStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    ACHIEVED = "achieved", _("已达成")
    DROPPED = "dropped", _("已放弃")


class ReportStatus(models.TextChoices):
    DUE = "due", _("待提交")
    SUBMITTED = "submitted", _("已提交")
    ACCEPTED = "accepted", _("已通过")
    RETURNED = "returned", _("已退回")


# The service tags the platform starts with (migration 0002 adds them), marked for the catalogue
# so that ``ServiceTag.label`` reads them in the visitor's language. A tag the district adds or
# renames has no entry and shows as typed.
DEFAULT_TAG_NAMES = (
    gettext_noop("养老"),
    gettext_noop("助残"),
    gettext_noop("儿童"),
    gettext_noop("青少年"),
    gettext_noop("调解"),
    gettext_noop("环境"),
    gettext_noop("文体"),
    gettext_noop("助餐"),
    gettext_noop("健康"),
    gettext_noop("法律援助"),
    gettext_noop("垃圾分类"),
    gettext_noop("物业协调"),
    gettext_noop("志愿服务"),
    gettext_noop("妇女家庭"),
)
