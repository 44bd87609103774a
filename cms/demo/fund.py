"""The governance fund (基层治理专项基金): one fund held by the district's charity federation, with a
street sub-fund and a theme sub-fund (一老一小); offline gifts from companies with their bank
slips, online gifts, one refund, disbursements to the demo's fund-paid milestone and to an
incubation grant approved by a second district admin, and the disclosure calendar.

Everything goes through the fund's services, as the district admin (and, for approvals, the
second district admin from ``users.ensure_second_admin``), so the ledger, the transition log and
the audit trail read as they would in real use.

DEMO ONLY — online gifts: the demo has no payment provider, so an online gift is started with
``donation_start``, given a made-up PaymentIntent id ``pi_demo_<n>`` and credited with
``donation_credit_from_provider``, exactly as the verified webhook would credit it. Those ids
exist at no payment provider: ``manage.py fund_reconcile`` against a real Stripe account lists
them as credited without a payment, which is the truth about demo data.

Found again by stable keys (the fund's code, a sub-fund's code, an offline gift's donor and
amount, an online gift's ``pi_demo_`` id, a disbursement's milestone or grant, a disclosure's
title), so a second run creates nothing.
"""

import datetime
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace.core.money import format_yuan
from marketplace.core.validators import uscc_check_char
from marketplace.fund import services
from marketplace.fund.choices import DisbursementStatus, DonationChannel, SubFundKind
from marketplace.fund.models import Disbursement, Disclosure, Donation, Fund, SubFund
from marketplace.organizations.choices import IncubationStatus
from marketplace.organizations.models import Incubation
from marketplace.places.models import Street
from marketplace.procurement.selectors import fund_payment_requests

from . import users
from .base import DemoContext
from .organizations import _certificate_pdf
from .places import STREETS

FUND_CODE = "taihe-jiceng"
# 太和区慈善总会: a social group (5 1) registered with the district's civil affairs bureau.
HOST_FIRST17 = "51340199MJ0900001"
HOST_CREDIT_CODE = HOST_FIRST17 + uscc_check_char(HOST_FIRST17)
# The street whose fund-paid project waits for the fund (南湖街道, see procurement's plan).
STREET_INDEX = 3
STREET_POT = "nanhu"
THEME_POT = "yilao-yixiao"


@dataclass(frozen=True)
class Gift:
    pot: str | None  # a sub-fund's code; None: the fund's general pot
    yuan: int
    donor: str
    anonymous: bool = False
    contact: str = ""
    days_ago: int = 30


OFFLINE = [
    Gift(STREET_POT, 80_000, "太和建设集团有限公司", contact="0551-62880001", days_ago=75),
    Gift(None, 50_000, "太和农村商业银行股份有限公司", contact="0551-62880002", days_ago=60),
    Gift(THEME_POT, 30_000, "皖中医药连锁有限公司", contact="0551-62880003", days_ago=45),
    Gift(THEME_POT, 20_000, "南湖物业服务有限公司", contact="0551-62880004", days_ago=20),
]
# (pi_demo id, gift); the resident's own gift shows on their "my donations" page.
ONLINE = [
    ("pi_demo_0001", Gift(THEME_POT, 200, "赵敏", contact="13800000001")),
    ("pi_demo_0002", Gift(None, 500, "", anonymous=True)),
    ("pi_demo_0003", Gift(STREET_POT, 1_000, "李文华", contact="lwh@example.com")),
    ("pi_demo_0004", Gift(None, 100, "陈静", contact="13900000004")),
    ("pi_demo_0005", Gift(THEME_POT, 5_000, "", anonymous=True)),
]
RESIDENT_GIFT = "pi_demo_0001"
# The one refund: the property company sent 20,000 yuan where it had pledged 15,000.
REFUND = ("南湖物业服务有限公司", 20_000, 5_000)
GRANT_YUAN, PENDING_GRANT_YUAN = 20_000, 8_000
GRANT_PURPOSE = "一老一小专项孵化资助:支持入孵组织开展“一老一小”服务项目。"
PENDING_GRANT_PURPOSE = "基金统筹孵化资助:支持入孵组织开展能力建设培训。"


