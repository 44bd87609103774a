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

from .choices import BidStatus, FundingSource, ProjectStatus


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
