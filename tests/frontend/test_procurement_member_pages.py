"""The bidding organisations' own pages after the deadline: the result of their bid on the
receipt, the objection form during publicity, the delivery (履约) page with its report form and
past reports, and the "my bids and contracts" section of the personal page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.core.models import PrivateFile
from marketplace.core.roles import Role
from marketplace.procurement import services
from marketplace.procurement.choices import MilestoneStatus, ObjectionStatus
from marketplace.procurement.models import Milestone, MilestoneReport, Objection
from tests.factories import UserFactory, grant
from tests.frontend.test_procurement_pages import chinese_page, receipt_url
from tests.frontend.test_procurement_results import (
    REPORT_TEXT,
    award,
    contract_in_delivery,
    milestones_of,
    private_root,  # noqa: F401 (an autouse fixture: evidence goes to a temporary folder)
    to_publicity,
)
from tests.marketplace.procurement import conftest as procurement_conftest
from tests.marketplace.procurement.test_contracts import PDF, plan
from tests.marketplace.procurement.test_evaluation import bid_of, in_publicity

pw = procurement_conftest.pw
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
OBJECTION = "第一名的项目团队人员与其另一项目重复,请核实。"


def objection_url(bid) -> str:
    return f"/projects/bids/{bid.pk}/objection/"


def delivery_url(contract) -> str:
    return f"/projects/contracts/{contract.pk}/"


def report_url(contract, milestone) -> str:
    return f"/projects/contracts/{contract.pk}/milestones/{milestone.pk}/report/"


def report_post(milestone, content=REPORT_TEXT, files=()):
    data = {f"m{milestone.pk}-content": content}
    if files:
        data[f"m{milestone.pk}-evidence"] = list(files)
    return data


def pdf(name="送餐台账.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


# --- the result on the receipt, and objections ----------------------------------------------
def test_the_receipt_shows_the_result_of_the_bid_and_the_objection_form(client, pw, time_machine):
    project, _evaluators = in_publicity(pw, time_machine)
    bid = bid_of(project, pw.orgs[0])
    client.force_login(pw.org_admins[0])
    chinese_page(
        client.get(receipt_url(bid)),
        "评审结果",
        "未被推荐为中标人",
        "78.000",
        "¥210,000.00",
        "拟中标组织:",
        pw.orgs[1].name,
        "¥220,000.00",
        "对评审结果提出质疑",
    )
    winner = bid_of(project, pw.orgs[1])
    client.force_login(pw.org_admins[1])
    chinese_page(client.get(receipt_url(winner)), "拟中标", "90.136")


def test_an_org_admin_objects_during_publicity_through_the_receipt(client, pw, time_machine):
    project, _evaluators = in_publicity(pw, time_machine)
    bid = bid_of(project, pw.orgs[0])
    client.force_login(pw.org_admins[0])
    response = client.post(objection_url(bid), {"text": OBJECTION})
    assert response.status_code == 302 and response.url == receipt_url(bid)
    objection = Objection.objects.get()
    assert (objection.project, objection.organization, objection.submitted_by, objection.text) == (
        project,
        pw.orgs[0],
        pw.org_admins[0],
        OBJECTION,
    )
    assert objection.status == ObjectionStatus.OPEN
    chinese_page(client.get(response.url), "质疑已提交", OBJECTION, "待处理")
    # The street answers; the receipt shows the answer.
    services.objection_resolve(
        actor=pw.drafter, objection=objection, upheld=False, response="经核实,人员不重复。"
    )
    chinese_page(client.get(receipt_url(bid)), "不成立", "经核实,人员不重复。")


def test_an_empty_objection_is_refused_on_the_form(client, pw, time_machine):
    project, _evaluators = in_publicity(pw, time_machine)
    client.force_login(pw.org_admins[0])
    chinese_page(client.post(objection_url(bid_of(project, pw.orgs[0])), {"text": "  "}), "必需字段")
    assert not Objection.objects.exists()


def test_an_objection_after_publicity_is_refused_in_chinese_and_nothing_is_made(client, pw, time_machine):
    project, _evaluators = in_publicity(pw, time_machine)
    bid = bid_of(project, pw.orgs[0])
    time_machine.move_to(project.publicity_ends_at, tick=False)
    client.force_login(pw.org_admins[0])
    html = chinese_page(client.get(receipt_url(bid)), "评审结果")
    assert "对评审结果提出质疑" not in html  # no form once publicity is over
    html = chinese_page(client.post(objection_url(bid), {"text": OBJECTION}), "公示期已于", "不能再提出质疑")
    assert OBJECTION in html  # what was typed is kept on the form
    assert not Objection.objects.exists()
    # After the award too.
    award(pw, time_machine, project)
    client.force_login(pw.org_admins[0])
    chinese_page(client.post(objection_url(bid), {"text": OBJECTION}), "项目不在公示期,不能提出质疑。")
    assert not Objection.objects.exists()


def test_an_org_member_who_is_not_admin_gets_no_objection_form_and_is_refused(client, pw, time_machine):
    project, _evaluators = in_publicity(pw, time_machine)
    bid = bid_of(project, pw.orgs[0])
    member = UserFactory(display_name="组织0成员")
    grant(member, Role.ORG_MEMBER, pw.orgs[0])
    client.force_login(member)
    html = chinese_page(client.get(receipt_url(bid)), "评审结果", "78.000")
    assert "对评审结果提出质疑" not in html
    chinese_page(client.post(objection_url(bid), {"text": OBJECTION}), "您没有执行此操作的权限。")
    assert not Objection.objects.exists()


def test_no_objection_for_another_organisations_bid(client, pw, time_machine):
    project, _evaluators = in_publicity(pw, time_machine)
    client.force_login(pw.org_admins[3])  # did not bid
    other = bid_of(project, pw.orgs[0])
    assert client.get(receipt_url(other)).status_code == 404
    assert client.post(objection_url(other), {"text": OBJECTION}).status_code == 404
    client.logout()
    assert client.post(objection_url(other), {"text": OBJECTION}).status_code == 302  # to login
    assert not Objection.objects.exists()


# --- delivery (履约) --------------------------------------------------------------------------
@pytest.fixture
def delivering(pw, time_machine):
    """Organisation 1 won and is delivering a contract of three milestones (30/40/30)."""
    project, _evaluators = in_publicity(pw, time_machine)
    award(pw, time_machine, project)
    return contract_in_delivery(pw, project)


def test_the_winner_reaches_the_delivery_page_from_the_receipt_and_the_project(client, pw, delivering):
    contract = delivering
    client.force_login(pw.org_admins[1])
    chinese_page(client.get(receipt_url(contract.bid)), "进入履约页面", delivery_url(contract))
    chinese_page(client.get(f"/projects/{contract.project_id}/"), delivery_url(contract))
    chinese_page(
        client.get(delivery_url(contract)),
        "付款节点与履约报告",
        "第1期服务",
        "第1期服务台账与满意度调查",
        "¥66,000.00",
        "¥220,000.00",
        "提交履约报告",
        "佐证材料",
    )


def test_a_member_submits_a_report_with_evidence(client, pw, delivering):
    contract = delivering
    first = milestones_of(contract)[0]
    member = UserFactory(display_name="组织1成员")
    grant(member, Role.ORG_MEMBER, pw.orgs[1])
    client.force_login(member)
    response = client.post(report_url(contract, first), report_post(first, files=[pdf(), pdf("签到表.pdf")]))
    assert response.status_code == 302 and response.url == delivery_url(contract)
    report = MilestoneReport.objects.get(milestone=first)
    assert report.content == REPORT_TEXT and report.submitted_by == member
    files = PrivateFile.objects.filter(pk__in=report.evidence_file_ids)
    assert sorted(f.original_name for f in files) == ["签到表.pdf", "送餐台账.pdf"]
    first.refresh_from_db()
    assert first.status == MilestoneStatus.SUBMITTED
    html = chinese_page(
        client.get(response.url), "已提交,等待街道验收", REPORT_TEXT, "送餐台账.pdf", "待验收"
    )
    for f in files:
        assert f"/files/{f.pk}/" in html
    # No second form for a milestone waiting for review.
    assert f'action="{report_url(contract, first)}"' not in html
    # The street returns it; the page shows the note and offers the form again.
    services.milestone_return(actor=pw.drafter, milestone=first, reason="缺少签到表原件。")
    html = chinese_page(
        client.get(delivery_url(contract)), "退回修改", "缺少签到表原件。", "修改后重新提交报告"
    )
    assert f'action="{report_url(contract, first)}"' in html
    # Resubmitted and accepted: both reports stay listed with their outcome.
    client.post(report_url(contract, first), report_post(first, content="补充签到表后的报告。"))
    services.milestone_accept(actor=pw.drafter, milestone=first, note="符合要求。")
    html = chinese_page(client.get(delivery_url(contract)), "补充签到表后的报告。", "已验收", "符合要求。")
    assert html.count("退回修改") >= 1 and f'action="{report_url(contract, first)}"' not in html


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("台账.pdf", PNG, content_type="application/pdf"), "文件类型不符"),
        (SimpleUploadedFile("台账.exe", b"MZ\x90\x00" + b"\x00" * 64), "文件类型不符"),
        (SimpleUploadedFile("台账.pdf", PDF + b"0" * (10 * 1024 * 1024)), "文件过大:不能超过 10 MB。"),
    ],
    ids=["png-named-pdf", "exe", "too-large"],
)
def test_a_wrong_evidence_file_is_refused_in_chinese_and_nothing_is_made(
    client, pw, delivering, upload, message
):
    contract = delivering
    first = milestones_of(contract)[0]
    client.force_login(pw.org_admins[1])
    response = client.post(report_url(contract, first), report_post(first, files=[pdf(), upload]))
    html = chinese_page(response, message)
    assert REPORT_TEXT in html  # the report text is kept
    assert not MilestoneReport.objects.exists() and not PrivateFile.objects.exists()
    first.refresh_from_db()
    assert first.status == MilestoneStatus.PENDING


def test_too_many_evidence_files_are_refused(client, pw, delivering):
    contract = delivering
    first = milestones_of(contract)[0]
    client.force_login(pw.org_admins[1])
    files = [pdf(f"第{i}页.pdf") for i in range(11)]
    chinese_page(client.post(report_url(contract, first), report_post(first, files=files)), "最多10个文件")
    assert not MilestoneReport.objects.exists() and not PrivateFile.objects.exists()


def test_the_delivery_page_is_the_contracted_organisations_only(client, pw, delivering):
    contract = delivering
    first = milestones_of(contract)[0]
    for outsider in (pw.org_admins[0], pw.org_admins[3], pw.world.resident):
        client.force_login(outsider)
        assert client.get(delivery_url(contract)).status_code == 404
        assert client.post(report_url(contract, first), report_post(first, files=[pdf()])).status_code == 404
    client.logout()
    assert client.get(delivery_url(contract)).status_code == 302
    assert not MilestoneReport.objects.exists() and not PrivateFile.objects.exists()
    # A milestone of another contract through this contract's address is not found either.
    client.force_login(pw.org_admins[1])
    assert client.get("/projects/contracts/999999/").status_code == 404
    missing = Milestone(pk=999999)
    assert client.post(report_url(contract, missing), {"m999999-content": "x"}).status_code == 404


def test_before_delivery_starts_there_is_no_report_form(client, pw, time_machine):
    project, _evaluators = in_publicity(pw, time_machine)
    award(pw, time_machine, project)
    contract = services.contract_sign(
        actor=pw.drafter,
        project=project,
        milestones=plan(project),
    )
    client.force_login(pw.org_admins[1])
    html = chinese_page(client.get(delivery_url(contract)), "街道确认开始履约后")
    first = milestones_of(contract)[0]
    assert "<form" not in html.split('id="milestones-heading"')[1] and report_url(contract, first) not in html
    chinese_page(client.post(report_url(contract, first), report_post(first)), "不在履约阶段")
    assert not MilestoneReport.objects.exists()


# --- my bids and contracts ------------------------------------------------------------------
def test_my_portal_lists_the_organisations_bids_and_contracts(client, pw, delivering):
    contract = delivering
    other = pw.published(title="另一个助餐项目")
    open_bid = pw.bid(other, 1)
    client.force_login(pw.org_admins[1])
    html = chinese_page(
        client.get("/me/"),
        "我的投标与合同",
        "另一个助餐项目",
        "已提交",
        contract.project.title,
        "中标",
        receipt_url(open_bid),
        receipt_url(contract.bid),
        delivery_url(contract),
        f"{timezone.localtime(open_bid.submitted_at):%Y-%m-%d %H:%M}",
    )
    # Another organisation's bids are not listed.
    assert receipt_url(bid_of(contract.project, pw.orgs[0])) not in html


def test_my_portal_has_no_procurement_section_for_others(client, pw):
    client.force_login(pw.world.resident)
    html = chinese_page(client.get("/me/"))
    assert "我的投标与合同" not in html


def _portal_queries(client) -> int:
    client.get("/me/")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/me/").status_code == 200
    return len(ctx.captured_queries)


def test_my_portal_query_count_does_not_grow_with_bids_and_contracts(client, pw, time_machine):
    admin = pw.org_admins[0]
    pw.bid(pw.published(title="项目甲"), 0)
    client.force_login(admin)
    few = _portal_queries(client)
    # Many more bids, and two contracts won by organisation 0.
    for i in range(6):
        pw.bid(pw.published(title=f"项目{i}"), 0)
    for title in ("合同项目一", "合同项目二"):
        project = award(pw, time_machine, to_publicity(pw, time_machine, n_bids=3, title=title))
        assert project.awarded_bid.organization_id == pw.orgs[0].pk  # lowest price, highest scores
        contract_in_delivery(pw, project)
    client.force_login(admin)
    html = chinese_page(client.get("/me/"), "合同项目一", "合同项目二", "项目5")
    assert html.count("/projects/contracts/") == 2
    assert _portal_queries(client) == few
