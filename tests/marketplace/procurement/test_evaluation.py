"""Evaluation and award through the services: evaluators, declarations, scores, disqualification,
the ranking, the proposal, publicity, objections and the confirmation."""

import datetime

import pytest
from django.utils import timezone

from marketplace.accounts.models import RoleAssignment
from marketplace.core.exceptions import GuardFailed, PermissionDenied, TransitionNotAllowed, ValidationFailed
from marketplace.core.models import AuditEntry, Notification, TransitionLog
from marketplace.core.roles import Role
from marketplace.procurement import selectors, services, transitions
from marketplace.procurement.choices import BidStatus, ObjectionStatus, ProjectStatus
from marketplace.procurement.models import Bid, BidResult, ConflictDeclaration, Objection, Score
from marketplace.procurement.services import publicity_end
from marketplace.procurement.tasks import publicity_ended
from tests.factories import UserFactory, grant

PRICES = (21_000_000, 22_000_000, 23_000_000)
# Two evaluators' scores for each bid (by organisation index) on the two non-price criteria.
SCORES = {
    0: {"服务方案": (70, 80), "团队与经验": (60, 60)},  # 30 + 18 + price 30 = 78
    1: {"服务方案": (90, 90), "团队与经验": (80, 90)},  # 36 + 25.5 + price 28.636… = 90.136
    2: {"服务方案": (80, 80), "团队与经验": (70, 70)},  # 32 + 21 + price 27.391… = 80.391
}
REPORT = "评审委员会一致认为投标组织1的服务方案最为完整,团队经验丰富。"


def chinese(exc) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in str(exc.value.message))


# --- helpers (also used by test_award_concurrency.py) ---------------------------------------
def open_project(pw, time_machine, prices=PRICES, **overrides):
    """A project with one bid per price from pw.orgs[0..], opened after its deadline."""
    project = pw.published(**overrides)
    for i, price in enumerate(prices):
        pw.bid(project, i, price_fen=price)
    time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1), tick=False)
    services.project_open_bids(actor=pw.drafter, project=project)
    project.refresh_from_db()
    assert project.status == ProjectStatus.OPENED
    return project


def bid_of(project, org):
    return Bid.objects.get(project=project, organization=org)


def criterion(project, name):
    return project.criteria.get(name=name)


def appoint(pw, project, n=2):
    evaluators = [UserFactory(display_name=f"评审专家{i}") for i in range(n)]
    for evaluator in evaluators:
        services.evaluator_appoint(actor=pw.drafter, project=project, user=evaluator)
    return evaluators


def declare_and_score(pw, project, evaluators, scores=SCORES):
    for k, evaluator in enumerate(evaluators):
        services.conflict_declare(actor=evaluator, project=project, statement="本人与各投标人无利害关系。")
        for i, per_criterion in scores.items():
            bid = bid_of(project, pw.orgs[i])
            if bid.status != BidStatus.OPENED:
                continue
            for name, values in per_criterion.items():
                services.score_record(
                    actor=evaluator,
                    bid=bid,
                    criterion=criterion(project, name),
                    value=values[k],
                    comment="",
                )


def evaluated(pw, time_machine, **overrides):
    project = open_project(pw, time_machine, **overrides)
    evaluators = appoint(pw, project)
    declare_and_score(pw, project, evaluators)
    services.project_complete_evaluation(actor=pw.drafter, project=project, report=REPORT)
    project.refresh_from_db()
    assert project.status == ProjectStatus.EVALUATED
    return project, evaluators


def in_publicity(pw, time_machine, **overrides):
    project, evaluators = evaluated(pw, time_machine, **overrides)
    services.award_propose(actor=pw.drafter, project=project, bid=bid_of(project, pw.orgs[1]))
    services.award_publicity_start(actor=pw.drafter, project=project)
    project.refresh_from_db()
    assert project.status == ProjectStatus.PUBLICITY
    return project, evaluators


# --- appointing evaluators ------------------------------------------------------------------
def test_a_street_official_appoints_an_evaluator_over_the_project(pw, time_machine):
    project = open_project(pw, time_machine)
    expert = UserFactory(display_name="王专家")
    assignment = services.evaluator_appoint(actor=pw.drafter, project=project, user=expert)
    assert (assignment.role, assignment.scope_kind, assignment.scope_id) == (
        Role.EVALUATOR,
        "project",
        project.pk,
    )
    assert list(selectors.project_evaluators(project)) == [expert]
    assert Notification.objects.filter(recipient=expert, title__contains="评审专家").exists()
    assert AuditEntry.objects.filter(
        action="procurement.evaluator.appoint", object_id=str(project.pk)
    ).exists()
    assert [p.pk for p in selectors.evaluator_projects(expert)] == [project.pk]
    assert selectors.evaluator_projects(expert).get().declared is False
    with pytest.raises(ValidationFailed) as exc:  # appointed twice
        services.evaluator_appoint(actor=pw.approver, project=project, user=expert)
    assert exc.value.code == "duplicate"


