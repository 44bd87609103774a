"""Stripe's webhook: the only way money is credited to a donation.

The endpoint checks Stripe's signature over the raw body (5-minute tolerance) before anything is
written. Each event is stored by its id (unique) and processed in the same transaction that
records it as processed, so:

- a repeated delivery of a processed event is answered 200 and does nothing;
- a handler that fails rolls back its effects (a savepoint), leaves the event unprocessed with
  ``attempts`` and ``last_error``, and answers 500 so Stripe delivers it again;
- concurrent deliveries of one event serialise on the event's row (``select_for_update``): one
  applies it, the others find it processed.

The services called here are idempotent by themselves too (each ledger effect has a unique key).
Event order does not matter: a ``charge.refunded`` that overtakes its ``payment_intent.succeeded``
books the credit first (the refund service does it: a refunded charge was paid), and the late
success then books nothing.
"""

import json
import logging

import stripe
from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import WebhookEvent

logger = logging.getLogger(__name__)

TOLERANCE_SECONDS = 300

# The fields of an event's object kept in our store. Charges also carry the payer's billing
# details and card facts; a receipt needs none of them, so they are not kept.
_KEPT_OBJECT_FIELDS = (
    "id",
    "object",
    "amount",
    "amount_received",
    "amount_refunded",
    "currency",
    "status",
    "paid",
    "refunded",
    "captured",
    "payment_intent",
    "latest_charge",
    "metadata",
    "created",
)

PROCESSED = "processed"
DUPLICATE = "duplicate"
FAILED = "failed"


class BadEvent(Exception):
    """The body is signed but is not an event we can read."""


def _stored_payload(event: dict) -> dict:
    obj = event["data"]["object"]
    kept = {k: obj[k] for k in _KEPT_OBJECT_FIELDS if k in obj}
    if isinstance(kept.get("latest_charge"), dict):
        kept["latest_charge"] = kept["latest_charge"].get("id")
    return {
        "id": event["id"],
        "type": event["type"],
        "created": event.get("created"),
        "api_version": event.get("api_version"),
        "livemode": event.get("livemode"),
        "data": {"object": kept},
    }


# --- Handlers: one per event type with effects; each calls one fund service ---------------------


def _on_payment_succeeded(obj: dict) -> None:
    from . import services

    services.donation_credit_from_provider(
        provider_payment_id=obj.get("id"),
        amount_fen=obj.get("amount_received", obj.get("amount")),
        currency=obj.get("currency"),
    )


def _on_payment_failed(obj: dict) -> None:
    from . import services

    services.donation_fail_from_provider(provider_payment_id=obj.get("id"))


def _on_charge_refunded(obj: dict) -> None:
    from . import services

    payment_intent = obj.get("payment_intent")
    if isinstance(payment_intent, dict):
        payment_intent = payment_intent.get("id")
    if not payment_intent:
        return  # a charge outside PaymentIntents is none of ours
    # The refund may overtake the success event: the service books the credit first then.
    services.donation_refund_from_provider(
        provider_payment_id=payment_intent, refunded_total_fen=obj.get("amount_refunded", 0)
    )


HANDLERS = {
    "payment_intent.succeeded": _on_payment_succeeded,
    "payment_intent.payment_failed": _on_payment_failed,
    "charge.refunded": _on_charge_refunded,
}


# --- Processing ---------------------------------------------------------------------------------


def verify(raw_body: bytes, signature_header: str | None, secret: str) -> dict:
    """The event as a dict, or ``stripe.SignatureVerificationError`` / ``BadEvent``."""
    # The check ``stripe.Webhook.construct_event`` starts with; construct_event then builds a
    # StripeObject and fails with AttributeError on signed JSON that is not an object, so the
    # body is read here as plain JSON. The signature covers these very bytes.
    stripe.WebhookSignature.verify_header(raw_body, signature_header, secret, tolerance=TOLERANCE_SECONDS)
    try:
        event = json.loads(raw_body)
    except ValueError as exc:
        raise BadEvent(str(exc)) from exc
    if not (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and event["id"]
        and isinstance(event.get("type"), str)
        and isinstance(event.get("data"), dict)
        and isinstance(event["data"].get("object"), dict)
    ):
        raise BadEvent("not an event")
    return event


def process_event(event: dict) -> str:
    """Record the event once and apply it once. Returns PROCESSED, DUPLICATE or FAILED."""
    with transaction.atomic():
        # INSERT … ON CONFLICT DO NOTHING: a concurrent delivery waits here for the first one's
        # commit instead of failing on the unique id.
        WebhookEvent.objects.bulk_create(
            [WebhookEvent(provider_event_id=event["id"], type=event["type"], payload=_stored_payload(event))],
            ignore_conflicts=True,
        )
        row = WebhookEvent.objects.select_for_update().get(provider_event_id=event["id"])
        if row.processed_at is not None:
            return DUPLICATE
        row.attempts += 1
        handler = HANDLERS.get(event["type"])
        try:
            with transaction.atomic():
                if handler is not None:
                    handler(event["data"]["object"])
        except Exception as exc:
            logger.exception("stripe event %s (%s) failed", event["id"], event["type"])
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            row.save(update_fields=["attempts", "last_error"])
            return FAILED
        row.processed_at = timezone.now()
        row.last_error = ""
        row.save(update_fields=["attempts", "last_error", "processed_at"])
        return PROCESSED


@csrf_exempt
@require_POST
def stripe_webhook(request):
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        logger.error("stripe webhook received but STRIPE_WEBHOOK_SECRET is not set")
        return JsonResponse({"detail": "webhook not configured"}, status=400)
    try:
        event = verify(request.body, request.headers.get("Stripe-Signature"), secret)
    except (stripe.SignatureVerificationError, BadEvent, ValueError) as exc:
        logger.warning("stripe webhook refused: %s", exc)
        return JsonResponse({"detail": "invalid signature or payload"}, status=400)
    outcome = process_event(event)
    if outcome == FAILED:
        # Stripe retries anything but 2xx; the event waits, unprocessed, for that retry.
        return JsonResponse({"status": outcome}, status=500)
    return JsonResponse({"status": outcome})
