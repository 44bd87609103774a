import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an append-only record."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} is append-only")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} is append-only")

    _raw_delete = delete


class AppendOnlyModel(models.Model):
    """Rows are written once. On PostgreSQL a trigger refuses UPDATE and DELETE as well
    (migration ``core.0002``), so even raw SQL cannot rewrite history."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} is append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} is append-only")


class AuditEntry(AppendOnlyModel):
    """Who did what to which object, when, with a short before/after summary."""

    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("操作人名称"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=100, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更摘要"), default=dict, blank=True)
    reason = models.TextField(_("原因"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.created_at):%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"


class TransitionLog(AppendOnlyModel):
    """One move on a lifecycle: from, to, who, when, why."""

    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    lifecycle = models.CharField(_("流程"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64)
    code = models.CharField(_("操作代码"), max_length=64)
    from_state = models.CharField(_("原状态"), max_length=64)
    to_state = models.CharField(_("新状态"), max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    reason = models.TextField(_("原因"), blank=True)

    class Meta:
        verbose_name = _("状态流转记录")
        verbose_name_plural = _("状态流转记录")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["lifecycle", "object_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.lifecycle}#{self.object_id} {self.from_state}→{self.to_state}"


class NotificationKind(models.TextChoices):
    SYSTEM = "system", _("系统消息")
    ACCOUNT = "account", _("账户与安全")
    PROCUREMENT = "procurement", _("服务项目")
    ORGANIZATION = "organization", _("社会组织")
    VOLUNTEER = "volunteer", _("志愿服务")
    FUND = "fund", _("专项基金")


class Notification(models.Model):
    """The in-site inbox. Always written; e-mail and SMS follow the user's preferences."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=32, choices=NotificationKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    sms_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """Per user and kind: whether e-mail and SMS are sent. The inbox is always on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("类型"), max_length=32, choices=NotificationKind.choices)
    email = models.BooleanField(_("邮件"), default=True)
    sms = models.BooleanField(_("短信"), default=False)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="uniq_notification_pref")]


class PrivateFile(models.Model):
    """An upload kept outside the public media folder and served only through a permission
    check. The stored name is generated; the original name is kept for the download."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(_("用途"), max_length=64, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What the file belongs to ("organizations.organization:12"): the purpose's policy uses it.
    attached_to = models.CharField(_("所属对象"), max_length=100, blank=True, db_index=True)
    original_name = models.CharField(_("原文件名"), max_length=255)
    stored_name = models.CharField(max_length=255, unique=True)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小(字节)"))
    sha256 = models.CharField(max_length=64)
    sensitive = models.BooleanField(_("敏感文件"), default=False)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("私有文件")
        verbose_name_plural = _("私有文件")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name

    def scope_chain(self):
        chain = [("privatefile", str(self.pk))]
        if self.owner_id:
            chain.append(("user", self.owner_id))
        return chain


class ScaleSeed(models.Model):
    """One run of ``manage.py seed_scale``: the sizes asked for, the random seed, the moment the
    data's dates are relative to, and what was written. A second run with the same sizes finds
    it and does nothing."""

    sizes = models.JSONField(_("规模"))
    seed = models.PositiveIntegerField(_("随机种子"))
    reference_time = models.DateTimeField(_("数据基准时间"))
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("完成时间"))
    # {"tables": {db_table: rows}, "seconds": {phase: seconds}}
    report = models.JSONField(_("生成情况"), default=dict)

    class Meta:
        verbose_name = _("规模测试数据")
        verbose_name_plural = _("规模测试数据")
        ordering = ["-finished_at", "-id"]

    def __str__(self) -> str:
        return f"seed_scale {self.seed} {self.finished_at:%Y-%m-%d %H:%M}"