def test_only_the_projects_street_appoints_and_only_around_the_opening(pw, time_machine):
    project = pw.published()
    expert = UserFactory()
    with pytest.raises(ValidationFailed) as exc:  # bidding is still open
        services.evaluator_appoint(actor=pw.drafter, project=project, user=expert)
    assert exc.value.code == "not_evaluating" and chinese(exc)
    for i, price in enumerate(PRICES):
        pw.bid(project, i, price_fen=price)
    time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1), tick=False)
    # After the deadline, before opening: allowed, even before the closing task has run.
    project.refresh_from_db()
    assert project.status == ProjectStatus.PUBLISHED
    services.evaluator_appoint(actor=pw.drafter, project=project, user=expert)
    project.refresh_from_db()
    assert project.status == ProjectStatus.BIDDING_CLOSED
    for outsider in (
        pw.world.official_b,
        pw.world.district_admin,
        pw.world.worker_a,
        pw.org_admins[0],
        expert,
    ):
        with pytest.raises(PermissionDenied):
            services.evaluator_appoint(actor=outsider, project=project, user=UserFactory())
    assert RoleAssignment.objects.filter(role=Role.EVALUATOR).count() == 1


# --- declarations ---------------------------------------------------------------------------
def test_declaration_comes_before_scoring(pw, time_machine):
    project = open_project(pw, time_machine)
    (expert,) = appoint(pw, project, n=1)
    bid = bid_of(project, pw.orgs[0])
    with pytest.raises(ValidationFailed) as exc:
        services.score_record(
            actor=expert, bid=bid, criterion=criterion(project, "服务方案"), value=80, comment=""
        )
    assert exc.value.code == "no_declaration" and chinese(exc)
    with pytest.raises(ValidationFailed):
        services.conflict_declare(actor=expert, project=project, statement="  ")
    services.conflict_declare(actor=expert, project=project, statement="本人与各投标人无利害关系。")
    assert ConflictDeclaration.objects.filter(project=project, evaluator=expert).count() == 1
    assert selectors.evaluator_projects(expert).get().declared is True
    with pytest.raises(ValidationFailed) as exc:
        services.conflict_declare(actor=expert, project=project, statement="再次声明")
    assert exc.value.code == "already_declared"
    score = services.score_record(
        actor=expert, bid=bid, criterion=criterion(project, "服务方案"), value=80, comment="方案完整"
    )
    assert (score.value, score.comment) == (80, "方案完整")


def test_a_member_of_a_bidding_organisation_cannot_declare_no_conflict(pw, time_machine):
    project = open_project(pw, time_machine)
    expert, other = appoint(pw, project)
    grant(expert, Role.ORG_MEMBER, pw.orgs[2])
    with pytest.raises(ValidationFailed) as exc:
        services.conflict_declare(actor=expert, project=project, statement="本人与各投标人无利害关系。")
    assert exc.value.code == "conflict_of_interest"
    assert "回避" in str(exc.value.message) and pw.orgs[2].name in str(exc.value.message)
    assert not ConflictDeclaration.objects.filter(evaluator=expert).exists()
    # A role in an organisation that did not bid is no conflict.
    grant(other, Role.ORG_ADMIN, pw.orgs[3])
    services.conflict_declare(actor=other, project=project, statement="本人与各投标人无利害关系。")


def test_a_role_taken_in_a_bidder_after_declaring_stops_the_scoring(pw, time_machine):
    project = open_project(pw, time_machine)
    (expert,) = appoint(pw, project, n=1)
    services.conflict_declare(actor=expert, project=project, statement="无利害关系")
    grant(expert, Role.ORG_ADMIN, pw.orgs[0])
    with pytest.raises(ValidationFailed) as exc:
        services.score_record(
            actor=expert, bid=bid_of(project, pw.orgs[1]), criterion=criterion(project, "服务方案"), value=70
        )
    assert exc.value.code == "conflict_of_interest"
    assert not Score.objects.exists()


