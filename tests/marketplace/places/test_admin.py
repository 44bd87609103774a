"""Places and party organisations in the Wagtail admin: writes go through the services, and
every list and object is limited to what the viewer's roles cover."""

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.core.models import AuditEntry
from marketplace.core.roles import Role
from marketplace.places.choices import PartyOrgKind
from marketplace.places.models import Community, Grid, PartyOrganization, Street
from tests.factories import CommunityFactory, PartyOrganizationFactory, UserFactory, grant

STREETS = "/admin/places/streets/"
COMMUNITIES = "/admin/places/communities/"
GRIDS = "/admin/places/grids/"
PARTY_ORGS = "/admin/places/party-organizations/"


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


def _place_writes():
    # Logging in is audited too; these tests care about writes on places.
    return AuditEntry.objects.filter(action__startswith="places.")


def test_district_admin_creates_a_street_through_the_service(login, world):
    client = login(world.district_admin)
    response = client.post(
        STREETS + "new/", {"district": world.district.pk, "code": "st-new", "name": "丙街道", "sort_order": 3}
    )
    assert response.status_code == 302
    street = Street.objects.get(code="st-new")
    assert (street.name, street.district_id, street.sort_order) == ("丙街道", world.district.pk, 3)
    entry = AuditEntry.objects.get(action="places.street.create")
    assert entry.actor == world.district_admin
    assert entry.object_id == str(street.pk)


def test_street_official_may_not_create_streets(login, world):
    client = login(world.official_a)
    response = client.post(
        STREETS + "new/", {"district": world.district.pk, "code": "st-x", "name": "越权街道", "sort_order": 0}
    )
    # Wagtail answers a refused permission with a redirect to the dashboard.
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert not Street.objects.filter(code="st-x").exists()
    assert not AuditEntry.objects.filter(action="places.street.create").exists()


def test_street_official_creates_a_grid_in_own_community(login, world):
    client = login(world.official_a)
    response = client.post(
        GRIDS + "new/",
        {"community": world.community_a.pk, "code": "g-a-new", "name": "甲一社区第9网格", "sort_order": 0},
    )
    assert response.status_code == 302
    grid = Grid.objects.get(code="g-a-new")
    assert (grid.community_id, grid.street_id) == (world.community_a.pk, world.street_a.pk)
    assert AuditEntry.objects.get(action="places.grid.create").actor == world.official_a


def test_street_official_cannot_create_a_grid_in_another_street(login, world):
    client = login(world.official_a)
    response = client.post(
        GRIDS + "new/",
        {"community": world.community_b.pk, "code": "g-b-x", "name": "越权网格", "sort_order": 0},
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in _text(response)
    assert not Grid.objects.filter(code="g-b-x").exists()
    assert not _place_writes().exists()


def test_grid_form_offers_only_communities_in_scope(login, world):
    response = login(world.official_a).get(GRIDS + "new/")
    assert response.status_code == 200
    assert world.community_a.name in _text(response)
    assert world.community_b.name not in _text(response)


def test_street_official_renames_own_community(login, world):
    client = login(world.official_a)
    url = f"{COMMUNITIES}edit/{world.community_a.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"code": world.community_a.code, "name": "甲一新社区", "sort_order": 0})
    assert response.status_code == 302
    world.community_a.refresh_from_db()
    assert world.community_a.name == "甲一新社区"
    entry = AuditEntry.objects.get(action="places.community.change")
    assert entry.actor == world.official_a
    assert entry.changes == {"name": ["甲一社区", "甲一新社区"]}


def test_street_official_cannot_open_or_change_another_streets_community(login, world):
    client = login(world.official_a)
    url = f"{COMMUNITIES}edit/{world.community_b.pk}/"
    response = client.get(url)
    assert response.status_code == 404
    assert "乙一社区" not in _text(response)
    response = client.post(url, {"code": "hijack", "name": "被改名", "sort_order": 9})
    assert response.status_code == 404
    world.community_b.refresh_from_db()
    assert (world.community_b.name, world.community_b.code) == ("乙一社区", world.community_b.code)
    assert world.community_b.code != "hijack"
    assert not _place_writes().exists()
    # Its history is out of reach as well.
    assert client.get(f"{COMMUNITIES}history/{world.community_b.pk}/").status_code == 404


def test_lists_show_only_rows_in_scope(login, world):
    client = login(world.official_a)
    page = _text(client.get(COMMUNITIES))
    assert "甲一社区" in page and "甲二社区" in page
    assert "乙一社区" not in page

    client = login(world.worker_a)
    page = _text(client.get(GRIDS))
    assert "甲一社区第1网格" in page
    assert "乙一社区第1网格" not in page
    # The worker's own community has one grid; the sister community's grid is not theirs.
    assert world.community_a2.grids.get().name not in page


def test_party_org_list_is_scoped(login, world):
    PartyOrganizationFactory(grid=world.grid_a, name="甲网格党支部")
    PartyOrganizationFactory(grid=world.grid_b, name="乙网格党支部")
    page = _text(login(world.official_a).get(PARTY_ORGS))
    assert "甲网格党支部" in page
    assert "乙网格党支部" not in page
    page = _text(login(world.district_admin).get(PARTY_ORGS))
    assert "甲网格党支部" in page and "乙网格党支部" in page


def test_community_worker_creates_and_edits_a_grid_branch(login, world):
    client = login(world.worker_a)
    response = client.post(
        PARTY_ORGS + "new/",
        {
            "kind": PartyOrgKind.GRID_BRANCH,
            "name": "甲一第1网格党支部",
            "code": "po-a1",
            "grid": world.grid_a.pk,
        },
    )
    assert response.status_code == 302
    org = PartyOrganization.objects.get(code="po-a1")
    assert (org.grid_id, org.community_id, org.street_id) == (
        world.grid_a.pk,
        world.community_a.pk,
        world.street_a.pk,
    )
    response = client.post(
        f"{PARTY_ORGS}edit/{org.pk}/",
        {"name": "甲一第1网格党支部", "code": "po-a1", "secretary_name": "王书记", "workplace": ""},
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.secretary_name == "王书记"
    entry = AuditEntry.objects.get(action="places.partyorg.change")
    assert entry.changes == {"secretary_name": ["", "王书记"]}


def test_party_org_at_the_wrong_level_shows_the_services_chinese_error(login, world):
    client = login(world.worker_a)
    response = client.post(
        PARTY_ORGS + "new/", {"kind": PartyOrgKind.GRID_BRANCH, "name": "无网格支部", "code": "po-x"}
    )
    assert response.status_code == 200
    assert "网格党支部必须属于一个网格。" in _text(response)
    assert not PartyOrganization.objects.filter(code="po-x").exists()
    assert not _place_writes().exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"code": "bad code!", "name": "甲一社区", "sort_order": 0},
            "编码只能包含字母、数字、下划线和连字符",
        ),
        ({"code": "cm-ok", "name": "   ", "sort_order": 0}, "必需字段"),
        ({"code": "cm-ok", "name": "甲一社区", "sort_order": -1}, "确保该值大于或等于"),
    ],
)
def test_invalid_input_returns_the_form_with_a_chinese_error(login, world, data, message):
    client = login(world.official_a)
    response = client.post(f"{COMMUNITIES}edit/{world.community_a.pk}/", data)
    assert response.status_code == 200
    assert message in _text(response)
    world.community_a.refresh_from_db()
    assert world.community_a.name == "甲一社区"
    assert world.community_a.code != "cm-ok"
    assert not _place_writes().exists()


