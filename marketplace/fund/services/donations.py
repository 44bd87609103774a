"""Donations: online ones start here and are credited only by the payment provider's verified
events (the webhook, ``fund.webhooks``); offline ones are recorded by a district admin with the
bank's evidence and credited at once.

The ``*_from_provider`` functions run inside the webhook's transaction, one event at a time per
donation (the donation row is locked). They raise when something is wrong, so the event stays
unprocessed for the provider's retry, and are idempotent by themselves: each ledger effect has a
unique key, and a donation already in the target state is left alone. Events may come in any
order: a refund of a donation still marked pending means its payment succeeded, so the credit is
booked first and the later ``payment_intent.succeeded`` finds nothing to do.

A refund asked for by an admin checks the pot's available balance (money already disbursed
cannot be given back) while holding the pot's lock. For an online donation it only asks the
provider; the ledger moves when the provider's refund event arrives.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.core import audit
from marketplace.core.exceptions import GuardFailed, NotFound, TransitionNotAllowed, ValidationFailed
from marketplace.core.files import private_file_discard, private_file_store
from marketplace.core.money import format_yuan
from marketplace.core.permissions import require

from .. import ledger, transitions
from ..choices import CREDITED_STATUSES, DonationChannel, DonationStatus, EntryKind
from ..models import MIN_DONATION_FEN, Donation, Fund, SubFund
from ..policies import DONATION_EVIDENCE_PURPOSE
from ._common import check_subfund, clean_amount, clean_text

__all__ = [
    "donation_attach_provider_payment",
    "donation_credit_from_provider",
    "donation_fail_from_provider",
    "donation_record_offline",
    "donation_refund_from_provider",
    "donation_refund_request",
    "donation_start",
]

CURRENCY = "cny"
DONOR_NAME_MAX = 100
CONTACT_MAX = 200


def _clean_donor(*, fund: Fund, subfund: SubFund | None, amount_fen, donor_name, anonymous, contact):
    if not fund.active:
        raise ValidationFailed(_("该基金暂不接受捐赠。"), code="fund_inactive", field="fund")
    check_subfund(fund, subfund)
    if subfund is not None and not subfund.active:
        raise ValidationFailed(_("该专项暂不接受捐赠。"), code="subfund_inactive", field="subfund")
    amount = clean_amount(amount_fen, minimum=MIN_DONATION_FEN)
    anonymous = bool(anonymous)
    name = clean_text(
        donor_name,
        field="donor_name",
        label=_("捐赠人姓名或名称"),
        max_length=DONOR_NAME_MAX,
        required=not anonymous,
    )
    contact = clean_text(
        contact, field="contact", label=_("收据联系方式"), max_length=CONTACT_MAX, required=False
    )
    return amount, name, anonymous, contact


def _receipt_number(donation: Donation, at: datetime.datetime) -> str:
    return f"JZ{timezone.localtime(at):%Y%m%d}{donation.pk:08d}"


def _credit_locked(donation: Donation) -> Donation:
    """Book the donation's credit and mark it received; a donation already credited is left as it
    is. The caller holds the donation's row lock."""
    if donation.status in CREDITED_STATUSES:
        return donation
    now = timezone.now()
    ledger.book(
        fund=donation.fund,
        key=f"donation:{donation.pk}:credit",
        kind=EntryKind.DONATION,
        lines=[
            (ledger.cash_account(donation.fund), donation.amount_fen),
            (ledger.pot_account(donation.fund, donation.subfund), -donation.amount_fen),
        ],
        memo=f"donation {donation.pk}",
        donation=donation,
    )
    transitions.DONATION.perform(
        donation,
        "credit",
        actor=None,
        fields={
            "credited_at": now,
            "receipt_number": donation.receipt_number or _receipt_number(donation, now),
        },
    )
    return donation


def _refund_locked(donation: Donation, new_total: int) -> Donation:
    """Book the refund up to ``new_total`` fen refunded in all; only the difference from what is
    already refunded moves. The caller holds the donation's row lock."""
    difference = new_total - donation.refunded_fen
    if difference <= 0:
        return donation
    ledger.book(
        fund=donation.fund,
        key=f"donation:{donation.pk}:refund:{new_total}",
        kind=EntryKind.REFUND,
        lines=[
            (ledger.pot_account(donation.fund, donation.subfund), difference),
            (ledger.cash_account(donation.fund), -difference),
        ],
        memo=f"donation {donation.pk} refund",
        donation=donation,
    )
    code = "refund" if new_total == donation.amount_fen else "refund_partial"
    transitions.DONATION.perform(donation, code, actor=None, fields={"refunded_fen": new_total})
    return donation


