"""Evaluation and award in the back office: appointing evaluators, disqualifying a bid, completing
the evaluation, proposing the award, publicity, objections and the confirmation on the project's
page; and the evaluators' own "我的评审" screens (declaration, scoring, sealed contents read only
through the selector)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.accounts.models import RoleAssignment
from marketplace.core.models import AuditEntry
from marketplace.core.roles import Role
from marketplace.procurement import services
from marketplace.procurement.choices import BidStatus, ObjectionStatus, ProjectStatus
from marketplace.procurement.models import ConflictDeclaration, Objection, Score
from tests.factories import UserFactory, enable_mfa, grant
from tests.marketplace.organizations.test_admin import admin_menu

from .test_evaluation import REPORT, appoint, bid_of, declare_and_score, evaluated, in_publicity, open_project

BASE = "/admin/procurement/projects/"
MINE = "/admin/procurement/my-evaluations/"


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


def _moves(page: str) -> str:
    return page.split("可执行的操作")[1].split("</section>")[0]


# --- on the project's page ------------------------------------------------------------------
def test_appoint_an_evaluator_by_phone_and_see_their_progress(login, pw, time_machine):
    project = open_project(pw, time_machine)
    expert = UserFactory(display_name="王专家", phone="+8613912345678")
    client = login(pw.drafter)
    page = _text(client.get(f"{BASE}inspect/{project.pk}/"))
    assert "指派评审专家" in page and "尚未指派评审专家" in page
    url = f"{BASE}appoint_evaluator/{project.pk}/"
    page = _text(client.post(url, {"contact": "13900000000"}))
    assert "未找到使用该手机号或邮箱的用户" in page
    assert not RoleAssignment.objects.filter(role=Role.EVALUATOR).exists()
    assert client.post(url, {"contact": "139 1234 5678"}).status_code == 302
    assignment = RoleAssignment.objects.get(role=Role.EVALUATOR)
    assert (assignment.user, assignment.scope_id) == (expert, project.pk)
    # Twice: the service's refusal, in Chinese, and still one assignment.
    assert "该用户已拥有此角色" in _text(client.post(url, {"contact": expert.email}))
    assert RoleAssignment.objects.filter(role=Role.EVALUATOR).count() == 1
    page = _text(client.get(f"{BASE}inspect/{project.pk}/"))
    assert "王专家" in page and "未声明" in page and "0 / 6" in page
    assert "王专家 未作无利害关系声明" in page  # evaluation_missing


def test_outsiders_cannot_appoint(login, pw, time_machine):
    project = open_project(pw, time_machine)
    expert = UserFactory()
    url = f"{BASE}appoint_evaluator/{project.pk}/"
    client = login(pw.world.official_b)
    assert client.get(url).status_code == 404
    assert client.post(url, {"contact": expert.email}).status_code == 404
    client = login(pw.world.district_admin)
    assert url not in _text(client.get(f"{BASE}inspect/{project.pk}/"))
    assert "您没有执行此操作的权限" in _text(client.post(url, {"contact": expert.email}))
    client = login(pw.world.worker_a)
    # Wagtail answers a missing model permission by sending the user to the dashboard.
    response = client.post(url, {"contact": expert.email})
    assert response.status_code in (403, 404) or response["Location"] == "/admin/"
    assert not RoleAssignment.objects.filter(role=Role.EVALUATOR).exists()


def test_disqualify_an_opened_bid_with_a_reason(login, pw, time_machine):
    project = open_project(pw, time_machine)
    bid = bid_of(project, pw.orgs[2])
    client = login(pw.drafter)
    page = _text(client.get(f"{BASE}inspect/{project.pk}/"))
    assert f"{BASE}bid-disqualify/{bid.pk}/" in page
    url = f"{BASE}bid-disqualify/{bid.pk}/"
    assert "请填写" in _text(client.post(url, {"reason": ""}))
    bid.refresh_from_db()
    assert bid.status == BidStatus.OPENED
    assert login(pw.world.official_b).post(url, {"reason": "越权"}).status_code == 404
    bid.refresh_from_db()
    assert bid.status == BidStatus.OPENED
    client = login(pw.drafter)
    assert client.post(url, {"reason": "资质证明文件过期"}).status_code == 302
    bid.refresh_from_db()
    assert bid.status == BidStatus.DISQUALIFIED
    page = _text(client.get(f"{BASE}inspect/{project.pk}/"))
    assert "无效投标" in page and url not in page


def test_complete_the_evaluation_only_when_scored_and_with_a_report(login, pw, time_machine):
    project = open_project(pw, time_machine)
    evaluators = appoint(pw, project)
    client = login(pw.drafter)
    assert "完成评审" in _moves(_text(client.get(f"{BASE}inspect/{project.pk}/")))
    url = f"{BASE}evaluate/{project.pk}/"
    assert "评审报告" in _text(client.get(url))
    assert "评审尚未完成" in _text(client.post(url, {"report": REPORT}))
    project.refresh_from_db()
    assert project.status == ProjectStatus.OPENED
    declare_and_score(pw, project, evaluators)
    assert "请填写评审报告" in _text(client.post(url, {"report": "  "}))
    project.refresh_from_db()
    assert project.status == ProjectStatus.OPENED
    assert client.post(url, {"report": REPORT}).status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.EVALUATED and project.evaluation_report == REPORT
    page = _text(client.get(f"{BASE}inspect/{project.pk}/"))
    assert "评审排名(未公示)" in page and "90.136" in page and "投标组织1" in page


def test_propose_publicise_answer_objections_and_confirm(login, pw, time_machine):
    project, _evaluators = evaluated(pw, time_machine)
    client = login(pw.drafter)
    url = f"{BASE}propose_award/{project.pk}/"
    form = _text(client.get(url))
    assert "第1名 投标组织1" in form and "第2名 投标组织2" in form
    second = bid_of(project, pw.orgs[2])
    assert "须说明理由" in _text(client.post(url, {"bid": second.pk, "reason": ""}))
    project.refresh_from_db()
    assert project.status == ProjectStatus.EVALUATED and project.awarded_bid_id is None
    first = bid_of(project, pw.orgs[1])
    assert client.post(url, {"bid": first.pk, "reason": ""}).status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.AWARD_PROPOSED and project.awarded_bid_id == first.pk
    assert client.post(f"{BASE}start_publicity/{project.pk}/").status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.PUBLICITY
    page = _text(client.get(f"{BASE}inspect/{project.pk}/"))
    assert "评审结果(已公示)" in page and "公示期至" in page
    assert "确认中标" not in _moves(page)  # not before the end of publicity

    objection = services.objection_raise(
        actor=pw.org_admins[0], project=project, org=pw.orgs[0], text="价格分计算有误"
    )
    page = _text(client.get(f"{BASE}inspect/{project.pk}/"))
    assert "价格分计算有误" in page and f"{BASE}resolve_objection/{objection.pk}/" in page
    resolve = f"{BASE}resolve_objection/{objection.pk}/"
    assert "请填写答复" in _text(client.post(resolve, {"upheld": "0", "response": ""}))
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.OPEN
    assert login(pw.world.official_b).post(resolve, {"upheld": "0", "response": "越权"}).status_code == 404
    # The district answers objections too.
    district = login(pw.world.district_admin)
    assert "处理质疑" in _text(district.get(f"{BASE}inspect/{project.pk}/"))
    assert district.post(resolve, {"upheld": "0", "response": "经复核,计算无误。"}).status_code == 302
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED and objection.response == "经复核,计算无误。"

    time_machine.move_to(project.publicity_ends_at + datetime.timedelta(minutes=1), tick=False)
    client = login(pw.drafter)
    assert "确认中标" in _moves(_text(client.get(f"{BASE}inspect/{project.pk}/")))
    assert "确认中标" not in _moves(_text(login(pw.world.district_admin).get(f"{BASE}inspect/{project.pk}/")))
    client = login(pw.drafter)
    assert client.post(f"{BASE}confirm_award/{project.pk}/").status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.AWARDED
    assert bid_of(project, pw.orgs[1]).status == BidStatus.WON


def test_an_upheld_objection_reopens_the_evaluation(login, pw, time_machine):
    project, _evaluators = in_publicity(pw, time_machine)
    objection = services.objection_raise(
        actor=pw.org_admins[0], project=project, org=pw.orgs[0], text="评分不公"
    )
    client = login(pw.drafter)
    response = client.post(
        f"{BASE}resolve_objection/{objection.pk}/", {"upheld": "1", "response": "质疑成立,重新评审。"}
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    project.refresh_from_db()
    assert objection.status == ObjectionStatus.UPHELD
    assert project.status == ProjectStatus.OPENED and project.awarded_bid_id is None


def test_project_page_queries_do_not_grow_with_objections(login, pw, time_machine):
    project, _evaluators = in_publicity(pw, time_machine)
    client = login(pw.drafter)

    def count():
        client.get(f"{BASE}inspect/{project.pk}/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{BASE}inspect/{project.pk}/").status_code == 200
        return len(ctx.captured_queries)

    services.objection_raise(actor=pw.org_admins[0], project=project, org=pw.orgs[0], text="质疑0")
    few = count()
    for i in (1, 2):
        services.objection_raise(actor=pw.org_admins[i], project=project, org=pw.orgs[i], text=f"质疑{i}")
    assert Objection.objects.filter(project=project).count() == 3
    assert count() == few


# --- 我的评审 ---------------------------------------------------------------------------------
def test_evaluators_see_only_their_projects(login, pw, time_machine):
    project = open_project(pw, time_machine)
    other = open_project(pw, time_machine, title="另一个项目", prices=(21_000_000, 22_000_000, 23_000_000))
    (expert,) = appoint(pw, project, n=1)
    client = login(expert)
    assert admin_menu(client)["我的评审"] == [MINE]
    page = _text(client.get(MINE))
    assert project.title in page and "另一个项目" not in page
    assert client.get(f"{MINE}project/{other.pk}/").status_code == 404
    assert client.get(f"{MINE}declare/{other.pk}/").status_code == 404
    assert client.get(f"{MINE}score/{bid_of(other, pw.orgs[0]).pk}/").status_code == 404
    # The street's own screens stay closed to the evaluator.
    assert client.get(f"{BASE}inspect/{project.pk}/").status_code in (403, 404)
    official = login(pw.drafter)
    assert "我的评审" not in admin_menu(official)
    assert official.get(MINE).status_code == 404
    assert official.get(f"{MINE}project/{project.pk}/").status_code == 404


def test_declaration_is_refused_to_a_member_of_a_bidding_organisation(login, pw, time_machine):
    project = open_project(pw, time_machine)
    (expert,) = appoint(pw, project, n=1)
    grant(expert, Role.ORG_MEMBER, pw.orgs[0])
    client = login(expert)
    page = _text(client.post(f"{MINE}declare/{project.pk}/", {"statement": "本人无利害关系。"}))
    assert "应当回避" in page and "投标组织0" in page
    assert not ConflictDeclaration.objects.exists()


def test_declare_then_score_every_criterion_of_a_bid(login, pw, time_machine):
    project = open_project(pw, time_machine)
    (expert,) = appoint(pw, project, n=1)
    bid = bid_of(project, pw.orgs[0])
    client = login(expert)
    page = _text(client.get(f"{MINE}project/{project.pk}/"))
    assert "作无利害关系声明" in page and f"{MINE}score/{bid.pk}/" not in page
    # No contents before the declaration.
    response = client.get(f"{MINE}score/{bid.pk}/")
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action="procurement.bid.read").exists()
    form = _text(client.get(f"{MINE}declare/{project.pk}/"))
    assert "本人承诺" in form
    assert (
        client.post(f"{MINE}declare/{project.pk}/", {"statement": "本人与各投标人无利害关系。"}).status_code
        == 302
    )
    assert ConflictDeclaration.objects.filter(project=project, evaluator=expert).exists()

    page = _text(client.get(f"{MINE}score/{bid.pk}/"))
    assert "中央厨房统一配餐" in page and "¥210,000.00" in page
    assert AuditEntry.objects.filter(
        action="procurement.bid.read", object_id=str(bid.pk), actor=expert
    ).exists()
    plan_ = project.criteria.get(name="服务方案")
    team = project.criteria.get(name="团队与经验")
    price = project.criteria.get(is_price=True)
    assert f"value_{plan_.pk}" in page and f"value_{price.pk}" not in page
    url = f"{MINE}score/{bid.pk}/"
    bad = {f"value_{plan_.pk}": "101", f"comment_{plan_.pk}": "", f"value_{team.pk}": "80"}
    assert "评分须为0到100之间的整数" in _text(client.post(url, bad))
    assert not Score.objects.exists()
    good = {f"value_{plan_.pk}": "85", f"comment_{plan_.pk}": "方案完整", f"value_{team.pk}": "70"}
    assert client.post(url, good).status_code == 302
    scores = {s.criterion.name: (s.value, s.comment) for s in Score.objects.filter(bid=bid, evaluator=expert)}
    assert scores == {"服务方案": (85, "方案完整"), "团队与经验": (70, "")}
    page = _text(client.get(f"{MINE}project/{project.pk}/"))
    assert "85" in page and "已作无利害关系声明" in page


def test_my_evaluations_query_count_is_constant(login, pw, time_machine):
    expert = UserFactory()
    project = open_project(pw, time_machine)
    services.evaluator_appoint(actor=pw.drafter, project=project, user=expert)
    client = login(expert)

    def count():
        client.get(MINE)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(MINE).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(3):
        p = pw.published(title=f"项目{i}")
        grant(expert, Role.EVALUATOR, p)
    page = _text(client.get(MINE))
    assert "项目2" in page
    assert count() == few
