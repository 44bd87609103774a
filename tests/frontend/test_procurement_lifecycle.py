"""One service purchase from the first draft to a completed, rated contract through the web pages
alone: the street officials and the district in the Wagtail admin, the evaluators in 我的评审,
the organisations and the public on the front end. Every step is an HTTP request of the test
client; the services are never called (users and organisations are made with the factories, and
the clock is moved past the deadline and the publicity period). The services and the API have
their own walks (tests/marketplace/procurement/test_full_lifecycle.py, test_api_lifecycle.py)."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from marketplace.core.models import AuditEntry, PrivateFile
from marketplace.procurement.choices import (
    BidStatus,
    MilestoneStatus,
    ObjectionStatus,
    PaymentSource,
    ProjectStatus,
)
from marketplace.procurement.models import (
    Bid,
    ConflictDeclaration,
    Contract,
    MilestoneReport,
    Objection,
    Project,
    Question,
    Score,
)
from tests.factories import UserFactory, enable_mfa
from tests.frontend.test_procurement_pages import chinese_page
from tests.marketplace.procurement import conftest as procurement_conftest
from tests.marketplace.procurement.test_contracts import (
    PDF,
    plan,
    private_root,  # noqa: F401 (an autouse fixture: evidence goes to a temporary folder)
)

pw = procurement_conftest.pw

ADMIN = "/admin/procurement/projects/"
MINE = "/admin/procurement/my-evaluations/"
TITLE = "幸福里社区居家养老助餐服务(网页全流程)"
QUESTION = "送餐是否包含法定节假日?"
ANSWER = "包含法定节假日,春节期间另行安排。"
# The bids' yuan prices by organisation index; organisation 2 first bids 235,000 then withdraws
# and resubmits at 230,000.
PRICES = {0: "210000.00", 1: "220000.00", 2: "230000.00"}
SHOWN = {0: "¥210,000.00", 1: "¥220,000.00", 2: "¥230,000.00"}
FIRST_PRICE_2 = "235000.00"
# The two evaluators' scores on (服务方案, 团队与经验) per organisation index: organisation 1 wins with
# 36 + 25.5 + 30 × 210,000 / 220,000 = 90.136; organisation 2 has 80.391, organisation 0 78.000.
SCORES = {
    0: ((70, 60), (80, 60)),
    1: ((90, 80), (90, 90)),
    2: ((80, 70), (80, 70)),
}
REPORT = "评审委员会一致认为投标组织1的服务方案最为完整,团队经验丰富。"
OBJECTION = "第一名的项目团队人员与其另一项目重复,请核实。"
DISMISSAL = "经核实,人员不重复,质疑不成立。"
RETURN_REASON = "缺少服务对象签到表。"
RATING_COMMENT = "送餐准时,老人满意,服务到位。"


# --- small helpers ------------------------------------------------------------------------------
def staff(user) -> Client:
    """A fresh browser for a staff user of the Wagtail admin (enrolled in MFA, as the admin
    requires); fresh after every move of the clock, so no session outlives it."""
    enable_mfa(user)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def member(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(response) -> str:
    assert response.status_code == 200, (response.status_code, response.content.decode()[:1500])
    return response.content.decode()


def done(response, to: str | None = None) -> None:
    """A form accepted: a redirect (and not the form again with a Chinese error)."""
    assert response.status_code == 302, (response.status_code, response.content.decode()[:3000])
    if to is not None:
        assert response.url == to, response.url


def moves(html: str) -> str:
    """The part of an admin page listing the moves the viewer may make now."""
    return html.split("可执行的操作")[1].split("</section>")[0]


def project_post(world) -> dict:
    now = timezone.localtime()
    return {
        "street": world.street_a.pk,
        "title": TITLE,
        "category": "daily_life",
        "description": "为辖区80岁以上独居老人提供每日午餐配送。",
        "service_targets": "辖区80岁以上独居老人约120人",
        "performance_goals": "送餐准时率不低于98%,满意度不低于90%",
        "budget_ceiling": "300000",
        "funding_source": "fiscal",
        "bid_open_at": (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
        "bid_close_at": (now + datetime.timedelta(days=10)).strftime("%Y-%m-%d %H:%M"),
        "service_start": (now + datetime.timedelta(days=30)).strftime("%Y-%m-%d"),
        "service_end": (now + datetime.timedelta(days=395)).strftime("%Y-%m-%d"),
        "min_valid_bids": "3",
        "publicity_working_days": "5",
        "criteria": (
            '[{"name": "价格", "weight": 30, "is_price": true},'
            ' {"name": "服务方案", "weight": 40}, {"name": "团队与经验", "weight": 30}]'
        ),
    }


def bid_post(price: str, i: int) -> dict:
    return {
        "price": price,
        "proposal": f"投标组织{i}的方案:中央厨房统一配餐,志愿者配送。",
        "team": "项目主管1名,社工2名,配送员6名",
        "no_collusion": "on",
        "truthful": "on",
        "no_major_violation": "on",
    }


def contract_post(project) -> dict:
    data = {
        "amount": "",  # the winning price
        "terms": "按服务方案提供助餐服务,违约金为合同金额的百分之五。",
        "milestones-TOTAL_FORMS": "5",
        "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "20",
    }
    for i, m in enumerate(plan(project, (30, 40, 30))):
        data.update(
            {
                f"milestones-{i}-title": m.title,
                f"milestones-{i}-percent": str(m.percent),
                f"milestones-{i}-due_on": m.due_on.isoformat(),
                f"milestones-{i}-deliverables": m.deliverables,
            }
        )
    return data


def report_post(milestone, content: str, filename: str) -> dict:
    return {
        f"m{milestone.pk}-content": content,
        f"m{milestone.pk}-evidence": [SimpleUploadedFile(filename, PDF, content_type="application/pdf")],
    }


def status_of(project) -> str:
    project.refresh_from_db()
    return project.status


# --- the walk -----------------------------------------------------------------------------------
def test_a_service_purchase_from_draft_to_a_rated_contract_through_the_pages(pw, time_machine):
    world, drafter, approver = pw.world, pw.drafter, pw.approver
    orgs, admins = pw.orgs, pw.org_admins
    public = Client()

    # 1. Official A drafts the project in the admin and sends it for approval.
    official = staff(drafter)
    done(official.post(f"{ADMIN}new/", project_post(world)))
    project = Project.objects.get(title=TITLE)
    url = f"{ADMIN}inspect/{project.pk}/"
    assert project.status == ProjectStatus.DRAFT and project.budget_ceiling_fen == 30_000_000
    assert [(c.name, c.weight, c.is_price) for c in project.criteria.order_by("sort_order", "pk")] == [
        ("价格", 30, True),
        ("服务方案", 40, False),
        ("团队与经验", 30, False),
    ]
    assert public.get(f"/projects/{project.pk}/").status_code == 404  # a draft is not public
    assert f"{ADMIN}submit/{project.pk}/" in moves(page(official.get(url)))
    done(official.post(f"{ADMIN}submit/{project.pk}/"))
    assert status_of(project) == ProjectStatus.PENDING_APPROVAL
    assert "审批通过" not in moves(page(official.get(url)))  # not by the drafter

    # 2. Official B, of the same street, approves; 3. official A publishes.
    second = staff(approver)
    assert f"{ADMIN}approve/{project.pk}/" in moves(page(second.get(url)))
    done(second.post(f"{ADMIN}approve/{project.pk}/"))
    assert status_of(project) == ProjectStatus.APPROVED and project.approved_by == approver
    official = staff(drafter)
    assert f"{ADMIN}publish/{project.pk}/" in moves(page(official.get(url)))
    done(official.post(f"{ADMIN}publish/{project.pk}/"))
    assert status_of(project) == ProjectStatus.PUBLISHED
    chinese_page(public.get("/projects/"), TITLE, "¥300,000.00")
    chinese_page(public.get(f"/projects/{project.pk}/"), TITLE, "项目公告", "评分标准", "已收到 0 份投标")

    # 4. Organisation 0 asks a question on the page; official A answers it in the admin.
    bidders = {i: member(admins[i]) for i in range(3)}  # logged in again after each move of the clock
    html = chinese_page(bidders[0].get(f"/projects/{project.pk}/"), "我要投标", orgs[0].name)
    ask = f"/projects/{project.pk}/ask/{orgs[0].pk}/"
    assert f'action="{ask}"' in html
    done(bidders[0].post(ask, {f"q{orgs[0].pk}-text": QUESTION}), f"/projects/{project.pk}/")
    question = Question.objects.get(project=project)
    assert (question.asked_by, question.asked_by_org, question.answered_at) == (admins[0], orgs[0], None)
    chinese_page(bidders[0].get(f"/projects/{project.pk}/"), QUESTION, "待答复")
    assert QUESTION not in page(public.get(f"/projects/{project.pk}/"))  # unanswered: not public yet
    answer = f"{ADMIN}answer/{question.pk}/"
    assert answer in page(official.get(url))
    done(official.post(answer, {"answer": ANSWER}))
    question.refresh_from_db()
    assert question.answer == ANSWER and question.answered_by == drafter
    chinese_page(public.get(f"/projects/{project.pk}/"), QUESTION, ANSWER)

    # 5. Organisations 0, 1 and 2 bid on the page; organisation 2 withdraws and resubmits.
    receipts = {}
    for i in range(3):
        form = f"/projects/{project.pk}/bid/{orgs[i].pk}/"
        chinese_page(bidders[i].get(form), "密封提交投标")
        price = FIRST_PRICE_2 if i == 2 else PRICES[i]
        response = bidders[i].post(form, bid_post(price, i))
        done(response)
        bid = Bid.objects.get(project=project, organization=orgs[i])
        assert response.url == f"/projects/bids/{bid.pk}/"
        assert bid.status == BidStatus.SUBMITTED and bid.price_fen is None  # sealed
        receipts[i] = response.url
        shown = "¥235,000.00" if i == 2 else SHOWN[i]
        chinese_page(bidders[i].get(response.url), "投标回执", bid.content_hash, shown)
    bid2 = Bid.objects.get(project=project, organization=orgs[2])
    first_hash = bid2.content_hash
    html = chinese_page(bidders[2].get(receipts[2]), "撤回投标")
    assert f'action="/projects/bids/{bid2.pk}/withdraw/"' in html
    done(bidders[2].post(f"/projects/bids/{bid2.pk}/withdraw/"), receipts[2])
    bid2.refresh_from_db()
    assert bid2.status == BidStatus.WITHDRAWN
    chinese_page(bidders[2].get(receipts[2]), "修改并重新提交")
    done(bidders[2].post(f"/projects/{project.pk}/bid/{orgs[2].pk}/", bid_post(PRICES[2], 2)), receipts[2])
    bid2.refresh_from_db()
    assert bid2.status == BidStatus.SUBMITTED and bid2.content_hash != first_hash
    chinese_page(bidders[2].get(receipts[2]), "¥230,000.00", bid2.content_hash)
    assert Bid.objects.filter(project=project, status=BidStatus.SUBMITTED).count() == 3
    # Sealed: the public page and the admin show only the number of bids.
    html = chinese_page(public.get(f"/projects/{project.pk}/"), "已收到 3 份投标")
    admin_html = page(official.get(url))
    for i in range(3):
        assert SHOWN[i][1:8] not in html + admin_html
        assert f"投标组织{i}的方案" not in html + admin_html

    # 6. The deadline passes; official A opens the bids.
    time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1), tick=False)
    chinese_page(
        member(admins[3]).post(f"/projects/{project.pk}/bid/{orgs[3].pk}/", bid_post("200000.00", 3)),
        "不在投标时间内",
    )
    assert (
        not Bid.objects.filter(project=project, organization=orgs[3]).exclude(status=BidStatus.DRAFT).exists()
    )
    official, bidders = staff(drafter), {i: member(admins[i]) for i in range(3)}
    assert f"{ADMIN}open_bids/{project.pk}/" in moves(page(official.get(url)))
    done(official.post(f"{ADMIN}open_bids/{project.pk}/"))
    assert status_of(project) == ProjectStatus.OPENED
    assert AuditEntry.objects.filter(action="procurement.bids.opened", object_id=str(project.pk)).exists()
    bids = {i: Bid.objects.get(project=project, organization=orgs[i]) for i in range(3)}
    assert {i: b.price_fen for i, b in bids.items()} == {0: 21_000_000, 1: 22_000_000, 2: 23_000_000}
    assert {b.status for b in bids.values()} == {BidStatus.OPENED}
    html = page(official.get(url))
    assert "开标记录" in html and "¥210,000.00" in html and "¥230,000.00" in html

    # 7. Official A appoints two evaluators, by phone number and by e-mail.
    experts = [
        UserFactory(display_name="王专家", phone="+8613912340001"),
        UserFactory(display_name="李专家", phone="+8613912340002"),
    ]
    appoint = f"{ADMIN}appoint_evaluator/{project.pk}/"
    assert appoint in page(official.get(url))
    done(official.post(appoint, {"contact": "139 1234 0001"}))
    done(official.post(appoint, {"contact": experts[1].email}))
    html = page(official.get(url))
    assert "王专家" in html and "李专家" in html and "未声明" in html

    # 8. Each evaluator declares and scores every opened bid in 我的评审.
    criteria = {c.name: c for c in project.criteria.filter(is_price=False)}
    for k, expert in enumerate(experts):
        evaluator = staff(expert)
        html = page(evaluator.get(MINE))
        assert TITLE in html and f"{MINE}project/{project.pk}/" in html
        html = page(evaluator.get(f"{MINE}project/{project.pk}/"))
        assert f"{MINE}declare/{project.pk}/" in html
        done(evaluator.post(f"{MINE}declare/{project.pk}/", {"statement": "本人与各投标人无利害关系。"}))
        html = page(evaluator.get(f"{MINE}project/{project.pk}/"))
        for i, bid in bids.items():
            score_url = f"{MINE}score/{bid.pk}/"
            assert score_url in html
            form = page(evaluator.get(score_url))
            assert f"投标组织{i}的方案" in form  # the contents, after opening and the declaration
            plan_score, team_score = SCORES[i][k]
            done(
                evaluator.post(
                    score_url,
                    {
                        f"value_{criteria['服务方案'].pk}": str(plan_score),
                        f"comment_{criteria['服务方案'].pk}": "方案完整" if i == 1 else "",
                        f"value_{criteria['团队与经验'].pk}": str(team_score),
                        f"comment_{criteria['团队与经验'].pk}": "",
                    },
                )
            )
    assert ConflictDeclaration.objects.filter(project=project).count() == 2
    assert Score.objects.filter(bid__project=project).count() == 2 * 3 * 2
    html = page(official.get(url))
    assert html.count("6 / 6") == 2 and "未声明" not in html

    # 9. Official A completes the evaluation, proposes the first-ranked bid and starts publicity.
    official = staff(drafter)
    done(official.post(f"{ADMIN}evaluate/{project.pk}/", {"report": REPORT}))
    assert status_of(project) == ProjectStatus.EVALUATED and project.evaluation_report == REPORT
    html = page(official.get(url))
    assert "评审排名(未公示)" in html and "90.136" in html
    assert "中标候选结果公示" not in page(public.get(f"/projects/{project.pk}/"))  # not yet public
    propose = f"{ADMIN}propose_award/{project.pk}/"
    assert "第1名 投标组织1" in page(official.get(propose))
    done(official.post(propose, {"bid": bids[1].pk, "reason": ""}))
    assert status_of(project) == ProjectStatus.AWARD_PROPOSED and project.awarded_bid_id == bids[1].pk
    done(official.post(f"{ADMIN}start_publicity/{project.pk}/"))
    assert status_of(project) == ProjectStatus.PUBLICITY and project.publicity_ends_at is not None

    # 10. The public detail page shows the result: the winner, its price, every total score.
    html = chinese_page(
        public.get(f"/projects/{project.pk}/"),
        "中标候选结果公示",
        "拟中标组织",
        orgs[1].name,
        "¥220,000.00",
        "90.136",
        "80.391",
        "78.000",
    )
    assert "投标组织1的方案" not in html  # the proposals stay private

    # 11. A losing organisation raises an objection on its receipt page.
    html = chinese_page(bidders[0].get(receipts[0]), "评审结果", "未被推荐为中标人", "对评审结果提出质疑")
    assert f'action="/projects/bids/{bids[0].pk}/objection/"' in html
    done(bidders[0].post(f"/projects/bids/{bids[0].pk}/objection/", {"text": OBJECTION}), receipts[0])
    objection = Objection.objects.get(project=project)
    assert (objection.organization, objection.submitted_by, objection.status) == (
        orgs[0],
        admins[0],
        ObjectionStatus.OPEN,
    )
    chinese_page(bidders[0].get(receipts[0]), OBJECTION, "待处理")

    # 12. The district admin dismisses it in the admin.
    district = staff(world.district_admin)
    resolve = f"{ADMIN}resolve_objection/{objection.pk}/"
    html = page(district.get(url))
    assert OBJECTION in html and resolve in html
    done(district.post(resolve, {"upheld": "0", "response": DISMISSAL}))
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED and objection.response == DISMISSAL
    assert status_of(project) == ProjectStatus.PUBLICITY
    chinese_page(bidders[0].get(receipts[0]), "不成立", DISMISSAL)

    # 13. Publicity ends; official A confirms the award.
    official = staff(drafter)
    assert "确认中标" not in moves(page(official.get(url)))  # not during publicity
    time_machine.move_to(project.publicity_ends_at + datetime.timedelta(minutes=1), tick=False)
    official, bidders = staff(drafter), {i: member(admins[i]) for i in range(3)}
    assert f"{ADMIN}confirm_award/{project.pk}/" in moves(page(official.get(url)))
    done(official.post(f"{ADMIN}confirm_award/{project.pk}/"))
    assert status_of(project) == ProjectStatus.AWARDED
    for i, bid in bids.items():
        bid.refresh_from_db()
        assert bid.status == (BidStatus.WON if i == 1 else BidStatus.LOST), i
    chinese_page(public.get(f"/projects/{project.pk}/"), "中标结果", "中标组织", orgs[1].name)

    # 14. Official A signs the contract with three milestones, then 15. starts delivery.
    sign = f"{ADMIN}sign_contract/{project.pk}/"
    assert sign in moves(page(official.get(url)))
    assert "¥220,000.00" in page(official.get(sign))
    done(official.post(sign, contract_post(project)))
    assert status_of(project) == ProjectStatus.CONTRACTED
    contract = Contract.objects.get(project=project)
    assert (contract.organization, contract.bid, contract.amount_fen) == (orgs[1], bids[1], 22_000_000)
    milestones = list(contract.milestones.order_by("seq"))
    assert [(m.percent, m.amount_fen, m.status) for m in milestones] == [
        (30, 6_600_000, MilestoneStatus.PENDING),
        (40, 8_800_000, MilestoneStatus.PENDING),
        (30, 6_600_000, MilestoneStatus.PENDING),
    ]
    assert f"{ADMIN}start_delivery/{project.pk}/" in moves(page(official.get(url)))
    done(official.post(f"{ADMIN}start_delivery/{project.pk}/"))
    assert status_of(project) == ProjectStatus.IN_DELIVERY

    # 16. The winner reaches its 履约 page from the receipt and reports each milestone with a PDF.
    winner = bidders[1]
    delivery = f"/projects/contracts/{contract.pk}/"
    chinese_page(winner.get(receipts[1]), "进入履约页面", delivery)
    chinese_page(winner.get("/me/"), "我的投标与合同", TITLE, delivery)
    assert member(admins[0]).get(delivery).status_code == 404  # a losing bidder has no access
    html = chinese_page(winner.get(delivery), "付款节点与履约报告", "第1期服务", "¥66,000.00", "提交履约报告")
    for seq, milestone in enumerate(milestones, start=1):
        report = f"{delivery}milestones/{milestone.pk}/report/"
        assert f'action="{report}"' in page(winner.get(delivery))
        done(
            winner.post(report, report_post(milestone, f"第{seq}期完成送餐3600人次。", f"第{seq}期台账.pdf")),
            delivery,
        )
        milestone.refresh_from_db()
        assert milestone.status == MilestoneStatus.SUBMITTED
    chinese_page(winner.get(delivery), "已提交,等待街道验收", "第1期台账.pdf")
    assert MilestoneReport.objects.filter(milestone__contract=contract).count() == 3
    assert PrivateFile.objects.count() == 3

    # 17. Official A returns the first report once (with the evidence on the admin page)...
    official = staff(drafter)
    first = milestones[0]
    html = page(official.get(f"{ADMIN}milestone/{first.pk}/"))
    assert "第1期完成送餐3600人次。" in html and "第1期台账.pdf" in html
    evidence = "/files/" + html.split('href="/files/')[1].split('"')[0]
    download = official.get(evidence)
    assert download.status_code == 200 and download.getvalue() == PDF
    assert f"{ADMIN}milestone-return/{first.pk}/" in moves(html)
    done(official.post(f"{ADMIN}milestone-return/{first.pk}/", {"reason": RETURN_REASON}))
    first.refresh_from_db()
    assert first.status == MilestoneStatus.RETURNED
    # ...the winner sees why and reports it again...
    html = chinese_page(winner.get(delivery), "退回修改", RETURN_REASON, "修改后重新提交报告")
    report = f"{delivery}milestones/{first.pk}/report/"
    assert f'action="{report}"' in html
    done(winner.post(report, report_post(first, "补充签到表后的第1期报告。", "签到表.pdf")), delivery)
    first.refresh_from_db()
    assert first.status == MilestoneStatus.SUBMITTED and first.reports.count() == 2

    # 18. ...and official A accepts every milestone; each is paid from the fiscal budget.
    official = staff(drafter)
    # Not complete while milestones wait for acceptance.
    assert "还有节点未验收" in page(official.post(f"{ADMIN}complete/{project.pk}/"))
    assert status_of(project) == ProjectStatus.IN_DELIVERY
    for milestone in milestones:
        accept = f"{ADMIN}milestone-accept/{milestone.pk}/"
        assert accept in moves(page(official.get(f"{ADMIN}milestone/{milestone.pk}/")))
        done(official.post(accept, {"note": "台账齐全,验收通过。"}))
        milestone.refresh_from_db()
        assert milestone.status == MilestoneStatus.PAID
        assert (milestone.payment.source, milestone.payment.amount_fen) == (
            PaymentSource.FISCAL,
            milestone.amount_fen,
        )
    chinese_page(winner.get(delivery), "补充签到表后的第1期报告。", "已验收", "台账齐全,验收通过。")

    # 19. Official A completes the project and 20. rates the contract.
    done(official.post(f"{ADMIN}complete/{project.pk}/"))
    assert status_of(project) == ProjectStatus.COMPLETED
    contract.refresh_from_db()
    assert contract.completed_at is not None
    rate = f"{ADMIN}rate/{project.pk}/"
    assert rate in page(official.get(url))
    done(official.post(rate, {"score": "5", "comment": RATING_COMMENT}))
    html = page(official.get(url))
    assert RATING_COMMENT in html and rate not in html

    # The final state: a completed project, a rated contract, every milestone paid in full.
    project.refresh_from_db()
    contract = Contract.objects.select_related("rating").get(pk=contract.pk)
    assert project.status == ProjectStatus.COMPLETED and project.awarded_bid_id == bids[1].pk
    assert (contract.rating.score, contract.rating.comment, contract.rating.rated_by) == (
        5,
        RATING_COMMENT,
        drafter,
    )
    milestones = list(contract.milestones.select_related("payment").order_by("seq"))
    assert {m.status for m in milestones} == {MilestoneStatus.PAID}
    assert sum(m.payment.amount_fen for m in milestones) == contract.amount_fen == 22_000_000
    for action in ("procurement.contract.sign", "procurement.contract.complete", "procurement.contract.rate"):
        assert AuditEntry.objects.filter(action=action).exists(), action

    # The public detail page: the completed contract and its milestone progress, no reports.
    html = chinese_page(
        public.get(f"/projects/{project.pk}/"),
        "合同与履约",
        "承接组织",
        orgs[1].name,
        "¥220,000.00",
        "验收完成",
        "已验收 100%",
        "第1期服务",
        "第2期服务",
        "第3期服务",
        "已支付",
    )
    assert html.count("已支付") >= 3 and "未支付" not in html
    for private in ("第1期完成送餐3600人次。", "台账.pdf", RETURN_REASON, "/files/", OBJECTION):
        assert private not in html, private
    assert f"/organizations/{orgs[1].pk}/" in html
    # The organisation's public profile lists the rated contract on its record.
    chinese_page(
        public.get(f"/organizations/{orgs[1].pk}/"), orgs[1].name, "已完成的服务项目", TITLE, RATING_COMMENT
    )
