"""From an awarded project to a completed, rated contract: signing with milestones, amendments,
delivery reports with evidence, acceptance or return, payments (fiscal and fund), completion,
the rating on the organisation's record; and the races on PostgreSQL."""

import datetime
import threading
from dataclasses import dataclass

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from marketplace.core.exceptions import (
    DomainError,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from marketplace.core.files import private_file_open
from marketplace.core.models import AuditEntry, Notification, PrivateFile, TransitionLog
from marketplace.core.roles import Role
from marketplace.organizations import selectors as org_selectors
from marketplace.procurement import selectors, services, transitions
from marketplace.procurement.choices import MilestoneStatus, PaymentSource, ProjectStatus
from marketplace.procurement.models import (
    Bid,
    Contract,
    ContractAmendment,
    Milestone,
    MilestoneReport,
    Payment,
    Project,
    Rating,
)
from marketplace.procurement.services import MilestoneTerms, split_amount
from tests.factories import CohortFactory, IncubationFactory, UserFactory, grant

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PRICES = (21_000_000, 22_000_000, 23_000_000)


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


@dataclass
class Awarded:
    pw: object
    project: Project
    winner: Bid
    official: object  # the street official who signs and reviews

    @property
    def org(self):
        return self.winner.organization

    @property
    def org_admin(self):
        return self.pw.org_admins[0]

    def refresh(self) -> Project:
        self.project.refresh_from_db()
        return self.project


@pytest.fixture
def make_awarded(pw, time_machine):
    """An awarded project, made without the evaluation services (built alongside): published and
    bid through the services, opened after the deadline, then the remaining moves made on the
    lifecycle table directly; organisation 0 wins with the lowest price."""

    def make(**overrides) -> Awarded:
        project = pw.published(**overrides)
        for i, price in enumerate(PRICES):
            pw.bid(project, i, price_fen=price)
        time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1))
        services.project_open_bids(actor=pw.drafter, project=project)
        winner = Bid.objects.select_related("organization").get(project=project, organization=pw.orgs[0])
        transitions.PROJECT.perform(project, "evaluate", actor=pw.approver)
        transitions.PROJECT.perform(
            project, "propose_award", actor=pw.approver, fields={"awarded_bid": winner}
        )
        transitions.PROJECT.perform(project, "start_publicity", actor=pw.approver)
        transitions.PROJECT.perform(project, "confirm_award", actor=pw.approver)
        for bid in Bid.objects.filter(project=project):
            transitions.BID.perform(bid, "win" if bid.pk == winner.pk else "lose", actor=pw.approver)
        project.refresh_from_db()
        winner.refresh_from_db()
        assert project.status == ProjectStatus.AWARDED and project.awarded_bid_id == winner.pk
        return Awarded(pw=pw, project=project, winner=winner, official=pw.drafter)

    return make


@pytest.fixture
def awarded(make_awarded) -> Awarded:
    return make_awarded()


def plan(project, percents=(30, 40, 30)) -> list[MilestoneTerms]:
    """Milestones spread evenly over the service period, the last due on its final day."""
    start, span = project.service_start, (project.service_end - project.service_start).days
    return [
        MilestoneTerms(
            f"第{i}期服务",
            p,
            start + datetime.timedelta(days=span * i // len(percents)),
            f"第{i}期服务台账与满意度调查",
        )
        for i, p in enumerate(percents, start=1)
    ]


def signed(a: Awarded, *, percents=(30, 40, 30), amount_fen=None, start=True) -> Contract:
    contract = services.contract_sign(
        actor=a.official,
        project=a.project,
        amount_fen=amount_fen,
        terms="按服务方案提供助餐服务。",
        milestones=plan(a.project, percents),
    )
    if start:
        services.delivery_start(actor=a.official, project=a.project)
    a.refresh()
    return contract


def milestones(contract) -> list[Milestone]:
    return list(Milestone.objects.filter(contract=contract).order_by("seq"))


def report(a: Awarded, milestone, *uploads) -> MilestoneReport:
    return services.milestone_report_submit(
        actor=a.org_admin, milestone=milestone, content="本期完成送餐3600人次。", evidence_uploads=uploads
    )


def deliver(a: Awarded, milestone, **accept) -> Milestone:
    report(a, milestone)
    return services.milestone_accept(actor=a.official, milestone=milestone, note="符合要求", **accept)


def is_chinese(message) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in str(message))


