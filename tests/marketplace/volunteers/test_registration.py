"""Registering as a volunteer on top of the real-name identity, changing the profile, and who may
see the whole personal data."""

import pytest

from marketplace.accounts.models import RealNameIdentity
from marketplace.core.exceptions import PermissionDenied, ValidationFailed
from marketplace.core.models import AuditEntry
from marketplace.core.roles import Role
from marketplace.volunteers import services
from marketplace.volunteers.models import Volunteer
from marketplace.volunteers.services import IdentityData, VolunteerData
from tests.factories import GridFactory, PartyOrganizationFactory, UserFactory, grant
from tests.factories.volunteers import SkillFactory

GOOD_ID = "110105199003078019"
FEMALE_ID = "11010519491231002X"


def data(world, **overrides) -> VolunteerData:
    values = {"community": world.community_a, "grid": world.grid_a, "political_status": "masses"}
    values.update(overrides)
    return VolunteerData(**values)


def identity(**overrides) -> IdentityData:
    values = {"real_name": "王小明", "id_number": GOOD_ID, "consent": True}
    values.update(overrides)
    return IdentityData(**values)


def register(world, user=None, **overrides):
    ident = overrides.pop("identity", identity())
    return services.volunteer_register(
        user=user or world.resident, data=data(world, **overrides), identity=ident
    )


def test_register_records_identity_and_profile(vw):
    world = vw.world
    SkillFactory(slug="medical", name="医疗护理")
    volunteer = register(
        world,
        political_status="party_member",
        party_organization=vw.party_org,
        in_service=True,
        workplace="市第一医院",
        workplace_party_branch="市第一医院第三党支部",
        skill_slugs=["medical"],
        availability=["weekend", "weekday_evening", "weekend"],
        resident_roles=["building_leader", "npc_deputy"],
    )
    volunteer.refresh_from_db()
    assert volunteer.identity.real_name == "王小明"
    assert volunteer.identity.id_number_masked == "110***********8019"
    assert volunteer.identity.gender == "M"
    assert (volunteer.community, volunteer.grid, volunteer.street_id, volunteer.district_id) == (
        world.community_a,
        world.grid_a,
        world.street_a.pk,
        world.district.pk,
    )
    assert volunteer.is_party_member and volunteer.in_service
    assert volunteer.availability == ["weekday_evening", "weekend"]
    assert volunteer.resident_roles == ["building_leader", "npc_deputy"]
    assert [s.slug for s in volunteer.skills.all()] == ["medical"]
    assert volunteer.status == "active"
    entry = AuditEntry.objects.get(action="volunteers.volunteer.register")
    assert GOOD_ID not in str(entry.changes) and "王小明" not in str(entry.changes)
    assert entry.changes["skills"] == ["medical"]


def test_register_reuses_an_existing_identity(vw):
    world = vw.world
    from marketplace.accounts.services import identity_register

    existing = identity_register(
        user=world.resident, district=world.district, real_name="赵丽", id_number=FEMALE_ID, consent=True
    )
    volunteer = services.volunteer_register(user=world.resident, data=data(world))
    assert volunteer.identity == existing
    assert volunteer.identity.gender == "F"
    assert RealNameIdentity.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"grid": "other"}, "grid_not_in_community", "grid"),
        ({"political_status": "party_member"}, "party_org_required", "party_organization"),
        ({"political_status": "masses", "in_service": True}, "not_party_member", "in_service"),
        ({"political_status": "emperor"}, "invalid", "political_status"),
        ({"skill_slugs": ["flying"]}, "invalid", "skills"),
        ({"availability": ["midnight"]}, "invalid", "availability"),
        ({"resident_roles": ["mayor"]}, "invalid", "resident_roles"),
        (
            {"political_status": "party_member", "party_organization": "org", "in_service": True},
            "invalid",
            "workplace",
        ),
        (
            {"identity": IdentityData("王小明", "110105199003078011", True)},
            "invalid_resident_id",
            "id_number",
        ),
        ({"identity": IdentityData("王小明", GOOD_ID, False)}, "consent_required", "consent"),
        ({"identity": None}, "identity_required", "id_number"),
    ],
)
def test_bad_registration_changes_nothing(vw, overrides, code, field):
    world = vw.world
    if overrides.get("grid") == "other":
        overrides["grid"] = GridFactory(community=world.community_b)
    if overrides.get("party_organization") == "org":
        overrides["party_organization"] = vw.party_org
    with pytest.raises(ValidationFailed) as exc:
        register(world, **overrides)
    assert exc.value.code == code
    assert exc.value.field == field
    assert str(exc.value.message)
    assert not Volunteer.objects.exists()
    assert not RealNameIdentity.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="volunteers.").exists()
    assert not AuditEntry.objects.filter(action="accounts.identity.register").exists()


