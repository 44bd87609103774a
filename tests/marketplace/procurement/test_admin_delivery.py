"""Contract and delivery in the back office: signing with milestones (a formset), starting
delivery, amendments, reviewing milestone reports with their evidence, payment, completion and
the rating; the district reads it all and changes nothing."""

import datetime

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.procurement import services, transitions
from marketplace.procurement.choices import MilestoneStatus, PaymentSource, ProjectStatus
from marketplace.procurement.models import Bid, Contract, ContractAmendment, Milestone, Rating
from tests.factories import enable_mfa

from .test_contracts import PDF, PRICES, Awarded, plan, report, signed

BASE = "/admin/procurement/projects/"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    storages._storages.pop("private", None)
    yield tmp_path
    storages._storages.pop("private", None)


@pytest.fixture
def login(client):
    def _login(user):
        enable_mfa(user)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


@pytest.fixture
def make_awarded(pw, time_machine):
    """As in test_contracts: an awarded project (organisation 0 wins), the evaluation moves made
    on the lifecycle table directly."""

    def make(**overrides) -> Awarded:
        project = pw.published(**overrides)
        for i, price in enumerate(PRICES):
            pw.bid(project, i, price_fen=price)
        time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1), tick=False)
        services.project_open_bids(actor=pw.drafter, project=project)
        winner = Bid.objects.select_related("organization").get(project=project, organization=pw.orgs[0])
        for code, fields in (
            ("evaluate", None),
            ("propose_award", {"awarded_bid": winner}),
            ("start_publicity", None),
            ("confirm_award", None),
        ):
            transitions.PROJECT.perform(project, code, actor=pw.approver, fields=fields)
        for bid in Bid.objects.filter(project=project):
            transitions.BID.perform(bid, "win" if bid.pk == winner.pk else "lose", actor=pw.approver)
        project.refresh_from_db()
        winner.refresh_from_db()
        return Awarded(pw=pw, project=project, winner=winner, official=pw.drafter)

    return make


@pytest.fixture
def awarded(make_awarded) -> Awarded:
    return make_awarded()


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _moves(page: str) -> str:
    return page.split("可执行的操作")[1].split("</section>")[0]


def _contract_post(project, percents=(30, 40, 30), amount="", rows=5) -> dict:
    data = {
        "amount": amount,
        "terms": "按服务方案提供助餐服务。",
        "milestones-TOTAL_FORMS": str(rows),
        "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "20",
    }
    for i, m in enumerate(plan(project, percents)):
        data.update(
            {
                f"milestones-{i}-title": m.title,
                f"milestones-{i}-percent": str(m.percent),
                f"milestones-{i}-due_on": m.due_on.isoformat(),
                f"milestones-{i}-deliverables": m.deliverables,
            }
        )
    return data


def test_sign_the_contract_with_milestones(login, awarded):
    project = awarded.project
    url = f"{BASE}sign_contract/{project.pk}/"
    client = login(awarded.official)
    page = _text(client.get(f"{BASE}inspect/{project.pk}/"))
    assert url in _moves(page)
    form = _text(client.get(url))
    assert "付款节点" in form and "¥210,000.00" in form  # the winning price is the default amount
    page = _text(client.post(url, _contract_post(project, (30, 40, 20))))
    assert "各节点付款比例之和须为100%,现为90%" in page
    assert not Contract.objects.exists()
    page = _text(client.post(url, _contract_post(project, amount="250000")))
    assert "合同金额不能超过中标价" in page
    assert not Contract.objects.exists()
    assert client.post(url, _contract_post(project)).status_code == 302
    contract = Contract.objects.get(project=project)
    assert contract.amount_fen == PRICES[0]
    assert [(m.percent, m.amount_fen) for m in contract.milestones.order_by("seq")] == [
        (30, 6_300_000),
        (40, 8_400_000),
        (30, 6_300_000),
    ]
    project.refresh_from_db()
    assert project.status == ProjectStatus.CONTRACTED
    page = _text(client.get(f"{BASE}inspect/{project.pk}/"))
    assert "合同与履约" in page and "第1期服务" in page and "开始履约" in _moves(page)
    assert client.post(f"{BASE}start_delivery/{project.pk}/").status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.IN_DELIVERY


def test_outsiders_cannot_sign(login, awarded):
    project = awarded.project
    url = f"{BASE}sign_contract/{project.pk}/"
    client = login(awarded.pw.world.official_b)
    assert client.get(url).status_code == 404
    assert client.post(url, _contract_post(project)).status_code == 404
    client = login(awarded.pw.world.district_admin)
    page = _text(client.get(f"{BASE}inspect/{project.pk}/"))
    assert url not in page
    assert "您没有执行此操作的权限" in _text(client.post(url, _contract_post(project)))
    assert not Contract.objects.exists()
    project.refresh_from_db()
    assert project.status == ProjectStatus.AWARDED