def snapshot() -> tuple:
    """Everything the contract services write, to show that a refusal changed nothing."""
    return (
        list(Project.objects.order_by("pk").values_list("pk", "status")),
        list(Contract.objects.order_by("pk").values_list("pk", "amount_fen", "completed_at")),
        list(Milestone.objects.order_by("pk").values_list("pk", "status", "amount_fen")),
        list(MilestoneReport.objects.order_by("pk").values_list("pk", "review_note")),
        list(Payment.objects.order_by("pk").values_list("pk", "source", "fund_disbursement_ref")),
        ContractAmendment.objects.count(),
        Rating.objects.count(),
        PrivateFile.objects.count(),
        TransitionLog.objects.count(),
    )


# --- signing --------------------------------------------------------------------------------
def test_signing_makes_the_contract_and_its_milestones_summing_to_the_amount(awarded):
    a = awarded
    contract = signed(a, start=False)
    assert a.project.status == ProjectStatus.CONTRACTED
    assert contract.amount_fen == a.winner.price_fen == PRICES[0]  # defaults to the winning price
    assert (contract.organization, contract.bid, contract.signed_by) == (a.org, a.winner, a.official)
    rows = milestones(contract)
    assert [(m.seq, m.percent, m.amount_fen) for m in rows] == [
        (1, 30, 6_300_000),
        (2, 40, 8_400_000),
        (3, 30, 6_300_000),
    ]
    assert {m.status for m in rows} == {MilestoneStatus.PENDING}
    assert AuditEntry.objects.filter(action="procurement.contract.sign", object_id=str(contract.pk)).exists()
    assert transitions.PROJECT.history(a.project).filter(code="sign_contract").count() == 1
    assert Notification.objects.filter(recipient=a.org_admin, title__contains="合同已签订").exists()


def test_odd_fen_fall_on_the_last_milestone(awarded):
    contract = signed(awarded, percents=(33, 33, 34), amount_fen=10_000_001, start=False)
    amounts = [m.amount_fen for m in milestones(contract)]
    # floor(10000001 * 33 / 100) = 3300000 twice; the last takes the remainder.
    assert amounts == [3_300_000, 3_300_000, 3_400_001]
    assert sum(amounts) == contract.amount_fen


