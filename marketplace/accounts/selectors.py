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


def user_by_phone(phone: str, *, verified_only: bool = False) -> User | None:
    qs = User.objects.filter(phone=phone)
    if verified_only:
        qs = qs.filter(phone_verified=True)
    return qs.first()


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


# --- Staff administration: who holds which role where ------------------------------------------
def _place_models() -> dict:
    from marketplace.places.models import Community, District, Grid, Street

    return {"district": District, "street": Street, "community": Community, "grid": Grid}


# The roles held over places (district, street, community, grid); the others are granted where
# their projects and organisations are managed.
PLACE_ROLES = ("district_admin", "street_official", "community_worker", "grid_worker")


def staff_manager_roles() -> frozenset[str]:
    """Roles that may grant at least one place role somewhere."""
    from marketplace.core.permissions import action_roles

    roles: set[str] = set()
    for role in PLACE_ROLES:
        roles |= action_roles(f"accounts.role.assign.{role}")
    return frozenset(roles)


def grantable_scopes(*, actor) -> dict:
    """For each place role, the places (a queryset, possibly empty) where ``actor`` may grant it."""
    from marketplace.core.permissions import scope_queryset
    from marketplace.core.roles import ROLE_SCOPE, Role

    models = _place_models()
    return {
        role: scope_queryset(
            actor, models[ROLE_SCOPE[Role(role)]].objects.all(), f"accounts.role.assign.{role}"
        )
        for role in PLACE_ROLES
    }


def managed_places(*, viewer) -> dict:
    """For each place kind, the places (a queryset) whose staff ``viewer`` looks after: their
    own scopes and everything below them, for every role that may grant a place role."""
    from marketplace.core.permissions import scope_q

    roles = staff_manager_roles()
    result = {}
    for kind, model in _place_models().items():
        q = scope_q(viewer, roles, model.SCOPE_LOOKUPS)
        result[kind] = model.objects.none() if q is None else model.objects.filter(q)
    return result


def role_assignment_admin_list(*, viewer):
    """Active place-role assignments over the places ``viewer`` looks after, each annotated
    ``can_revoke`` (the viewer may revoke it). One query however many rows."""
    from django.db.models import BooleanField, Case, Q, Value, When

    from marketplace.core.roles import ROLE_SCOPE, Role

    visible = Q(pk__in=[])
    for kind, places in managed_places(viewer=viewer).items():
        visible |= Q(scope_kind=kind, scope_id__in=places.values("id"))
    revocable = Q(pk__in=[])
    for role, places in grantable_scopes(actor=viewer).items():
        revocable |= Q(role=role, scope_kind=ROLE_SCOPE[Role(role)], scope_id__in=places.values("id"))
    return (
        RoleAssignment.objects.active()
        .filter(visible, role__in=PLACE_ROLES)
        .select_related("user", "granted_by")
        .annotate(
            can_revoke=Case(
                When(revocable, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .order_by("scope_kind", "scope_label", "role", "user_id")
    )


def role_assignments_within(queryset, *, scope_kind: str, scope_id):
    """Narrow assignments to one place and the places below it (a street's staff includes its
    communities' and grids' staff)."""
    from django.db.models import Q

    q = Q(pk__in=[])
    for kind, model in _place_models().items():
        field = model.SCOPE_LOOKUPS.get(scope_kind)
        if field:
            q |= Q(scope_kind=kind, scope_id__in=model.objects.filter(**{field: scope_id}).values("id"))
    return queryset.filter(q)


def user_by_phone_or_email(value: str) -> User | None:
    """The account a staff form names by mobile number or e-mail address, or None."""
    from django.core.exceptions import ValidationError

    from marketplace.core.validators import normalize_cn_mobile

    value = (value or "").strip()
    if "@" in value:
        return User.objects.filter(email__iexact=value).order_by("pk").first()
    try:
        return user_by_phone(normalize_cn_mobile(value))
    except ValidationError:
        return None


def users_with_roles(roles):
    """Active users holding any of ``roles`` somewhere."""
    return User.objects.filter(
        is_active=True, role_assignments__role__in=list(roles), role_assignments__revoked_at__isnull=True
    ).distinct()


def identity_of(user):
    """The user's real-name record, for showing masked on their own pages (None if absent)."""
    from .models import RealNameIdentity

    return RealNameIdentity.objects.filter(user=user).first()
