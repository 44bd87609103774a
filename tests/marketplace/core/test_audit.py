import pytest
from django.db import DatabaseError, connection, transaction

from marketplace.core import audit
from marketplace.core.context import client_ip_var, request_id_var
from marketplace.core.models import AppendOnlyError, AuditEntry, TransitionLog


@pytest.fixture
def entry(world):
    return audit.record(
        actor=world.official_a,
        action="places.community.change",
        obj=world.community_a,
        changes={"name": ["a", "b"]},
    )


def test_record_keeps_who_what_which_when(world, entry):
    assert entry.actor == world.official_a
    assert entry.actor_label == world.official_a.display_label
    assert entry.object_type == "places.community"
    assert entry.object_id == str(world.community_a.pk)
    assert entry.object_repr == "甲一社区"
    assert entry.created_at is not None


def test_request_context_is_recorded(world):
    rid, ip = request_id_var.set("abcdef0123456789"), client_ip_var.set("203.0.113.9")
    try:
        entry = audit.record(actor=world.resident, action="x.test")
    finally:
        request_id_var.reset(rid)
        client_ip_var.reset(ip)
    assert (entry.request_id, entry.ip_address) == ("abcdef0123456789", "203.0.113.9")


@pytest.mark.parametrize("model", [AuditEntry, TransitionLog])
def test_orm_cannot_update_or_delete(world, entry, model):
    row = (
        entry
        if model is AuditEntry
        else TransitionLog.objects.create(
            lifecycle="x", object_id="1", code="c", from_state="a", to_state="b"
        )
    )
    row.reason = "changed"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=row.pk).update(reason="changed")
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=row.pk).delete()
    row.refresh_from_db()
    assert row.reason == ""


def test_diff_keeps_only_changed_fields():
    assert audit.diff({"a": 1, "b": 2}, {"a": 1, "b": 3}) == {"b": [2, 3]}


@pytest.mark.postgres
@pytest.mark.parametrize("table", ["core_auditentry", "core_transitionlog"])
def test_postgres_trigger_refuses_raw_update_and_delete(world, table):
    if table == "core_auditentry":
        pk = audit.record(actor=None, action="x.raw").pk
    else:
        pk = TransitionLog.objects.create(
            lifecycle="x", object_id="1", code="c", from_state="a", to_state="b"
        ).pk
    for sql in (f"UPDATE {table} SET reason = 'forged' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [pk])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT reason FROM {table} WHERE id = %s", [pk])
        assert cursor.fetchone() == ("",)
