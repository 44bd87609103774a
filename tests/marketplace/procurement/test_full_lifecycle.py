"""One service project from the first draft to a completed, rated contract, through the services
alone, with every role of the issue: two street officials, four bidding organisations, two
evaluators, and the public reading the record. The web pages and the API each have their own
walk through the same life (tests/frontend/test_procurement_lifecycle.py, test_api_lifecycle.py)."""

import datetime

from marketplace.core.models import AuditEntry, Notification, TransitionLog
from marketplace.procurement import selectors, services
from marketplace.procurement.choices import BidStatus, MilestoneStatus, ObjectionStatus, ProjectStatus
from marketplace.procurement.models import Bid, Contract
from marketplace.procurement.services import MilestoneTerms
from tests.factories import UserFactory

from .conftest import contents, terms

PRICES = {0: 21_000_000, 1: 22_000_000, 2: 23_000_000}
SCORES = {  # evaluator k's score per organisation index on (服务方案, 团队与经验)
    0: ((60, 60), (60, 70)),
    1: ((95, 90), (90, 95)),
    2: ((70, 70), (75, 70)),
}


def notified(user, fragment) -> bool:
    return Notification.objects.filter(recipient=user, title__contains=fragment).exists()


def test_a_project_goes_from_draft_to_a_completed_rated_contract(pw, time_machine):
    street = pw.world.street_a
    drafter, approver = pw.drafter, pw.approver
    orgs, admins = pw.orgs, pw.org_admins

    # Drafting and the second official's approval; publication.
    project = services.project_create(actor=drafter, street=street, terms=terms(title="幸福里助餐服务"))
    services.project_submit(actor=drafter, project=project)
    services.project_approve(actor=approver, project=project)
    services.project_publish(actor=drafter, project=project)
    project.refresh_from_db()
    assert project.status == ProjectStatus.PUBLISHED
    assert [p.pk for p in selectors.project_list_public()] == [project.pk]

    # Q&A: the answer reaches the asking organisation.
    question = services.question_ask(actor=admins[0], project=project, org=orgs[0], text="是否可以联合投标?")
    services.question_answer(actor=drafter, question=question, answer="不接受联合投标。")
    assert notified(admins[0], "答疑")

    # Bids; a change of terms invalidates them and the bidders submit again; one withdraws.
    for i in range(4):
        pw.bid(project, i, price_fen=PRICES.get(i, 24_000_000))
    project.refresh_from_db()
    services.project_change_terms(
        actor=drafter,
        project=project,
        terms=terms(title="幸福里助餐服务", performance_goals="送餐准时率不低于99%"),
        reason="提高准时率要求",
    )
    assert Bid.objects.filter(project=project, status=BidStatus.INVALIDATED).count() == 4
    assert all(notified(admins[i], "变更") for i in range(4))
    project.refresh_from_db()
    for i in range(4):
        services.bid_submit(
            actor=admins[i],
            project=project,
            org=orgs[i],
            contents=contents(PRICES.get(i, 24_000_000), proposal=f"第{i}家的方案"),
        )
    services.bid_withdraw(actor=admins[3], bid=Bid.objects.get(project=project, organization=orgs[3]))
    assert selectors.public_bid_count(project) == 3

    # The deadline passes; the street opens the bids.
    time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1), tick=False)
    services.project_open_bids(actor=drafter, project=project)
    project.refresh_from_db()
    assert project.status == ProjectStatus.OPENED
    assert all(notified(admins[i], "已开标") for i in range(3))

    # Two evaluators declare and score; the street completes the evaluation.
    evaluators = [UserFactory(display_name=f"评审专家{k}") for k in range(2)]
    for evaluator in evaluators:
        services.evaluator_appoint(actor=drafter, project=project, user=evaluator)
    criteria = {c.name: c for c in project.criteria.all()}
    for k, evaluator in enumerate(evaluators):
        services.conflict_declare(actor=evaluator, project=project, statement="本人与各投标人无利害关系。")
        for i, per_evaluator in SCORES.items():
            bid = Bid.objects.get(project=project, organization=orgs[i])
            assert selectors.bid_contents(viewer=evaluator, bid=bid)["proposal"] == f"第{i}家的方案"
            plan, team = per_evaluator[k]
            services.score_record(actor=evaluator, bid=bid, criterion=criteria["服务方案"], value=plan)
            services.score_record(actor=evaluator, bid=bid, criterion=criteria["团队与经验"], value=team)
    services.project_complete_evaluation(actor=drafter, project=project, report="组织1方案最优。")
    project.refresh_from_db()
    ranked = selectors.project_result_public(project)
    assert ranked["published"] is False  # not public before publicity

    # Award proposal and publicity; an objection is raised and dismissed.
    winner = Bid.objects.get(project=project, organization=orgs[1])
    services.award_propose(actor=drafter, project=project, bid=winner)
    services.award_publicity_start(actor=drafter, project=project)
    project.refresh_from_db()
    result = selectors.project_result_public(project)
    assert result["published"] and result["winner"]["organization"] == orgs[1].name
    assert [b["organization"] for b in result["bidders"]][0] == orgs[1].name
    assert all(b["total_score_milli"] is not None for b in result["bidders"])
    objection = services.objection_raise(actor=admins[0], project=project, org=orgs[0], text="评分有误。")
    services.objection_resolve(
        actor=approver, objection=objection, upheld=False, response="经复核,评分无误。"
    )
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED
    assert notified(admins[0], "质疑")

    # Publicity ends; the street confirms the award.
    time_machine.move_to(project.publicity_ends_at + datetime.timedelta(minutes=1), tick=False)
    services.award_confirm(actor=drafter, project=project)
    project.refresh_from_db()
    assert project.status == ProjectStatus.AWARDED and project.awarded_bid_id == winner.pk
    assert notified(admins[1], "中标") and notified(admins[0], "未中标")

    # Contract with three milestones; delivery; reports accepted (one returned first) and paid.
    start, end = project.service_start, project.service_end
    contract = services.contract_sign(
        actor=drafter,
        project=project,
        amount_fen=None,
        terms="按投标方案提供助餐服务。",
        milestones=[
            MilestoneTerms("首期", 30, start + datetime.timedelta(days=90), "服务台账"),
            MilestoneTerms("中期", 40, start + datetime.timedelta(days=200), "中期评估报告"),
            MilestoneTerms("末期", 30, end, "结项报告与满意度调查"),
        ],
    )
    assert contract.amount_fen == PRICES[1]
    services.delivery_start(actor=drafter, project=project)
    for n, milestone in enumerate(contract.milestones.order_by("seq")):
        services.milestone_report_submit(
            actor=admins[1], milestone=milestone, content=f"第{n + 1}期完成送餐。", evidence_uploads=()
        )
        if n == 0:
            services.milestone_return(actor=approver, milestone=milestone, reason="请补充签到表。")
            assert notified(admins[1], "退回")
            services.milestone_report_submit(
                actor=admins[1], milestone=milestone, content="已补充签到表。", evidence_uploads=()
            )
        services.milestone_accept(actor=approver, milestone=milestone, note="符合要求")
    contract.refresh_from_db()
    assert {m.status for m in contract.milestones.all()} == {MilestoneStatus.PAID}
    assert sum(m.payment.amount_fen for m in contract.milestones.all()) == contract.amount_fen

    services.project_complete(actor=drafter, project=project)
    services.contract_rate(actor=approver, contract=contract, score=5, comment="老人满意度高")
    project.refresh_from_db()
    assert project.status == ProjectStatus.COMPLETED
    [record] = selectors.organization_track_record(orgs[1])
    assert (record.pk, record.rating.score) == (contract.pk, 5)
    assert Contract.objects.get().completed_at is not None

    # The whole life is in the transition log and the audit trail.
    moves = list(
        TransitionLog.objects.filter(lifecycle="procurement.project", object_id=str(project.pk))
        .order_by("pk")
        .values_list("code", flat=True)
    )
    assert moves == [
        "submit",
        "approve",
        "publish",
        "close_bidding",
        "open_bids",
        "evaluate",
        "propose_award",
        "start_publicity",
        "confirm_award",
        "sign_contract",
        "start_delivery",
        "complete",
    ]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    for action in ("procurement.bid.read", "procurement.evaluator.appoint", "procurement.contract.rate"):
        assert action in actions, action
