"""The fund in the district's back office: funds and sub-funds, offline donations with evidence,
refunds, disbursements with a different approver (and a second one above the threshold), the
books, disclosures; refusals in Chinese that change nothing; other roles kept out; lists whose
query count does not grow with their rows."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.fund import ledger, services
from marketplace.fund.choices import DisbursementStatus, DonationStatus
from marketplace.fund.models import Disbursement, Disclosure, Donation, Fund, JournalEntry, SubFund
from marketplace.procurement.choices import MilestoneStatus
from tests.factories import IncubationFactory, enable_mfa
from tests.factories.organizations import make_uscc
from tests.marketplace.organizations.test_admin import admin_menu
from tests.marketplace.procurement.test_contracts import (  # noqa: F401  (fixtures)
    deliver,
    make_awarded,
    milestones,
    signed,
)

from .conftest import PDF, books_balance, snapshot, yesterday

FUNDS = "/admin/fund/funds/"
DONATIONS = "/admin/fund/donations/"
DISBURSEMENTS = "/admin/fund/disbursements/"
DISCLOSURES = "/admin/fund/disclosures/"
FIRST_MILESTONE_FEN = 6_300_000  # 30% of the winning price in test_contracts


@pytest.fixture(autouse=True)
def _private(private_root):
    return private_root


@pytest.fixture
def login(client):
    def _login(user):
        enable_mfa(user)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


@pytest.fixture
def waiting_milestone(make_awarded):  # noqa: F811
    a = make_awarded(funding_source="fund")
    first = milestones(signed(a))[0]
    deliver(a, first)
    first.refresh_from_db()
    assert first.status == MilestoneStatus.ACCEPTED
    return first


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _refused(response) -> bool:
    """403/404, or Wagtail's refusal: back to the dashboard with an error message."""
    if response.status_code == 302:
        return response.url == "/admin/"
    return response.status_code in (403, 404)


def _moves(page: str) -> str:
    return page.split("可执行的操作")[1].split("</section>")[0]


def _offline(fw, amount_fen=500_000, subfund=None, donor="太和建设集团有限公司"):
    return services.donation_record_offline(
        actor=fw.admins[0],
        fund=fw.fund,
        subfund=subfund,
        amount_fen=amount_fen,
        donor_name=donor,
        anonymous=False,
        contact="13800138000",
        evidence_upload=SimpleUploadedFile("回单.pdf", PDF, content_type="application/pdf"),
        received_on=yesterday(),
    )


def _grant(fw, amount_fen, subfund=None, actor=None):
    return services.disbursement_propose(
        actor=actor or fw.admins[0],
        fund=fw.fund,
        subfund=subfund,
        amount_fen=amount_fen,
        incubation=IncubationFactory(),
        purpose="孵化资助",
    )


# --- who gets in ------------------------------------------------------------------------------
def test_the_menu_is_the_districts(login, fw):
    menu = admin_menu(login(fw.admins[0]))
    assert menu["专项基金"] == [FUNDS, DONATIONS, DISBURSEMENTS, DISCLOSURES]


@pytest.mark.parametrize("user_attr", ["official_a", "worker_a"])
def test_street_and_community_staff_see_nothing_and_change_nothing(login, fw, user_attr):
    donation = _offline(fw)
    d = _grant(fw, 1_000)
    client = login(getattr(fw.world, user_attr))
    assert "专项基金" not in admin_menu(client)
    before = snapshot()
    for url in (
        FUNDS,
        f"{FUNDS}inspect/{fw.fund.pk}/",
        f"{FUNDS}ledger/{fw.fund.pk}/",
        DONATIONS,
        f"{DONATIONS}inspect/{donation.pk}/",
        f"{DISBURSEMENTS}inspect/{d.pk}/",
    ):
        assert _refused(client.get(url)), url
    assert _refused(client.post(f"{DISBURSEMENTS}approve/{d.pk}/"))
    assert _refused(client.post(f"{DONATIONS}refund/{donation.pk}/", {"amount": "1"}))
    assert snapshot() == before