@given(
    total=st.integers(min_value=1, max_value=10**12),
    weights=st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=12),
)
def test_split_amount_always_sums_exactly_and_floors_all_but_the_last(total, weights):
    shares = split_amount(total, weights)
    assert sum(shares) == total and len(shares) == len(weights)
    assert shares[:-1] == [total * w // sum(weights) for w in weights[:-1]]
    assert shares[-1] >= total * weights[-1] // sum(weights)


def _row(project, **changes):
    values = {
        "title": "第1期",
        "percent": 100,
        "due_on": project.service_start + datetime.timedelta(days=30),
        "deliverables": "服务台账",
    }
    values.update(changes)
    return MilestoneTerms(**values)


@pytest.mark.parametrize(
    ("make_rows", "amount_fen", "code", "field"),
    [
        (lambda p: [], None, "no_milestones", "milestones"),
        (lambda p: [_row(p, percent=30), _row(p, percent=40)], None, "percent_not_100", "milestones"),
        (lambda p: [_row(p, percent=60), _row(p, percent=50)], None, "percent_not_100", "milestones"),
        (lambda p: [_row(p, percent=0), _row(p, percent=100)], None, "invalid", "milestones"),
        (lambda p: [_row(p, percent=50.0), _row(p, percent=50)], None, "invalid", "milestones"),
        (lambda p: [_row(p, percent=True), _row(p, percent=99)], None, "invalid", "milestones"),
        (
            lambda p: [_row(p, due_on=p.service_start - datetime.timedelta(days=1))],
            None,
            "due_outside_service_period",
            "milestones",
        ),
        (
            lambda p: [_row(p, due_on=p.service_end + datetime.timedelta(days=1))],
            None,
            "due_outside_service_period",
            "milestones",
        ),
        (
            lambda p: [
                _row(p, percent=50, due_on=p.service_start + datetime.timedelta(days=60)),
                _row(p, percent=50, due_on=p.service_start + datetime.timedelta(days=30)),
            ],
            None,
            "due_out_of_order",
            "milestones",
        ),
        (lambda p: [_row(p, title=" ")], None, "invalid", "milestones"),
        (lambda p: [_row(p, deliverables="")], None, "invalid", "milestones"),
        (lambda p: [("只有名称", 100)], None, "invalid", "milestones"),
        (lambda p: [_row(p)], PRICES[0] + 1, "over_winning_price", "amount_fen"),
        (lambda p: [_row(p)], 0, "invalid", "amount_fen"),
        (lambda p: [_row(p)], 1_000_000.5, "invalid", "amount_fen"),
        (lambda p: [_row(p, percent=50), _row(p, percent=50)], 1, "amount_too_small", "amount_fen"),
    ],
)
def test_bad_contract_terms_are_refused_and_nothing_changes(awarded, make_rows, amount_fen, code, field):
    a = awarded
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.contract_sign(
            actor=a.official,
            project=a.project,
            amount_fen=amount_fen,
            terms="",
            milestones=make_rows(a.project),
        )
    assert (exc.value.code, exc.value.field) == (code, field)
    assert is_chinese(exc.value.message)
    assert snapshot() == before
    assert a.refresh().status == ProjectStatus.AWARDED


def test_milestone_terms_are_plain_tuples_too(awarded):
    """The service takes (title, percent, due_on, deliverables) tuples as well as MilestoneTerms."""
    a = awarded
    start = a.project.service_start
    contract = services.contract_sign(
        actor=a.official,
        project=a.project,
        terms="",
        milestones=[("首期", 50, start, "方案"), MilestoneTerms("末期", 50, a.project.service_end, "总结")],
    )
    assert [m.amount_fen for m in milestones(contract)] == [PRICES[0] // 2, PRICES[0] - PRICES[0] // 2]


def test_percentages_not_summing_to_100_say_so_in_chinese(awarded):
    with pytest.raises(ValidationFailed) as exc:
        services.contract_sign(
            actor=awarded.official,
            project=awarded.project,
            terms="",
            milestones=plan(awarded.project, (30, 30)),
        )
    assert str(exc.value.message) == "各节点付款比例之和须为100%,现为60%。"


def test_only_the_buying_streets_officials_sign(awarded):
    a = awarded
    before = snapshot()
    for outsider in (a.pw.world.official_b, a.pw.world.district_admin, a.org_admin, a.pw.world.resident):
        with pytest.raises(PermissionDenied):
            services.contract_sign(actor=outsider, project=a.project, terms="", milestones=plan(a.project))
    assert snapshot() == before


def test_only_an_awarded_project_is_signed_and_only_once(pw, awarded):
    a = awarded
    signed(a, start=False)
    with pytest.raises(ValidationFailed) as exc:
        services.contract_sign(actor=a.official, project=a.project, terms="", milestones=plan(a.project))
    assert exc.value.code == "not_awarded" and "已签约" in str(exc.value.message)
    assert Contract.objects.count() == 1
    published = pw.published(title="另一个项目")
    with pytest.raises(ValidationFailed) as exc:
        services.contract_sign(actor=a.official, project=published, terms="", milestones=plan(published))
    assert exc.value.code == "not_awarded"


def test_delivery_starts_after_signing_by_the_street(awarded):
    a = awarded
    with pytest.raises(TransitionNotAllowed):
        services.delivery_start(actor=a.official, project=a.project)  # nothing signed yet
    signed(a, start=False)
    with pytest.raises(PermissionDenied):
        services.delivery_start(actor=a.pw.world.official_b, project=a.project)
    with pytest.raises(PermissionDenied):
        services.delivery_start(actor=a.org_admin, project=a.project)
    services.delivery_start(actor=a.official, project=a.project)
    assert a.refresh().status == ProjectStatus.IN_DELIVERY
    assert Notification.objects.filter(recipient=a.org_admin, title__contains="已开始履约").exists()


# --- delivery reports and evidence ----------------------------------------------------------
def test_the_organisation_reports_with_evidence_kept_as_private_files(awarded, private_root):
    a = awarded
    first = milestones(signed(a))[0]
    done = report(a, first, SimpleUploadedFile("台账.pdf", PDF))
    first.refresh_from_db()
    assert first.status == MilestoneStatus.SUBMITTED
    assert done.submitted_by == a.org_admin and done.content.startswith("本期完成")
    [file_id] = done.evidence_file_ids
    stored = PrivateFile.objects.get(pk=file_id)
    assert (stored.purpose, stored.attached_to, stored.sensitive) == (
        "milestone_evidence",
        f"procurement.milestone:{first.pk}",
        True,
    )
    assert (private_root / stored.stored_name).exists()
    assert Notification.objects.filter(recipient=a.official, title__contains="提交了履约报告").exists()
    # A member (not only the admin) may report too.
    member = UserFactory()
    grant(member, Role.ORG_MEMBER, a.org)
    second = milestones(first.contract)[1]
    services.milestone_report_submit(actor=member, milestone=second, content="第二期报告")
    second.refresh_from_db()
    assert second.status == MilestoneStatus.SUBMITTED


def test_evidence_is_read_by_the_org_the_street_and_the_district_only(awarded):
    a = awarded
    first = milestones(signed(a))[0]
    done = report(a, first, SimpleUploadedFile("现场照片.pdf", PDF))
    file_id = done.evidence_file_ids[0]
    member = UserFactory()
    grant(member, Role.ORG_MEMBER, a.org)
    for reader in (a.org_admin, member, a.official, a.pw.approver, a.pw.world.district_admin):
        record, handle = private_file_open(user=reader, file_id=file_id)
        handle.close()
        assert str(record.pk) == file_id
    assert AuditEntry.objects.filter(action="core.privatefile.download", object_id=file_id).count() == 5
    for outsider in (a.pw.world.official_b, a.pw.org_admins[1], a.pw.world.worker_a, a.pw.world.resident):
        with pytest.raises(NotFound):
            private_file_open(user=outsider, file_id=file_id)
    assert [r.pk for r in selectors.milestone_reports(viewer=a.official, milestone=first)] == [done.pk]
    with pytest.raises(NotFound):
        selectors.milestone_reports(viewer=a.pw.org_admins[1], milestone=first)


def test_bad_evidence_is_refused_and_nothing_is_kept(awarded, private_root):
    a = awarded
    first = milestones(signed(a))[0]
    before = snapshot()
    files_before = sorted(p for p in private_root.rglob("*") if p.is_file())
    with pytest.raises(ValidationFailed) as exc:
        report(a, first, SimpleUploadedFile("台账.pdf", PDF), SimpleUploadedFile("病毒.pdf", b"MZ not a pdf"))
    assert exc.value.code == "file_type" and is_chinese(exc.value.message)
    with pytest.raises(ValidationFailed) as exc:
        report(a, first, SimpleUploadedFile("大.pdf", PDF + b"0" * (10 * 1024 * 1024)))
    assert exc.value.code == "file_too_large"
    with pytest.raises(ValidationFailed) as exc:
        services.milestone_report_submit(actor=a.org_admin, milestone=first, content="  ")
    assert exc.value.field == "content"
    assert snapshot() == before
    # The first, valid file of the refused report is not left behind in the private storage.
    assert sorted(p for p in private_root.rglob("*") if p.is_file()) == files_before


def test_reports_come_from_the_contracted_organisation_during_delivery(awarded):
    a = awarded
    contract = signed(a, start=False)
    first = milestones(contract)[0]
    with pytest.raises(ValidationFailed) as exc:
        report(a, first)  # contracted, delivery not started
    assert exc.value.code == "not_in_delivery"
    services.delivery_start(actor=a.official, project=a.project)
    for outsider in (a.pw.org_admins[1], a.official, a.pw.world.district_admin):
        with pytest.raises(PermissionDenied):
            services.milestone_report_submit(actor=outsider, milestone=first, content="冒名报告")
    report(a, first)
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        report(a, first)  # already waiting for review
    assert exc.value.code == "milestone_status"
    assert snapshot() == before


# --- review and payment ---------------------------------------------------------------------
def test_acceptance_releases_the_fiscal_payment_of_the_milestone_amount(awarded):
    a = awarded
    first = milestones(signed(a))[0]
    report(a, first)
    services.milestone_accept(actor=a.official, milestone=first, note="资料齐全,验收通过")
    first.refresh_from_db()
    assert first.status == MilestoneStatus.PAID
    payment = Payment.objects.get(milestone=first)
    assert (payment.amount_fen, payment.source, payment.fund_disbursement_ref, payment.recorded_by) == (
        first.amount_fen,
        PaymentSource.FISCAL,
        "",
        a.official,
    )
    reviewed = first.reports.get()
    assert (reviewed.review_note, reviewed.reviewed_by) == ("资料齐全,验收通过", a.official)
    assert [log.code for log in transitions.MILESTONE.history(first).order_by("pk")] == [
        "submit",
        "accept",
        "pay",
    ]
    assert AuditEntry.objects.filter(action="procurement.milestone.payment", object_id=str(first.pk)).exists()
    assert Notification.objects.filter(recipient=a.org_admin, title__contains="已验收通过").exists()


def test_only_a_submitted_report_is_reviewed_by_the_street(awarded):
    a = awarded
    first = milestones(signed(a))[0]
    with pytest.raises(ValidationFailed) as exc:
        services.milestone_accept(actor=a.official, milestone=first)
    assert exc.value.code == "milestone_status"
    report(a, first)
    before = snapshot()
    for outsider in (a.pw.world.official_b, a.org_admin, a.pw.world.district_admin):
        with pytest.raises(PermissionDenied):
            services.milestone_accept(actor=outsider, milestone=first)
        with pytest.raises(PermissionDenied):
            services.milestone_return(actor=outsider, milestone=first, reason="不合格")
    with pytest.raises(ValidationFailed) as exc:
        services.milestone_return(actor=a.official, milestone=first, reason=" ")
    assert exc.value.field == "reason"
    assert snapshot() == before


def test_a_returned_report_is_corrected_and_submitted_again(awarded):
    a = awarded
    first = milestones(signed(a))[0]
    report(a, first)
    services.milestone_return(actor=a.official, milestone=first, reason="缺少满意度调查表")
    first.refresh_from_db()
    assert first.status == MilestoneStatus.RETURNED
    note = Notification.objects.get(recipient=a.org_admin, title__contains="被退回修改")
    assert note.body == "缺少满意度调查表"
    assert transitions.MILESTONE.history(first).get(code="return").reason == "缺少满意度调查表"
    assert not Payment.objects.exists()
    deliver(a, first)
    first.refresh_from_db()
    assert first.status == MilestoneStatus.PAID and first.reports.count() == 2


def test_fund_payments_wait_for_the_funds_disbursement(make_awarded):
    a = make_awarded(funding_source="fund")
    first, second, _third = milestones(signed(a))
    report(a, first)
    with pytest.raises(ValidationFailed) as exc:
        services.milestone_accept(actor=a.official, milestone=first, source="fiscal")
    assert exc.value.code == "source_mismatch"
    services.milestone_accept(actor=a.official, milestone=first)
    deliver(a, second)
    first.refresh_from_db()
    assert first.status == MilestoneStatus.ACCEPTED  # paid only when the fund has disbursed
    payment = first.payment
    assert (payment.source, payment.fund_disbursement_ref, payment.amount_fen) == (
        PaymentSource.FUND,
        "",
        first.amount_fen,
    )
    assert [m.pk for m in selectors.fund_payment_requests()] == [first.pk, second.pk]

    # The hand-over: only the fund's disbursement service (the system) marks it paid.
    with pytest.raises(PermissionDenied):
        services.milestone_fund_disbursed(actor=a.official, milestone=first, disbursement_ref="D-1")
    with pytest.raises(ValidationFailed):
        services.milestone_fund_disbursed(actor=None, milestone=first, disbursement_ref=" ")
    services.milestone_fund_disbursed(actor=None, milestone=first, disbursement_ref="FUND-2026-0001")
    first.refresh_from_db()
    assert first.status == MilestoneStatus.PAID and first.payment.fund_disbursement_ref == "FUND-2026-0001"
    assert [m.pk for m in selectors.fund_payment_requests()] == [second.pk]
    with pytest.raises(ValidationFailed) as exc:
        services.milestone_fund_disbursed(actor=None, milestone=first, disbursement_ref="FUND-2026-0002")
    assert exc.value.code == "no_fund_request"


def test_both_sources_ask_which_one_pays(make_awarded):
    a = make_awarded(funding_source="both")
    first, second, _third = milestones(signed(a))
    report(a, first)
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.milestone_accept(actor=a.official, milestone=first)
    assert exc.value.code == "source_required" and is_chinese(exc.value.message)
    with pytest.raises(ValidationFailed) as exc:
        services.milestone_accept(actor=a.official, milestone=first, source="lottery")
    assert exc.value.code == "source_mismatch"
    assert snapshot() == before
    services.milestone_accept(actor=a.official, milestone=first, source="fiscal")
    deliver(a, second, source="fund")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.payment.source) == (MilestoneStatus.PAID, PaymentSource.FISCAL)
    assert (second.status, second.payment.source) == (MilestoneStatus.ACCEPTED, PaymentSource.FUND)


def test_a_milestone_is_paid_once_and_only_after_acceptance(make_awarded):
    a = make_awarded(funding_source="fund")
    first, second, _third = milestones(signed(a))
    with pytest.raises(ValidationFailed) as exc:
        services.milestone_pay(actor=a.official, milestone=second, source="fund")
    assert exc.value.code == "milestone_status"
    deliver(a, first)
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.milestone_pay(actor=a.official, milestone=first, source="fund")
    assert exc.value.code == "already_paid"
    with pytest.raises(PermissionDenied):
        services.milestone_pay(actor=a.org_admin, milestone=first, source="fund")
    assert snapshot() == before


# --- amendments -----------------------------------------------------------------------------
def test_an_amendment_redivides_what_is_not_yet_accepted(awarded):
    a = awarded
    contract = signed(a, amount_fen=20_000_000)
    first, second, third = milestones(contract)
    deliver(a, first)  # 6,000,000 paid
    amendment = services.contract_amend(
        actor=a.official, contract=contract, description="增加周末送餐", amount_fen=21_000_001
    )
    assert (amendment.amount_fen_before, amendment.amount_fen_after) == (20_000_000, 21_000_001)
    contract.refresh_from_db()
    amounts = [m.amount_fen for m in milestones(contract)]
    # 15,000,001 left for 40% and 30%: floor(15000001 * 40 / 70) = 8571429, the rest 6428572.
    assert amounts == [6_000_000, 8_571_429, 6_428_572]
    assert sum(amounts) == contract.amount_fen == 21_000_001
    assert Payment.objects.get(milestone=first).amount_fen == 6_000_000
    entry = AuditEntry.objects.get(action="procurement.contract.amend")
    assert entry.changes["amount_fen"] == [20_000_000, 21_000_001] and entry.reason == "增加周末送餐"
    assert Notification.objects.filter(recipient=a.org_admin, title__contains="合同已变更").exists()
    # A reduction is fine too, down to what has been settled plus a fen for each open milestone.
    services.contract_amend(
        actor=a.official, contract=contract, description="减少服务对象", amount_fen=19_000_000
    )
    assert sum(m.amount_fen for m in milestones(contract)) == 19_000_000
    assert [m.amount_fen for m in milestones(contract)][0] == 6_000_000
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.amount_fen, third.amount_fen) == (7_428_571, 5_571_429)


