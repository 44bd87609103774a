"""Disbursements from the fund to a contract milestone or an incubation grant.

One district admin proposes; a different one approves (a second, different approver above
``settings.FUND_SECOND_APPROVAL_FEN``); approval is refused when the pot's available balance does
not cover the amount. Every approval locks the pot's ledger account row before checking the
balance, so concurrent approvals against the same pot are decided one after the other and the
pot never goes below zero. The final approval pays at once (the host transfers the money): the
ledger entry is booked and, for a milestone, procurement is told through its hand-over
``milestone_fund_disbursed`` in the same transaction.

Restricted money: a project sub-fund pays only its project's milestones, a street sub-fund only
milestones of projects bought by its street (or grants to organisations registered there).
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.core import audit
from marketplace.core.exceptions import GuardFailed, NotFound, ValidationFailed
from marketplace.core.models import NotificationKind
from marketplace.core.money import format_yuan
from marketplace.core.notifications import notify
from marketplace.core.permissions import require

from .. import ledger, transitions
from ..choices import DisbursementStatus, DisbursementTarget, EntryKind, SubFundKind
from ..models import Disbursement, Fund, SubFund
from ._common import TEXT_MAX, check_subfund, clean_amount, clean_text

__all__ = ["check_target", "disbursement_approve", "disbursement_propose", "disbursement_reject"]

_RESTRICTED = _("专项资金只能用于该专项的指定用途。")


def check_target(
    *, fund: Fund, subfund: SubFund | None, milestone=None, incubation=None, exclude=None
) -> int | None:
    """Check that the disbursement's target may be paid from the pot now; for a milestone, return
    the amount its fund payment waits for."""
    from marketplace.organizations.choices import IncubationStatus
    from marketplace.procurement.selectors import fund_payment_requests

    if (milestone is None) == (incubation is None):
        raise ValidationFailed(
            _("请选择拨付对象:履约节点或孵化资助,二者选一。"), code="target_required", field="target"
        )
    if milestone is not None:
        waiting = fund_payment_requests().filter(pk=milestone.pk).first()
        if waiting is None:
            raise GuardFailed(
                _("该履约节点尚未验收通过,或其付款不由专项基金支付,或已拨付。"), code="milestone_not_ready"
            )
        project = waiting.contract.project
        if project.district_id != fund.district_id:
            raise ValidationFailed(_("该项目不属于本基金所在区。"), code="wrong_district", field="milestone")
        if subfund is not None and (
            (subfund.kind == SubFundKind.PROJECT and subfund.project_id != project.pk)
            or (subfund.kind == SubFundKind.STREET and subfund.street_id != project.street_id)
        ):
            raise ValidationFailed(_RESTRICTED, code="restricted_purpose", field="subfund")
        live = Disbursement.objects.filter(milestone_id=milestone.pk).exclude(
            status=DisbursementStatus.REJECTED
        )
        if exclude is not None:
            live = live.exclude(pk=exclude.pk)
        if live.exists():
            raise GuardFailed(_("该履约节点已有拨付申请。"), code="milestone_has_disbursement")
        return waiting.payment.amount_fen
    incubation = type(incubation).objects.select_related("cohort", "organization").get(pk=incubation.pk)
    if incubation.status not in (IncubationStatus.INCUBATING, IncubationStatus.MIDTERM):
        raise GuardFailed(_("该组织的孵化已结束,不能再资助。"), code="incubation_ended")
    if incubation.cohort.district_id != fund.district_id:
        raise ValidationFailed(_("该孵化记录不属于本基金所在区。"), code="wrong_district", field="incubation")
    if subfund is not None and (
        subfund.kind == SubFundKind.PROJECT
        or (subfund.kind == SubFundKind.STREET and subfund.street_id != incubation.organization.street_id)
    ):
        raise ValidationFailed(_RESTRICTED, code="restricted_purpose", field="subfund")
    return None


def _insufficient(amount: int, available: int) -> GuardFailed:
    return GuardFailed(
        _("可用余额不足:该笔拨付 %(amount)s,可用余额 %(available)s。")
        % {"amount": format_yuan(amount), "available": format_yuan(max(available, 0))},
        code="insufficient_balance",
    )


@transaction.atomic
def disbursement_propose(
    *,
    actor,
    fund: Fund,
    subfund: SubFund | None,
    amount_fen,
    milestone=None,
    incubation=None,
    purpose: str,
) -> Disbursement:
    """Propose paying a milestone's fund payment, or a grant to an incubating organisation."""
    require(actor, "fund.disbursement.propose", fund)
    check_subfund(fund, subfund)
    amount = clean_amount(amount_fen)
    purpose = clean_text(purpose, field="purpose", label=_("用途说明"), max_length=TEXT_MAX)
    expected = check_target(fund=fund, subfund=subfund, milestone=milestone, incubation=incubation)
    if expected is not None and amount != expected:
        raise ValidationFailed(
            _("拨付金额须等于该节点的付款金额 %(amount)s。") % {"amount": format_yuan(expected)},
            code="amount_mismatch",
            field="amount_fen",
        )
    available = ledger.pot_available(fund, subfund)
    if amount > available:
        raise _insufficient(amount, available)
    try:
        with transaction.atomic():
            disbursement = Disbursement.objects.create(
                fund=fund,
                subfund=subfund,
                amount_fen=amount,
                target_kind=DisbursementTarget.MILESTONE
                if milestone is not None
                else DisbursementTarget.INCUBATION,
                milestone=milestone,
                incubation=incubation,
                purpose=purpose,
                proposed_by=actor,
            )
    except IntegrityError:
        # Another admin proposed the same milestone's disbursement at the same moment.
        raise GuardFailed(_("该履约节点已有拨付申请。"), code="milestone_has_disbursement") from None
    audit.record(
        actor=actor,
        action="fund.disbursement.propose",
        obj=disbursement,
        changes={"amount_fen": amount, "subfund": subfund.pk if subfund else None},
    )
    return disbursement


