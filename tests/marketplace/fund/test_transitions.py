"""The fund's lifecycle tables move by move: every allowed move from each of its source states, and
every move refused from every other state and to every role the table does not name."""

import pytest

from marketplace.core.exceptions import PermissionDenied, TransitionNotAllowed
from marketplace.core.models import TransitionLog
from marketplace.fund import transitions
from marketplace.fund.choices import DisbursementStatus, DonationStatus
from marketplace.fund.models import Disbursement, Donation
from tests.factories import IncubationFactory

DONATION_CASES = [(t.code, s) for t in transitions.DONATION.transitions for s in DonationStatus.values]
DISBURSEMENT_CASES = [
    (t.code, s) for t in transitions.DISBURSEMENT.transitions for s in DisbursementStatus.values
]


def donation_in(fw, status):
    return Donation.objects.create(
        fund=fw.fund, amount_fen=1_000, donor_name="王五", channel="online", status=status
    )


@pytest.mark.parametrize("code, state", DONATION_CASES)
def test_donation_moves(fw, code, state):
    t = transitions.DONATION.get(code)
    d = donation_in(fw, state)
    # Every donation move is the system's: no person may make one, whatever the state.
    with pytest.raises((PermissionDenied, TransitionNotAllowed)):
        transitions.DONATION.perform(d, code, actor=fw.admins[0])
    if state in t.source:
        transitions.DONATION.perform(d, code, actor=None)
        d.refresh_from_db()
        assert d.status == t.target
        assert TransitionLog.objects.filter(
            lifecycle="fund.donation", object_id=str(d.pk), code=code
        ).exists()
    else:
        with pytest.raises(TransitionNotAllowed):
            transitions.DONATION.perform(d, code, actor=None)
        d.refresh_from_db()
        assert d.status == state


def disbursement_in(fw, status, amount=1_000, approved_by=None):
    return Disbursement.objects.create(
        fund=fw.fund,
        amount_fen=amount,
        target_kind="incubation",
        incubation=IncubationFactory(),
        purpose="资助",
        proposed_by=fw.admins[0],
        approved_by=approved_by,
        status=status,
    )


@pytest.mark.parametrize("code, state", DISBURSEMENT_CASES)
def test_disbursement_moves(fw, settings, code, state):
    settings.FUND_SECOND_APPROVAL_FEN = 5_000
    fw.give(100_000)
    t = transitions.DISBURSEMENT.get(code)
    amount = 6_000 if code in ("first_approve", "second_approve") else 1_000
    d = disbursement_in(
        fw, state, amount=amount, approved_by=fw.admins[1] if code == "second_approve" else None
    )
    official = fw.world.official_a
    if state not in t.source:
        for actor in (fw.admins[2], None, official):
            with pytest.raises(TransitionNotAllowed):
                transitions.DISBURSEMENT.perform(d, code, actor=actor, reason="原因")
        d.refresh_from_db()
        assert d.status == state
        return
    # The roles the table does not name are refused.
    wrong = [official, fw.admins[2]] if code == "pay" else [official, None]
    for actor in wrong:
        with pytest.raises(PermissionDenied):
            transitions.DISBURSEMENT.perform(d, code, actor=actor, reason="原因")
    right = None if code == "pay" else fw.admins[2]
    transitions.DISBURSEMENT.perform(d, code, actor=right, reason="原因")
    d.refresh_from_db()
    assert d.status == t.target