def test_verified_phone_is_required(vw):
    world = vw.world
    user = UserFactory(phone_verified=False)
    with pytest.raises(ValidationFailed) as exc:
        register(world, user=user)
    assert exc.value.code == "phone_not_verified" and "手机号" in str(exc.value.message)
    user_without_phone = UserFactory(phone=None)
    with pytest.raises(ValidationFailed):
        register(world, user=user_without_phone)
    assert not Volunteer.objects.exists() and not RealNameIdentity.objects.exists()


def test_party_organisation_of_another_district_is_refused(vw):
    from tests.factories import DistrictFactory

    elsewhere = PartyOrganizationFactory(
        grid=GridFactory(community__street__district=DistrictFactory(code="other", name="别区"))
    )
    with pytest.raises(ValidationFailed) as exc:
        register(vw.world, political_status="party_member", party_organization=elsewhere)
    assert exc.value.field == "party_organization"


def test_one_id_number_one_volunteer(vw):
    world = vw.world
    register(world)
    with pytest.raises(ValidationFailed) as exc:
        register(world, user=UserFactory())
    assert exc.value.code == "duplicate_id_number"
    with pytest.raises(ValidationFailed) as exc:
        register(world)
    assert exc.value.code == "already_registered"
    assert Volunteer.objects.count() == 1


def test_anonymous_cannot_register(vw):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        register(vw.world, user=AnonymousUser())


def test_update_by_owner_and_community_worker_only(vw):
    world = vw.world
    volunteer = register(world)
    SkillFactory(slug="legal", name="法律咨询")
    services.volunteer_update(
        actor=world.resident, volunteer=volunteer, data=data(world, skill_slugs=["legal"])
    )
    assert [s.slug for s in volunteer.skills.all()] == ["legal"]
    services.volunteer_update(
        actor=world.worker_a, volunteer=volunteer, data=data(world, resident_roles=["resident_rep"])
    )
    volunteer.refresh_from_db()
    assert volunteer.resident_roles == ["resident_rep"]
    entry = AuditEntry.objects.filter(action="volunteers.volunteer.change").first()
    assert entry.changes == {"resident_roles": [[], ["resident_rep"]], "skills": [["legal"], []]}
    for outsider in (world.worker_b, world.grid_worker_a, world.official_b, UserFactory()):
        with pytest.raises(PermissionDenied):
            services.volunteer_update(
                actor=outsider, volunteer=volunteer, data=data(world, resident_roles=[])
            )
    volunteer.refresh_from_db()
    assert volunteer.resident_roles == ["resident_rep"]


def test_update_refused_leaves_the_profile(vw):
    world = vw.world
    volunteer = register(world)
    with pytest.raises(ValidationFailed):
        services.volunteer_update(
            actor=world.resident,
            volunteer=volunteer,
            data=data(world, grid=GridFactory(community=world.community_b)),
        )
    volunteer.refresh_from_db()
    assert volunteer.grid == world.grid_a


def test_personal_data_for_the_community_the_district_and_the_person_only(vw):
    world = vw.world
    volunteer = register(world)
    other_community_worker = UserFactory()
    grant(other_community_worker, Role.COMMUNITY_WORKER, world.community_a2)
    for viewer in (world.worker_a, world.district_admin, world.resident):
        personal = services.volunteer_personal_data(actor=viewer, volunteer=volunteer)
        assert personal.id_number == GOOD_ID
        assert personal.phone == world.resident.phone
        assert personal.real_name == "王小明" and personal.gender == "M"
    assert AuditEntry.objects.filter(action="volunteers.volunteer.view_personal").count() == 3
    # Organisers, grid workers, street officials and other communities see names and masked phones
    # through the selectors, never the whole data.
    for viewer in (
        world.grid_worker_a,
        world.official_a,
        world.worker_b,
        other_community_worker,
        vw.org_admin,
    ):
        with pytest.raises(PermissionDenied):
            services.volunteer_personal_data(actor=viewer, volunteer=volunteer)
    assert AuditEntry.objects.filter(action="volunteers.volunteer.view_personal").count() == 3


def test_withdrawal_gives_up_upcoming_places(vw):
    world = vw.world
    volunteer = register(world)
    activity = vw.activity()
    shift = activity.shifts.get()
    signup = services.signup_create(actor=world.resident, shift=shift)
    services.volunteer_withdraw(actor=world.resident, volunteer=volunteer)
    signup.refresh_from_db()
    assert signup.status == "cancelled"
    volunteer.refresh_from_db()
    assert volunteer.status == "withdrawn"
    with pytest.raises(ValidationFailed) as exc:
        services.signup_create(actor=world.resident, shift=shift)
    assert exc.value.code == "not_active"
    services.volunteer_rejoin(actor=world.resident, volunteer=volunteer)
    assert services.signup_create(actor=world.resident, shift=shift).status == "confirmed"
