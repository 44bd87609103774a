"""Wagtail's permission questions answered by ``core.permissions``.

Wagtail asks a permission policy whether a user may "add", "change", "delete" or "view" a model
(to show menu items and buttons) or one instance (to open it), and which instances a user may
act on (for lists). Django's model permissions and the superuser flag play no part here: the
answer comes only from the user's role assignments, through the same registered actions the
services check, so the admin can never offer what the service would refuse.
"""

from collections.abc import Callable, Iterable, Mapping

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from wagtail.permission_policies import BasePermissionPolicy

from .permissions import action_roles, can, has_role, register_action, scope_q
from .roles import Role

# Reading the audit trail is the district's job: it covers every scope.
AUDIT_VIEW = "core.audit.view"
register_action(AUDIT_VIEW, [Role.DISTRICT_ADMIN])

# "add" is a model-level question (the parent is chosen in the form), so it never widens a list.
INSTANCE_ACTIONS = ("view", "change", "delete")

_role_holders: Callable[[frozenset[str]], QuerySet] | None = None


def register_role_holders(fn: Callable[[frozenset[str]], QuerySet]) -> None:
    """The accounts app says how to find the users holding some roles (core knows no tables
    of assignments)."""
    global _role_holders
    _role_holders = fn


class ScopedPermissionPolicy(BasePermissionPolicy):
    """Maps Wagtail's actions to registered domain actions, e.g.
    ``{"add": "places.grid.create", "change": "places.grid.change"}``; an unmapped Wagtail
    action is refused. Instances are checked against their ``scope_chain()`` and lists filtered
    by the model's ``SCOPE_LOOKUPS``; a model without ``SCOPE_LOOKUPS`` is all-or-nothing
    (anyone holding a role of the action sees every row)."""

    def __init__(self, model, actions: Mapping[str, str]):
        super().__init__(model)
        self.actions = dict(actions)

    def roles_for(self, actions: Iterable[str]) -> frozenset[str]:
        roles: set[str] = set()
        for action in actions:
            if action in self.actions:
                roles |= action_roles(self.actions[action])
        return frozenset(roles)

    # Model-level questions: does the user hold a role of the action anywhere?
    def user_has_permission(self, user, action):
        return action in self.actions and has_role(user, action_roles(self.actions[action]))

    def user_has_any_permission(self, user, actions):
        return has_role(user, self.roles_for(actions))

    # Instance-level questions: does one of the user's scopes cover this object?
    def user_has_permission_for_instance(self, user, action, instance):
        if action not in self.actions:
            return False
        if getattr(self.model, "SCOPE_LOOKUPS", None) is None:
            return self.user_has_permission(user, action)
        return can(user, self.actions[action], instance)

    def filter_queryset(self, user, queryset: QuerySet, actions: Iterable[str]) -> QuerySet:
        """Only the rows of ``queryset`` on which the user may perform one of ``actions``."""
        roles = self.roles_for(a for a in actions if a in INSTANCE_ACTIONS)
        lookups = getattr(self.model, "SCOPE_LOOKUPS", None)
        if lookups is None:
            return queryset if has_role(user, roles) else queryset.none()
        q = scope_q(user, roles, lookups)
        return queryset.none() if q is None else queryset.filter(q)

    def instances_user_has_any_permission_for(self, user, actions):
        return self.filter_queryset(user, self.model._default_manager.all(), actions)

    def users_with_any_permission(self, actions):
        roles = self.roles_for(actions)
        if _role_holders is None or not roles:
            return get_user_model().objects.none()
        return _role_holders(roles)

    def users_with_any_permission_for_instance(self, actions, instance):
        # Scopes are checked per user; narrowing the holders by the instance's chain happens
        # through the same has_role logic the services use.
        users = self.users_with_any_permission(actions)
        allowed = [
            u.pk for u in users if any(self.user_has_permission_for_instance(u, a, instance) for a in actions)
        ]
        return users.filter(Q(pk__in=allowed))
