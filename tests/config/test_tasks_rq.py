"""TASK_BACKEND=rq: the portal's tasks (and Wagtail's) go to Redis and a real `manage.py rqworker`
runs them; /healthz/ reports the Redis queue's backlog.

These tests need Redis on 127.0.0.1:6379 (they use db 14 and empty its queues); without it they skip,
unless REQUIRE_SERVICES=1 (CI), where they fail."""

import datetime
import os
import sqlite3
import subprocess
import sys
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.tasks import TaskResultStatus, task_backends

from config import health
from config.settings.base import TASK_QUEUES, task_settings
from marketplace.core.models import Notification, NotificationKind
from marketplace.core.notifications import notify
from marketplace.core.tasks import deliver_notification
from tests.factories import UserFactory
from tests.services import redis_client

REDIS_URL = "redis://127.0.0.1:6379/14"
# The same command as `make worker` runs for TASK_BACKEND=rq, plus --burst: stop once the queues
# are empty.
WORKER = ["rqworker", "--job-class", "django_tasks_rq.Job", "--with-scheduler", "--burst", *TASK_QUEUES]


def _redis():
    return redis_client(REDIS_URL)


def _clear(client) -> None:
    keys = list(client.scan_iter("rq:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def rq(settings):
    """The rq backend of the settings, on a Redis database of the tests' own, emptied around each.

    Parallel test processes (pytest -n) share that database, and a burst worker takes whatever is
    queued: a lock makes these tests take turns."""
    client = _redis()
    with client.lock("portal-tests:rq", timeout=300, blocking_timeout=300):
        _clear(client)
        settings.TASKS, settings.RQ_QUEUES = task_settings("rq", REDIS_URL, TASK_QUEUES)
        yield client
        _clear(client)


def _queued_ids(client) -> list[str]:
    return [job_id.decode() for job_id in client.lrange("rq:queue:default", 0, -1)]


def _database_url(path) -> str:
    """A URL of the test database that another process can open. SQLite's test database lives
    in this process's memory, so it is copied to a file first (see _run_worker)."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = quote(db["USER"] or "")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"])
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)
    return f"sqlite:///{path}"


def _run_worker(tmp_path) -> subprocess.CompletedProcess:
    """Run `manage.py rqworker --burst` as a deployment would, on the test database."""
    database_file = tmp_path / "db.sqlite3"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": _database_url(database_file),
        "TASK_BACKEND": "rq",
        "TASK_REDIS_URL": REDIS_URL,
        # The worker reads the rows the tests wrote, personal data included.
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "PII_HASH_KEY": settings.PII_HASH_KEY,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *WORKER],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if connection.vendor == "sqlite":
        # What the worker wrote, back into this process's database.
        with sqlite3.connect(database_file) as written:
            written.backup(connection.connection)
    return result


@pytest.mark.django_db(transaction=True)
def test_a_notification_is_delivered_by_a_real_rq_worker(rq, tmp_path):
    user = UserFactory(email="resident-rq@example.com")
    note = notify(
        recipient=user, kind=NotificationKind.SYSTEM, title="扩容后的通知", body="经 Redis 队列送达"
    )

    # Enqueued to Redis after commit, not run in the request.
    [job_id] = _queued_ids(rq)
    assert deliver_notification.get_result(job_id).status == TaskResultStatus.READY
    assert mail.outbox == []
    note.refresh_from_db()
    assert note.emailed_at is None

    worker = _run_worker(tmp_path)
    assert worker.returncode == 0, worker.stdout + worker.stderr

    # The worker sent the e-mail (the console mailer of the default settings prints it).
    assert "To: resident-rq@example.com" in worker.stdout
    note.refresh_from_db()
    assert note.emailed_at is not None
    assert note.sms_sent_at is None  # SMS is off unless the user chose it
    result = deliver_notification.get_result(job_id)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.finished_at is not None
    assert result.worker_ids
    assert _queued_ids(rq) == []


@pytest.mark.django_db(transaction=True)
def test_a_task_that_fails_in_the_worker_is_reported_failed(rq, tmp_path):
    """A task that raises in the worker is FAILED with its error, never SUCCESSFUL."""
    from search.tasks import reindex

    # An unknown search kind raises ValueError inside the task.
    result = reindex.enqueue("no-such-kind", [1])
    worker = _run_worker(tmp_path)
    assert worker.returncode == 0, worker.stdout + worker.stderr
    failed = reindex.get_result(result.id)
    assert failed.status == TaskResultStatus.FAILED
    assert failed.errors[0].exception_class_path == "builtins.ValueError"
    assert "unknown search kind" in failed.errors[0].traceback


@pytest.mark.django_db(transaction=True)
def test_wagtail_tasks_go_to_the_same_queue(rq):
    """Wagtail enqueues through the django-tasks backport, which reads the same TASKS setting."""
    from django_tasks import task_backends as backport_backends
    from wagtail.tasks import update_reference_index_task

    assert type(task_backends["default"]).__name__ == "RQBackend"
    assert type(backport_backends["default"]).__name__ == "RQBackend"
    update_reference_index_task.enqueue("wagtailcore", "page", 1)
    assert len(_queued_ids(rq)) == 1


def test_the_health_check_reports_the_redis_backlog(rq, client, db):
    body = client.get("/healthz/").json()["checks"]["tasks"]
    assert body == {
        "status": "ok",
        "backend": "RQBackend",
        "waiting": 0,
        "oldest_waiting_seconds": 0,
        "ms": body["ms"],
    }
    user = UserFactory()
    deliver_notification.enqueue(Notification.objects.create(recipient=user, kind="system", title="t").pk)
    body = client.get("/healthz/").json()["checks"]["tasks"]
    assert (body["status"], body["waiting"]) == ("ok", 1)

    # Nobody has taken it for longer than the limit: no worker is running.
    [job_id] = _queued_ids(rq)
    old = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=health.TASK_BACKLOG_SECONDS + 5)
    rq.hset(f"rq:job:{job_id}", "enqueued_at", old.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["checks"]["tasks"]["status"] == "fail"


def test_a_deferred_task_left_unscheduled_fails_the_health_check(rq, client, db):
    from django.utils import timezone

    soon = timezone.now() + datetime.timedelta(minutes=5)
    deliver_notification.using(run_after=soon).enqueue(1)
    body = client.get("/healthz/").json()["checks"]["tasks"]
    # Not due yet: nothing waits.
    assert (body["status"], body["waiting"]) == ("ok", 0)
    # Due long ago, still in the schedule: no worker runs the scheduler.
    [key] = rq.keys("rq:scheduled:*")
    [member] = rq.zrange(key, 0, -1)
    rq.zadd(key, {member: (timezone.now() - datetime.timedelta(hours=1)).timestamp()})
    response = client.get("/healthz/")
    assert response.status_code == 503


def test_a_redis_that_does_not_answer_fails_the_health_check(client, db, settings):
    settings.TASKS, settings.RQ_QUEUES = task_settings("rq", "redis://127.0.0.1:1/0", TASK_QUEUES)
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["checks"]["tasks"] == {
        "status": "fail",
        "ms": response.json()["checks"]["tasks"]["ms"],
    }


# --- Settings -----------------------------------------------------------------------------


def test_the_database_queue_is_the_default():
    tasks, rq_queues = task_settings("db", "", TASK_QUEUES)
    assert tasks["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert rq_queues == {}


def test_rq_gets_a_queue_for_each_queue_name_on_the_given_redis():
    tasks, rq_queues = task_settings("rq", REDIS_URL, ["default", "slow"])
    assert tasks == {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", "slow"]}}
    assert rq_queues == {"default": {"URL": REDIS_URL}, "slow": {"URL": REDIS_URL}}


def test_every_task_of_the_portal_uses_a_configured_queue():
    """A task on a queue the rq backend does not know is refused at enqueue: catch it here."""
    import importlib

    from django.tasks import Task

    modules = [
        "marketplace.core.tasks",
        "marketplace.organizations.tasks",
        "marketplace.procurement.tasks",
        "marketplace.volunteers.tasks",
        "search.tasks",
        "wagtail.tasks",
        "wagtail.images.tasks",
    ]
    found = set()
    for name in modules:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, Task) or type(value).__name__ == "Task":
                found.add(value.queue_name)
    assert found and found <= set(TASK_QUEUES)


@pytest.mark.parametrize(
    ("backend", "redis_url", "message"),
    [("rq", "", "需要 Redis"), ("celery", REDIS_URL, "只能是 db、rq 或 immediate")],
)
def test_a_wrong_choice_is_refused_in_chinese_and_english(backend, redis_url, message):
    with pytest.raises(ImproperlyConfigured, match=message) as refused:
        task_settings(backend, redis_url, TASK_QUEUES)
    assert "TASK_BACKEND" in str(refused.value)


def _start(tmp_path, command, **env_vars) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env_vars,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_rq_without_redis_stops_the_start_with_a_clear_message(tmp_path):
    started = _start(tmp_path, ["check"], TASK_BACKEND="rq", REDIS_URL="", TASK_REDIS_URL="")
    assert started.returncode != 0
    assert "TASK_BACKEND=rq 需要 Redis" in started.stderr
    assert "ImproperlyConfigured" in started.stderr


def test_the_rq_settings_pass_the_system_checks(tmp_path):
    """django-tasks-rq checks that django_rq is installed and knows every queue."""
    started = _start(tmp_path, ["check"], TASK_BACKEND="rq", REDIS_URL=REDIS_URL)
    assert started.returncode == 0, started.stdout + started.stderr
    assert "no issues" in started.stdout
