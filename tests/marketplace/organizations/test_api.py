import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.accounts.models import RoleAssignment
from marketplace.core.models import AuditEntry
from marketplace.core.roles import Role
from marketplace.organizations.choices import LegalForm, OrgStatus
from marketplace.organizations.models import Organization, ServiceTag
from tests.factories import (
    CohortFactory,
    IncubationFactory,
    OrganizationFactory,
    enable_mfa,
)
from tests.factories.organizations import make_uscc

pytestmark = pytest.mark.django_db

BAD_IDS = ["0", "-1", "abc", "1.5", str(2**63), str(2**80)]
GOOD_USCC = make_uscc(777001)
# The same code with another check character.
BAD_USCC = GOOD_USCC[:-1] + ("1" if GOOD_USCC[-1] != "1" else "2")


def _login(client, user):
    client.force_login(user)
    return client


def _staff(client, user):
    enable_mfa(user)
    return _login(client, user)


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


# --- the public directory -------------------------------------------------------------------
def test_directory_lists_verified_and_suspended_organisations_only(client, ow):
    world = ow.world
    OrganizationFactory(name="暂停的组织", street=world.street_a, status=OrgStatus.SUSPENDED)
    OrganizationFactory(name="待审核的组织", street=world.street_a, status=OrgStatus.PENDING)
    OrganizationFactory(name="未通过的组织", street=world.street_a, status=OrgStatus.REJECTED)

    response = client.get("/api/v1/organizations/")

    assert _names(response) == ["幸福里为老服务中心", "暂停的组织"]
    row = response.json()["results"][0]
    assert row["street_name"] == "甲街道" and row["community_name"] == "甲一社区"
    assert row["status_label"] == "已认证" and row["legal_form_label"] == "社会服务机构"
    # The list carries public fields only.
    assert "contact_phone_masked" not in row and "legal_representative" not in row


