"""Volunteers (志愿者): the real-name registry, in-service party members reporting to their home
community (在职党员到社区报到), activities with shifts, sign-ups, check-in and service hours.

A volunteer builds on the person's ``accounts.RealNameIdentity`` (name, encrypted ID number,
gender and birth date, consent); nothing of it is copied here. Statuses move only through the
tables in ``transitions.py``; writes go through ``services.py``, reads through ``selectors.py``.
Place ids are carried down (an activity knows its grid, community, street and district) so that
scope checks and scoped lists need no joins.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .choices import (
    CURRENT_RECORD_STATUSES,
    LIVE_SIGNUP_STATUSES,
    OPEN_REPORT_STATUSES,
    PARTY_STATUSES,
    ActivityStatus,
    OrganizerKind,
    PartyReportStatus,
    PoliticalStatus,
    RecordStatus,
    ShiftStatus,
    SignupStatus,
    VolunteerStatus,
)


def _values(statuses) -> list[str]:
    """Plain, sorted strings, so that constraints serialise the same way in every migration."""
    return sorted(str(s) for s in statuses)


class Skill(models.Model):
    """A skill a volunteer offers and an activity may ask for (医疗护理, 法律咨询, 心理疏导 ...)."""

    slug = models.SlugField(_("标识"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("志愿服务技能")
        verbose_name_plural = _("志愿服务技能")
        ordering = ["sort_order", "slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name in the visitor's language: the platform's own skills are in the catalogue
        (``choices.DEFAULT_SKILL_NAMES``); a skill the district named itself reads as typed."""
        return gettext(self.name)