def test_only_the_projects_evaluators_declare(pw, time_machine):
    project = open_project(pw, time_machine)
    other_project_expert = UserFactory()
    grant(other_project_expert, Role.EVALUATOR, pw.published(title="另一个项目"))
    for outsider in (pw.drafter, pw.world.district_admin, pw.org_admins[0], other_project_expert):
        with pytest.raises(PermissionDenied):
            services.conflict_declare(actor=outsider, project=project, statement="无利害关系")


# --- scoring --------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [101, -1, 1000, 50.5, "80", None, True])
def test_a_score_out_of_range_is_refused(pw, time_machine, value):
    project = open_project(pw, time_machine)
    (expert,) = appoint(pw, project, n=1)
    services.conflict_declare(actor=expert, project=project, statement="无利害关系")
    with pytest.raises(ValidationFailed) as exc:
        services.score_record(
            actor=expert,
            bid=bid_of(project, pw.orgs[0]),
            criterion=criterion(project, "服务方案"),
            value=value,
        )
    assert (exc.value.code, exc.value.field) == ("out_of_range", "value") and chinese(exc)
    assert not Score.objects.exists()


@pytest.mark.parametrize("value", [0, 100])
def test_the_ends_of_the_range_are_accepted(pw, time_machine, value):
    project = open_project(pw, time_machine)
    (expert,) = appoint(pw, project, n=1)
    services.conflict_declare(actor=expert, project=project, statement="无利害关系")
    score = services.score_record(
        actor=expert, bid=bid_of(project, pw.orgs[0]), criterion=criterion(project, "服务方案"), value=value
    )
    assert score.value == value


def test_the_price_criterion_is_never_scored_by_hand(pw, time_machine):
    project = open_project(pw, time_machine)
    (expert,) = appoint(pw, project, n=1)
    services.conflict_declare(actor=expert, project=project, statement="无利害关系")
    with pytest.raises(ValidationFailed) as exc:
        services.score_record(
            actor=expert, bid=bid_of(project, pw.orgs[0]), criterion=criterion(project, "价格"), value=90
        )
    assert exc.value.code == "price_criterion" and "价格" in str(exc.value.message)
    other = pw.published(title="另一个项目")
    with pytest.raises(ValidationFailed) as exc:  # a criterion of another project
        services.score_record(
            actor=expert, bid=bid_of(project, pw.orgs[0]), criterion=criterion(other, "服务方案"), value=90
        )
    assert exc.value.field == "criterion"
    assert not Score.objects.exists()


def test_rescoring_updates_the_one_score_and_audits_before_and_after(pw, time_machine):
    project = open_project(pw, time_machine)
    (expert,) = appoint(pw, project, n=1)
    services.conflict_declare(actor=expert, project=project, statement="无利害关系")
    bid, plan = bid_of(project, pw.orgs[0]), criterion(project, "服务方案")
    services.score_record(actor=expert, bid=bid, criterion=plan, value=60, comment="一般")
    services.score_record(actor=expert, bid=bid, criterion=plan, value=75, comment="复核后上调")
    score = Score.objects.get()
    assert (score.value, score.comment) == (75, "复核后上调")
    change = AuditEntry.objects.get(action="procurement.score.change")
    assert change.changes["value"] == [60, 75] and change.changes["comment"] == ["一般", "复核后上调"]
    assert change.actor == expert
    first = AuditEntry.objects.get(action="procurement.score.record")
    assert first.changes["value"] == [None, 60]


def test_scoring_needs_an_opened_bid_and_an_open_evaluation(pw, time_machine):
    project, (expert, _other) = evaluated(pw, time_machine)
    with pytest.raises(ValidationFailed) as exc:  # the evaluation is completed
        services.score_record(
            actor=expert, bid=bid_of(project, pw.orgs[0]), criterion=criterion(project, "服务方案"), value=99
        )
    assert exc.value.code == "not_evaluating"
    assert (
        Score.objects.get(bid__organization=pw.orgs[0], evaluator=expert, criterion__name="服务方案").value
        == 70
    )


def test_a_disqualified_bid_is_not_scored(pw, time_machine):
    project = open_project(pw, time_machine, prices=(*PRICES, 24_000_000))
    (expert,) = appoint(pw, project, n=1)
    services.conflict_declare(actor=expert, project=project, statement="无利害关系")
    bid = bid_of(project, pw.orgs[3])
    services.bid_disqualify(actor=pw.drafter, bid=bid, reason="资质证明文件过期")
    with pytest.raises(ValidationFailed) as exc:
        services.score_record(actor=expert, bid=bid, criterion=criterion(project, "服务方案"), value=80)
    assert exc.value.code == "bid_not_scorable"


