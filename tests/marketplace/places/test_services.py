import pytest

from marketplace.core.exceptions import PermissionDenied, ValidationFailed
from marketplace.core.models import AuditEntry
from marketplace.places import services
from marketplace.places.choices import PartyOrgKind
from marketplace.places.models import Community, Grid, PartyOrganization


def test_district_admin_creates_community_with_denormalised_ids(world):
    community = services.community_create(
        actor=world.district_admin, street=world.street_b, code="b-new", name="乙新社区"
    )
    assert community.district_id == world.district.pk
    assert community.street_id == world.street_b.pk
    entry = AuditEntry.objects.get(action="places.community.create")
    assert entry.actor == world.district_admin
    assert entry.object_id == str(community.pk)


def test_street_official_cannot_create_community(world):
    with pytest.raises(PermissionDenied):
        services.community_create(actor=world.official_a, street=world.street_a, code="x1", name="某社区")
    assert not Community.objects.filter(code="x1").exists()


def test_community_worker_creates_grid_only_in_own_community(world):
    grid = services.grid_create(
        actor=world.worker_a, community=world.community_a, code="g-new", name="新网格"
    )
    assert (grid.street_id, grid.district_id) == (world.street_a.pk, world.district.pk)
    with pytest.raises(PermissionDenied):
        services.grid_create(actor=world.worker_a, community=world.community_a2, code="g-x", name="越权网格")
    assert not Grid.objects.filter(code="g-x").exists()


@pytest.mark.parametrize(
    ("code", "name", "field"),
    [("", "名称", "code"), ("bad code!", "名称", "code"), ("ok-code", "  ", "name")],
)
def test_bad_input_is_refused_with_chinese_message(world, code, name, field):
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.grid_create(actor=world.worker_a, community=world.community_a, code=code, name=name)
    assert exc.value.field == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc.value.message))
    assert AuditEntry.objects.count() == before


def test_duplicate_code_is_refused_and_changes_nothing(world):
    with pytest.raises(ValidationFailed) as exc:
        services.grid_create(
            actor=world.worker_a, community=world.community_a, code=world.grid_b.code, name="重复"
        )
    assert exc.value.code == "duplicate"
    assert not Grid.objects.filter(name="重复").exists()


def test_place_update_records_before_and_after(world):
    services.place_update(
        actor=world.official_a, place=world.community_a, code=world.community_a.code, name="甲一新名"
    )
    entry = AuditEntry.objects.get(action="places.community.change")
    assert entry.changes == {"name": ["甲一社区", "甲一新名"]}


def test_place_update_out_of_scope_refused(world):
    with pytest.raises(PermissionDenied):
        services.place_update(actor=world.official_a, place=world.community_b, code="zz", name="越权")
    world.community_b.refresh_from_db()
    assert world.community_b.name == "乙一社区"


def test_party_org_kinds_sit_at_their_level(world):
    branch = services.party_org_create(
        actor=world.worker_a,
        kind=PartyOrgKind.GRID_BRANCH,
        name="甲一社区第1网格党支部",
        code="po-a1",
        grid=world.grid_a,
    )
    assert (branch.community_id, branch.street_id) == (world.community_a.pk, world.street_a.pk)
    with pytest.raises(ValidationFailed):
        services.party_org_create(
            actor=world.district_admin, kind=PartyOrgKind.GRID_BRANCH, name="无网格", code="po-x"
        )
    with pytest.raises(ValidationFailed) as exc:
        services.party_org_create(
            actor=world.worker_a,
            kind=PartyOrgKind.GRID_BRANCH,
            name="第二个",
            code="po-a2",
            grid=world.grid_a,
        )
    assert exc.value.code == "duplicate"
    assert PartyOrganization.objects.count() == 1


def test_workplace_branch_needs_workplace(world):
    with pytest.raises(ValidationFailed) as exc:
        services.party_org_create(
            actor=world.district_admin,
            kind=PartyOrgKind.WORKPLACE_BRANCH,
            name="区税务局机关党支部",
            code="wp-1",
            district=world.district,
        )
    assert exc.value.field == "workplace"
    org = services.party_org_create(
        actor=world.district_admin,
        kind=PartyOrgKind.WORKPLACE_BRANCH,
        name="区税务局机关党支部",
        code="wp-1",
        district=world.district,
        workplace="太和区税务局",
    )
    assert org.street_id is None
