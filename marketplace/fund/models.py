"""The governance fund (基层治理专项基金): funds and sub-funds, donations, a double-entry ledger,
disbursements and scheduled disclosures.

Money is integer fen. Balances are never stored: they are sums of ``Posting`` rows, and journal
entries and postings are append-only (a correction is a reversing entry). Each entry carries a
unique ``key`` naming the effect it books ("donation:12:credit"), so an effect is booked once
however often the payment provider tells us about it. Statuses move only through the tables in
``transitions.py``; writes go through ``services``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.core.fields import EncryptedTextField
from marketplace.core.masking import mask_name
from marketplace.core.models import AppendOnlyModel
from marketplace.core.validators import validate_uscc

from .choices import (
    AccountKind,
    DisbursementStatus,
    DisbursementTarget,
    DonationChannel,
    DonationStatus,
    EntryKind,
    SubFundKind,
)

# A donation's minimum: one yuan.
MIN_DONATION_FEN = 100


class Fund(models.Model):
    district = models.ForeignKey(
        "places.District", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.SlugField(_("基金代码"), max_length=40, unique=True)
    name = models.CharField(_("基金名称"), max_length=150)
    # The legal host: a charity organisation with public-fundraising status (公开募捐资格).
    host_name = models.CharField(_("基金主管慈善组织"), max_length=150)
    host_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, validators=[validate_uscc])
    purpose = models.TextField(_("基金用途"))
    active = models.BooleanField(_("接受捐赠"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    SCOPE_LOOKUPS = {"district": "district_id"}

    class Meta:
        verbose_name = _("专项基金")
        verbose_name_plural = _("专项基金")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def scope_chain(self):
        return [("fund", self.pk), ("district", self.district_id)]


class SubFund(models.Model):
    """Restricted money: what is given to a sub-fund is spent only on its purpose."""

    fund = models.ForeignKey(Fund, verbose_name=_("基金"), on_delete=models.PROTECT, related_name="subfunds")
    code = models.SlugField(_("专项代码"), max_length=40)
    name = models.CharField(_("专项名称"), max_length=150)
    kind = models.CharField(_("专项类型"), max_length=16, choices=SubFundKind.choices)
    street = models.ForeignKey(
        "places.Street",
        verbose_name=_("街道"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    project = models.ForeignKey(
        "procurement.Project",
        verbose_name=_("服务项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    theme = models.CharField(_("主题"), max_length=100, blank=True)
    purpose = models.TextField(_("专项用途"))
    active = models.BooleanField(_("接受捐赠"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    SCOPE_LOOKUPS = {"district": "fund__district_id"}

    class Meta:
        verbose_name = _("专项子基金")
        verbose_name_plural = _("专项子基金")
        ordering = ["fund", "code"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "code"], name="fund_subfund_code_unique"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind=SubFundKind.STREET, street__isnull=False, project__isnull=True)
                    | models.Q(kind=SubFundKind.PROJECT, project__isnull=False, street__isnull=True)
                    | models.Q(kind=SubFundKind.THEME, project__isnull=True, street__isnull=True)
                ),
                name="fund_subfund_kind_target",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def scope_chain(self):
        return [("subfund", self.pk), *self.fund.scope_chain()]


class LedgerAccount(models.Model):
    """Per fund: one cash account, and one net-assets account per pot (the general pot, with no
    sub-fund, and one per sub-fund)."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="accounts")
    subfund = models.ForeignKey(
        SubFund, null=True, blank=True, on_delete=models.PROTECT, related_name="accounts"
    )
    kind = models.CharField(_("科目类型"), max_length=16, choices=AccountKind.choices)

    class Meta:
        verbose_name = _("基金科目")
        verbose_name_plural = _("基金科目")
        ordering = ["fund", "kind", "subfund"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "kind"],
                condition=models.Q(subfund__isnull=True),
                name="fund_account_unique_general",
            ),
            models.UniqueConstraint(
                fields=["subfund", "kind"],
                condition=models.Q(subfund__isnull=False),
                name="fund_account_unique_subfund",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=AccountKind.CASH, subfund__isnull=False),
                name="fund_account_cash_is_fund_wide",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund.code}:{self.kind}:{self.subfund_id or 'general'}"


