import datetime

import pytest
from django.db import connection
from django.utils import timezone

from marketplace.core.exceptions import GuardFailed, NotFound, PermissionDenied, ValidationFailed
from marketplace.core.models import AuditEntry, Notification
from marketplace.procurement import selectors, services
from marketplace.procurement.choices import BidStatus, ProjectStatus
from marketplace.procurement.models import Bid, Project, ProjectKey
from marketplace.procurement.services import CriterionData
from marketplace.procurement.tasks import close_bidding
from tests.factories import OrganizationFactory, UserFactory, grant

from .conftest import contents, terms


# --- drafting and approval ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        (
            {"criteria": [CriterionData("价格", 50, is_price=True), CriterionData("方案", 40)]},
            "weights_not_100",
            "criteria",
        ),
        (
            {
                "criteria": [
                    CriterionData("价格", 50, is_price=True),
                    CriterionData("报价2", 50, is_price=True),
                ]
            },
            "price_criterion",
            "criteria",
        ),
        ({"criteria": [CriterionData("方案", 100)]}, "price_criterion", "criteria"),
        ({"budget_ceiling_fen": 0}, "invalid", "budget_ceiling_fen"),
        ({"budget_ceiling_fen": 100.5}, "invalid", "budget_ceiling_fen"),
        ({"title": " "}, "invalid", "title"),
        ({"bid_close_at": timezone.now() - datetime.timedelta(days=2)}, "invalid", "bid_close_at"),
        ({"min_valid_bids": 0}, "invalid", "min_valid_bids"),
        ({"funding_source": "lottery"}, "invalid", "funding_source"),
    ],
)
def test_bad_terms_are_refused_and_nothing_is_created(pw, overrides, code, field):
    with pytest.raises(ValidationFailed) as exc:
        services.project_create(actor=pw.drafter, street=pw.world.street_a, terms=terms(**overrides))
    assert (exc.value.code, exc.value.field) == (code, field)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc.value.message))
    assert not Project.objects.exists()


def test_only_the_streets_officials_draft_its_projects(pw):
    for outsider in (pw.world.official_b, pw.world.worker_a, pw.world.resident, pw.world.district_admin):
        with pytest.raises(PermissionDenied):
            services.project_create(actor=outsider, street=pw.world.street_a, terms=terms())
    with pytest.raises(ValidationFailed):
        services.project_create(
            actor=pw.drafter, street=pw.world.street_a, terms=terms(community=pw.world.community_b)
        )


def test_approval_needs_a_second_official_of_the_same_street(pw):
    project = services.project_create(actor=pw.drafter, street=pw.world.street_a, terms=terms())
    services.project_submit(actor=pw.drafter, project=project)
    with pytest.raises(GuardFailed) as exc:
        services.project_approve(actor=pw.drafter, project=project)
    assert exc.value.code == "same_official"
    with pytest.raises(PermissionDenied):
        services.project_approve(actor=pw.world.official_b, project=project)
    services.project_approve(actor=pw.approver, project=project)
    project.refresh_from_db()
    assert project.status == ProjectStatus.APPROVED and project.approved_by == pw.approver


def test_publish_creates_the_sealing_key(pw):
    project = pw.published()
    assert project.status == ProjectStatus.PUBLISHED and project.published_at
    assert ProjectKey.objects.filter(project=project).exists()
    assert "gAAAA" in ProjectKey.objects.get(project=project).wrapped_key  # the key is itself encrypted


# --- bids and the deadline ------------------------------------------------------------------
def test_deadline_is_the_server_clock_t_minus_one_second_and_t(pw, time_machine):
    project = pw.published()
    close = project.bid_close_at
    time_machine.move_to(close - datetime.timedelta(seconds=1), tick=False)
    bid = pw.bid(project, 0)
    assert bid.status == BidStatus.SUBMITTED
    time_machine.move_to(close, tick=False)
    with pytest.raises(ValidationFailed) as exc:
        pw.bid(project, 1)
    assert exc.value.code == "deadline"
    # The closing task has not run: the project still says "published", the clock still wins.
    project.refresh_from_db()
    assert project.status == ProjectStatus.PUBLISHED
    assert not Bid.objects.filter(organization=pw.orgs[1]).exists()


def test_price_above_ceiling_is_refused(pw):
    project = pw.published()
    with pytest.raises(ValidationFailed) as exc:
        pw.bid(project, 0, price_fen=project.budget_ceiling_fen + 1)
    assert exc.value.code == "over_ceiling" and "预算上限" in str(exc.value.message)
    assert not Bid.objects.exists()
    assert pw.bid(project, 0, price_fen=project.budget_ceiling_fen).status == BidStatus.SUBMITTED


@pytest.mark.parametrize("status", ["pending", "rejected", "suspended"])
def test_only_verified_unsuspended_organisations_may_bid(pw, status):
    project = pw.published()
    org = pw.orgs[0]
    org.status = status
    org.save()
    with pytest.raises(ValidationFailed) as exc:
        pw.bid(project, 0)
    assert exc.value.code == "not_eligible"
    assert not Bid.objects.exists()


