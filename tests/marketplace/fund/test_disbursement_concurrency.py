"""Disbursements under concurrency, on PostgreSQL with real connections: twenty approvals at the
same moment against a balance that covers one give exactly one disbursement."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import DatabaseError, connection, transaction

from marketplace.accounts.models import User
from marketplace.core.exceptions import DomainError, GuardFailed, TransitionNotAllowed
from marketplace.core.models import TransitionLog
from marketplace.fund import ledger, services
from marketplace.fund.models import Disbursement, JournalEntry
from tests.factories import IncubationFactory

from .conftest import books_balance

CONCURRENT = 20


def _race(fn, n=CONCURRENT):
    barrier = threading.Barrier(n)

    def run(i):
        try:
            barrier.wait(timeout=30)
            fn(i)
            return "ok"
        except DomainError as exc:
            # A refusal is an answer; anything else (a database error: a 500) fails the test.
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return [f.result() for f in [pool.submit(run, i) for i in range(n)]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_approvals_against_a_balance_for_one_pay_exactly_one(fw):
    fw.give(10_000, fw.theme_pot)
    incubation = IncubationFactory()
    proposals = [
        services.disbursement_propose(
            actor=fw.admins[0],
            fund=fw.fund,
            subfund=fw.theme_pot,
            amount_fen=10_000,
            incubation=incubation,
            purpose=f"孵化资助{i}",
        ).pk
        for i in range(CONCURRENT)
    ]
    approver_ids = [fw.admins[1].pk, fw.admins[2].pk]

    def approve(i):
        actor = User.objects.get(pk=approver_ids[i % 2])
        services.disbursement_approve(actor=actor, disbursement=Disbursement.objects.get(pk=proposals[i]))

    outcomes = _race(approve)
    assert outcomes.count("ok") == 1
    refusals = [o for o in outcomes if o != "ok"]
    assert all(isinstance(r, GuardFailed) and r.code == "insufficient_balance" for r in refusals)
    assert Disbursement.objects.filter(status="paid").count() == 1
    assert Disbursement.objects.filter(status="proposed").count() == CONCURRENT - 1
    assert JournalEntry.objects.filter(kind="disbursement").count() == 1
    assert ledger.pot_balance(fw.fund, fw.theme_pot) == 0
    books_balance()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_approvals_of_one_proposal_pay_it_once(fw):
    fw.give(50_000)
    d = services.disbursement_propose(
        actor=fw.admins[0],
        fund=fw.fund,
        subfund=None,
        amount_fen=10_000,
        incubation=IncubationFactory(),
        purpose="资助",
    )
    approver_ids = [fw.admins[1].pk, fw.admins[2].pk]

    def approve(i):
        actor = User.objects.get(pk=approver_ids[i % 2])
        services.disbursement_approve(actor=actor, disbursement=Disbursement.objects.get(pk=d.pk))

    outcomes = _race(approve)
    assert outcomes.count("ok") == 1
    assert all(isinstance(o, TransitionNotAllowed) for o in outcomes if o != "ok")
    assert TransitionLog.objects.filter(lifecycle="fund.disbursement", code="pay").count() == 1
    assert ledger.pot_balance(fw.fund) == 40_000
    books_balance()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_ledger_is_append_only_in_the_database(fw):
    fw.give(1_000)
    for sql in ("UPDATE fund_posting SET amount_fen = amount_fen * 2", "DELETE FROM fund_journalentry"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert ledger.cash_balance(fw.fund) == 1_000
