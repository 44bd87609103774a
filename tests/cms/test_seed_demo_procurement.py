"""The demo's service projects: every status across the five streets, made through the services
by the right people, on a calendar that reads true, with no bid leaking before its opening."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone

from cms.demo import DEMO_PASSWORD, users
from cms.demo import procurement as plans
from cms.demo.places import STREETS
from marketplace.accounts.models import RoleAssignment, User
from marketplace.core.lifecycle import TransitionLog
from marketplace.core.models import AuditEntry, Notification, PrivateFile
from marketplace.core.money import fen_to_yuan_str
from marketplace.core.roles import Role
from marketplace.procurement import selectors, transitions
from marketplace.procurement.choices import (
    BidStatus,
    MilestoneStatus,
    ObjectionStatus,
    PaymentSource,
    ProjectStatus,
)
from marketplace.procurement.models import (
    Bid,
    BidResult,
    ConflictDeclaration,
    Contract,
    Milestone,
    MilestoneReport,
    Objection,
    Payment,
    Project,
    Question,
    Rating,
    Score,
)
from tests.cms.conftest import seed_steps_up_to
from tests.factories import enable_mfa

P = ProjectStatus
SEALED = (P.PUBLISHED, P.BIDDING_CLOSED)


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def private_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("private")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, private_dir):
    """Seeding takes a while, so the module seeds once, inside a transaction rolled back at the
    end: each test runs in a savepoint of it (the ``db`` fixture), and the rest of the suite
    starts from an empty database. The demo's files go to a temporary folder; the steps after
    the service projects are left out (nothing here needs them)."""
    private = private_dir
    storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": private},
    }
    with (
        django_db_blocker.unblock(),
        override_settings(STORAGES={**settings.STORAGES, "private": storage}),
        pytest.MonkeyPatch.context() as patch,
    ):
        seed_steps_up_to(patch, plans.seed_projects)
        storages._storages.pop("private", None)
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield seed()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            storages._storages.pop("private", None)


@pytest.fixture
def demo(seeded, db) -> str:
    return seeded


def _plan(title: str) -> plans.DemoProject:
    return next(p for p in plans.PROJECTS if p.title == title)


def _one(status: str) -> Project:
    return Project.objects.filter(status=status).order_by("pk").first()


def _counts() -> dict:
    models = [
        Project,
        Bid,
        Question,
        BidResult,
        Score,
        ConflictDeclaration,
        Objection,
        Contract,
        Milestone,
        MilestoneReport,
        Payment,
        Rating,
        PrivateFile,
        User,
        RoleAssignment,
        AuditEntry,
        TransitionLog,
        Notification,
    ]
    return {m.__name__: m.objects.count() for m in models}


# --- what there is --------------------------------------------------------------------------
def test_every_status_occurs_and_every_street_buys(demo):
    statuses = set(Project.objects.values_list("status", flat=True))
    assert statuses == set(ProjectStatus.values)
    per_street = dict(Project.objects.values_list("street__name").annotate(n=Count("id")))
    assert set(per_street) == {name for _, name, _ in STREETS}
    assert all(n >= 4 for n in per_street.values()), per_street
    for name, n_statuses in Project.objects.values_list("street__name").annotate(
        n=Count("status", distinct=True)
    ):
        assert n_statuses >= 4, name
    # Budgets of 5 to 60万元, in fen; every category is bought somewhere.
    budgets = list(Project.objects.values_list("budget_ceiling_fen", flat=True))
    assert min(budgets) >= 5_000_000 and max(budgets) <= 60_000_000
    assert len(set(Project.objects.values_list("category", flat=True))) == 4
    assert "服务项目" in demo and "投标" in demo


def test_projects_are_complete_and_realistic(demo):
    for project in Project.objects.all():
        assert project.description and project.service_targets and project.performance_goals
        criteria = list(project.criteria.all())
        assert sum(c.weight for c in criteria) == 100
        assert [c.is_price for c in criteria].count(True) == 1
    # Published projects take bids and questions; only the answered questions are public.
    for project in Project.objects.filter(status=P.PUBLISHED, previous_round__isnull=True):
        assert project.bidding_is_open()
        assert project.bids.filter(status=BidStatus.SUBMITTED).count() >= 2
        assert project.questions.filter(answered_at__isnull=False).exists()
        assert project.questions.filter(answered_at__isnull=True).exists()
    assert Question.objects.filter(answered_at__isnull=False).count() >= 15


def test_everything_was_made_through_the_services_by_the_right_people(demo):
    for project in Project.objects.exclude(status=P.DRAFT):
        creation = AuditEntry.objects.get(action="procurement.project.create", object_id=str(project.pk))
        officials = set(
            RoleAssignment.objects.active()
            .filter(role=Role.STREET_OFFICIAL, scope_kind="street", scope_id=project.street_id)
            .values_list("user_id", flat=True)
        )
        assert len(officials) == 2
        assert creation.actor_id == project.created_by_id in officials
        history = transitions.PROJECT.history(project)
        # The transition log ends in the project's status.
        assert history.order_by("-pk").first().to_state == project.status
        if project.status == P.PENDING_APPROVAL:
            continue
        # 双人把关: approved by the street's other official.
        approval = history.get(code="approve")
        assert approval.actor_id in officials and approval.actor_id != project.created_by_id
    for bid in Bid.objects.select_related("organization"):
        submit = transitions.BID.history(bid).get(code="submit")
        assert (
            RoleAssignment.objects.active()
            .filter(
                user_id=submit.actor_id,
                role=Role.ORG_ADMIN,
                scope_kind="organization",
                scope_id=bid.organization_id,
            )
            .exists()
        )
    # Evaluators declared, then scored; no evaluator holds a role in a bidding organisation.
    for score in Score.objects.select_related("bid"):
        assert ConflictDeclaration.objects.filter(
            project=score.bid.project_id, evaluator=score.evaluator
        ).exists()
    experts = User.objects.filter(username__startswith="demo-expert")
    assert not RoleAssignment.objects.filter(
        user__in=experts, role__in=[Role.ORG_ADMIN, Role.ORG_MEMBER]
    ).exists()
    assert (
        AuditEntry.objects.filter(action="procurement.bids.opened").count()
        == Project.objects.filter(opened_at__isnull=False).count()
    )


def test_the_evaluation_and_the_award_follow_the_ranking(demo):
    for project in Project.objects.filter(status__in=selectors.RESULT_PUBLIC_STATUSES | {P.AWARD_PROPOSED}):
        winner = BidResult.objects.get(bid__project=project, rank=1).bid
        assert project.awarded_bid_id == winner.pk
        assert winner.organization.name == _plan(project.title).bidders[0].org
        assert project.evaluation_report
    disqualified = Bid.objects.get(status=BidStatus.DISQUALIFIED)
    assert not BidResult.objects.filter(bid=disqualified).exists()
    assert disqualified.project.status == P.COMPLETED
    # The opened project waits for the demo evaluator, who is appointed but has not scored.
    opened = _one(P.OPENED)
    expert = User.objects.get(email=users.EVALUATORS[0][1])
    assert expert in selectors.project_evaluators(opened)
    assert not ConflictDeclaration.objects.filter(project=opened, evaluator=expert).exists()
    assert Score.objects.filter(bid__project=opened).exists()
    assert selectors.evaluation_missing(opened)
    assert selectors.project_evaluators(_one(P.BIDDING_CLOSED)).count() == 3


def test_objections_during_publicity(demo):
    publicity = _one(P.PUBLICITY)
    assert publicity.publicity_ends_at > timezone.now()
    assert publicity.objections.get().status == ObjectionStatus.OPEN
    awarded = _one(P.AWARDED)
    answered = awarded.objections.get()
    assert answered.status == ObjectionStatus.DISMISSED and answered.response
    assert answered.submitted_at < awarded.publicity_ends_at < timezone.now()
    assert awarded.bids.filter(status=BidStatus.WON).count() == 1
    assert awarded.bids.filter(status=BidStatus.LOST).count() == 2


def test_a_completed_project_has_paid_milestones_and_a_rating(demo):
    completed = Project.objects.filter(status=P.COMPLETED)
    assert completed.count() >= 3
    for project in completed:
        contract = project.contract
        assert contract.completed_at is not None and contract.completed_at < timezone.now()
        rating = Rating.objects.get(contract=contract)
        assert 1 <= rating.score <= 5 and rating.comment
        milestones = list(contract.milestones.all())
        assert milestones and {m.status for m in milestones} == {MilestoneStatus.PAID}
        assert sum(m.payment.amount_fen for m in milestones) == contract.amount_fen
        for m in milestones:
            assert m.reports.filter(reviewed_at__isnull=False).exists()
        assert project.service_end < timezone.localdate()
    # The fund-financed one was paid through the fund's hand-over.
    fund = Payment.objects.filter(source=PaymentSource.FUND, milestone__status=MilestoneStatus.PAID)
    assert fund.exists() and all(p.fund_disbursement_ref for p in fund)
    assert selectors.organization_track_record(completed.first().contract.organization).exists()


def test_projects_in_delivery_show_each_milestone_state(demo, private_dir):
    in_delivery = Project.objects.filter(status=P.IN_DELIVERY)
    assert in_delivery.count() >= 2
    states = set(Milestone.objects.filter(contract__project__in=in_delivery).values_list("status", flat=True))
    assert {MilestoneStatus.PAID, MilestoneStatus.SUBMITTED, MilestoneStatus.PENDING} <= states
    assert states >= {MilestoneStatus.ACCEPTED}  # a fund payment waiting for its disbursement
    assert selectors.fund_payment_requests().exists()
    returned = MilestoneReport.objects.filter(
        milestone__contract__project__in=in_delivery, review_note=plans.RETURN_REASON
    )
    assert returned.count() == 1
    assert Contract.objects.filter(project__in=in_delivery, amendments__isnull=False).exists()
    # Evidence is a real PDF, kept as a private file.
    report = MilestoneReport.objects.exclude(evidence_file_ids=[]).first()
    record = PrivateFile.objects.get(pk=report.evidence_file_ids[0])
    assert record.purpose == "milestone_evidence"
    assert (private_dir / record.stored_name).read_bytes()[:5] == b"%PDF-"


def test_failed_project_is_republished_as_a_next_round(demo):
    failed = _one(P.FAILED)
    assert failed.bids.filter(status=BidStatus.SUBMITTED).count() < failed.min_valid_bids
    assert failed.opened_at is None  # nothing was unsealed
    following = Project.objects.get(previous_round=failed)
    assert following.status == P.PUBLISHED and following.title == failed.title
    assert following.bidding_is_open() and following.bids.count() == 1


def test_cancelled_project_keeps_its_reason_and_told_the_bidder(demo):
    cancelled = _one(P.CANCELLED)
    assert cancelled.cancel_reason == _plan(cancelled.title).cancel_reason
    bidder = cancelled.bids.get().organization
    admin = RoleAssignment.objects.get(
        role=Role.ORG_ADMIN, scope_kind="organization", scope_id=bidder.pk
    ).user
    assert Notification.objects.filter(recipient=admin, title__contains="已取消").exists()


def test_the_calendar_reads_true(demo):
    now = timezone.now()
    for project in Project.objects.exclude(status__in=[P.DRAFT, P.PENDING_APPROVAL, P.APPROVED]):
        assert project.bid_open_at < project.bid_close_at
        assert project.published_at <= now
        assert project.service_start >= timezone.localtime(project.bid_close_at).date()
        if project.opened_at:
            assert project.bid_close_at < project.opened_at < now
        for question in project.questions.all():
            assert question.asked_at <= now
            if question.answered_at:
                assert question.asked_at < question.answered_at <= now
    for status in [P.PUBLISHED, P.APPROVED, P.PENDING_APPROVAL, P.DRAFT]:
        assert all(p.bid_close_at > now for p in Project.objects.filter(status=status))
    for status in [P.BIDDING_CLOSED, P.OPENED, P.EVALUATED, P.COMPLETED, P.FAILED]:
        assert all(p.bid_close_at < now for p in Project.objects.filter(status=status))
    for contract in Contract.objects.select_related("project"):
        assert contract.project.publicity_ends_at < contract.signed_at < now
    # Completed work lies in the past: a year ago, not today.
    oldest = Project.objects.filter(status=P.COMPLETED).order_by("bid_close_at").first()
    assert (now - oldest.bid_close_at).days > 300


# --- sealed bids ----------------------------------------------------------------------------
def _sealed_secrets() -> list[tuple[Project, list[str]]]:
    """For every project still sealed, what its bids hold: prices, proposals, bidder names."""
    out = []
    for project in Project.objects.filter(status__in=SEALED):
        plan = _plan(project.title)
        bidders = plan.next_round[1] if project.previous_round_id else plan.bidders
        secrets = []
        for bidder in bidders:
            price = fen_to_yuan_str(plans.price_fen(bidder))
            secrets += [price, price.replace(",", ""), bidder.org, PROPOSAL_MARK]
        assert project.bids.exclude(status=BidStatus.DRAFT).count() == len(bidders)
        out.append((project, secrets))
    return out


PROPOSAL_MARK = "服务方案:"


def test_no_bid_contents_leak_before_opening(demo, client):
    sealed = _sealed_secrets()
    assert len(sealed) >= 4
    for bid in Bid.objects.filter(project__status__in=SEALED):
        assert bid.price_fen is None and bid.sealed_contents and bid.content_hash
    street_official = User.objects.get(email="street@taihe.example")
    enable_mfa(street_official)
    for viewer in (None, street_official):
        if viewer:
            client.force_login(viewer)
        listing = client.get("/projects/")
        assert listing.status_code == 200
        text = listing.content.decode()
        api_list = client.get("/api/v1/projects/?page_size=100").content.decode()
        for project, secrets in sealed:
            assert project.title in text
            page = client.get(f"/projects/{project.pk}/")
            assert page.status_code == 200
            body = page.content.decode()
            assert project.title in body
            api = client.get(f"/api/v1/projects/{project.pk}/")
            assert api.status_code == 200
            for secret in secrets:
                assert secret not in body, (project.title, secret)
                assert secret not in api.content.decode(), (project.title, secret)
                if secret != PROPOSAL_MARK and not secret[0].isdigit():
                    assert secret not in text, (project.title, secret)
            for price in secrets[::4]:
                assert price not in text and price not in api_list


def test_every_public_project_page_renders(demo, client):
    public = Project.objects.filter(status__in=selectors.PUBLIC_STATUSES)
    assert public.count() >= 15
    for project in public:
        assert client.get(f"/projects/{project.pk}/").status_code == 200
    # The result of a project past publicity is public: the winner and its price.
    awarded = _one(P.AWARDED)
    winner = Bid.objects.get(pk=awarded.awarded_bid_id)
    body = client.get(f"/projects/{awarded.pk}/").content.decode()
    assert winner.organization.name in body and fen_to_yuan_str(winner.price_fen) in body


# --- logins and re-runs ---------------------------------------------------------------------
def test_demo_logins_for_the_approver_and_the_evaluator(demo, client):
    for email in ("street2@taihe.example", users.EVALUATORS[0][1]):
        assert email in demo
        response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302
        client.logout()
    approver = User.objects.get(email="street2@taihe.example")
    pending = Project.objects.get(status=P.PENDING_APPROVAL, street__code=STREETS[0][0])
    assert "approve" in [t.code for t in transitions.PROJECT.available(pending, approver)]
    # The other streets' officials have no password: they act in the demo, nobody logs in as them.
    others = User.objects.filter(username__startswith="demo-official-")
    assert others.count() == 8 and not any(u.has_usable_password() for u in others)


def test_second_run_adds_nothing(demo):
    before = _counts()
    out = seed()
    assert _counts() == before
    assert "未新建任何记录" in out


def test_reseeding_keeps_a_streets_later_changes(demo):
    project = _one(P.APPROVED)
    Project.objects.filter(pk=project.pk).update(description="街道改过的项目内容")
    seed()
    project.refresh_from_db()
    assert project.description == "街道改过的项目内容"
    assert Project.objects.filter(title=project.title).count() == 1
