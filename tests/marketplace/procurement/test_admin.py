"""Service projects in the street's Wagtail admin: the scoped list, creating a draft, the
approval by a second official, opening after the deadline, answering questions, changing
terms, and the sealed-bid rule (only prices, and only after opening)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.procurement import services
from marketplace.procurement.choices import BidStatus, ProjectStatus
from marketplace.procurement.models import Project, Question
from tests.factories import enable_mfa
from tests.marketplace.organizations.test_admin import admin_menu

from .conftest import terms

BASE = "/admin/procurement/projects/"


@pytest.fixture
def login(client):
    def _login(user):
        enable_mfa(user)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_menu_and_list_are_scoped_to_the_officials_street(login, pw):
    pw.published(title="甲街道的项目")
    client = login(pw.world.official_b)
    assert admin_menu(client)["政府购买服务"] == [BASE]
    assert "政府购买服务" not in admin_menu(login(pw.world.worker_a))
    client = login(pw.world.official_b)
    assert "甲街道的项目" not in _text(client.get(BASE))
    page = _text(login(pw.world.official_a).get(BASE))
    assert "甲街道的项目" in page and "¥300,000.00" in page and "公告中" in page


def test_official_of_another_street_cannot_open_the_project(login, pw):
    project = pw.published()
    client = login(pw.world.official_b)
    assert client.get(f"{BASE}inspect/{project.pk}/").status_code == 404
    assert client.post(f"{BASE}cancel/{project.pk}/", {"reason": "越权"}).status_code in (403, 404)
    project.refresh_from_db()
    assert project.status == ProjectStatus.PUBLISHED


def _create_post(world, **overrides):
    now = timezone.localtime()
    data = {
        "street": world.street_a.pk,
        "title": "后台新建项目",
        "category": "daily_life",
        "description": "内容",
        "service_targets": "对象",
        "performance_goals": "目标",
        "budget_ceiling": "100000",
        "funding_source": "fiscal",
        "bid_open_at": (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
        "bid_close_at": (now + datetime.timedelta(days=10)).strftime("%Y-%m-%d %H:%M"),
        "service_start": (now + datetime.timedelta(days=20)).strftime("%Y-%m-%d"),
        "service_end": (now + datetime.timedelta(days=200)).strftime("%Y-%m-%d"),
        "min_valid_bids": "3",
        "publicity_working_days": "5",
        "criteria": '[{"name": "价格", "weight": 30, "is_price": true}, {"name": "方案", "weight": 70}]',
    }
    data.update(overrides)
    return data


def test_create_then_second_official_approves_through_the_admin(login, pw):
    client = login(pw.drafter)
    response = client.post(f"{BASE}new/", _create_post(pw.world))
    assert response.status_code == 302, response.content.decode()[:3000]
    project = Project.objects.get(title="后台新建项目")
    assert project.budget_ceiling_fen == 10_000_000
    page = _text(client.get(f"{BASE}inspect/{project.pk}/"))
    assert "提交审批" in page and "编辑草稿" in page
    assert client.post(f"{BASE}submit/{project.pk}/").status_code == 302
    # The drafter is not offered the approval, and is refused it.
    assert "审批通过" not in _text(client.get(f"{BASE}inspect/{project.pk}/"))
    response = client.post(f"{BASE}approve/{project.pk}/")
    assert "起草人不能审批" in _text(response)
    project.refresh_from_db()
    assert project.status == ProjectStatus.PENDING_APPROVAL
    approver = login(pw.approver)
    assert "审批通过" in _text(approver.get(f"{BASE}inspect/{project.pk}/"))
    assert approver.post(f"{BASE}approve/{project.pk}/").status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.APPROVED and project.approved_by == pw.approver


def test_bad_weights_rerender_in_chinese_and_create_nothing(login, pw):
    client = login(pw.drafter)
    bad = '[{"name": "价格", "weight": 30, "is_price": true}, {"name": "方案", "weight": 60}]'
    page = _text(client.post(f"{BASE}new/", _create_post(pw.world, criteria=bad)))
    assert "评分项权重之和须为100。" in page
    page = _text(client.post(f"{BASE}new/", _create_post(pw.world, criteria="不是JSON")))
    assert "评分项须为 JSON 列表" in page
    assert not Project.objects.filter(title="后台新建项目").exists()


def test_answer_and_change_terms(login, pw):
    project = pw.published()
    pw.bid(project, 0)
    question = Question.objects.create(
        project=project, asked_by=pw.org_admins[0], asked_by_org=pw.orgs[0], text="含节假日吗?"
    )
    client = login(pw.drafter)
    page = _text(client.get(f"{BASE}inspect/{project.pk}/"))
    assert "含节假日吗?" in page and "变更条款" in page
    assert client.post(f"{BASE}answer/{question.pk}/", {"answer": "含。"}).status_code == 302
    question.refresh_from_db()
    assert question.answer == "含。"
    form = _text(client.get(f"{BASE}change_terms/{project.pk}/"))
    assert "变更原因" in form
    data = _create_post(pw.world, title=project.title, budget_ceiling="280000", reason="")
    data.pop("street")
    data["criteria"] = (
        '[{"name": "价格", "weight": 30, "is_price": true}, {"name": "服务方案", "weight": 70}]'
    )
    assert "请填写变更原因。" in _text(client.post(f"{BASE}change_terms/{project.pk}/", data))
    data["reason"] = "调整预算"
    assert client.post(f"{BASE}change_terms/{project.pk}/", data).status_code == 302
    project.refresh_from_db()
    assert project.budget_ceiling_fen == 28_000_000 and project.terms_version == 2
    assert project.bids.get().status == BidStatus.INVALIDATED


def test_open_bids_after_the_deadline_then_only_prices_show(login, pw, time_machine):
    project = pw.published()
    for i, price in enumerate([21_111_100, 22_222_200, 23_333_300]):
        pw.bid(project, i, price_fen=price)
    client = login(pw.drafter)
    page = _text(client.get(f"{BASE}inspect/{project.pk}/"))
    assert "开标" not in page.split("可执行的操作")[1].split("</section>")[0]
    assert "211,111.00" not in page and "中央厨房" not in page
    time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1), tick=False)
    client = login(pw.drafter)
    assert client.post(f"{BASE}open_bids/{project.pk}/").status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.OPENED
    page = _text(client.get(f"{BASE}inspect/{project.pk}/"))
    assert "¥211,111.00" in page and "开标记录" in page
    assert "中央厨房" not in page  # the proposal stays out of the admin


def test_list_query_count_is_constant(login, pw):
    client = login(pw.drafter)

    def count():
        client.get(BASE)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(BASE).status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        pw.bid(pw.published(title=f"项目{i}"), 0)
    few = count()
    for i in range(3, 30):
        services.project_create(actor=pw.drafter, street=pw.world.street_a, terms=terms(title=f"草稿{i}"))
    assert count() == few


def test_district_admin_sees_every_streets_projects_but_changes_none(login, pw):
    project = pw.published()
    pw.bid(project, 0, price_fen=21_111_100)
    other = services.project_create(
        actor=pw.world.official_b, street=pw.world.street_b, terms=terms(title="乙街道助残项目")
    )
    client = login(pw.world.district_admin)
    listing = _text(client.get(BASE))
    assert project.title in listing and other.title in listing
    page = _text(client.get(f"{BASE}inspect/{project.pk}/"))
    assert "211,111.00" not in page and "中央厨房" not in page  # sealed before opening
    assert "编辑草稿" not in _text(client.get(f"{BASE}inspect/{other.pk}/"))
    question = services.question_ask(
        actor=pw.org_admins[0], project=project, org=pw.orgs[0], text="是否含周末?"
    )
    response = client.get(f"{BASE}answer/{question.pk}/")
    assert response.status_code in (302, 404)  # the form is not offered to the district
    client.post(f"{BASE}answer/{question.pk}/", {"answer": "区里代答"})
    question.refresh_from_db()
    assert question.answered_at is None  # answering is the buying street's job
    assert client.post(f"{BASE}cancel/{project.pk}/", {"reason": "区级统筹调整"}).status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.CANCELLED
