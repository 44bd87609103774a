"""GET /healthz/: each part's state for a monitor, 503 when any part is down, nothing that
names a host or an error's text."""

import datetime

import pytest
from django.utils import timezone

from config import health

URL = "/healthz/"


def test_all_parts_answer(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "tasks", "search"}
    assert all(check["status"] == "ok" and check["ms"] >= 0 for check in body["checks"].values())
    assert body["checks"]["search"]["backend"] == "DatabaseBackend"
    assert body["checks"]["search"]["documents"] == 0
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_a_part_that_fails_makes_the_answer_503_without_its_details(client, db, monkeypatch):
    def broken():
        raise ConnectionError("redis://secret-host:6379 refused")

    monkeypatch.setitem(health.CHECKS, "cache", broken)
    response = client.get(URL)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["cache"]["status"] == "fail"
    assert body["checks"]["database"]["status"] == "ok"
    assert "secret-host" not in response.content.decode()


def test_a_search_engine_that_is_down_fails_the_search_check(client, db, monkeypatch):
    from search.backends.elastic import ElasticsearchError
    from search.service import get_backend

    def down():
        raise ElasticsearchError("Elasticsearch at http://es.internal:9200 failed to count")

    monkeypatch.setattr(get_backend(), "count", down)
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json()["checks"]["search"]["status"] == "fail"


DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}


@pytest.mark.django_db(transaction=True)
def test_the_database_queue_reports_its_backlog_and_fails_when_no_worker_takes_it(client, settings):
    from django_tasks_db.models import DBTaskResult

    from search.tasks import reindex

    settings.TASKS = DB_TASKS
    reindex.enqueue("project", [1])
    body = client.get(URL).json()["checks"]["tasks"]
    assert body == {
        "status": "ok",
        "backend": "DatabaseBackend",
        "waiting": 1,
        "oldest_waiting_seconds": 0,
        "ms": body["ms"],
    }
    # Nobody has taken it for longer than the limit: no worker is running.
    DBTaskResult.objects.update(
        enqueued_at=timezone.now() - datetime.timedelta(seconds=health.TASK_BACKLOG_SECONDS + 5)
    )
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json()["checks"]["tasks"]["status"] == "fail"


def test_only_get_and_head(client, db):
    assert client.post(URL).status_code == 405


def test_the_cache_check_talks_to_redis_when_redis_is_configured(client, db, settings):
    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379 (.ci/run starts one)")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    response = client.get(URL)
    assert response.json()["checks"]["cache"] == {
        "status": "ok",
        "backend": "RedisCache",
        "ms": response.json()["checks"]["cache"]["ms"],
    }
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    assert client.get(URL).status_code == 503