def test_grade_and_category_eligibility(pw):
    project = pw.published(min_grade="3A", required_categories=["daily_life"])
    with pytest.raises(ValidationFailed) as exc:
        pw.bid(project, 0)
    assert "3A" in str(exc.value.message)
    org = pw.orgs[0]
    org.grade, org.grade_expires_on = "4A", timezone.localdate() + datetime.timedelta(days=100)
    org.save()
    assert pw.bid(project, 0).status == BidStatus.SUBMITTED
    org2 = pw.orgs[1]
    org2.grade, org2.grade_expires_on, org2.category = (
        "5A",
        timezone.localdate() - datetime.timedelta(days=1),
        "daily_life",
    )
    org2.save()
    with pytest.raises(ValidationFailed):  # grade expired
        pw.bid(project, 1)


def test_missing_declaration_is_refused(pw):
    project = pw.published()
    with pytest.raises(ValidationFailed) as exc:
        services.bid_submit(
            actor=pw.org_admins[0],
            project=project,
            org=pw.orgs[0],
            contents=contents(declarations={"no_collusion": True, "truthful": True}),
        )
    assert exc.value.field == "declarations"


def test_only_the_organisations_members_bid_for_it(pw):
    project = pw.published()
    with pytest.raises(PermissionDenied):
        services.bid_submit(actor=pw.org_admins[1], project=project, org=pw.orgs[0], contents=contents())
    with pytest.raises(PermissionDenied):
        services.bid_submit(actor=pw.world.official_a, project=project, org=pw.orgs[0], contents=contents())


def test_withdraw_and_resubmit_keep_one_bid_with_a_new_receipt(pw):
    project = pw.published()
    first = pw.bid(project, 0, price_fen=20_000_000)
    services.bid_withdraw(actor=pw.org_admins[0], bid=first)
    again = pw.bid(project, 0, price_fen=19_000_000)
    assert again.pk == first.pk and again.status == BidStatus.SUBMITTED
    assert again.content_hash != first.content_hash and len(again.content_hash) == 64
    assert Bid.objects.count() == 1


# --- sealed bids ----------------------------------------------------------------------------
def test_bid_contents_are_encrypted_at_rest(pw):
    project = pw.published()
    bid = pw.bid(project, 0, price_fen=23_456_789)
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed_contents, price_fen FROM procurement_bid WHERE id = %s", [bid.pk])
        sealed, price = cursor.fetchone()
    assert "23456789" not in sealed and "中央厨房" not in sealed
    assert price is None  # the price is only written at opening


def test_before_opening_only_the_bidder_reads_the_bid(pw):
    project = pw.published()
    bid = pw.bid(project, 0, price_fen=23_456_789)
    assert selectors.bid_contents(viewer=pw.org_admins[0], bid=bid)["price_fen"] == 23_456_789
    superuser = UserFactory(is_superuser=True, is_staff=True)
    grant(superuser, "district_admin", pw.world.district)
    for outsider in (
        pw.drafter,
        pw.approver,
        pw.world.district_admin,
        superuser,
        pw.org_admins[1],
        pw.world.resident,
    ):
        with pytest.raises(NotFound):
            selectors.bid_contents(viewer=outsider, bid=bid)
    # Only the count is public before opening.
    assert selectors.public_bid_count(project) == 1


def test_opening_unseals_every_valid_bid_once_and_then_the_street_reads_them(pw, time_machine):
    project = pw.published()
    for i, price in enumerate((21_000_000, 22_000_000, 23_000_000)):
        pw.bid(project, i, price_fen=price)
    with pytest.raises(ValidationFailed):  # before the deadline nothing opens
        services.project_open_bids(actor=pw.drafter, project=project)
    time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1))
    with pytest.raises(PermissionDenied):
        services.project_open_bids(actor=pw.world.official_b, project=project)
    services.project_open_bids(actor=pw.drafter, project=project)
    project.refresh_from_db()
    assert project.status == ProjectStatus.OPENED and project.opened_at
    assert sorted(Bid.objects.values_list("price_fen", flat=True)) == [21_000_000, 22_000_000, 23_000_000]
    assert set(Bid.objects.values_list("status", flat=True)) == {BidStatus.OPENED}
    assert AuditEntry.objects.filter(action="procurement.bids.opened").count() == 1
    bid = Bid.objects.get(organization=pw.orgs[0])
    assert selectors.bid_contents(viewer=pw.world.district_admin, bid=bid)["proposal"].startswith("中央厨房")
    assert AuditEntry.objects.filter(action="procurement.bid.read", actor=pw.world.district_admin).exists()
    with pytest.raises(NotFound):
        selectors.bid_contents(viewer=pw.org_admins[1], bid=bid)
    assert Notification.objects.filter(recipient=pw.org_admins[0], title__contains="已开标").exists()


