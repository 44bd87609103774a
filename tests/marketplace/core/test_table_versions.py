"""Table versions: every write through a Django cursor replaces the token of the table it
writes — at once in autocommit mode, at the commit inside a transaction, never for a rolled-back
write — and ``track_reads`` records the tokens of the tables read, before they are read.

Runs on SQLite and, with DATABASE_URL set, on PostgreSQL (the SQL parsing meets each one's SQL)."""

import pytest
from django.db import connection, transaction
from django.db.models import F

from marketplace.core import table_versions as tv
from marketplace.places.models import Community, Street
from search.models import SearchEntry, SearchGroup, SearchText
from tests.factories import CommunityFactory, DistrictFactory, StreetFactory
from tests.services import redis_client

STREET = Street._meta.db_table
COMMUNITY = Community._meta.db_table


def token(table: str) -> str:
    return tv.versions([table])[table]


@pytest.fixture
def street(db):
    return StreetFactory(district=DistrictFactory(), name="甲街道", code="street-a")


# --- parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "tables"),
    [
        (
            'SELECT "a"."id" FROM "a" INNER JOIN "b" ON ("a"."b_id" = "b"."id") LEFT OUTER JOIN "c" T3 ON 1',
            {"a", "b", "c"},
        ),
        ('SELECT 1 FROM "a" WHERE "a"."id" IN (SELECT U0."id" FROM "d" U0)', {"a", "d"}),
        ('SELECT EXISTS(SELECT 1 AS "a" FROM "e" U0 LIMIT 1)', {"e"}),
        (
            "SELECT -bm25(portal_search_fts) FROM portal_search_fts JOIN portal_search_searchentry e ON 1",
            {
                "portal_search_fts",
                "portal_search_searchentry",
            },
        ),
        ('SELECT EXTRACT(YEAR FROM "a"."made") FROM "a"', {"a"}),
    ],
)
def test_read_tables(sql, tables):
    assert tv.read_tables(sql) == tables


@pytest.mark.parametrize(
    ("sql", "tables"),
    [
        ('INSERT INTO "a" ("x") VALUES (%s) RETURNING "a"."id"', {"a"}),
        ('INSERT INTO "a" ("x") VALUES (%s) ON CONFLICT("x") DO UPDATE SET "x" = EXCLUDED."x"', {"a"}),
        ('INSERT OR IGNORE INTO "a" ("x") VALUES (%s)', {"a"}),
        ('REPLACE INTO "a" ("x") VALUES (%s)', {"a"}),
        ('UPDATE "a" SET "x" = %s WHERE "a"."id" IN (SELECT U0."id" FROM "b" U0)', {"a"}),
        ('DELETE FROM "a" WHERE "a"."id" IN (%s)', {"a"}),
        ("update places_street set name = 'x'", {"places_street"}),
    ],
)
def test_write_tables(sql, tables):
    assert tv.write_tables(sql) == tables


def test_trigger_body_write_tables():
    body = (
        "CREATE TRIGGER t AFTER UPDATE ON text BEGIN INSERT INTO fts(fts, rowid) VALUES ('delete', old.id); "
        'INSERT INTO fts(rowid) VALUES (new.id) ON CONFLICT DO UPDATE SET x = 1; UPDATE "log" SET n = n + 1; END'
    )
    assert tv.body_write_tables(body) == {"fts", "log"}


# --- writes ---------------------------------------------------------------------------------


def test_a_write_outside_a_transaction_bumps_at_once(street):
    before = token(STREET)
    Street.objects.filter(pk=street.pk).update(name="新名字")
    assert token(STREET) != before


def test_a_write_in_a_transaction_bumps_at_the_commit(street):
    before = token(STREET)
    with transaction.atomic():
        Street.objects.filter(pk=street.pk).update(name="新名字")
        assert token(STREET) == before, "nothing is announced before the commit"
    assert token(STREET) != before


def test_a_rolled_back_write_bumps_nothing(street):
    before = token(STREET)
    with pytest.raises(RuntimeError), transaction.atomic():
        street.name = "不会保存"
        street.save()
        raise RuntimeError
    assert token(STREET) == before