def test_duplicate_code_from_the_service_is_a_form_error_not_a_500(login, world):
    client = login(world.official_a)
    response = client.post(
        f"{COMMUNITIES}edit/{world.community_a.pk}/",
        {"code": world.community_b.code, "name": "甲一社区", "sort_order": 0},
    )
    assert response.status_code == 200
    assert "编码或名称与已有记录重复。" in _text(response)
    world.community_a.refresh_from_db()
    assert world.community_a.code != world.community_b.code
    assert not _place_writes().exists()


def test_history_shows_the_objects_audit_entries(login, world):
    client = login(world.official_a)
    client.post(
        f"{COMMUNITIES}edit/{world.community_a.pk}/",
        {"code": world.community_a.code, "name": "甲一改名社区", "sort_order": 0},
    )
    page = _text(client.get(f"{COMMUNITIES}history/{world.community_a.pk}/"))
    assert "places.community.change" in page
    assert "甲一改名社区" in page


def test_no_delete_route_for_places(login, world):
    client = login(world.district_admin)
    response = client.post(f"{COMMUNITIES}delete/{world.community_a.pk}/")
    assert response.status_code == 404
    assert Community.objects.filter(pk=world.community_a.pk).exists()


def test_menu_shows_only_what_the_role_may_use(login, world):
    page = _text(login(world.district_admin).get("/admin/"))
    assert STREETS in page and COMMUNITIES in page and GRIDS in page

    page = _text(login(world.official_a).get("/admin/"))
    assert STREETS not in page
    assert COMMUNITIES in page and GRIDS in page

    page = _text(login(world.grid_worker_a).get("/admin/"))
    for url in (STREETS, COMMUNITIES, GRIDS, PARTY_ORGS):
        assert url not in page


def test_superuser_without_a_role_has_no_domain_rights(login, world):
    root = UserFactory(is_superuser=True, is_staff=True)
    client = login(root)
    assert client.get(COMMUNITIES).status_code == 302
    response = client.post(
        STREETS + "new/",
        {"district": world.district.pk, "code": "st-root", "name": "根街道", "sort_order": 0},
    )
    assert response.status_code == 302
    assert not Street.objects.filter(code="st-root").exists()
    assert STREETS not in _text(client.get("/admin/"))

    grant(root, Role.DISTRICT_ADMIN, world.district)
    assert client.get(COMMUNITIES).status_code == 200


def test_staff_without_two_factor_authentication_is_sent_to_enrol(client, world):
    client.force_login(world.official_a, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(COMMUNITIES)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/")


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", [STREETS, COMMUNITIES, GRIDS, PARTY_ORGS])
def test_list_query_count_does_not_grow_with_rows(login, world, url):
    client = login(world.district_admin)
    client.get(url)  # warm up caches that are filled once per process (content types, menus)
    for i in range(5):
        _add_rows(world, i)
    few = _list_queries(client, url)
    for i in range(5, 50):
        _add_rows(world, i)
    many = _list_queries(client, url)
    assert many == few


def _add_rows(world, i):
    community = CommunityFactory(street=world.street_a if i % 2 else world.street_b)
    Grid.objects.create(
        district=world.district,
        street=community.street,
        community=community,
        code=f"qc-g{i}",
        name=f"查询网格{i}",
    )
    PartyOrganization.objects.create(
        kind=PartyOrgKind.COMMUNITY_COMMITTEE,
        name=f"查询社区党委{i}",
        code=f"qc-po{i}",
        district=world.district,
        street=community.street,
        community=community,
    )
    Street.objects.create(district=world.district, code=f"qc-st{i}", name=f"查询街道{i}")
