"""The public service-project pages and the bidding pages of the organisations' members: in
Chinese, within the CSP, with a constant query count, and keeping bids sealed until opening."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from marketplace.procurement.choices import BidStatus
from marketplace.procurement.models import Bid, Question
from tests.factories import UserFactory, enable_mfa, grant
from tests.frontend.pagecheck import csp_problems
from tests.marketplace.procurement import conftest as procurement_conftest

# The procurement tests' world (street A, a drafter and a second official, four verified
# organisations with their admins), shared rather than copied.
pw = procurement_conftest.pw

LIST = "/projects/"
SECRET_PROPOSAL = "中央厨房统一配餐,志愿者配送。"


def detail_url(project) -> str:
    return f"/projects/{project.pk}/"


def bid_url(project, org) -> str:
    return f"/projects/{project.pk}/bid/{org.pk}/"


def receipt_url(bid) -> str:
    return f"/projects/bids/{bid.pk}/"


def chinese_page(response, *texts):
    assert response.status_code == 200, response.content.decode()[:500]
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert csp_problems(response) == []
    for text in texts:
        assert text in html, f"{text!r} not on the page"
    return html


def bid_post(**overrides):
    data = {
        "price": "250000.00",
        "proposal": "上门助餐,每日两次",
        "team": "社工3名",
        "no_collusion": "on",
        "truthful": "on",
        "no_major_violation": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- list -------------------------------------------------------------------------------------
def test_list_shows_public_projects_with_budget_window_and_bid_count(client, pw):
    project = pw.published(title="幸福里助餐服务")
    pw.bid(project, 0)
    pw.bid(project, 1)
    from marketplace.procurement import services
    from tests.marketplace.procurement.conftest import terms

    services.project_create(actor=pw.drafter, street=pw.world.street_a, terms=terms(title="内部草稿项目"))
    html = chinese_page(
        client.get(LIST), "街道购买服务项目", "幸福里助餐服务", "¥300,000.00", "公告中", "2 份"
    )
    assert "内部草稿项目" not in html
    assert "服务项目" in html  # the nav link


def test_list_filters_and_empty_state(client, pw):
    pw.published(title="甲街道项目")
    html = chinese_page(client.get(LIST, {"street": pw.world.street_b.pk}), "没有符合筛选条件的服务项目")
    assert "甲街道项目" not in html
    chinese_page(client.get(LIST, {"street": pw.world.street_a.pk, "status": "published"}), "甲街道项目")
    html = chinese_page(client.get(LIST, {"category": "charity"}))
    assert "甲街道项目" not in html
    chinese_page(client.get(LIST, {"street": "abc", "status": "nonsense"}), "甲街道项目")


def test_list_empty(client, world):
    chinese_page(client.get(LIST), "还没有发布的服务项目", "共 0 个项目")


# Counts what rendering reads, not a page cache hit.
@override_settings(PAGE_CACHE_ENABLED=False)
def _list_queries(client) -> int:
    client.get(LIST)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(LIST).status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_projects(client, pw):
    for i in range(3):
        pw.bid(pw.published(title=f"项目{i}"), 0)
    few = _list_queries(client)
    for i in range(3, 30):
        pw.bid(pw.published(title=f"项目{i}"), i % 4)
    assert _list_queries(client) == few


# --- detail -----------------------------------------------------------------------------------
def test_detail_shows_the_announcement_criteria_and_public_qa(client, pw):
    project = pw.published(min_grade="3A")
    Question.objects.create(
        project=project, asked_by=pw.org_admins[0], asked_by_org=pw.orgs[0], text="是否含节假日?"
    )
    Question.objects.create(
        project=project, asked_by=pw.org_admins[1], asked_by_org=pw.orgs[1], text="未答复的问题"
    )
    from marketplace.procurement import services

    services.question_answer(actor=pw.drafter, question=project.questions.first(), answer="含法定节假日。")
    html = chinese_page(
        client.get(detail_url(project)),
        project.title,
        "项目公告",
        "¥300,000.00",
        "评分标准",
        "价格",
        "服务方案",
        "40",
        "服务期",
        "评估等级 3A 及以上",
        "是否含节假日?",
        "含法定节假日。",
        "已收到 0 份投标",
    )
    assert "未答复的问题" not in html
    assert pw.orgs[0].name not in html  # the asker is not public


def test_detail_of_a_draft_is_404(client, pw):
    from marketplace.procurement import services
    from tests.marketplace.procurement.conftest import terms

    draft = services.project_create(actor=pw.drafter, street=pw.world.street_a, terms=terms())
    assert client.get(detail_url(draft)).status_code == 404


# --- bidding ----------------------------------------------------------------------------------
def test_member_bids_through_the_form_and_gets_a_receipt(client, pw):
    project = pw.published()
    client.force_login(pw.org_admins[0])
    chinese_page(client.get(detail_url(project)), "我要投标", pw.orgs[0].name)
    chinese_page(client.get(bid_url(project, pw.orgs[0])), "密封提交投标", "未与其他投标人串通")
    response = client.post(bid_url(project, pw.orgs[0]), bid_post(price="123456.78"))
    assert response.status_code == 302
    bid = Bid.objects.get(project=project, organization=pw.orgs[0])
    assert bid.status == BidStatus.SUBMITTED and bid.price_fen is None
    html = chinese_page(
        client.get(response.url), "投标回执", bid.content_hash, "¥123,456.78", "上门助餐,每日两次"
    )
    assert bid.submitted_at.astimezone(datetime.UTC).year and "提交时间" in html
    # Withdraw, then the receipt says so.
    assert client.post(f"/projects/bids/{bid.pk}/withdraw/").status_code == 302
    bid.refresh_from_db()
    assert bid.status == BidStatus.WITHDRAWN


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"price": "300000.01"}, "报价超过预算上限 ¥300,000.00。"),
        ({"truthful": None}, "请确认声明:所提交材料真实有效"),
        ({"price": "12.345"}, "金额最小单位为分。"),
    ],
)
def test_bad_bid_input_rerenders_in_chinese_and_creates_nothing(client, pw, post, message):
    project = pw.published()
    client.force_login(pw.org_admins[0])
    chinese_page(client.post(bid_url(project, pw.orgs[0]), bid_post(**post)), message)
    assert not Bid.objects.filter(project=project).exclude(status=BidStatus.DRAFT).exists()


def test_a_bid_after_the_deadline_is_refused(client, pw, time_machine):
    project = pw.published()
    time_machine.move_to(project.bid_close_at, tick=False)
    client.force_login(pw.org_admins[0])
    chinese_page(client.post(bid_url(project, pw.orgs[0]), bid_post()), "不在投标时间内")
    assert not Bid.objects.filter(project=project).exclude(status=BidStatus.DRAFT).exists()


def test_question_through_the_page(client, pw):
    project = pw.published()
    client.force_login(pw.org_admins[0])
    response = client.post(
        f"/projects/{project.pk}/ask/{pw.orgs[0].pk}/", {f"q{pw.orgs[0].pk}-text": "能否分包?"}
    )
    assert response.status_code == 302
    assert Question.objects.get(project=project).text == "能否分包?"
    chinese_page(client.get(detail_url(project)), "能否分包?", "待答复")
    response = client.post(f"/projects/{project.pk}/ask/{pw.orgs[0].pk}/", {f"q{pw.orgs[0].pk}-text": ""})
    chinese_page(response, "必需字段")


def test_non_members_cannot_bid_for_an_organisation(client, pw):
    project = pw.published()
    client.force_login(pw.org_admins[1])
    assert client.get(bid_url(project, pw.orgs[0])).status_code == 404
    assert client.post(bid_url(project, pw.orgs[0]), bid_post()).status_code == 404


# --- sealed bids through the pages ------------------------------------------------------------
def test_before_opening_only_the_bidder_sees_its_bid(client, pw):
    project = pw.published()
    bid = pw.bid(project, 0, price_fen=21_234_500)
    price_text = "212,345.00"
    other_org_admin = pw.org_admins[1]
    superuser = UserFactory(is_superuser=True, is_staff=True)
    viewers = [pw.world.official_a, pw.approver, pw.world.district_admin, other_org_admin, superuser, None]
    for viewer in viewers:
        client.logout()
        if viewer is not None:
            enable_mfa(viewer)
            client.force_login(viewer, backend="django.contrib.auth.backends.ModelBackend")
        html = client.get(detail_url(project)).content.decode()
        assert "已收到 1 份投标" in html
        assert price_text not in html and SECRET_PROPOSAL not in html
        assert client.get(f"/projects/bids/{bid.pk}/").status_code in (302, 404)
        if viewer is not None:
            assert client.get(f"/projects/bids/{bid.pk}/").status_code == 404
        admin = client.get(f"/admin/procurement/projects/inspect/{project.pk}/").content.decode()
        assert price_text not in admin and SECRET_PROPOSAL not in admin
    # A second member of the bidding organisation sees the contents.
    member = UserFactory()
    from marketplace.core.roles import Role

    grant(member, Role.ORG_MEMBER, pw.orgs[0])
    client.logout()
    client.force_login(member)
    chinese_page(client.get(f"/projects/bids/{bid.pk}/"), price_text, SECRET_PROPOSAL, bid.content_hash)