@pytest.mark.parametrize(
    ("amount_fen", "description", "code"),
    [
        (5_999_999, "大幅缩减", "below_settled"),
        (22_000_001, "追加超过一成", "over_amendment_cap"),
        (6_000_001, "只剩一分", "amount_too_small"),
        (0, "归零", "invalid"),
        (21_000_000.0, "小数", "invalid"),
        (21_000_000, " ", "invalid"),
    ],
)
def test_bad_amendments_are_refused_and_nothing_changes(awarded, amount_fen, description, code):
    a = awarded
    contract = signed(a, amount_fen=20_000_000)
    deliver(a, milestones(contract)[0])  # 6,000,000 settled
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.contract_amend(
            actor=a.official, contract=contract, description=description, amount_fen=amount_fen
        )
    assert exc.value.code == code and is_chinese(exc.value.message)
    assert snapshot() == before
    assert not AuditEntry.objects.filter(action="procurement.contract.amend").exists()


def test_the_ten_percent_cap_counts_from_the_original_amount(awarded):
    a = awarded
    contract = signed(a, amount_fen=20_000_000)
    services.contract_amend(
        actor=a.official, contract=contract, description="第一次追加", amount_fen=21_000_000
    )
    services.contract_amend(
        actor=a.official, contract=contract, description="第二次追加", amount_fen=22_000_000
    )
    with pytest.raises(ValidationFailed) as exc:
        services.contract_amend(
            actor=a.official, contract=contract, description="再追加", amount_fen=22_000_001
        )
    assert exc.value.code == "over_amendment_cap"