def test_amend_the_contract(login, awarded):
    contract = signed(awarded)
    project = awarded.project
    client = login(awarded.official)
    url = f"{BASE}amend/{project.pk}/"
    assert url in _text(client.get(f"{BASE}inspect/{project.pk}/"))
    page = _text(client.post(url, {"description": "增加服务人次", "amount": "240000"}))
    assert "追加金额不得超过原合同金额的10%" in page
    assert "请填写变更内容" in _text(client.post(url, {"description": "", "amount": "220000"}))
    contract.refresh_from_db()
    assert contract.amount_fen == PRICES[0] and not ContractAmendment.objects.exists()
    assert (
        login(awarded.pw.world.official_b).post(url, {"description": "x", "amount": "1"}).status_code == 404
    )
    client = login(awarded.official)
    assert client.post(url, {"description": "增加服务人次", "amount": "220000"}).status_code == 302
    contract.refresh_from_db()
    assert contract.amount_fen == 22_000_000
    page = _text(client.get(f"{BASE}inspect/{project.pk}/"))
    assert "合同变更记录" in page and "增加服务人次" in page and "¥220,000.00" in page


def test_review_reports_with_evidence_then_complete_and_rate(login, awarded):
    contract = signed(awarded)
    first, second, third = contract.milestones.order_by("seq")
    report(awarded, first, SimpleUploadedFile("台账.pdf", PDF, content_type="application/pdf"))
    client = login(awarded.official)
    page = _text(client.get(f"{BASE}milestone/{first.pk}/"))
    assert "本期完成送餐3600人次。" in page and "台账.pdf" in page
    file_url = page.split('href="/files/')[1].split('"')[0]
    assert client.get(f"/files/{file_url}").status_code == 200
    assert "验收通过" in _moves(page) and "退回修改" in _moves(page)
    # The district reads the reports and the evidence, and reviews nothing.
    district = login(awarded.pw.world.district_admin)
    page = _text(district.get(f"{BASE}milestone/{first.pk}/"))
    assert "台账.pdf" in page and "当前没有您可以执行的状态操作" in page
    assert "您没有执行此操作的权限" in _text(
        district.post(f"{BASE}milestone-accept/{first.pk}/", {"note": ""})
    )
    assert login(awarded.pw.world.official_b).get(f"{BASE}milestone/{first.pk}/").status_code == 404
    client = login(awarded.official)
    ret = f"{BASE}milestone-return/{first.pk}/"
    assert "请填写" in _text(client.post(ret, {"reason": ""}))
    first.refresh_from_db()
    assert first.status == MilestoneStatus.SUBMITTED
    assert client.post(ret, {"reason": "缺少签到表"}).status_code == 302
    first.refresh_from_db()
    assert first.status == MilestoneStatus.RETURNED
    report(awarded, first)
    assert client.post(f"{BASE}milestone-accept/{first.pk}/", {"note": "符合要求"}).status_code == 302
    first.refresh_from_db()
    assert first.status == MilestoneStatus.PAID and first.payment.source == PaymentSource.FISCAL

    project = awarded.project
    page = _text(client.post(f"{BASE}complete/{project.pk}/"))
    assert "还有节点未验收" in page
    for milestone in (second, third):
        report(awarded, milestone)
        client.post(f"{BASE}milestone-accept/{milestone.pk}/", {"note": ""})
    assert client.post(f"{BASE}complete/{project.pk}/").status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.COMPLETED
    rate = f"{BASE}rate/{project.pk}/"
    assert rate in _text(client.get(f"{BASE}inspect/{project.pk}/"))
    assert "评分须为1到5之间的整数" in _text(client.post(rate, {"score": "6", "comment": ""}))
    assert not Rating.objects.exists()
    assert client.post(rate, {"score": "5", "comment": "服务到位"}).status_code == 302
    assert Rating.objects.get(contract=contract).score == 5
    page = _text(client.get(f"{BASE}inspect/{project.pk}/"))
    assert "服务到位" in page and rate not in page


def test_a_project_paid_from_both_asks_for_the_source(login, make_awarded):
    awarded = make_awarded(funding_source="both")
    contract = signed(awarded)
    milestone = contract.milestones.order_by("seq").first()
    report(awarded, milestone)
    client = login(awarded.official)
    url = f"{BASE}milestone-accept/{milestone.pk}/"
    assert "付款来源" in _text(client.get(url))
    assert "请选择本节点的付款来源" in _text(client.post(url, {"note": "", "source": ""}))
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.SUBMITTED
    assert client.post(url, {"note": "", "source": "fund"}).status_code == 302
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.ACCEPTED and milestone.payment.source == PaymentSource.FUND
    page = _text(client.get(f"{BASE}milestone/{milestone.pk}/"))
    assert "等待基金拨付" in page and "支付" not in _moves(page)


def test_contract_and_milestone_pages_do_not_grow_with_rows(login, make_awarded):
    few = make_awarded(title="两个节点")
    signed(few, percents=(50, 50))
    many = make_awarded(title="五个节点")
    contract = signed(many, percents=(20, 20, 20, 20, 20))
    client = login(few.official)

    def count(url):
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    assert count(f"{BASE}inspect/{few.project.pk}/") == count(f"{BASE}inspect/{many.project.pk}/")
    milestone = Milestone.objects.filter(contract=contract).order_by("seq").first()
    report(many, milestone, SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"))
    one = count(f"{BASE}milestone/{milestone.pk}/")
    for _ in range(2):
        services.milestone_return(actor=many.official, milestone=milestone, reason="补充材料")
        report(many, milestone, SimpleUploadedFile("b.pdf", PDF, content_type="application/pdf"))
    assert milestone.reports.count() == 3
    assert count(f"{BASE}milestone/{milestone.pk}/") == one
