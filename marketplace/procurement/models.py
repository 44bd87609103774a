"""Service projects that streets buy from social organisations (政府购买服务).

Bids are sealed: their contents are stored encrypted under a key of the project's own
(``ProjectKey``), which the application uses for anyone but the bidder only after the project
has been opened (see ``sealing.py`` and ``selectors.bid_contents``). Statuses move only through
the tables in ``transitions.py``; writes go through ``services.py``.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.organizations.choices import Grade, ServiceCategory

from .choices import (
    BidStatus,
    FundingSource,
    MilestoneStatus,
    ObjectionStatus,
    PaymentSource,
    ProjectStatus,
)


class Project(models.Model):
    district = models.ForeignKey("places.District", on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(
        "places.Street", verbose_name=_("采购街道"), on_delete=models.PROTECT, related_name="projects"
    )
    community = models.ForeignKey(
        "places.Community",
        verbose_name=_("服务社区"),
        on_delete=models.PROTECT,
        related_name="projects",
        null=True,
        blank=True,
    )
    title = models.CharField(_("项目名称"), max_length=150)
    category = models.CharField(_("服务类别"), max_length=32, choices=ServiceCategory.choices)
    description = models.TextField(_("项目内容"))
    service_targets = models.TextField(_("服务对象"))
    performance_goals = models.TextField(_("绩效目标"))
    budget_ceiling_fen = models.PositiveBigIntegerField(_("预算上限(分)"))
    funding_source = models.CharField(_("资金来源"), max_length=16, choices=FundingSource.choices)
    # Eligibility beyond "verified and not suspended", which always applies.
    min_grade = models.CharField(_("最低评估等级"), max_length=2, choices=Grade.choices, blank=True)
    required_categories = models.JSONField(_("限定服务类别"), default=list, blank=True)
    bid_open_at = models.DateTimeField(_("投标开始"))
    bid_close_at = models.DateTimeField(_("投标截止"))
    service_start = models.DateField(_("服务开始"))
    service_end = models.DateField(_("服务结束"))
    min_valid_bids = models.PositiveSmallIntegerField(_("最少有效投标数"), default=3)
    publicity_working_days = models.PositiveSmallIntegerField(_("公示期(工作日)"), default=5)
    status = models.CharField(
        _("状态"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT
    )
    # A failed project (流标) is published again as a new round that points to the one before.
    previous_round = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_round"
    )
    # Bumped when published terms change: bids made under older terms must be submitted again.
    terms_version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    opened_at = models.DateTimeField(_("开标时间"), null=True, blank=True)
    cancel_reason = models.TextField(_("取消原因"), blank=True)
    # The evaluation committee's written reasons for its ranking (评审意见).
    evaluation_report = models.TextField(_("评审报告"), blank=True)
    awarded_bid = models.OneToOneField(
        "Bid", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("中标投标")
    )
    publicity_ends_at = models.DateTimeField(_("公示截止"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    SCOPE_LOOKUPS = {"project": "id", "street": "street_id", "district": "district_id"}

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "street"]),
            models.Index(fields=["status", "bid_close_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget_ceiling_fen__gt=0), name="project_budget_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(bid_open_at__lt=models.F("bid_close_at")), name="project_bid_window_order"
            ),
            models.CheckConstraint(
                condition=models.Q(service_start__lte=models.F("service_end")),
                name="project_service_period_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def scope_chain(self):
        return [("project", self.pk), ("street", self.street_id), ("district", self.district_id)]

    def bidding_is_open(self, now=None) -> bool:
        """The server clock decides: a bid at bid_close_at or later is late."""
        now = now or timezone.now()
        return self.status == ProjectStatus.PUBLISHED and self.bid_open_at <= now < self.bid_close_at


class EvaluationCriterion(models.Model):
    """A weighted criterion; the weights of a project's criteria sum to 100, one of them price."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("评分项"), max_length=100)
    weight = models.PositiveSmallIntegerField(
        _("权重"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    is_price = models.BooleanField(_("价格分"), default=False)
    guidance = models.TextField(_("评分标准"), blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("评分项")
        verbose_name_plural = _("评分项")
        ordering = ["project", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project"], condition=models.Q(is_price=True), name="one_price_criterion_per_project"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.weight})"


class ProjectKey(models.Model):
    """The project's own sealing key, itself encrypted under the portal's field keys. Bids are
    sealed with it; only ``sealing.unseal`` uses it, under the opening rule."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="seal_key")
    wrapped_key = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)


class Question(models.Model):
    """Public Q&A (答疑): every bidder sees every answer."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="questions")
    asked_by_org = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+", null=True
    )
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("问题"))
    asked_at = models.DateTimeField(_("提问时间"), default=timezone.now)
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("答疑")
        verbose_name_plural = _("答疑")
        ordering = ["asked_at", "id"]


class Bid(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="bids")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="bids"
    )
    status = models.CharField(_("状态"), max_length=20, choices=BidStatus.choices, default=BidStatus.DRAFT)
    # Everything the bidder wrote (price, proposal, team, declarations, attachment ids), sealed.
    sealed_contents = models.TextField(blank=True)
    # The receipt: SHA-256 of the canonical contents and the submission time, given to the bidder.
    content_hash = models.CharField(_("内容摘要"), max_length=64, blank=True)
    terms_version = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Written from the sealed contents at opening, so that ranking and the public result can use it.
    price_fen = models.PositiveBigIntegerField(_("投标报价(分)"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    SCOPE_LOOKUPS = {
        "organization": "organization_id",
        "project": "project_id",
        "street": "project__street_id",
        "district": "project__district_id",
    }

    class Meta:
        verbose_name = _("投标")
        verbose_name_plural = _("投标")
        ordering = ["project", "submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "organization"], name="one_bid_per_org_per_project")
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.project}"

    def scope_chain(self):
        # The bidding organisation first: only its members hold a role over the contents
        # before opening; the project's chain follows for the staff moves made after it.
        return [("bid", self.pk), ("organization", self.organization_id), *self.project.scope_chain()]


# --- evaluation -----------------------------------------------------------------------------
class ConflictDeclaration(models.Model):
    """An evaluator's declaration of no conflict of interest, required before scoring."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="conflict_declarations")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    statement = models.TextField(_("声明内容"))
    declared_at = models.DateTimeField(_("声明时间"), default=timezone.now)

    class Meta:
        verbose_name = _("回避声明")
        verbose_name_plural = _("回避声明")
        constraints = [
            models.UniqueConstraint(fields=["project", "evaluator"], name="one_declaration_per_evaluator")
        ]


class Score(models.Model):
    """One evaluator's score (0–100) of one non-price criterion of one opened bid."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(EvaluationCriterion, on_delete=models.PROTECT, related_name="scores")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(_("得分"), validators=[MaxValueValidator(100)])
    comment = models.TextField(_("评语"), blank=True)
    scored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        constraints = [
            models.UniqueConstraint(fields=["bid", "criterion", "evaluator"], name="one_score_per_evaluator"),
            models.CheckConstraint(condition=models.Q(value__lte=100), name="score_range"),
        ]


class BidResult(models.Model):
    """The computed result of an opened bid: scores in thousandths of a point, and its rank."""

    bid = models.OneToOneField(Bid, on_delete=models.CASCADE, related_name="result")
    price_score_milli = models.PositiveIntegerField(_("价格得分(千分)"))
    other_score_milli = models.PositiveIntegerField(_("其他得分(千分)"))
    total_score_milli = models.PositiveIntegerField(_("总分(千分)"))
    rank = models.PositiveSmallIntegerField(_("排名"))
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("评审结果")
        verbose_name_plural = _("评审结果")
        ordering = ["rank"]


class Objection(models.Model):
    """A bidder's objection (质疑) during the publicity period, and the street's answer."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="objections")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("质疑内容"))
    submitted_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    status = models.CharField(
        _("状态"), max_length=20, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    response = models.TextField(_("答复"), blank=True)
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    SCOPE_LOOKUPS = {
        "organization": "organization_id",
        "street": "project__street_id",
        "district": "project__district_id",
    }

    class Meta:
        verbose_name = _("质疑")
        verbose_name_plural = _("质疑")
        ordering = ["submitted_at", "id"]

    def scope_chain(self):
        return [("objection", self.pk), ("organization", self.organization_id), *self.project.scope_chain()]


# --- contract and delivery ------------------------------------------------------------------
class Contract(models.Model):
    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="contract")
    bid = models.OneToOneField(Bid, on_delete=models.PROTECT, related_name="contract")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="contracts"
    )
    amount_fen = models.PositiveBigIntegerField(_("合同金额(分)"))
    terms = models.TextField(_("合同主要条款"), blank=True)
    signed_at = models.DateTimeField(_("签订时间"), default=timezone.now)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(_("验收完成时间"), null=True, blank=True)

    SCOPE_LOOKUPS = {
        "organization": "organization_id",
        "street": "project__street_id",
        "district": "project__district_id",
    }

    class Meta:
        verbose_name = _("服务合同")
        verbose_name_plural = _("服务合同")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="contract_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.organization}"

    def scope_chain(self):
        return [("contract", self.pk), ("organization", self.organization_id), *self.project.scope_chain()]


class ContractAmendment(models.Model):
    """A change to a signed contract, kept with what it changed (合同变更)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="amendments")
    description = models.TextField(_("变更内容"))
    amount_fen_before = models.PositiveBigIntegerField(_("变更前金额(分)"))
    amount_fen_after = models.PositiveBigIntegerField(_("变更后金额(分)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("合同变更")
        verbose_name_plural = _("合同变更")
        ordering = ["created_at", "id"]


class Milestone(models.Model):
    """A payment milestone (e.g. 30/40/30): its share of the contract, deliverables and due date."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="milestones")
    seq = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("节点"), max_length=150)
    percent = models.PositiveSmallIntegerField(
        _("比例(%)"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    amount_fen = models.PositiveBigIntegerField(_("金额(分)"))
    due_on = models.DateField(_("到期日"))
    deliverables = models.TextField(_("交付成果"))
    status = models.CharField(
        _("状态"), max_length=20, choices=MilestoneStatus.choices, default=MilestoneStatus.PENDING
    )

    SCOPE_LOOKUPS = {
        "organization": "contract__organization_id",
        "street": "contract__project__street_id",
        "district": "contract__project__district_id",
    }

    class Meta:
        verbose_name = _("履约节点")
        verbose_name_plural = _("履约节点")
        ordering = ["contract", "seq"]
        constraints = [models.UniqueConstraint(fields=["contract", "seq"], name="milestone_seq_unique")]

    def __str__(self) -> str:
        return f"{self.seq}. {self.title}"

    def scope_chain(self):
        return [("milestone", self.pk), *self.contract.scope_chain()]


class MilestoneReport(models.Model):
    """The organisation's delivery report for a milestone, with evidence, and the street's review."""

    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="reports")
    content = models.TextField(_("履约报告"))
    evidence_file_ids = models.JSONField(_("佐证材料"), default=list, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    review_note = models.TextField(_("验收意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("履约报告")
        verbose_name_plural = _("履约报告")
        ordering = ["submitted_at", "id"]


class Payment(models.Model):
    """A milestone payment and where the money came from. Money from the governance fund is paid
    through a fund disbursement; ``fund_disbursement_ref`` is the hand-over point to it."""

    milestone = models.OneToOneField(Milestone, on_delete=models.PROTECT, related_name="payment")
    amount_fen = models.PositiveBigIntegerField(_("金额(分)"))
    source = models.CharField(_("资金来源"), max_length=16, choices=PaymentSource.choices)
    fund_disbursement_ref = models.CharField(_("基金拨付编号"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("节点付款")
        verbose_name_plural = _("节点付款")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="payment_amount_positive")
        ]


class Rating(models.Model):
    """The street's rating of a completed contract, on the organisation's public record."""

    contract = models.OneToOneField(Contract, on_delete=models.PROTECT, related_name="rating")
    score = models.PositiveSmallIntegerField(
        _("评分(1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("评价"), blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("履约评价")
        verbose_name_plural = _("履约评价")
        constraints = [
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="rating_range")
        ]