# --- disqualification -----------------------------------------------------------------------
def test_the_street_disqualifies_an_opened_bid_with_a_reason(pw, time_machine):
    project = open_project(pw, time_machine, prices=(*PRICES, 24_000_000))
    bid = bid_of(project, pw.orgs[3])
    (expert,) = appoint(pw, project, n=1)
    for outsider in (pw.world.official_b, pw.world.district_admin, expert, pw.org_admins[0]):
        with pytest.raises(PermissionDenied):
            services.bid_disqualify(actor=outsider, bid=bid, reason="资质证明文件过期")
    with pytest.raises(ValidationFailed):
        services.bid_disqualify(actor=pw.drafter, bid=bid, reason=" ")
    services.bid_disqualify(actor=pw.drafter, bid=bid, reason="资质证明文件过期")
    bid.refresh_from_db()
    assert bid.status == BidStatus.DISQUALIFIED
    log = transitions.BID.history(bid).get(code="disqualify")
    assert log.reason == "资质证明文件过期" and log.actor == pw.drafter
    assert Notification.objects.filter(recipient=pw.org_admins[3], title__contains="无效投标").exists()
    with pytest.raises(TransitionNotAllowed):
        services.bid_disqualify(actor=pw.drafter, bid=bid, reason="再次")


# --- completing the evaluation --------------------------------------------------------------
def test_completing_ranks_the_bids_and_keeps_the_report(pw, time_machine):
    project, _evaluators = evaluated(pw, time_machine)
    assert project.evaluation_report == REPORT
    rows = {
        r.bid.organization_id: (r.price_score_milli, r.other_score_milli, r.total_score_milli, r.rank)
        for r in BidResult.objects.select_related("bid")
    }
    assert rows == {
        pw.orgs[1].pk: (28_636, 61_500, 90_136, 1),
        pw.orgs[2].pk: (27_391, 53_000, 80_391, 2),
        pw.orgs[0].pk: (30_000, 48_000, 78_000, 3),
    }
    assert transitions.PROJECT.history(project).filter(code="evaluate").count() == 1
    entry = AuditEntry.objects.get(action="procurement.evaluation.complete")
    assert [row[0] for row in entry.changes["ranking"]] == [1, 2, 3]


def test_incomplete_scoring_is_refused_and_names_what_is_missing(pw, time_machine):
    project = open_project(pw, time_machine)
    first, second = appoint(pw, project)
    declare_and_score(pw, project, [first])
    services.conflict_declare(actor=second, project=project, statement="无利害关系")
    services.score_record(
        actor=second, bid=bid_of(project, pw.orgs[0]), criterion=criterion(project, "服务方案"), value=80
    )
    with pytest.raises(GuardFailed) as exc:
        services.project_complete_evaluation(actor=pw.drafter, project=project, report=REPORT)
    message = str(exc.value.message)
    assert exc.value.code == "evaluation_incomplete"
    assert "评审专家1" in message and pw.orgs[0].name in message and "团队与经验" in message
    assert "评审专家0" not in message  # the first evaluator has finished
    project.refresh_from_db()
    assert project.status == ProjectStatus.OPENED and not BidResult.objects.exists()


def test_an_undeclared_evaluator_blocks_completion(pw, time_machine):
    project = open_project(pw, time_machine)
    first, _second = appoint(pw, project)
    declare_and_score(pw, project, [first])
    with pytest.raises(GuardFailed) as exc:
        services.project_complete_evaluation(actor=pw.drafter, project=project, report=REPORT)
    message = str(exc.value.message)
    assert "评审专家1 未作无利害关系声明" in message
    # Its six scores are missing too: seven items, all named.
    assert message.count("评审专家1 未评") == 6 and "等另外" not in message


def test_a_long_list_of_missing_items_is_cut_short(pw, time_machine):
    project = open_project(pw, time_machine)
    appoint(pw, project, n=3)
    with pytest.raises(GuardFailed) as exc:
        services.project_complete_evaluation(actor=pw.drafter, project=project, report=REPORT)
    # 3 declarations and 3 × 3 bids × 2 criteria scores: 8 named, 13 counted.
    assert "等另外 13 项" in str(exc.value.message)


def test_completion_needs_evaluators_a_report_and_the_street(pw, time_machine):
    project = open_project(pw, time_machine)
    with pytest.raises(GuardFailed) as exc:
        services.project_complete_evaluation(actor=pw.drafter, project=project, report=REPORT)
    assert "尚未指派评审专家" in str(exc.value.message)
    evaluators = appoint(pw, project)
    declare_and_score(pw, project, evaluators)
    with pytest.raises(ValidationFailed) as exc:
        services.project_complete_evaluation(actor=pw.drafter, project=project, report="")
    assert exc.value.field == "report"
    for outsider in (pw.world.official_b, pw.world.district_admin, evaluators[0]):
        with pytest.raises(PermissionDenied):
            services.project_complete_evaluation(actor=outsider, project=project, report=REPORT)
    project.refresh_from_db()
    assert project.status == ProjectStatus.OPENED


