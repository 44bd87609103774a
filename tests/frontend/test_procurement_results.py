"""The public announcement page after the deadline: only the number of bids until the result is
published; from publicity on the winner, its price and every bidder's total score; once
contracted the contract summary and milestone progress, never the reports, the evidence or
anyone's personal data. And a constant number of queries whatever the number of bids,
questions and milestones."""

import datetime

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from marketplace.core.roles import Role
from marketplace.procurement import services
from marketplace.procurement.choices import BidStatus, ProjectStatus
from marketplace.procurement.models import Bid, BidResult, Contract
from tests.factories import OrganizationFactory, UserFactory, grant
from tests.frontend.test_procurement_pages import SECRET_PROPOSAL, chinese_page, detail_url
from tests.marketplace.procurement import conftest as procurement_conftest
from tests.marketplace.procurement.conftest import contents
from tests.marketplace.procurement.test_contracts import PDF, plan
from tests.marketplace.procurement.test_evaluation import PRICES, in_publicity, open_project

pw = procurement_conftest.pw

REPORT_TEXT = "本期完成送餐3600人次,服务对象张某某(电话13912345678)满意。"
REVIEW_NOTE = "台账齐全,验收通过。"
TERMS = "按服务方案提供助餐服务,违约金为合同金额的百分之五。"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    storages._storages.pop("private", None)
    yield tmp_path
    storages._storages.pop("private", None)


# --- driving the lifecycle through the services ---------------------------------------------
def bidders(pw, n: int) -> list[tuple]:
    """n (organisation, admin) pairs: the procurement world's four, then new verified ones."""
    pairs = list(zip(pw.orgs, pw.org_admins, strict=True))
    for i in range(len(pairs), n):
        org = OrganizationFactory(street=pw.world.street_a, name=f"追加投标组织{i}", status="verified")
        admin = UserFactory(display_name=f"追加组织{i}管理员")
        grant(admin, Role.ORG_ADMIN, org)
        pairs.append((org, admin))
    return pairs[:n]


def to_publicity(pw, time_machine, *, n_bids=3, questions=0, **overrides):
    """A project with n_bids bids and `questions` answered questions, opened, scored by one
    evaluator, its first-ranked bid proposed and in publicity. The first bidder (organisation 0)
    asks the lowest price and scores best, so it wins."""
    project = pw.published(**overrides)
    pairs = bidders(pw, n_bids)
    for q in range(questions):
        question = services.question_ask(actor=pairs[0][1], project=project, org=pairs[0][0], text=f"问题{q}")
        services.question_answer(actor=pw.drafter, question=question, answer=f"答复{q}")
    for i, (org, admin) in enumerate(pairs):
        services.bid_submit(
            actor=admin, project=project, org=org, contents=contents(20_000_000 + i * 100_000)
        )
    time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1), tick=False)
    services.project_open_bids(actor=pw.drafter, project=project)
    evaluator = UserFactory(display_name="评审专家")
    services.evaluator_appoint(actor=pw.drafter, project=project, user=evaluator)
    services.conflict_declare(actor=evaluator, project=project, statement="本人与各投标人无利害关系。")
    for i, bid in enumerate(Bid.objects.filter(project=project, status=BidStatus.OPENED).order_by("pk")):
        for criterion in project.criteria.filter(is_price=False):
            services.score_record(actor=evaluator, bid=bid, criterion=criterion, value=90 - i, comment="")
    services.project_complete_evaluation(actor=pw.drafter, project=project, report="评审完成。")
    first = BidResult.objects.get(bid__project=project, rank=1).bid
    services.award_propose(actor=pw.drafter, project=project, bid=first)
    services.award_publicity_start(actor=pw.drafter, project=project)
    project.refresh_from_db()
    assert project.status == ProjectStatus.PUBLICITY
    return project


def award(pw, time_machine, project):
    time_machine.move_to(project.publicity_ends_at + datetime.timedelta(minutes=1), tick=False)
    services.award_confirm(actor=pw.drafter, project=project)
    project.refresh_from_db()
    return project


def contract_in_delivery(pw, project, percents=(30, 40, 30)) -> Contract:
    contract = services.contract_sign(
        actor=pw.drafter, project=project, milestones=plan(project, percents), terms=TERMS
    )
    services.delivery_start(actor=pw.drafter, project=project)
    project.refresh_from_db()
    return contract


def milestones_of(contract):
    return list(contract.milestones.order_by("seq"))


# --- before the result ----------------------------------------------------------------------
def test_after_opening_and_before_publicity_only_the_number_of_bids_is_public(client, pw, time_machine):
    project = open_project(pw, time_machine)
    html = chinese_page(client.get(detail_url(project)), "已收到 3 份投标", "已于")
    for price in PRICES:
        assert f"{price // 100:,}.00" not in html
    assert SECRET_PROPOSAL not in html and "中标" not in html
    for org in pw.orgs:
        assert org.name not in html