def test_directory_filters(client, ow):
    world = ow.world
    elderly = ServiceTag.objects.get(slug="elderly")
    ow.org.tags.add(elderly)
    ow.org.description = "为辖区老人提供助餐服务"
    ow.org.save()
    OrganizationFactory(
        name="乙街道儿童之家", street=world.street_b, community=world.community_b, category="specific_groups"
    )
    OrganizationFactory(name="甲二社区环保队", street=world.street_a, community=world.community_a2)

    def names(**params):
        return _names(client.get("/api/v1/organizations/", params))

    assert names(street=world.street_b.pk) == ["乙街道儿童之家"]
    assert names(community=world.community_a2.pk) == ["甲二社区环保队"]
    assert names(category="specific_groups") == ["乙街道儿童之家"]
    assert names(tag="elderly") == ["幸福里为老服务中心"]
    assert names(q="助餐") == ["幸福里为老服务中心"]
    assert names(q="儿童") == ["乙街道儿童之家"]
    assert len(names()) == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [({"street": "甲"}, "street"), ({"category": "nonsense"}, "category"), ({"community": "0"}, "community")],
)
def test_a_bad_filter_is_a_chinese_400(client, world, params, field):
    response = client.get("/api/v1/organizations/", params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["field"] == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"])


def _grow(world, n: int, start: int) -> None:
    tags = list(ServiceTag.objects.all()[:3])
    for i in range(start, start + n):
        org = OrganizationFactory(
            name=f"组织{i:03d}",
            street=world.street_a,
            community=world.community_a,
            grade="4A",
            grade_expires_on=datetime.date(2030, 1, 1),
        )
        org.tags.set(tags)
        IncubationFactory(application__organization=org)


def _count_queries(client, path: str, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params or {})
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def test_directory_query_count_does_not_grow_with_rows(client, world):
    _grow(world, 3, 0)
    few = _count_queries(client, "/api/v1/organizations/", {"page_size": 100})
    _grow(world, 27, 3)
    many = _count_queries(client, "/api/v1/organizations/", {"page_size": 100})
    assert len(client.get("/api/v1/organizations/", {"page_size": 100}).json()["results"]) == 30
    assert few == many


def test_directory_shows_the_latest_incubation(client, ow):
    incubation = ow.make_incubation(status="graduated")
    row = client.get("/api/v1/organizations/").json()["results"][0]
    assert row["incubation"] == {
        "cohort": incubation.cohort_id,
        "status": "graduated",
        "status_label": "已出壳",
    }


# --- the profile ----------------------------------------------------------------------------
def _profile(client, org):
    response = client.get(f"/api/v1/organizations/{org.pk}/")
    assert response.status_code == 200, response.content
    return response


def test_public_profile_leaves_out_the_private_fields(client, ow):
    ow.org.contact_phone = "+8613912345678"
    ow.org.legal_representative = "陈建华"
    ow.org.save()
    for viewer in [None, ow.world.resident, ow.world.official_a, ow.mentor]:
        if viewer is not None:
            _staff(client, viewer) if viewer == ow.world.official_a else _login(client, viewer)
        response = _profile(client, ow.org)
        body = response.json()
        assert body["name"] == "幸福里为老服务中心" and body["uscc"] == ow.org.uscc
        assert "contact_phone_masked" not in body and "legal_representative" not in body
        text = response.content.decode()
        assert "13912345678" not in text and "139****5678" not in text and "陈建华" not in text


@pytest.mark.parametrize("who", ["org_admin", "org_member", "district_admin"])
def test_members_and_the_district_see_the_masked_phone_and_the_representative(client, ow, who):
    ow.org.contact_phone = "+8613912345678"
    ow.org.legal_representative = "陈建华"
    ow.org.save()
    if who == "district_admin":
        _staff(client, ow.world.district_admin)
    else:
        _login(client, getattr(ow, who))
    response = _profile(client, ow.org)
    body = response.json()
    assert body["contact_phone_masked"] == "139****5678"
    assert body["legal_representative"] == "陈建华"
    assert "13912345678" not in response.content.decode()


def test_a_pending_organisation_is_seen_only_by_its_members_and_the_district(client, ow):
    ow.org.status = OrgStatus.PENDING
    ow.org.save()
    path = f"/api/v1/organizations/{ow.org.pk}/"
    assert client.get(path).status_code == 404
    _login(client, ow.world.resident)
    assert client.get(path).status_code == 404
    _login(client, ow.org_admin)
    assert client.get(path).json()["status"] == "pending"
    _staff(client, ow.world.district_admin)
    assert client.get(path).json()["contact_phone_masked"]


@pytest.mark.parametrize("pk", BAD_IDS)
def test_an_id_that_names_no_organisation_is_a_404(client, world, pk):
    response = client.get(f"/api/v1/organizations/{pk}/")
    assert response.status_code == 404, response.content
    assert response.json()["code"] == "not_found"
    _login(client, world.resident)
    response = client.patch(f"/api/v1/organizations/{pk}/", {"name": "x"}, content_type="application/json")
    assert response.status_code == 404, response.content
    assert response.json()["code"] == "not_found"


def test_profile_query_count_does_not_grow_with_tags_or_incubations(client, ow):
    _count = _count_queries(client, f"/api/v1/organizations/{ow.org.pk}/")
    ow.org.tags.set(ServiceTag.objects.all())
    for _ in range(3):
        IncubationFactory(application__organization=ow.org)
    assert _count_queries(client, f"/api/v1/organizations/{ow.org.pk}/") == _count


# --- registration ---------------------------------------------------------------------------
def _payload(world, **overrides) -> dict:
    payload = {
        "name": "和平社区邻里互助会",
        "legal_form": LegalForm.SOCIAL_GROUP,
        "uscc": GOOD_USCC,
        "legal_representative": "刘芳",
        "contact_phone": "13912345678",
        "address": "太和区和平路8号",
        "street": world.street_a.pk,
        "community": world.community_a.pk,
        "category": "mutual_aid",
        "tags": ["elderly", "mediation"],
        "founded_on": "2019-03-01",
        "grade": "3A",
        "grade_expires_on": "2028-12-31",
        "description": "邻里守望,互帮互助。",
    }
    payload.update(overrides)
    return payload


def test_registration_needs_a_login(client, world):
    response = client.post("/api/v1/organizations/", _payload(world), content_type="application/json")
    assert response.status_code in (401, 403)
    assert not Organization.objects.exists()


def test_a_signed_in_user_registers_an_organisation(client, world):
    _login(client, world.resident)
    response = client.post("/api/v1/organizations/", _payload(world), content_type="application/json")

    assert response.status_code == 201, response.content
    body = response.json()
    org = Organization.objects.get(name="和平社区邻里互助会")
    assert body["id"] == org.pk and body["status"] == "pending"
    assert org.contact_phone == "+8613912345678" and org.grade == "3A"
    assert sorted(t["slug"] for t in body["tags"]) == ["elderly", "mediation"]
    # The registrant is now its org admin, so sees the masked phone, never the whole number.
    assert body["contact_phone_masked"] == "139****5678"
    assert "13912345678" not in response.content.decode()
    assert (
        RoleAssignment.objects.active()
        .filter(user=world.resident, role=Role.ORG_ADMIN, scope_id=org.pk)
        .exists()
    )
    assert AuditEntry.objects.filter(action="organizations.org.register", object_id=str(org.pk)).exists()


def test_a_community_organisation_on_file_needs_no_credit_code(client, world):
    _login(client, world.resident)
    payload = _payload(world, legal_form=LegalForm.COMMUNITY_FILED, grade="", grade_expires_on=None)
    del payload["uscc"]
    response = client.post("/api/v1/organizations/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Organization.objects.get().uscc is None


@pytest.mark.parametrize(
    ("overrides", "field", "code", "words"),
    [
        ({"uscc": BAD_USCC}, "uscc", "invalid_uscc", "校验位"),
        ({"uscc": ""}, "uscc", "invalid", "统一社会信用代码"),
        ({"grade_expires_on": None}, "grade_expires_on", "grade_needs_expiry", "有效期"),
        ({"contact_phone": "12345"}, "contact_phone", "invalid", "手机号"),
        ({"street": 999999}, "street", "invalid", "街道"),
        ({"founded_on": "2019-13-45"}, "founded_on", "invalid", "日期"),
        ({"legal_form": "company"}, "legal_form", "invalid", "选项"),
        ({"tags": ["no-such-tag"]}, "tags", "invalid", "标签"),
    ],
)
def test_bad_registrations_are_a_chinese_400_and_change_nothing(client, world, overrides, field, code, words):
    _login(client, world.resident)
    response = client.post(
        "/api/v1/organizations/", _payload(world, **overrides), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["field"], body["code"]) == (field, code)
    assert words in body["detail"], body["detail"]
    assert not Organization.objects.exists()
    assert not RoleAssignment.objects.filter(role=Role.ORG_ADMIN).exists()


def test_a_community_outside_the_street_is_refused(client, world):
    _login(client, world.resident)
    response = client.post(
        "/api/v1/organizations/",
        _payload(world, community=world.community_b.pk),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "community"
    assert "不属于" in response.json()["detail"]


def test_a_duplicate_credit_code_is_refused(client, ow):
    _login(client, ow.world.resident)
    response = client.post(
        "/api/v1/organizations/", _payload(ow.world, uscc=ow.org.uscc), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() | {"detail": ""} == {"code": "duplicate_uscc", "field": "uscc", "detail": ""}
    assert Organization.objects.count() == 1


# --- profile changes ------------------------------------------------------------------------
def _patch(client, org, data):
    return client.patch(f"/api/v1/organizations/{org.pk}/", data, content_type="application/json")


def test_the_org_admin_changes_the_profile_and_the_rest_stays(client, ow):
    ow.org.tags.set(ServiceTag.objects.filter(slug__in=["elderly", "meal-aid"]))
    before = Organization.objects.get(pk=ow.org.pk)
    _login(client, ow.org_admin)

    response = _patch(client, ow.org, {"description": "新的简介", "contact_phone": "13700001111"})

    assert response.status_code == 200, response.content
    org = Organization.objects.get(pk=ow.org.pk)
    assert org.description == "新的简介" and org.contact_phone == "+8613700001111"
    assert (org.name, org.uscc, org.street_id, org.community_id) == (
        before.name,
        before.uscc,
        before.street_id,
        before.community_id,
    )
    assert sorted(org.tags.values_list("slug", flat=True)) == ["elderly", "meal-aid"]
    assert response.json()["contact_phone_masked"] == "137****1111"
    entry = AuditEntry.objects.get(action="organizations.org.change", object_id=str(org.pk))
    assert entry.actor == ow.org_admin and "description" in entry.changes


def test_a_verified_organisation_cannot_rename_itself(client, ow):
    _login(client, ow.org_admin)
    response = _patch(client, ow.org, {"name": "改名后的组织"})
    assert response.status_code == 400
    assert response.json()["code"] == "identity_locked" and response.json()["field"] == "name"
    assert Organization.objects.get(pk=ow.org.pk).name == "幸福里为老服务中心"


@pytest.mark.parametrize("who", ["org_member", "resident", "official_a"])
def test_others_cannot_change_the_profile(client, ow, who):
    user = ow.org_member if who == "org_member" else getattr(ow.world, who)
    _staff(client, user) if who == "official_a" else _login(client, user)
    response = _patch(client, ow.org, {"description": "不该写入"})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Organization.objects.get(pk=ow.org.pk).description == ""


def test_patching_anonymously_is_refused(client, ow):
    response = _patch(client, ow.org, {"description": "x"})
    assert response.status_code in (401, 403)


def test_put_is_not_offered(client, ow):
    _login(client, ow.org_admin)
    response = client.put(
        f"/api/v1/organizations/{ow.org.pk}/", _payload(ow.world), content_type="application/json"
    )
    assert response.status_code == 405


# --- cohorts --------------------------------------------------------------------------------
def test_cohorts_are_public_without_drafts(client, ow):
    CohortFactory(district=ow.world.district, name="筹备中的期次", status="draft")
    incubation = ow.make_incubation()
    response = client.get("/api/v1/cohorts/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["name"] for r in rows] == [ow.cohort.name]
    assert rows[0]["admitted_count"] == 1 and rows[0]["application_count"] == 1
    assert rows[0]["status"] == "reviewing" and rows[0]["status_label"] == "评审中"
    assert incubation.cohort_id == rows[0]["id"]
