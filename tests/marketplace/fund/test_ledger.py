"""The double-entry ledger: balanced entries, balances as sums of postings, one booking per key,
append-only rows."""

import pytest

from marketplace.core.models import AppendOnlyError
from marketplace.fund import ledger
from marketplace.fund.models import JournalEntry, Posting

from .conftest import books_balance


def test_an_entry_must_balance_and_hold_whole_fen(fw):
    cash, pot = ledger.cash_account(fw.fund), ledger.pot_account(fw.fund)
    for lines in ([(cash, 100), (pot, -99)], [(cash, 100.0), (pot, -100.0)], [(cash, 0), (pot, 0)], []):
        with pytest.raises(ValueError):
            ledger.book(fund=fw.fund, key="k", kind="donation", lines=lines)
    assert not JournalEntry.objects.exists()


def test_an_entry_stays_within_its_fund(fw, world):
    from marketplace.fund import services
    from tests.factories.organizations import make_uscc

    other = services.fund_create(
        actor=fw.admins[0],
        district=world.district,
        code="other",
        name="另一基金",
        host_name="区慈善总会",
        host_credit_code=make_uscc(8),
        purpose="p",
    )
    with pytest.raises(ValueError):
        ledger.book(
            fund=fw.fund,
            key="k",
            kind="donation",
            lines=[(ledger.cash_account(fw.fund), 100), (ledger.pot_account(other), -100)],
        )


def test_a_key_is_booked_once(fw):
    cash, pot = ledger.cash_account(fw.fund), ledger.pot_account(fw.fund, fw.theme_pot)
    first = ledger.book(
        fund=fw.fund, key="donation:1:credit", kind="donation", lines=[(cash, 500), (pot, -500)]
    )
    again = ledger.book(
        fund=fw.fund, key="donation:1:credit", kind="donation", lines=[(cash, 500), (pot, -500)]
    )
    assert first is not None and again is None
    assert JournalEntry.objects.count() == 1 and Posting.objects.count() == 2
    assert ledger.is_booked("donation:1:credit")
    assert ledger.cash_balance(fw.fund) == 500 and ledger.pot_balance(fw.fund, fw.theme_pot) == 500
    assert ledger.pot_balance(fw.fund) == 0  # the general pot is another account
    books_balance()


def test_a_second_credit_of_the_same_payment_books_nothing(fw):
    from marketplace.fund import services

    d = fw.give(2_000)
    before = (JournalEntry.objects.count(), Posting.objects.count())
    services.donation_credit_from_provider(
        provider_payment_id=d.provider_payment_id, amount_fen=2_000, currency="cny"
    )
    assert (JournalEntry.objects.count(), Posting.objects.count()) == before
    assert ledger.cash_balance(fw.fund) == 2_000


def test_entries_and_postings_are_append_only(fw):
    fw.give(1_000)
    entry = JournalEntry.objects.get()
    posting = entry.postings.first()
    with pytest.raises(AppendOnlyError):
        posting.amount_fen = 5
        posting.save()
    with pytest.raises(AppendOnlyError):
        Posting.objects.filter(pk=posting.pk).update(amount_fen=5)
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        JournalEntry.objects.all().delete()
    assert ledger.cash_balance(fw.fund) == 1_000


def test_available_is_balance_less_approved_unpaid(fw):
    from marketplace.fund.models import Disbursement
    from tests.factories import IncubationFactory

    fw.give(10_000)
    Disbursement.objects.create(
        fund=fw.fund,
        amount_fen=3_000,
        target_kind="incubation",
        incubation=IncubationFactory(),
        purpose="p",
        proposed_by=fw.admins[0],
        status="approved",
    )
    assert ledger.pot_balance(fw.fund) == 10_000
    assert ledger.committed(fw.fund) == 3_000
    assert ledger.pot_available(fw.fund) == 7_000