def test_amendments_wait_for_reviews_and_stop_at_completion(awarded):
    a = awarded
    contract = signed(a)
    rows = milestones(contract)
    report(a, rows[0])
    with pytest.raises(ValidationFailed) as exc:
        services.contract_amend(
            actor=a.official, contract=contract, description="调整", amount_fen=20_000_000
        )
    assert exc.value.code == "report_under_review"
    with pytest.raises(PermissionDenied):
        services.contract_amend(
            actor=a.pw.world.official_b, contract=contract, description="调整", amount_fen=1
        )
    services.milestone_accept(actor=a.official, milestone=rows[0])
    for m in rows[1:]:
        deliver(a, m)
    with pytest.raises(ValidationFailed) as exc:
        services.contract_amend(
            actor=a.official, contract=contract, description="调整", amount_fen=21_500_000
        )
    assert exc.value.code == "nothing_to_adjust"
    services.project_complete(actor=a.official, project=a.project)
    with pytest.raises(ValidationFailed) as exc:
        services.contract_amend(actor=a.official, contract=contract, description="调整", amount_fen=PRICES[0])
    assert exc.value.code == "contract_closed"


# --- completion, rating and the organisation's record ---------------------------------------
def test_completion_needs_every_milestone_accepted(awarded):
    a = awarded
    contract = signed(a)
    first, second, third = milestones(contract)
    deliver(a, first)
    report(a, second)
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.project_complete(actor=a.official, project=a.project)
    assert exc.value.code == "milestones_open"
    assert str(exc.value.message) == "还有节点未验收:第2期服务、第3期服务。"
    with pytest.raises(PermissionDenied):
        services.project_complete(actor=a.org_admin, project=a.project)
    assert snapshot() == before