def test_fewer_valid_bids_after_disqualification_fails_the_project(pw, time_machine):
    project = open_project(pw, time_machine)
    evaluators = appoint(pw, project)
    declare_and_score(pw, project, evaluators)
    services.bid_disqualify(actor=pw.drafter, bid=bid_of(project, pw.orgs[0]), reason="报价明显低于成本")
    services.project_complete_evaluation(actor=pw.drafter, project=project, report=REPORT)
    project.refresh_from_db()
    assert project.status == ProjectStatus.FAILED  # 流标
    assert not BidResult.objects.exists()
    log = transitions.PROJECT.history(project).get(code="fail")
    assert "有效投标 2 家" in log.reason
    assert Notification.objects.filter(recipient=pw.org_admins[1], title__contains="流标").exists()


def test_a_disqualified_bid_takes_no_part_in_the_ranking(pw, time_machine):
    # The cheapest bid is disqualified: the lowest *valid* price sets the price scores.
    project = open_project(pw, time_machine, prices=(*PRICES, 10_000_000))
    evaluators = appoint(pw, project)
    services.bid_disqualify(actor=pw.drafter, bid=bid_of(project, pw.orgs[3]), reason="报价明显低于成本")
    declare_and_score(pw, project, evaluators)
    services.project_complete_evaluation(actor=pw.drafter, project=project, report=REPORT)
    assert not BidResult.objects.filter(bid__organization=pw.orgs[3]).exists()
    assert BidResult.objects.get(bid__organization=pw.orgs[0]).price_score_milli == 30_000


# --- proposing the award --------------------------------------------------------------------
def test_the_first_ranked_bid_is_proposed_and_another_needs_a_reason(pw, time_machine):
    project, _ = evaluated(pw, time_machine)
    second = bid_of(project, pw.orgs[2])
    with pytest.raises(ValidationFailed) as exc:
        services.award_propose(actor=pw.drafter, project=project, bid=second)
    assert exc.value.code == "reason_required" and "第 2" in str(exc.value.message)
    with pytest.raises(PermissionDenied):
        services.award_propose(actor=pw.world.official_b, project=project, bid=bid_of(project, pw.orgs[1]))
    services.award_propose(actor=pw.drafter, project=project, bid=second, reason="第一名放弃中标资格")
    project.refresh_from_db()
    assert project.status == ProjectStatus.AWARD_PROPOSED and project.awarded_bid == second
    entry = AuditEntry.objects.get(action="procurement.award.propose")
    assert entry.reason == "第一名放弃中标资格" and entry.changes["rank"] == 2


def test_the_rank_one_bid_needs_no_reason_and_foreign_bids_are_refused(pw, time_machine):
    project, _ = evaluated(pw, time_machine)
    foreign = pw.published(title="另一个项目")
    foreign_bid = pw.bid(foreign, 0)
    with pytest.raises(ValidationFailed) as exc:
        services.award_propose(actor=pw.drafter, project=project, bid=foreign_bid)
    assert exc.value.code == "not_ranked"
    services.award_propose(actor=pw.drafter, project=project, bid=bid_of(project, pw.orgs[1]))
    project.refresh_from_db()
    assert project.awarded_bid == bid_of(project, pw.orgs[1])


def test_no_proposal_before_the_evaluation_is_completed(pw, time_machine):
    project = open_project(pw, time_machine)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.award_propose(actor=pw.drafter, project=project, bid=bid_of(project, pw.orgs[0]))
    assert "已开标" in str(exc.value.message)


# --- publicity ------------------------------------------------------------------------------
SH = datetime.timezone(datetime.timedelta(hours=8))