def test_a_rolled_back_savepoint_drops_only_its_own_writes(street):
    community_before, street_before = token(COMMUNITY), token(STREET)
    with transaction.atomic():
        try:
            with transaction.atomic():
                CommunityFactory(street=street)
                Street.objects.filter(pk=street.pk).update(name="回滚")
                raise RuntimeError
        except RuntimeError:
            pass
        # Written again after the savepoint's own record was dropped: must still count.
        Street.objects.filter(pk=street.pk).update(name="提交")
    assert token(COMMUNITY) == community_before
    assert token(STREET) != street_before


@pytest.mark.django_db(transaction=True)
def test_real_commits_and_rollbacks():
    """Without Django's test transaction around the test: the real on-commit path."""
    street = StreetFactory(district=DistrictFactory(), code="street-t")
    before = token(STREET)
    with transaction.atomic():
        Street.objects.filter(pk=street.pk).update(sort_order=F("sort_order") + 1)
        assert token(STREET) == before
    committed = token(STREET)
    assert committed != before
    with pytest.raises(RuntimeError), transaction.atomic():
        Street.objects.filter(pk=street.pk).update(sort_order=F("sort_order") + 1)
        raise RuntimeError
    assert token(STREET) == committed


def test_inserts_that_update_on_conflict_bump(street):
    before = token(STREET)
    Street.objects.bulk_create(
        [Street(district=street.district, name="甲街道改", code="street-a", sort_order=5)],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name"],
    )
    assert token(STREET) != before


def test_deletes_bump_the_tables_the_database_cascades_to(db):
    group = SearchGroup.objects.create(kind="project")
    entry = SearchEntry.objects.create(kind="project", object_id=1, group=group)
    SearchText.objects.create(entry=entry, title="养老", title_tokens="养老")
    text_before = token(SearchText._meta.db_table)
    entry.delete()  # the database deletes the text (DB_CASCADE): no statement names its table
    assert token(SearchText._meta.db_table) != text_before


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's full-text index follows its table by triggers"
)
def test_a_write_bumps_the_tables_its_triggers_write(db):
    group = SearchGroup.objects.create(kind="project")
    entry = SearchEntry.objects.create(kind="project", object_id=1, group=group)
    before = token("portal_search_fts")
    SearchText.objects.create(entry=entry, title="养老", title_tokens="养老")
    assert token("portal_search_fts") != before


def test_raw_sql_is_tracked_too(street):
    before = token(STREET)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {STREET} SET name = %s WHERE id = %s", ["原始", street.pk])
    assert token(STREET) != before


def test_sessions_are_ignored(client, db):
    before = token("django_session")
    session = client.session
    session["x"] = 1
    session.save()
    assert token("django_session") == before


