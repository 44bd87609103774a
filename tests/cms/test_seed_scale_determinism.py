"""``seed_scale`` is deterministic: the same sizes and seed make the same data (the ids move on
with the sequences, and ciphertexts differ by their random IVs; everything else is equal)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from marketplace.accounts.models import RealNameIdentity, User
from marketplace.fund.models import Donation
from marketplace.procurement.models import Bid, Project
from marketplace.volunteers.models import ServiceRecord, Signup

FLAGS = [
    "--volunteers=60",
    "--hours=150",
    "--activities=12",
    "--projects=12",
    "--bids=30",
    "--organizations=12",
    "--donations=40",
]


def _fingerprint(seed: int) -> tuple:
    call_command("seed_scale", *FLAGS, f"--seed={seed}", stdout=StringIO())
    scale_users = User.objects.filter(username__startswith="scale-").order_by("pk")
    return (
        list(scale_users.values_list("username", "display_name", "phone")),
        [i.id_number for i in RealNameIdentity.objects.order_by("pk")],
        list(Project.objects.order_by("pk").values_list("title", "status", "budget_ceiling_fen")),
        list(Bid.objects.order_by("pk").values_list("status", "price_fen")),
        list(Signup.objects.order_by("pk").values_list("status", "activity__title")),
        list(ServiceRecord.objects.order_by("pk").values_list("minutes", "status")),
        list(Donation.objects.order_by("pk").values_list("amount_fen", "donor_name", "status")),
    )


def _in_rolled_back_transaction(fn):
    atomic = transaction.atomic()
    atomic.__enter__()
    try:
        return fn()
    finally:
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_sizes_and_seed_make_the_same_data():
    assert connection.vendor == "postgresql"
    first = _in_rolled_back_transaction(lambda: _fingerprint(5))
    second = _in_rolled_back_transaction(lambda: _fingerprint(5))
    other = _in_rolled_back_transaction(lambda: _fingerprint(6))
    assert first == second
    assert all(first)
    assert first != other
