"""The ledger's property (Hypothesis): whatever sequence of donations, refunds and disbursements
is attempted — allowed or refused — every pot's balance and available balance stay ≥ 0, every
entry sums to zero, cash equals the sum of the pots, and the balances agree with a plain model of
what was accepted."""

from collections import defaultdict

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import marketplace.fund.stripe_gateway as gateway
from marketplace.core.exceptions import DomainError
from marketplace.fund import ledger, selectors, services
from marketplace.fund.models import Disbursement, Donation, JournalEntry
from tests.factories import IncubationFactory

from .conftest import books_balance, pdf, yesterday

POTS = 3  # general, street, theme
amounts = st.integers(min_value=100, max_value=40_000)
index = st.integers(min_value=0, max_value=50)
operation = st.one_of(
    st.tuples(st.just("give"), st.integers(0, POTS - 1), amounts),
    st.tuples(st.just("offline"), st.integers(0, POTS - 1), amounts),
    st.tuples(st.just("refund"), index, st.integers(min_value=1, max_value=40_000)),
    st.tuples(st.just("give"), st.integers(0, POTS - 1), amounts),
    # A share (in %) of the pot's available balance: above 100 asks for more than there is.
    st.tuples(st.just("propose"), st.integers(0, POTS - 1), st.integers(min_value=1, max_value=130)),
    st.tuples(st.just("approve"), index, st.integers(0, 2)),
    # Propose, then approve at once (by whom the last two say; the second one matters above the
    # threshold).
    st.tuples(
        st.just("grant"),
        st.integers(0, POTS - 1),
        st.integers(min_value=1, max_value=130),
        st.integers(0, 2),
        st.integers(0, 2),
    ),
    st.tuples(st.just("reject"), index, st.integers(0, 2)),
)


class Rollback(Exception):
    pass


def _check_paid(d, model):
    """Follow a disbursement into the model when it has just been paid."""
    status = Disbursement.objects.get(pk=d.pk).status
    if status == "paid" and d.status != "paid":
        model[d.subfund_id] -= d.amount_fen
        event("disbursement paid")
    d.status = status


def _key(subfund):
    return subfund.pk if subfund else None


def _check(fw, model):
    books_balance()
    balances = selectors.fund_balances(fw.fund)
    for pot in balances.pots:
        subfund = pot.subfund
        key = subfund.pk if subfund else None
        assert ledger.pot_balance(fw.fund, subfund) == pot.balance_fen == model[key]
        assert pot.balance_fen >= 0 and pot.available_fen >= 0
        assert ledger.pot_available(fw.fund, subfund) == pot.available_fen
    assert ledger.cash_balance(fw.fund) == sum(model.values()) == balances.balance_fen
    for d in Donation.objects.all():
        refunds = sum(
            -p.amount_fen
            for e in JournalEntry.objects.filter(donation=d, kind="refund")
            for p in e.postings.filter(account__kind="cash")
        )
        assert refunds == d.refunded_fen <= d.amount_fen


@pytest.fixture
def instant_refunds(monkeypatch):
    """The provider refunds at once and its event arrives at once."""

    def refund(donation, amount_fen):
        services.donation_refund_from_provider(
            provider_payment_id=donation.provider_payment_id,
            refunded_total_fen=donation.refunded_fen + amount_fen,
        )
        return "re_test"

    monkeypatch.setattr(gateway, "refund", refund)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=1, max_size=20))
def test_any_sequence_keeps_balances_non_negative_and_the_books_balanced(
    fw, private_root, instant_refunds, django_settings_override, ops
):
    pots = [None, fw.street_pot, fw.theme_pot]
    incubation = django_settings_override
    try:
        with transaction.atomic():
            model = defaultdict(int)
            donations, disbursements = [], []
            for op in ops:
                kind = op[0]
                if (
                    kind in ("refund",)
                    and not donations
                    or kind in ("approve", "reject")
                    and not disbursements
                ):
                    continue
                try:
                    if kind in ("give", "offline"):
                        _k, pot, amount = op
                        if kind == "give":
                            d = fw.give(amount, pots[pot])
                        else:
                            d = services.donation_record_offline(
                                actor=fw.admins[0],
                                fund=fw.fund,
                                subfund=pots[pot],
                                amount_fen=amount,
                                donor_name="某公司",
                                anonymous=False,
                                contact="",
                                evidence_upload=pdf(),
                                received_on=yesterday(),
                            )
                        donations.append((d, _key(pots[pot])))
                        model[_key(pots[pot])] += amount
                    elif kind == "refund":
                        d, pot = donations[op[1] % len(donations)]
                        services.donation_refund_request(actor=fw.admins[1], donation=d, amount_fen=op[2])
                        model[pot] -= op[2]
                    elif kind in ("propose", "grant"):
                        _k, pot, share, *approvers = op
                        amount = max(1, ledger.pot_available(fw.fund, pots[pot]) * share // 100)
                        d = services.disbursement_propose(
                            actor=fw.admins[0],
                            fund=fw.fund,
                            subfund=pots[pot],
                            amount_fen=amount,
                            incubation=incubation,
                            purpose="孵化资助",
                        )
                        disbursements.append((d, _key(pots[pot])))
                        for i in approvers:
                            # Each approval is its own attempt: a refusal leaves the proposal as it is.
                            try:
                                services.disbursement_approve(actor=fw.admins[i], disbursement=d)
                            except DomainError as exc:
                                event(f"grant approval: refused ({exc.code})")
                            _check_paid(d, model)
                    else:
                        d, pot = disbursements[op[1] % len(disbursements)]
                        actor = fw.admins[op[2]]
                        if kind == "approve":
                            services.disbursement_approve(actor=actor, disbursement=d)
                            _check_paid(d, model)
                        else:
                            services.disbursement_reject(actor=actor, disbursement=d, reason="不符合")
                    event(f"{kind}: accepted")
                except DomainError as exc:
                    event(f"{kind}: refused ({exc.code})")  # a refusal changes nothing: see the checks
                _check(fw, model)
            raise Rollback
    except Rollback:
        pass


@pytest.fixture
def django_settings_override(settings, world):
    # A low threshold so that sequences exercise the second approval too; the grantee is on
    # street A, so the street A pot may pay it.
    settings.FUND_SECOND_APPROVAL_FEN = 15_000
    return IncubationFactory(application__organization__street=world.street_a)
