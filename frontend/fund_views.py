"""Public pages of the governance fund (基层治理专项基金) and a donor's own pages.

- ``/fund/``: the funds, with their totals;
- ``/fund/<code>/`` and ``/fund/<code>/<sub>/``: the transparency page of a fund or a sub-fund —
  raised, donations, disbursed, available (all from the ledger), every inflow (donor masked or
  匿名) and outflow (project or grant, approvers), a progress bar per project sub-fund, the
  disclosure calendar; ``.../ledger.csv``: the same rows as CSV;
- ``/fund/<code>/donate/``: the donation form; it starts a donation and its PaymentIntent and
  sends the donor to ``/fund/<code>/donate/pay/``, where Stripe's Payment Element takes the
  payment; Stripe brings the donor back to ``/fund/<code>/donate/return/``. The money is credited
  only by the provider's signed webhook (``marketplace.fund.webhooks``), never by these pages;
- ``/fund/mine/`` and ``/fund/receipts/<number>.pdf``: a signed-in donor's donations and receipts.

Thin: parse, call a service or a selector, render. Only the two payment pages allow Stripe's
origins in their Content-Security-Policy (``STRIPE_CSP``); every other page keeps the portal's.
"""

import csv
import operator
from functools import partial

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from marketplace.core.exceptions import DomainError, NotFound
from marketplace.core.money import fen_to_yuan_str, format_yuan
from marketplace.fund import public_selectors, selectors, services, stripe_gateway
from marketplace.fund.choices import DonationStatus, SubFundKind
from marketplace.fund.receipts import render_pdf

from .fund_forms import DonationForm, apply_domain_error
from .middleware import csp_allow
from .page_cache import public_page

