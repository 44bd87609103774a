"""GET /healthz/: whether the database, the cache, the task queue and search answer, for a load
balancer or a monitor. Public and cheap; it names each part's state and how long it took, never
a host, a message or anything else that helps an attacker (the log has the details)."""

import datetime
import logging
import time
import uuid
from collections.abc import Callable

from django.core.cache import caches
from django.db import connection
from django.http import JsonResponse
from django.tasks import task_backends
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# Ready tasks waiting longer than this mean no worker is taking them.
TASK_BACKLOG_SECONDS = 600


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def check_cache() -> dict:
    cache = caches["default"]
    key, value = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    try:
        if cache.get(key) != value:
            raise RuntimeError("the cache did not return what was stored")
    finally:
        cache.delete(key)
    return {"backend": type(cache).__name__}


def check_tasks() -> dict:
    backend = task_backends["default"]
    info = {"backend": type(backend).__name__}
    if type(backend).__module__.startswith("django_tasks_db"):
        from django.db.models import Case, Count, F, Min, When
        from django_tasks_db.models import DBTaskResult, get_date_max

        # A deferred task waits from the time it may run, any other from when it was enqueued.
        since = Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after"))
        ready = DBTaskResult.objects.ready().aggregate(waiting=Count("id"), oldest=Min(since))
        info["waiting"] = ready["waiting"]
        oldest = ready["oldest"]
        info["oldest_waiting_seconds"] = int((timezone.now() - oldest).total_seconds()) if oldest else 0
    elif type(backend).__module__.startswith("django_tasks_rq"):
        info.update(rq_backlog(backend.queues))
    if info.get("oldest_waiting_seconds", 0) > TASK_BACKLOG_SECONDS:
        raise RuntimeError(f"tasks have waited {info['oldest_waiting_seconds']} s: is a worker running?")
    return info


def rq_backlog(queue_names) -> dict:
    """How many tasks wait in the Redis queues and for how long the oldest has (deferred ones
    from the time they may run); a Redis that does not answer raises."""
    import django_rq

    now = timezone.now()
    waiting, oldest = 0, now
    for name in sorted(queue_names):
        queue = django_rq.get_queue(name)
        queue.connection.ping()
        waiting += queue.count
        # Jobs are appended, so the head of the list is the oldest. A task of the highest priority
        # jumps ahead of older ones, but it too grows old when no worker takes it.
        head = queue.get_job_ids(0, 1)
        job = queue.fetch_job(head[0]) if head else None
        if job is not None and job.enqueued_at is not None:
            oldest = min(oldest, _aware(job.enqueued_at))
        # A deferred task whose time has come stays in the scheduled registry until a worker's
        # scheduler moves it to the queue: still there long after, no scheduler is running.
        due = queue.connection.zrangebyscore(
            queue.scheduled_job_registry.key, 0, now.timestamp(), start=0, num=1, withscores=True
        )
        if due:
            waiting += queue.connection.zcount(queue.scheduled_job_registry.key, 0, now.timestamp())
            oldest = min(oldest, datetime.datetime.fromtimestamp(due[0][1], tz=datetime.UTC))
    return {"waiting": waiting, "oldest_waiting_seconds": int((now - oldest).total_seconds())}


def _aware(moment: datetime.datetime) -> datetime.datetime:
    # rq writes UTC; older versions of it gave it back naive.
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=datetime.UTC)


def check_search() -> dict:
    from search.service import backend_path, get_backend

    return {"backend": backend_path().rsplit(".", 1)[-1], "documents": get_backend().count()}


CHECKS: dict[str, Callable[[], dict]] = {
    "database": check_database,
    "cache": check_cache,
    "tasks": check_tasks,
    "search": check_search,
}


@never_cache
@require_safe
def healthz(request):
    checks, healthy = {}, True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            result = {"status": "ok", **check()}
        except Exception:  # every failure, whatever raised it, is this part being down
            logger.exception("health check %s failed", name)
            result, healthy = {"status": "fail"}, False
        result["ms"] = round((time.perf_counter() - started) * 1000, 1)
        checks[name] = result
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503
    )
