"""One lifecycle engine for every status in the portal.

Each app declares its table of allowed moves as data in ``transitions.py``::

    PROJECT = Lifecycle(
        "procurement.project",
        model=Project,
        states=ProjectStatus,
        transitions=[
            Transition("publish", source=[ProjectStatus.APPROVED], target=ProjectStatus.PUBLISHED,
                       roles=[Role.STREET_OFFICIAL], label=_("发布")),
            ...
        ],
    )

and its services call ``PROJECT.perform(project, "publish", actor=user)``. ``perform`` locks the
row, checks the current status, the actor's role over the object (through
``core.permissions``), the guards, then writes the new status, a ``TransitionLog`` row and an
audit entry in one transaction, and runs the effects after commit.

From the same tables come the tests of every allowed and refused move, the "waiting for me"
lists (``waiting_for``) and a diagram (``manage.py lifecycle_diagram``).
"""

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from . import audit, permissions
from .exceptions import GuardFailed, PermissionDenied, TransitionNotAllowed, ValidationFailed
from .models import TransitionLog

# A guard gets the locked object, the actor and the call's context; it raises GuardFailed
# (with a Chinese message) to refuse the move.
Guard = Callable[..., None]
# An effect runs after commit with the object, the transition, the actor and the context.
Effect = Callable[..., None]


@dataclass(frozen=True)
class Transition:
    code: str
    source: Sequence[str]
    target: str
    roles: Iterable[str]
    label: str = ""
    guards: Sequence[Guard] = ()
    effects: Sequence[Effect] = ()
    reason_required: bool = False
    # Checks of what the actor types in with the move (an override note, an amount): run when
    # the move is made, but not when listing the moves a user may make, which has no input yet.
    input_guards: Sequence[Guard] = ()
    # The row-level guards as a query, for the "waiting for me" lists: ``waiting(user)`` returns
    # a Q that keeps only the rows the guards would let this user move (e.g. not the projects the
    # user drafted). Guards that depend on the clock or on other rows stay out: they are checked
    # when the move is made.
    waiting: Callable[..., models.Q] | None = None

    def __post_init__(self):
        object.__setattr__(self, "source", frozenset(str(s) for s in self.source))
        object.__setattr__(self, "target", str(self.target))
        object.__setattr__(self, "roles", frozenset(self.roles))
        object.__setattr__(self, "guards", tuple(self.guards))
        object.__setattr__(self, "input_guards", tuple(self.input_guards))
        object.__setattr__(self, "effects", tuple(self.effects))


@dataclass
class Lifecycle:
    name: str
    model: type[models.Model]
    states: type[models.TextChoices]
    transitions: Sequence[Transition]
    field: str = "status"
    _by_code: dict[str, Transition] = dataclasses.field(init=False, repr=False)

    def __post_init__(self):
        values = set(self.states.values)
        self._by_code = {}
        for t in self.transitions:
            if t.code in self._by_code:
                raise ValueError(f"{self.name}: duplicate transition code {t.code!r}")
            unknown = (t.source | {t.target}) - values
            if unknown:
                raise ValueError(f"{self.name}.{t.code}: unknown states {sorted(unknown)}")
            if not t.roles:
                raise ValueError(f"{self.name}.{t.code}: no role may make this move")
            self._by_code[t.code] = t
        _registry[self.name] = self

    # --- reading the table --------------------------------------------------------------
    def get(self, code: str) -> Transition:
        try:
            return self._by_code[code]
        except KeyError:
            raise TransitionNotAllowed(_("未知的操作。"), code="unknown_transition") from None

    def state_label(self, value: str) -> str:
        try:
            return str(self.states(value).label)
        except ValueError:
            return value

    def moves_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if str(state) in t.source]

    def available(self, obj, user) -> list[Transition]:
        """The moves the user may make on obj now: status, role and guards all pass (input
        guards wait for the input)."""
        moves = []
        for t in self.moves_from(getattr(obj, self.field)):
            if not permissions.has_role(user, t.roles, obj):
                continue
            try:
                for guard in t.guards:
                    guard(obj, actor=user, context={})
            except GuardFailed:
                continue
            moves.append(t)
        return moves

    def history(self, obj):
        return TransitionLog.objects.filter(lifecycle=self.name, object_id=str(obj.pk))

    # --- making a move ------------------------------------------------------------------
    def perform(
        self,
        obj,
        code: str,
        *,
        actor,
        reason: str = "",
        context: dict | None = None,
        fields: dict | None = None,
    ):
        """Make the move ``code`` on ``obj`` as ``actor`` (None: the scheduler).

        ``fields`` are further column values written in the same save (e.g. a timestamp).
        Returns the updated, locked-and-saved instance.
        """
        transition = self.get(code)
        context = context or {}
        reason = (reason or "").strip()
        with transaction.atomic():
            locked = self.model._default_manager.select_for_update().get(pk=obj.pk)
            current = str(getattr(locked, self.field))
            if current not in transition.source:
                raise TransitionNotAllowed(
                    _("当前状态为「%(state)s」,不能执行「%(action)s」。")
                    % {"state": self.state_label(current), "action": transition.label or code}
                )
            if not permissions.has_role(actor, transition.roles, locked):
                raise PermissionDenied()
            if transition.reason_required and not reason:
                raise ValidationFailed(_("请填写原因。"), code="reason_required", field="reason")
            for guard in (*transition.guards, *transition.input_guards):
                guard(locked, actor=actor, context=context)
            setattr(locked, self.field, transition.target)
            update_fields = [self.field]
            for name, value in (fields or {}).items():
                setattr(locked, name, value)
                update_fields.append(name)
            locked.save(update_fields=update_fields)
            TransitionLog.objects.create(
                lifecycle=self.name,
                object_id=str(locked.pk),
                code=transition.code,
                from_state=current,
                to_state=transition.target,
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                reason=reason,
            )
            audit.record(
                actor=actor,
                action=f"{self.name}.{transition.code}",
                obj=locked,
                changes={self.field: [current, transition.target]},
                reason=reason,
            )
            for effect in transition.effects:
                transaction.on_commit(
                    partial(effect, locked, transition=transition, actor=actor, context=context)
                )
        # Keep the caller's instance in step with the row.
        setattr(obj, self.field, transition.target)
        for name, value in (fields or {}).items():
            setattr(obj, name, value)
        return locked

    # --- "waiting for me" ---------------------------------------------------------------
    def waiting_for(self, user) -> list[tuple[Transition, models.QuerySet]]:
        """For each move the user's roles allow, the rows in its source states within the
        user's scopes that the move's ``waiting`` filter keeps (the guards themselves are checked
        when the move is made)."""
        lookups = getattr(self.model, "SCOPE_LOOKUPS", None)
        if lookups is None:
            return []
        found = []
        for t in self.transitions:
            q = permissions.scope_q(user, t.roles, lookups)
            if q is None:
                continue
            qs = self.model._default_manager.filter(q, **{f"{self.field}__in": sorted(t.source)})
            if t.waiting is not None:
                qs = qs.filter(t.waiting(user))
            found.append((t, qs))
        return found

    def mermaid(self) -> str:
        lines = ["stateDiagram-v2"]
        for t in self.transitions:
            roles = ",".join(sorted(t.roles))
            for s in sorted(t.source):
                lines.append(f"    {s} --> {t.target}: {t.code} [{roles}]")
        return "\n".join(lines)


_registry: dict[str, Lifecycle] = {}


def lifecycles() -> dict[str, Lifecycle]:
    return dict(_registry)