@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        # Monday morning + 5 working days: Tue, Wed, Thu, Fri, Mon → ends at 24:00 on Monday.
        (datetime.datetime(2025, 3, 3, 10, 0, tzinfo=SH), 5, datetime.datetime(2025, 3, 11, 0, 0, tzinfo=SH)),
        # Friday + 1: the weekend does not count.
        (datetime.datetime(2025, 3, 7, 16, 0, tzinfo=SH), 1, datetime.datetime(2025, 3, 11, 0, 0, tzinfo=SH)),
        # Saturday + 1 and Sunday + 2.
        (datetime.datetime(2025, 3, 8, 9, 0, tzinfo=SH), 1, datetime.datetime(2025, 3, 11, 0, 0, tzinfo=SH)),
        (datetime.datetime(2025, 3, 9, 9, 0, tzinfo=SH), 2, datetime.datetime(2025, 3, 12, 0, 0, tzinfo=SH)),
        # Sunday 23:30 UTC is Monday 07:30 in Shanghai: the days count from Tuesday.
        (
            datetime.datetime(2025, 3, 2, 23, 30, tzinfo=datetime.UTC),
            1,
            datetime.datetime(2025, 3, 5, 0, 0, tzinfo=SH),
        ),
        # Ten working days span two weekends.
        (
            datetime.datetime(2025, 3, 3, 10, 0, tzinfo=SH),
            10,
            datetime.datetime(2025, 3, 18, 0, 0, tzinfo=SH),
        ),
    ],
)
def test_publicity_ends_at_the_end_of_the_nth_working_day_in_shanghai(start, days, end):
    assert publicity_end(start, days) == end


def test_publicity_publishes_the_result_and_tells_the_bidders(pw, time_machine):
    project, _ = evaluated(pw, time_machine, publicity_working_days=3)
    before = selectors.project_result_public(project)
    assert before == {"published": False, "bid_count": 3}
    services.award_propose(actor=pw.drafter, project=project, bid=bid_of(project, pw.orgs[1]))
    assert selectors.project_result_public(project) == {"published": False, "bid_count": 3}
    with pytest.raises(PermissionDenied):
        services.award_publicity_start(actor=pw.world.official_b, project=project)
    services.award_publicity_start(actor=pw.drafter, project=project)
    project.refresh_from_db()
    assert project.status == ProjectStatus.PUBLICITY
    assert project.publicity_ends_at == publicity_end(timezone.now(), 3)
    result = selectors.project_result_public(project)
    assert result["published"] is True and result["bid_count"] == 3
    assert result["winner"]["organization"] == pw.orgs[1].name and result["winner"]["price_fen"] == PRICES[1]
    assert [(b["organization"], b["total_score_milli"], b["rank"]) for b in result["bidders"]] == [
        (pw.orgs[1].name, 90_136, 1),
        (pw.orgs[2].name, 80_391, 2),
        (pw.orgs[0].name, 78_000, 3),
    ]
    note = Notification.objects.get(recipient=pw.org_admins[0], title__contains="评审结果公示")
    assert pw.orgs[1].name in note.body and "90.136" in note.body and "78.000" in note.body
    assert "¥220,000.00" in note.body


def test_the_publicity_task_tells_the_street_once_when_publicity_ends(pw, time_machine):
    project, _ = in_publicity(pw, time_machine)
    iso = project.publicity_ends_at.isoformat()
    publicity_ended.call(project.pk, iso)  # early: nothing
    assert not Notification.objects.filter(recipient=pw.drafter, title__contains="公示期已结束").exists()
    time_machine.move_to(project.publicity_ends_at, tick=False)
    publicity_ended.call(project.pk, iso)
    publicity_ended.call(project.pk, iso)
    notes = Notification.objects.filter(title__contains="公示期已结束")
    assert {n.recipient for n in notes} == {pw.drafter, pw.approver}
    assert notes.count() == 2 and "可以确认中标" in notes.first().body


# --- objections -----------------------------------------------------------------------------
def test_a_bidder_objects_during_publicity_and_not_after(pw, time_machine):
    project, _ = in_publicity(pw, time_machine)
    time_machine.move_to(project.publicity_ends_at - datetime.timedelta(seconds=1), tick=False)
    objection = services.objection_raise(
        actor=pw.org_admins[0], project=project, org=pw.orgs[0], text="第一名的团队人员与其他项目重复。"
    )
    assert objection.status == ObjectionStatus.OPEN
    assert Notification.objects.filter(recipient=pw.drafter, title__contains="收到质疑").exists()
    time_machine.move_to(project.publicity_ends_at, tick=False)
    with pytest.raises(ValidationFailed) as exc:
        services.objection_raise(actor=pw.org_admins[2], project=project, org=pw.orgs[2], text="评分不公")
    assert exc.value.code == "not_in_publicity" and "公示期已于" in str(exc.value.message)
    assert Objection.objects.count() == 1