def _locked(donation_id) -> Donation:
    return (
        Donation.objects.select_for_update(of=("self",)).select_related("fund", "subfund").get(pk=donation_id)
    )


def _locked_by_payment(provider_payment_id) -> Donation | None:
    if not isinstance(provider_payment_id, str) or not provider_payment_id:
        return None
    return (
        Donation.objects.select_for_update(of=("self",))
        .select_related("fund", "subfund")
        .filter(provider_payment_id=provider_payment_id)
        .first()
    )


# --- online -----------------------------------------------------------------------------------
@transaction.atomic
def donation_start(
    *,
    actor,
    fund: Fund,
    subfund: SubFund | None = None,
    amount_fen,
    donor_name: str,
    anonymous: bool,
    contact: str,
    channel: str = DonationChannel.ONLINE,
) -> Donation:
    """A donor (signed in or not) starts an online donation; it waits, pending, for the payment."""
    if channel != DonationChannel.ONLINE:
        raise ValidationFailed(_("线下捐赠由管理员登记。"), code="offline_by_admin", field="channel")
    amount, name, anonymous, contact = _clean_donor(
        fund=fund,
        subfund=subfund,
        amount_fen=amount_fen,
        donor_name=donor_name,
        anonymous=anonymous,
        contact=contact,
    )
    donation = Donation.objects.create(
        fund=fund,
        subfund=subfund,
        amount_fen=amount,
        donor_name=name,
        anonymous=anonymous,
        donor_user=actor if getattr(actor, "is_authenticated", False) else None,
        contact=contact,
        channel=DonationChannel.ONLINE,
    )
    audit.record(
        actor=actor,
        action="fund.donation.start",
        obj=donation,
        changes={"amount_fen": amount, "subfund": subfund.pk if subfund else None},
    )
    return donation


@transaction.atomic
def donation_attach_provider_payment(*, donation: Donation, provider_payment_id: str) -> Donation:
    """Remember the provider's payment (the PaymentIntent) made for a pending online donation."""
    if not isinstance(provider_payment_id, str) or not provider_payment_id.strip():
        raise ValidationFailed(_("缺少支付单号。"), code="invalid_payment_id")
    provider_payment_id = provider_payment_id.strip()
    donation = _locked(donation.pk)
    if donation.provider_payment_id == provider_payment_id:
        return donation
    if donation.provider_payment_id:
        raise ValidationFailed(_("该捐赠已关联其他支付单。"), code="payment_already_attached")
    if donation.channel != DonationChannel.ONLINE or donation.status != DonationStatus.PENDING:
        raise TransitionNotAllowed(_("该捐赠不在待支付状态。"), code="not_pending")
    if Donation.objects.filter(provider_payment_id=provider_payment_id).exists():
        raise ValidationFailed(_("该支付单已关联其他捐赠。"), code="payment_in_use")
    donation.provider_payment_id = provider_payment_id
    donation.save(update_fields=["provider_payment_id"])
    audit.record(actor=None, action="fund.donation.attach_payment", obj=donation)
    return donation


@transaction.atomic
def donation_credit_from_provider(
    *, provider_payment_id: str, amount_fen: int, currency: str
) -> Donation | None:
    """The provider confirmed the payment: credit the donation, once. None: not our payment."""
    donation = _locked_by_payment(provider_payment_id)
    if donation is None:
        return None
    if not isinstance(currency, str) or currency.lower() != CURRENCY or amount_fen != donation.amount_fen:
        # Left unprocessed on purpose: a payment that does not match its donation needs a person.
        raise ValidationFailed(
            _("支付金额或币种与捐赠不符(%(got)s %(cur)s,应为 %(want)s)。")
            % {"got": amount_fen, "cur": currency, "want": format_yuan(donation.amount_fen)},
            code="amount_mismatch",
        )
    return _credit_locked(donation)


@transaction.atomic
def donation_fail_from_provider(*, provider_payment_id: str) -> Donation | None:
    """The provider says the payment attempt failed: a pending donation is marked failed; one
    already credited (the success arrived first) stays credited."""
    donation = _locked_by_payment(provider_payment_id)
    if donation is None:
        return None
    if donation.status == DonationStatus.PENDING:
        transitions.DONATION.perform(donation, "fail", actor=None)
    return donation


