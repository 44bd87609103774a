"""Journey 3: a street official drafts a service project in the back office and submits it; a
second official of the street approves it (the drafter may not approve their own); the
drafter publishes it and it appears on the public project list."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from marketplace.core.models import TransitionLog
from marketplace.core.roles import Role
from marketplace.procurement.models import Project
from tests.factories import CommunityFactory, DistrictFactory, StreetFactory

from .steps import sign_in, staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "解放路社区老旧小区适老化改造咨询服务"


@pytest.fixture
def street():
    street = StreetFactory(district=DistrictFactory(), name="城关街道")
    CommunityFactory(street=street, name="解放路社区")
    return street


def local(moment: datetime.datetime, fmt: str) -> str:
    return timezone.localtime(moment).strftime(fmt)


def test_a_street_official_publishes_a_project_through_the_back_office(page, screenshot, street):
    drafter, drafter_secret = staff_member(Role.STREET_OFFICIAL, street, display_name="李起草")
    approver, approver_secret = staff_member(Role.STREET_OFFICIAL, street, display_name="王审批")
    now = timezone.now()

    office = page("desktop")
    sign_in(office, drafter.email, totp_secret=drafter_secret)
    office.goto("/admin/")
    office.get_by_role("button", name="政府购买服务").click()
    office.get_by_role("link", name="服务项目").click()
    office.get_by_role("link", name="添加 服务项目").click()
    office.get_by_label("服务社区").select_option(label="解放路社区")
    office.get_by_label("项目名称").fill(TITLE)
    office.get_by_label("项目内容").fill("为辖区老旧小区60岁以上老人家庭提供适老化改造入户评估与方案咨询。")
    office.get_by_label("服务对象").fill("解放路社区60岁以上老人家庭约300户")
    office.get_by_label("绩效目标").fill("完成入户评估不少于200户,满意度不低于90%")
    office.get_by_label("预算上限(元)").fill("150000")
    office.get_by_label("投标开始").fill(local(now, "%Y-%m-%d %H:%M"))
    office.get_by_label("投标截止").fill(local(now + datetime.timedelta(days=14), "%Y-%m-%d %H:%M"))
    office.get_by_label("服务开始").fill(local(now + datetime.timedelta(days=30), "%Y-%m-%d"))
    office.get_by_label("服务结束").fill(local(now + datetime.timedelta(days=395), "%Y-%m-%d"))
    office.get_by_role("button", name="创建").click()
    expect(office.get_by_text(f"服务项目 '{TITLE}' 已创建")).to_be_visible()
    office.get_by_role("button", name="提交审批").click()
    expect(office.get_by_text("已完成「提交审批」")).to_be_visible()
    # Two officials for every project: the drafter is offered no approval.
    expect(office.get_by_role("button", name="审批通过")).to_have_count(0)

    # The second official sees it waiting for them and approves it.
    colleague = page("desktop")
    sign_in(colleague, approver.email, totp_secret=approver_secret)
    colleague.goto("/admin/")
    colleague.get_by_role("link", name="待审批的服务项目").click()
    colleague.get_by_role("link", name=TITLE).click()
    colleague.get_by_role("button", name="审批通过").click()
    expect(colleague.get_by_text("已完成「审批通过」")).to_be_visible()

    # The drafter publishes the announcement and looks at the public page.
    office.goto("/admin/")
    office.get_by_role("link", name="待发布的服务项目").click()
    office.get_by_role("link", name=TITLE).click()
    office.get_by_role("button", name="发布公告").click()
    expect(office.get_by_text("已完成「发布公告」")).to_be_visible()
    office.get_by_role("link", name="查看公开页面").click()
    expect(office.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    screenshot(office, "project-publish")

    visitor = page("phone")
    visitor.goto("/projects/")
    expect(visitor.get_by_role("link", name=TITLE)).to_be_visible()

    project = Project.objects.get(title=TITLE)
    assert project.status == "published" and project.published_at is not None
    assert project.created_by == drafter and project.community.name == "解放路社区"
    assert project.budget_ceiling_fen == 15_000_000
    moves = dict(
        TransitionLog.objects.filter(lifecycle="procurement.project", object_id=str(project.pk)).values_list(
            "code", "actor"
        )
    )
    assert moves == {"submit": drafter.pk, "approve": approver.pk, "publish": drafter.pk}
