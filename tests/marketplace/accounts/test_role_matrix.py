"""Role × action matrix: each role may act exactly within its scope, and the answer is the same
through the services, the admin pages and the API. In particular a street official of street A
can neither read street B's private records nor change street B's objects."""

import pytest
from rest_framework.test import APIClient

from marketplace.accounts import services as account_services
from marketplace.core.exceptions import PermissionDenied
from marketplace.core.models import AuditEntry
from marketplace.core.roles import Role
from marketplace.places import services as place_services
from tests.factories import UserFactory, enable_mfa

# (actor, target) -> may rename the community?  Objects: community_a (street A), community_b (B).
RENAME_COMMUNITY = {
    ("district_admin", "community_a"): True,
    ("district_admin", "community_b"): True,
    ("official_a", "community_a"): True,
    ("official_a", "community_b"): False,
    ("official_b", "community_a"): False,
    ("official_b", "community_b"): True,
    ("worker_a", "community_a"): False,  # community workers keep grids, not the community's name
    ("grid_worker_a", "community_a"): False,
    ("resident", "community_a"): False,
}
# (actor, target) -> may rename the grid?
RENAME_GRID = {
    ("district_admin", "grid_b"): True,
    ("official_a", "grid_a"): True,
    ("official_a", "grid_b"): False,
    ("worker_a", "grid_a"): True,
    ("worker_a", "grid_b"): False,
    ("worker_b", "grid_b"): True,
    ("grid_worker_a", "grid_a"): False,
    ("resident", "grid_a"): False,
}


def _cases(table, kind):
    return [
        pytest.param(kind, actor, target, allowed, id=f"{kind}-{actor}-{target}")
        for (actor, target), allowed in table.items()
    ]


CASES = _cases(RENAME_COMMUNITY, "community") + _cases(RENAME_GRID, "grid")


def _changed(obj, name) -> bool:
    obj.refresh_from_db()
    return obj.name == name


@pytest.mark.parametrize(("kind", "actor_name", "target_name", "allowed"), CASES)
def test_rename_through_the_service(world, kind, actor_name, target_name, allowed):
    actor, target = getattr(world, actor_name), getattr(world, target_name)
    if allowed:
        place_services.place_update(actor=actor, place=target, code=target.code, name="服务改名")
    else:
        with pytest.raises(PermissionDenied):
            place_services.place_update(actor=actor, place=target, code=target.code, name="服务改名")
    assert _changed(target, "服务改名") is allowed
    assert AuditEntry.objects.filter(action=f"places.{kind}.change").exists() is allowed


@pytest.mark.parametrize(("kind", "actor_name", "target_name", "allowed"), CASES)
def test_rename_through_the_admin_pages(world, client, kind, actor_name, target_name, allowed):
    actor, target = getattr(world, actor_name), getattr(world, target_name)
    enable_mfa(actor)
    client.force_login(actor)
    prefix = {"community": "/admin/places/communities/", "grid": "/admin/places/grids/"}[kind]
    edit = f"{prefix}edit/{target.pk}/"
    page = client.get(edit)
    listing = client.get(prefix).content.decode()
    data = {"code": target.code, "name": "页面改名", "sort_order": 0}
    if kind == "community":
        data["street"] = target.street_id
    else:
        data["community"] = target.community_id
    client.post(edit, data)
    assert _changed(target, "页面改名") is allowed
    if allowed:
        assert page.status_code == 200
        assert target.code in listing
    else:
        # Out of scope: never shown. A resident has no admin at all.
        assert page.status_code in (302, 403, 404)
        assert f"edit/{target.pk}/" not in listing


@pytest.mark.parametrize(("kind", "actor_name", "target_name", "allowed"), CASES)
def test_rename_through_the_api(world, kind, actor_name, target_name, allowed):
    actor, target = getattr(world, actor_name), getattr(world, target_name)
    api = APIClient()
    api.force_authenticate(actor)
    url = {"community": "/api/v1/communities/", "grid": "/api/v1/grids/"}[kind] + f"{target.pk}/"
    response = api.patch(url, {"name": "接口改名"}, format="json")
    assert response.status_code == (200 if allowed else 403), response.content
    assert _changed(target, "接口改名") is allowed
    if not allowed:
        assert response.json()["code"] == "permission_denied"


def test_creating_a_grid_through_the_api_respects_scope(world):
    api = APIClient()
    api.force_authenticate(world.worker_a)
    ok = api.post(
        "/api/v1/grids/",
        {"community": world.community_a.pk, "code": "api-g1", "name": "接口网格"},
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["community"] == world.community_a.pk
    refused = api.post(
        "/api/v1/grids/", {"community": world.community_b.pk, "code": "api-g2", "name": "越权"}, format="json"
    )
    assert refused.status_code == 403
    bad = api.post(
        "/api/v1/grids/", {"community": world.community_a.pk, "code": "bad code!", "name": "x"}, format="json"
    )
    assert bad.status_code == 400 and "编码" in bad.json()["detail"]
    anonymous = APIClient().post(
        "/api/v1/grids/", {"community": world.community_a.pk, "code": "a3", "name": "匿名"}
    )
    assert anonymous.status_code == 401


# --- reading private records: who holds which staff role where ------------------------------
def test_street_official_cannot_read_street_b_staff_in_the_admin(world, client):
    enable_mfa(world.official_a)
    client.force_login(world.official_a)
    listing = client.get("/admin/staff-roles/")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert world.worker_a.display_label in text
    assert world.worker_b.display_label not in text
    assert world.official_b.display_label not in text


def test_street_official_cannot_grant_or_revoke_in_street_b(world):
    newcomer = UserFactory()
    with pytest.raises(PermissionDenied):
        account_services.role_assign(
            actor=world.official_a, user=newcomer, role=Role.COMMUNITY_WORKER, scope=world.community_b
        )
    b_assignment = world.worker_b.role_assignments.get()
    with pytest.raises(PermissionDenied):
        account_services.role_revoke(actor=world.official_a, assignment=b_assignment)
    b_assignment.refresh_from_db()
    assert b_assignment.revoked_at is None
    granted = account_services.role_assign(
        actor=world.official_a, user=newcomer, role=Role.COMMUNITY_WORKER, scope=world.community_a
    )
    assert granted.scope_id == world.community_a.pk


def test_audit_trail_is_for_the_district_only(world, client):
    for user, visible in ((world.district_admin, True), (world.official_a, False)):
        enable_mfa(user)
        client.force_login(user)
        response = client.get("/admin/audit/")
        assert (response.status_code == 200) is visible
