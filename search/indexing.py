"""The one door through which the domain tells search that something changed.

A service (or a lifecycle effect) calls ``changed("project", [project.pk])`` after a write that
changes what a document shows or whether it exists, and ``removed(kind, ids)`` when the rows are
gone. Nothing is read or sent now: the re-index is enqueued when the transaction commits, so a
rolled-back write never reaches the index, and the task reads the documents afresh through
``search.sources``, so an object that is no longer public is removed rather than updated.

This module imports nothing from the domain or from search's internals at import time: the
domain may import it from anywhere without a cycle.
"""

from collections.abc import Iterable
from datetime import datetime
from functools import partial

from django.db import transaction

from .types import KINDS


def _clean(kind: str, ids) -> list[int]:
    if kind not in KINDS:
        raise ValueError(f"unknown search kind {kind!r}; one of {', '.join(KINDS)}")
    if isinstance(ids, int | str):
        ids = [ids]
    return sorted({int(i) for i in ids if i is not None})


def _enqueue(task_name: str, kind: str, ids: list[int]) -> None:
    from . import tasks

    getattr(tasks, task_name).enqueue(kind, ids)


def changed(kind: str, ids: Iterable[int] | int, *, at: datetime | None = None) -> None:
    """Re-read these objects' documents after commit (or, with ``at``, again at that time: for
    a document whose openness changes with the clock, such as a bid window that opens later)."""
    ids = _clean(kind, ids)
    if not ids:
        return
    if at is not None:
        from marketplace.core.scheduling import enqueue_at

        from . import tasks

        enqueue_at(tasks.reindex, at, kind, ids)
        return
    # Robust: a search that is down must not turn a committed write into an error page.
    transaction.on_commit(partial(_enqueue, "reindex", kind, ids), robust=True)


def removed(kind: str, ids: Iterable[int] | int) -> None:
    """Drop these objects' documents after commit (the rows are deleted)."""
    ids = _clean(kind, ids)
    if ids:
        transaction.on_commit(partial(_enqueue, "unindex", kind, ids), robust=True)


def on_transition(kind: str):
    """A lifecycle effect (see ``marketplace.core.lifecycle``) that re-indexes the moved object:
    ``Transition(..., effects=[indexing.on_transition("project")])``."""

    def effect(obj, **_context) -> None:
        changed(kind, [obj.pk])

    effect.__name__ = f"search_changed_{kind}"
    return effect