class Volunteer(models.Model):
    """A registered volunteer: one per person and so, through the identity, one per ID number."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.PROTECT, related_name="volunteer"
    )
    identity = models.OneToOneField(
        "accounts.RealNameIdentity",
        verbose_name=_("实名信息"),
        on_delete=models.PROTECT,
        related_name="volunteer",
    )
    district = models.ForeignKey("places.District", on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(
        "places.Street", verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        "places.Community", verbose_name=_("居住社区"), on_delete=models.PROTECT, related_name="volunteers"
    )
    grid = models.ForeignKey(
        "places.Grid", verbose_name=_("所在网格"), on_delete=models.PROTECT, related_name="volunteers"
    )
    political_status = models.CharField(_("政治面貌"), max_length=20, choices=PoliticalStatus.choices)
    party_organization = models.ForeignKey(
        "places.PartyOrganization",
        verbose_name=_("所在党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteers",
    )
    # 在职党员: employed elsewhere; reports to the home community and serves there.
    in_service = models.BooleanField(_("在职党员"), default=False)
    workplace = models.CharField(_("工作单位"), max_length=150, blank=True)
    workplace_party_branch = models.CharField(_("单位党支部"), max_length=150, blank=True)
    skills = models.ManyToManyField(Skill, verbose_name=_("技能特长"), blank=True, related_name="volunteers")
    availability = models.JSONField(_("可服务时间"), default=list, blank=True)
    availability_note = models.CharField(_("服务时间说明"), max_length=200, blank=True)
    resident_roles = models.JSONField(_("居民身份"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=VolunteerStatus.choices, default=VolunteerStatus.ACTIVE
    )
    registered_at = models.DateTimeField(_("注册时间"), default=timezone.now)

    SCOPE_LOOKUPS = {
        "grid": "grid_id",
        "community": "community_id",
        "street": "street_id",
        "district": "district_id",
    }

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status"]),
            models.Index(fields=["grid", "status"]),
            models.Index(fields=["political_status", "community"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(political_status__in=_values(PARTY_STATUSES))
                | models.Q(party_organization__isnull=True, in_service=False),
                name="volunteer_party_fields_for_members",
            )
        ]

    def __str__(self) -> str:
        return f"志愿者 #{self.pk}"

    def scope_chain(self):
        return [
            ("volunteer", self.pk),
            ("user", self.user_id),
            ("grid", self.grid_id),
            ("community", self.community_id),
            ("street", self.street_id),
            ("district", self.district_id),
        ]

    @property
    def is_party_member(self) -> bool:
        return self.political_status in PARTY_STATUSES


class PartyReport(models.Model):
    """An in-service party member reports to the home community (在职党员到社区报到); a community
    worker of that community confirms or declines."""

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="party_reports"
    )
    district = models.ForeignKey("places.District", on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey("places.Street", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        "places.Community", verbose_name=_("报到社区"), on_delete=models.PROTECT, related_name="party_reports"
    )
    # As stated when reporting: the member's workplace may change later.
    workplace = models.CharField(_("工作单位"), max_length=150)
    workplace_party_branch = models.CharField(_("单位党支部"), max_length=150)
    note = models.TextField(_("说明"), blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=PartyReportStatus.choices, default=PartyReportStatus.PENDING
    )
    reported_at = models.DateTimeField(_("报到时间"), default=timezone.now)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decline_reason = models.TextField(_("未通过原因"), blank=True)

    SCOPE_LOOKUPS = {"community": "community_id", "street": "street_id", "district": "district_id"}

    class Meta:
        verbose_name = _("在职党员报到")
        verbose_name_plural = _("在职党员报到")
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer"],
                condition=models.Q(status__in=_values(OPEN_REPORT_STATUSES)),
                name="uniq_open_party_report",
            )
        ]

    def __str__(self) -> str:
        return f"在职党员报到 #{self.pk}"

    def scope_chain(self):
        return [
            ("partyreport", self.pk),
            ("user", self.volunteer.user_id),
            ("community", self.community_id),
            ("street", self.street_id),
            ("district", self.district_id),
        ]


class Activity(models.Model):
    """A volunteer activity posted by a community, a grid, a street or a verified organisation."""

    title = models.CharField(_("活动名称"), max_length=150)
    description = models.TextField(_("活动内容"))
    place = models.CharField(_("活动地点"), max_length=200)
    district = models.ForeignKey("places.District", on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(
        "places.Street", verbose_name=_("街道"), on_delete=models.PROTECT, related_name="volunteer_activities"
    )
    # Empty for a street-wide activity.
    community = models.ForeignKey(
        "places.Community",
        verbose_name=_("社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer_activities",
    )
    grid = models.ForeignKey(
        "places.Grid",
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer_activities",
    )
    organizer_kind = models.CharField(_("发布方类型"), max_length=20, choices=OrganizerKind.choices)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("发布组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer_activities",
    )
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=20)
    signup_deadline = models.DateTimeField(_("报名截止"))
    required_skills = models.ManyToManyField(
        Skill, verbose_name=_("所需技能"), blank=True, related_name="activities"
    )
    party_only = models.BooleanField(_("仅限党员"), default=False)
    status = models.CharField(
        _("状态"), max_length=20, choices=ActivityStatus.choices, default=ActivityStatus.DRAFT
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    cancel_reason = models.TextField(_("取消原因"), blank=True)

    SCOPE_LOOKUPS = {
        "organization": "organization_id",
        "grid": "grid_id",
        "community": "community_id",
        "street": "street_id",
        "district": "district_id",
    }

    class Meta:
        verbose_name = _("志愿活动")
        verbose_name_plural = _("志愿活动")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "street"]),
            models.Index(fields=["status", "community"]),
            models.Index(fields=["status", "grid"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(organizer_kind=OrganizerKind.ORGANIZATION)
                | models.Q(organization__isnull=False),
                name="activity_org_organizer_has_org",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def scope_chain(self):
        chain = [("activity", self.pk)]
        if self.organization_id:
            chain.append(("organization", self.organization_id))
        if self.grid_id:
            chain.append(("grid", self.grid_id))
        if self.community_id:
            chain.append(("community", self.community_id))
        chain += [("street", self.street_id), ("district", self.district_id)]
        return chain


_ACTIVITY_LOOKUPS = {kind: f"activity__{field}" for kind, field in Activity.SCOPE_LOOKUPS.items()}


class Shift(models.Model):
    """One time slot of an activity with a number of places."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="shifts"
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("名额"))
    status = models.CharField(
        _("状态"), max_length=20, choices=ShiftStatus.choices, default=ShiftStatus.SCHEDULED
    )
    cancel_reason = models.TextField(_("取消原因"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    SCOPE_LOOKUPS = _ACTIVITY_LOOKUPS

    class Meta:
        verbose_name = _("班次")
        verbose_name_plural = _("班次")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["activity", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")), name="shift_time_order"
            ),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="shift_capacity_positive"),
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"

    def scope_chain(self):
        return [("shift", self.pk), *self.activity.scope_chain()]

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class Signup(models.Model):
    """A volunteer's place on a shift, or their turn on its waiting list (ordered by id)."""

    shift = models.ForeignKey(Shift, verbose_name=_("班次"), on_delete=models.PROTECT, related_name="signups")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="signups")
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="signups"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=20, choices=SignupStatus.choices)
    created_at = models.DateTimeField(_("报名时间"), default=timezone.now)
    promoted_at = models.DateTimeField(_("候补转正时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.TextField(_("取消原因"), blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    SCOPE_LOOKUPS = _ACTIVITY_LOOKUPS

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["shift", "id"]
        indexes = [
            models.Index(fields=["shift", "status", "id"]),
            models.Index(fields=["volunteer", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "volunteer"],
                condition=models.Q(status__in=_values(LIVE_SIGNUP_STATUSES)),
                name="uniq_live_signup",
            )
        ]

    def __str__(self) -> str:
        return f"报名 #{self.pk}"

    def scope_chain(self):
        return [("signup", self.pk), ("user", self.user_id), *self.activity.scope_chain()[1:]]

    @property
    def is_waiting(self) -> bool:
        return self.status == SignupStatus.WAITING


class RecordImmutableError(Exception):
    """Raised when code tries to change the hours of a record once written."""


class ServiceRecord(models.Model):
    """Service hours (服务时长) from a check-out, or a correction of an earlier record.

    The hours of a record are written once. A correction is a new record that points at the one
    it corrects (``corrects``), which becomes superseded; totals count confirmed records only.
    """

    signup = models.ForeignKey(
        Signup, verbose_name=_("报名"), on_delete=models.PROTECT, related_name="records"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="records"
    )
    activity = models.ForeignKey(
        Activity, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="records"
    )
    shift = models.ForeignKey(Shift, verbose_name=_("班次"), on_delete=models.PROTECT, related_name="records")
    # The local date of the shift: yearly reports and certificate periods select on it.
    served_on = models.DateField(_("服务日期"))
    minutes = models.PositiveIntegerField(_("服务时长(分钟)"))
    started_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=RecordStatus.choices, default=RecordStatus.PENDING
    )
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("更正的记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correction",
    )
    reason = models.TextField(_("更正原因"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("作废/更正时间"), null=True, blank=True)

    SCOPE_LOOKUPS = _ACTIVITY_LOOKUPS
    # The only columns a later save may write: the status and who moved it when.
    MUTABLE_FIELDS = frozenset({"status", "confirmed_by", "confirmed_at", "closed_at"})

    class Meta:
        verbose_name = _("服务时长记录")
        verbose_name_plural = _("服务时长记录")
        ordering = ["-served_on", "-id"]
        indexes = [
            models.Index(fields=["volunteer", "status", "served_on"]),
            models.Index(fields=["activity", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["signup"],
                condition=models.Q(status__in=_values(CURRENT_RECORD_STATUSES)),
                name="uniq_current_record_per_signup",
            )
        ]

    def __str__(self) -> str:
        return f"服务记录 #{self.pk}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not set(update_fields) <= self.MUTABLE_FIELDS:
                raise RecordImmutableError("A service record's hours are never edited: write a correction.")
        super().save(*args, **kwargs)

    def scope_chain(self):
        return [("record", self.pk), ("user", self.volunteer.user_id), *self.activity.scope_chain()[1:]]

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)


class CertificateImmutableError(Exception):
    """Raised when code tries to change a certificate once issued."""


class CertificateSequence(models.Model):
    """The last certificate serial handed out in a year: the one row issuers meet, so that two
    certificates issued at the same moment never share a number."""

    year = models.PositiveIntegerField(primary_key=True)
    last_serial = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("证明编号序列")
        verbose_name_plural = _("证明编号序列")


class Certificate(models.Model):
    """A volunteer service certificate (志愿服务证明): the confirmed hours of a period, as they
    stood on the issue date, under a number anyone may check on the public page.

    Everything printed is copied in when the certificate is issued (name, masked ID number,
    hours, issuer) and never changed afterwards: a later correction of hours calls for a new
    certificate. The full ID number is never stored here.
    """

    number = models.CharField(_("证明编号"), max_length=32, unique=True)
    year = models.PositiveIntegerField(_("年度"))
    serial = models.PositiveIntegerField(_("年度序号"))
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="certificates"
    )
    holder_name = models.CharField(_("姓名"), max_length=50)
    id_number_masked = models.CharField(_("身份证号码(脱敏)"), max_length=18)
    period_start = models.DateField(_("服务期间起"))
    period_end = models.DateField(_("服务期间止"))
    minutes = models.PositiveIntegerField(_("服务时长(分钟)"))
    record_count = models.PositiveIntegerField(_("服务记录数"))
    issuer_name = models.CharField(_("出具单位"), max_length=200)
    issuer_community = models.ForeignKey(
        "places.Community",
        verbose_name=_("出具社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    district = models.ForeignKey("places.District", on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey("places.Street", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="+")
    issued_on = models.DateField(_("出具日期"))
    issued_at = models.DateTimeField(_("出具时间"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("出具人"), on_delete=models.PROTECT, related_name="+"
    )

    SCOPE_LOOKUPS = {
        "user": "volunteer__user_id",
        "community": "community_id",
        "street": "street_id",
        "district": "district_id",
    }

    class Meta:
        verbose_name = _("志愿服务证明")
        verbose_name_plural = _("志愿服务证明")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "serial"], name="uniq_certificate_serial"),
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")),
                name="certificate_period_order",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise CertificateImmutableError("A certificate is never edited: issue a new one.")
        super().save(*args, **kwargs)

    def scope_chain(self):
        return [
            ("certificate", self.pk),
            ("user", self.volunteer.user_id),
            ("community", self.community_id),
            ("street", self.street_id),
            ("district", self.district_id),
        ]

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)