@transaction.atomic
def donation_refund_from_provider(*, provider_payment_id: str, refunded_total_fen: int) -> Donation | None:
    """The provider refunded ``refunded_total_fen`` of the payment in all (full or partial); book
    the difference from what is already refunded."""
    donation = _locked_by_payment(provider_payment_id)
    if donation is None:
        return None
    if (
        type(refunded_total_fen) is not int
        or refunded_total_fen < 0
        or refunded_total_fen > donation.amount_fen
    ):
        raise ValidationFailed(_("退款金额无效。"), code="invalid_refund_total")
    if refunded_total_fen <= donation.refunded_fen:
        return donation
    # A refunded charge had succeeded, whatever order its events arrive in.
    _credit_locked(donation)
    return _refund_locked(donation, refunded_total_fen)


# --- district admins --------------------------------------------------------------------------
@transaction.atomic
def donation_record_offline(
    *,
    actor,
    fund: Fund,
    subfund: SubFund | None,
    amount_fen,
    donor_name: str,
    anonymous: bool,
    contact: str,
    evidence_upload,
    received_on: datetime.date,
) -> Donation:
    """Record a gift received by bank transfer, with the bank's evidence; credited at once."""
    require(actor, "fund.donation.record_offline", fund)
    amount, name, anonymous, contact = _clean_donor(
        fund=fund,
        subfund=subfund,
        amount_fen=amount_fen,
        donor_name=donor_name,
        anonymous=anonymous,
        contact=contact,
    )
    if not isinstance(received_on, datetime.date) or isinstance(received_on, datetime.datetime):
        raise ValidationFailed(_("请填写到账日期。"), code="invalid_date", field="received_on")
    if received_on > timezone.localdate():
        raise ValidationFailed(_("到账日期不能晚于今天。"), code="future_date", field="received_on")
    if evidence_upload is None:
        raise ValidationFailed(_("请上传到账凭证。"), code="evidence_required", field="evidence")
    evidence = private_file_store(
        upload=evidence_upload,
        purpose=DONATION_EVIDENCE_PURPOSE,
        actor=actor,
        attached_to=f"fund.fund:{fund.pk}",
    )
    try:
        donation = Donation.objects.create(
            fund=fund,
            subfund=subfund,
            amount_fen=amount,
            donor_name=name,
            anonymous=anonymous,
            contact=contact,
            channel=DonationChannel.OFFLINE,
            evidence=evidence,
            received_on=received_on,
            recorded_by=actor,
        )
        donation = _locked(donation.pk)
        _credit_locked(donation)
        audit.record(
            actor=actor,
            action="fund.donation.record_offline",
            obj=donation,
            changes={"amount_fen": amount, "subfund": subfund.pk if subfund else None},
        )
    except Exception:
        # The rows roll back with the transaction; the stored bytes would not.
        private_file_discard([evidence])
        raise
    return donation


@transaction.atomic
def donation_refund_request(*, actor, donation: Donation, amount_fen) -> None:
    """A district admin gives (part of) a donation back. Online: the provider is asked and the
    ledger moves when its refund event arrives. Offline: the ledger is reversed at once."""
    require(actor, "fund.donation.refund", donation)
    try:
        current = Donation.objects.select_related("fund", "subfund").get(pk=donation.pk)
    except Donation.DoesNotExist:
        raise NotFound() from None
    # The pot first, then the donation: the same order as every other outflow.
    ledger.lock_pot(current.fund, current.subfund)
    donation = _locked(current.pk)
    if donation.status not in (DonationStatus.SUCCEEDED, DonationStatus.PARTIALLY_REFUNDED):
        raise TransitionNotAllowed(
            _("当前状态为「%(state)s」,不能退款。") % {"state": donation.get_status_display()},
            code="not_refundable",
        )
    remaining = donation.amount_fen - donation.refunded_fen
    if type(amount_fen) is int and amount_fen > remaining:
        raise ValidationFailed(
            _("退款金额不能超过可退金额 %(left)s。") % {"left": format_yuan(remaining)},
            code="refund_too_large",
            field="amount_fen",
        )
    amount = clean_amount(amount_fen, maximum=remaining)
    available = ledger.pot_available(donation.fund, donation.subfund)
    if amount > available:
        raise GuardFailed(
            _("基金可用余额不足(%(available)s):已拨付的捐款不能退回。")
            % {"available": format_yuan(max(available, 0))},
            code="insufficient_balance",
        )
    audit.record(
        actor=actor, action="fund.donation.refund_request", obj=donation, changes={"amount_fen": amount}
    )
    if donation.channel == DonationChannel.ONLINE:
        from .. import stripe_gateway

        stripe_gateway.refund(donation, amount)
    else:
        _refund_locked(donation, donation.refunded_fen + amount)
