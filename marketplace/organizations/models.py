"""Social organisations (社会组织) and the district's incubator (孵化培育).

Statuses move only through the tables in ``transitions.py``; writes go through ``services.py``.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from marketplace.core.masking import mask_phone

from .choices import (
    ApplicationStatus,
    CohortStatus,
    DocumentKind,
    GoalStatus,
    Grade,
    IncubationStatus,
    LegalForm,
    OrgStatus,
    ReportStatus,
    ScorecardStage,
    ServiceCategory,
)


class ServiceTag(models.Model):
    """A finer service tag (养老, 助残, 儿童, 调解, 环境, 文体 ...)."""

    slug = models.SlugField(_("标识"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("服务标签")
        verbose_name_plural = _("服务标签")
        ordering = ["sort_order", "slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name in the visitor's language: the platform's own tags are in the catalogue
        (``choices.DEFAULT_TAG_NAMES``); a tag the district named itself reads as typed."""
        return gettext(self.name)


class Organization(models.Model):
    name = models.CharField(_("组织名称"), max_length=100, unique=True)
    legal_form = models.CharField(_("组织形式"), max_length=32, choices=LegalForm.choices)
    # Unique when present; community organisations on file (备案) have none.
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, null=True, blank=True)
    # The code failed its check character but the registrant says it is printed on the certificate;
    # the district verifies it by hand and records why (``uscc_override_reason``).
    uscc_check_failed = models.BooleanField(_("信用代码校验未通过"), default=False)
    uscc_override_reason = models.TextField(_("信用代码人工核验说明"), blank=True)
    legal_representative = models.CharField(_("法定代表人/负责人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=20)
    address = models.CharField(_("地址"), max_length=200)
    district = models.ForeignKey("places.District", on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(
        "places.Street", verbose_name=_("所在街道"), on_delete=models.PROTECT, related_name="organizations"
    )
    community = models.ForeignKey(
        "places.Community",
        verbose_name=_("所在社区"),
        on_delete=models.PROTECT,
        related_name="organizations",
        null=True,
        blank=True,
    )
    category = models.CharField(_("服务类别"), max_length=32, choices=ServiceCategory.choices)
    tags = models.ManyToManyField(
        ServiceTag, verbose_name=_("服务标签"), blank=True, related_name="organizations"
    )
    founded_on = models.DateField(_("成立日期"))
    grade = models.CharField(_("评估等级"), max_length=2, choices=Grade.choices, blank=True)
    grade_expires_on = models.DateField(_("等级有效期至"), null=True, blank=True)
    description = models.TextField(_("组织简介"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=OrgStatus.choices, default=OrgStatus.PENDING)
    verified_at = models.DateTimeField(_("认证时间"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    SCOPE_LOOKUPS = {
        "organization": "id",
        "community": "community_id",
        "street": "street_id",
        "district": "district_id",
    }

    class Meta:
        verbose_name = _("社会组织")
        verbose_name_plural = _("社会组织")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["status", "street", "category"]),
            models.Index(fields=["status", "community"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(grade="") | models.Q(grade_expires_on__isnull=False),
                name="org_grade_needs_expiry",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def scope_chain(self):
        chain = [("organization", self.pk)]
        if self.community_id:
            chain.append(("community", self.community_id))
        chain += [("street", self.street_id), ("district", self.district_id)]
        return chain

    @property
    def masked_contact_phone(self) -> str:
        return mask_phone(self.contact_phone)

    def grade_valid_on(self, day) -> bool:
        return bool(self.grade) and self.grade_expires_on is not None and self.grade_expires_on >= day


class OrganizationDocument(models.Model):
    """A registration certificate, charter or other document: a private file of the organisation."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("材料类型"), max_length=20, choices=DocumentKind.choices)
    file = models.OneToOneField("core.PrivateFile", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("组织材料")
        verbose_name_plural = _("组织材料")
        ordering = ["kind", "uploaded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.file.original_name}"

    def scope_chain(self):
        return self.organization.scope_chain()


# --- Incubator ------------------------------------------------------------------------------
def default_criteria() -> dict:
    return {
        "require_registered_or_filed": True,
        "min_scorecard_average": "3.5",
        "min_completed_activities": 1,
    }


class Cohort(models.Model):
    """An open call (一期孵化) with its dates, capacity, application questions and the criteria
    the system checks before an organisation may graduate."""

    district = models.ForeignKey("places.District", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("期次名称"), max_length=100, unique=True)
    description = models.TextField(_("简介"), blank=True)
    applications_open_at = models.DateTimeField(_("申请开始"))
    applications_close_at = models.DateTimeField(_("申请截止"))
    starts_on = models.DateField(_("培育开始"))
    ends_on = models.DateField(_("培育结束"))
    capacity = models.PositiveIntegerField(_("入孵名额"), validators=[MinValueValidator(1)])
    # [{"key": "plan", "label": "培育期工作计划", "required": true}, ...]
    questions = models.JSONField(_("申请表问题"), default=list, blank=True)
    graduation_criteria = models.JSONField(_("出壳条件"), default=default_criteria)
    status = models.CharField(
        _("状态"), max_length=20, choices=CohortStatus.choices, default=CohortStatus.DRAFT
    )
    created_at = models.DateTimeField(default=timezone.now)

    SCOPE_LOOKUPS = {"district": "district_id"}

    class Meta:
        verbose_name = _("孵化期次")
        verbose_name_plural = _("孵化期次")
        ordering = ["-applications_open_at"]

    def __str__(self) -> str:
        return self.name

    def scope_chain(self):
        return [("cohort", self.pk), ("district", self.district_id)]


class Application(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="applications")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="applications")
    answers = models.JSONField(_("申请内容"), default=dict)
    status = models.CharField(
        _("状态"), max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    SCOPE_LOOKUPS = {"organization": "organization_id", "district": "cohort__district_id"}

    class Meta:
        verbose_name = _("入孵申请")
        verbose_name_plural = _("入孵申请")
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "organization"], name="uniq_application_per_cohort")
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.cohort}"

    def scope_chain(self):
        return [
            ("application", self.pk),
            ("organization", self.organization_id),
            ("district", self.cohort.district_id),
        ]


class ApplicationReview(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(
        _("评分"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    comment = models.TextField(_("评审意见"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("申请评审")
        verbose_name_plural = _("申请评审")
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer"], name="uniq_review_per_reviewer"),
            models.CheckConstraint(condition=models.Q(score__lte=100), name="review_score_range"),
        ]


class Incubation(models.Model):
    """An admitted organisation's time in the incubator."""

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="incubations")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="incubations")
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="incubation")
    status = models.CharField(
        _("状态"), max_length=20, choices=IncubationStatus.choices, default=IncubationStatus.INCUBATING
    )
    started_at = models.DateTimeField(_("入孵时间"), default=timezone.now)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    exit_reason = models.TextField(_("退出原因"), blank=True)

    SCOPE_LOOKUPS = {"incubation": "id", "organization": "organization_id", "district": "cohort__district_id"}

    class Meta:
        verbose_name = _("孵化记录")
        verbose_name_plural = _("孵化记录")
        ordering = ["cohort", "organization__name"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "organization"], name="uniq_incubation_per_cohort")
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.cohort}"

    def scope_chain(self):
        # Mentors hold the mentor role over ("incubation", id): see core.roles.
        return [
            ("incubation", self.pk),
            ("organization", self.organization_id),
            ("district", self.cohort.district_id),
        ]


class MentorLog(models.Model):
    """The mentor's dated log; entries are kept as written (a correction is a new entry)."""

    incubation = models.ForeignKey(Incubation, on_delete=models.CASCADE, related_name="mentor_logs")
    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    happened_on = models.DateField(_("日期"))
    content = models.TextField(_("辅导内容"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("导师辅导记录")
        verbose_name_plural = _("导师辅导记录")
        ordering = ["-happened_on", "-id"]


class Goal(models.Model):
    incubation = models.ForeignKey(Incubation, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(_("目标"), max_length=200)
    due_on = models.DateField(_("期限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=GoalStatus.choices, default=GoalStatus.OPEN)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("培育目标")
        verbose_name_plural = _("培育目标")
        ordering = ["due_on", "id"]


SCORE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class Scorecard(models.Model):
    """The capacity scorecard at entry, mid-term and exit: four dimensions scored 1–5 with evidence."""

    incubation = models.ForeignKey(Incubation, on_delete=models.CASCADE, related_name="scorecards")
    stage = models.CharField(_("阶段"), max_length=20, choices=ScorecardStage.choices)
    governance = models.PositiveSmallIntegerField(_("内部治理"), validators=SCORE_VALIDATORS)
    governance_evidence = models.TextField(_("内部治理依据"))
    finance = models.PositiveSmallIntegerField(_("财务管理"), validators=SCORE_VALIDATORS)
    finance_evidence = models.TextField(_("财务管理依据"))
    programmes = models.PositiveSmallIntegerField(_("项目服务"), validators=SCORE_VALIDATORS)
    programmes_evidence = models.TextField(_("项目服务依据"))
    people = models.PositiveSmallIntegerField(_("人才队伍"), validators=SCORE_VALIDATORS)
    people_evidence = models.TextField(_("人才队伍依据"))
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scored_at = models.DateTimeField(default=timezone.now)

    DIMENSIONS = ("governance", "finance", "programmes", "people")

    class Meta:
        verbose_name = _("能力评估表")
        verbose_name_plural = _("能力评估表")
        ordering = ["incubation", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["incubation", "stage"], name="uniq_scorecard_stage"),
            *[
                models.CheckConstraint(
                    condition=models.Q(**{f"{d}__gte": 1, f"{d}__lte": 5}), name=f"scorecard_{d}_range"
                )
                for d in ("governance", "finance", "programmes", "people")
            ],
        ]

    @property
    def average(self):
        from decimal import Decimal

        return Decimal(sum(getattr(self, d) for d in self.DIMENSIONS)) / 4


class IncubationActivity(models.Model):
    """An activity the organisation completed while incubating (counts towards graduation)."""

    incubation = models.ForeignKey(Incubation, on_delete=models.CASCADE, related_name="activities")
    title = models.CharField(_("活动名称"), max_length=200)
    happened_on = models.DateField(_("日期"))
    participants = models.PositiveIntegerField(_("参与人数"), default=0)
    summary = models.TextField(_("活动简述"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("培育期活动")
        verbose_name_plural = _("培育期活动")
        ordering = ["-happened_on", "-id"]


class PeriodicReport(models.Model):
    incubation = models.ForeignKey(Incubation, on_delete=models.CASCADE, related_name="reports")
    title = models.CharField(_("报告名称"), max_length=200)
    due_on = models.DateField(_("截止日期"))
    content = models.TextField(_("报告内容"), blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DUE
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    review_note = models.TextField(_("审阅意见"), blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    SCOPE_LOOKUPS = {
        "incubation": "incubation_id",
        "organization": "incubation__organization_id",
        "district": "incubation__cohort__district_id",
    }

    class Meta:
        verbose_name = _("定期报告")
        verbose_name_plural = _("定期报告")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title

    def scope_chain(self):
        return [("report", self.pk), *self.incubation.scope_chain()]
