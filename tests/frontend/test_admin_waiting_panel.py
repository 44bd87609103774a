"""The staff dashboard's "待我处理" panel: per role, with links, an empty state, and a query count
that does not grow with the number of waiting items."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from frontend.wagtail_hooks import WaitingForMePanel, waiting_rows
from marketplace.fund import services as fund_services
from marketplace.procurement import services as procurement_services
from tests.factories import ServiceRecordFactory, enable_mfa
from tests.factories.volunteers import ActivityFactory, ShiftFactory, SignupFactory
from tests.marketplace.fund import conftest as fund_conftest
from tests.marketplace.fund.test_disbursements import grant_for
from tests.marketplace.procurement import conftest as procurement_conftest

pw = procurement_conftest.pw
fw = fund_conftest.fw

HOME = "/admin/"


@pytest.fixture
def login(client):
    def _login(user):
        enable_mfa(user)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


def _panel(response) -> str:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    start = html.index('id="waiting-for-me-section"')
    return html[start : html.index("</section>", start)]


def _pending_project(pw, title):
    project = procurement_services.project_create(
        actor=pw.drafter, street=pw.world.street_a, terms=procurement_conftest.terms(title=title)
    )
    procurement_services.project_submit(actor=pw.drafter, project=project)
    return project


def _pending_hours(world, n=1):
    activity = ActivityFactory(community=world.community_a)
    shift = ShiftFactory(activity=activity)
    return [
        ServiceRecordFactory(signup=SignupFactory(shift=shift, status="checked_out"), status="pending")
        for _ in range(n)
    ]


def test_a_street_official_sees_the_project_waiting_for_approval(login, pw):
    _pending_project(pw, "待审批项目甲")
    _pending_project(pw, "待审批项目乙")
    # The second official of the street approves (the drafter may not approve their own).
    panel = _panel(login(pw.approver).get(HOME))
    assert "待我处理" in panel
    assert "待审批的服务项目" in panel
    assert 'href="/admin/procurement/projects/"' in panel
    assert "data-waiting-count>2<" in panel
    assert "暂无待办事项" not in panel


def test_a_community_worker_sees_hours_to_confirm(login, world):
    _pending_hours(world, 3)
    panel = _panel(login(world.worker_a).get(HOME))
    assert "待确认的服务时长" in panel
    assert "data-waiting-count>3<" in panel
    assert 'href="/admin/volunteers/activities/"' in panel
    # Another community's worker has nothing of it.
    assert all(r.label != "待确认的服务时长" for r in waiting_rows(world.worker_b))


def test_a_district_admin_sees_a_disbursement_to_approve(login, fw):
    fw.give(20_000)
    grant_for(fw, amount=5_000)
    panel = _panel(login(fw.admins[1]).get(HOME))
    assert "待审批的基金拨付" in panel
    assert "data-waiting-count>1<" in panel
    assert 'href="/admin/fund/disbursements/"' in panel
    # approve and first_approve both start from 待审批: the proposal is counted once.
    rows = [r for r in waiting_rows(fw.admins[1]) if r.label == "待审批的基金拨付"]
    assert [r.count for r in rows] == [1]


def test_someone_with_nothing_waiting_sees_the_empty_state(login, world):
    panel = _panel(login(world.official_b).get(HOME))
    assert "暂无待办事项。" in panel
    assert "data-waiting-count" not in panel


def test_the_panel_renders_nothing_for_a_user_without_admin_access(world):
    request = RequestFactory().get(HOME)
    request.user = world.resident
    assert WaitingForMePanel().render_html({"request": request}) == ""


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(HOME)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_query_count_does_not_grow_with_the_waiting_items(login, pw):
    _pending_project(pw, "待审批项目1")
    _pending_hours(pw.world, 1)
    client = login(pw.approver)
    _home_queries(client)  # warm the per-session caches
    one = _home_queries(client)
    for i in range(5):
        _pending_project(pw, f"待审批项目{i + 2}")
    _pending_hours(pw.world, 5)
    many = _home_queries(client)
    assert "data-waiting-count>6<" in _panel(client.get(HOME))
    assert many == one


def test_the_drafter_does_not_see_their_own_project_waiting_for_approval(pw):
    """Only a second official may approve (双人把关): the drafter's list leaves it out."""
    _pending_project(pw, "待审批项目丙")
    assert all(r.label != "待审批的服务项目" for r in waiting_rows(pw.drafter))
    assert [r.count for r in waiting_rows(pw.approver) if r.label == "待审批的服务项目"] == [1]


def _disbursement_counts(fw) -> list[int]:
    return [
        next((r.count for r in waiting_rows(admin) if r.label == "待审批的基金拨付"), 0)
        for admin in fw.admins
    ]


def test_disbursements_wait_only_for_the_admins_who_may_approve_them(fw, settings):
    settings.FUND_SECOND_APPROVAL_FEN = 10_000
    fw.give(100_000)
    grant_for(fw, amount=5_000)
    large = grant_for(fw, amount=50_000)
    # The proposer has nothing to approve; the others see both, each proposal once (a small one
    # is approved, a large one first-approved: the two moves share no row).
    assert _disbursement_counts(fw) == [0, 2, 2]
    fund_services.disbursement_approve(actor=fw.admins[1], disbursement=large)
    large.refresh_from_db()
    assert large.status == "awaiting_second"
    # The second approval waits for the third admin only; the first approver still has the small one.
    assert _disbursement_counts(fw) == [0, 1, 2]