# --- the published result -------------------------------------------------------------------
def test_during_publicity_the_winner_its_price_and_every_score_are_public(client, pw, time_machine):
    project, _evaluators = in_publicity(pw, time_machine)
    html = chinese_page(
        client.get(detail_url(project)),
        "中标候选结果公示",
        "拟中标组织",
        pw.orgs[1].name,
        "¥220,000.00",
        "公示截止",
        "90.136",
        "80.391",
        "78.000",
        pw.orgs[0].name,
        pw.orgs[2].name,
    )
    # Ranked in order, the proposed winner first.
    assert html.index(pw.orgs[1].name) < html.index(pw.orgs[2].name) < html.index(pw.orgs[0].name)
    assert SECRET_PROPOSAL not in html and "项目主管1名" not in html
    assert "合同与履约" not in html


def test_after_the_award_the_result_says_so(client, pw, time_machine):
    project, _evaluators = in_publicity(pw, time_machine)
    award(pw, time_machine, project)
    html = chinese_page(client.get(detail_url(project)), "中标结果", "中标组织", pw.orgs[1].name, "90.136")
    assert "中标候选结果公示" not in html and "公示截止" not in html


# --- contract and milestones ----------------------------------------------------------------
def test_once_contracted_the_contract_summary_and_milestone_progress_are_public(client, pw, time_machine):
    project, _evaluators = in_publicity(pw, time_machine)
    award(pw, time_machine, project)
    contract = contract_in_delivery(pw, project)
    first, second, _third = milestones_of(contract)
    winner_admin = pw.org_admins[1]
    services.milestone_report_submit(
        actor=winner_admin,
        milestone=first,
        content=REPORT_TEXT,
        evidence_uploads=[SimpleUploadedFile("送餐台账.pdf", PDF, content_type="application/pdf")],
    )
    services.milestone_accept(actor=pw.drafter, milestone=first, note=REVIEW_NOTE)
    services.milestone_report_submit(actor=winner_admin, milestone=second, content="第二期报告:待验收内容")
    html = chinese_page(
        client.get(detail_url(project)),
        "合同与履约",
        "承接组织",
        pw.orgs[1].name,
        "合同金额",
        "¥220,000.00",
        f"{project.service_start:%Y-%m-%d} — {project.service_end:%Y-%m-%d}",
        "已验收 30%",
        "第1期服务",
        "第2期服务",
        "第3期服务",
        "30%",
        "40%",
        f"{first.due_on:%Y-%m-%d}",
        "已支付",
        "待验收",
        "未提交",
        "未支付",
    )
    # No reports, no evidence, no review notes, no contract terms, no personal data.
    for secret in (
        REPORT_TEXT,
        "13912345678",
        "送餐台账.pdf",
        REVIEW_NOTE,
        "第二期报告",
        TERMS,
        SECRET_PROPOSAL,
    ):
        assert secret not in html, secret
    assert "/files/" not in html and winner_admin.display_label not in html


def test_a_fund_payment_waiting_for_its_disbursement_is_not_shown_as_paid(client, pw, time_machine):
    project, _evaluators = in_publicity(pw, time_machine, funding_source="fund")
    award(pw, time_machine, project)
    first = milestones_of(contract_in_delivery(pw, project))[0]
    services.milestone_report_submit(actor=pw.org_admins[1], milestone=first, content=REPORT_TEXT)
    services.milestone_accept(actor=pw.drafter, milestone=first, note=REVIEW_NOTE)
    html = chinese_page(client.get(detail_url(project)), "待基金拨付", "已验收 30%")
    assert "已支付" not in html


# --- a constant number of queries -----------------------------------------------------------
# Counts what rendering reads, not a page cache hit.
@override_settings(PAGE_CACHE_ENABLED=False)
def _detail_queries(client, project) -> int:
    client.get(detail_url(project))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(detail_url(project)).status_code == 200
    return len(ctx.captured_queries)


def test_detail_query_count_does_not_grow_with_bids_questions_and_milestones(client, pw, time_machine):
    small = award(pw, time_machine, to_publicity(pw, time_machine, n_bids=3, questions=1, title="小项目"))
    contract_in_delivery(pw, small, percents=(100,))
    large = award(pw, time_machine, to_publicity(pw, time_machine, n_bids=7, questions=6, title="大项目"))
    contract_in_delivery(pw, large, percents=(10, 15, 15, 20, 20, 20))
    html = chinese_page(client.get(detail_url(large)), "已收到 7 份投标", "答复5", "追加投标组织6")
    assert html.count("<tr>") >= 1 + 7 + 1 + 6
    for viewer in (None, pw.org_admins[0]):
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        assert _detail_queries(client, small) == _detail_queries(client, large), viewer


def test_detail_query_count_during_bidding(client, pw):
    small = pw.published(title="小项目")
    pw.bid(small, 0)
    large = pw.published(title="大项目")
    for i in range(4):
        pw.bid(large, i)
    for q in range(5):
        question = services.question_ask(
            actor=pw.org_admins[0], project=large, org=pw.orgs[0], text=f"问题{q}"
        )
        services.question_answer(actor=pw.drafter, question=question, answer=f"答复{q}")
    client.force_login(pw.org_admins[0])
    chinese_page(client.get(detail_url(large)), "已收到 4 份投标", "答复4")
    assert _detail_queries(client, small) == _detail_queries(client, large)
