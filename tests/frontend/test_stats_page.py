"""数据公开 (/stats/): three server-drawn charts with their data tables, numbers from the ledger,
the volunteer records and the projects, in Chinese, within the CSP, with a constant query count."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from frontend import stats_selectors
from marketplace.fund import services as fund_services
from marketplace.procurement import services as procurement_services
from tests.factories import ServiceRecordFactory
from tests.factories.volunteers import ActivityFactory, ShiftFactory, SignupFactory
from tests.frontend.pagecheck import csp_problems, parse
from tests.marketplace.fund import conftest as fund_conftest
from tests.marketplace.fund.test_disbursements import grant_for
from tests.marketplace.procurement import conftest as procurement_conftest

pw = procurement_conftest.pw
fw = fund_conftest.fw

URL = "/stats/"
SVG = "{http://www.w3.org/2000/svg}"


def _hours(community, minutes, status="confirmed"):
    shift = ShiftFactory(activity=ActivityFactory(community=community))
    return ServiceRecordFactory(
        signup=SignupFactory(shift=shift, status="checked_out"), minutes=minutes, status=status
    )


def _svgs(html: str) -> dict[str, ET.Element]:
    found = {}
    start = 0
    while (i := html.find("<svg", start)) != -1:
        j = html.index("</svg>", i) + len("</svg>")
        svg = html[i:j]
        start = j
        if 'class="chart"' in svg:
            root = ET.fromstring(svg)
            found[root.get("id")] = root
    return found


@pytest.fixture
def data(fw, pw):
    """A donation of ¥300 and a paid grant of ¥50 this month; 90 + 30 confirmed minutes in street
    A, 60 in street B, and a pending record that does not count; two published projects and a
    draft that is not public."""
    fw.give(30_000)
    grant = grant_for(fw, amount=5_000)
    fund_services.disbursement_approve(actor=fw.admins[1], disbursement=grant)
    world = fw.world
    _hours(world.community_a, 90)
    _hours(world.community_a2, 30)
    _hours(world.community_b, 60)
    _hours(world.community_b, 600, status="pending")
    pw.published(title="已发布项目一")
    pw.published(title="已发布项目二")
    procurement_services.project_create(
        actor=pw.drafter, street=world.street_a, terms=procurement_conftest.terms(title="草稿项目")
    )
    return world


def test_the_selectors_count_what_is_public(data):
    months = stats_selectors.fund_monthly()
    assert len(months) == 12
    this_month = timezone.localdate().replace(day=1)
    assert months[-1].month == this_month
    assert (months[-1].raised_fen, months[-1].disbursed_fen) == (30_000, 5_000)
    assert all((m.raised_fen, m.disbursed_fen) == (0, 0) for m in months[:-1])

    hours = {h.name: h.minutes for h in stats_selectors.hours_by_street()}
    # Every street is listed (the volunteers' factories add streets of their own, at zero).
    assert (hours["甲街道"], hours["乙街道"]) == (120, 60)
    assert sum(hours.values()) == 180
    assert [(s.status, s.label, s.count) for s in stats_selectors.projects_by_status()] == [
        ("published", "公告中", 2)
    ]


def test_fund_months_are_beijing_calendar_months(fw, time_machine):
    # 2026-03-31 17:00 UTC is already 1 April in Beijing.
    time_machine.move_to(datetime.datetime(2026, 3, 31, 17, 0, tzinfo=datetime.UTC))
    fw.give(10_000)
    months = stats_selectors.fund_monthly(months=2)
    assert [(m.month, m.raised_fen) for m in months] == [
        (datetime.date(2026, 3, 1), 0),
        (datetime.date(2026, 4, 1), 10_000),
    ]


def test_the_page_shows_three_charts_with_tables_in_chinese_within_the_csp(client, data):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert csp_problems(response) == []
    assert "<h1>数据公开</h1>" in html
    svgs = _svgs(html)
    assert set(svgs) == {"chart-fund", "chart-hours", "chart-projects"}

    fund_points = {
        (p.get("data-series"), p.get("data-category")): int(p.get("data-value"))
        for p in svgs["chart-fund"].iter(f"{SVG}circle")
    }
    month = f"{timezone.localdate():%Y-%m}"
    assert fund_points[("筹款", month)] == 30_000
    assert fund_points[("拨付", month)] == 5_000
    assert svgs["chart-fund"].find(f"{SVG}title").text == "基金筹款与拨付(按月)"

    bars = {b.get("data-category"): b.get("data-value") for b in svgs["chart-hours"].iter(f"{SVG}rect")}
    assert bars.get("甲街道") == "2.0" and bars.get("乙街道") == "1.0"
    project_bars = [b for b in svgs["chart-projects"].iter(f"{SVG}rect") if b.get("class") == "bar"]
    assert [(b.get("data-category"), b.get("data-value")) for b in project_bars] == [("公告中", "2")]

    # The same figures in the tables under the charts.
    page = parse(html)
    assert any(e.attrs.get("id") == "chart-fund-table" for e in page.find("table"))
    assert "¥300.00" in html and "¥50.00" in html
    assert "2 小时" in html and "2 个" in html
    assert "草稿项目" not in html


def test_an_empty_portal_shows_empty_states(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("暂无数据。") == 3
    assert 'class="chart"' not in html
    assert csp_problems(response) == []


# Counts what rendering reads, not a page cache hit.
@override_settings(PAGE_CACHE_ENABLED=False)
def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    return len(ctx.captured_queries)


def test_the_query_count_does_not_grow_with_the_data(client, data, fw, pw):
    _queries(client)
    one = _queries(client)
    for i in range(3):
        fw.give(1_000 + i)
        _hours(data.community_a, 15)
        pw.published(title=f"更多项目{i}")
    assert _queries(client) == one
