from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.db.models import Count
from wagtail.models import Revision, Site

from cms.demo import DEMO_PASSWORD, users
from cms.demo.places import STREETS
from cms.models import HomePage, PortalSettings
from marketplace.accounts.models import RoleAssignment, User
from marketplace.core.models import AuditEntry
from marketplace.core.permissions import can
from marketplace.core.roles import Role
from marketplace.places.choices import PartyOrgKind
from marketplace.places.models import Community, District, Grid, PartyOrganization, Street
from tests.cms.conftest import seed_steps_up_to
from tests.factories import DistrictFactory, UserFactory, grant

STAFF_LOGINS = [users.ADMIN["email"], *(row["email"] for row in users.STAFF)]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db, monkeypatch) -> str:
    seed_steps_up_to(monkeypatch, users.seed_procurement_staff)
    return seed()


def _counts() -> dict:
    models = [District, Street, Community, Grid, PartyOrganization, User, RoleAssignment, EmailAddress]
    counts = {m.__name__: m.objects.count() for m in models}
    counts["AuditEntry"] = AuditEntry.objects.count()
    counts["Revision"] = Revision.objects.count()
    counts["PortalSettings"] = PortalSettings.objects.count()
    return counts


def test_places_match_the_report(seeded):
    district = District.objects.get()
    assert district.name == "太和区"
    assert Street.objects.filter(district=district).count() == 5
    assert Community.objects.filter(district=district).count() == 23
    per_community = Community.objects.annotate(n=Count("grids")).values_list("name", "n")
    assert all(3 <= n <= 6 for _, n in per_community), list(per_community)
    # The names come from the demo data, not from placeholders.
    assert set(Street.objects.values_list("name", flat=True)) == {name for _, name, _ in STREETS}
    assert Grid.objects.filter(name="幸福里社区第1网格", community__name="幸福里社区").exists()


def test_party_organisations_at_every_level(seeded):
    street_committees = PartyOrganization.objects.filter(kind=PartyOrgKind.STREET_COMMITTEE)
    community_committees = PartyOrganization.objects.filter(kind=PartyOrgKind.COMMUNITY_COMMITTEE)
    grid_branches = PartyOrganization.objects.filter(kind=PartyOrgKind.GRID_BRANCH)
    assert sorted(street_committees.values_list("street_id", flat=True)) == sorted(
        Street.objects.values_list("pk", flat=True)
    )
    assert sorted(community_committees.values_list("community_id", flat=True)) == sorted(
        Community.objects.values_list("pk", flat=True)
    )
    assert sorted(grid_branches.values_list("grid_id", flat=True)) == sorted(
        Grid.objects.values_list("pk", flat=True)
    )
    workplace = PartyOrganization.objects.filter(kind=PartyOrgKind.WORKPLACE_BRANCH)
    assert workplace.count() >= 3
    assert all(org.workplace and org.street_id is None for org in workplace)


def test_places_were_created_by_the_district_admin_through_the_services(seeded):
    admin = User.objects.get(email=users.ADMIN["email"])
    for action, model in [
        ("places.street.create", Street),
        ("places.community.create", Community),
        ("places.grid.create", Grid),
        ("places.partyorg.create", PartyOrganization),
    ]:
        entries = AuditEntry.objects.filter(action=action)
        assert entries.count() == model.objects.count()
        assert set(entries.values_list("actor_id", flat=True)) == {admin.pk}


@pytest.mark.parametrize(
    ("email", "role", "model", "scope_name"),
    [
        (users.ADMIN["email"], Role.DISTRICT_ADMIN, District, "太和区"),
        ("street@taihe.example", Role.STREET_OFFICIAL, Street, "城关街道"),
        ("community@taihe.example", Role.COMMUNITY_WORKER, Community, "幸福里社区"),
        ("grid@taihe.example", Role.GRID_WORKER, Grid, "幸福里社区第1网格"),
    ],
)
def test_each_staff_user_holds_one_role_over_the_intended_scope(seeded, email, role, model, scope_name):
    user = User.objects.get(email=email)
    scope = model.objects.get(name=scope_name)
    kind, pk = scope.scope_chain()[0]
    assignments = list(RoleAssignment.objects.active().filter(user=user))
    assert [(a.role, a.scope_kind, a.scope_id) for a in assignments] == [(role, kind, pk)]
    assert EmailAddress.objects.filter(user=user, email=email, verified=True, primary=True).exists()


