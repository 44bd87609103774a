import time
from dataclasses import dataclass

import pytest
from django.conf import settings

from marketplace.core.roles import Role
from marketplace.core.sms import LocmemSMSBackend
from tests.factories import CommunityFactory, DistrictFactory, GridFactory, StreetFactory, UserFactory, grant


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need real concurrent connections: run them only there."""
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); CI runs the suite there too")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _clean_outboxes():
    LocmemSMSBackend.outbox.clear()
    yield
    LocmemSMSBackend.outbox.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the portal's default language: a request in English leaves English
    active in the thread (LocaleMiddleware), which would otherwise leak into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _reset_cache():
    """Every cache alias starts empty: pages and fragments cached by one test (and the table
    versions they were checked against) must not answer the next one."""
    from django.core.cache import caches

    from frontend import choice_cache

    def clear():
        for alias in settings.CACHES:
            caches[alias].clear()
        choice_cache.clear()

    clear()
    yield
    clear()


@dataclass
class World:
    """Two streets (A and B), each with two communities of two grids, and a user per role."""

    district: object
    street_a: object
    street_b: object
    community_a: object
    community_a2: object
    community_b: object
    grid_a: object
    grid_b: object
    district_admin: object
    official_a: object
    official_b: object
    worker_a: object
    worker_b: object
    grid_worker_a: object
    resident: object


@pytest.fixture
def world(db) -> World:
    district = DistrictFactory()
    street_a = StreetFactory(district=district, name="甲街道", code="street-a")
    street_b = StreetFactory(district=district, name="乙街道", code="street-b")
    community_a = CommunityFactory(street=street_a, name="甲一社区")
    community_a2 = CommunityFactory(street=street_a, name="甲二社区")
    community_b = CommunityFactory(street=street_b, name="乙一社区")
    grid_a = GridFactory(community=community_a, name="甲一社区第1网格")
    GridFactory(community=community_a2)
    grid_b = GridFactory(community=community_b, name="乙一社区第1网格")
    users = {}
    for name, role, scope in [
        ("district_admin", Role.DISTRICT_ADMIN, district),
        ("official_a", Role.STREET_OFFICIAL, street_a),
        ("official_b", Role.STREET_OFFICIAL, street_b),
        ("worker_a", Role.COMMUNITY_WORKER, community_a),
        ("worker_b", Role.COMMUNITY_WORKER, community_b),
        ("grid_worker_a", Role.GRID_WORKER, grid_a),
    ]:
        user = UserFactory(display_name=name)
        grant(user, role, scope)
        users[name] = user
    return World(
        district=district,
        street_a=street_a,
        street_b=street_b,
        community_a=community_a,
        community_a2=community_a2,
        community_b=community_b,
        grid_a=grid_a,
        grid_b=grid_b,
        resident=UserFactory(display_name="居民"),
        **users,
    )


@pytest.fixture(autouse=True)
def _live_server_settled():
    """The browser tests' live server shares the in-memory SQLite connection with the tests (as
    Django does for in-memory databases), and keeps serving after a browser test ends: a request
    it is still answering holds a transaction open on that connection. Wait for it to finish
    before the next test uses the connection."""
    from django.db import connection

    deadline = time.monotonic() + 10
    while (
        connection.connection is not None
        and not connection.in_atomic_block
        and not connection.autocommit
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    yield
