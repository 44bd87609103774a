from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.core.fields import EncryptedTextField
from marketplace.core.masking import mask_phone
from marketplace.core.roles import Role, ScopeKind


class User(AbstractUser):
    """A person. Roles come from ``RoleAssignment``; volunteer and donor from their profiles."""

    # E.164 (+8613812345678); unique when present. Staff may have only an e-mail address.
    phone = models.CharField(_("手机号"), max_length=20, unique=True, null=True, blank=True)
    phone_verified = models.BooleanField(_("手机号已验证"), default=False)
    display_name = models.CharField(_("姓名/昵称"), max_length=50, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def scope_chain(self):
        return [("user", self.pk)]


class RoleAssignmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class RoleAssignment(models.Model):
    """(user, role, scope): the user holds ``role`` over one district, street, community, grid,
    project or organisation. Revoked assignments are kept for the record."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    scope_kind = models.CharField(_("范围类型"), max_length=32, choices=ScopeKind.choices)
    scope_id = models.PositiveBigIntegerField(_("范围编号"))
    scope_label = models.CharField(_("范围"), max_length=150, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("授予时间"), default=timezone.now)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        ordering = ["user_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "scope_kind", "scope_id"],
                condition=models.Q(revoked_at__isnull=True),
                name="uniq_active_role_assignment",
            )
        ]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.scope_label or self.scope_id}"

    def scope_chain(self):
        return [("user", self.user_id), (self.scope_kind, self.scope_id)]


class RealNameIdentity(models.Model):
    """A person's real name and resident ID number (实名信息), one per user and one per ID number.

    The number is encrypted at rest; ``id_number_hash`` (a keyed HMAC) keeps it unique and lets
    it be found without decrypting anything. Pages, serializers and exports show it masked; the
    whole number is read only through ``services.identity_reveal``, which checks the role and
    writes the view to the audit trail. Consent to processing the number is recorded apart.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.PROTECT, related_name="identity"
    )
    district = models.ForeignKey(
        "places.District", verbose_name=_("登记所在区"), on_delete=models.PROTECT, related_name="+"
    )
    real_name = models.CharField(_("真实姓名"), max_length=50)
    id_number = EncryptedTextField(_("身份证号码(加密)"))
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField(_("身份证号码"), max_length=18, editable=False)
    gender = models.CharField(_("性别"), max_length=1, choices=[("M", _("男")), ("F", _("女"))])
    birth_date = models.DateField(_("出生日期"))
    consent_at = models.DateTimeField(_("同意处理身份证号的时间"))
    consent_version = models.CharField(_("同意书版本"), max_length=20)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    SCOPE_LOOKUPS = {"user": "user_id", "district": "district_id"}

    class Meta:
        verbose_name = _("实名信息")
        verbose_name_plural = _("实名信息")

    def __str__(self) -> str:
        return f"{self.real_name} {self.id_number_masked}"

    def scope_chain(self):
        return [("identity", self.pk), ("user", self.user_id), ("district", self.district_id)]
