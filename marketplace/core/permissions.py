"""The one permission check that every service calls: ``can(user, action, obj)``.

Roles are assignments of (role, scope kind, scope id) held by a user; the accounts app supplies
them through ``register_assignment_source``, so that core depends on nothing above it. Every
object that can be acted on answers ``scope_chain()``: the scopes it lies in, from itself up
(``[("community", 7), ("street", 2), ("district", 1)]``; an object owned by user 9 also carries
``("user", 9)``). A role covers an object when one of the user's assignments of that role names
a scope in the object's chain. For lists, a model names the fields that hold each scope kind in
``SCOPE_LOOKUPS`` and ``scope_queryset`` turns the user's assignments into one filter.

Actions are registered with the roles that may perform them (``register_action``); an action
that is not registered is refused, so a typo can never open a door.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from .exceptions import PermissionDenied

# Roles are plain slugs so that core needs nothing from accounts.
OWNER = "owner"  # every user holds it over objects whose chain names ("user", their id)
SYSTEM = "system"  # the scheduler: an actor of None


@dataclass(frozen=True)
class Assignment:
    role: str
    scope_kind: str
    scope_id: int | str


_assignment_source: Callable[[object], Iterable[Assignment]] | None = None
_actions: dict[str, frozenset[str]] = {}


def register_assignment_source(fn: Callable[[object], Iterable[Assignment]]) -> None:
    global _assignment_source
    _assignment_source = fn


def register_action(action: str, roles: Iterable[str]) -> None:
    _actions[action] = frozenset(roles)


def action_roles(action: str) -> frozenset[str]:
    return _actions.get(action, frozenset())


def registered_actions() -> dict[str, frozenset[str]]:
    return dict(_actions)


def assignments_for(user) -> list[Assignment]:
    """The user's assignments, computed once per user object (that is, once per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_portal_assignments", None)
    if cached is None:
        found = list(_assignment_source(user)) if _assignment_source else []
        cached = [*found, Assignment(OWNER, "user", user.pk)]
        user._portal_assignments = cached
    return cached


def forget_assignments(user) -> None:
    if user is not None and hasattr(user, "_portal_assignments"):
        del user._portal_assignments


def _normalise(chain) -> set[tuple[str, str]]:
    return {(kind, str(pk)) for kind, pk in chain if pk is not None}


def has_role(user, roles: Iterable[str], obj=None) -> bool:
    """True when the user holds one of ``roles`` over ``obj`` (or anywhere, when obj is None)."""
    roles = frozenset(roles)
    if user is None:
        return SYSTEM in roles
    assignments = [a for a in assignments_for(user) if a.role in roles]
    if not assignments:
        return False
    if obj is None:
        return True
    chain = _normalise(obj.scope_chain())
    return any((a.scope_kind, str(a.scope_id)) in chain for a in assignments)


def can(user, action: str, obj=None) -> bool:
    return has_role(user, action_roles(action), obj)


def require(user, action: str, obj=None) -> None:
    if not can(user, action, obj):
        raise PermissionDenied()


def scope_q(user, roles: Iterable[str], lookups: dict[str, str]) -> Q | None:
    """A filter matching the rows the user's assignments of ``roles`` cover, or None for none.

    ``lookups`` maps a scope kind to the field holding it, e.g.
    ``{"district": "district_id", "street": "street_id", "user": "owner_id"}``.
    """
    roles = frozenset(roles)
    ids: dict[str, set] = {}
    for a in assignments_for(user):
        if a.role in roles and a.scope_kind in lookups:
            ids.setdefault(a.scope_kind, set()).add(a.scope_id)
    if not ids:
        return None
    q = Q()
    for kind, values in ids.items():
        q |= Q(**{f"{lookups[kind]}__in": sorted(values, key=str)})
    return q


def scope_queryset(user, queryset: QuerySet, action: str) -> QuerySet:
    """Only the rows of ``queryset`` on which the user may perform ``action``."""
    lookups = getattr(queryset.model, "SCOPE_LOOKUPS", None)
    if lookups is None:
        raise TypeError(f"{queryset.model.__name__} declares no SCOPE_LOOKUPS")
    q = scope_q(user, action_roles(action), lookups)
    return queryset.none() if q is None else queryset.filter(q)


# --- Finding the object a scope names --------------------------------------------------------
_scope_loaders: dict[str, Callable[[int | str], object | None]] = {}


def register_scope_loader(kind: str, loader: Callable[[int | str], object | None]) -> None:
    """Each app that owns a scope kind says how to load it (used when only kind and id are
    known, e.g. to check the right to revoke a role over that scope)."""
    _scope_loaders[kind] = loader


def scope_object(kind: str, pk):
    loader = _scope_loaders.get(kind)
    return loader(pk) if loader else None
