"""我的志愿服务: star level and progress, totals of confirmed hours, records with their correction
chain, upcoming sign-ups with the waiting position, and the in-service party member's report
to the home community."""

import pytest

from marketplace.volunteers import services
from marketplace.volunteers.models import PartyReport
from tests.factories.volunteers import ServiceRecordFactory, SignupFactory
from tests.frontend.pagecheck import csp_problems
from tests.marketplace.volunteers import conftest as volunteers_conftest
from tests.marketplace.volunteers.conftest import shift_data

vw = volunteers_conftest.vw

URL = "/volunteers/me/"


def page(response, *texts):
    assert response.status_code == 200, response.content.decode()[:500]
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert csp_problems(response) == []
    for text in texts:
        assert text in html, f"{text!r} not on the page"
    return html


def test_not_registered_goes_to_registration(client, vw):
    client.force_login(vw.world.resident)
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"] == "/volunteers/register/"
    assert client.post("/volunteers/me/party-report/").status_code == 302
    assert not PartyReport.objects.exists()


def test_star_totals_records_and_signups(client, vw):
    volunteer = vw.volunteer()
    # 100 h confirmed elsewhere: one star; 30 min more pending does not count.
    ServiceRecordFactory(signup__volunteer=volunteer, minutes=100 * 60)
    ServiceRecordFactory(signup__volunteer=volunteer, minutes=30, status="pending")
    # A record of community A's activity, corrected by its worker: a chain of two.
    activity = vw.activity(title="社区义诊", shifts=[shift_data(hours=3)])
    served = SignupFactory(shift=activity.shifts.get(), volunteer=volunteer, status="checked_out")
    first = ServiceRecordFactory(signup=served, minutes=60, status="pending")
    services.record_correct(actor=vw.world.worker_a, record=first, minutes=150, reason="补记提前到岗时间")
    # An upcoming shift with its one place taken: our volunteer waits, first in line.
    full = vw.activity(title="周末巡河", shifts=[shift_data(days=5, capacity=1)])
    services.signup_create(actor=vw.volunteer().user, shift=full.shifts.get())
    services.signup_create(actor=volunteer.user, shift=full.shifts.get())

    client.force_login(volunteer.user)
    html = page(
        client.get(URL),
        "我的志愿服务",
        volunteer.identity.id_number_masked,
        "一星志愿者",
        "102小时30分钟",  # 100 h + the corrected 150 min
        "距离二星志愿者还需 197小时30分钟",
        "<progress",
        "2 次",
        "社区义诊",
        "已更正",
        "已更正为 150 分钟",
        "更正自原记录 60 分钟。原因:补记提前到岗时间",
        "周末巡河",
        "候补第 1 位",
        "退出候补",
    )
    assert volunteer.identity.id_number not in html
    assert volunteer.user.phone[3:] not in html
    assert "在职党员到社区报到" not in html
    assert 'href="/certificates/mine/"' in html  # 申请志愿服务证明


def test_cancel_from_my_page_comes_back_here(client, vw):
    volunteer = vw.volunteer()
    activity = vw.activity(title="周末巡河")
    signup = services.signup_create(actor=volunteer.user, shift=activity.shifts.get())
    client.force_login(volunteer.user)
    page(client.get(URL), "周末巡河", "取消报名")
    response = client.post(f"/volunteers/signups/{signup.pk}/cancel/", {"next": URL})
    assert response["Location"] == URL
    html = page(client.get(URL), "已取消报名", "您目前没有待参加的班次")
    signup.refresh_from_db()
    assert signup.status == "cancelled"
    assert "退出候补" not in html


@pytest.fixture
def member(vw):
    return vw.volunteer(
        political_status="party_member",
        in_service=True,
        workplace="市第一医院",
        workplace_party_branch="市第一医院第三党支部",
    )


def test_in_service_member_reports_to_the_community(client, vw, member):
    client.force_login(member.user)
    page(client.get(URL), "在职党员到社区报到", "市第一医院第三党支部", "向社区报到")
    response = client.post("/volunteers/me/party-report/", {"note": "周末可参加服务"})
    assert response.status_code == 302 and response["Location"] == URL
    report = PartyReport.objects.get(volunteer=member)
    assert (report.status, report.community, report.note) == (
        "pending",
        vw.world.community_a,
        "周末可参加服务",
    )
    html = page(client.get(URL), "已向居住社区报到", "待确认")
    assert 'action="/volunteers/me/party-report/"' not in html
    # Again: the service refuses, nothing is added.
    page(client.post("/volunteers/me/party-report/", {"note": ""}), "您已向社区报到,或报到正在等待确认。")
    assert PartyReport.objects.count() == 1
    services.party_report_confirm(actor=vw.world.worker_a, report=report)
    page(client.get(URL), "已报到")


def test_a_member_not_in_service_has_no_report_section_and_is_refused(client, vw):
    volunteer = vw.volunteer(political_status="party_member")
    client.force_login(volunteer.user)
    assert "在职党员到社区报到" not in page(client.get(URL))
    page(
        client.post("/volunteers/me/party-report/", {"note": ""}), "只有登记为在职党员的志愿者需要到社区报到"
    )
    assert not PartyReport.objects.exists()


def test_portal_shows_star_and_link(client, vw):
    volunteer = vw.volunteer()
    ServiceRecordFactory(signup__volunteer=volunteer, minutes=300 * 60)
    client.force_login(volunteer.user)
    page(client.get("/me/"), "二星志愿者", "累计服务约 300 小时", "/volunteers/me/")