def _evidence(gift: Gift) -> SimpleUploadedFile:
    pdf = _certificate_pdf("银行进账单(回单)", gift.donor, f"金额 {format_yuan(gift.yuan * 100)}")
    return SimpleUploadedFile(f"{gift.donor}-进账单.pdf", pdf, content_type="application/pdf")


def _fund(ctx: DemoContext) -> Fund:
    fund = Fund.objects.filter(code=FUND_CODE).first()
    if fund is None:
        fund = services.fund_create(
            actor=ctx.admin,
            district=ctx.district,
            code=FUND_CODE,
            name="太和区基层治理专项基金",
            host_name="太和区慈善总会",
            host_credit_code=HOST_CREDIT_CODE,
            purpose="接受社会捐赠,资助社区服务项目、社会组织孵化培育和“一老一小”等民生服务,收支全程公开。",
        )
        ctx.count("专项基金")
    return fund


def _subfunds(ctx: DemoContext, fund: Fund) -> dict[str, SubFund]:
    code, name, _communities = STREETS[STREET_INDEX]
    street = Street.objects.filter(code=code).first() or Street.objects.get(name=name)
    plans = {
        STREET_POT: {
            "name": f"{street.name}专项",
            "kind": SubFundKind.STREET,
            "street": street,
            "purpose": f"用于{street.name}购买的社区服务项目。",
        },
        THEME_POT: {
            "name": "一老一小专项",
            "kind": SubFundKind.THEME,
            "theme": "一老一小",
            "purpose": "用于为老服务和儿童关爱服务:助餐助浴、日间照料、课后托管、儿童成长营等。",
        },
    }
    pots = {}
    for code_, plan in plans.items():
        pot = SubFund.objects.filter(fund=fund, code=code_).first()
        if pot is None:
            pot = services.subfund_create(actor=ctx.admin, fund=fund, code=code_, **plan)
            ctx.count("基金专项")
        pots[code_] = pot
    return pots


def _donations(ctx: DemoContext, fund: Fund, pots: dict) -> None:
    today = timezone.localdate()
    for gift in OFFLINE:
        subfund = pots.get(gift.pot)
        if Donation.objects.filter(
            fund=fund, channel=DonationChannel.OFFLINE, donor_name=gift.donor, amount_fen=gift.yuan * 100
        ).exists():
            continue
        services.donation_record_offline(
            actor=ctx.admin,
            fund=fund,
            subfund=subfund,
            amount_fen=gift.yuan * 100,
            donor_name=gift.donor,
            anonymous=gift.anonymous,
            contact=gift.contact,
            evidence_upload=_evidence(gift),
            received_on=today - datetime.timedelta(days=gift.days_ago),
        )
        ctx.count("捐赠")
    resident = ctx.users.get("resident")
    for payment_id, gift in ONLINE:
        if Donation.objects.filter(provider_payment_id=payment_id).exists():
            continue
        # DEMO ONLY: what the donation page and the verified webhook do (see the module docstring).
        donation = services.donation_start(
            actor=resident if payment_id == RESIDENT_GIFT else None,
            fund=fund,
            subfund=pots.get(gift.pot),
            amount_fen=gift.yuan * 100,
            donor_name=gift.donor,
            anonymous=gift.anonymous,
            contact=gift.contact,
        )
        services.donation_attach_provider_payment(donation=donation, provider_payment_id=payment_id)
        services.donation_credit_from_provider(
            provider_payment_id=payment_id, amount_fen=gift.yuan * 100, currency="cny"
        )
        ctx.count("捐赠")
    donor, yuan, refund_yuan = REFUND
    donation = Donation.objects.filter(
        fund=fund, channel=DonationChannel.OFFLINE, donor_name=donor, amount_fen=yuan * 100
    ).first()
    if donation is not None and donation.refunded_fen == 0:
        services.donation_refund_request(actor=ctx.admin, donation=donation, amount_fen=refund_yuan * 100)
        ctx.count("退款")