def test_only_a_bidders_admin_objects(pw, time_machine):
    project, _ = in_publicity(pw, time_machine)
    with pytest.raises(ValidationFailed) as exc:  # verified organisation that did not bid
        services.objection_raise(actor=pw.org_admins[3], project=project, org=pw.orgs[3], text="评分不公")
    assert exc.value.code == "not_a_bidder"
    member = UserFactory()
    grant(member, Role.ORG_MEMBER, pw.orgs[0])
    for outsider in (member, pw.org_admins[1], pw.drafter):
        with pytest.raises(PermissionDenied):
            services.objection_raise(actor=outsider, project=project, org=pw.orgs[0], text="评分不公")
    with pytest.raises(ValidationFailed) as exc:
        services.objection_raise(actor=pw.org_admins[0], project=project, org=pw.orgs[0], text="")
    assert exc.value.field == "text"
    assert not Objection.objects.exists()


def test_no_objection_outside_publicity(pw, time_machine):
    project, _ = evaluated(pw, time_machine)
    with pytest.raises(ValidationFailed) as exc:
        services.objection_raise(actor=pw.org_admins[0], project=project, org=pw.orgs[0], text="评分不公")
    assert exc.value.code == "not_in_publicity"


def test_a_dismissed_objection_keeps_the_result(pw, time_machine):
    project, _ = in_publicity(pw, time_machine)
    objection = services.objection_raise(
        actor=pw.org_admins[0], project=project, org=pw.orgs[0], text="评分不公"
    )
    with pytest.raises(PermissionDenied):
        services.objection_resolve(
            actor=pw.world.official_b, objection=objection, upheld=False, response="不成立"
        )
    with pytest.raises(ValidationFailed):
        services.objection_resolve(actor=pw.drafter, objection=objection, upheld=False, response="")
    with pytest.raises(ValidationFailed):
        services.objection_resolve(actor=pw.drafter, objection=objection, upheld="no", response="不成立")
    services.objection_resolve(
        actor=pw.world.district_admin, objection=objection, upheld=False, response="经核查,评分符合标准。"
    )
    objection.refresh_from_db()
    project.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED and objection.response == "经核查,评分符合标准。"
    assert objection.responded_at is not None
    assert project.status == ProjectStatus.PUBLICITY and BidResult.objects.count() == 3
    assert transitions.OBJECTION.history(objection).get().reason == "经核查,评分符合标准。"
    note = Notification.objects.get(recipient=pw.org_admins[0], title__contains="质疑")
    assert "不成立" in note.title and note.body == "经核查,评分符合标准。"


def test_an_upheld_objection_sends_the_project_back_to_evaluation(pw, time_machine):
    project, evaluators = in_publicity(pw, time_machine)
    objection = services.objection_raise(
        actor=pw.org_admins[0], project=project, org=pw.orgs[0], text="团队与经验评分有误。"
    )
    services.objection_resolve(
        actor=pw.drafter, objection=objection, upheld=True, response="质疑成立,重新评审。"
    )
    project.refresh_from_db()
    assert project.status == ProjectStatus.OPENED
    assert project.awarded_bid is None and project.publicity_ends_at is None
    assert not BidResult.objects.exists()
    assert transitions.PROJECT.history(project).filter(code="reopen_evaluation").count() == 1
    assert selectors.project_result_public(project) == {"published": False, "bid_count": 3}
    assert Notification.objects.filter(recipient=pw.org_admins[0], title__contains="成立").exists()
    assert Notification.objects.filter(recipient=evaluators[0], title__contains="重新评审").exists()
    # The evaluators correct their scores and the street completes again: results are replaced.
    for evaluator in evaluators:
        services.score_record(
            actor=evaluator,
            bid=bid_of(project, pw.orgs[0]),
            criterion=criterion(project, "团队与经验"),
            value=100,
        )
    services.project_complete_evaluation(actor=pw.drafter, project=project, report="复评报告")
    assert BidResult.objects.count() == 3
    # bid 0: 30 + 30 (plan 75 × 0.4) + 30 (team 100 × 0.3) = 90.000 < bid 1's 90.136
    assert BidResult.objects.get(bid__organization=pw.orgs[0]).total_score_milli == 90_000
    project.refresh_from_db()
    assert project.evaluation_report == "复评报告"


# --- confirming the award -------------------------------------------------------------------
def test_confirmation_waits_for_the_end_of_publicity(pw, time_machine):
    project, _ = in_publicity(pw, time_machine)
    time_machine.move_to(project.publicity_ends_at - datetime.timedelta(seconds=1), tick=False)
    with pytest.raises(ValidationFailed) as exc:
        services.award_confirm(actor=pw.drafter, project=project)
    assert exc.value.code == "publicity_not_ended" and chinese(exc)
    project.refresh_from_db()
    assert project.status == ProjectStatus.PUBLICITY


