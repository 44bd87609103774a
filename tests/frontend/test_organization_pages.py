"""The public organisation pages: the directory with its filters and the profile with its
privacy split, each in Chinese, within the CSP, and with a query count that does not grow with
the number of organisations."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from marketplace.core.models import PrivateFile
from marketplace.core.roles import Role
from marketplace.organizations.models import OrganizationDocument, ServiceTag
from tests.factories import (
    CohortFactory,
    IncubationFactory,
    OrganizationFactory,
    UserFactory,
    enable_mfa,
    grant,
)
from tests.frontend.pagecheck import csp_problems

DIRECTORY = "/organizations/"


def profile_url(org) -> str:
    return f"/organizations/{org.pk}/"


def chinese_page(response, *texts, staff=False):
    assert response.status_code == 200, response.content.decode()[:500]
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "/static/portal/organizations.css" in html
    if not staff:
        # For staff, base.html adds Wagtail's user bar, whose scripts are base.html's concern.
        assert csp_problems(response) == []
    for text in texts:
        assert text in html, f"{text!r} not on the page"
    return html


def attach_document(org, kind="registration"):
    """A document record without a stored file: these pages only list documents."""
    stored = PrivateFile.objects.create(
        purpose="org_document",
        attached_to=f"organizations.organization:{org.pk}",
        original_name="登记证书.pdf",
        stored_name=f"test/{uuid.uuid4().hex}.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        sensitive=True,
    )
    return OrganizationDocument.objects.create(organization=org, kind=kind, file=stored)


def tag(slug: str) -> ServiceTag:
    return ServiceTag.objects.get(slug=slug)


@pytest.fixture
def listed(world):
    """Four verified organisations that differ in street, community, category and tags; a
    suspended one; and two that the public must not see (pending, rejected)."""
    elderly = OrganizationFactory(
        name="幸福里为老服务中心",
        street=world.street_a,
        community=world.community_a,
        category="specific_groups",
        description="为高龄独居老人提供助餐和探访",
        grade="4A",
        grade_expires_on=datetime.date(2030, 1, 1),
    )
    elderly.tags.set([tag("elderly"), tag("meal-aid")])
    mediation = OrganizationFactory(
        name="和事佬调解队", street=world.street_a, community=world.community_a2, category="mutual_aid"
    )
    mediation.tags.set([tag("mediation")])
    charity = OrganizationFactory(name="乙街道慈善会", street=world.street_b, category="charity")
    daily = OrganizationFactory(
        name="便民维修服务社", street=world.street_b, community=world.community_b, category="daily_life"
    )
    suspended = OrganizationFactory(name="停摆文体协会", street=world.street_b, status="suspended")
    pending = OrganizationFactory(name="待审核的组织", street=world.street_a, status="pending")
    rejected = OrganizationFactory(name="被退回的组织", street=world.street_a, status="rejected")
    return {
        "elderly": elderly,
        "mediation": mediation,
        "charity": charity,
        "daily": daily,
        "suspended": suspended,
        "pending": pending,
        "rejected": rejected,
    }


def names_on(html: str, listed: dict) -> set[str]:
    return {key for key, org in listed.items() if org.name in html}


# --- directory ------------------------------------------------------------------------------
def test_directory_lists_the_public_organisations_in_chinese(client, listed):
    html = chinese_page(client.get(DIRECTORY), "社会组织名录", "共 5 个组织", "已暂停", "筛选")
    assert names_on(html, listed) == {"elderly", "mediation", "charity", "daily", "suspended"}
    # The card: kind, category, tags, grade with its expiry, street and community.
    assert "社会服务机构" in html and "特定群体类" in html
    assert "养老" in html and "助餐" in html
    assert "4A" in html and "有效期至 2030-01-01" in html
    assert "甲街道 · 甲一社区" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"street": "street_b"}, {"charity", "daily", "suspended"}),
        ({"community": "community_a2"}, {"mediation"}),
        ({"category": "charity"}, {"charity"}),
        ({"category": "mutual_aid"}, {"mediation"}),
        ({"tag": "elderly"}, {"elderly"}),
        ({"tag": "mediation"}, {"mediation"}),
        ({"q": "助餐"}, {"elderly"}),
        ({"q": "调解"}, {"mediation"}),
        ({"street": "street_a", "category": "charity"}, set()),
    ],
)
def test_directory_filters(client, world, listed, query, expected):
    params = {
        key: getattr(world, value).pk if key in ("street", "community") else value
        for key, value in query.items()
    }
    html = chinese_page(client.get(DIRECTORY, params))
    assert names_on(html, listed) == expected
    if not expected:
        assert "没有符合筛选条件的社会组织" in html


def test_a_bad_filter_value_is_ignored_not_an_error(client, listed):
    html = chinese_page(client.get(DIRECTORY, {"street": "abc", "category": "nonsense", "page": "x"}))
    assert names_on(html, listed) == {"elderly", "mediation", "charity", "daily", "suspended"}


def test_directory_shows_the_incubation_status(client, world, listed):
    IncubationFactory(
        application__organization=listed["elderly"],
        application__cohort=CohortFactory(district=world.district),
    )
    html = chinese_page(client.get(DIRECTORY, {"tag": "elderly"}), "孵化", "培育中")
    html = chinese_page(client.get(DIRECTORY, {"tag": "mediation"}))
    assert "培育中" not in html


def test_directory_empty_state(client, world):
    chinese_page(client.get(DIRECTORY), "名录中还没有已认证的社会组织", "共 0 个组织")


def test_directory_pages_by_twenty(client, world):
    for n in range(23):
        OrganizationFactory(name=f"翻页测试组织{n:02d}", street=world.street_a)
    first = chinese_page(client.get(DIRECTORY), "第 1 / 2 页", "下一页")
    assert first.count('class="card org-card"') == 20
    second = chinese_page(client.get(DIRECTORY, {"page": 2}), "第 2 / 2 页")
    assert second.count('class="card org-card"') == 3
    assert "翻页测试组织22" in second and "翻页测试组织22" not in first


def make_public_orgs(world, count: int) -> None:
    cohort = CohortFactory(district=world.district)
    tags = list(ServiceTag.objects.all()[:3])
    for n in range(count):
        org = OrganizationFactory(
            street=world.street_a if n % 2 else world.street_b,
            community=world.community_a if n % 2 else world.community_b,
            grade="3A",
            grade_expires_on=datetime.date(2029, 1, 1),
        )
        org.tags.set(tags)
        IncubationFactory(application__organization=org, application__cohort=cohort)


# Counts what rendering reads, not a page cache hit.
@override_settings(PAGE_CACHE_ENABLED=False)
def directory_queries(client, params=None) -> int:
    # Warm up first: the first request of a test also loads per-process caches (site settings).
    client.get(DIRECTORY, params or {})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(DIRECTORY, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("params", [{}, {"tag": "elderly"}, {"street": "street_a", "q": "中心"}])
def test_directory_query_count_does_not_grow_with_the_organisations(client, world, params):
    params = {k: world.street_a.pk if v == "street_a" else v for k, v in params.items()}
    make_public_orgs(world, 3)
    for org in OrganizationFactory._meta.model.objects.all():
        org.tags.add(tag("elderly"))
    few = directory_queries(client, params)
    make_public_orgs(world, 27)
    for org in OrganizationFactory._meta.model.objects.all():
        org.tags.add(tag("elderly"))
    assert directory_queries(client, params) == few


# --- profile --------------------------------------------------------------------------------
def test_profile_shows_the_public_fields_in_chinese(client, world, listed):
    org = listed["elderly"]
    html = chinese_page(
        client.get(profile_url(org)),
        "幸福里为老服务中心",
        "社会服务机构",
        org.uscc,
        "特定群体类",
        "养老",
        "4A",
        "2020-05-01",
        "甲街道",
        "甲一社区",
        "为高龄独居老人提供助餐和探访",
    )
    # Sections with nothing to show yet say so plainly.
    for heading, empty in [
        ("已完成的服务项目", "该组织尚无验收完成的服务项目"),
        ("组织的志愿服务活动", "该组织还没有发布志愿服务活动"),
        ("专项基金拨付", "该组织尚未获得专项基金拨付"),
    ]:
        assert heading in html and empty in html
    assert "该组织尚未参加区级孵化" in html


def test_profile_shows_the_incubation_history(client, world, listed):
    cohort = CohortFactory(district=world.district, name="2025年第一期孵化")
    IncubationFactory(
        application__organization=listed["elderly"], application__cohort=cohort, status="graduated"
    )
    chinese_page(client.get(profile_url(listed["elderly"])), "孵化经历", "2025年第一期孵化", "已出壳")


def test_profile_marks_a_suspended_organisation(client, listed):
    chinese_page(client.get(profile_url(listed["suspended"])), "已暂停", "暂停期间不能参与服务项目投标")


@pytest.mark.parametrize("key", ["pending", "rejected"])
def test_profile_of_an_unverified_organisation_is_not_public(client, listed, key):
    assert client.get(profile_url(listed[key])).status_code == 404


def test_profile_of_a_missing_organisation_is_404(client, world):
    assert client.get("/organizations/999999/").status_code == 404


@pytest.fixture
def private_org(world):
    org = OrganizationFactory(
        name="隐私测试社工站",
        street=world.street_a,
        community=world.community_a,
        contact_phone="+8613912345678",
        legal_representative="欧阳法人",
        address="太和区保密路9号",
    )
    attach_document(org)
    return org


def viewer(world, private_org, who):
    if who == "anonymous":
        return None
    if who == "member":
        user = UserFactory(display_name="组织成员")
        grant(user, Role.ORG_MEMBER, private_org)
        return user
    if who == "org_admin":
        user = UserFactory(display_name="组织管理员")
        grant(user, Role.ORG_ADMIN, private_org)
        return user
    user = getattr(world, who)
    enable_mfa(user)
    return user


@pytest.mark.parametrize("who", ["member", "org_admin", "district_admin"])
def test_members_and_the_district_see_the_private_fields(client, world, private_org, who):
    user = viewer(world, private_org, who)
    client.force_login(user)
    html = chinese_page(
        client.get(profile_url(private_org)),
        "13912345678",
        "欧阳法人",
        "太和区保密路9号",
        "登记证书.pdf",
        staff=who == "district_admin",
    )
    assert "仅组织成员和区级管理员可见" not in html


@pytest.mark.parametrize("who", ["anonymous", "official_a", "worker_a", "resident"])
def test_others_see_no_private_field_not_even_masked(client, world, private_org, who):
    user = viewer(world, private_org, who)
    if user is not None:
        client.force_login(user)
    html = chinese_page(
        client.get(profile_url(private_org)),
        "隐私测试社工站",
        "仅组织成员和区级管理员可见",
        staff=who in ("official_a", "worker_a"),
    )
    for secret in ["13912345678", "139****5678", "欧阳法人", "太和区保密路9号", "登记证书", "/files/"]:
        assert secret not in html, f"{secret!r} leaked to {who}"


# Counts what rendering reads, not a page cache hit.
@override_settings(PAGE_CACHE_ENABLED=False)
def profile_queries(client, org) -> int:
    client.get(profile_url(org))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(profile_url(org))
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_profile_query_count_is_constant(client, world, private_org, who):
    user = viewer(world, private_org, who)
    if user is not None:
        client.force_login(user)
    private_org.tags.set([tag("elderly")])
    IncubationFactory(
        application__organization=private_org, application__cohort=CohortFactory(district=world.district)
    )
    make_public_orgs(world, 3)
    few = profile_queries(client, private_org)
    make_public_orgs(world, 27)
    private_org.tags.set(ServiceTag.objects.all())
    for n in range(3):
        IncubationFactory(
            application__organization=private_org,
            application__cohort=CohortFactory(
                district=world.district,
                applications_open_at=timezone.now() - datetime.timedelta(days=400 + n),
            ),
            status="exited",
        )
    attach_document(private_org, kind="charter")
    assert profile_queries(client, private_org) == few