def test_fewer_valid_bids_than_the_minimum_fails_and_republishes_as_a_new_round(pw, time_machine):
    project = pw.published()
    pw.bid(project, 0)
    pw.bid(project, 1)
    time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1))
    services.project_open_bids(actor=pw.drafter, project=project)
    project.refresh_from_db()
    assert project.status == ProjectStatus.FAILED
    assert set(Bid.objects.values_list("price_fen", flat=True)) == {None}  # nothing was unsealed
    now = timezone.now()
    new = services.project_republish(
        actor=pw.drafter, project=project, bid_open_at=now, bid_close_at=now + datetime.timedelta(days=7)
    )
    assert new.status == ProjectStatus.DRAFT and new.previous_round == project
    assert list(new.criteria.values_list("name", "weight")) == list(
        project.criteria.values_list("name", "weight")
    )
    with pytest.raises(ValidationFailed):
        services.project_republish(
            actor=pw.drafter, project=project, bid_open_at=now, bid_close_at=now + datetime.timedelta(days=7)
        )


def test_closing_task_respects_the_clock_and_is_idempotent(pw, time_machine):
    project = pw.published()
    close_bidding.call(project.pk)
    project.refresh_from_db()
    assert project.status == ProjectStatus.PUBLISHED  # too early: nothing happens
    time_machine.move_to(project.bid_close_at)
    close_bidding.call(project.pk)
    close_bidding.call(project.pk)
    project.refresh_from_db()
    assert project.status == ProjectStatus.BIDDING_CLOSED


# --- terms and Q&A --------------------------------------------------------------------------
def test_changed_terms_invalidate_submitted_bids_and_tell_the_bidders(pw):
    project = pw.published()
    bid = pw.bid(project, 0)
    new_terms = terms(
        budget_ceiling_fen=28_000_000, bid_close_at=project.bid_close_at + datetime.timedelta(days=3)
    )
    with pytest.raises(ValidationFailed):
        services.project_change_terms(actor=pw.drafter, project=project, terms=new_terms, reason=" ")
    services.project_change_terms(actor=pw.drafter, project=project, terms=new_terms, reason="预算调整")
    bid.refresh_from_db()
    project.refresh_from_db()
    assert bid.status == BidStatus.INVALIDATED and project.terms_version == 2
    assert Notification.objects.filter(recipient=pw.org_admins[0], title__contains="条款已变更").exists()
    assert selectors.public_bid_count(project) == 0
    resubmitted = pw.bid(project, 0, price_fen=27_000_000)
    assert resubmitted.status == BidStatus.SUBMITTED and resubmitted.terms_version == 2


def test_late_answer_extends_the_window(pw):
    project = pw.published(bid_close_at=timezone.now() + datetime.timedelta(days=1))
    question = services.question_ask(
        actor=pw.org_admins[0], project=project, org=pw.orgs[0], text="送餐是否包含周末?"
    )
    with pytest.raises(PermissionDenied):
        services.question_answer(actor=pw.world.official_b, question=question, answer="包含")
    before = project.bid_close_at
    services.question_answer(actor=pw.drafter, question=question, answer="包含周末和节假日。")
    project.refresh_from_db()
    assert project.bid_close_at - timezone.now() >= services.QA_MIN_NOTICE - datetime.timedelta(seconds=5)
    assert project.bid_close_at > before


def test_early_answer_keeps_the_window(pw):
    project = pw.published()
    question = services.question_ask(
        actor=pw.org_admins[0], project=project, org=pw.orgs[0], text="服务对象名单由谁提供?"
    )
    before = project.bid_close_at
    services.question_answer(actor=pw.drafter, question=question, answer="由社区提供。")
    project.refresh_from_db()
    assert project.bid_close_at == before


def test_cancel_needs_a_reason_and_the_district_may_cancel(pw):
    project = pw.published()
    with pytest.raises(ValidationFailed):
        services.project_cancel(actor=pw.drafter, project=project, reason="")
    services.project_cancel(actor=pw.world.district_admin, project=project, reason="资金调整")
    project.refresh_from_db()
    assert project.status == ProjectStatus.CANCELLED and project.cancel_reason == "资金调整"


def test_public_list_hides_drafts_and_counts_bids_with_constant_queries(pw, django_assert_max_num_queries):
    services.project_create(actor=pw.drafter, street=pw.world.street_a, terms=terms(title="草稿项目"))
    project = pw.published()
    pw.bid(project, 0)
    listed = list(selectors.project_list_public())
    assert [p.title for p in listed] == [project.title]
    assert listed[0].bid_count == 1
    for i in range(5):
        pw.published(title=f"项目{i}")
    with django_assert_max_num_queries(1):
        rows = [(p.title, p.street.name, p.bid_count) for p in selectors.project_list_public()]
    assert len(rows) == 6


def test_other_street_org_can_bid_if_verified(pw):
    project = pw.published()
    org = OrganizationFactory(street=pw.world.street_b, status="verified")
    admin = UserFactory()
    grant(admin, "org_admin", org)
    bid = services.bid_submit(actor=admin, project=project, org=org, contents=contents())
    assert bid.status == BidStatus.SUBMITTED
