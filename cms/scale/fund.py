"""Funds, donations and the double-entry ledger, as ``fund.services`` and ``fund.ledger`` leave
them.

Each credited donation has its entry ``donation:<id>:credit`` (debit cash, credit the pot) and
each refund its entry ``donation:<id>:refund:<total>`` (the reverse, for the difference); a paid
disbursement has ``disbursement:<id>:paid`` (debit the pot, credit cash). Every entry's postings
sum to zero, so each fund's cash equals the sum of its pots. Donations are online, with a
PaymentIntent id of the form ``pi_scale_<id>`` that no payment provider knows (``fund_reconcile``
against a real account lists them, which is the truth about generated data).
"""

from dataclasses import dataclass, field

from django.conf import settings

from marketplace.core import crypto
from marketplace.core.validators import uscc_check_char
from marketplace.fund.choices import AccountKind, DonationStatus, EntryKind, SubFundKind
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

from . import people, vocab
from .copy import LOCAL_OFFSET, NULL, day, local_day, ts
from .errors import Refused
from .world import DAY, YEAR, World

DONATION_COLUMNS = [
    "id",
    "amount_fen",
    "donor_name",
    "anonymous",
    "contact",
    "channel",
    "status",
    "refunded_fen",
    "provider_payment_id",
    "receipt_number",
    "received_on",
    "created_at",
    "credited_at",
    "donor_user_id",
    "evidence_id",
    "recorded_by_id",
    "fund_id",
    "subfund_id",
]
ENTRY_COLUMNS = ["id", "key", "kind", "memo", "created_at", "disbursement_id", "donation_id", "fund_id"]
POSTING_COLUMNS = ["id", "amount_fen", "account_id", "entry_id"]
DISBURSEMENT_COLUMNS = [
    "id",
    "amount_fen",
    "target_kind",
    "purpose",
    "status",
    "proposed_at",
    "approved_at",
    "second_approved_at",
    "rejected_at",
    "reject_reason",
    "paid_at",
    "approved_by_id",
    "incubation_id",
    "milestone_id",
    "proposed_by_id",
    "rejected_by_id",
    "second_approved_by_id",
    "fund_id",
    "subfund_id",
]
# (yuan, weight): most gifts are small.
AMOUNTS = [
    (10, 8),
    (20, 10),
    (50, 18),
    (100, 22),
    (200, 15),
    (500, 12),
    (1000, 8),
    (2000, 3),
    (5000, 2.5),
    (10000, 1),
    (50000, 0.4),
    (100000, 0.1),
]
STATUSES = [
    (DonationStatus.SUCCEEDED, 90),
    (DonationStatus.PENDING, 3),
    (DonationStatus.FAILED, 4),
    (DonationStatus.REFUNDED, 1),
    (DonationStatus.PARTIALLY_REFUNDED, 2),
]
CREDITED = {DonationStatus.SUCCEEDED, DonationStatus.REFUNDED, DonationStatus.PARTIALLY_REFUNDED}


@dataclass
class Pot:
    account_id: int
    subfund_id: int | None
    balance: int = 0


@dataclass
class FundRow:
    id: int
    cash: int
    general: Pot
    subfunds: list[Pot] = field(default_factory=list)
    weight: float = 1.0


@dataclass
class Book:
    funds: list[FundRow] = field(default_factory=list)
    # The first fund pays service projects: its street sub-funds by street index.
    street_pots: dict[int, Pot] = field(default_factory=dict)
    disbursed: int = 0


def _host_code(k: int) -> str:
    first17 = f"51210711MB{k:07d}"
    return first17 + uscc_check_char(first17)


