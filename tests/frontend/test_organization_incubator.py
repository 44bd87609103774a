"""The incubator page: the public list of cohorts and, for an org admin, the application form of
each open call, which goes through ``services.application_submit``."""

import datetime

import pytest
from django.utils import timezone

from marketplace.core.roles import Role
from marketplace.organizations.models import Application
from tests.factories import ApplicationFactory, CohortFactory, OrganizationFactory, UserFactory, grant
from tests.frontend.pagecheck import csp_problems

INCUBATOR = "/organizations/incubator/"


def page(response, *texts, status=200):
    assert response.status_code == status, response.content.decode()[:800]
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert csp_problems(response) == []
    for text in texts:
        assert text in html, f"{text!r} not on the page"
    return html


@pytest.fixture
def cohort(world):
    return CohortFactory(
        district=world.district,
        name="2026年第二期社区社会组织孵化",
        capacity=5,
        questions=[
            {"key": "plan", "label": "培育期工作计划", "required": True},
            {"key": "team", "label": "团队介绍", "required": False},
        ],
    )


@pytest.fixture
def org(world):
    return OrganizationFactory(name="幸福里为老服务中心", street=world.street_a)


@pytest.fixture
def org_admin(org):
    user = UserFactory(display_name="组织管理员")
    grant(user, Role.ORG_ADMIN, org)
    return user


def field(cohort, org, key: str) -> str:
    return f"c{cohort.pk}-o{org.pk}-q_{key}"


def apply_url(cohort, org) -> str:
    return f"/organizations/incubator/{cohort.pk}/apply/{org.pk}/"


def test_the_public_sees_the_cohorts_with_dates_capacity_and_status(client, world, cohort):
    CohortFactory(district=world.district, name="筹备中的期次", status="draft")
    CohortFactory(
        district=world.district,
        name="2025年第一期孵化",
        status="finished",
        starts_on=datetime.date(2025, 3, 1),
        ends_on=datetime.date(2025, 12, 31),
    )
    html = page(
        client.get(INCUBATOR),
        "社区社会组织孵化基地",
        "2026年第二期社区社会组织孵化",
        "接受申请",
        "2025年第一期孵化",
        "已结束",
        "2025-03-01 — 2025-12-31",
        "入孵名额",
        "社会组织管理员登录后可在此申请入孵",
    )
    assert "筹备中的期次" not in html
    assert "培育期工作计划" not in html


def test_empty_state(client, world):
    page(client.get(INCUBATOR), "暂无孵化期次")


def test_an_org_admin_applies_through_the_page(client, cohort, org, org_admin):
    client.force_login(org_admin)
    page(client.get(INCUBATOR), "以「幸福里为老服务中心」申请入孵", "培育期工作计划", "团队介绍")
    response = client.post(
        apply_url(cohort, org),
        {field(cohort, org, "plan"): "每月开展两次助老活动", field(cohort, org, "team"): ""},
    )
    assert response.status_code == 302 and response["Location"] == INCUBATOR
    application = Application.objects.get()
    assert (application.cohort, application.organization) == (cohort, org)
    assert application.answers == {"plan": "每月开展两次助老活动", "team": ""}
    assert application.submitted_by == org_admin
    html = page(
        client.get(INCUBATOR), "已提交「2026年第二期社区社会组织孵化」的入孵申请", "已申请本期:已提交"
    )
    assert apply_url(cohort, org) not in html


def test_a_required_answer_is_required(client, cohort, org, org_admin):
    client.force_login(org_admin)
    html = page(client.post(apply_url(cohort, org), {field(cohort, org, "plan"): "  "}), "培育期工作计划")
    assert 'aria-invalid="true"' in html
    assert not Application.objects.exists()


def test_an_application_after_the_deadline_shows_the_chinese_error(client, world, org, org_admin):
    # The scheduler has not yet closed the call: it is still "open" but its deadline has passed.
    late = CohortFactory(
        district=world.district,
        applications_open_at=timezone.now() - datetime.timedelta(days=10),
        applications_close_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    client.force_login(org_admin)
    html = page(client.get(INCUBATOR), "当前不在本期申请时间内。")
    assert apply_url(late, org) not in html
    html = page(
        client.post(apply_url(late, org), {field(late, org, "plan"): "计划"}),
        "不在本期申请时间内,不能提交申请。",
    )
    assert not Application.objects.exists()


def test_applying_twice_is_refused(client, cohort, org, org_admin):
    ApplicationFactory(cohort=cohort, organization=org)
    client.force_login(org_admin)
    page(
        client.post(apply_url(cohort, org), {field(cohort, org, "plan"): "计划"}), "本组织已申请过本期孵化。"
    )
    assert Application.objects.count() == 1


def test_a_member_who_is_not_org_admin_cannot_apply(client, cohort, org):
    member = UserFactory()
    grant(member, Role.ORG_MEMBER, org)
    client.force_login(member)
    html = page(client.get(INCUBATOR), "只有社会组织的管理员可以申请入孵")
    assert apply_url(cohort, org) not in html
    assert client.post(apply_url(cohort, org), {field(cohort, org, "plan"): "计划"}).status_code == 404
    assert not Application.objects.exists()


def test_an_admin_cannot_apply_for_someone_elses_org(client, world, cohort, org_admin):
    other = OrganizationFactory(street=world.street_b)
    client.force_login(org_admin)
    assert client.post(apply_url(cohort, other), {field(cohort, other, "plan"): "计划"}).status_code == 404
    assert not Application.objects.exists()


def test_apply_needs_a_login(client, cohort, org):
    response = client.post(apply_url(cohort, org), {field(cohort, org, "plan"): "计划"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Application.objects.exists()
