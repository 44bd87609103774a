"""Disbursements to contract milestones and incubation grants: proposer ≠ approver, a second
approval above the threshold, never above the pot's available balance, only to a milestone that
is accepted and waiting for the fund, restricted money spent only on its purpose."""

import pytest

from marketplace.core.exceptions import GuardFailed, PermissionDenied, TransitionNotAllowed, ValidationFailed
from marketplace.core.models import AuditEntry, Notification
from marketplace.fund import ledger, selectors, services, transitions
from marketplace.fund.models import JournalEntry
from marketplace.procurement import selectors as procurement_selectors
from marketplace.procurement.choices import MilestoneStatus
from tests.factories import IncubationFactory
from tests.marketplace.procurement.test_contracts import deliver, milestones, signed

from .conftest import books_balance, is_chinese, snapshot

FIRST_MILESTONE_FEN = 6_300_000  # 30% of the winning price in test_contracts


@pytest.fixture
def waiting_milestone(make_awarded):
    """A fund-financed contract (street A) whose first milestone is accepted and waits for the fund."""
    a = make_awarded(funding_source="fund")
    contract = signed(a)
    first = milestones(contract)[0]
    deliver(a, first)
    first.refresh_from_db()
    assert first.status == MilestoneStatus.ACCEPTED
    return first


def propose(fw, **overrides):
    values = {"actor": fw.admins[0], "fund": fw.fund, "subfund": None, "purpose": "支付第1期服务费"}
    values.update(overrides)
    return services.disbursement_propose(**values)


# --- milestones -----------------------------------------------------------------------------
def test_a_milestone_is_paid_from_the_fund_after_another_admins_approval(fw, waiting_milestone):
    fw.give(FIRST_MILESTONE_FEN + 1_000, fw.street_pot)
    d = propose(fw, subfund=fw.street_pot, amount_fen=FIRST_MILESTONE_FEN, milestone=waiting_milestone)
    assert (d.status, d.target_kind, d.proposed_by) == ("proposed", "milestone", fw.admins[0])
    assert not JournalEntry.objects.filter(disbursement=d).exists()
    services.disbursement_approve(actor=fw.admins[1], disbursement=d)
    d.refresh_from_db()
    assert (d.status, d.approved_by, d.second_approved_by) == ("paid", fw.admins[1], None)
    assert d.approved_at and d.paid_at
    assert [e.key for e in JournalEntry.objects.filter(disbursement=d)] == [f"disbursement:{d.pk}:paid"]
    assert ledger.pot_balance(fw.fund, fw.street_pot) == 1_000
    waiting_milestone.refresh_from_db()
    assert waiting_milestone.status == MilestoneStatus.PAID
    assert waiting_milestone.payment.fund_disbursement_ref == f"fund-disbursement:{d.pk}"
    assert waiting_milestone.pk not in [m.pk for m in procurement_selectors.fund_payment_requests()]
    assert [o.pk for o in selectors.fund_outflows(fw.fund)] == [d.pk]
    assert Notification.objects.filter(recipient=fw.admins[0], title__contains="已批准").exists()
    codes = list(transitions.DISBURSEMENT.history(d).values_list("code", flat=True))
    assert codes == ["approve", "pay"]
    books_balance()


def test_the_amount_must_be_the_milestones_payment(fw, waiting_milestone):
    fw.give(FIRST_MILESTONE_FEN * 2)
    with pytest.raises(ValidationFailed) as exc:
        propose(fw, amount_fen=FIRST_MILESTONE_FEN - 1, milestone=waiting_milestone)
    assert exc.value.code == "amount_mismatch" and "63,000.00" in str(exc.value.message)


def test_an_unfinished_or_fiscal_milestone_cannot_be_disbursed(fw, make_awarded):
    fw.give(50_000_000)
    a = make_awarded(funding_source="fund")
    contract = signed(a)
    pending = milestones(contract)[1]
    before = snapshot()
    with pytest.raises(GuardFailed) as exc:
        propose(fw, amount_fen=pending.amount_fen, milestone=pending)
    assert exc.value.code == "milestone_not_ready" and is_chinese(exc.value.message)
    assert snapshot() == before


def test_a_milestone_gets_one_live_disbursement(fw, waiting_milestone):
    fw.give(FIRST_MILESTONE_FEN * 2)
    d = propose(fw, amount_fen=FIRST_MILESTONE_FEN, milestone=waiting_milestone)
    with pytest.raises(GuardFailed) as exc:
        propose(fw, amount_fen=FIRST_MILESTONE_FEN, milestone=waiting_milestone)
    assert exc.value.code == "milestone_has_disbursement"
    services.disbursement_reject(actor=fw.admins[2], disbursement=d, reason="发票未到")
    again = propose(fw, amount_fen=FIRST_MILESTONE_FEN, milestone=waiting_milestone)
    services.disbursement_approve(actor=fw.admins[1], disbursement=again)
    again.refresh_from_db()
    assert again.status == "paid"
    with pytest.raises(GuardFailed):
        propose(fw, amount_fen=FIRST_MILESTONE_FEN, milestone=waiting_milestone)


