"""``manage.py fund_reconcile [--fund CODE]``: compare our donations, refunds, ledger and stored
webhook events with what the payment provider (Stripe, through ``stripe_gateway``) knows, and
print every difference. It fixes nothing: each difference needs a person to look at it (a missed
webhook is redelivered from Stripe's dashboard; a booking error is corrected by a reversing
entry). Exit code 0 when everything agrees, 1 when there are differences, 2 when the provider
cannot be asked.

What is compared:

- a PaymentIntent that succeeded at the provider but whose donation is not credited here (or
  that names a donation we do not have, or one tied to another payment);
- a donation credited here whose PaymentIntent has not succeeded at the provider, or is missing;
- the amount or currency of a succeeded PaymentIntent against its donation;
- the refunded total per PaymentIntent at the provider against the donation's refunded amount;
- every credited donation (online and offline) against its ledger entries: the pot must hold
  the amount less the refunds;
- webhook events stored here but never processed (a handler failed; Stripe keeps retrying);
- provider events of the types we handle that never reached us (Stripe keeps 30 days of them).

A PaymentIntent without our ``donation_id`` metadata is someone else's on the same account and
is left out. With ``--fund`` only that fund's donations (and the provider objects that name
them) are compared.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Sum

from marketplace.core.exceptions import DomainError
from marketplace.core.money import format_yuan
from marketplace.fund.choices import CREDITED_STATUSES, AccountKind, DonationChannel
from marketplace.fund.models import Donation, Fund, Posting, WebhookEvent

SUCCEEDED = "succeeded"
# Refunds that count towards what the provider gave back (Stripe's ``amount_refunded``).
REFUND_COUNTED = ("succeeded", "pending")


@dataclass(frozen=True)
class Difference:
    kind: str
    text: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.text}"


def _as_dict(obj) -> dict:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _donation_id(intent: dict) -> int | None:
    value = (intent.get("metadata") or {}).get("donation_id")
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _payment_id_of(obj: dict) -> str | None:
    """The PaymentIntent an event's object is about (the intent itself, or a charge's)."""
    if obj.get("object") == "payment_intent":
        return obj.get("id")
    pi = obj.get("payment_intent")
    if isinstance(pi, dict):
        pi = pi.get("id")
    return pi or None


def _label(d: Donation) -> str:
    return f"捐赠 #{d.pk}({d.fund.code}{' / ' + d.subfund.code if d.subfund_id else ''},{format_yuan(d.amount_fen)})"


class Reconciliation:
    def __init__(self, fund: Fund | None = None):
        self.fund = fund
        self.differences: list[Difference] = []

    def add(self, kind: str, text: str) -> None:
        self.differences.append(Difference(kind, text))

    def _donations(self):
        donations = Donation.objects.select_related("fund", "subfund").defer("contact")
        return donations.filter(fund=self.fund) if self.fund else donations

    # --- the provider ------------------------------------------------------------------------
    def provider(self) -> None:
        from marketplace.fund import stripe_gateway
        from marketplace.fund.webhooks import HANDLERS

        ours = list(self._donations().filter(channel=DonationChannel.ONLINE))
        by_payment = {d.provider_payment_id: d for d in ours if d.provider_payment_id}
        by_id = {d.pk: d for d in ours}
        # Donations of other funds may be named by the provider: they are not this run's.
        other_ids = (
            set(Donation.objects.exclude(fund=self.fund).values_list("pk", flat=True)) if self.fund else set()
        )
        intents = {}
        for obj in stripe_gateway.list_payment_intents():
            intent = _as_dict(obj)
            if _donation_id(intent) is not None:
                intents[intent["id"]] = intent
        refunded: dict[str, int] = defaultdict(int)
        charge_to_intent = {
            (
                i["latest_charge"]["id"]
                if isinstance(i.get("latest_charge"), dict)
                else i.get("latest_charge")
            ): pi
            for pi, i in intents.items()
            if i.get("latest_charge")
        }
        for obj in stripe_gateway.list_refunds():
            refund = _as_dict(obj)
            pi = refund.get("payment_intent") or charge_to_intent.get(refund.get("charge"))
            if isinstance(pi, dict):
                pi = pi.get("id")
            if pi and refund.get("status") in REFUND_COUNTED:
                refunded[pi] += int(refund.get("amount") or 0)

        for pi, intent in sorted(intents.items()):
            donation_id = _donation_id(intent)
            donation = by_payment.get(pi)
            if donation is None:
                if donation_id in other_ids or intent.get("status") != SUCCEEDED:
                    continue  # another fund's, or an abandoned attempt that moved no money
                named = by_id.get(donation_id)
                if named is not None:
                    self.add(
                        "付款未关联",
                        f"支付单 {pi} 已支付成功,指向{_label(named)},但该捐赠关联的支付单是"
                        f"{named.provider_payment_id or '(无)'}:款项未入账。",
                    )
                elif not self.fund:
                    self.add(
                        "付款无捐赠",
                        f"支付单 {pi} 已支付成功({format_yuan(intent.get('amount_received') or 0)}),"
                        f"指向的捐赠 #{donation_id} 在本系统中不存在。",
                    )
                continue
            status = intent.get("status")
            credited = donation.status in CREDITED_STATUSES
            if status == SUCCEEDED and not credited:
                self.add(
                    "付款未入账",
                    f"{_label(donation)}:支付平台显示支付成功,本系统状态为「{donation.get_status_display()}」。",
                )
            if credited and status != SUCCEEDED:
                self.add(
                    "入账无付款",
                    f"{_label(donation)}:本系统已入账,支付平台上支付单 {pi} 的状态为 {status}。",
                )
            if status == SUCCEEDED:
                received = intent.get("amount_received") or intent.get("amount")
                currency = (intent.get("currency") or "").lower()
                if received != donation.amount_fen or currency != "cny":
                    self.add(
                        "金额不符",
                        f"{_label(donation)}:支付平台收款 {received} {currency},与捐赠金额不符。",
                    )
            provider_refunded = refunded.get(pi, 0)
            if provider_refunded != donation.refunded_fen:
                self.add(
                    "退款不符",
                    f"{_label(donation)}:支付平台已退款 {format_yuan(provider_refunded)},"
                    f"本系统记录已退款 {format_yuan(donation.refunded_fen)}。",
                )
        for pi, donation in sorted(by_payment.items()):
            if pi not in intents and donation.status in CREDITED_STATUSES:
                self.add("入账无付款", f"{_label(donation)}:本系统已入账,支付平台上找不到支付单 {pi}。")

        stored = set(WebhookEvent.objects.values_list("provider_event_id", flat=True))
        for event_type in HANDLERS:
            for obj in stripe_gateway.list_events(type=event_type):
                event = _as_dict(obj)
                if event["id"] in stored:
                    continue
                pi = _payment_id_of((event.get("data") or {}).get("object") or {})
                if self.fund and pi not in by_payment:
                    continue
                if not self.fund and pi not in by_payment and pi not in intents:
                    continue  # about a payment that is none of ours
                self.add("事件未送达", f"支付平台事件 {event['id']}({event_type},支付单 {pi})未送达本系统。")

    # --- our own records ------------------------------------------------------------------------
    def ledger(self) -> None:
        credited = {d.pk: d for d in self._donations().filter(status__in=CREDITED_STATUSES)}
        pots = dict(
            Posting.objects.filter(entry__donation_id__in=list(credited), account__kind=AccountKind.POT)
            .values_list("entry__donation_id")
            .annotate(total=Sum("amount_fen"))
        )
        for pk, donation in sorted(credited.items()):
            held = -(pots.get(pk) or 0)
            expected = donation.amount_fen - donation.refunded_fen
            if held != expected:
                self.add(
                    "账本不符",
                    f"{_label(donation)}:账本中该捐赠净入账 {format_yuan(held)},应为 {format_yuan(expected)}。",
                )
        booked = (
            Posting.objects.filter(
                entry__donation__in=self._donations().exclude(status__in=CREDITED_STATUSES),
                account__kind=AccountKind.POT,
            )
            .values_list("entry__donation_id", flat=True)
            .distinct()
        )
        for pk in sorted(booked):
            self.add("账本不符", f"捐赠 #{pk} 未入账(状态为待支付或失败),账本中却有其分录。")

    def events(self) -> None:
        pending = WebhookEvent.objects.filter(processed_at__isnull=True).order_by("received_at", "id")
        if self.fund:
            ids = set(
                self._donations()
                .exclude(provider_payment_id=None)
                .values_list("provider_payment_id", flat=True)
            )
            pending = [
                e for e in pending if _payment_id_of((e.payload.get("data") or {}).get("object") or {}) in ids
            ]
        for event in pending:
            self.add(
                "事件未处理",
                f"已收到的支付事件 {event.provider_event_id}({event.type})尚未处理成功:"
                f"已尝试 {event.attempts} 次,最近错误:{event.last_error or '—'}。",
            )

    def run(self) -> list[Difference]:
        self.events()
        self.ledger()
        self.provider()
        return self.differences


def reconcile(fund: Fund | None = None) -> list[Difference]:
    """Every difference found (nothing is changed)."""
    return Reconciliation(fund).run()


class Command(BaseCommand):
    help = "核对专项基金的捐赠、退款、账本和支付回调事件与支付平台(Stripe)的记录,列出全部差异;不做任何修改。"

    def add_arguments(self, parser):
        parser.add_argument("--fund", metavar="CODE", help="只核对该基金(基金代码)。")

    def handle(self, *args, **options):
        fund = None
        if options.get("fund"):
            fund = Fund.objects.filter(code=options["fund"]).first()
            if fund is None:
                raise CommandError(f"没有代码为 {options['fund']} 的基金。", returncode=2)
        try:
            differences = reconcile(fund)
        except DomainError as exc:
            raise CommandError(f"无法完成核对:{exc.message}", returncode=2) from exc
        scope = f"基金 {fund.code}" if fund else "全部基金"
        for difference in differences:
            self.stdout.write(str(difference))
        if differences:
            raise CommandError(f"核对{scope}:发现 {len(differences)} 处差异(未做任何修改)。", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"核对{scope}:与支付平台一致,未发现差异。"))
