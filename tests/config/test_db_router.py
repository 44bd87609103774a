"""DATABASE_REPLICA_URL: a request's safe reads go to the replica; writes, reads in a transaction,
reads after a write (in the request, or from the same client for a few seconds) and reads of
accounts and sessions go to the primary.

Two real aliases: "replica" is added as a mirror of the test database (the same data over a
second connection, as Django's TEST MIRROR does), so what is checked is which alias each query
used, captured per connection."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.db import connections, router, transaction
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext

from config.db_router import PIN_COOKIE, PRIMARY, REPLICA, replica_reads
from config.settings.base import replica_database
from marketplace.accounts.models import User
from marketplace.core.models import Notification, NotificationKind
from marketplace.core.notifications import notify
from marketplace.places.models import District
from tests.factories import UserFactory

NOTIFICATIONS = "/me/notifications/"


@pytest.fixture
def replica(settings, transactional_db):
    """The replica alias, the router and its middleware, as DATABASE_REPLICA_URL sets them up.
    Transactional: each alias sees the other's rows only once they are committed.

    The alias is a second connection with the test database's settings (what Django's TEST
    MIRROR does), made by hand: an alias added to DATABASES after the test database was set up
    would be refused by the test case."""
    primary = connections[PRIMARY].settings_dict
    wrapper = load_backend(primary["ENGINE"]).DatabaseWrapper({**primary}, alias=REPLICA)
    setattr(connections._connections, REPLICA, wrapper)
    settings.DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
    settings.MIDDLEWARE = ["config.db_router.ReplicaPinMiddleware", *settings.MIDDLEWARE]
    try:
        yield
    finally:
        wrapper.close()
        delattr(connections._connections, REPLICA)


class Captured:
    """The queries each alias ran inside the block."""

    def __enter__(self):
        self._contexts = {alias: CaptureQueriesContext(connections[alias]) for alias in (PRIMARY, REPLICA)}
        for context in self._contexts.values():
            context.__enter__()
        return self

    def __exit__(self, *exc):
        for context in self._contexts.values():
            context.__exit__(*exc)

    def sql(self, alias: str) -> list[str]:
        return [query["sql"] for query in self._contexts[alias].captured_queries]

    def touched(self, alias: str, table: str) -> bool:
        return any(table in sql for sql in self.sql(alias))


def _district() -> District:
    return District.objects.create(name="太和区", code="440100")


# --- The router on its own ----------------------------------------------------------------


def test_a_plain_read_in_a_request_goes_to_the_replica(replica):
    _district()
    with replica_reads(), Captured() as captured:
        assert District.objects.get().name == "太和区"
    assert captured.touched(REPLICA, "places_district")
    assert captured.sql(PRIMARY) == []


def test_reads_outside_a_request_go_to_the_primary(replica):
    """A task or a command reads what was just committed; the replica may not have it yet."""
    _district()
    with Captured() as captured:
        District.objects.get()
    assert captured.touched(PRIMARY, "places_district")
    assert captured.sql(REPLICA) == []


def test_reads_inside_a_transaction_go_to_the_primary(replica):
    _district()
    with replica_reads():
        with Captured() as inside, transaction.atomic():
            District.objects.get()
        # Out of the block again, with nothing written: the replica again.
        with Captured() as after:
            District.objects.get()
    assert inside.touched(PRIMARY, "places_district")
    assert inside.sql(REPLICA) == []
    assert after.touched(REPLICA, "places_district")
    assert after.sql(PRIMARY) == []


def test_after_a_write_the_rest_of_the_request_reads_the_primary(replica):
    with replica_reads() as state, Captured() as captured:
        District.objects.count()
        assert captured.sql(REPLICA) and not state.wrote
        _district()
        assert District.objects.get().name == "太和区"
    assert state.wrote
    assert len(captured.sql(REPLICA)) == 1  # only the count before the write
    assert sum("places_district" in sql and "SELECT" in sql for sql in captured.sql(PRIMARY)) == 1


def test_writes_always_go_to_the_primary(replica):
    _district()
    with replica_reads(), Captured() as captured:
        district = District.objects.get()
        assert district._state.db == REPLICA
        district.name = "太和新区"
        district.save()
        District.objects.filter(pk=district.pk).update(code="440101")
    writes = [sql for sql in captured.sql(PRIMARY) if sql.startswith("UPDATE")]
    assert len(writes) == 2
    assert not any(sql.startswith(("UPDATE", "INSERT", "DELETE")) for sql in captured.sql(REPLICA))
    district.refresh_from_db()
    assert (district.name, district.code) == ("太和新区", "440101")


def test_accounts_and_sessions_always_read_the_primary(replica):
    from django.contrib.sessions.models import Session

    user = UserFactory()
    with replica_reads(), Captured() as captured:
        User.objects.get(pk=user.pk)
        Session.objects.count()
    assert captured.touched(PRIMARY, "accounts_user")
    assert captured.touched(PRIMARY, "django_session")
    assert captured.sql(REPLICA) == []


def test_migrations_only_on_the_primary(replica):
    assert router.allow_migrate_model(PRIMARY, District)
    assert not router.allow_migrate_model(REPLICA, District)
    assert not router.allow_migrate(REPLICA, "wagtailcore")


def test_rows_from_either_alias_may_be_related(replica):
    user = UserFactory()
    with replica_reads():
        note_from_replica = Notification(kind=NotificationKind.SYSTEM, title="t")
        note_from_replica._state.db = REPLICA
        assert router.allow_relation(note_from_replica, user)
        note_from_replica.recipient = user  # no "instance is on database" error


# --- Through the middleware: one client's requests ----------------------------------------


def test_a_write_pins_the_same_client_to_the_primary_for_a_few_seconds(replica, client, settings):
    settings.REPLICA_PIN_SECONDS = 7
    user = UserFactory()
    for i in range(2):
        notify(recipient=user, kind=NotificationKind.SYSTEM, title=f"通知{i}")
    client.force_login(user)
    # A first visit may write rows made on first use (the site's portal settings): not measured.
    client.get(NOTIFICATIONS)
    client.cookies.pop(PIN_COOKIE, None)

    # A plain page: its reads of the inbox go to the replica, and nothing is pinned.
    with Captured() as captured:
        response = client.get(NOTIFICATIONS)
    assert response.status_code == 200
    assert captured.touched(REPLICA, "core_notification")
    assert not captured.touched(PRIMARY, "core_notification")
    assert PIN_COOKIE not in response.cookies

    # A POST that writes: the answer pins this client for REPLICA_PIN_SECONDS.
    response = client.post(f"{NOTIFICATIONS}read-all/")
    assert response.status_code == 302
    pin = response.cookies[PIN_COOKIE]
    assert pin["max-age"] == 7
    assert pin["httponly"]
    assert not Notification.objects.filter(read_at__isnull=True).exists()

    # The redirect's page reads the primary, where the write is sure to be.
    with Captured() as captured:
        response = client.get(response["Location"])
    assert response.status_code == 200
    assert captured.touched(PRIMARY, "core_notification")
    assert captured.sql(REPLICA) == []
    assert PIN_COOKIE not in response.cookies  # a read does not extend the pin

    # Once the cookie has expired, the replica again.
    del client.cookies[PIN_COOKIE]
    with Captured() as captured:
        client.get(NOTIFICATIONS)
    assert captured.touched(REPLICA, "core_notification")


def test_a_request_that_only_reads_sets_no_cookie(replica, client):
    with Captured() as captured:
        response = client.get("/api/v1/streets/")
    assert response.status_code == 200
    assert captured.sql(REPLICA)
    assert not response.cookies


# --- Settings -----------------------------------------------------------------------------


def test_the_replica_entry_takes_the_default_options_and_mirrors_it_under_test():
    default = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "portal",
        "ATOMIC_REQUESTS": False,
        "CONN_MAX_AGE": 60,
        "OPTIONS": {"connect_timeout": 5},
    }
    replica = replica_database("postgres://reader:pw@db-replica:5432/portal?sslmode=require", default)
    assert (replica["HOST"], replica["USER"], replica["NAME"]) == ("db-replica", "reader", "portal")
    assert replica["CONN_MAX_AGE"] == 60
    assert replica["ATOMIC_REQUESTS"] is False
    assert replica["OPTIONS"] == {"connect_timeout": 5, "sslmode": "require"}
    assert replica["TEST"] == {"MIRROR": "default"}


def test_a_replica_of_another_kind_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="同一种数据库"):
        replica_database("sqlite:////tmp/replica.sqlite3", {"ENGINE": "django.db.backends.postgresql"})


PRINT_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'databases': sorted(s.DATABASES), 'routers': s.DATABASE_ROUTERS, "
    "'middleware': s.MIDDLEWARE}))"
)


def _settings_with(tmp_path, **env_vars) -> dict:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env_vars,
    }
    started = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode == 0, started.stderr
    return json.loads(started.stdout.strip().splitlines()[-1])


def test_the_settings_switch_on_only_with_the_variable(tmp_path):
    without = _settings_with(tmp_path)
    assert without["databases"] == ["default"]
    assert without["routers"] == []
    assert "config.db_router.ReplicaPinMiddleware" not in without["middleware"]

    with_replica = _settings_with(tmp_path, DATABASE_REPLICA_URL=f"sqlite:///{tmp_path / 'replica.sqlite3'}")
    assert with_replica["databases"] == ["default", "replica"]
    assert with_replica["routers"] == ["config.db_router.ReplicaRouter"]
    assert with_replica["middleware"][0] == "config.db_router.ReplicaPinMiddleware"
    assert with_replica["middleware"][1:] == without["middleware"]


def test_a_get_or_create_that_finds_its_row_does_not_pin(replica):
    from django.contrib.auth.models import Group

    with replica_reads() as state:
        Group.objects.get_or_create(name="网站编辑")
    assert state.wrote, "the row was created"
    with replica_reads() as state:
        Group.objects.get_or_create(name="网站编辑")
    assert not state.wrote, "only read: the router was asked where to write, nothing was written"
