"""Domain errors: a stable code for machines and a Chinese-first message for people.

Services raise these; views, forms and the API turn them into a message and a 4xx answer.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "invalid"
    default_message = _("操作无法完成。")
    status_code = 400

    def __init__(self, message=None, *, code: str | None = None, field: str | None = None):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.field = field
        super().__init__(str(self.message))

    def as_dict(self) -> dict:
        data = {"code": self.code, "detail": str(self.message)}
        if self.field:
            data["field"] = self.field
        return data


class ValidationFailed(DomainError):
    code = "invalid"
    default_message = _("提交的信息有误。")


class PermissionDenied(DomainError):
    code = "permission_denied"
    default_message = _("您没有执行此操作的权限。")
    status_code = 403


class NotFound(DomainError):
    code = "not_found"
    default_message = _("对象不存在或您无权查看。")
    status_code = 404


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"
    default_message = _("当前状态下不能执行此操作。")
    status_code = 409


class GuardFailed(DomainError):
    code = "guard_failed"
    default_message = _("不满足执行此操作的条件。")
    status_code = 409


class Conflict(DomainError):
    code = "conflict"
    default_message = _("数据已被他人修改,请刷新后重试。")
    status_code = 409