def seed_funds(world: World) -> Book:
    """Four funds of the district, with street and theme sub-funds and their ledger accounts."""
    copier = world.copier
    funds = copier.table(
        Fund,
        [
            "id",
            "code",
            "name",
            "host_name",
            "host_credit_code",
            "purpose",
            "active",
            "created_at",
            "created_by_id",
            "district_id",
        ],
    )
    subfunds = copier.table(
        SubFund,
        [
            "id",
            "code",
            "name",
            "kind",
            "theme",
            "purpose",
            "active",
            "created_at",
            "fund_id",
            "project_id",
            "street_id",
        ],
    )
    accounts = copier.table(LedgerAccount, ["id", "kind", "fund_id", "subfund_id"])
    disclosures = copier.table(
        Disclosure,
        [
            "id",
            "title",
            "due_on",
            "published_at",
            "body",
            "created_at",
            "created_by_id",
            "published_by_id",
            "fund_id",
        ],
    )
    taken = set(Fund.objects.filter(code__in=[f[0] for f in vocab.FUNDS]).values_list("code", flat=True))
    if taken:
        raise Refused(f"基金代码已被其他基金使用:{'、'.join(sorted(taken))};请换一个空数据库。")
    book = Book()
    admin = world.admins[0].user_id
    created = world.now - 4 * YEAR
    weights = (0.5, 0.2, 0.2, 0.1)
    today = local_day(world.now)
    for k, (code, name, host, purpose, themes) in enumerate(vocab.FUNDS):
        fund_id = funds.take()
        funds.row(
            fund_id, code, name, host, _host_code(k + 1), purpose, True, ts(created), admin, world.district_id
        )
        cash = accounts.take()
        accounts.row(cash, AccountKind.CASH, fund_id, None)
        general = accounts.take()
        accounts.row(general, AccountKind.POT, fund_id, None)
        row = FundRow(fund_id, cash, Pot(general, None), weight=weights[k % len(weights)])
        pots = []
        if k == 0:
            for street in world.streets:
                pots.append(
                    (f"jiedao-{street.street + 1:02d}", f"{street.name}专项", SubFundKind.STREET, "", street.id,
                     f"用于{street.name}购买的社区服务项目。")
                )  # fmt: skip
        for sub_code, sub_name, theme in themes:
            pots.append((sub_code, sub_name, SubFundKind.THEME, theme, None, f"专款用于{theme}相关服务。"))
        for sub_code, sub_name, kind, theme, street_id, sub_purpose in pots:
            sub_id = subfunds.take()
            subfunds.row(
                sub_id,
                sub_code,
                sub_name,
                kind,
                theme,
                sub_purpose,
                True,
                ts(created),
                fund_id,
                None,
                street_id,
            )
            account = accounts.take()
            accounts.row(account, AccountKind.POT, fund_id, sub_id)
            pot = Pot(account, sub_id)
            row.subfunds.append(pot)
            if kind == SubFundKind.STREET:
                index = next(s.street for s in world.streets if s.id == street_id)
                book.street_pots[index] = pot
        book.funds.append(row)
        for q, title in enumerate(vocab.DISCLOSURES):
            due = today - 365 + 90 * (q + 1)
            # Published at ten in the morning (local) of its due day, once that day has come.
            published = due * DAY - LOCAL_OFFSET + 10 * 3600 if due < today else None
            disclosures.row(
                disclosures.take(),
                f"{title}({name})",
                day(due),
                ts(published) if published else None,
                f"{name}{title}:收入、支出和结余明细见基金公开页面。" if published else "",
                ts(created),
                admin,
                admin if published else None,
                fund_id,
            )
    return book


