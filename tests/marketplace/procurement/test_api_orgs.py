"""The organisations' side of the procurement API and the public list's filters: bids with their
receipt, the sealed bid detail, withdrawal, questions, objections and delivery reports.
Each endpoint: the change it makes, the refusal of the wrong role or scope (nothing changes), and
bad input answered 400 in Chinese (nothing changes)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from marketplace.core.roles import Role
from marketplace.procurement import services
from marketplace.procurement.choices import BidStatus, MilestoneStatus
from marketplace.procurement.models import Bid, Milestone, MilestoneReport, Objection, Question
from tests.factories import UserFactory, grant

from .conftest import terms
from .test_api_helpers import client_for, refused
from .test_contracts import (
    PDF,
    plan,
    private_root,  # noqa: F401 (an autouse fixture: evidence goes to a temporary folder)
)
from .test_evaluation import in_publicity

PRICE = 21_234_500
PROPOSAL = "中央厨房统一配餐,志愿者配送(独家方案)。"


def bid_body(project, org, /, **overrides) -> dict:
    body = {
        "project": project.pk,
        "organization": org.pk,
        "price_fen": PRICE,
        "proposal": PROPOSAL,
        "team": "项目主管1名,社工2名",
        "declarations": {"no_collusion": True, "truthful": True, "no_major_violation": True},
    }
    body.update(overrides)
    return body


# --- the public list's filters ----------------------------------------------------------------
def test_public_list_filters_by_community_and_budget(pw):
    world = pw.world
    in_a = pw.published(title="甲一社区项目", community=world.community_a, budget_ceiling_fen=10_000_000)
    street_wide = pw.published(title="全街道项目", budget_ceiling_fen=20_000_000)
    pw.published(title="甲二社区项目", community=world.community_a2, budget_ceiling_fen=30_000_000)
    client = APIClient()

    def titles(**query):
        response = client.get("/api/v1/projects/", query)
        assert response.status_code == 200, response.content
        return {row["title"] for row in response.json()["results"]}

    assert titles(community=world.community_a.pk) == {in_a.title, street_wide.title}
    assert titles(budget_min_fen=10_000_000, budget_max_fen=20_000_000) == {in_a.title, street_wide.title}
    assert titles(budget_min_fen=20_000_001) == {"甲二社区项目"}
    assert titles(community=world.community_a.pk, budget_min_fen=15_000_000) == {street_wide.title}
    assert titles(community=world.community_b.pk) == set()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"community": "甲"}, "community"),
        ({"budget_min_fen": -1}, "budget_min_fen"),
        ({"budget_max_fen": "1.5"}, "budget_max_fen"),
    ],
)
def test_public_list_refuses_bad_filters_in_chinese(pw, query, field):
    refused(APIClient().get("/api/v1/projects/", query), 400, code="invalid", field=field)


# --- bids -------------------------------------------------------------------------------------
def test_an_organisation_submits_a_bid_and_gets_its_receipt(pw):
    project = pw.published()
    client = client_for(pw.org_admins[0])
    response = client.post("/api/v1/bids/", bid_body(project, pw.orgs[0]), format="json")
    assert response.status_code == 201, response.content
    receipt = response.json()
    bid = Bid.objects.get(project=project, organization=pw.orgs[0])
    assert bid.status == BidStatus.SUBMITTED and bid.submitted_by == pw.org_admins[0]
    assert (
        receipt["id"] == bid.pk
        and receipt["content_hash"] == bid.content_hash
        and len(bid.content_hash) == 64
    )
    assert datetime.datetime.fromisoformat(receipt["submitted_at"]) == bid.submitted_at
    # The receipt and the list never carry the contents, even to the bidder.
    assert str(PRICE) not in str(receipt) and PROPOSAL not in str(receipt)
    listed = client.get("/api/v1/bids/").json()["results"]
    assert [row["id"] for row in listed] == [bid.pk]
    assert "price_fen" not in listed[0] and str(PRICE) not in str(listed)
    # The bidder reads its own contents.
    detail = client.get(f"/api/v1/bids/{bid.pk}/").json()
    assert detail["contents"]["price_fen"] == PRICE and detail["contents"]["proposal"] == PROPOSAL


def test_bids_list_only_the_callers_organisations(pw):
    project = pw.published()
    pw.bid(project, 0)
    pw.bid(project, 1)
    assert [
        r["organization"] for r in client_for(pw.org_admins[1]).get("/api/v1/bids/").json()["results"]
    ] == [pw.orgs[1].pk]
    for outsider in (pw.drafter, pw.world.district_admin, pw.org_admins[3]):
        assert client_for(outsider).get("/api/v1/bids/").json()["results"] == []
    assert APIClient().get("/api/v1/bids/").status_code == 401


def test_bidding_for_another_organisation_or_as_staff_is_forbidden(pw):
    project = pw.published()
    for outsider in (pw.org_admins[1], pw.drafter, pw.world.district_admin):
        response = client_for(outsider).post("/api/v1/bids/", bid_body(project, pw.orgs[0]), format="json")
        refused(response, 403, code="permission_denied")
    assert not Bid.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"price_fen": 30_000_001}, "over_ceiling", "price_fen"),
        ({"price_fen": 0}, "invalid", "price_fen"),
        ({"price_fen": "很多"}, "invalid", "price_fen"),
        ({"proposal": " "}, "invalid", "proposal"),
        ({"declarations": {"no_collusion": True, "truthful": True}}, "invalid", "declarations"),
        ({"project": 999_999}, "invalid", "project"),
        ({"organization": 999_999}, "invalid", "organization"),
    ],
)
def test_bad_bids_are_refused_in_chinese_and_nothing_changes(pw, overrides, code, field):
    project = pw.published()
    response = client_for(pw.org_admins[0]).post(
        "/api/v1/bids/", bid_body(project, pw.orgs[0], **overrides), format="json"
    )
    refused(response, 400, code=code, field=field)
    assert not Bid.objects.filter(status=BidStatus.SUBMITTED).exists()


def test_a_draft_project_cannot_be_bid_on(pw):
    draft = services.project_create(actor=pw.drafter, street=pw.world.street_a, terms=terms())
    response = client_for(pw.org_admins[0]).post("/api/v1/bids/", bid_body(draft, pw.orgs[0]), format="json")
    refused(response, 400, field="project")
    assert not Bid.objects.exists()


def test_a_bid_after_the_deadline_is_refused(pw, time_machine):
    project = pw.published()
    time_machine.move_to(project.bid_close_at, tick=False)
    response = client_for(pw.org_admins[0]).post(
        "/api/v1/bids/", bid_body(project, pw.orgs[0]), format="json"
    )
    refused(response, 400, code="deadline")
    assert not Bid.objects.filter(status=BidStatus.SUBMITTED).exists()


def test_someone_elses_bid_is_not_found_before_opening(pw):
    project = pw.published()
    bid = pw.bid(project, 0, price_fen=PRICE)
    superuser = UserFactory(is_superuser=True)
    for outsider in (pw.org_admins[1], pw.drafter, pw.world.district_admin, superuser, pw.world.resident):
        response = client_for(outsider).get(f"/api/v1/bids/{bid.pk}/")
        refused(response, 404, code="not_found")
        assert str(PRICE) not in response.content.decode()
    assert APIClient().get(f"/api/v1/bids/{bid.pk}/").status_code == 401


def test_a_bid_is_withdrawn_by_its_organisation_before_the_deadline(pw, time_machine):
    project = pw.published()
    bid = pw.bid(project, 0)
    refused(client_for(pw.org_admins[1]).post(f"/api/v1/bids/{bid.pk}/withdraw/"), 404)
    refused(client_for(pw.drafter).post(f"/api/v1/bids/{bid.pk}/withdraw/"), 404)
    bid.refresh_from_db()
    assert bid.status == BidStatus.SUBMITTED
    response = client_for(pw.org_admins[0]).post(f"/api/v1/bids/{bid.pk}/withdraw/")
    assert response.status_code == 200 and response.json()["status"] == BidStatus.WITHDRAWN
    bid.refresh_from_db()
    assert bid.status == BidStatus.WITHDRAWN
    pw.bid(project, 0)  # resubmitted
    time_machine.move_to(project.bid_close_at, tick=False)
    refused(client_for(pw.org_admins[0]).post(f"/api/v1/bids/{bid.pk}/withdraw/"), 400, code="deadline")
    bid.refresh_from_db()
    assert bid.status == BidStatus.SUBMITTED


def test_withdrawing_twice_is_a_conflict(pw):
    bid = pw.bid(pw.published(), 0)
    client = client_for(pw.org_admins[0])
    assert client.post(f"/api/v1/bids/{bid.pk}/withdraw/").status_code == 200
    refused(client.post(f"/api/v1/bids/{bid.pk}/withdraw/"), 409, code="transition_not_allowed")


def test_the_bids_list_costs_the_same_queries_for_one_bid_or_many(pw):
    client = client_for(pw.org_admins[0])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/bids/").status_code == 200
        return len(ctx.captured_queries)

    pw.bid(pw.published(title="项目0"), 0)
    one = count()
    for i in range(1, 8):
        pw.bid(pw.published(title=f"项目{i}"), 0)
    assert len(client.get("/api/v1/bids/").json()["results"]) == 8
    assert count() == one


# --- questions ---------------------------------------------------------------------------------
def test_an_organisation_asks_a_question(pw):
    project = pw.published()
    response = client_for(pw.org_admins[0]).post(
        f"/api/v1/projects/{project.pk}/questions/",
        {"organization": pw.orgs[0].pk, "text": "含周末吗?"},
        format="json",
    )
    assert response.status_code == 201, response.content
    question = Question.objects.get()
    assert (question.project, question.asked_by_org, question.text) == (project, pw.orgs[0], "含周末吗?")
    assert response.json()["id"] == question.pk and response.json()["answer"] == ""


def test_questions_refuse_the_wrong_organisation_bad_text_and_unpublished_projects(pw):
    project = pw.published()
    url = f"/api/v1/projects/{project.pk}/questions/"
    refused(
        client_for(pw.org_admins[1]).post(
            url, {"organization": pw.orgs[0].pk, "text": "问题"}, format="json"
        ),
        403,
    )
    refused(
        client_for(pw.drafter).post(url, {"organization": pw.orgs[0].pk, "text": "问题"}, format="json"), 403
    )
    refused(
        client_for(pw.org_admins[0]).post(url, {"organization": pw.orgs[0].pk, "text": "  "}, format="json"),
        400,
        field="text",
    )
    refused(
        client_for(pw.org_admins[0]).post(url, {"text": "问题"}, format="json"), 400, field="organization"
    )
    draft = services.project_create(actor=pw.drafter, street=pw.world.street_a, terms=terms())
    refused(
        client_for(pw.org_admins[0]).post(
            f"/api/v1/projects/{draft.pk}/questions/",
            {"organization": pw.orgs[0].pk, "text": "问题"},
            format="json",
        ),
        404,
    )
    assert (
        APIClient().post(url, {"organization": pw.orgs[0].pk, "text": "问题"}, format="json").status_code
        == 401
    )
    assert not Question.objects.exists()


# --- objections --------------------------------------------------------------------------------
def test_a_bidder_objects_during_publicity_and_only_then(pw, time_machine):
    project, _evaluators = in_publicity(pw, time_machine)
    url = f"/api/v1/projects/{project.pk}/objections/"
    body = {"organization": pw.orgs[0].pk, "text": "对评分有异议,请复核。"}
    response = client_for(pw.org_admins[0]).post(url, body, format="json")
    assert response.status_code == 201, response.content
    objection = Objection.objects.get()
    assert (objection.organization, objection.status) == (pw.orgs[0], "open")
    # Not a bidder; not the organisation's admin; a member only; empty text.
    refused(
        client_for(pw.org_admins[3]).post(url, {**body, "organization": pw.orgs[3].pk}, format="json"),
        400,
        code="not_a_bidder",
    )
    refused(client_for(pw.org_admins[1]).post(url, body, format="json"), 403)
    member = UserFactory()
    grant(member, Role.ORG_MEMBER, pw.orgs[1])
    refused(client_for(member).post(url, {**body, "organization": pw.orgs[1].pk}, format="json"), 403)
    refused(
        client_for(pw.org_admins[1]).post(
            url, {**body, "organization": pw.orgs[1].pk, "text": ""}, format="json"
        ),
        400,
    )
    time_machine.move_to(project.publicity_ends_at, tick=False)
    refused(
        client_for(pw.org_admins[2]).post(url, {**body, "organization": pw.orgs[2].pk}, format="json"),
        400,
        code="not_in_publicity",
    )
    assert Objection.objects.count() == 1


# --- delivery reports --------------------------------------------------------------------------
@pytest.fixture
def delivering(pw, time_machine):
    """A contract in delivery, reached through the services; organisation 1 won it."""
    project, _evaluators = in_publicity(pw, time_machine)
    time_machine.move_to(project.publicity_ends_at + datetime.timedelta(minutes=1), tick=False)
    services.award_confirm(actor=pw.drafter, project=project)
    contract = services.contract_sign(actor=pw.drafter, project=project, terms="", milestones=plan(project))
    services.delivery_start(actor=pw.drafter, project=project)
    return contract


def test_the_contracted_organisation_reports_a_milestone_with_evidence(pw, delivering):
    first = delivering.milestones.order_by("seq").first()
    client = client_for(pw.org_admins[1])
    evidence = SimpleUploadedFile("台账.pdf", PDF, content_type="application/pdf")
    response = client.post(
        f"/api/v1/milestones/{first.pk}/reports/",
        {"content": "本期完成送餐3600人次。", "evidence": [evidence]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    report = MilestoneReport.objects.get()
    assert (report.milestone, report.content, len(report.evidence_file_ids)) == (
        first,
        "本期完成送餐3600人次。",
        1,
    )
    assert response.json()["evidence_file_count"] == 1
    first.refresh_from_db()
    assert first.status == MilestoneStatus.SUBMITTED


def test_delivery_reports_refuse_outsiders_bad_files_and_json(pw, delivering):
    first = delivering.milestones.order_by("seq").first()
    url = f"/api/v1/milestones/{first.pk}/reports/"
    pdf = SimpleUploadedFile("台账.pdf", PDF, content_type="application/pdf")
    for outsider in (pw.org_admins[0], pw.drafter, pw.world.district_admin):
        refused(
            client_for(outsider).post(url, {"content": "报告", "evidence": [pdf]}, format="multipart"), 404
        )
    client = client_for(pw.org_admins[1])
    text_file = SimpleUploadedFile("台账.pdf", b"just text, not a pdf", content_type="application/pdf")
    refused(
        client.post(url, {"content": "报告", "evidence": [text_file]}, format="multipart"),
        400,
        code="file_type",
    )
    refused(client.post(url, {"content": " "}, format="multipart"), 400, field="content")
    assert client.post(url, {"content": "报告"}, format="json").status_code == 415
    assert not MilestoneReport.objects.exists()
    assert Milestone.objects.get(pk=first.pk).status == MilestoneStatus.PENDING


def test_time_is_the_servers(pw):
    """The receipt's time is the server's clock, whatever the client sends."""
    project = pw.published()
    body = bid_body(project, pw.orgs[0], submitted_at="2000-01-01T00:00:00Z")
    before = timezone.now()
    response = client_for(pw.org_admins[0]).post("/api/v1/bids/", body, format="json")
    assert datetime.datetime.fromisoformat(response.json()["submitted_at"]) >= before