def test_restricted_money_pays_only_its_purpose(fw, waiting_milestone, world):
    # The milestone's project is street A's; money given to street B or to a theme is not for it.
    street_b_pot = services.subfund_create(
        actor=fw.admins[0],
        fund=fw.fund,
        code="street-b",
        name="乙街道专项",
        kind="street",
        street=world.street_b,
        purpose="乙",
    )
    fw.give(FIRST_MILESTONE_FEN, street_b_pot)
    fw.give(FIRST_MILESTONE_FEN, fw.theme_pot)
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        propose(fw, subfund=street_b_pot, amount_fen=FIRST_MILESTONE_FEN, milestone=waiting_milestone)
    assert exc.value.code == "restricted_purpose"
    # The general pot holds nothing: restricted money is not available to it.
    with pytest.raises(GuardFailed) as exc:
        propose(fw, amount_fen=FIRST_MILESTONE_FEN, milestone=waiting_milestone)
    assert exc.value.code == "insufficient_balance"
    assert snapshot() == before
    # A theme pot's money may go to the project (the purpose is judged by the admins).
    d = propose(fw, subfund=fw.theme_pot, amount_fen=FIRST_MILESTONE_FEN, milestone=waiting_milestone)
    services.disbursement_approve(actor=fw.admins[1], disbursement=d)
    assert ledger.pot_balance(fw.fund, fw.theme_pot) == 0
    assert ledger.pot_balance(fw.fund, street_b_pot) == FIRST_MILESTONE_FEN


# --- approvals ------------------------------------------------------------------------------
def grant_for(fw, amount=5_000, subfund=None, **kwargs):
    return propose(
        fw,
        subfund=subfund,
        amount_fen=amount,
        incubation=kwargs.pop("incubation", None) or IncubationFactory(),
        purpose="孵化资助",
        **kwargs,
    )


def test_the_proposer_cannot_approve_or_reject_their_own(fw):
    fw.give(10_000)
    d = grant_for(fw)
    before = snapshot()
    with pytest.raises(GuardFailed) as exc:
        services.disbursement_approve(actor=fw.admins[0], disbursement=d)
    assert exc.value.code == "self_approval" and "另一位管理员" in str(exc.value.message)
    with pytest.raises(GuardFailed):
        services.disbursement_reject(actor=fw.admins[0], disbursement=d, reason="撤回")
    assert snapshot() == before
    assert transitions.DISBURSEMENT.available(d, fw.admins[0]) == []
    assert [t.code for t in transitions.DISBURSEMENT.available(d, fw.admins[1])] == ["approve", "reject"]


def test_large_amounts_need_a_second_different_approver(fw, settings):
    settings.FUND_SECOND_APPROVAL_FEN = 5_000
    fw.give(20_000)
    small = grant_for(fw, amount=5_000)
    services.disbursement_approve(actor=fw.admins[1], disbursement=small)
    small.refresh_from_db()
    assert small.status == "paid"  # at the threshold: one approval is enough
    d = grant_for(fw, amount=5_001)
    services.disbursement_approve(actor=fw.admins[1], disbursement=d)
    d.refresh_from_db()
    assert (d.status, d.approved_by) == ("awaiting_second", fw.admins[1])
    assert not JournalEntry.objects.filter(disbursement=d).exists()
    before = snapshot()
    with pytest.raises(GuardFailed) as exc:
        services.disbursement_approve(actor=fw.admins[1], disbursement=d)
    assert exc.value.code == "same_approver" and is_chinese(exc.value.message)
    with pytest.raises(GuardFailed) as exc:
        services.disbursement_approve(actor=fw.admins[0], disbursement=d)
    assert exc.value.code == "self_approval"
    assert snapshot() == before
    services.disbursement_approve(actor=fw.admins[2], disbursement=d)
    d.refresh_from_db()
    assert (d.status, d.approved_by, d.second_approved_by) == ("paid", fw.admins[1], fw.admins[2])
    assert list(transitions.DISBURSEMENT.history(d).values_list("code", flat=True)) == [
        "first_approve",
        "second_approve",
        "pay",
    ]
    assert ledger.pot_balance(fw.fund) == 20_000 - 5_000 - 5_001
    books_balance()