def _pay(disbursement: Disbursement) -> Disbursement:
    """Pay an approved disbursement: the ledger entry, procurement's hand-over, the status."""
    from marketplace.procurement import services as procurement

    transitions.DISBURSEMENT.perform(disbursement, "pay", actor=None, fields={"paid_at": timezone.now()})
    amount = disbursement.amount_fen
    ledger.book(
        fund=disbursement.fund,
        key=f"disbursement:{disbursement.pk}:paid",
        kind=EntryKind.DISBURSEMENT,
        lines=[
            (ledger.pot_account(disbursement.fund, disbursement.subfund), amount),
            (ledger.cash_account(disbursement.fund), -amount),
        ],
        memo=f"disbursement {disbursement.pk}",
        disbursement=disbursement,
    )
    if disbursement.milestone_id:
        procurement.milestone_fund_disbursed(
            actor=None, milestone=disbursement.milestone, disbursement_ref=disbursement.reference
        )
    return disbursement


def _load(disbursement) -> Disbursement:
    try:
        return Disbursement.objects.select_related("fund", "subfund", "milestone").get(pk=disbursement.pk)
    except Disbursement.DoesNotExist:
        raise NotFound() from None


@transaction.atomic
def disbursement_approve(*, actor, disbursement: Disbursement) -> Disbursement:
    """Approve (or, for a large amount, first-approve or second-approve) a disbursement; the final
    approval pays it."""
    require(actor, "fund.disbursement.approve", disbursement)
    d = _load(disbursement)
    # Hold the pot while its balance is checked and the outflow booked (see the module docstring).
    ledger.lock_pot(d.fund, d.subfund)
    d.refresh_from_db(fields=["status", "approved_by", "approved_at"])
    now = timezone.now()
    if d.status == DisbursementStatus.AWAITING_SECOND:
        transitions.DISBURSEMENT.perform(
            d, "second_approve", actor=actor, fields={"second_approved_by": actor, "second_approved_at": now}
        )
    elif d.status == DisbursementStatus.PROPOSED and transitions.needs_second_approval(d):
        transitions.DISBURSEMENT.perform(
            d, "first_approve", actor=actor, fields={"approved_by": actor, "approved_at": now}
        )
        return d
    else:
        transitions.DISBURSEMENT.perform(
            d, "approve", actor=actor, fields={"approved_by": actor, "approved_at": now}
        )
    _pay(d)
    notify(
        recipient=d.proposed_by,
        kind=NotificationKind.FUND,
        title=str(_("拨付申请已批准并拨付:%(amount)s") % {"amount": format_yuan(d.amount_fen)}),
        body=d.purpose,
    )
    return d


@transaction.atomic
def disbursement_reject(*, actor, disbursement: Disbursement, reason: str) -> Disbursement:
    """A different admin turns the proposal down, with the reason."""
    require(actor, "fund.disbursement.approve", disbursement)
    d = _load(disbursement)
    reason = clean_text(reason, field="reason", label=_("驳回原因"), max_length=TEXT_MAX)
    transitions.DISBURSEMENT.perform(
        d,
        "reject",
        actor=actor,
        reason=reason,
        fields={"rejected_by": actor, "rejected_at": timezone.now(), "reject_reason": reason},
    )
    notify(
        recipient=d.proposed_by,
        kind=NotificationKind.FUND,
        title=str(_("拨付申请被驳回:%(amount)s") % {"amount": format_yuan(d.amount_fen)}),
        body=reason,
    )
    return d
