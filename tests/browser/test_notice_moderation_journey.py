"""Journey 4: a street's website editor writes a notice in the back office and submits it for
moderation; a district moderator approves it, which publishes it; it is listed on the home
page among the latest notices."""

import re

import pytest
from playwright.sync_api import expect

from cms import services as cms_services
from cms.models import HomePage, NoticeIndexPage, NoticePage, StreetIndexPage, StreetPage
from marketplace.core.roles import Role
from tests.factories import DistrictFactory, StreetFactory, UserFactory, grant

from .steps import sign_in, staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "关于开展冬季消防安全检查的通知"
BODY = "请各社区于本月底前完成辖区消防安全自查,重点检查老旧小区楼道堆物和电动自行车充电。"


def publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def section():
    """A street's section of the site with its notice column, under the moderation workflow."""
    street = StreetFactory(district=DistrictFactory(), name="城关街道")
    home = HomePage.objects.get()
    streets = publish(home, StreetIndexPage(title="街道社区", slug="streets"))
    street_page = publish(streets, StreetPage(title="城关街道", slug="chengguan", street=street))
    notices = publish(street_page, NoticeIndexPage(title="城关街道通知", slug="notices"))
    cms_services.street_section_setup(actor=None, street_page=street_page)
    return street_page, notices


def test_an_editors_notice_is_moderated_published_and_listed_on_the_home_page(page, screenshot, section):
    street_page, notices = section
    street = street_page.street
    official = UserFactory()
    grant(official, Role.STREET_OFFICIAL, street)
    editor = UserFactory(display_name="城关街道网站编辑")
    cms_services.street_editor_add(actor=official, user=editor, street_page=street_page)
    moderator, moderator_secret = staff_member(
        Role.DISTRICT_ADMIN, street.district, display_name="区级审核员"
    )
    cms_services.moderator_add(actor=moderator, user=moderator, site_root=HomePage.objects.get())

    # The editor finds the street's notice column from the dashboard and writes the notice.
    writer = page("desktop")
    sign_in(writer, editor.email)
    writer.goto("/admin/")
    writer.get_by_role("link", name="Pages created in").click()
    writer.get_by_role("link", name="为'城关街道通知'添加子页面").click()
    writer.get_by_role("textbox", name="标题").fill(TITLE)
    writer.get_by_role("textbox", name="发布日期").fill("2026-11-20")
    writer.get_by_role("textbox", name="发布单位").fill("城关街道办事处")
    writer.get_by_role("textbox", name="摘要").fill("部署冬季消防安全检查工作。")
    writer.get_by_role("region", name="正文").get_by_role("button").last.click()
    writer.get_by_role("option", name="正文").click()
    # The rich-text editor takes typing once it has the focus.
    body = writer.get_by_role("region", name="正文").get_by_role("textbox")
    body.click()
    expect(body).to_be_focused()
    body.press_sequentially(BODY)
    expect(body).to_contain_text(BODY)
    # The editor copies its content into the form a moment later: submit only once it has.
    expect(writer.locator("input[name='body-0-value']")).to_have_value(re.compile(re.escape(BODY)))
    writer.get_by_role("button", name="更多动作").click()
    writer.get_by_role("button", name="提交给通知公告与政策文件审核").click()
    expect(writer.get_by_text("已创建并提交审核")).to_be_visible()
    expect(writer.get_by_role("row", name=TITLE)).to_contain_text("审核中")

    notice = NoticePage.objects.get(title=TITLE)
    assert not notice.live and notice.get_parent().pk == notices.pk
    visitor = page("phone")
    assert visitor.goto(notice.url).status == 404

    # The moderator sees it awaiting their review and approves it, which publishes it.
    review = page("desktop")
    sign_in(review, moderator.email, totp_secret=moderator_secret)
    review.goto("/admin/")
    awaiting = review.get_by_role("region", name="等待你的审查")
    awaiting.get_by_role("link", name=TITLE).click()
    # Moderators may also publish outright; the workflow's own action records the approval.
    review.get_by_role("button", name="更多动作").click()
    review.get_by_role("button", name="批准 和发布", exact=True).click()
    expect(review.get_by_text(f"页面 '{TITLE}' 已被更新")).to_be_visible()

    # Published: the notice is listed among the latest notices on the home page.
    visitor.goto("/")
    latest = visitor.locator("section#latest-notices")
    expect(latest.get_by_role("link", name=TITLE)).to_be_visible()
    latest.get_by_role("link", name=TITLE).click()
    expect(visitor.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(visitor.get_by_text(BODY)).to_be_visible()
    screenshot(visitor, "notice-moderation")

    notice.refresh_from_db()
    assert notice.live and notice.first_published_at is not None
    assert notice.intro == "部署冬季消防安全检查工作。" and notice.issuer == "城关街道办事处"
    state = notice.workflow_states.get()
    assert state.status == state.STATUS_APPROVED
    assert state.requested_by == editor
    review_task = state.task_states.get()
    assert review_task.status == review_task.STATUS_APPROVED and review_task.finished_by == moderator