def test_the_default_threshold_is_one_hundred_thousand_yuan(settings):
    if hasattr(settings, "FUND_SECOND_APPROVAL_FEN"):
        del settings.FUND_SECOND_APPROVAL_FEN
    assert transitions.second_approval_threshold() == 10_000_000


def test_nothing_is_approved_above_the_available_balance(fw):
    fw.give(10_000)
    before = snapshot()
    with pytest.raises(GuardFailed) as exc:
        grant_for(fw, amount=10_001)
    assert exc.value.code == "insufficient_balance" and "¥100.00" in str(exc.value.message)
    assert snapshot() == before
    first, second = grant_for(fw, amount=8_000), grant_for(fw, amount=8_000)
    services.disbursement_approve(actor=fw.admins[1], disbursement=first)
    before = snapshot()
    with pytest.raises(GuardFailed) as exc:
        services.disbursement_approve(actor=fw.admins[1], disbursement=second)
    assert exc.value.code == "insufficient_balance"
    assert snapshot() == before
    assert ledger.pot_available(fw.fund) == 2_000 and ledger.pot_balance(fw.fund) >= 0


def test_rejection_needs_a_reason_and_ends_the_proposal(fw):
    fw.give(10_000)
    d = grant_for(fw)
    with pytest.raises(ValidationFailed):
        services.disbursement_reject(actor=fw.admins[1], disbursement=d, reason=" ")
    services.disbursement_reject(actor=fw.admins[1], disbursement=d, reason="材料不全")
    d.refresh_from_db()
    assert (d.status, d.rejected_by, d.reject_reason) == ("rejected", fw.admins[1], "材料不全")
    assert Notification.objects.filter(recipient=fw.admins[0], title__contains="驳回").exists()
    with pytest.raises(TransitionNotAllowed) as exc:
        services.disbursement_approve(actor=fw.admins[2], disbursement=d)
    assert "已驳回" in str(exc.value.message)
    assert ledger.pot_balance(fw.fund) == 10_000


def test_only_district_admins_propose_and_approve(fw):
    fw.give(10_000)
    official = fw.world.official_a
    with pytest.raises(PermissionDenied):
        grant_for(fw, actor=official)
    d = grant_for(fw)
    for call in (
        lambda: services.disbursement_approve(actor=official, disbursement=d),
        lambda: services.disbursement_reject(actor=official, disbursement=d, reason="x"),
        lambda: services.disbursement_approve(actor=None, disbursement=d),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert AuditEntry.objects.filter(action="fund.disbursement.propose").count() == 1


def test_grants_go_only_to_incubating_organisations(fw):
    fw.give(10_000)
    ended = IncubationFactory(status="graduated")
    with pytest.raises(GuardFailed) as exc:
        grant_for(fw, incubation=ended)
    assert exc.value.code == "incubation_ended"
    with pytest.raises(ValidationFailed) as exc:
        propose(fw, amount_fen=100)
    assert exc.value.code == "target_required"
    live = IncubationFactory()
    d = grant_for(fw, incubation=live)
    live.status = "exited"
    live.save()
    with pytest.raises(GuardFailed) as exc:
        services.disbursement_approve(actor=fw.admins[1], disbursement=d)
    assert exc.value.code == "incubation_ended"


@pytest.mark.parametrize("amount", [0, -1, 1.5, "100", None])
def test_bad_amounts_are_refused(fw, amount):
    fw.give(10_000)
    with pytest.raises(ValidationFailed):
        grant_for(fw, amount=amount)


def test_payments_to_an_organisation_are_its_milestone_payments_and_grants_newest_first(
    fw, waiting_milestone
):
    from marketplace.fund import public_selectors

    org = waiting_milestone.contract.organization
    fw.give(FIRST_MILESTONE_FEN + 100_000, fw.street_pot)
    fw.give(100_000)
    grant = grant_for(fw, amount=3_000, incubation=IncubationFactory(application__organization=org))
    services.disbursement_approve(actor=fw.admins[1], disbursement=grant)
    paid = propose(fw, subfund=fw.street_pot, amount_fen=FIRST_MILESTONE_FEN, milestone=waiting_milestone)
    services.disbursement_approve(actor=fw.admins[1], disbursement=paid)
    someone_else = grant_for(fw, amount=2_000)
    services.disbursement_approve(actor=fw.admins[1], disbursement=someone_else)
    unpaid = grant_for(fw, amount=1_000, incubation=IncubationFactory(application__organization=org))

    listed = public_selectors.payments_to_organization(org.pk)
    assert [d.pk for d in listed] == [paid.pk, grant.pk]
    assert unpaid.pk not in [d.pk for d in listed]
    assert [d.pk for d in public_selectors.payments_to_organization(org.pk, limit=1)] == [paid.pk]
