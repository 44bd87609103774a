"""The street's and the evaluators' side of the procurement API (/api/v1/manage/): each endpoint's
change, the refusal of the wrong role or street (nothing changes), bad input answered 400 in
Chinese (nothing changes), and the list's query count."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from marketplace.accounts.models import RoleAssignment
from marketplace.core.models import TransitionLog
from marketplace.core.roles import Role
from marketplace.procurement import services, transitions
from marketplace.procurement.api_manage import MOVES
from marketplace.procurement.choices import BidStatus, MilestoneStatus, ProjectStatus
from marketplace.procurement.models import (
    Bid,
    BidResult,
    ConflictDeclaration,
    Contract,
    EvaluationCriterion,
    Milestone,
    MilestoneReport,
    Objection,
    Payment,
    Project,
    Question,
    Rating,
    Score,
)
from marketplace.procurement.serializers import PROJECT_MOVE_CODES
from tests.factories import UserFactory, grant

from .conftest import terms
from .test_api_helpers import client_for, refused
from .test_api_lifecycle import project_body
from .test_contracts import plan
from .test_evaluation import appoint, bid_of, evaluated, in_publicity, open_project


def snapshot() -> tuple:
    """Everything the manage endpoints write, to show that a refusal changed nothing."""
    return (
        list(
            Project.objects.order_by("pk").values_list("pk", "status", "title", "awarded_bid", "bid_close_at")
        ),
        list(EvaluationCriterion.objects.order_by("pk").values_list("pk", "name", "weight")),
        list(Question.objects.order_by("pk").values_list("pk", "answer")),
        list(Bid.objects.order_by("pk").values_list("pk", "status")),
        RoleAssignment.objects.count(),
        ConflictDeclaration.objects.count(),
        list(Score.objects.order_by("pk").values_list("pk", "value")),
        BidResult.objects.count(),
        list(Objection.objects.order_by("pk").values_list("pk", "status")),
        Contract.objects.count(),
        list(Milestone.objects.order_by("pk").values_list("pk", "status")),
        MilestoneReport.objects.count(),
        Payment.objects.count(),
        Rating.objects.count(),
        TransitionLog.objects.count(),
    )


def post(user, url, body=None):
    return client_for(user).post(url, body or {}, format="json")


@pytest.fixture
def delivering(pw, time_machine):
    """A contract in delivery, reached through the services; organisation 1 won it."""
    project, _evaluators = in_publicity(pw, time_machine)
    time_machine.move_to(project.publicity_ends_at + datetime.timedelta(minutes=1), tick=False)
    services.award_confirm(actor=pw.drafter, project=project)
    contract = services.contract_sign(actor=pw.drafter, project=project, terms="", milestones=plan(project))
    services.delivery_start(actor=pw.drafter, project=project)
    return contract


# --- drafting ---------------------------------------------------------------------------------
def test_a_street_official_drafts_a_project(pw):
    response = post(pw.drafter, "/api/v1/manage/projects/", project_body(pw.world))
    assert response.status_code == 201, response.content
    project = Project.objects.get(pk=response.json()["id"])
    assert (project.status, project.street, project.community, project.created_by) == (
        ProjectStatus.DRAFT,
        pw.world.street_a,
        pw.world.community_a,
        pw.drafter,
    )
    assert list(project.criteria.values_list("name", "weight", "is_price", "guidance")) == [
        ("价格", 30, True, ""),
        ("服务方案", 40, False, "方案完整、可行"),
        ("团队与经验", 30, False, ""),
    ]


@pytest.mark.parametrize("who", ["official_b", "district_admin", "org_admin", "resident"])
def test_only_the_streets_officials_draft_for_it(pw, who):
    user = pw.org_admins[0] if who == "org_admin" else getattr(pw.world, who)
    before = snapshot()
    refused(post(user, "/api/v1/manage/projects/", project_body(pw.world)), 403, code="permission_denied")
    assert (
        APIClient().post("/api/v1/manage/projects/", project_body(pw.world), format="json").status_code == 401
    )
    assert snapshot() == before


def _criteria(*weights_and_price):
    return [{"name": f"评分项{i}", "weight": w, "is_price": p} for i, (w, p) in enumerate(weights_and_price)]


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"criteria": _criteria((30, True), (60, False))}, "weights_not_100", "criteria"),
        ({"criteria": _criteria((50, True), (50, True))}, "price_criterion", "criteria"),
        ({"criteria": []}, "invalid", "criteria"),
        ({"street": 999_999}, "invalid", "street"),
        ({"category": "飞行"}, "invalid", "category"),
        ({"min_grade": "9A"}, "invalid", "min_grade"),
        ({"required_categories": ["飞行"]}, "invalid", "required_categories"),
        ({"budget_ceiling_fen": 1.5}, "invalid", "budget_ceiling_fen"),
        ({"budget_ceiling_fen": 0}, "invalid", "budget_ceiling_fen"),
        ({"title": ""}, "invalid", "title"),
        ({"bid_close_at": "2000-01-01T00:00:00+08:00"}, "invalid", "bid_close_at"),
        ({"min_valid_bids": 0}, "invalid", "min_valid_bids"),
    ],
)
def test_bad_terms_are_refused_in_chinese_and_nothing_is_created(pw, overrides, code, field):
    before = snapshot()
    response = post(pw.drafter, "/api/v1/manage/projects/", project_body(pw.world, **overrides))
    refused(response, 400, code=code, field=field)
    assert snapshot() == before


def test_the_community_must_be_in_the_street(pw):
    response = post(
        pw.drafter, "/api/v1/manage/projects/", project_body(pw.world, community=pw.world.community_b.pk)
    )
    refused(response, 400, field="community")
    assert not Project.objects.exists()


def test_a_draft_is_changed_as_a_whole_until_it_is_submitted(pw):
    project = services.project_create(actor=pw.drafter, street=pw.world.street_a, terms=terms())
    url = f"/api/v1/manage/projects/{project.pk}/"
    body = project_body(pw.world, title="改名后的项目", criteria=_criteria((50, True), (50, False)))
    body.pop("street")
    for outsider in (pw.world.official_b, pw.org_admins[0], pw.world.resident):
        refused(client_for(outsider).put(url, body, format="json"), 404)
    before = snapshot()
    refused(client_for(pw.drafter).put(url, {**body, "criteria": _criteria((50, True))}, format="json"), 400)
    assert snapshot() == before
    response = client_for(pw.drafter).put(url, body, format="json")
    assert response.status_code == 200, response.content
    project.refresh_from_db()
    assert project.title == "改名后的项目"
    assert list(project.criteria.values_list("name", "weight")) == [("评分项0", 50), ("评分项1", 50)]
    services.project_submit(actor=pw.drafter, project=project)
    refused(client_for(pw.drafter).put(url, project_body(pw.world), format="json"), 400, code="not_draft")
    project.refresh_from_db()
    assert project.title == "改名后的项目"


# --- the list and the detail ------------------------------------------------------------------
def test_each_sees_the_projects_of_their_scope(pw, time_machine):
    world = pw.world
    draft_a = services.project_create(actor=pw.drafter, street=world.street_a, terms=terms(title="甲草稿"))
    b_project = services.project_create(
        actor=world.official_b, street=world.street_b, terms=terms(title="乙草稿")
    )
    opened = open_project(pw, time_machine)
    expert = appoint(pw, opened, n=1)[0]

    def ids(user):
        response = client_for(user).get("/api/v1/manage/projects/")
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids(pw.drafter) == {draft_a.pk, opened.pk}
    assert ids(world.official_b) == {b_project.pk}
    assert ids(world.district_admin) == {draft_a.pk, opened.pk, b_project.pk}
    assert ids(expert) == {opened.pk}
    assert ids(pw.org_admins[0]) == set() and ids(world.resident) == set()
    refused(client_for(world.official_b).get(f"/api/v1/manage/projects/{draft_a.pk}/"), 404)
    refused(client_for(expert).get(f"/api/v1/manage/projects/{draft_a.pk}/"), 404)
    detail = client_for(expert).get(f"/api/v1/manage/projects/{opened.pk}/").json()
    assert detail["moves"] == [] and [e["id"] for e in detail["evaluators"]] == [expert.pk]
    assert client_for(world.district_admin).get(f"/api/v1/manage/projects/{opened.pk}/").json()["moves"] == [
        {"code": "cancel", "label": "取消项目"}
    ]


def test_the_list_costs_the_same_queries_for_one_project_or_many(pw):
    client = client_for(pw.drafter)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/manage/projects/").status_code == 200
        return len(ctx.captured_queries)

    pw.bid(pw.published(title="项目0"), 0)
    one = count()
    for i in range(1, 8):
        project = pw.published(title=f"项目{i}")
        pw.bid(project, i % 4)
        services.project_create(actor=pw.drafter, street=pw.world.street_a, terms=terms(title=f"草稿{i}"))
    rows = client.get("/api/v1/manage/projects/").json()["results"]
    assert len(rows) == 15 and sum(r["bid_count"] for r in rows) == 8
    assert count() == one


# --- moves ------------------------------------------------------------------------------------
def _move(user, project, code, reason=""):
    return post(user, f"/api/v1/manage/projects/{project.pk}/moves/", {"move": code, "reason": reason})


def test_the_drafter_cannot_approve_and_a_return_needs_a_reason(pw):
    project = services.project_create(actor=pw.drafter, street=pw.world.street_a, terms=terms())
    assert _move(pw.drafter, project, "submit").status_code == 200
    before = snapshot()
    refused(_move(pw.drafter, project, "approve"), 409, code="same_official")
    refused(_move(pw.approver, project, "return"), 400, code="reason_required", field="reason")
    refused(_move(pw.approver, project, "publish"), 409, code="transition_not_allowed")
    refused(_move(pw.approver, project, "fly"), 400, field="move")
    for outsider in (pw.world.official_b, pw.org_admins[0], pw.world.resident):
        refused(_move(outsider, project, "approve"), 404)
    assert snapshot() == before
    response = _move(pw.approver, project, "return", "预算依据不足。")
    assert response.status_code == 200 and response.json()["status"] == ProjectStatus.DRAFT
    log = TransitionLog.objects.filter(lifecycle="procurement.project", object_id=str(project.pk)).latest(
        "id"
    )
    assert (log.code, log.reason, log.actor) == ("return", "预算依据不足。", pw.approver)


def test_the_district_may_cancel_with_a_reason_but_not_publish(pw):
    project = pw.published()
    before = snapshot()
    refused(_move(pw.world.district_admin, project, "close_bidding"), 403)
    refused(_move(pw.world.district_admin, project, "cancel"), 400, code="reason_required")
    assert snapshot() == before
    assert (
        _move(pw.world.district_admin, project, "cancel", "政策调整。").json()["status"]
        == ProjectStatus.CANCELLED
    )
    project.refresh_from_db()
    assert (project.status, project.cancel_reason) == (ProjectStatus.CANCELLED, "政策调整。")


def test_bids_are_not_opened_before_the_deadline(pw):
    project = pw.published()
    for i in range(3):
        pw.bid(project, i)
    before = snapshot()
    refused(_move(pw.drafter, project, "open_bids"), 400, code="deadline_not_reached")
    assert snapshot() == before


# --- questions --------------------------------------------------------------------------------
def test_the_street_answers_a_question_once(pw):
    project = pw.published()
    question = services.question_ask(
        actor=pw.org_admins[0], project=project, org=pw.orgs[0], text="含周末吗?"
    )
    url = f"/api/v1/manage/questions/{question.pk}/answer/"
    before = snapshot()
    for outsider in (pw.world.official_b, pw.org_admins[0]):
        refused(post(outsider, url, {"answer": "含。"}), 404)
    refused(post(pw.world.district_admin, url, {"answer": "含。"}), 403)
    refused(post(pw.drafter, url, {"answer": " "}), 400, field="answer")
    assert snapshot() == before
    response = post(pw.drafter, url, {"answer": "含。"})
    assert response.status_code == 200 and response.json()["answer"] == "含。"
    question.refresh_from_db()
    assert (question.answer, question.answered_by) == ("含。", pw.drafter)
    refused(post(pw.approver, url, {"answer": "再答一次。"}), 400, code="already_answered")


# --- evaluators, declarations and scores ------------------------------------------------------
def test_evaluators_are_appointed_after_the_deadline_by_the_street(pw, time_machine):
    project = pw.published()
    expert = UserFactory()
    url = f"/api/v1/manage/projects/{project.pk}/evaluators/"
    refused(post(pw.drafter, url, {"user": expert.pk}), 400, code="not_evaluating")
    for i in range(3):
        pw.bid(project, i)
    time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1), tick=False)
    # The service does not close a due project itself: the street closes bidding first.
    assert _move(pw.drafter, project, "close_bidding").json()["status"] == ProjectStatus.BIDDING_CLOSED
    before = snapshot()
    refused(post(pw.drafter, url, {"user": 999_999}), 400, field="user")
    refused(post(pw.world.official_b, url, {"user": expert.pk}), 404)
    refused(post(pw.world.district_admin, url, {"user": expert.pk}), 403)
    assert snapshot() == before
    response = post(pw.drafter, url, {"user": expert.pk})
    assert response.status_code == 201, response.content
    assert response.json()["user"] == expert.pk
    assignment = RoleAssignment.objects.get(user=expert)
    assert (assignment.role, assignment.scope_kind, assignment.scope_id) == (
        Role.EVALUATOR,
        "project",
        project.pk,
    )


def test_an_evaluator_declares_then_scores_within_range(pw, time_machine):
    project = open_project(pw, time_machine)
    expert, other = appoint(pw, project, n=2)
    bid = bid_of(project, pw.orgs[0])
    plan_criterion = project.criteria.get(name="服务方案")
    price = project.criteria.get(is_price=True)
    score_url = f"/api/v1/manage/bids/{bid.pk}/scores/"
    declare_url = f"/api/v1/manage/projects/{project.pk}/declaration/"
    before = snapshot()
    refused(
        post(expert, score_url, {"criterion": plan_criterion.pk, "value": 80}), 400, code="no_declaration"
    )
    refused(post(expert, declare_url, {"statement": " "}), 400, field="statement")
    refused(post(pw.drafter, declare_url, {"statement": "无利害关系。"}), 403)
    assert snapshot() == before
    assert post(expert, declare_url, {"statement": "无利害关系。"}).status_code == 201
    assert ConflictDeclaration.objects.filter(project=project, evaluator=expert).exists()
    before = snapshot()
    refused(post(expert, score_url, {"criterion": plan_criterion.pk, "value": 101}), 400, code="out_of_range")
    refused(post(expert, score_url, {"criterion": price.pk, "value": 80}), 400, code="price_criterion")
    foreign = EvaluationCriterion.objects.exclude(project=project).first() or EvaluationCriterion(pk=999_999)
    refused(post(expert, score_url, {"criterion": foreign.pk, "value": 80}), 400, field="criterion")
    refused(post(pw.drafter, score_url, {"criterion": plan_criterion.pk, "value": 80}), 403)
    refused(post(pw.world.official_b, score_url, {"criterion": plan_criterion.pk, "value": 80}), 404)
    refused(post(other, score_url, {"criterion": plan_criterion.pk, "value": 80}), 400, code="no_declaration")
    assert snapshot() == before
    response = post(expert, score_url, {"criterion": plan_criterion.pk, "value": 85, "comment": "方案完整"})
    assert response.status_code == 200, response.content
    assert Score.objects.get(bid=bid, criterion=plan_criterion, evaluator=expert).value == 85


def test_a_member_of_a_bidding_organisation_cannot_declare(pw, time_machine):
    project = open_project(pw, time_machine)
    expert = appoint(pw, project, n=1)[0]
    grant(expert, Role.ORG_MEMBER, pw.orgs[2])
    refused(
        post(expert, f"/api/v1/manage/projects/{project.pk}/declaration/", {"statement": "无利害关系。"}),
        400,
        code="conflict_of_interest",
    )
    assert not ConflictDeclaration.objects.exists()


def test_an_opened_bid_is_found_invalid_with_a_reason(pw, time_machine):
    project = open_project(pw, time_machine)
    expert = appoint(pw, project, n=1)[0]
    bid = bid_of(project, pw.orgs[2])
    url = f"/api/v1/manage/bids/{bid.pk}/disqualify/"
    before = snapshot()
    refused(post(pw.drafter, url, {"reason": ""}), 400, field="reason")
    refused(post(expert, url, {"reason": "资质不符"}), 403)
    refused(post(pw.world.official_b, url, {"reason": "资质不符"}), 404)
    assert snapshot() == before
    response = post(pw.drafter, url, {"reason": "资质证书过期。"})
    assert response.status_code == 200 and response.json()["status"] == BidStatus.DISQUALIFIED
    bid.refresh_from_db()
    assert bid.status == BidStatus.DISQUALIFIED


# --- evaluation, award, objections ------------------------------------------------------------
def test_the_evaluation_is_completed_only_when_every_score_is_in(pw, time_machine):
    project = open_project(pw, time_machine)
    expert = appoint(pw, project, n=1)[0]
    url = f"/api/v1/manage/projects/{project.pk}/evaluation/"
    before = snapshot()
    body = refused(post(pw.drafter, url, {"report": "评审意见。"}), 409, code="evaluation_incomplete")
    assert expert.display_label in body["detail"]
    refused(post(expert, url, {"report": "评审意见。"}), 403)
    assert snapshot() == before


def test_the_award_goes_to_the_first_unless_a_reason_is_given(pw, time_machine):
    project, _evaluators = evaluated(pw, time_machine)
    url = f"/api/v1/manage/projects/{project.pk}/award/"
    ranked = {r.rank: r.bid for r in BidResult.objects.filter(bid__project=project).select_related("bid")}
    other = pw.published(title="另一个项目")
    other_bid = pw.bid(other, 3)
    before = snapshot()
    refused(post(pw.drafter, url, {"bid": ranked[2].pk}), 400, code="reason_required", field="reason")
    refused(post(pw.drafter, url, {"bid": other_bid.pk}), 400, field="bid")
    refused(post(pw.drafter, url, {"bid": 999_999}), 400, field="bid")
    refused(post(pw.world.official_b, url, {"bid": ranked[1].pk}), 404)
    assert snapshot() == before
    response = post(pw.drafter, url, {"bid": ranked[1].pk})
    assert response.status_code == 200 and response.json()["status"] == ProjectStatus.AWARD_PROPOSED
    project.refresh_from_db()
    assert project.awarded_bid == ranked[1]


def test_an_upheld_objection_sends_the_project_back_to_evaluation(pw, time_machine):
    project, _evaluators = in_publicity(pw, time_machine)
    objection = services.objection_raise(
        actor=pw.org_admins[0], project=project, org=pw.orgs[0], text="评分有误。"
    )
    url = f"/api/v1/manage/objections/{objection.pk}/resolve/"
    before = snapshot()
    refused(post(pw.drafter, url, {"response": "成立。"}), 400, field="upheld")
    refused(post(pw.drafter, url, {"upheld": True, "response": ""}), 400, field="response")
    refused(post(pw.world.official_b, url, {"upheld": True, "response": "成立。"}), 404)
    refused(post(pw.org_admins[0], url, {"upheld": True, "response": "成立。"}), 404)
    assert snapshot() == before
    response = post(pw.world.district_admin, url, {"upheld": True, "response": "评分计算有误,重新评审。"})
    assert response.status_code == 200 and response.json()["status"] == "upheld"
    project.refresh_from_db()
    assert (project.status, project.awarded_bid) == (ProjectStatus.OPENED, None)
    assert not BidResult.objects.filter(bid__project=project).exists()


# --- contract, milestones, rating -------------------------------------------------------------
def test_the_contract_is_refused_with_bad_milestones(pw, time_machine):
    project, _evaluators = in_publicity(pw, time_machine)
    time_machine.move_to(project.publicity_ends_at + datetime.timedelta(minutes=1), tick=False)
    services.award_confirm(actor=pw.drafter, project=project)
    url = f"/api/v1/manage/projects/{project.pk}/contract/"
    rows = [
        {
            "title": m.title,
            "percent": m.percent,
            "due_on": m.due_on.isoformat(),
            "deliverables": m.deliverables,
        }
        for m in plan(project, (30, 30))
    ]
    before = snapshot()
    body = refused(
        post(pw.drafter, url, {"milestones": rows}), 400, code="percent_not_100", field="milestones"
    )
    assert body["detail"] == "各节点付款比例之和须为100%,现为60%。"
    full = [*rows, {**rows[-1], "percent": 40}]
    refused(post(pw.drafter, url, {"milestones": full, "amount_fen": 10**12}), 400, code="over_winning_price")
    refused(
        post(pw.drafter, url, {"milestones": [{**rows[0], "due_on": "明天"}]}),
        400,
        field="milestones.0.due_on",
    )
    refused(post(pw.world.official_b, url, {"milestones": full}), 404)
    refused(post(pw.world.district_admin, url, {"milestones": full}), 403)
    assert snapshot() == before
    response = post(pw.drafter, url, {"milestones": full})
    assert response.status_code == 201, response.content
    contract = Contract.objects.get(project=project)
    assert [m.percent for m in contract.milestones.order_by("seq")] == [30, 30, 40]


def test_milestone_reviews_refuse_outsiders_and_wrong_states(pw, delivering):
    first = delivering.milestones.order_by("seq").first()
    base = f"/api/v1/manage/milestones/{first.pk}"
    before = snapshot()
    refused(post(pw.drafter, f"{base}/accept/"), 400, code="milestone_status")
    for outsider in (pw.world.official_b, pw.org_admins[1], pw.world.resident):
        refused(post(outsider, f"{base}/accept/"), 404)
    services.milestone_report_submit(actor=pw.org_admins[1], milestone=first, content="本期完成。")
    before = snapshot()
    refused(post(pw.drafter, f"{base}/return/", {"reason": " "}), 400, field="reason")
    refused(post(pw.drafter, f"{base}/accept/", {"source": "fund"}), 400, code="source_mismatch")
    refused(post(pw.world.district_admin, f"{base}/accept/"), 403)
    assert snapshot() == before
    response = post(pw.drafter, f"{base}/accept/", {"note": "符合要求"})
    assert response.status_code == 200 and response.json()["status"] == MilestoneStatus.PAID
    payment = Payment.objects.get(milestone=first)
    assert (payment.amount_fen, payment.source, payment.recorded_by) == (
        first.amount_fen,
        "fiscal",
        pw.drafter,
    )
    # Acceptance records the payment; there is no separate payment call to make twice.
    assert post(pw.drafter, f"{base}/pay/", {"source": "fiscal"}).status_code == 404
    refused(post(pw.drafter, f"{base}/accept/"), 400, code="milestone_status")
    assert Payment.objects.count() == 1


def test_a_contract_is_rated_once_after_completion(pw, delivering):
    url = f"/api/v1/manage/contracts/{delivering.pk}/rating/"
    refused(post(pw.drafter, url, {"score": 5}), 400, code="not_completed")
    for milestone in delivering.milestones.order_by("seq"):
        services.milestone_report_submit(actor=pw.org_admins[1], milestone=milestone, content="完成。")
        services.milestone_accept(actor=pw.drafter, milestone=milestone)
    services.project_complete(actor=pw.drafter, project=delivering.project)
    before = snapshot()
    refused(post(pw.drafter, url, {"score": 6}), 400, field="score")
    refused(post(pw.drafter, url, {"score": "好"}), 400, field="score")
    refused(post(pw.world.official_b, url, {"score": 5}), 404)
    refused(post(pw.org_admins[1], url, {"score": 5}), 404)
    refused(post(pw.world.district_admin, url, {"score": 5}), 403)
    assert snapshot() == before
    response = post(pw.drafter, url, {"score": 4, "comment": "按时完成。"})
    assert response.status_code == 201 and response.json()["score"] == 4
    assert Rating.objects.get(contract=delivering).comment == "按时完成。"
    refused(post(pw.approver, url, {"score": 5}), 400, code="already_rated")


def test_every_move_the_endpoint_offers_has_its_service():
    assert set(MOVES) == set(PROJECT_MOVE_CODES)
    assert all(transitions.PROJECT.get(code) for code in MOVES)