def test_callbacks_captured_by_tests_are_not_ours(street, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        Street.objects.filter(pk=street.pk).update(name="x")
        transaction.on_commit(lambda: None)
    assert len(callbacks) == 1


# --- reads ----------------------------------------------------------------------------------


def test_track_reads_records_every_table_read_and_the_global_token(street):
    CommunityFactory(street=street)
    with tv.track_reads() as recorded:
        list(Community.objects.select_related("street").filter(street__name="甲街道"))
    assert {COMMUNITY, STREET, tv.ALL} <= set(recorded)
    assert tv.is_current(recorded)
    Street.objects.filter(pk=street.pk).update(name="乙")
    assert not tv.is_current(recorded)


def test_a_token_is_read_before_the_query_so_a_later_write_is_never_missed(street):
    with tv.track_reads() as recorded:
        list(Street.objects.all())
        # Committed after the read: the recorded token is older than the data now.
        Street.objects.filter(pk=street.pk).update(name="后写")
    assert not tv.is_current(recorded)


def test_nested_tracking_gives_the_inner_reads_to_the_outer_block_too(street):
    with tv.track_reads() as outer:
        with tv.track_reads() as inner:
            list(Street.objects.all())
        list(Community.objects.all())
    assert STREET in inner and COMMUNITY not in inner
    assert {STREET, COMMUNITY} <= set(outer)


def test_record_adds_an_earlier_renders_tokens(street):
    with tv.track_reads() as fragment:
        list(Street.objects.all())
    with tv.track_reads() as page:
        tv.record(fragment)
    assert page[STREET] == fragment[STREET]


def test_bump_all_invalidates_everything(street):
    with tv.track_reads() as recorded:
        list(Street.objects.all())
    tv.bump_all()
    assert not tv.is_current(recorded)


def test_explicit_bumps_wait_for_the_commit(street):
    with tv.track_reads(depends_on=["url:x"]) as recorded:
        pass
    with transaction.atomic():
        tv.bump(["url:x"])
        assert tv.is_current(recorded)
    assert not tv.is_current(recorded)


def test_a_lost_store_never_makes_an_old_record_current(street):
    from django.conf import settings
    from django.core.cache import caches

    with tv.track_reads() as recorded:
        list(Street.objects.all())
    caches[settings.PAGE_CACHE_VERSIONS_ALIAS].clear()
    assert not tv.is_current(recorded)


def test_reads_on_a_replica_just_after_a_write_are_never_reused(street, settings):
    settings.REPLICA_PIN_SECONDS = 5
    Street.objects.filter(pk=street.pk).update(name="刚写")
    with tv.track_reads() as recorded:
        tv.depend([STREET], replica=True)
    assert recorded[STREET] == "unsettled"
    assert not tv.is_current(recorded)
    # Long after the write, the replica has it.
    settings.REPLICA_PIN_SECONDS = 0
    with tv.track_reads() as recorded:
        tv.depend([STREET], replica=True)
    assert tv.is_current(recorded)


def test_the_hit_path_reads_only_the_epoch_while_nothing_changed(street):
    from unittest import mock

    with tv.track_reads() as recorded:
        list(Street.objects.all())
    assert tv.is_current(recorded)
    store = tv._store()
    with mock.patch.object(store, "get_many", wraps=store.get_many) as get_many:
        assert tv.is_current(recorded)
    assert get_many.call_count == 0


# --- in Redis, as in production --------------------------------------------------------------

REDIS_URL = "redis://127.0.0.1:6379/12"


@pytest.fixture
def redis_store(settings):
    """The versions and the pages in Redis (database 12, emptied before and after)."""
    client = redis_client(REDIS_URL)
    client.flushdb()
    backend = "marketplace.core.cache.RedisCache"
    settings.CACHES = {
        **settings.CACHES,
        "pages": {"BACKEND": backend, "LOCATION": REDIS_URL, "KEY_PREFIX": "pages"},
        "table_versions": {"BACKEND": backend, "LOCATION": REDIS_URL, "TIMEOUT": None},
    }
    yield client
    client.flushdb()


def test_versions_in_redis(street, redis_store):
    with tv.track_reads() as recorded:
        list(Street.objects.all())
    assert redis_store.keys("*tv:places_street")
    assert tv.is_current(recorded)
    with transaction.atomic():
        Street.objects.filter(pk=street.pk).update(name="改")
        assert tv.is_current(recorded)
    assert not tv.is_current(recorded)


def test_the_redis_backend_reuses_one_client(redis_store):
    from django.core.cache import caches

    store = caches["table_versions"]
    store.set("a", 1)
    assert store.get("a") == 1
    assert store._cache.get_client() is store._cache.get_client(write=True)


def test_a_page_cached_in_redis(client, street, redis_store):
    from django.core.cache import caches
    from wagtail.models import Site

    from cms.models import PortalSettings

    PortalSettings.for_site(Site.objects.get(is_default_site=True))  # made by the first page otherwise
    assert client.get("/projects/").headers["X-Page-Cache"] == "miss"
    assert client.get("/projects/").headers["X-Page-Cache"] == "hit"
    assert redis_store.keys("pages:*")
    caches["pages"].clear()
    assert client.get("/projects/").headers["X-Page-Cache"] == "miss"