def test_a_fund_payment_still_waiting_does_not_hold_up_completion(make_awarded):
    a = make_awarded(funding_source="both")
    contract = signed(a)
    first, second, third = milestones(contract)
    deliver(a, first, source="fiscal")
    deliver(a, second, source="fiscal")
    deliver(a, third, source="fund")
    services.project_complete(actor=a.official, project=a.project)
    assert a.refresh().status == ProjectStatus.COMPLETED
    assert [m.pk for m in selectors.fund_payment_requests()] == [third.pk]
    services.milestone_fund_disbursed(actor=None, milestone=third, disbursement_ref="FUND-9")
    third.refresh_from_db()
    assert third.status == MilestoneStatus.PAID


def test_the_full_delivery_ends_in_a_completed_rated_contract_on_the_orgs_record(awarded):
    a = awarded
    cohort = CohortFactory(district=a.pw.world.district)
    incubation = IncubationFactory(application__cohort=cohort, application__organization=a.org)
    work_before = org_selectors.completed_work_count(incubation)

    def listed_work():
        # The cohort's list counts completed contracts in its own query (an annotation).
        [row] = org_selectors.incubation_list(a.pw.world.district_admin, cohort=cohort)
        assert row.completed_elsewhere is not None
        return org_selectors.completed_work_count(row)

    contract = signed(a)
    for m in milestones(contract):
        deliver(a, m)
    with pytest.raises(ValidationFailed) as exc:
        services.contract_rate(actor=a.official, contract=contract, score=5, comment="很好")
    assert exc.value.code == "not_completed"
    assert list(selectors.organization_track_record(a.org)) == []
    assert listed_work() == work_before

    services.project_complete(actor=a.official, project=a.project)
    contract.refresh_from_db()
    assert a.refresh().status == ProjectStatus.COMPLETED and contract.completed_at is not None
    assert Notification.objects.filter(recipient=a.org_admin, title__contains="已验收完成").exists()
    assert org_selectors.completed_work_count(incubation) == work_before + 1 == listed_work()

    rating = services.contract_rate(actor=a.official, contract=contract, score=5, comment="服务细致,老人满意")
    assert (rating.score, rating.rated_by) == (5, a.official)
    [record] = selectors.organization_track_record(a.org)
    assert (record.pk, record.rating.score, record.rating.comment) == (contract.pk, 5, "服务细致,老人满意")
    assert record.project.title == a.project.title
    assert list(selectors.organization_track_record(a.pw.orgs[1])) == []
    assert selectors.completed_contract_count(a.pw.orgs[1].pk) == 0
    assert Notification.objects.filter(recipient=a.org_admin, title__contains="履约评价").exists()
    with pytest.raises(ValidationFailed) as exc:
        services.contract_rate(actor=a.official, contract=contract, score=4)
    assert exc.value.code == "already_rated"
    assert Rating.objects.get().score == 5