def test_confirmation_waits_for_every_objection_to_be_answered(pw, time_machine):
    project, _ = in_publicity(pw, time_machine)
    objection = services.objection_raise(
        actor=pw.org_admins[2], project=project, org=pw.orgs[2], text="评分不公"
    )
    time_machine.move_to(project.publicity_ends_at, tick=False)
    with pytest.raises(ValidationFailed) as exc:
        services.award_confirm(actor=pw.drafter, project=project)
    assert exc.value.code == "open_objection" and "1 件质疑" in str(exc.value.message)
    services.objection_resolve(actor=pw.drafter, objection=objection, upheld=False, response="不成立")
    services.award_confirm(actor=pw.drafter, project=project)
    project.refresh_from_db()
    assert project.status == ProjectStatus.AWARDED


def test_confirmation_awards_the_winner_and_the_others_lose_once(pw, time_machine):
    project, _ = in_publicity(pw, time_machine, min_valid_bids=3)
    time_machine.move_to(project.publicity_ends_at, tick=False)
    for outsider in (pw.world.official_b, pw.world.district_admin, pw.org_admins[1]):
        with pytest.raises(PermissionDenied):
            services.award_confirm(actor=outsider, project=project)
    services.award_confirm(actor=pw.approver, project=project)
    project.refresh_from_db()
    assert project.status == ProjectStatus.AWARDED
    statuses = {b.organization_id: b.status for b in project.bids.all()}
    assert statuses == {
        pw.orgs[1].pk: BidStatus.WON,
        pw.orgs[0].pk: BidStatus.LOST,
        pw.orgs[2].pk: BidStatus.LOST,
    }
    with pytest.raises(TransitionNotAllowed) as exc:
        services.award_confirm(actor=pw.drafter, project=project)
    assert "已中标" in str(exc.value.message)
    assert TransitionLog.objects.filter(lifecycle="procurement.project", code="confirm_award").count() == 1
    assert TransitionLog.objects.filter(lifecycle="procurement.bid", code="win").count() == 1
    assert TransitionLog.objects.filter(lifecycle="procurement.bid", code="lose").count() == 2
    assert Notification.objects.filter(recipient=pw.org_admins[1], title__contains="中标项目").exists()
    assert Notification.objects.filter(recipient=pw.org_admins[0], title__contains="未中标").exists()
    result = selectors.project_result_public(project)
    assert result["awarded"] is True and result["winner"]["organization_id"] == pw.orgs[1].pk
    with pytest.raises(ValidationFailed):  # publicity is over: no more objections
        services.objection_raise(actor=pw.org_admins[0], project=project, org=pw.orgs[0], text="评分不公")


def test_a_disqualified_bidder_is_listed_in_the_result_and_stays_disqualified(pw, time_machine):
    project = open_project(pw, time_machine, prices=(*PRICES, 24_000_000))
    evaluators = appoint(pw, project)
    services.bid_disqualify(actor=pw.drafter, bid=bid_of(project, pw.orgs[3]), reason="资质过期")
    declare_and_score(pw, project, evaluators)
    services.project_complete_evaluation(actor=pw.drafter, project=project, report=REPORT)
    services.award_propose(actor=pw.drafter, project=project, bid=bid_of(project, pw.orgs[1]))
    project = services.award_publicity_start(actor=pw.drafter, project=project)
    result = selectors.project_result_public(project)
    assert result["bid_count"] == 4
    assert result["bidders"][-1]["organization"] == pw.orgs[3].name and result["bidders"][-1]["disqualified"]
    # The disqualified bidder may still object.
    services.objection_raise(
        actor=pw.org_admins[3], project=project, org=pw.orgs[3], text="认定无效理由不成立"
    )
    objection = Objection.objects.get()
    services.objection_resolve(actor=pw.drafter, objection=objection, upheld=False, response="维持认定")
    project.refresh_from_db()
    time_machine.move_to(project.publicity_ends_at, tick=False)
    services.award_confirm(actor=pw.drafter, project=project)
    assert bid_of(project, pw.orgs[3]).status == BidStatus.DISQUALIFIED


def test_evaluator_projects_lists_only_the_users_projects(pw, time_machine):
    project = open_project(pw, time_machine)
    (expert,) = appoint(pw, project, n=1)
    assert list(selectors.evaluator_projects(pw.drafter)) == []
    assert list(selectors.evaluator_projects(UserFactory())) == []
    assert [p.pk for p in selectors.evaluator_projects(expert)] == [project.pk]
