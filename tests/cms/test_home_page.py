"""The home page: the editors' hero and highlights, and the live blocks read when it is served —
open projects, upcoming activities, each fund's progress, the latest notices and the streets
with their pages — each with its empty state, in constant queries."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from cms.blocks import HighlightBlock
from cms.models import HomePage
from tests.factories.volunteers import ActivityFactory, ShiftFactory
from tests.marketplace.fund import conftest as fund_conftest
from tests.marketplace.fund.test_disbursements import grant_for

from . import test_pages
from .test_pages import build_tree, get_page, notice

fw = fund_conftest.fw
project = test_pages.project


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def tree(world):
    return build_tree(world)


def test_empty_home_page_says_so_in_every_block(client, tree):
    html = get_page(client, "/")
    assert "暂无通知公告。" in _section(html, "latest-notices")
    assert "暂无正在招标的服务项目。" in _section(html, "open-projects")
    assert "近期暂无可报名的志愿活动。" in _section(html, "upcoming-activities")
    assert "暂无接受捐赠的专项基金。" in _section(html, "fund-progress")


def test_latest_notices_are_the_newest_five_live_public_ones_from_anywhere(client, tree):
    for n in range(1, 7):
        notice(tree.notices if n % 2 else tree.street_notices, n)
    draft = notice(tree.notices, 9)
    draft.unpublish()
    private = notice(tree.notices, 8)
    from wagtail.models import PageViewRestriction

    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    block = _section(get_page(client, "/"), "latest-notices")
    titles = [f"第{n}号通知" for n in (6, 5, 4, 3, 2)]
    positions = [block.index(t) for t in titles]
    assert positions == sorted(positions), "newest first"
    assert "第1号通知" not in block  # sixth newest
    assert "第9号通知" not in block and "第8号通知" not in block
    assert 'href="/streets/a/notices/notice-6/"' in block
    assert "2025-01-07" in block and "太和区民政局" in block


def test_open_projects_and_upcoming_activities_are_listed_with_their_totals(client, tree, world, project):
    for n in range(5):
        project(title=f"助餐服务项目{n}")
    activity = ActivityFactory(community=world.community_a, title="楼道清洁志愿行动")
    ShiftFactory(activity=activity)
    html = get_page(client, "/")
    projects = _section(html, "open-projects")
    assert projects.count('href="/projects/') == 4 + 1  # four rows and "see all"
    assert "共 5 项" in projects
    activities = _section(html, "upcoming-activities")
    assert "楼道清洁志愿行动" in activities
    assert f'href="/volunteers/activities/{activity.pk}/"' in activities


def test_fund_progress_shows_what_was_raised_and_disbursed_with_a_call_to_donate(client, tree, fw, settings):
    settings.FUND_SECOND_APPROVAL_FEN = 10_000_000
    fw.give(30_000)
    fw.give(10_000)
    from marketplace.fund import services as fund_services

    fund_services.disbursement_approve(actor=fw.admins[1], disbursement=grant_for(fw, amount=10_000))
    block = _section(get_page(client, "/"), "fund-progress")
    assert "基层治理专项基金" in block
    assert "累计筹款 ¥400.00(2 笔),已拨付 ¥100.00" in block
    assert 'max="100" value="25"' in block
    assert 'href="/fund/jiceng/donate/"' in block


def test_an_inactive_fund_is_not_featured(client, tree, fw):
    fw.fund.active = False
    fw.fund.save(update_fields=["active"])
    assert "暂无接受捐赠的专项基金。" in _section(get_page(client, "/"), "fund-progress")


def test_streets_link_to_their_pages(client, tree, world):
    html = get_page(client, "/")
    block = html[html.index('id="streets-heading"') :]
    assert f'<a href="/streets/a/">{world.street_a.name}</a>' in block


def test_editors_highlights_render_with_their_links(client, tree):
    home = HomePage.objects.get()
    home.highlights = [
        (
            "highlight",
            {"title": "政策文件汇编", "text": "本区基层治理政策一览", "page": tree.policies, "url": ""},
        ),
        ("highlight", {"title": "市民热线", "text": "", "page": None, "url": "https://www.example.org/"}),
    ]
    home.save_revision().publish()
    html = get_page(client, "/", "政策文件汇编", "本区基层治理政策一览")
    assert '<a href="/policies/">政策文件汇编</a>' in html
    assert '<a href="https://www.example.org/">市民热线</a>' in html


def test_a_highlight_links_to_a_page_or_an_address_not_both(tree):
    block = HighlightBlock()
    with pytest.raises(ValidationError):
        block.clean(
            block.to_python({"title": "两个链接", "page": tree.policies.pk, "url": "https://example.org/"})
        )
    assert (
        block.clean(block.to_python({"title": "一个链接", "url": "https://example.org/"}))["title"]
        == "一个链接"
    )
    assert block.clean(block.to_python({"title": "数据公开", "url": "/stats/"}))["url"] == "/stats/"
    for bad in ("javascript:alert(1)", "//evil.example/", "stats"):
        with pytest.raises(ValidationError):
            block.clean(block.to_python({"title": "坏链接", "url": bad}))


# Counts what rendering reads, not a page cache hit.
@override_settings(PAGE_CACHE_ENABLED=False)
def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    return len(ctx)


def test_the_home_page_does_constant_queries(client, tree, world, project, fw):
    def add(n):
        project(title=f"项目{n}")
        ShiftFactory(activity=ActivityFactory(community=world.community_a))
        notice(tree.notices, 100 + n, date=datetime.date(2026, 1, 1) + datetime.timedelta(days=n))
        fw.give(1_000)

    add(0)
    _queries(client)  # warm the site-root and settings caches
    few = _queries(client)
    for n in range(1, 6):
        add(n)
    many = _queries(client)
    assert many == few


def test_a_scheduled_notice_shows_on_the_home_page_once_the_scheduler_publishes_it(client, tree):
    """Editors schedule a notice (go-live time); `make run` runs Wagtail's publish_scheduled."""
    from django.core.management import call_command
    from django.utils import timezone

    from cms.models import NoticePage

    page = NoticePage(title="春节期间服务安排", slug="spring", date=datetime.date(2026, 1, 20), live=False)
    tree.notices.add_child(instance=page)
    page.go_live_at = timezone.now() + datetime.timedelta(hours=1)
    revision = page.save_revision()
    revision.publish()
    page.refresh_from_db()
    assert not page.live
    call_command("publish_scheduled")
    assert "春节期间服务安排" not in _section(get_page(client, "/"), "latest-notices")
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2)):
        call_command("publish_scheduled")
    assert "春节期间服务安排" in _section(get_page(client, "/"), "latest-notices")
