"""Work that must happen at a time (a bid window closing, a publicity period ending, a reminder).

``enqueue_at`` enqueues the task with ``run_after`` on a backend that can defer (the database
and Redis queues). Tasks scheduled this way must be idempotent and check the clock and the
current state themselves, so a duplicate enqueue or an early run does no harm — which is also
why a backend that cannot defer (the immediate backend in tests) may run them at once.
Reads and writes respect the same deadlines, so a missed or late run never changes an outcome.
"""

from datetime import datetime

from django.db import transaction
from django.tasks import task_backends
from django.utils import timezone


def enqueue_at(task, when: datetime, *args, **kwargs) -> None:
    """Enqueue ``task(*args, **kwargs)`` to run no earlier than ``when``, after commit."""
    if timezone.is_naive(when):
        raise ValueError("enqueue_at needs an aware datetime")

    def _enqueue():
        backend = task_backends[task.backend]
        if backend.supports_defer and when > timezone.now():
            task.using(run_after=when).enqueue(*args, **kwargs)
        else:
            task.enqueue(*args, **kwargs)

    transaction.on_commit(_enqueue)