class Donation(models.Model):
    fund = models.ForeignKey(Fund, verbose_name=_("基金"), on_delete=models.PROTECT, related_name="donations")
    subfund = models.ForeignKey(
        SubFund,
        verbose_name=_("专项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="donations",
    )
    amount_fen = models.PositiveBigIntegerField(_("金额(分)"))
    donor_name = models.CharField(_("捐赠人"), max_length=100, blank=True)
    anonymous = models.BooleanField(_("匿名"), default=False)
    donor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("捐赠账户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="donations",
    )
    # Where the receipt goes; never public, never sent to the payment provider.
    contact = EncryptedTextField(_("收据联系方式"), blank=True)
    channel = models.CharField(_("捐赠方式"), max_length=16, choices=DonationChannel.choices)
    status = models.CharField(
        _("状态"), max_length=24, choices=DonationStatus.choices, default=DonationStatus.PENDING
    )
    refunded_fen = models.PositiveBigIntegerField(_("已退款(分)"), default=0)
    # The Stripe PaymentIntent id.
    provider_payment_id = models.CharField(_("支付单号"), max_length=255, unique=True, null=True, blank=True)
    receipt_number = models.CharField(_("收据编号"), max_length=40, unique=True, null=True, blank=True)
    evidence = models.ForeignKey(
        "core.PrivateFile",
        verbose_name=_("到账凭证"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_on = models.DateField(_("到账日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    credited_at = models.DateTimeField(_("到账时间"), null=True, blank=True)

    SCOPE_LOOKUPS = {"district": "fund__district_id", "user": "donor_user_id"}

    class Meta:
        verbose_name = _("捐赠")
        verbose_name_plural = _("捐赠")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["fund", "status", "credited_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_fen__gte=MIN_DONATION_FEN), name="fund_donation_min_amount"
            ),
            models.CheckConstraint(
                condition=models.Q(refunded_fen__lte=models.F("amount_fen")),
                name="fund_donation_refund_le_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.amount_fen}"

    @property
    def public_donor_name(self) -> str:
        """What the public sees: 匿名, or the name masked (张**)."""
        if self.anonymous or not self.donor_name:
            return str(_("匿名"))
        return mask_name(self.donor_name)

    @property
    def receipt_donor_name(self) -> str:
        """What the receipt shows: the donor's name, or 匿名."""
        if self.anonymous or not self.donor_name:
            return str(_("匿名"))
        return self.donor_name

    def scope_chain(self):
        chain = [("donation", self.pk), *self.fund.scope_chain()]
        if self.donor_user_id:
            chain.append(("user", self.donor_user_id))
        return chain


class Disbursement(models.Model):
    fund = models.ForeignKey(
        Fund, verbose_name=_("基金"), on_delete=models.PROTECT, related_name="disbursements"
    )
    subfund = models.ForeignKey(
        SubFund,
        verbose_name=_("专项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disbursements",
    )
    amount_fen = models.PositiveBigIntegerField(_("金额(分)"))
    target_kind = models.CharField(_("拨付对象"), max_length=16, choices=DisbursementTarget.choices)
    milestone = models.ForeignKey(
        "procurement.Milestone",
        verbose_name=_("履约节点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fund_disbursements",
    )
    incubation = models.ForeignKey(
        "organizations.Incubation",
        verbose_name=_("孵化记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fund_disbursements",
    )
    purpose = models.TextField(_("用途说明"))
    status = models.CharField(
        _("状态"), max_length=20, choices=DisbursementStatus.choices, default=DisbursementStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提出人"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    second_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("复核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    second_approved_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("驳回人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rejected_at = models.DateTimeField(_("驳回时间"), null=True, blank=True)
    reject_reason = models.TextField(_("驳回原因"), blank=True)
    paid_at = models.DateTimeField(_("拨付时间"), null=True, blank=True)

    SCOPE_LOOKUPS = {"district": "fund__district_id"}

    class Meta:
        verbose_name = _("基金拨付")
        verbose_name_plural = _("基金拨付")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="fund_disbursement_positive"),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        target_kind=DisbursementTarget.MILESTONE,
                        milestone__isnull=False,
                        incubation__isnull=True,
                    )
                    | models.Q(
                        target_kind=DisbursementTarget.INCUBATION,
                        incubation__isnull=False,
                        milestone__isnull=True,
                    )
                ),
                name="fund_disbursement_one_target",
            ),
            # A milestone's fund payment is disbursed once: at most one live disbursement each.
            models.UniqueConstraint(
                fields=["milestone"],
                condition=models.Q(milestone__isnull=False) & ~models.Q(status=DisbursementStatus.REJECTED),
                name="fund_disbursement_one_per_milestone",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.amount_fen}"

    def scope_chain(self):
        return [("disbursement", self.pk), *self.fund.scope_chain()]

    @property
    def reference(self) -> str:
        """The number handed to procurement as the milestone payment's disbursement reference."""
        return f"fund-disbursement:{self.pk}"


class JournalEntry(AppendOnlyModel):
    """One movement of money. Its postings sum to zero."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="journal_entries")
    # The effect booked, once: "donation:12:credit", "donation:12:refund:5000", "disbursement:7:paid".
    key = models.CharField(_("记账键"), max_length=120, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=EntryKind.choices)
    memo = models.CharField(_("摘要"), max_length=200, blank=True)
    donation = models.ForeignKey(
        Donation, null=True, blank=True, on_delete=models.PROTECT, related_name="journal_entries"
    )
    disbursement = models.ForeignKey(
        Disbursement, null=True, blank=True, on_delete=models.PROTECT, related_name="journal_entries"
    )
    created_at = models.DateTimeField(_("记账时间"), default=timezone.now)

    class Meta:
        verbose_name = _("记账凭证")
        verbose_name_plural = _("记账凭证")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.key


class Posting(AppendOnlyModel):
    """One line of an entry: positive is a debit, negative a credit."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="postings")
    amount_fen = models.BigIntegerField(_("金额(分)"))

    class Meta:
        verbose_name = _("分录")
        verbose_name_plural = _("分录")
        ordering = ["entry", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount_fen=0), name="fund_posting_nonzero"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}:{self.account_id}:{self.amount_fen}"


class WebhookEvent(models.Model):
    """A payment provider's event, stored by its id: a repeated delivery finds it already here."""

    provider_event_id = models.CharField(_("事件编号"), max_length=255, unique=True)
    type = models.CharField(_("事件类型"), max_length=100)
    payload = models.JSONField(_("内容"), default=dict)
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now)
    processed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("处理次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("支付回调事件")
        verbose_name_plural = _("支付回调事件")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.provider_event_id}"


class Disclosure(models.Model):
    """A disclosure the law requires on a schedule (信息公开): due on a date, then published."""

    fund = models.ForeignKey(
        Fund, verbose_name=_("基金"), on_delete=models.PROTECT, related_name="disclosures"
    )
    title = models.CharField(_("标题"), max_length=200)
    due_on = models.DateField(_("应公开日期"))
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    body = models.TextField(_("内容"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    SCOPE_LOOKUPS = {"district": "fund__district_id"}

    class Meta:
        verbose_name = _("信息公开")
        verbose_name_plural = _("信息公开")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title

    def scope_chain(self):
        return [("disclosure", self.pk), *self.fund.scope_chain()]
