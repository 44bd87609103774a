"""Staff roles in the Wagtail admin: grant and revoke through the services, only inside the
actor's scopes, with masked phone numbers and an audit entry for every change."""

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.accounts.models import RoleAssignment
from marketplace.accounts.services import STAFF_GROUP
from marketplace.core.models import AuditEntry
from marketplace.core.roles import Role
from tests.factories import GridFactory, UserFactory, grant

ROLES = "/admin/staff-roles/"


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


def _role_writes():
    return AuditEntry.objects.filter(action__startswith="accounts.role.")


def _national(phone: str) -> str:
    return phone.removeprefix("+86")


def test_street_official_grants_a_community_role_by_phone(login, world):
    client = login(world.official_a)
    response = client.post(
        ROLES + "new/",
        {
            "contact": _national(world.resident.phone),
            "role": Role.COMMUNITY_WORKER,
            "scope": f"community:{world.community_a.pk}",
        },
    )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.active().get(user=world.resident)
    assert (assignment.role, assignment.scope_kind, assignment.scope_id) == (
        Role.COMMUNITY_WORKER,
        "community",
        world.community_a.pk,
    )
    assert assignment.granted_by == world.official_a
    assert world.resident.groups.filter(name=STAFF_GROUP).exists()
    entry = _role_writes().get()
    assert (entry.action, entry.actor) == ("accounts.role.assign", world.official_a)


def test_district_admin_grants_a_street_role_by_email(login, world):
    client = login(world.district_admin)
    response = client.post(
        ROLES + "new/",
        {
            "contact": world.resident.email.upper(),
            "role": Role.STREET_OFFICIAL,
            "scope": f"street:{world.street_b.pk}",
        },
    )
    assert response.status_code == 302
    assert (
        RoleAssignment.objects.active()
        .filter(user=world.resident, role=Role.STREET_OFFICIAL, scope_id=world.street_b.pk)
        .exists()
    )


@pytest.mark.parametrize(
    ("role", "scope_attr", "message"),
    [
        # Another street's community is not even offered.
        (Role.COMMUNITY_WORKER, "community_b", "选择一个有效的选项"),
        # A street official may not make street officials.
        (Role.STREET_OFFICIAL, "street_a", "选择一个有效的选项"),
        # Offered, but the role does not fit the level: the service's Chinese message.
        (Role.GRID_WORKER, "community_a", "只能授予在"),
    ],
)
def test_refused_grants_change_nothing(login, world, role, scope_attr, message):
    scope = getattr(world, scope_attr)
    kind = scope.scope_chain()[0][0]
    client = login(world.official_a)
    response = client.post(
        ROLES + "new/", {"contact": world.resident.email, "role": role, "scope": f"{kind}:{scope.pk}"}
    )
    assert response.status_code == 200
    assert message in _text(response)
    assert not RoleAssignment.objects.filter(user=world.resident).exists()
    assert not world.resident.groups.exists()
    assert not _role_writes().exists()


def test_unknown_contact_is_a_chinese_form_error(login, world):
    client = login(world.official_a)
    response = client.post(
        ROLES + "new/",
        {
            "contact": "13900000000",
            "role": Role.COMMUNITY_WORKER,
            "scope": f"community:{world.community_a.pk}",
        },
    )
    assert response.status_code == 200
    assert "未找到使用该手机号或邮箱的用户" in _text(response)
    assert not _role_writes().exists()


def test_granting_twice_is_refused_by_the_service(login, world):
    client = login(world.official_a)
    response = client.post(
        ROLES + "new/",
        {
            "contact": world.worker_a.email,
            "role": Role.COMMUNITY_WORKER,
            "scope": f"community:{world.community_a.pk}",
        },
    )
    assert response.status_code == 200
    assert "该用户已拥有此角色。" in _text(response)
    assert RoleAssignment.objects.filter(user=world.worker_a).count() == 1


def test_list_shows_the_staff_in_scope_with_masked_phones(login, world):
    page = _text(login(world.official_a).get(ROLES))
    for user in (world.official_a, world.worker_a, world.grid_worker_a):
        assert user.display_name in page
        assert user.masked_phone in page
        assert user.phone not in page and _national(user.phone) not in page
    for user in (world.official_b, world.worker_b, world.district_admin):
        assert user.masked_phone not in page
    assert world.official_b.display_name not in page and world.worker_b.display_name not in page


def test_scope_filter_lists_one_places_staff(login, world):
    page = _text(login(world.district_admin).get(ROLES, {"within": f"community:{world.community_a.pk}"}))
    assert world.worker_a.display_name in page
    assert world.grid_worker_a.display_name in page
    assert world.official_a.display_name not in page
    assert world.worker_b.display_name not in page


def test_street_official_revokes_a_community_role(login, world):
    assignment = world.worker_a.role_assignments.get()
    client = login(world.official_a)
    url = f"{ROLES}delete/{assignment.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "调离岗位"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.revoked_at is not None
    assert not world.worker_a.groups.filter(name=STAFF_GROUP).exists()
    entry = _role_writes().get()
    assert (entry.action, entry.actor, entry.reason) == ("accounts.role.revoke", world.official_a, "调离岗位")


@pytest.mark.parametrize("holder", ["official_a", "worker_b", "official_b"])
def test_assignments_the_actor_may_not_revoke_are_not_found(login, world, holder):
    assignment = getattr(world, holder).role_assignments.get()
    client = login(world.official_a)
    url = f"{ROLES}delete/{assignment.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "越权"}).status_code == 404
    assignment.refresh_from_db()
    assert assignment.revoked_at is None
    assert not _role_writes().exists()


def test_no_edit_route_for_assignments(login, world):
    assignment = world.worker_a.role_assignments.get()
    response = login(world.district_admin).post(f"{ROLES}edit/{assignment.pk}/", {"role": Role.GRID_WORKER})
    assert response.status_code == 404


def test_workers_without_a_granting_role_cannot_open_the_screen(login, world):
    client = login(world.grid_worker_a)
    assert client.get(ROLES).status_code == 302
    assert ROLES not in _text(client.get("/admin/"))


def test_list_query_count_does_not_grow_with_rows(login, world):
    client = login(world.district_admin)
    client.get(ROLES)  # warm up caches filled once per process

    def add(n):
        for _i in range(n):
            grant(UserFactory(), Role.GRID_WORKER, GridFactory(community=world.community_a))

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(ROLES)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    add(5)
    few = count()
    add(45)
    many = count()
    assert many == few
