"""The fund's double-entry ledger.

Per fund there is one cash account (what the host holds for the fund, debit-normal) and one
net-assets account per pot: the fund's general pot and each sub-fund (credit-normal). A posting's
amount is signed: positive debits, negative credits; every entry's postings sum to zero, so the
cash balance always equals the sum of the pots.

    donation credited   debit cash / credit pot
    donation refunded   debit pot  / credit cash   (the reverse, for the refunded amount)
    disbursement paid   debit pot  / credit cash

Balances are sums of postings, never stored. Each entry has a unique key naming the effect it
books, so booking the same effect twice books nothing the second time.
"""

from django.db import IntegrityError, transaction
from django.db.models import Sum

from marketplace.core.exceptions import ValidationFailed

from .choices import AccountKind, DisbursementStatus
from .models import Disbursement, Fund, JournalEntry, LedgerAccount, Posting, SubFund


def _account(fund: Fund, subfund: SubFund | None, kind: str) -> LedgerAccount:
    account, _created = LedgerAccount.objects.get_or_create(fund=fund, subfund=subfund, kind=kind)
    return account


def cash_account(fund: Fund) -> LedgerAccount:
    return _account(fund, None, AccountKind.CASH)


def pot_account(fund: Fund, subfund: SubFund | None = None) -> LedgerAccount:
    if subfund is not None and subfund.fund_id != fund.pk:
        raise ValidationFailed("sub-fund of another fund", code="subfund_mismatch")
    return _account(fund, subfund, AccountKind.POT)


def open_accounts(fund: Fund, subfund: SubFund | None = None) -> None:
    """Create the accounts a fund (or a new sub-fund) needs."""
    if subfund is None:
        cash_account(fund)
    pot_account(fund, subfund)


def lock_pot(fund: Fund, subfund: SubFund | None = None) -> LedgerAccount:
    """Lock the pot's account row for the rest of the transaction: every write that takes money out
    of a pot holds this lock while it checks the pot's available balance and books the outflow."""
    account = pot_account(fund, subfund)
    return LedgerAccount.objects.select_for_update().get(pk=account.pk)


def book(
    *,
    fund: Fund,
    key: str,
    kind: str,
    lines: list[tuple[LedgerAccount, int]],
    memo: str = "",
    donation=None,
    disbursement=None,
) -> JournalEntry | None:
    """Book one entry; None when an entry with ``key`` exists already (the effect is booked)."""
    if not lines or any(type(amount) is not int or amount == 0 for _acc, amount in lines):
        raise ValueError("every posting needs a non-zero integer amount in fen")
    if sum(amount for _acc, amount in lines) != 0:
        raise ValueError("an entry's postings must sum to zero")
    if any(acc.fund_id != fund.pk for acc, _amount in lines):
        raise ValueError("an entry stays within one fund")
    if JournalEntry.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            entry = JournalEntry.objects.create(
                fund=fund, key=key, kind=kind, memo=memo[:200], donation=donation, disbursement=disbursement
            )
            Posting.objects.bulk_create(
                [Posting(entry=entry, account=acc, amount_fen=amount) for acc, amount in lines]
            )
    except IntegrityError:
        if JournalEntry.objects.filter(key=key).exists():
            return None
        raise
    return entry


def is_booked(key: str) -> bool:
    return JournalEntry.objects.filter(key=key).exists()


def account_sum(account: LedgerAccount) -> int:
    """The signed sum of the account's postings (debits positive)."""
    return Posting.objects.filter(account=account).aggregate(s=Sum("amount_fen"))["s"] or 0


def pot_balance(fund: Fund, subfund: SubFund | None = None) -> int:
    """The pot's net assets: what was credited to it less what went out (credit-normal)."""
    return -account_sum(pot_account(fund, subfund))


def cash_balance(fund: Fund) -> int:
    return account_sum(cash_account(fund))


def committed(fund: Fund, subfund: SubFund | None = None) -> int:
    """Approved disbursements not yet paid out of the pot."""
    return (
        Disbursement.objects.filter(fund=fund, subfund=subfund, status=DisbursementStatus.APPROVED).aggregate(
            s=Sum("amount_fen")
        )["s"]
        or 0
    )


def pot_available(fund: Fund, subfund: SubFund | None = None) -> int:
    """What may still be promised out of the pot: its balance less approved, unpaid disbursements."""
    return pot_balance(fund, subfund) - committed(fund, subfund)
