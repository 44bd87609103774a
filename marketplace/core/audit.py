"""The audit trail: every write service calls ``record`` in its own transaction."""

from django.db import models

from .context import client_ip_var, request_id_var
from .models import AuditEntry


def object_type(obj) -> str:
    return obj._meta.label_lower if isinstance(obj, models.Model) else type(obj).__name__


def actor_label(actor) -> str:
    if actor is None:
        return "系统"
    return getattr(actor, "display_label", None) or actor.get_username()


def record(
    *,
    actor,
    action: str,
    obj=None,
    changes: dict | None = None,
    reason: str = "",
    object_repr: str | None = None,
) -> AuditEntry:
    """Append one audit entry. ``changes`` is a short summary, e.g. {"status": ["a", "b"]};
    it must never hold unmasked personal data."""
    entry = build(
        actor=actor, action=action, obj=obj, changes=changes, reason=reason, object_repr=object_repr
    )
    entry.save()
    return entry


def build(
    *,
    actor,
    action: str,
    obj=None,
    changes: dict | None = None,
    reason: str = "",
    object_repr: str | None = None,
) -> AuditEntry:
    """The entry ``record`` would write, unsaved: a service writing many rows at once saves its
    entries with one ``AuditEntry.objects.bulk_create``."""
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry(
        actor=actor_obj,
        actor_label=actor_label(actor_obj)[:150],
        action=action,
        object_type=object_type(obj) if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and getattr(obj, "pk", None) is not None else "",
        object_repr=(object_repr if object_repr is not None else str(obj) if obj else "")[:200],
        changes=changes or {},
        reason=reason,
        ip_address=client_ip_var.get(),
        request_id=request_id_var.get() if request_id_var.get() != "-" else "",
    )


def diff(before: dict, after: dict) -> dict:
    """{"field": [old, new]} for the fields whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}
