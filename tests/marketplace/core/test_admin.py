"""The audit trail in the Wagtail admin: read-only, for district admins, with filters and
per-object history; and the permission policy that ties the admin to core.permissions."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from marketplace.core import audit
from marketplace.core.admin_permissions import ScopedPermissionPolicy
from marketplace.core.models import AuditEntry
from marketplace.core.roles import Role
from marketplace.places.models import Community
from tests.factories import UserFactory, grant

AUDIT = "/admin/audit/"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def login(client):
    """Log a user in as the admin sees them: staff must have two-factor authentication."""

    def _login(user):
        Authenticator.objects.get_or_create(user=user, type=Authenticator.Type.TOTP, defaults={"data": {}})
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


def _text(response) -> str:
    return response.content.decode()


def _entry(world, *, action, obj, when=None, changes=None) -> AuditEntry:
    entry = audit.record(actor=world.district_admin, action=action, obj=obj, changes=changes)
    if when is None:
        return entry
    # Entries cannot be rewritten, so a dated one is written directly.
    return AuditEntry.objects.create(
        created_at=when,
        actor=world.district_admin,
        actor_label="dated",
        action=action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        object_repr=f"{obj}@{when:%m%d}",
    )


def test_district_admin_sees_the_audit_trail(login, world):
    _entry(world, action="places.community.change", obj=world.community_b, changes={"name": ["旧", "乙新"]})
    page = _text(login(world.district_admin).get(AUDIT))
    assert "places.community.change" in page
    assert "乙新" in page


@pytest.mark.parametrize("who", ["official_a", "worker_a", "grid_worker_a"])
def test_other_staff_cannot_see_the_audit_trail(login, world, who):
    entry = _entry(world, action="places.community.change", obj=world.community_a)
    client = login(getattr(world, who))
    response = client.get(AUDIT)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get(f"{AUDIT}inspect/{entry.pk}/").status_code == 302
    assert AUDIT not in _text(client.get("/admin/"))


def test_residents_are_kept_out_of_the_admin(login, world):
    response = login(world.resident).get(AUDIT)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_superuser_without_a_role_cannot_see_the_audit_trail(login, world):
    root = UserFactory(is_superuser=True, is_staff=True)
    client = login(root)
    assert client.get(AUDIT).status_code == 302
    grant(root, Role.DISTRICT_ADMIN, world.district)
    assert client.get(AUDIT).status_code == 200


def test_filter_by_action(login, world):
    _entry(world, action="places.street.create", obj=world.street_a)
    _entry(world, action="places.community.change", obj=world.community_b)
    page = _text(login(world.district_admin).get(AUDIT, {"action": "places.street.create"}))
    assert world.street_a.name in page
    assert world.community_b.name not in page


def test_filter_by_object_type(login, world):
    _entry(world, action="places.street.create", obj=world.street_a)
    _entry(world, action="places.grid.create", obj=world.grid_b)
    page = _text(login(world.district_admin).get(AUDIT, {"object_type": "places.grid"}))
    assert world.grid_b.name in page
    assert world.street_a.name not in page


def test_filter_by_date(login, world):
    _entry(
        world,
        action="places.street.change",
        obj=world.street_a,
        when=datetime(2025, 3, 1, 9, tzinfo=SHANGHAI),
    )
    _entry(
        world,
        action="places.street.change",
        obj=world.street_a,
        when=datetime(2025, 5, 1, 9, tzinfo=SHANGHAI),
    )
    # Just after midnight in Shanghai is still the previous day in UTC: days are local days.
    _entry(
        world,
        action="places.street.change",
        obj=world.street_a,
        when=datetime(2025, 4, 1, 0, 30, tzinfo=SHANGHAI),
    )
    page = _text(
        login(world.district_admin).get(
            AUDIT, {"created_at_from": "2025-04-01", "created_at_to": "2025-06-30"}
        )
    )
    assert f"{world.street_a}@0501" in page
    assert f"{world.street_a}@0401" in page
    assert f"{world.street_a}@0301" not in page


def test_per_object_history(login, world):
    _entry(
        world, action="places.community.change", obj=world.community_a, changes={"name": ["甲一", "甲一新"]}
    )
    _entry(
        world, action="places.community.change", obj=world.community_a2, changes={"name": ["甲二", "甲二新"]}
    )
    client = login(world.district_admin)
    page = _text(
        client.get(AUDIT, {"object_type": "places.community", "object_id": str(world.community_a.pk)})
    )
    assert "甲一新" in page
    assert "甲二新" not in page


def test_inspect_shows_the_entry_and_links_to_the_objects_history(login, world):
    entry = _entry(
        world, action="places.community.change", obj=world.community_a, changes={"name": ["甲一", "甲一新"]}
    )
    page = _text(login(world.district_admin).get(f"{AUDIT}inspect/{entry.pk}/"))
    assert "甲一新" in page
    assert "object_type=places.community" in page
    assert f"object_id={world.community_a.pk}" in page
    # Times are shown in Asia/Shanghai.
    assert entry.created_at.astimezone(SHANGHAI).strftime("%H:%M") in page


def test_nothing_can_add_edit_or_delete_entries(login, world):
    entry = _entry(world, action="places.community.change", obj=world.community_a)
    for name in ("add", "edit", "delete", "history", "usage"):
        with pytest.raises(NoReverseMatch):
            reverse(f"core_audit:{name}", args=() if name == "add" else (entry.pk,))
    client = login(world.district_admin)
    before = AuditEntry.objects.count()
    for url in (f"{AUDIT}new/", f"{AUDIT}edit/{entry.pk}/", f"{AUDIT}delete/{entry.pk}/"):
        assert client.post(url, {"action": "forged"}).status_code == 404
    assert AuditEntry.objects.count() == before
    assert AuditEntry.objects.get(pk=entry.pk).action == "places.community.change"
    assert f"{AUDIT}new/" not in _text(client.get(AUDIT))


def test_list_query_count_does_not_grow_with_rows(login, world):
    client = login(world.district_admin)
    client.get(AUDIT)  # warm up caches filled once per process

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(AUDIT)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    for i in range(5):
        _entry(world, action=f"test.action{i % 3}", obj=world.community_a, changes={"n": i})
    few = count()
    for i in range(45):
        _entry(world, action=f"test.action{i % 3}", obj=world.grid_a, changes={"n": i})
    many = count()
    assert many == few


# --- The policy itself ------------------------------------------------------------------------
def _community_policy():
    return ScopedPermissionPolicy(
        Community, {"add": "places.community.create", "change": "places.community.change"}
    )


def test_policy_follows_roles_and_scopes(world):
    policy = _community_policy()
    assert policy.user_has_permission(world.district_admin, "add")
    assert not policy.user_has_permission(world.official_a, "add")
    assert policy.user_has_permission(world.official_a, "change")
    assert policy.user_has_permission_for_instance(world.official_a, "change", world.community_a)
    assert not policy.user_has_permission_for_instance(world.official_a, "change", world.community_b)
    assert not policy.user_has_permission(world.district_admin, "delete")
    assert set(policy.instances_user_has_any_permission_for(world.official_a, ["change"])) == {
        world.community_a,
        world.community_a2,
    }
    assert world.official_a in policy.users_with_any_permission(["change"])
    assert world.worker_a not in policy.users_with_any_permission(["change"])


def test_policy_grants_superusers_nothing_by_themselves(world):
    root = UserFactory(is_superuser=True, is_staff=True)
    policy = _community_policy()
    assert not policy.user_has_any_permission(root, ["add", "change", "delete", "view"])
    assert not policy.user_has_permission_for_instance(root, "change", world.community_a)
    assert not policy.instances_user_has_any_permission_for(root, ["change"]).exists()
