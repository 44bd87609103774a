"""The fund's lifecycles as tables of allowed moves (see core.lifecycle).

Donations move only on the payment provider's word (or, for offline donations, the service that
records them): every donation move is the system's (``actor=None``); the district admin's part —
recording an offline gift, asking for a refund — is checked and audited by the services.

Disbursements: one admin proposes; a different admin approves. Above
``settings.FUND_SECOND_APPROVAL_FEN`` the first approval is followed by a second one by yet another
admin. Every approval is refused when the pot's available balance does not cover the amount (the
services lock the pot's account row first, so concurrent approvals are decided one by one). An
approved disbursement is paid by the system in the same transaction.
"""

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marketplace.core.exceptions import GuardFailed
from marketplace.core.lifecycle import Lifecycle, Transition
from marketplace.core.permissions import SYSTEM
from marketplace.core.roles import Role

from . import ledger
from .choices import DisbursementStatus, DisbursementTarget, DonationStatus
from .models import Disbursement, Donation

A = Role.DISTRICT_ADMIN
DEFAULT_SECOND_APPROVAL_FEN = 10_000_000  # 100,000 yuan


def second_approval_threshold() -> int:
    return int(getattr(settings, "FUND_SECOND_APPROVAL_FEN", DEFAULT_SECOND_APPROVAL_FEN))


def needs_second_approval(disbursement) -> bool:
    return disbursement.amount_fen > second_approval_threshold()


# --- guards ---------------------------------------------------------------------------------
def not_proposer(d, *, actor, context):
    if actor is not None and actor.pk == d.proposed_by_id:
        raise GuardFailed(_("不能审批自己提出的拨付申请,须由另一位管理员审批。"), code="self_approval")


def not_first_approver(d, *, actor, context):
    if actor is not None and actor.pk == d.approved_by_id:
        raise GuardFailed(_("复核须由另一位管理员进行,不能复核自己审批过的拨付。"), code="same_approver")


def single_approval_enough(d, *, actor, context):
    if needs_second_approval(d):
        raise GuardFailed(_("该笔拨付金额较大,须经两位管理员审批。"), code="second_approval_required")


def second_approval_needed(d, *, actor, context):
    if not needs_second_approval(d):
        raise GuardFailed(_("该笔拨付无需复核。"), code="second_approval_not_required")


def balance_covers(d, *, actor, context):
    available = ledger.pot_available(d.fund, d.subfund)
    if d.amount_fen > available:
        raise GuardFailed(
            _("可用余额不足:该笔拨付 %(amount)s,可用余额 %(available)s。")
            % {"amount": _yuan(d.amount_fen), "available": _yuan(max(available, 0))},
            code="insufficient_balance",
        )


def target_ready(d, *, actor, context):
    from .services.disbursements import check_target

    check_target(
        fund=d.fund,
        subfund=d.subfund,
        milestone=d.milestone if d.target_kind == DisbursementTarget.MILESTONE else None,
        incubation=d.incubation if d.target_kind == DisbursementTarget.INCUBATION else None,
        exclude=d,
    )


def _yuan(fen: int) -> str:
    from marketplace.core.money import format_yuan

    return format_yuan(fen)


# --- tables ---------------------------------------------------------------------------------
D = DonationStatus
DONATION = Lifecycle(
    "fund.donation",
    model=Donation,
    states=DonationStatus,
    transitions=[
        # A failed attempt may be followed by a successful one on the same PaymentIntent.
        Transition("credit", [D.PENDING, D.FAILED], D.SUCCEEDED, [SYSTEM], _("确认到账")),
        Transition("fail", [D.PENDING], D.FAILED, [SYSTEM], _("支付失败")),
        Transition(
            "refund_partial",
            [D.SUCCEEDED, D.PARTIALLY_REFUNDED],
            D.PARTIALLY_REFUNDED,
            [SYSTEM],
            _("部分退款"),
        ),
        Transition("refund", [D.SUCCEEDED, D.PARTIALLY_REFUNDED], D.REFUNDED, [SYSTEM], _("全额退款")),
    ],
)


def _others_proposals(user) -> Q:
    return ~Q(proposed_by=user)


def _small(user) -> Q:
    return ~Q(proposed_by=user) & Q(amount_fen__lte=second_approval_threshold())


def _large(user) -> Q:
    return ~Q(proposed_by=user) & Q(amount_fen__gt=second_approval_threshold())


def _others_approvals(user) -> Q:
    return ~Q(proposed_by=user) & ~Q(approved_by=user)


B = DisbursementStatus
_APPROVAL_GUARDS = [not_proposer, target_ready, balance_covers]
DISBURSEMENT = Lifecycle(
    "fund.disbursement",
    model=Disbursement,
    states=DisbursementStatus,
    transitions=[
        Transition(
            "approve",
            [B.PROPOSED],
            B.APPROVED,
            [A],
            _("审批通过"),
            guards=[single_approval_enough, *_APPROVAL_GUARDS],
            waiting=_small,
        ),
        Transition(
            "first_approve",
            [B.PROPOSED],
            B.AWAITING_SECOND,
            [A],
            _("初审通过"),
            guards=[second_approval_needed, *_APPROVAL_GUARDS],
            waiting=_large,
        ),
        Transition(
            "second_approve",
            [B.AWAITING_SECOND],
            B.APPROVED,
            [A],
            _("复核通过"),
            guards=[not_first_approver, *_APPROVAL_GUARDS],
            waiting=_others_approvals,
        ),
        Transition(
            "reject",
            [B.PROPOSED, B.AWAITING_SECOND],
            B.REJECTED,
            [A],
            _("驳回"),
            guards=[not_proposer],
            waiting=_others_proposals,
            reason_required=True,
        ),
        Transition("pay", [B.APPROVED], B.PAID, [SYSTEM], _("拨付")),
    ],
)
