"""The fund's public pages: the list, the transparency page of a fund and of a sub-fund, the CSV
of the ledger, and their Content-Security-Policy."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from marketplace.fund import selectors, services
from marketplace.fund.models import Disclosure
from tests.factories import IncubationFactory
from tests.frontend import pagecheck
from tests.marketplace.fund.conftest import fw  # noqa: F401  (fixture)
from tests.marketplace.procurement.conftest import pw  # noqa: F401  (fixture)
from tests.marketplace.procurement.test_contracts import (  # noqa: F401  (fixtures)
    deliver,
    make_awarded,
    milestones,
    signed,
)

CONTACT = "13800138000"


def give(fw, amount_fen, subfund=None, *, name="张三丰", anonymous=False, actor=None):  # noqa: F811
    return fw.give(amount_fen, subfund, donor_name=name, anonymous=anonymous, actor=actor)


def pay_grant(fw, amount_fen, subfund=None, org_name=None):  # noqa: F811
    """A paid disbursement: an incubation grant proposed by one admin, approved by another."""
    names = {"application__organization__name": org_name} if org_name else {}
    incubation = IncubationFactory(**names)
    d = services.disbursement_propose(
        actor=fw.admins[0],
        fund=fw.fund,
        subfund=subfund,
        amount_fen=amount_fen,
        incubation=incubation,
        purpose="孵化期能力建设资助",
    )
    services.disbursement_approve(actor=fw.admins[1], disbursement=d)
    d.refresh_from_db()
    assert d.status == "paid"
    return d


@pytest.fixture
def busy_fund(fw):  # noqa: F811
    """Donations to the general pot and the theme pot, a refund, a grant paid."""
    fw.admins[1].display_name = "王审批"
    fw.admins[1].save()
    give(fw, 50_000)
    give(fw, 12_345, name="李四光")
    give(fw, 20_000, fw.theme_pot, anonymous=True, name="赵六")
    refunded = give(fw, 30_000, fw.theme_pot, name="钱七")
    # What the provider's refund event books (the webhook's call).
    services.donation_refund_from_provider(
        provider_payment_id=refunded.provider_payment_id, refunded_total_fen=10_000
    )
    refunded.refresh_from_db()
    assert refunded.refunded_fen == 10_000
    pay_grant(fw, 25_000, org_name="阳光社工服务中心")
    return fw


def figures(response) -> dict:
    page = pagecheck.parse(response.content.decode())
    return {e.attrs["data-figure"]: e for e in page.elements if "data-figure" in e.attrs}


def text_of(response) -> str:
    return response.content.decode()


# --- the transparency page ------------------------------------------------------------------
def test_the_fund_page_shows_the_ledgers_figures(client, busy_fund):
    fund = busy_fund.fund
    balances = selectors.fund_balances(fund)
    assert (balances.raised_fen, balances.refunded_fen, balances.disbursed_fen) == (112_345, 10_000, 25_000)
    response = client.get(f"/fund/{fund.code}/")
    assert response.status_code == 200
    html = text_of(response)
    # Each figure cell, read from the page, equals the selector's number.
    cells = figures(response)
    assert set(cells) == {"raised", "donation_count", "refunded", "disbursed", "balance", "available"}
    assert "¥1,123.45" in html  # raised
    assert f'data-figure="donation_count">{balances.donation_count}<' in html and balances.donation_count == 4
    assert 'data-figure="disbursed">¥250.00<' in html
    assert 'data-figure="balance">¥773.45<' in html and balances.balance_fen == 77_345
    assert 'data-figure="available">¥773.45<' in html and balances.available_fen == 77_345
    # Every inflow and the outflow, with its target and approver.
    assert html.count('<tr><td class="nowrap">') >= 5
    assert "孵化资助 · 阳光社工服务中心" in html
    assert "王审批" in html
    assert "¥100.00" in html  # the partial refund shown on its inflow


def test_a_subfund_page_shows_only_its_pot(client, busy_fund):
    fund, pot = busy_fund.fund, busy_fund.theme_pot
    figures_pot = next(p for p in selectors.fund_balances(fund).subfunds if p.subfund == pot)
    response = client.get(f"/fund/{fund.code}/{pot.code}/")
    assert response.status_code == 200
    html = text_of(response)
    assert figures_pot.raised_fen == 50_000 and figures_pot.donation_count == 2
    assert 'data-figure="raised">¥500.00<' in html
    assert 'data-figure="donation_count">2<' in html
    assert 'data-figure="refunded">¥100.00<' in html
    assert 'data-figure="available">¥400.00<' in html
    assert "张**" not in html  # the general pot's donors are not listed here
    assert "匿名" in html and "<td>钱*</td>" in html
    assert "阳光社工服务中心" not in html  # the grant was paid from the general pot
    assert client.get(f"/fund/{fund.code}/no-such-pot/").status_code == 404
    assert client.get("/fund/no-such-fund/").status_code == 404


def test_public_pages_never_show_contacts_or_whole_names(client, busy_fund):
    fund = busy_fund.fund
    urls = [
        "/fund/",
        f"/fund/{fund.code}/",
        f"/fund/{fund.code}/{busy_fund.theme_pot.code}/",
        f"/fund/{fund.code}/ledger.csv",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8-sig")
        for secret in (CONTACT, "张三丰", "李四光", "赵六", "钱七", "赵*"):
            assert secret not in text, (url, secret)
    html = text_of(client.get(f"/fund/{fund.code}/"))
    assert "张**" in html and "李**" in html and "匿名" in html


def test_a_project_subfund_has_a_progress_bar(client, fw, pw):  # noqa: F811
    project = pw.published(budget_ceiling_fen=200_000, funding_source="fund")
    pot = services.subfund_create(
        actor=fw.admins[0],
        fund=fw.fund,
        code="project-pot",
        name="项目专项",
        kind="project",
        project=project,
        purpose="该项目的服务费。",
    )
    give(fw, 50_000, pot)
    html = text_of(client.get(f"/fund/{fw.fund.code}/"))
    progress = [e for e in pagecheck.parse(html).find("progress") if e.attrs["id"] == f"raised-{pot.pk}"]
    assert len(progress) == 1 and progress[0].attrs["value"] == "25" and progress[0].attrs["max"] == "100"
    assert "已筹 25%" in html
    # Only project pots have one.
    assert not [
        e for e in pagecheck.parse(html).find("progress") if e.attrs["id"].endswith(f"-{fw.theme_pot.pk}")
    ]


def test_the_disclosure_calendar(client, fw):  # noqa: F811
    today = timezone.localdate()
    Disclosure.objects.create(
        fund=fw.fund, title="2025年度工作报告", due_on=today.replace(year=today.year - 1)
    )
    Disclosure.objects.create(
        fund=fw.fund, title="第一季度收支公示", due_on=today, published_at=timezone.now()
    )
    Disclosure.objects.create(
        fund=fw.fund, title="第二季度收支公示", due_on=today.replace(year=today.year + 1)
    )
    html = text_of(client.get(f"/fund/{fw.fund.code}/"))
    section = html[html.index('id="disclosures"') :]
    assert "2025年度工作报告" in section and "逾期未公开" in section
    assert "第一季度收支公示" in section and "公开</span>" in section
    assert "第二季度收支公示" in section and "待公开" in section


def test_the_fund_list(client, busy_fund):
    html = text_of(client.get("/fund/"))
    assert busy_fund.fund.name in html
    assert "¥1,123.45" in html and "¥250.00" in html
    assert f'href="/fund/{busy_fund.fund.code}/donate/"' in html


def test_an_outflow_to_a_milestone_names_the_project(client, fw, make_awarded):  # noqa: F811
    a = make_awarded(funding_source="fund")
    contract = signed(a)
    first = milestones(contract)[0]
    deliver(a, first)
    first.refresh_from_db()
    fw.give(first.payment.amount_fen, fw.street_pot)
    d = services.disbursement_propose(
        actor=fw.admins[0],
        fund=fw.fund,
        subfund=fw.street_pot,
        amount_fen=first.payment.amount_fen,
        milestone=first,
        purpose="支付第1期服务费",
    )
    services.disbursement_approve(actor=fw.admins[1], disbursement=d)
    html = text_of(client.get(f"/fund/{fw.fund.code}/{fw.street_pot.code}/"))
    row = html[html.index('id="outflows"') :]
    project = contract.project
    assert f'href="/projects/{project.pk}/"' in row
    assert project.title in row and first.title in row and contract.organization.name in row
    assert "支付第1期服务费" in row and fw.admins[1].display_name in row


# --- CSV ------------------------------------------------------------------------------------
def read_csv(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def fen(value: str) -> int:
    return int(Decimal(value) * 100)


@pytest.mark.parametrize("pot", [None, "theme_pot", "general"])
def test_the_csv_agrees_with_the_ledger(client, busy_fund, pot):
    fund = busy_fund.fund
    balances = selectors.fund_balances(fund)
    if pot is None:
        url, figures_ = f"/fund/{fund.code}/ledger.csv", balances
    elif pot == "general":
        # The general pot has no page of its own: check its rows inside the fund's CSV.
        url, figures_ = f"/fund/{fund.code}/ledger.csv", balances.general
    else:
        subfund = getattr(busy_fund, pot)
        url = f"/fund/{fund.code}/{subfund.code}/ledger.csv"
        figures_ = next(p for p in balances.subfunds if p.subfund == subfund)
    rows = read_csv(client.get(url))
    if pot == "general":
        rows = [r for r in rows if r["专项"] == "基金统筹"]
    inflows = [r for r in rows if r["类型"] == "捐赠收入"]
    outflows = [r for r in rows if r["类型"] == "拨付支出"]
    assert sum(fen(r["金额(元)"]) for r in inflows) == figures_.raised_fen
    assert sum(fen(r["已退款(元)"]) for r in inflows) == figures_.refunded_fen
    assert sum(fen(r["金额(元)"]) for r in outflows) == figures_.disbursed_fen
    assert len(inflows) == figures_.donation_count
    net = sum(fen(r["金额(元)"]) - fen(r["已退款(元)"]) for r in inflows) - sum(
        fen(r["金额(元)"]) for r in outflows
    )
    assert net == figures_.balance_fen


def test_csv_rows_name_targets_and_approvers_and_defuse_formulas(client, fw):  # noqa: F811
    fw.admins[1].display_name = "王审批"
    fw.admins[1].save()
    give(fw, 10_000, name="=HYPERLINK(1)")
    pay_grant(fw, 5_000, org_name="阳光社工服务中心")
    rows = read_csv(client.get(f"/fund/{fw.fund.code}/ledger.csv"))
    assert [r["类型"] for r in rows] == ["捐赠收入", "拨付支出"]
    assert rows[0]["捐赠人/拨付对象"] == "'=************"
    assert rows[1]["捐赠人/拨付对象"] == "孵化资助 · 阳光社工服务中心"
    assert rows[1]["审批人"] == "王审批"
    assert rows[1]["编号"].startswith("fund-disbursement:")


# --- Content-Security-Policy ----------------------------------------------------------------
def test_fund_pages_keep_the_strict_policy(client, busy_fund, settings):
    fund = busy_fund.fund
    for url in ("/fund/", f"/fund/{fund.code}/", f"/fund/{fund.code}/{busy_fund.theme_pot.code}/"):
        response = client.get(url)
        assert pagecheck.csp_problems(response) == [], url
        header = response.headers["Content-Security-Policy"]
        assert "stripe" not in header, url
        assert "frame-src" not in pagecheck.policy(response), url


# --- query counts ---------------------------------------------------------------------------
# Counts what rendering reads, not a page cache hit.
@override_settings(PAGE_CACHE_ENABLED=False)
def _count(client, url) -> int:
    client.get(url)  # warm the per-process caches (site, settings) first
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_donations(client, fw):  # noqa: F811
    urls = ["/fund/", f"/fund/{fw.fund.code}/", f"/fund/{fw.fund.code}/{fw.theme_pot.code}/"]
    give(fw, 10_000)
    give(fw, 10_000, fw.theme_pot)
    pay_grant(fw, 5_000)
    one = [_count(client, url) for url in urls]
    for i in range(15):
        give(fw, 10_000 + i, fw.theme_pot if i % 2 else None, name=f"捐赠人{i}")
    for _i in range(3):
        pay_grant(fw, 1_000)
    many = [_count(client, url) for url in urls]
    assert many == one
