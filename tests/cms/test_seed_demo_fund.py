"""The demo's governance fund: a fund with a street and a theme sub-fund, offline and online
gifts, a refund, disbursements to the demo's fund-paid milestone and to a grant approved by a
second admin, the disclosure calendar; balances never below zero, books balanced, and a second
run that adds nothing."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from django.test import override_settings

from cms import demo
from cms.demo import fund as plan
from cms.demo import procurement, users
from marketplace.core.models import AuditEntry, PrivateFile, TransitionLog
from marketplace.core.roles import Role
from marketplace.fund import ledger, selectors
from marketplace.fund.choices import DisbursementStatus, DonationChannel, DonationStatus
from marketplace.fund.models import (
    Disbursement,
    Disclosure,
    Donation,
    Fund,
    JournalEntry,
    LedgerAccount,
    Posting,
    SubFund,
)
from marketplace.procurement.choices import MilestoneStatus
from marketplace.procurement.selectors import fund_payment_requests


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seeded once for the module inside a transaction rolled back at the end (as the other demo
    modules do); the volunteers' step is left out: the fund needs the projects and the incubator
    only."""
    private = tmp_path_factory.mktemp("private")
    storage = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": private}}
    from cms.management.commands import seed_demo

    steps = [*demo.STEPS[: demo.STEPS.index(procurement.seed_projects) + 1], plan.seed_fund]
    with (
        django_db_blocker.unblock(),
        override_settings(STORAGES={**settings.STORAGES, "private": storage}),
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(seed_demo, "STEPS", steps)
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
def fund(seeded, db) -> Fund:
    return Fund.objects.get(code=plan.FUND_CODE)


def _counts() -> dict:
    models = [Fund, SubFund, Donation, Disbursement, Disclosure, JournalEntry, Posting, PrivateFile]
    return {
        **{m.__name__: m.objects.count() for m in models},
        "audit": AuditEntry.objects.count(),
        "transitions": TransitionLog.objects.count(),
    }


def test_the_fund_and_its_subfunds(fund):
    assert (fund.host_name, fund.host_credit_code) == ("太和区慈善总会", plan.HOST_CREDIT_CODE)
    pots = {sf.code: sf for sf in fund.subfunds.all()}
    assert set(pots) == {plan.STREET_POT, plan.THEME_POT}
    assert pots[plan.STREET_POT].kind == "street" and pots[plan.STREET_POT].street.name == "南湖街道"
    assert pots[plan.THEME_POT].theme == "一老一小"


def test_donations_online_and_offline_with_evidence_and_one_refund(fund):
    offline = Donation.objects.filter(fund=fund, channel=DonationChannel.OFFLINE)
    online = Donation.objects.filter(fund=fund, channel=DonationChannel.ONLINE)
    assert offline.count() == len(plan.OFFLINE) and online.count() == len(plan.ONLINE)
    assert all(d.evidence_id and d.evidence.original_name.endswith(".pdf") for d in offline)
    assert all(d.provider_payment_id.startswith("pi_demo_") and d.receipt_number for d in online)
    assert online.filter(anonymous=True).count() == 2
    assert online.get(provider_payment_id=plan.RESIDENT_GIFT).donor_user.username == "demo-resident"
    refunded = Donation.objects.get(refunded_fen__gt=0)
    assert (refunded.donor_name, refunded.status, refunded.refunded_fen) == (
        "南湖物业服务有限公司",
        DonationStatus.PARTIALLY_REFUNDED,
        500_000,
    )
    assert not Donation.objects.exclude(status__in=["succeeded", "partially_refunded"]).exists()


def test_disbursements_pay_the_waiting_milestone_after_a_second_admins_approval(fund):
    second = users.SECOND_ADMIN["username"]
    paid = Disbursement.objects.filter(fund=fund, status=DisbursementStatus.PAID).select_related(
        "proposed_by", "approved_by", "milestone"
    )
    assert paid.count() == 2
    for d in paid:
        assert d.proposed_by.username == "demo-admin" and d.approved_by.username == second
        assert d.approved_by.role_assignments.filter(role=Role.DISTRICT_ADMIN).exists()
    milestone = paid.get(milestone__isnull=False).milestone
    assert milestone.status == MilestoneStatus.PAID
    assert milestone.contract.project.title == "南湖街道新市民子女周末成长营"
    assert not fund_payment_requests().exists()  # nothing left waiting for the fund
    pending = Disbursement.objects.get(fund=fund, status=DisbursementStatus.PROPOSED)
    assert pending.incubation_id and pending.proposed_by.username == "demo-admin"


def test_balances_are_never_negative_and_the_books_balance(fund):
    balances = selectors.fund_balances(fund)
    assert all(p.balance_fen >= 0 and p.available_fen >= 0 for p in balances.pots)
    offline = sum(g.yuan for g in plan.OFFLINE) * 100
    online = sum(g.yuan for _pi, g in plan.ONLINE) * 100
    assert balances.raised_fen == offline + online
    assert balances.refunded_fen == plan.REFUND[2] * 100
    milestone_paid = Disbursement.objects.get(fund=fund, milestone__isnull=False).amount_fen
    assert balances.disbursed_fen == milestone_paid + plan.GRANT_YUAN * 100
    for row in Posting.objects.values("entry_id").annotate(s=Sum("amount_fen")):
        assert row["s"] == 0
    cash = LedgerAccount.objects.get(fund=fund, kind="cash")
    assert (
        ledger.cash_balance(fund)
        == balances.balance_fen
        == -sum(
            Posting.objects.filter(account__fund=fund, account__kind="pot").values_list(
                "amount_fen", flat=True
            )
        )
    )
    assert cash.postings.exists()


def test_the_disclosure_calendar(fund):
    disclosures = list(Disclosure.objects.filter(fund=fund).order_by("due_on"))
    assert len(disclosures) == 3
    assert [d.published_at is not None for d in disclosures] == [True, False, False]
    assert "年度工作报告" in disclosures[-1].title


def test_the_second_admin_logs_in_and_a_second_run_adds_nothing(seeded, fund):
    assert "admin2@taihe.example" in seeded and "审批同事提出的基金拨付" in seeded
    before = _counts()
    out = seed()
    assert "未新建任何记录" in out
    assert _counts() == before
