from django.db import models
from django.utils.translation import gettext_lazy as _


class FundingSource(models.TextChoices):
    FISCAL = "fiscal", _("财政资金")
    FUND = "fund", _("基层治理专项基金")
    BOTH = "both", _("财政资金与专项基金")


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING_APPROVAL = "pending_approval", _("待审批")
    APPROVED = "approved", _("已审批")
    PUBLISHED = "published", _("公告中")
    BIDDING_CLOSED = "bidding_closed", _("投标截止")
    OPENED = "opened", _("已开标")
    EVALUATED = "evaluated", _("已评审")
    AWARD_PROPOSED = "award_proposed", _("拟中标")
    PUBLICITY = "publicity", _("公示中")
    AWARDED = "awarded", _("已中标")
    CONTRACTED = "contracted", _("已签约")
    IN_DELIVERY = "in_delivery", _("履约中")
    COMPLETED = "completed", _("已完成")
    CANCELLED = "cancelled", _("已取消")
    FAILED = "failed", _("流标")


class BidStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    WITHDRAWN = "withdrawn", _("已撤回")
    INVALIDATED = "invalidated", _("需重新提交")
    OPENED = "opened", _("已开标")
    DISQUALIFIED = "disqualified", _("无效投标")
    WON = "won", _("中标")
    LOST = "lost", _("未中标")


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("成立")
    DISMISSED = "dismissed", _("不成立")


class MilestoneStatus(models.TextChoices):
    PENDING = "pending", _("未提交")
    SUBMITTED = "submitted", _("待验收")
    RETURNED = "returned", _("退回修改")
    ACCEPTED = "accepted", _("已验收")
    PAID = "paid", _("已支付")


class PaymentSource(models.TextChoices):
    FISCAL = "fiscal", _("财政资金")
    FUND = "fund", _("基层治理专项基金")
