from datetime import timedelta

import pytest
from django.tasks import task, task_backends
from django.utils import timezone

from marketplace.core.scheduling import enqueue_at

runs: list[str] = []


@task()
def remember(label: str) -> None:
    runs.append(label)


@pytest.fixture(autouse=True)
def _clear():
    runs.clear()
    yield
    runs.clear()


@pytest.fixture
def db_backend(settings):
    # Django resets its task backends when the TASKS setting changes.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    assert task_backends["default"].supports_defer


def test_database_queue_defers_until_the_time(db, db_backend, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    when = timezone.now() + timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_at(remember, when, "close-window")
        assert not DBTaskResult.objects.exists()  # only after commit
    row = DBTaskResult.objects.get()
    assert row.run_after == when
    assert row.args_kwargs == {"args": ["close-window"], "kwargs": {}}
    assert runs == []


def test_backend_without_defer_runs_at_once(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_at(remember, timezone.now() + timedelta(days=1), "early")
    assert runs == ["early"]


def test_naive_time_is_refused():
    with pytest.raises(ValueError):
        enqueue_at(remember, timezone.now().replace(tzinfo=None), "x")
