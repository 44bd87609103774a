"""Tests that need a service of the machine (Redis, nginx, PostgreSQL's programs): skip without it,
or fail where every service must be there (REQUIRE_SERVICES=1, as .ci/run sets)."""

import os

import pytest


def unavailable(reason: str):
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1: this test must run)", pytrace=False)
    pytest.skip(reason)


def redis_client(url: str):
    """A client of the Redis at ``url``, answering, or the test skips (or fails)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        unavailable("no Redis on 127.0.0.1:6379 (.ci/run starts one)")
    return client