def _disburse(ctx: DemoContext, approver, **proposal) -> Disbursement:
    d = services.disbursement_propose(actor=ctx.admin, **proposal)
    services.disbursement_approve(actor=approver, disbursement=d)
    ctx.count("基金拨付")
    return d


def _disbursements(ctx: DemoContext, fund: Fund, pots: dict, approver) -> None:
    # The fund-paid milestones the procurement demo left waiting for the fund.
    for milestone in fund_payment_requests().filter(contract__project__district=fund.district):
        if (
            Disbursement.objects.filter(milestone=milestone)
            .exclude(status=DisbursementStatus.REJECTED)
            .exists()
        ):
            continue
        project = milestone.contract.project
        pot = pots[STREET_POT] if project.street_id == pots[STREET_POT].street_id else None
        _disburse(
            ctx,
            approver,
            fund=fund,
            subfund=pot,
            amount_fen=milestone.payment.amount_fen,
            milestone=milestone,
            purpose=f"支付「{project.title}」{milestone.title}服务费(专项基金付款,已验收)。",
        )
    incubating = list(
        Incubation.objects.filter(
            cohort__district=fund.district, status__in=(IncubationStatus.INCUBATING, IncubationStatus.MIDTERM)
        )
        .select_related("organization")
        .order_by("organization__name")[:2]
    )
    if incubating and not Disbursement.objects.filter(fund=fund, purpose=GRANT_PURPOSE).exists():
        _disburse(
            ctx,
            approver,
            fund=fund,
            subfund=pots[THEME_POT],
            amount_fen=GRANT_YUAN * 100,
            incubation=incubating[0],
            purpose=GRANT_PURPOSE,
        )
    if (
        len(incubating) > 1
        and not Disbursement.objects.filter(fund=fund, purpose=PENDING_GRANT_PURPOSE).exists()
    ):
        # Left for the second admin to approve (or reject) in the demo.
        services.disbursement_propose(
            actor=ctx.admin,
            fund=fund,
            subfund=None,
            amount_fen=PENDING_GRANT_YUAN * 100,
            incubation=incubating[1],
            purpose=PENDING_GRANT_PURPOSE,
        )
        ctx.count("基金拨付")


def _quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _disclosures(ctx: DemoContext, fund: Fund) -> None:
    """The previous quarter's accounts (published), this quarter's (due 15 days after it ends)
    and the annual report (due by the end of March), as the Charity Law requires."""
    today = timezone.localdate()
    this_q = _quarter_start(today)
    prev_q = _quarter_start(this_q - datetime.timedelta(days=1))
    next_q = _quarter_start(this_q + datetime.timedelta(days=95))

    def label(q: datetime.date) -> str:
        return f"{q.year}年第{(q.month - 1) // 3 + 1}季度"

    plan = [
        (
            f"{label(prev_q)}捐赠收支公开",
            this_q + datetime.timedelta(days=14),
            "本季度基金收入、支出及各专项余额明细见基金公开页面;大额捐赠均附银行回单备查。",
        ),
        (f"{label(this_q)}捐赠收支公开", next_q + datetime.timedelta(days=14), None),
        (f"{today.year}年度工作报告和财务会计报告", datetime.date(today.year + 1, 3, 31), None),
    ]
    for title, due_on, published_body in plan:
        if Disclosure.objects.filter(fund=fund, title=title).exists():
            continue
        disclosure = services.disclosure_schedule(actor=ctx.admin, fund=fund, title=title, due_on=due_on)
        ctx.count("信息公开")
        if published_body:
            services.disclosure_publish(actor=ctx.admin, disclosure=disclosure, body=published_body)


def seed_fund(ctx: DemoContext) -> None:
    approver = users.ensure_second_admin(ctx)
    fund = _fund(ctx)
    pots = _subfunds(ctx, fund)
    _donations(ctx, fund, pots)
    _disbursements(ctx, fund, pots, approver)
    _disclosures(ctx, fund)


__all__ = ["FUND_CODE", "seed_fund"]