def seed_donations(world: World, book: Book, count: int, volunteer_users: tuple[int, int]) -> None:
    """``count`` online donations across the funds and their pots: nine in ten succeeded, some
    pending, failed or refunded, each credited one with its ledger entries."""
    rng = world.rng("donations")
    copier = world.copier
    table = copier.table(Donation, DONATION_COLUMNS)
    entries = copier.table(JournalEntry, ENTRY_COLUMNS)
    postings = copier.table(Posting, POSTING_COLUMNS)
    amounts, amount_weights = zip(*AMOUNTS, strict=True)
    statuses, status_weights = zip(*STATUSES, strict=True)
    fund_weights = [f.weight for f in book.funds]
    first_user, users = volunteer_users
    now = world.now
    # Ids follow time, as they would.
    times = sorted(now - rng.randrange(600, 3 * YEAR) for _ in range(count))
    for created in times:
        fund = rng.choices(book.funds, weights=fund_weights)[0]
        pot = rng.choice(fund.subfunds) if fund.subfunds and rng.random() < 0.55 else fund.general
        status = rng.choices(statuses, weights=status_weights)[0]
        roll = rng.random()
        if roll < 0.30:
            name, anonymous = "", True
        elif roll < 0.92:
            name, anonymous = people.person_name(rng, rng.choice("MF"), rng.randrange(1950, 2005)), False
        else:
            name = f"{rng.choice(vocab.COMPANY_PLACES)}{rng.choice(vocab.COMPANY_TRADES)}"
            anonymous = False
        amount = rng.choices(amounts, weights=amount_weights)[0] * 100
        if name.endswith("公司"):
            amount *= rng.choice((10, 20, 50))
        contact = ""
        if rng.random() < 0.35:
            contact = crypto.encrypt(
                people.phone(rng.randrange(10**8)).removeprefix("+86")
                if rng.random() < 0.7
                else f"donor{rng.randrange(10**6)}@example.com"
            )
        donor_user = (
            first_user + rng.randrange(users) if users and not anonymous and rng.random() < 0.15 else None
        )
        pk = table.take()
        credited = refunded = receipt = None
        refunded_fen = 0
        payment_id = f"pi_scale_{pk}"
        if status == DonationStatus.PENDING and rng.random() < 0.5:
            payment_id = None  # the donor left before paying
        if status in CREDITED:
            credited = min(now - 1, created + rng.randrange(5, 120))
            local = local_day(credited)
            receipt = f"JZ{day(local).replace('-', '')}{pk:08d}"
            if status == DonationStatus.REFUNDED:
                refunded_fen = amount
            elif status == DonationStatus.PARTIALLY_REFUNDED:
                refunded_fen = max(100, min(amount - 100, int(amount * rng.uniform(0.2, 0.8)) // 100 * 100))
                if refunded_fen >= amount:
                    refunded_fen, status = amount, DonationStatus.REFUNDED
            if refunded_fen:
                refunded = min(now - 60, credited + rng.randrange(DAY, 30 * DAY))
        table.line(
            f"{pk}\t{amount}\t{name}\t{'t' if anonymous else 'f'}\t{contact}\tonline\t{status}\t{refunded_fen}\t"
            f"{payment_id or NULL}\t{receipt or NULL}\t\\N\t{ts(created)}\t{ts(credited) if credited else NULL}\t"
            f"{donor_user if donor_user else NULL}\t\\N\t\\N\t{fund.id}\t{pot.subfund_id or NULL}\n"
        )
        if credited is None:
            continue
        entry = entries.take()
        entries.line(
            f"{entry}\tdonation:{pk}:credit\t{EntryKind.DONATION}\tdonation {pk}\t{ts(credited)}\t\\N\t{pk}\t{fund.id}\n"
        )
        postings.line(f"{postings.take()}\t{amount}\t{fund.cash}\t{entry}\n")
        postings.line(f"{postings.take()}\t{-amount}\t{pot.account_id}\t{entry}\n")
        pot.balance += amount
        if refunded_fen:
            entry = entries.take()
            entries.line(
                f"{entry}\tdonation:{pk}:refund:{refunded_fen}\t{EntryKind.REFUND}\tdonation {pk} refund\t"
                f"{ts(refunded)}\t\\N\t{pk}\t{fund.id}\n"
            )
            postings.line(f"{postings.take()}\t{refunded_fen}\t{pot.account_id}\t{entry}\n")
            postings.line(f"{postings.take()}\t{-refunded_fen}\t{fund.cash}\t{entry}\n")
            pot.balance -= refunded_fen


def pay_milestone(
    world: World, book: Book, rng, *, milestone_id: int, amount: int, street: int, accepted: int, purpose: str
) -> tuple[int, int] | None:
    """The fund's disbursement for an accepted milestone paid from the fund: proposed by one
    district admin, approved by another (and a third above the second-approval amount), paid at
    once from the street's sub-fund or the general pot, whichever still covers it. None when
    neither does (the payment then waits, as it would)."""
    if not book.funds:
        return None
    fund = book.funds[0]
    pot = book.street_pots.get(street)
    if pot is None or pot.balance < amount:
        pot = fund.general
    if pot.balance < amount:
        return None
    proposed = accepted + rng.randrange(3600, 3 * DAY)
    approved = proposed + rng.randrange(3600, 2 * DAY)
    second = approved + rng.randrange(600, DAY) if amount > settings.FUND_SECOND_APPROVAL_FEN else None
    paid = second or approved
    if paid > world.now - 60:
        return None
    copier = world.copier
    table = copier.table(Disbursement, DISBURSEMENT_COLUMNS)
    entries = copier.table(JournalEntry, ENTRY_COLUMNS)
    postings = copier.table(Posting, POSTING_COLUMNS)
    admins = world.admins
    pk = table.take()
    table.row(
        pk,
        amount,
        "milestone",
        purpose,
        "paid",
        ts(proposed),
        ts(approved),
        ts(second) if second else None,
        None,
        "",
        ts(paid),
        admins[1].user_id,
        None,
        milestone_id,
        admins[0].user_id,
        None,
        admins[2].user_id if second else None,
        fund.id,
        pot.subfund_id,
    )
    entry = entries.take()
    entries.line(
        f"{entry}\tdisbursement:{pk}:paid\t{EntryKind.DISBURSEMENT}\tdisbursement {pk}\t{ts(paid)}\t{pk}\t\\N\t{fund.id}\n"
    )
    postings.line(f"{postings.take()}\t{amount}\t{pot.account_id}\t{entry}\n")
    postings.line(f"{postings.take()}\t{-amount}\t{fund.cash}\t{entry}\n")
    pot.balance -= amount
    book.disbursed += amount
    return pk, paid