# --- funds and sub-funds ----------------------------------------------------------------------
def test_set_up_a_fund_and_a_subfund(login, world):
    client = login(world.district_admin)
    data = {
        "district": world.district.pk,
        "code": "yilao-yixiao",
        "name": "一老一小专项基金",
        "host_name": "太和区慈善总会",
        "host_credit_code": "123",
        "purpose": "支持为老、为小服务。",
    }
    page = _text(client.post(f"{FUNDS}new/", data))
    assert "统一社会信用代码" in page and not Fund.objects.exists()
    response = client.post(f"{FUNDS}new/", {**data, "host_credit_code": make_uscc(77)})
    fund = Fund.objects.get(code="yilao-yixiao")
    assert response.status_code == 302 and response.url == f"{FUNDS}inspect/{fund.pk}/"
    assert fund.created_by == world.district_admin and fund.accounts.count() == 2
    page = _text(client.get(response.url))
    assert "太和区慈善总会" in page and "基金统筹部分" in page and "¥0.00" in page
    response = client.post(
        f"{FUNDS}subfund/{fund.pk}/",
        {"code": "street-a", "name": "甲街道专项", "kind": "street", "purpose": "甲街道的服务。"},
    )
    assert "请选择本区的街道" in _text(response) and not SubFund.objects.exists()
    response = client.post(
        f"{FUNDS}subfund/{fund.pk}/",
        {
            "code": "street-a",
            "name": "甲街道专项",
            "kind": "street",
            "street": world.street_a.pk,
            "purpose": "甲街道的服务。",
        },
    )
    assert response.status_code == 302
    sub = SubFund.objects.get(fund=fund, code="street-a")
    assert sub.street == world.street_a
    assert "甲街道专项" in _text(client.get(f"{FUNDS}inspect/{fund.pk}/"))


# --- donations --------------------------------------------------------------------------------
def _offline_post(fw, **overrides):
    data = {
        "fund": fw.fund.pk,
        "subfund": fw.theme_pot.pk,
        "amount": "5000",
        "donor_name": "太和建设集团有限公司",
        "contact": "finance@taihe-build.example",
        "received_on": yesterday().isoformat(),
        "evidence": SimpleUploadedFile("银行回单.pdf", PDF, content_type="application/pdf"),
    }
    data.update(overrides)
    return data


def test_record_an_offline_donation_with_evidence(login, fw):
    client = login(fw.admins[0])
    page = _text(client.post(f"{DONATIONS}new/", _offline_post(fw, amount="0.5")))
    assert "金额不能低于" in page and not Donation.objects.exists()
    no_evidence = _offline_post(fw)
    del no_evidence["evidence"]
    page = _text(client.post(f"{DONATIONS}new/", no_evidence))
    assert "到账凭证" in page and not Donation.objects.exists()
    response = client.post(f"{DONATIONS}new/", _offline_post(fw))
    donation = Donation.objects.get()
    assert response.status_code == 302 and response.url == f"{DONATIONS}inspect/{donation.pk}/"
    assert (donation.status, donation.amount_fen, donation.channel) == ("succeeded", 500_000, "offline")
    assert donation.subfund == fw.theme_pot and donation.recorded_by == fw.admins[0]
    assert ledger.pot_balance(fw.fund, fw.theme_pot) == 500_000
    assert [e.key for e in JournalEntry.objects.all()] == [f"donation:{donation.pk}:credit"]
    page = _text(client.get(response.url))
    assert "银行回单.pdf" in page and f"/files/{donation.evidence_id}/" in page
    assert "f***@taihe-build.example" in page and "finance@taihe-build.example" not in page
    assert client.get(f"/files/{donation.evidence_id}/").status_code == 200
    books_balance()


def test_refund_an_offline_donation(login, fw):
    donation = _offline(fw, 500_000)
    client = login(fw.admins[1])
    page = _text(client.get(f"{DONATIONS}inspect/{donation.pk}/"))
    assert f"{DONATIONS}refund/{donation.pk}/" in page
    page = _text(client.post(f"{DONATIONS}refund/{donation.pk}/", {"amount": "6000"}))
    assert "退款金额不能超过可退金额 ¥5,000.00" in page
    donation.refresh_from_db()
    assert donation.refunded_fen == 0
    response = client.post(f"{DONATIONS}refund/{donation.pk}/", {"amount": "1000"})
    assert response.status_code == 302
    donation.refresh_from_db()
    assert (donation.status, donation.refunded_fen) == (DonationStatus.PARTIALLY_REFUNDED, 100_000)
    assert ledger.pot_balance(fw.fund) == 400_000
    assert JournalEntry.objects.filter(key=f"donation:{donation.pk}:refund:100000").exists()
    books_balance()


def test_donation_list_shows_every_donation_with_its_status(login, fw):
    _offline(fw, 300_000, donor="甲公司")
    online = fw.give(10_000, fw.street_pot, donor_name="张三丰", anonymous=True)
    page = _text(login(fw.admins[0]).get(DONATIONS))
    assert "甲公司" in page and "¥3,000.00" in page and "线下捐赠" in page
    assert "张三丰(匿名公示)" in page and "¥100.00" in page and "已到账" in page
    page = _text(login(fw.admins[0]).get(f"{DONATIONS}inspect/{online.pk}/"))
    assert online.provider_payment_id in page and online.receipt_number in page


