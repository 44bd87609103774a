import pytest
from django.contrib.auth.models import AnonymousUser

from marketplace.core import permissions
from marketplace.core.exceptions import PermissionDenied
from marketplace.core.roles import Role
from marketplace.places.models import Community, Grid
from tests.factories import UserFactory, grant


def test_role_covers_objects_below_its_scope(world):
    official = world.official_a
    assert permissions.has_role(official, [Role.STREET_OFFICIAL], world.street_a)
    assert permissions.has_role(official, [Role.STREET_OFFICIAL], world.community_a)
    assert permissions.has_role(official, [Role.STREET_OFFICIAL], world.grid_a)
    assert not permissions.has_role(official, [Role.STREET_OFFICIAL], world.street_b)
    assert not permissions.has_role(official, [Role.STREET_OFFICIAL], world.grid_b)
    assert not permissions.has_role(official, [Role.STREET_OFFICIAL], world.district)


def test_district_admin_covers_everything_in_the_district(world):
    for obj in (world.street_a, world.street_b, world.community_b, world.grid_b):
        assert permissions.has_role(world.district_admin, [Role.DISTRICT_ADMIN], obj)


def test_anonymous_and_inactive_users_hold_nothing(world):
    assert not permissions.can(AnonymousUser(), "places.grid.create", world.community_a)
    world.worker_a.is_active = False
    permissions.forget_assignments(world.worker_a)
    assert not permissions.can(world.worker_a, "places.grid.create", world.community_a)


def test_superuser_has_no_implicit_domain_rights(db, world):
    root = UserFactory(is_superuser=True, is_staff=True)
    assert not permissions.can(root, "places.street.create", world.district)
    grant(root, Role.DISTRICT_ADMIN, world.district)
    assert permissions.can(root, "places.street.create", world.district)


def test_unregistered_action_is_refused_to_everyone(world):
    assert not permissions.can(world.district_admin, "places.street.demolish", world.street_a)
    with pytest.raises(PermissionDenied):
        permissions.require(world.district_admin, "places.street.demolish", world.street_a)


def test_owner_role_is_about_the_users_own_objects(world):
    assert permissions.has_role(world.resident, [permissions.OWNER], world.resident)
    assert not permissions.has_role(world.resident, [permissions.OWNER], world.official_a)


def test_scope_queryset_returns_only_covered_rows(world):
    communities = permissions.scope_queryset(
        world.official_a, Community.objects.all(), "places.community.change"
    )
    assert set(communities) == {world.community_a, world.community_a2}
    grids = permissions.scope_queryset(world.worker_a, Grid.objects.all(), "places.grid.change")
    assert set(grids) == set(Grid.objects.filter(community=world.community_a))
    assert not permissions.scope_queryset(world.resident, Grid.objects.all(), "places.grid.change").exists()
    assert (
        permissions.scope_queryset(world.district_admin, Grid.objects.all(), "places.grid.change").count()
        == 3
    )


def test_assignments_are_read_once_per_user_object(world, django_assert_num_queries):
    user = world.official_a
    permissions.forget_assignments(user)
    with django_assert_num_queries(1):
        for obj in (world.street_a, world.community_a, world.grid_a, world.street_b):
            permissions.has_role(user, [Role.STREET_OFFICIAL], obj)
