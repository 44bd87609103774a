"""A service purchase from the first draft to a completed, rated contract through the API alone
(every write a request, the clock moved past the deadline and the publicity period), and the
sealed-bid matrix: before the opening no API path shows a bid's price or proposal to anyone
but its own organisation; after the opening the buying street reads it."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from marketplace.core.models import AuditEntry
from marketplace.procurement.choices import BidStatus, MilestoneStatus, ProjectStatus
from marketplace.procurement.models import Contract, Payment, Project, Rating
from tests.factories import UserFactory

from .test_api_helpers import client_for
from .test_contracts import PDF, private_root  # noqa: F401 (an autouse fixture: evidence goes to a temporary folder)

PRICES = (21_000_000, 22_000_000, 23_000_000)
# Strings that appear nowhere but in the sealed contents.
SECRET_PROPOSALS = ("甲方案:中央厨房统一配餐", "乙方案:邻里互助送餐", "丙方案:社区食堂堂食")


def ok(response, status=200) -> dict:
    assert response.status_code == status, (response.status_code, response.content.decode()[:800])
    return response.json()


def project_body(world, **overrides) -> dict:
    now = timezone.now()
    body = {
        "street": world.street_a.pk,
        "community": world.community_a.pk,
        "title": "幸福里社区居家养老助餐服务",
        "category": "daily_life",
        "description": "为辖区80岁以上独居老人提供每日午餐配送。",
        "service_targets": "辖区80岁以上独居老人约120人",
        "performance_goals": "送餐准时率不低于98%,满意度不低于90%",
        "budget_ceiling_fen": 30_000_000,
        "funding_source": "fiscal",
        "bid_open_at": (now - datetime.timedelta(hours=1)).isoformat(),
        "bid_close_at": (now + datetime.timedelta(days=10)).isoformat(),
        "service_start": (now + datetime.timedelta(days=30)).date().isoformat(),
        "service_end": (now + datetime.timedelta(days=395)).date().isoformat(),
        "criteria": [
            {"name": "价格", "weight": 30, "is_price": True},
            {"name": "服务方案", "weight": 40, "guidance": "方案完整、可行"},
            {"name": "团队与经验", "weight": 30},
        ],
        "min_valid_bids": 3,
        "publicity_working_days": 3,
    }
    body.update(overrides)
    return body


def bid_body(project_id, org, price, proposal) -> dict:
    return {
        "project": project_id,
        "organization": org.pk,
        "price_fen": price,
        "proposal": proposal,
        "team": "项目主管1名,社工2名,配送员6名",
        "declarations": {"no_collusion": True, "truthful": True, "no_major_violation": True},
    }


def move(client, project_id, code, reason="") -> dict:
    return ok(
        client.post(
            f"/api/v1/manage/projects/{project_id}/moves/", {"move": code, "reason": reason}, format="json"
        )
    )


def published_with_bids(pw) -> tuple[int, list[int]]:
    """Drafted, approved by a second official and published, with three sealed bids."""
    street, approver = client_for(pw.drafter), client_for(pw.approver)
    project_id = ok(street.post("/api/v1/manage/projects/", project_body(pw.world), format="json"), 201)["id"]
    move(street, project_id, "submit")
    move(approver, project_id, "approve")
    assert move(street, project_id, "publish")["status"] == ProjectStatus.PUBLISHED
    bid_ids = [
        ok(
            client_for(pw.org_admins[i]).post(
                "/api/v1/bids/", bid_body(project_id, pw.orgs[i], price, SECRET_PROPOSALS[i]), format="json"
            ),
            201,
        )["id"]
        for i, price in enumerate(PRICES)
    ]
    return project_id, bid_ids


def test_a_purchase_from_draft_to_a_rated_contract_through_the_api(pw, time_machine):
    world = pw.world
    street, approver = client_for(pw.drafter), client_for(pw.approver)

    # Drafting, approval by a second official, publication.
    created = ok(street.post("/api/v1/manage/projects/", project_body(world), format="json"), 201)
    project_id = created["id"]
    assert created["status"] == ProjectStatus.DRAFT
    assert [m["code"] for m in created["moves"]] == ["submit", "cancel"]
    assert [(c["name"], c["weight"], c["is_price"]) for c in created["criteria"]] == [
        ("价格", 30, True),
        ("服务方案", 40, False),
        ("团队与经验", 30, False),
    ]
    assert move(street, project_id, "submit")["status"] == ProjectStatus.PENDING_APPROVAL
    assert move(approver, project_id, "approve")["status"] == ProjectStatus.APPROVED
    assert move(street, project_id, "publish")["status"] == ProjectStatus.PUBLISHED
    assert ok(APIClient().get(f"/api/v1/projects/{project_id}/"))["status"] == ProjectStatus.PUBLISHED

    # Questions and answers, three sealed bids (one withdrawn and resubmitted).
    question = ok(
        client_for(pw.org_admins[3]).post(
            f"/api/v1/projects/{project_id}/questions/",
            {"organization": pw.orgs[3].pk, "text": "是否包含周末送餐?"},
            format="json",
        ),
        201,
    )
    ok(street.post(f"/api/v1/manage/questions/{question['id']}/answer/", {"answer": "包含。"}, format="json"))
    assert [q["answer"] for q in ok(APIClient().get(f"/api/v1/projects/{project_id}/"))["questions"]] == [
        "包含。"
    ]
    bidders = [client_for(pw.org_admins[i]) for i in range(3)]
    bid_ids = []
    for i, price in enumerate(PRICES):
        receipt = ok(
            bidders[i].post(
                "/api/v1/bids/", bid_body(project_id, pw.orgs[i], price, SECRET_PROPOSALS[i]), format="json"
            ),
            201,
        )
        assert len(receipt["content_hash"]) == 64 and receipt["submitted_at"]
        bid_ids.append(receipt["id"])
    assert ok(bidders[2].post(f"/api/v1/bids/{bid_ids[2]}/withdraw/"))["status"] == BidStatus.WITHDRAWN
    ok(
        bidders[2].post(
            "/api/v1/bids/", bid_body(project_id, pw.orgs[2], PRICES[2], SECRET_PROPOSALS[2]), format="json"
        ),
        201,
    )

    # After the deadline: opening, evaluators, declarations and scores.
    project = Project.objects.get(pk=project_id)
    time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1))
    opened = move(street, project_id, "open_bids")
    assert opened["status"] == ProjectStatus.OPENED
    assert sorted((b["id"], b["price_fen"]) for b in opened["bids"]) == sorted(
        zip(bid_ids, PRICES, strict=True)
    )
    experts = [UserFactory(display_name=f"评审专家{i}") for i in range(2)]
    for expert in experts:
        ok(
            street.post(
                f"/api/v1/manage/projects/{project_id}/evaluators/", {"user": expert.pk}, format="json"
            ),
            201,
        )
    criteria = {c["name"]: c["id"] for c in opened["criteria"]}
    scores = {bid_ids[0]: (60, 60), bid_ids[1]: (90, 90), bid_ids[2]: (70, 70)}  # bid 1 wins
    for expert in experts:
        expert_client = client_for(expert)
        assert [p["id"] for p in ok(expert_client.get("/api/v1/manage/projects/"))["results"]] == [project_id]
        ok(
            expert_client.post(
                f"/api/v1/manage/projects/{project_id}/declaration/",
                {"statement": "本人与各投标组织无利害关系。"},
                format="json",
            ),
            201,
        )
        # The evaluator reads the opened bids' contents.
        assert (
            ok(expert_client.get(f"/api/v1/bids/{bid_ids[1]}/"))["contents"]["proposal"]
            == SECRET_PROPOSALS[1]
        )
        for bid_id, (plan_score, team_score) in scores.items():
            for name, value in (("服务方案", plan_score), ("团队与经验", team_score)):
                score = ok(
                    expert_client.post(
                        f"/api/v1/manage/bids/{bid_id}/scores/",
                        {"criterion": criteria[name], "value": value, "comment": "符合要求"},
                        format="json",
                    )
                )
                assert (score["bid"], score["value"]) == (bid_id, value)

    # Evaluation, award proposal, publicity with a dismissed objection, confirmation.
    evaluated = ok(
        street.post(
            f"/api/v1/manage/projects/{project_id}/evaluation/",
            {"report": "评审委员会一致推荐第一名。"},
            format="json",
        )
    )
    assert evaluated["status"] == ProjectStatus.EVALUATED
    first = next(b for b in evaluated["bids"] if b["rank"] == 1)
    assert first["id"] == bid_ids[1]
    proposed = ok(
        street.post(f"/api/v1/manage/projects/{project_id}/award/", {"bid": first["id"]}, format="json")
    )
    assert (proposed["status"], proposed["awarded_bid"]) == (ProjectStatus.AWARD_PROPOSED, bid_ids[1])
    publicity = move(street, project_id, "start_publicity")
    assert publicity["status"] == ProjectStatus.PUBLICITY
    public_result = ok(APIClient().get(f"/api/v1/projects/{project_id}/"))["result"]
    assert public_result["published"] and public_result["winner"]["bid_id"] == bid_ids[1]
    objection = ok(
        bidders[0].post(
            f"/api/v1/projects/{project_id}/objections/",
            {"organization": pw.orgs[0].pk, "text": "请复核评分。"},
            format="json",
        ),
        201,
    )
    resolved = ok(
        street.post(
            f"/api/v1/manage/objections/{objection['id']}/resolve/",
            {"upheld": False, "response": "经复核,评分无误。"},
            format="json",
        )
    )
    assert resolved["status"] == "dismissed"
    project.refresh_from_db()
    time_machine.move_to(project.publicity_ends_at + datetime.timedelta(minutes=1))
    assert move(street, project_id, "confirm_award")["status"] == ProjectStatus.AWARDED

    # Contract with 30/40/30 milestones, delivery with one report sent back, acceptance.
    project.refresh_from_db()
    start, end = project.service_start, project.service_end
    middle = start + (end - start) / 2
    contract = ok(
        street.post(
            f"/api/v1/manage/projects/{project_id}/contract/",
            {
                "terms": "按服务方案提供助餐服务。",
                "milestones": [
                    {
                        "title": "首期",
                        "percent": 30,
                        "due_on": start.isoformat(),
                        "deliverables": "服务方案与台账",
                    },
                    {
                        "title": "中期",
                        "percent": 40,
                        "due_on": middle.isoformat(),
                        "deliverables": "中期报告",
                    },
                    {"title": "末期", "percent": 30, "due_on": end.isoformat(), "deliverables": "总结报告"},
                ],
            },
            format="json",
        ),
        201,
    )
    assert contract["amount_fen"] == PRICES[1]
    assert [m["amount_fen"] for m in contract["milestones"]] == [6_600_000, 8_800_000, 6_600_000]
    assert move(street, project_id, "start_delivery")["status"] == ProjectStatus.IN_DELIVERY
    winner = bidders[1]
    for k, milestone in enumerate(contract["milestones"]):
        url = f"/api/v1/milestones/{milestone['id']}/reports/"
        evidence = SimpleUploadedFile(f"台账{k}.pdf", PDF, content_type="application/pdf")
        ok(
            winner.post(
                url, {"content": f"第{k + 1}期服务完成。", "evidence": [evidence]}, format="multipart"
            ),
            201,
        )
        if k == 0:
            returned = ok(
                street.post(
                    f"/api/v1/manage/milestones/{milestone['id']}/return/",
                    {"reason": "缺少签到表。"},
                    format="json",
                )
            )
            assert returned["status"] == MilestoneStatus.RETURNED
            ok(winner.post(url, {"content": "补充签到表。"}, format="multipart"), 201)
        accepted = ok(
            street.post(
                f"/api/v1/manage/milestones/{milestone['id']}/accept/", {"note": "符合要求"}, format="json"
            )
        )
        assert accepted["status"] == MilestoneStatus.PAID
        assert (
            accepted["payment"]["source"] == "fiscal"
            and accepted["payment"]["amount_fen"] == milestone["amount_fen"]
        )

    # Completion and the rating.
    assert move(street, project_id, "complete")["status"] == ProjectStatus.COMPLETED
    rating = ok(
        street.post(
            f"/api/v1/manage/contracts/{contract['id']}/rating/",
            {"score": 5, "comment": "服务优质。"},
            format="json",
        ),
        201,
    )
    assert rating["score"] == 5

    project.refresh_from_db()
    stored = Contract.objects.get(project=project)
    assert project.status == ProjectStatus.COMPLETED
    assert stored.completed_at is not None and stored.organization == pw.orgs[1]
    assert Rating.objects.get(contract=stored).score == 5
    assert set(stored.milestones.values_list("status", flat=True)) == {MilestoneStatus.PAID}
    assert (
        sum(Payment.objects.filter(milestone__contract=stored).values_list("amount_fen", flat=True))
        == PRICES[1]
    )
    assert AuditEntry.objects.filter(action="procurement.bids.opened", object_id=str(project_id)).exists()
    assert ok(APIClient().get(f"/api/v1/projects/{project_id}/ocds/"))["releases"][0]["contracts"]


# --- the sealed-bid matrix ----------------------------------------------------------------------
def _readers(pw):
    superuser = UserFactory(is_superuser=True, display_name="超级管理员")
    return {
        "anonymous": APIClient(),
        "street": client_for(pw.drafter),
        "approver": client_for(pw.approver),
        "other street": client_for(pw.world.official_b),
        "district": client_for(pw.world.district_admin),
        "superuser": client_for(superuser),
        "other bidder": client_for(pw.org_admins[1]),
        "non-bidder": client_for(pw.org_admins[3]),
        "resident": client_for(pw.world.resident),
    }


def _read_paths(project_id, bid_id) -> list[str]:
    return [
        "/api/v1/projects/",
        f"/api/v1/projects/{project_id}/",
        f"/api/v1/projects/{project_id}/ocds/",
        "/api/v1/bids/",
        f"/api/v1/bids/{bid_id}/",
        "/api/v1/manage/projects/",
        f"/api/v1/manage/projects/{project_id}/",
    ]


def _shows_contents(response) -> bool:
    body = response.content.decode()
    return str(PRICES[0]) in body or SECRET_PROPOSALS[0] in body


@pytest.mark.parametrize("stage", ["bidding", "closed"])
def test_before_the_opening_no_api_path_shows_a_bid_to_anyone_but_its_organisation(pw, time_machine, stage):
    project_id, bid_ids = published_with_bids(pw)
    readers = _readers(pw)
    if stage == "closed":
        # The deadline has passed and bidding is closed; an evaluator is appointed, nothing opened.
        project = Project.objects.get(pk=project_id)
        time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1))
        move(readers["street"], project_id, "close_bidding")
        expert = UserFactory()
        ok(
            readers["street"].post(
                f"/api/v1/manage/projects/{project_id}/evaluators/", {"user": expert.pk}, format="json"
            ),
            201,
        )
        readers["evaluator"] = client_for(expert)
    for who, client in readers.items():
        for path in _read_paths(project_id, bid_ids[0]):
            response = client.get(path)
            assert response.status_code in (200, 401, 404), (who, path, response.status_code)
            assert not _shows_contents(response), (who, path)
    # The bidding organisation itself reads its own bid, and nobody else's.
    own = client_for(pw.org_admins[0])
    contents = ok(own.get(f"/api/v1/bids/{bid_ids[0]}/"))["contents"]
    assert (contents["price_fen"], contents["proposal"]) == (PRICES[0], SECRET_PROPOSALS[0])
    assert own.get(f"/api/v1/bids/{bid_ids[1]}/").status_code == 404
    assert not AuditEntry.objects.filter(action="procurement.bid.read").exists()


def test_after_the_opening_the_street_reads_the_bids_and_outsiders_still_do_not(pw, time_machine):
    project_id, bid_ids = published_with_bids(pw)
    project = Project.objects.get(pk=project_id)
    time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1))
    readers = _readers(pw)
    move(readers["street"], project_id, "open_bids")
    for who in ("street", "approver", "district"):
        contents = ok(readers[who].get(f"/api/v1/bids/{bid_ids[0]}/"))["contents"]
        assert (contents["price_fen"], contents["proposal"]) == (PRICES[0], SECRET_PROPOSALS[0]), who
    managed = ok(readers["street"].get(f"/api/v1/manage/projects/{project_id}/"))
    assert {b["id"]: b["price_fen"] for b in managed["bids"]}[bid_ids[0]] == PRICES[0]
    for who in ("anonymous", "other street", "other bidder", "non-bidder", "resident"):
        response = readers[who].get(f"/api/v1/bids/{bid_ids[0]}/")
        assert response.status_code in (401, 404) and not _shows_contents(response), who
    # Every read of an opened bid is in the audit trail.
    assert AuditEntry.objects.filter(action="procurement.bid.read", object_id=str(bid_ids[0])).count() == 3
