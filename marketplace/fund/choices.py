from django.db import models
from django.utils.translation import gettext_lazy as _


class SubFundKind(models.TextChoices):
    STREET = "street", _("街道专项")
    THEME = "theme", _("主题专项")
    PROJECT = "project", _("项目专项")


class DonationChannel(models.TextChoices):
    ONLINE = "online", _("在线捐赠")
    OFFLINE = "offline", _("线下捐赠")


class DonationStatus(models.TextChoices):
    PENDING = "pending", _("待支付")
    SUCCEEDED = "succeeded", _("已到账")
    FAILED = "failed", _("支付失败")
    REFUNDED = "refunded", _("已退款")
    PARTIALLY_REFUNDED = "partially_refunded", _("部分退款")


# Donations whose money reached the fund (part of it may have been given back since).
CREDITED_STATUSES = (
    DonationStatus.SUCCEEDED,
    DonationStatus.PARTIALLY_REFUNDED,
    DonationStatus.REFUNDED,
)


class DisbursementTarget(models.TextChoices):
    MILESTONE = "milestone", _("服务项目履约节点")
    INCUBATION = "incubation", _("孵化资助")


class DisbursementStatus(models.TextChoices):
    PROPOSED = "proposed", _("待审批")
    AWAITING_SECOND = "awaiting_second", _("待复核")
    APPROVED = "approved", _("已批准")
    PAID = "paid", _("已拨付")
    REJECTED = "rejected", _("已驳回")


class AccountKind(models.TextChoices):
    # The money the host holds for the fund (an asset: debit-normal).
    CASH = "cash", _("基金存款")
    # A pot's net assets: the fund's general pot or a sub-fund (credit-normal).
    POT = "pot", _("基金净资产")


class EntryKind(models.TextChoices):
    DONATION = "donation", _("捐赠入账")
    REFUND = "refund", _("捐赠退款")
    DISBURSEMENT = "disbursement", _("拨付")