# --- disbursements ----------------------------------------------------------------------------
def test_propose_and_approve_a_milestone_payment_by_another_admin(login, fw, waiting_milestone):
    _offline(fw, FIRST_MILESTONE_FEN + 10_000, subfund=fw.street_pot)
    proposer = login(fw.admins[0])
    form = _text(proposer.get(f"{DISBURSEMENTS}new/"))
    assert waiting_milestone.title in form and "¥63,000.00" in form
    data = {
        "fund": fw.fund.pk,
        "subfund": fw.street_pot.pk,
        "milestone": waiting_milestone.pk,
        "amount": "63000",
        "purpose": "支付第1期服务费",
    }
    page = _text(proposer.post(f"{DISBURSEMENTS}new/", {**data, "amount": "1000"}))
    assert "拨付金额须等于该节点的付款金额 ¥63,000.00" in page and not Disbursement.objects.exists()
    response = proposer.post(f"{DISBURSEMENTS}new/", data)
    d = Disbursement.objects.get()
    assert response.status_code == 302 and d.proposed_by == fw.admins[0]
    page = _text(proposer.get(f"{DISBURSEMENTS}inspect/{d.pk}/"))
    assert "审批通过" not in _moves(page) and "驳回" not in _moves(page)
    before = snapshot()
    page = _text(proposer.post(f"{DISBURSEMENTS}approve/{d.pk}/"))
    assert "不能审批自己提出的拨付申请" in page
    assert snapshot() == before
    approver = login(fw.admins[1])
    page = _text(approver.get(f"{DISBURSEMENTS}inspect/{d.pk}/"))
    assert f"{DISBURSEMENTS}approve/{d.pk}/" in _moves(page) and "¥63,100.00" in page
    response = approver.post(f"{DISBURSEMENTS}approve/{d.pk}/")
    assert response.status_code == 302
    d.refresh_from_db()
    assert (d.status, d.approved_by) == (DisbursementStatus.PAID, fw.admins[1])
    assert ledger.pot_balance(fw.fund, fw.street_pot) == 10_000
    assert JournalEntry.objects.filter(key=f"disbursement:{d.pk}:paid").exists()
    waiting_milestone.refresh_from_db()
    assert waiting_milestone.status == MilestoneStatus.PAID
    page = _text(approver.get(DISBURSEMENTS))
    assert "已拨付" in page and waiting_milestone.title in page
    books_balance()


def test_approval_above_the_balance_is_refused_in_chinese(login, fw):
    _offline(fw, 100_000)
    first, second = _grant(fw, 80_000), _grant(fw, 80_000)
    client = login(fw.admins[1])
    assert client.post(f"{DISBURSEMENTS}approve/{first.pk}/").status_code == 302
    page = _text(client.get(f"{DISBURSEMENTS}inspect/{second.pk}/"))
    assert "审批通过" not in _moves(page)  # the guard leaves it out: the pot no longer covers it
    before = snapshot()
    page = _text(client.post(f"{DISBURSEMENTS}approve/{second.pk}/"))
    assert "可用余额不足:该笔拨付 ¥800.00,可用余额 ¥200.00" in page
    assert snapshot() == before
    assert ledger.pot_balance(fw.fund) == 20_000
    books_balance()


def test_a_large_amount_needs_a_second_different_approver(login, fw, settings):
    settings.FUND_SECOND_APPROVAL_FEN = 50_000
    _offline(fw, 200_000)
    d = _grant(fw, 100_000)
    first = login(fw.admins[1])
    assert "初审通过" in _moves(_text(first.get(f"{DISBURSEMENTS}inspect/{d.pk}/")))
    assert first.post(f"{DISBURSEMENTS}first_approve/{d.pk}/").status_code == 302
    d.refresh_from_db()
    assert d.status == DisbursementStatus.AWAITING_SECOND and not JournalEntry.objects.filter(disbursement=d)
    page = _text(first.get(f"{DISBURSEMENTS}inspect/{d.pk}/"))
    assert "复核通过" not in _moves(page)
    page = _text(first.post(f"{DISBURSEMENTS}second_approve/{d.pk}/"))
    assert "复核须由另一位管理员进行" in page
    second = login(fw.admins[2])
    assert second.post(f"{DISBURSEMENTS}second_approve/{d.pk}/").status_code == 302
    d.refresh_from_db()
    assert (d.status, d.approved_by, d.second_approved_by) == ("paid", fw.admins[1], fw.admins[2])
    assert ledger.pot_balance(fw.fund) == 100_000