@pytest.mark.parametrize("score", [0, 6, 3.5, True, "5", None])
def test_a_rating_is_a_whole_number_from_1_to_5(awarded, score):
    a = awarded
    contract = signed(a)
    for m in milestones(contract):
        deliver(a, m)
    services.project_complete(actor=a.official, project=a.project)
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.contract_rate(actor=a.official, contract=contract, score=score)
    assert exc.value.field == "score"
    for outsider in (a.pw.world.official_b, a.org_admin, a.pw.world.district_admin):
        with pytest.raises(PermissionDenied):
            services.contract_rate(actor=outsider, contract=contract, score=5)
    assert snapshot() == before


# --- races on PostgreSQL --------------------------------------------------------------------
def _race(n: int, fn) -> list:
    """Run ``fn`` in n threads at once, each on its own database connection; return what each
    returned or raised."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = fn(i)
        except Exception as exc:  # collected: the test looks at every outcome
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _officials(a: Awarded, n: int) -> list:
    """n officials of the buying street (each thread acts as its own)."""
    users = []
    for i in range(n):
        user = UserFactory(display_name=f"甲街道干部{i}")
        grant(user, Role.STREET_OFFICIAL, a.pw.world.street_a)
        users.append(user)
    return users


def _one_success(results) -> object:
    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1, results
    # Every other attempt is refused with a domain error (a message), never a database error.
    assert all(isinstance(r, DomainError) for r in lost), lost
    return won[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_signings_make_exactly_one_contract(awarded):
    a = awarded
    officials = _officials(a, 10)
    results = _race(
        10,
        lambda i: services.contract_sign(
            actor=officials[i], project=a.project, terms=f"第{i}份", milestones=plan(a.project)
        ),
    )
    contract = _one_success(results)
    assert Contract.objects.count() == 1 and Contract.objects.get().pk == contract.pk
    assert Milestone.objects.count() == 3
    assert transitions.PROJECT.history(a.project).filter(code="sign_contract").count() == 1
    assert a.refresh().status == ProjectStatus.CONTRACTED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_acceptances_make_one_acceptance_and_one_payment(awarded):
    a = awarded
    first = milestones(signed(a))[0]
    report(a, first)
    officials = _officials(a, 10)
    results = _race(10, lambda i: services.milestone_accept(actor=officials[i], milestone=first, note=f"{i}"))
    _one_success(results)
    first.refresh_from_db()
    assert first.status == MilestoneStatus.PAID
    assert Payment.objects.filter(milestone=first).count() == 1
    assert transitions.MILESTONE.history(first).filter(code="accept").count() == 1
    assert transitions.MILESTONE.history(first).filter(code="pay").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_ratings_leave_one_rating(awarded):
    a = awarded
    contract = signed(a)
    for m in milestones(contract):
        deliver(a, m)
    services.project_complete(actor=a.official, project=a.project)
    officials = _officials(a, 10)
    results = _race(
        10, lambda i: services.contract_rate(actor=officials[i], contract=contract, score=1 + i % 5)
    )
    rating = _one_success(results)
    assert Rating.objects.count() == 1 and Rating.objects.get().pk == rating.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_amendment_racing_an_acceptance_keeps_the_milestones_summing_to_the_contract(awarded):
    a = awarded
    contract = signed(a, amount_fen=20_000_000)
    rows = milestones(contract)
    deliver(a, rows[0])
    officials = _officials(a, 2)

    def act(i):
        if i == 0:
            return services.contract_amend(
                actor=officials[0], contract=contract, description="追加", amount_fen=21_000_000
            )
        report(a, rows[2])
        return services.milestone_accept(actor=officials[1], milestone=rows[2])

    results = _race(2, act)
    assert all(not isinstance(r, Exception) or isinstance(r, DomainError) for r in results), results
    contract.refresh_from_db()
    amounts = [m.amount_fen for m in milestones(contract)]
    assert sum(amounts) == contract.amount_fen
    for payment in Payment.objects.select_related("milestone"):
        assert payment.amount_fen == payment.milestone.amount_fen
