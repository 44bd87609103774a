from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
