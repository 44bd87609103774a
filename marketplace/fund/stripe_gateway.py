"""The one door to Stripe. Nothing else in the project imports ``stripe`` to make calls.

Every outbound write carries an idempotency key derived from our own ids, so a retried request
(ours or the library's network retry) never creates a second PaymentIntent or refund. Nothing but
our donation id is sent as metadata: no names, no contacts.

Errors from Stripe become a ``PaymentProviderError`` with a Chinese message; the original is logged
(never shown: it may quote card details or internal ids).
"""

import logging
from collections.abc import Iterator

import stripe
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from marketplace.core.exceptions import DomainError, ValidationFailed

logger = logging.getLogger(__name__)

CURRENCY = "cny"


class PaymentProviderError(DomainError):
    code = "payment_provider_error"
    default_message = _("支付服务暂时不可用,请稍后重试。")
    status_code = 400


_MESSAGES = [
    (stripe.CardError, _("支付未成功:银行卡被拒绝,请更换支付方式后重试。"), "card_declined"),
    (stripe.APIConnectionError, _("暂时无法连接支付服务,请稍后重试。"), "provider_unreachable"),
    (stripe.RateLimitError, _("支付服务繁忙,请稍后重试。"), "provider_busy"),
    (stripe.AuthenticationError, _("在线支付配置有误,请联系管理员。"), "provider_misconfigured"),
    (stripe.PermissionError, _("在线支付配置有误,请联系管理员。"), "provider_misconfigured"),
    (stripe.IdempotencyError, _("该支付请求已提交过,请勿重复操作。"), "provider_duplicate"),
    (stripe.InvalidRequestError, _("支付服务拒绝了本次请求,请联系管理员。"), "provider_refused"),
]


def _translate(exc: stripe.StripeError, what: str) -> PaymentProviderError:
    logger.warning("stripe %s failed: %r", what, exc)
    for cls, message, code in _MESSAGES:
        if isinstance(exc, cls):
            return PaymentProviderError(message, code=code)
    return PaymentProviderError()


def client() -> stripe.StripeClient:
    """A client for the configured account; ``STRIPE_API_BASE`` points it elsewhere (localstripe)."""
    if not settings.STRIPE_SECRET_KEY:
        raise PaymentProviderError(_("在线捐赠尚未开通(未配置支付服务)。"), code="provider_not_configured")
    base = settings.STRIPE_API_BASE
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": base} if base else None,
        max_network_retries=getattr(settings, "STRIPE_MAX_NETWORK_RETRIES", 2),
    )


def payment_method_types() -> list[str]:
    """Card always; Alipay and WeChat Pay only where the account has them (a setting says so)."""
    methods = ["card"]
    if getattr(settings, "STRIPE_CHINA_WALLETS", False):
        methods += ["alipay", "wechat_pay"]
    return methods


def intent_idempotency_key(donation) -> str:
    return f"donation-{donation.pk}-intent"


def refund_idempotency_key(donation, amount_fen: int) -> str:
    # The refunded total known when asking plus the amount asked: a double click (or a retry) on
    # the same request is one refund; the next refund, once the first is booked, gets a new key.
    return f"donation-{donation.pk}-refund-{donation.refunded_fen}-{amount_fen}"


def create_payment_intent(donation) -> tuple[str, str]:
    """Create (or, if the donation already has one, fetch) the donation's PaymentIntent and attach
    its id to the donation. Returns ``(payment_intent_id, client_secret)`` for the Payment Element."""
    from marketplace.fund import services

    if donation.provider_payment_id:
        intent = retrieve_payment_intent(donation.provider_payment_id)
        return intent.id, intent.client_secret
    methods = payment_method_types()
    params = {
        "amount": donation.amount_fen,
        "currency": CURRENCY,
        "payment_method_types": methods,
        "metadata": {"donation_id": str(donation.pk)},
    }
    if "wechat_pay" in methods:
        params["payment_method_options"] = {"wechat_pay": {"client": "web"}}
    try:
        intent = client().v1.payment_intents.create(
            params=params, options={"idempotency_key": intent_idempotency_key(donation)}
        )
    except stripe.StripeError as exc:
        raise _translate(exc, "payment intent create") from exc
    services.donation_attach_provider_payment(donation=donation, provider_payment_id=intent.id)
    return intent.id, intent.client_secret


def refund(donation, amount_fen: int) -> str:
    """Ask Stripe to refund ``amount_fen`` of an online donation; returns the refund id. The ledger
    does not move here: it moves when the provider's ``charge.refunded`` event arrives."""
    if not donation.provider_payment_id:
        raise ValidationFailed(_("该捐赠没有在线支付记录,无法在线退款。"), code="no_provider_payment")
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise ValidationFailed(_("退款金额必须是正的整数(分)。"), field="amount_fen")
    try:
        result = client().v1.refunds.create(
            params={
                "payment_intent": donation.provider_payment_id,
                "amount": amount_fen,
                "metadata": {"donation_id": str(donation.pk)},
            },
            options={"idempotency_key": refund_idempotency_key(donation, amount_fen)},
        )
    except stripe.StripeError as exc:
        raise _translate(exc, "refund create") from exc
    return result.id


def retrieve_payment_intent(payment_intent_id: str):
    try:
        return client().v1.payment_intents.retrieve(payment_intent_id)
    except stripe.StripeError as exc:
        raise _translate(exc, "payment intent retrieve") from exc


def _iterate(listing, what: str) -> Iterator:
    try:
        yield from listing.auto_paging_iter()
    except stripe.StripeError as exc:
        raise _translate(exc, what) from exc


def list_payment_intents(*, created_gte: int | None = None) -> Iterator:
    """Every PaymentIntent (created at or after the Unix time ``created_gte``), for reconciliation."""
    params: dict = {"limit": 100}
    if created_gte is not None:
        params["created"] = {"gte": created_gte}
    try:
        listing = client().v1.payment_intents.list(params=params)
    except stripe.StripeError as exc:
        raise _translate(exc, "payment intent list") from exc
    return _iterate(listing, "payment intent list")


def list_refunds(*, payment_intent_id: str | None = None) -> Iterator:
    params: dict = {"limit": 100}
    if payment_intent_id:
        params["payment_intent"] = payment_intent_id
    try:
        listing = client().v1.refunds.list(params=params)
    except stripe.StripeError as exc:
        raise _translate(exc, "refund list") from exc
    return _iterate(listing, "refund list")


def list_events(*, type: str | None = None, created_gte: int | None = None) -> Iterator:
    """Events Stripe holds (it keeps 30 days), to find those never delivered to us."""
    params: dict = {"limit": 100}
    if type:
        params["type"] = type
    if created_gte is not None:
        params["created"] = {"gte": created_gte}
    try:
        listing = client().v1.events.list(params=params)
    except stripe.StripeError as exc:
        raise _translate(exc, "event list") from exc
    return _iterate(listing, "event list")
