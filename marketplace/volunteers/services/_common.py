"""Small helpers the service modules share."""

from django.db.models import QuerySet

from marketplace.accounts.models import RoleAssignment
from marketplace.core.models import NotificationKind
from marketplace.core.notifications import notify
from marketplace.core.roles import Role


def community_workers(community_id: int) -> QuerySet:
    return (
        RoleAssignment.objects.active()
        .filter(role=Role.COMMUNITY_WORKER, scope_kind="community", scope_id=community_id)
        .select_related("user")
    )


def tell(user, title, body="", url="") -> None:
    notify(recipient=user, kind=NotificationKind.VOLUNTEER, title=str(title), body=str(body), url=url)


def clean_text(value, *, field: str, label, max_length: int, required: bool = True) -> str:
    from django.utils.translation import gettext_lazy as _

    from marketplace.core.exceptions import ValidationFailed

    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(_("请填写%(label)s。") % {"label": label}, field=field)
    if len(text) > max_length:
        raise ValidationFailed(_("%(label)s不超过%(n)s字。") % {"label": label, "n": max_length}, field=field)
    return text


def volunteer_of(user):
    """The user's volunteer registration, or a refusal that tells them to register."""
    from django.utils.translation import gettext_lazy as _

    from marketplace.core.exceptions import NotFound

    from ..models import Volunteer

    volunteer = (
        Volunteer.objects.filter(user=user).first() if getattr(user, "is_authenticated", False) else None
    )
    if volunteer is None:
        raise NotFound(_("请先注册为志愿者。"), code="not_a_volunteer")
    return volunteer