PAGE_SIZE = 20
SESSION_KEY = "fund_donation_id"
STRIPE_JS = "https://js.stripe.com/v3/"
# Exactly what Stripe.js and its Payment Element need (Stripe's CSP guide), and nothing more.
STRIPE_CSP = {
    "script-src": ["https://js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}


def online_donation_available() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_PUBLISHABLE_KEY)


def _fund(code: str):
    try:
        return public_selectors.fund_by_code(code)
    except NotFound as exc:
        raise Http404 from exc


def _subfund(fund, sub: str):
    try:
        return public_selectors.subfund_by_code(fund, sub)
    except NotFound as exc:
        raise Http404 from exc


# --- the list and the transparency pages ----------------------------------------------------
@public_page
def fund_list(request):
    summaries = public_selectors.fund_list_public()
    for s in summaries:
        s.raised = format_yuan(s.raised_fen)
        s.disbursed = format_yuan(s.disbursed_fen)
        s.available = format_yuan(s.available_fen)
    return render(request, "fund/list.html", {"summaries": summaries})


def _percent(part: int, whole: int) -> int:
    return min(100, part * 100 // whole) if whole > 0 else 0


def _pot_rows(balances, targets: dict) -> list[dict]:
    rows = []
    for pot in balances.pots:
        sf = pot.subfund
        target = targets.get(sf.pk) if sf is not None else None
        rows.append(
            {
                "pot": pot,
                "subfund": sf,
                "raised": format_yuan(pot.raised_fen),
                "disbursed": format_yuan(pot.disbursed_fen),
                "available": format_yuan(pot.available_fen),
                "is_project": sf is not None and sf.kind == SubFundKind.PROJECT,
                "target_fen": target,
                "target": format_yuan(target) if target else "",
                "raised_percent": _percent(pot.raised_fen, target or 0),
                "disbursed_percent": _percent(pot.disbursed_fen, target or 0),
            }
        )
    return rows


def _transparency_data(request, fund, subfund=None) -> dict:
    balances = selectors.fund_balances(fund)
    if subfund is None:
        figures, pot_filter = balances, public_selectors.ALL_POTS
        pots = balances.pots
    else:
        figures = next(p for p in balances.subfunds if p.subfund.pk == subfund.pk)
        pot_filter, pots = subfund, [figures]
    targets = public_selectors.project_targets([p.subfund for p in pots if p.subfund is not None])
    pot_rows = _pot_rows(balances, targets)
    if subfund is not None:
        pot_rows = [r for r in pot_rows if r["subfund"] is not None and r["subfund"].pk == subfund.pk]

    inflows = Paginator(public_selectors.inflows(fund, pot_filter), PAGE_SIZE).get_page(request.GET.get("ip"))
    for d in inflows:
        d.amount = format_yuan(d.amount_fen)
        d.refunded = format_yuan(d.refunded_fen) if d.refunded_fen else ""
    outflows = Paginator(public_selectors.outflows(fund, pot_filter), PAGE_SIZE).get_page(
        request.GET.get("op")
    )
    for o in outflows:
        o.amount = format_yuan(o.amount_fen)
        o.target_label = public_selectors.outflow_target(o)
        o.approver_names = public_selectors.outflow_approvers(o)

    today = timezone.localdate()
    disclosures = list(public_selectors.disclosure_calendar(fund))
    for item in disclosures:
        item.overdue = item.published_at is None and item.due_on < today
    if subfund is None:
        csv_url = reverse("fund:ledger_csv", kwargs={"code": fund.code})
        donate_url = reverse("fund:donate", kwargs={"code": fund.code})
    else:
        csv_url = reverse("fund:subfund_ledger_csv", kwargs={"code": fund.code, "sub": subfund.code})
        donate_url = reverse("fund:donate", kwargs={"code": fund.code}) + f"?sub={subfund.code}"
    return {
        "figures": {
            "raised": format_yuan(figures.raised_fen),
            "refunded": format_yuan(figures.refunded_fen),
            "donation_count": figures.donation_count,
            "disbursed": format_yuan(figures.disbursed_fen),
            "balance": format_yuan(figures.balance_fen),
            "available": format_yuan(figures.available_fen),
        },
        "pot_rows": pot_rows,
        "subfunds": balances.subfunds,
        "inflows": inflows,
        "outflows": outflows,
        "disclosures": disclosures,
        "csv_url": csv_url,
        "donate_url": donate_url,
        "may_donate": fund.active and (subfund is None or subfund.active),
    }


# What _transparency_data gives the template.
TRANSPARENCY_NAMES = (
    "figures",
    "pot_rows",
    "subfunds",
    "inflows",
    "outflows",
    "disclosures",
    "csv_url",
    "donate_url",
    "may_donate",
)


def _transparency(request, fund, subfund=None):
    # Read on first use, inside the page's cached fragment: a hit reads only the fund.
    data = SimpleLazyObject(lambda: _transparency_data(request, fund, subfund))
    lazy = {name: SimpleLazyObject(partial(operator.getitem, data, name)) for name in TRANSPARENCY_NAMES}
    return render(request, "fund/detail.html", {"fund": fund, "subfund": subfund, **lazy})


@public_page
def fund_detail(request, code: str):
    return _transparency(request, _fund(code))


@public_page
def subfund_detail(request, code: str, sub: str):
    fund = _fund(code)
    return _transparency(request, fund, _subfund(fund, sub))


class _Echo:
    def write(self, value):
        return value


def _cell(value) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula: names typed by donors
    # must never become one.
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


CSV_HEADER = ("类型", "日期", "专项", "捐赠人/拨付对象", "方式", "金额(元)", "已退款(元)", "审批人", "编号")


def _csv_lines(rows):
    writer = csv.writer(_Echo())
    # A BOM so that spreadsheet programs read the file as UTF-8.
    yield "\ufeff" + writer.writerow([_(h) for h in CSV_HEADER])
    kinds = {"inflow": _("捐赠收入"), "outflow": _("拨付支出")}
    for row in rows:
        date = timezone.localtime(row["date"]).strftime("%Y-%m-%d %H:%M") if row["date"] else ""
        yield writer.writerow(
            [
                kinds[row["kind"]],
                date,
                _cell(row["pot"]),
                _cell(row["party"]),
                row["channel"],
                fen_to_yuan_str(row["amount_fen"]).replace(",", ""),
                fen_to_yuan_str(row["refunded_fen"]).replace(",", ""),
                _cell("、".join(row["approvers"])),
                row["reference"],
            ]
        )


def _ledger_csv(fund, subfund=None):
    pot = public_selectors.ALL_POTS if subfund is None else subfund
    name = fund.code if subfund is None else f"{fund.code}-{subfund.code}"
    response = StreamingHttpResponse(
        _csv_lines(public_selectors.ledger_rows(fund, pot)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="fund-{name}-ledger.csv"'
    return response


def fund_ledger_csv(request, code: str):
    return _ledger_csv(_fund(code))


def subfund_ledger_csv(request, code: str, sub: str):
    fund = _fund(code)
    return _ledger_csv(fund, _subfund(fund, sub))


# --- donating -------------------------------------------------------------------------------
def _session_donation(request, fund):
    donation = public_selectors.session_donation(request.session.get(SESSION_KEY))
    if donation is None or donation.fund_id != fund.pk:
        return None
    return donation


@csp_allow(STRIPE_CSP)
def donate(request, code: str):
    fund = _fund(code)
    subfunds = public_selectors.donation_choices(fund)
    available = online_donation_available() and fund.active
    form = None
    if available:
        if request.method == "POST":
            form = DonationForm(request.POST, subfunds=subfunds)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    donation = services.donation_start(
                        actor=request.user,
                        fund=fund,
                        subfund=data["subfund"],
                        amount_fen=data["amount_fen"],
                        donor_name=data["donor_name"],
                        anonymous=data["anonymous"],
                        contact=data["contact"],
                    )
                    stripe_gateway.create_payment_intent(donation)
                except DomainError as exc:
                    apply_domain_error(form, exc, field_map=DonationForm.field_map)
                else:
                    request.session[SESSION_KEY] = donation.pk
                    return redirect("fund:pay", code=fund.code)
        else:
            initial = {"subfund": request.GET.get("sub", "")}
            if request.user.is_authenticated:
                initial["donor_name"] = request.user.display_name
            form = DonationForm(initial=initial, subfunds=subfunds)
    return render(
        request,
        "fund/donate.html",
        {"fund": fund, "form": form, "available": available, "fund_active": fund.active},
    )


@csp_allow(STRIPE_CSP)
def donation_pay(request, code: str):
    """Stripe's Payment Element for the donation this browser just started."""
    fund = _fund(code)
    donation = _session_donation(request, fund)
    if donation is None or not online_donation_available():
        return redirect("fund:donate", code=fund.code)
    if donation.status != DonationStatus.PENDING:
        return redirect("fund:donation_return", code=fund.code)
    error = None
    client_secret = ""
    try:
        _intent_id, client_secret = stripe_gateway.create_payment_intent(donation)
    except DomainError as exc:
        error = str(exc.message)
    return render(
        request,
        "fund/pay.html",
        {
            "fund": fund,
            "donation": donation,
            "amount": format_yuan(donation.amount_fen),
            "client_secret": client_secret,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "return_url": request.build_absolute_uri(
                reverse("fund:donation_return", kwargs={"code": fund.code})
            ),
            "stripe_js": STRIPE_JS,
            "error": error,
        },
    )


def donation_return(request, code: str):
    """Where Stripe brings the donor back. The page never credits anything: it tells the donor
    what the provider's confirmation (the webhook) has done so far."""
    fund = _fund(code)
    donation = _session_donation(request, fund)
    response = render(
        request,
        "fund/return.html",
        {
            "fund": fund,
            "donation": donation,
            "amount": format_yuan(donation.amount_fen) if donation else "",
            "redirect_failed": request.GET.get("redirect_status") == "failed",
        },
    )
    # The query string Stripe appends carries the client secret: keep it out of Referer headers.
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- a donor's own pages --------------------------------------------------------------------
def recent_donations(user, limit: int = 5) -> list:
    """A donor's latest donations for the "我的" page."""
    donations = list(public_selectors.my_donations(user)[:limit])
    for d in donations:
        d.amount = format_yuan(d.amount_fen)
    return donations


@login_required
def my_donations(request):
    page = Paginator(public_selectors.my_donations(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    for d in page:
        d.amount = format_yuan(d.amount_fen)
        d.refunded = format_yuan(d.refunded_fen) if d.refunded_fen else ""
    return render(request, "fund/mine.html", {"page": page})


@login_required
def receipt_pdf(request, number: str):
    try:
        donation = public_selectors.receipt_for_owner(viewer=request.user, number=number)
    except NotFound as exc:
        raise Http404 from exc
    response = HttpResponse(render_pdf(donation), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{donation.receipt_number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
