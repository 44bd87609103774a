from marketplace.core.permissions import Assignment
from marketplace.core.roles import STAFF_ROLES

from .models import RoleAssignment, User


def active_assignments(user) -> list[Assignment]:
    rows = RoleAssignment.objects.active().filter(user=user).values_list("role", "scope_kind", "scope_id")
    return [Assignment(role, kind, sid) for role, kind, sid in rows]


def is_staff_member(user) -> bool:
    """Holds any staff role (and so must use two-factor authentication)."""
    from marketplace.core.permissions import assignments_for

    return bool(getattr(user, "is_superuser", False)) or any(
        a.role in STAFF_ROLES for a in assignments_for(user)
    )


def user_by_phone(phone: str) -> User | None:
    return User.objects.filter(phone=phone).first()


def role_assignment_list(*, user) -> list[RoleAssignment]:
    return list(RoleAssignment.objects.active().filter(user=user).order_by("role", "scope_kind"))


def notification_list(*, user, unread_only: bool = False):
    from marketplace.core.models import Notification

    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def notification_preferences(*, user) -> list[dict]:
    """One row per kind, the user's choice or the default."""
    from marketplace.core.models import NotificationKind, NotificationPreference
    from marketplace.core.notifications import DEFAULT_EMAIL, DEFAULT_SMS

    chosen = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    rows = []
    for kind in NotificationKind:
        pref = chosen.get(kind.value)
        rows.append(
            {
                "kind": kind.value,
                "kind_label": str(kind.label),
                "email": pref.email if pref else DEFAULT_EMAIL,
                "sms": pref.sms if pref else DEFAULT_SMS,
            }
        )
    return rows
