"""The public project API: published projects only, bids counted but never shown before opening."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from marketplace.procurement import services

from .conftest import terms


def test_list_shows_published_projects_with_bid_counts_only(pw):
    services.project_create(actor=pw.drafter, street=pw.world.street_a, terms=terms(title="草稿不公开"))
    project = pw.published()
    pw.bid(project, 0, price_fen=21_234_500)
    body = APIClient().get("/api/v1/projects/").json()
    assert [row["title"] for row in body["results"]] == [project.title]
    assert body["results"][0]["bid_count"] == 1
    assert "21234500" not in str(body)
    assert APIClient().get("/api/v1/projects/", {"status": "draft"}).json()["results"] == []


def test_detail_has_criteria_answered_questions_and_no_result_before_the_award(pw):
    project = pw.published()
    pw.bid(project, 0, price_fen=21_234_500)
    answered = services.question_ask(
        actor=pw.org_admins[0], project=project, org=pw.orgs[0], text="含周末吗?"
    )
    services.question_answer(actor=pw.drafter, question=answered, answer="含。")
    services.question_ask(actor=pw.org_admins[1], project=project, org=pw.orgs[1], text="尚未答复的问题")
    body = APIClient().get(f"/api/v1/projects/{project.pk}/").json()
    assert [(c["name"], c["weight"], c["is_price"]) for c in body["criteria"]] == [
        ("价格", 30, True),
        ("服务方案", 40, False),
        ("团队与经验", 30, False),
    ]
    assert [q["text"] for q in body["questions"]] == ["含周末吗?"]
    result = body["result"]
    assert result["published"] is False and result["bid_count"] == 1
    assert result["winner"] is None and not result.get("bidders")
    assert "21234500" not in str(body) and "中央厨房" not in str(body)


def test_draft_detail_is_not_found(pw):
    draft = services.project_create(actor=pw.drafter, street=pw.world.street_a, terms=terms())
    response = APIClient().get(f"/api/v1/projects/{draft.pk}/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_list_query_count_does_not_grow(pw):
    client = APIClient()

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/projects/").status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        pw.bid(pw.published(title=f"项目{i}"), 0)
    few = count()
    for i in range(3, 15):
        pw.bid(pw.published(title=f"项目{i}"), i % 4)
    assert count() == few
