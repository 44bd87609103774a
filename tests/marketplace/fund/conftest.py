"""Fixtures for the fund's own tests (the Stripe harness is in conftest_stripe.py)."""

import datetime
import itertools
from dataclasses import dataclass

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.utils import timezone

from marketplace.core.models import AuditEntry, TransitionLog
from marketplace.core.roles import Role
from marketplace.fund import services
from marketplace.fund.models import Disbursement, Donation, JournalEntry, LedgerAccount, Posting
from tests.factories import UserFactory, grant
from tests.factories.organizations import make_uscc
from tests.marketplace.procurement.conftest import pw  # noqa: F401  (the procurement world)
from tests.marketplace.procurement.test_contracts import make_awarded  # noqa: F401  (awarded projects)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_payment_ids = itertools.count(1)


@pytest.fixture
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


def pdf(name="回单.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@dataclass
class FundWorld:
    world: object
    fund: object
    street_pot: object  # a street sub-fund (street A)
    theme_pot: object  # a theme sub-fund
    admins: list  # three district admins: [0] proposes, [1] and [2] approve

    def give(self, amount_fen=10_000, subfund=None, *, donor_name="张三丰", anonymous=False, actor=None):
        """An online donation credited by the provider's confirmation."""
        donation = services.donation_start(
            actor=actor,
            fund=self.fund,
            subfund=subfund,
            amount_fen=amount_fen,
            donor_name=donor_name,
            anonymous=anonymous,
            contact="13800138000",
        )
        pi = f"pi_test_{next(_payment_ids)}"
        services.donation_attach_provider_payment(donation=donation, provider_payment_id=pi)
        services.donation_credit_from_provider(provider_payment_id=pi, amount_fen=amount_fen, currency="cny")
        donation.refresh_from_db()
        return donation


@pytest.fixture
def fw(world) -> FundWorld:
    a1 = world.district_admin
    admins = [a1]
    for i in (2, 3):
        admin = UserFactory(display_name=f"区管理员{i}")
        grant(admin, Role.DISTRICT_ADMIN, world.district)
        admins.append(admin)
    fund = services.fund_create(
        actor=a1,
        district=world.district,
        code="jiceng",
        name="基层治理专项基金",
        host_name="区慈善总会",
        host_credit_code=make_uscc(4242),
        purpose="支持基层治理与社区服务。",
    )
    street_pot = services.subfund_create(
        actor=a1,
        fund=fund,
        code="street-a",
        name="甲街道专项",
        kind="street",
        street=world.street_a,
        purpose="甲街道的服务项目。",
    )
    theme_pot = services.subfund_create(
        actor=a1,
        fund=fund,
        code="elderly",
        name="为老服务专项",
        kind="theme",
        theme="为老服务",
        purpose="为老服务。",
    )
    return FundWorld(world=world, fund=fund, street_pot=street_pot, theme_pot=theme_pot, admins=admins)


def books_balance() -> None:
    """Every entry sums to zero; each fund's cash equals the sum of its pots."""
    per_entry = Posting.objects.values("entry_id").annotate(s=Sum("amount_fen"))
    assert all(row["s"] == 0 for row in per_entry)
    assert JournalEntry.objects.filter(postings__isnull=True).count() == 0
    for account in LedgerAccount.objects.filter(kind="cash"):
        assert sum(account.postings.values_list("amount_fen", flat=True)) == -sum(
            Posting.objects.filter(account__fund=account.fund_id, account__kind="pot").values_list(
                "amount_fen", flat=True
            )
        )


def snapshot() -> tuple:
    """Everything the fund services write, to show that a refusal changed nothing."""
    return (
        list(Donation.objects.order_by("pk").values_list("pk", "status", "refunded_fen", "receipt_number")),
        list(
            Disbursement.objects.order_by("pk").values_list(
                "pk", "status", "approved_by", "second_approved_by"
            )
        ),
        JournalEntry.objects.count(),
        Posting.objects.count(),
        TransitionLog.objects.count(),
        AuditEntry.objects.count(),
    )


def is_chinese(message) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in str(message))


def yesterday() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=1)
