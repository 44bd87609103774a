"""Donations: starting one, the provider's confirmations (credit, failure, refunds in any order),
offline gifts with evidence, and refunds asked for by a district admin."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from marketplace.core.exceptions import (
    GuardFailed,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from marketplace.core.files import private_file_open
from marketplace.core.models import AuditEntry, PrivateFile
from marketplace.fund import ledger, services, transitions
from marketplace.fund.choices import DonationStatus
from marketplace.fund.models import Donation, JournalEntry, LedgerAccount
from tests.factories import UserFactory

from .conftest import books_balance, is_chinese, pdf, snapshot, yesterday


def start(fw, **overrides):
    values = {
        "actor": None,
        "fund": fw.fund,
        "amount_fen": 5_000,
        "donor_name": "李四",
        "anonymous": False,
        "contact": "lisi@example.com",
    }
    values.update(overrides)
    return services.donation_start(**values)


# --- starting -------------------------------------------------------------------------------
def test_a_signed_in_donor_starts_a_pending_donation(fw):
    donor = UserFactory()
    d = start(fw, actor=donor, subfund=fw.theme_pot)
    assert (d.status, d.channel, d.donor_user, d.subfund, d.amount_fen) == (
        "pending",
        "online",
        donor,
        fw.theme_pot,
        5_000,
    )
    assert d.receipt_number is None and d.credited_at is None
    assert not JournalEntry.objects.exists()
    # The contact is encrypted at rest.
    with connection.cursor() as cur:
        cur.execute("SELECT contact FROM fund_donation WHERE id = %s", [d.pk])
        assert "lisi@example.com" not in cur.fetchone()[0]
    assert Donation.objects.get(pk=d.pk).contact == "lisi@example.com"


def test_an_anonymous_donor_needs_no_name(fw):
    d = start(fw, donor_name="", anonymous=True, contact="")
    assert d.anonymous and d.donor_user is None and d.public_donor_name == "匿名"


@pytest.mark.parametrize(
    "overrides, code",
    [
        ({"amount_fen": 99}, "amount_too_small"),
        ({"amount_fen": 0}, "amount_too_small"),
        ({"amount_fen": -500}, "amount_too_small"),
        ({"amount_fen": 100.5}, "invalid_amount"),
        ({"amount_fen": 1000.0}, "invalid_amount"),
        ({"amount_fen": "1000"}, "invalid_amount"),
        ({"amount_fen": True}, "invalid_amount"),
        ({"amount_fen": 10**11}, "amount_too_large"),
        ({"donor_name": "  "}, "invalid"),
        ({"donor_name": "名" * 101}, "invalid"),
        ({"channel": "offline"}, "offline_by_admin"),
    ],
)
def test_bad_donations_are_refused_in_chinese_and_nothing_is_written(fw, overrides, code):
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        start(fw, **overrides)
    assert exc.value.code == code and is_chinese(exc.value.message)
    assert snapshot() == before


def test_one_yuan_is_the_minimum(fw):
    assert start(fw, amount_fen=100).amount_fen == 100


def test_inactive_funds_and_foreign_subfunds_take_nothing(fw, world):
    other = services.fund_create(
        actor=fw.admins[0],
        district=world.district,
        code="other",
        name="另一基金",
        host_name="区慈善总会",
        host_credit_code=fw.fund.host_credit_code,
        purpose="用途",
    )
    with pytest.raises(ValidationFailed) as exc:
        start(fw, fund=other, subfund=fw.theme_pot)
    assert exc.value.code == "subfund_mismatch"
    other.active = False
    other.save()
    with pytest.raises(ValidationFailed) as exc:
        start(fw, fund=other)
    assert exc.value.code == "fund_inactive"


def test_a_payment_is_attached_once(fw):
    d = start(fw)
    services.donation_attach_provider_payment(donation=d, provider_payment_id="pi_1")
    services.donation_attach_provider_payment(donation=d, provider_payment_id="pi_1")  # the same: fine
    with pytest.raises(ValidationFailed):
        services.donation_attach_provider_payment(donation=d, provider_payment_id="pi_2")
    other = start(fw)
    with pytest.raises(ValidationFailed) as exc:
        services.donation_attach_provider_payment(donation=other, provider_payment_id="pi_1")
    assert exc.value.code == "payment_in_use"
    d.refresh_from_db()
    assert d.provider_payment_id == "pi_1"


# --- the provider's word --------------------------------------------------------------------
def _started(fw, pi="pi_a", amount=5_000, subfund=None):
    d = start(fw, amount_fen=amount, subfund=subfund)
    services.donation_attach_provider_payment(donation=d, provider_payment_id=pi)
    return d


def test_a_confirmed_payment_is_credited_exactly_once(fw):
    d = _started(fw, subfund=fw.street_pot)
    for _ in range(3):
        got = services.donation_credit_from_provider(
            provider_payment_id="pi_a", amount_fen=5_000, currency="CNY"
        )
        assert got.pk == d.pk
    d.refresh_from_db()
    assert d.status == DonationStatus.SUCCEEDED and d.credited_at is not None
    assert d.receipt_number.startswith("JZ") and d.receipt_number.endswith(f"{d.pk:08d}")
    entries = JournalEntry.objects.filter(donation=d)
    assert [e.key for e in entries] == [f"donation:{d.pk}:credit"]
    assert ledger.pot_balance(fw.fund, fw.street_pot) == 5_000
    assert ledger.pot_balance(fw.fund) == 0 and ledger.cash_balance(fw.fund) == 5_000
    assert transitions.DONATION.history(d).filter(code="credit").count() == 1
    books_balance()


def test_unknown_payments_have_no_effect(fw):
    before = snapshot()
    assert (
        services.donation_credit_from_provider(provider_payment_id="pi_x", amount_fen=1, currency="cny")
        is None
    )
    assert services.donation_fail_from_provider(provider_payment_id="pi_x") is None
    assert services.donation_refund_from_provider(provider_payment_id="pi_x", refunded_total_fen=1) is None
    assert (
        services.donation_credit_from_provider(provider_payment_id="", amount_fen=1, currency="cny") is None
    )
    assert snapshot() == before


@pytest.mark.parametrize("amount, currency", [(4_999, "cny"), (5_000, "usd"), (5_000, None)])
def test_a_mismatched_payment_raises_and_credits_nothing(fw, amount, currency):
    _started(fw)
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.donation_credit_from_provider(
            provider_payment_id="pi_a", amount_fen=amount, currency=currency
        )
    assert exc.value.code == "amount_mismatch"
    assert snapshot() == before


def test_a_failed_attempt_then_a_success(fw):
    d = _started(fw)
    services.donation_fail_from_provider(provider_payment_id="pi_a")
    d.refresh_from_db()
    assert d.status == DonationStatus.FAILED and not JournalEntry.objects.exists()
    services.donation_credit_from_provider(provider_payment_id="pi_a", amount_fen=5_000, currency="cny")
    d.refresh_from_db()
    assert d.status == DonationStatus.SUCCEEDED
    # A late failure notice does not undo the credit.
    services.donation_fail_from_provider(provider_payment_id="pi_a")
    d.refresh_from_db()
    assert d.status == DonationStatus.SUCCEEDED and ledger.cash_balance(fw.fund) == 5_000


def test_partial_then_full_refunds_book_only_the_difference(fw):
    d = _started(fw, amount=10_000, subfund=fw.theme_pot)
    services.donation_credit_from_provider(provider_payment_id="pi_a", amount_fen=10_000, currency="cny")
    services.donation_refund_from_provider(provider_payment_id="pi_a", refunded_total_fen=3_000)
    services.donation_refund_from_provider(provider_payment_id="pi_a", refunded_total_fen=3_000)  # again
    d.refresh_from_db()
    assert (d.status, d.refunded_fen) == (DonationStatus.PARTIALLY_REFUNDED, 3_000)
    assert ledger.pot_balance(fw.fund, fw.theme_pot) == 7_000
    services.donation_refund_from_provider(provider_payment_id="pi_a", refunded_total_fen=10_000)
    services.donation_refund_from_provider(provider_payment_id="pi_a", refunded_total_fen=3_000)  # stale
    d.refresh_from_db()
    assert (d.status, d.refunded_fen) == (DonationStatus.REFUNDED, 10_000)
    assert ledger.pot_balance(fw.fund, fw.theme_pot) == 0 and ledger.cash_balance(fw.fund) == 0
    keys = sorted(JournalEntry.objects.filter(donation=d).values_list("key", flat=True))
    assert keys == [
        f"donation:{d.pk}:credit",
        f"donation:{d.pk}:refund:10000",
        f"donation:{d.pk}:refund:3000",
    ]
    books_balance()


def test_a_refund_arriving_before_the_success_gives_the_same_books(fw):
    d = _started(fw, amount=8_000)
    services.donation_refund_from_provider(provider_payment_id="pi_a", refunded_total_fen=8_000)
    services.donation_credit_from_provider(provider_payment_id="pi_a", amount_fen=8_000, currency="cny")
    services.donation_fail_from_provider(provider_payment_id="pi_a")
    d.refresh_from_db()
    assert (d.status, d.refunded_fen) == (DonationStatus.REFUNDED, 8_000)
    assert d.receipt_number and JournalEntry.objects.filter(donation=d).count() == 2
    assert ledger.cash_balance(fw.fund) == 0
    books_balance()


def test_a_refund_over_the_amount_is_refused(fw):
    _started(fw)
    services.donation_credit_from_provider(provider_payment_id="pi_a", amount_fen=5_000, currency="cny")
    before = snapshot()
    for bad in (5_001, -1, "100", 1.0):
        with pytest.raises(ValidationFailed):
            services.donation_refund_from_provider(provider_payment_id="pi_a", refunded_total_fen=bad)
    assert snapshot() == before


# --- offline --------------------------------------------------------------------------------
def offline(fw, **overrides):
    values = {
        "actor": fw.admins[0],
        "fund": fw.fund,
        "subfund": None,
        "amount_fen": 1_000_000,
        "donor_name": "某某科技有限公司",
        "anonymous": False,
        "contact": "财务部 020-12345678",
        "evidence_upload": pdf(),
        "received_on": yesterday(),
    }
    values.update(overrides)
    return services.donation_record_offline(**values)


def test_an_offline_gift_is_credited_at_once_with_its_evidence(fw, private_root):
    admin = fw.admins[0]
    d = offline(fw, subfund=fw.street_pot)
    assert (d.status, d.channel, d.recorded_by, d.received_on) == ("succeeded", "offline", admin, yesterday())
    assert d.receipt_number and d.evidence.purpose == "fund_donation_evidence" and d.evidence.sensitive
    assert ledger.pot_balance(fw.fund, fw.street_pot) == 1_000_000
    assert AuditEntry.objects.filter(action="fund.donation.record_offline", object_id=str(d.pk)).exists()
    # The evidence is readable by the district only.
    record, _fh = private_file_open(user=fw.admins[1], file_id=d.evidence_id)
    _fh.close()
    with pytest.raises(NotFound):
        private_file_open(user=fw.world.official_a, file_id=d.evidence_id)
    books_balance()


def test_offline_gifts_are_recorded_by_the_district_only_and_checked(fw, private_root):
    with pytest.raises(PermissionDenied):
        offline(fw, actor=fw.world.official_a)
    cases = [
        ({"evidence_upload": None}, "evidence_required"),
        ({"received_on": timezone.localdate() + datetime.timedelta(days=1)}, "future_date"),
        ({"received_on": "2026-01-01"}, "invalid_date"),
        ({"amount_fen": 50}, "amount_too_small"),
    ]
    before = snapshot()
    for overrides, code in cases:
        with pytest.raises(ValidationFailed) as exc:
            offline(fw, **overrides)
        assert exc.value.code == code
    with pytest.raises(ValidationFailed) as exc:
        offline(fw, evidence_upload=pdf("slip.exe"))
    assert exc.value.code == "file_type"
    assert snapshot() == before and not PrivateFile.objects.exists()
    assert not any(private_root.iterdir())


# --- refunds asked for by an admin ----------------------------------------------------------
def test_an_offline_refund_reverses_the_ledger_at_once(fw, private_root):
    d = offline(fw, amount_fen=20_000, subfund=fw.theme_pot)
    services.donation_refund_request(actor=fw.admins[1], donation=d, amount_fen=5_000)
    d.refresh_from_db()
    assert (d.status, d.refunded_fen) == ("partially_refunded", 5_000)
    assert ledger.pot_balance(fw.fund, fw.theme_pot) == 15_000
    services.donation_refund_request(actor=fw.admins[1], donation=d, amount_fen=15_000)
    d.refresh_from_db()
    assert (d.status, d.refunded_fen) == ("refunded", 20_000)
    assert AuditEntry.objects.filter(action="fund.donation.refund_request", object_id=str(d.pk)).count() == 2
    with pytest.raises(TransitionNotAllowed):
        services.donation_refund_request(actor=fw.admins[1], donation=d, amount_fen=1)
    books_balance()


def test_an_online_refund_only_asks_the_provider(fw, monkeypatch):
    import marketplace.fund.stripe_gateway as gateway

    calls = []
    monkeypatch.setattr(
        gateway, "refund", lambda donation, amount_fen: calls.append((donation.pk, amount_fen)) or "re_1"
    )
    d = fw.give(6_000)
    services.donation_refund_request(actor=fw.admins[0], donation=d, amount_fen=6_000)
    assert calls == [(d.pk, 6_000)]
    d.refresh_from_db()
    assert d.status == "succeeded" and ledger.cash_balance(fw.fund) == 6_000  # until the event arrives
    services.donation_refund_from_provider(
        provider_payment_id=d.provider_payment_id, refunded_total_fen=6_000
    )
    d.refresh_from_db()
    assert d.status == "refunded" and ledger.cash_balance(fw.fund) == 0


def test_refund_requests_are_checked(fw, monkeypatch):
    import marketplace.fund.stripe_gateway as gateway

    monkeypatch.setattr(gateway, "refund", lambda donation, amount_fen: pytest.fail("must not be called"))
    d = fw.give(6_000)
    pending = start(fw)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.donation_refund_request(actor=fw.world.official_a, donation=d, amount_fen=100)
    with pytest.raises(ValidationFailed) as exc:
        services.donation_refund_request(actor=fw.admins[0], donation=d, amount_fen=6_001)
    assert exc.value.code == "refund_too_large" and is_chinese(exc.value.message)
    with pytest.raises(ValidationFailed):
        services.donation_refund_request(actor=fw.admins[0], donation=d, amount_fen=0)
    with pytest.raises(TransitionNotAllowed):
        services.donation_refund_request(actor=fw.admins[0], donation=pending, amount_fen=100)
    assert snapshot() == before


def test_money_already_disbursed_cannot_be_refunded(fw, monkeypatch, world):
    from tests.factories import IncubationFactory

    d = fw.give(10_000)
    incubation = IncubationFactory()
    disbursement = services.disbursement_propose(
        actor=fw.admins[0],
        fund=fw.fund,
        subfund=None,
        amount_fen=8_000,
        incubation=incubation,
        purpose="孵化资助",
    )
    services.disbursement_approve(actor=fw.admins[1], disbursement=disbursement)
    before = snapshot()
    with pytest.raises(GuardFailed) as exc:
        services.donation_refund_request(actor=fw.admins[0], donation=d, amount_fen=5_000)
    assert exc.value.code == "insufficient_balance" and "已拨付" in str(exc.value.message)
    assert snapshot() == before
    assert LedgerAccount.objects.filter(fund=fw.fund).count() == 4