def test_reject_with_a_reason(login, fw):
    _offline(fw, 100_000)
    d = _grant(fw, 50_000)
    client = login(fw.admins[1])
    page = _text(client.post(f"{DISBURSEMENTS}reject/{d.pk}/", {"reason": ""}))
    d.refresh_from_db()
    assert d.status == DisbursementStatus.PROPOSED and "原因" in page
    assert client.post(f"{DISBURSEMENTS}reject/{d.pk}/", {"reason": "资助对象不符合条件"}).status_code == 302
    d.refresh_from_db()
    assert (d.status, d.reject_reason, d.rejected_by) == ("rejected", "资助对象不符合条件", fw.admins[1])
    assert "资助对象不符合条件" in _text(client.get(f"{DISBURSEMENTS}inspect/{d.pk}/"))


# --- the books ----------------------------------------------------------------------------------
def test_the_ledger_shows_entries_with_postings_and_balances_per_pot(login, fw):
    donation = _offline(fw, 300_000, subfund=fw.street_pot)
    _offline(fw, 200_000)
    d = _grant(fw, 50_000)
    services.disbursement_approve(actor=fw.admins[1], disbursement=d)
    page = _text(login(fw.admins[0]).get(f"{FUNDS}ledger/{fw.fund.pk}/"))
    assert f"donation:{donation.pk}:credit" in page and f"disbursement:{d.pk}:paid" in page
    assert "基金存款" in page and "净资产 · 甲街道专项" in page and "净资产 · 基金统筹部分" in page
    assert "¥3,000.00" in page and "¥1,500.00" in page  # the general pot: 2,000 − 500
    assert "¥4,500.00" in page  # the fund in all


# --- disclosures ------------------------------------------------------------------------------
def test_schedule_and_publish_a_disclosure(login, fw):
    client = login(fw.admins[0])
    response = client.post(
        f"{DISCLOSURES}new/",
        {"fund": fw.fund.pk, "title": "2025年第一季度收支公开", "due_on": "2025-04-15", "body": ""},
    )
    disclosure = Disclosure.objects.get()
    assert response.status_code == 302 and disclosure.published_at is None
    page = _text(client.get(f"{FUNDS}inspect/{fw.fund.pk}/"))
    assert "2025年第一季度收支公开" in page and "已逾期" in page
    page = _text(client.post(f"{DISCLOSURES}publish/{disclosure.pk}/", {"body": ""}))
    disclosure.refresh_from_db()
    assert disclosure.published_at is None
    response = client.post(f"{DISCLOSURES}publish/{disclosure.pk}/", {"body": "本季度收入5万元,支出3万元。"})
    assert response.status_code == 302
    disclosure.refresh_from_db()
    assert disclosure.published_at and disclosure.published_by == fw.admins[0]
    assert "本季度收入5万元" in disclosure.body
    assert f"{DISCLOSURES}publish/" not in _text(client.get(f"{DISCLOSURES}inspect/{disclosure.pk}/"))


# --- query counts -----------------------------------------------------------------------------
def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        _text(client.get(url))
    return len(ctx.captured_queries)


def test_list_query_counts_do_not_grow_with_rows(login, fw):
    client = login(fw.admins[0])
    _offline(fw, 100_000)
    _grant(fw, 1_000)
    services.disclosure_schedule(actor=fw.admins[0], fund=fw.fund, title="公开1", due_on=yesterday())
    urls = [FUNDS, DONATIONS, DISBURSEMENTS, DISCLOSURES, f"{FUNDS}ledger/{fw.fund.pk}/"]
    one = {url: _queries(client, url) for url in urls}
    for i in range(4):
        _offline(fw, 100_000 + i, subfund=fw.street_pot if i % 2 else fw.theme_pot, donor=f"公司{i}")
        fw.give(5_000 + i, fw.theme_pot, donor_name=f"捐赠人{i}")
        d = _grant(fw, 1_000 + i, actor=fw.admins[i % 2])
        services.disbursement_approve(actor=fw.admins[2], disbursement=d)
        services.disclosure_schedule(
            actor=fw.admins[0], fund=fw.fund, title=f"公开{i + 2}", due_on=yesterday()
        )
        services.fund_create(
            actor=fw.admins[0],
            district=fw.world.district,
            code=f"fund-{i}",
            name=f"基金{i}",
            host_name="区慈善总会",
            host_credit_code=make_uscc(500 + i),
            purpose="用途",
        )
    many = {url: _queries(client, url) for url in urls}
    assert many == one