def test_roles_below_the_district_were_granted_by_the_district_admin(seeded):
    admin = User.objects.get(email=users.ADMIN["email"])
    # Staff roles only: organisation admins and mentors come from the organisations step; the
    # procurement staff step adds a second official to the first street and two to each other.
    staff_roles = [Role.STREET_OFFICIAL, Role.COMMUNITY_WORKER, Role.GRID_WORKER]
    expected = len(users.STAFF) + len(users.STREET_OFFICIALS)
    granted = RoleAssignment.objects.filter(role__in=staff_roles)
    assert granted.count() == expected
    assert set(granted.values_list("granted_by_id", flat=True)) == {admin.pk}
    staff_grants = AuditEntry.objects.filter(
        action="accounts.role.assign", actor=admin, changes__role__in=staff_roles
    )
    assert staff_grants.count() == expected
    # The bootstrap assignment is on the record too, as a system action.
    bootstrap = AuditEntry.objects.get(action="accounts.role.assign", actor__isnull=True)
    assert bootstrap.object_id == str(RoleAssignment.objects.get(role=Role.DISTRICT_ADMIN).pk)


def test_scopes_take_effect(seeded):
    official = User.objects.get(email="street@taihe.example")
    worker = User.objects.get(email="community@taihe.example")
    own_street, other_street = Street.objects.get(code="TH01"), Street.objects.get(code="TH02")
    assert can(official, "places.grid.create", own_street.communities.first())
    assert not can(official, "places.grid.create", other_street.communities.first())
    assert can(worker, "places.grid.create", Community.objects.get(name="幸福里社区"))
    assert not can(worker, "places.grid.create", Community.objects.get(name="和平社区"))


def test_resident_has_a_verified_phone_and_no_role(seeded):
    resident = User.objects.get(phone=users.RESIDENT["phone"])
    assert resident.phone_verified
    assert not RoleAssignment.objects.filter(user=resident).exists()


def test_demo_password_passes_the_password_validators(seeded):
    for user in User.objects.all():
        validate_password(DEMO_PASSWORD, user)


def test_second_run_changes_nothing(seeded):
    before = _counts()
    out = seed()
    assert _counts() == before
    assert "未新建任何记录" in out


def test_runs_on_top_of_an_existing_district_admin(db):
    """With a real district admin already in place, the demo admin is granted by that admin
    through the service instead of being bootstrapped."""
    district = DistrictFactory(code="TH", name="太和区")
    existing = UserFactory()
    grant(existing, Role.DISTRICT_ADMIN, district)
    seed()
    demo_admin = User.objects.get(email=users.ADMIN["email"])
    assignment = RoleAssignment.objects.get(user=demo_admin)
    assert assignment.granted_by == existing
    assert District.objects.count() == 1


def test_login_table_is_printed(seeded):
    out = seed()
    for login in [*STAFF_LOGINS, users.RESIDENT["phone"]]:
        assert login in out
    assert DEMO_PASSWORD in out
    assert "区级管理员" in out and "网格员" in out


@pytest.mark.parametrize("login", [*STAFF_LOGINS, users.RESIDENT["phone"]])
def test_demo_user_logs_in_with_the_printed_password(seeded, client, login):
    refused = client.post("/accounts/login/", {"login": login, "password": DEMO_PASSWORD + "x"})
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session

    response = client.post("/accounts/login/", {"login": login, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    user = User.objects.get(email=login) if "@" in login else User.objects.get(phone=login)
    assert client.session["_auth_user_id"] == str(user.pk)


def test_staff_is_sent_to_totp_enrolment_on_first_admin_visit(seeded, client):
    client.post("/accounts/login/", {"login": users.ADMIN["email"], "password": DEMO_PASSWORD})
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate")


def test_home_page_and_portal_settings(seeded):
    home = HomePage.objects.get()
    assert "23 个社区" in home.hero_intro
    assert home.revisions.count() == 1 and home.live
    portal = PortalSettings.for_site(Site.objects.get(is_default_site=True))
    assert portal.contact_phone and portal.contact_address
    assert portal.service_hours and portal.contact_email and portal.icp_record
    assert [block.value["url"] for block in home.highlights] == [
        "/stats/",
        "/projects/",
        "/volunteers/register/",
        "/certificates/",
    ]


def test_reseeding_keeps_an_editors_changes(seeded):
    portal = PortalSettings.for_site(Site.objects.get(is_default_site=True))
    portal.contact_phone = "0000-1234567"
    portal.save()
    home = HomePage.objects.get()
    home.hero_title = "编辑改过的标题"
    home.save_revision().publish()
    seed()
    portal.refresh_from_db()
    home.refresh_from_db()
    assert portal.contact_phone == "0000-1234567"
    assert home.hero_title == "编辑改过的标题"


def test_reseeding_after_an_administrator_renumbered_things(seeded):
    """A street or committee whose code an administrator changed is recognised by its name or
    its level, not created again (which the unique names and levels would refuse anyway)."""
    Street.objects.filter(code="TH01").update(code="TH01-NEW")
    Community.objects.filter(code="TH0101").update(code="TH0101-NEW")
    Grid.objects.filter(code="TH0101G01").update(code="TH0101G01-NEW")
    PartyOrganization.objects.filter(code="TH01-DGW").update(code="TH01-CUSTOM")
    PartyOrganization.objects.filter(code="TH0101G01-ZB").update(code="TH0101G01-CUSTOM")
    before = _counts()
    seed()
    assert _counts() == before
