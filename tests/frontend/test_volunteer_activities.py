"""The public activity list and detail, signing up and cancelling: filters, pagination and the
empty state, places left and the waiting list, the services' refusals shown in Chinese, the
contact phone masked for the public, and a query count that does not grow with the rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from marketplace.volunteers import services
from marketplace.volunteers.models import Signup
from tests.factories.volunteers import SkillFactory
from tests.frontend.pagecheck import csp_problems
from tests.marketplace.volunteers import conftest as volunteers_conftest
from tests.marketplace.volunteers.conftest import shift_data

vw = volunteers_conftest.vw

LIST = "/volunteers/activities/"


def detail_url(activity) -> str:
    return f"/volunteers/activities/{activity.pk}/"


def page(response, *texts):
    assert response.status_code == 200, response.content.decode()[:500]
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert csp_problems(response) == []
    for text in texts:
        assert text in html, f"{text!r} not on the page"
    return html


def follow(client, response):
    assert response.status_code == 302, response.content.decode()[:500]
    return client.get(response["Location"])


# --- list -------------------------------------------------------------------------------------
def test_list_shows_public_activities_only(client, vw):
    vw.activity(title="重阳节敬老志愿服务")
    vw.activity(title="草稿活动", publish=False)
    html = page(
        client.get(LIST), "党员志愿服务", "重阳节敬老志愿服务", "报名中", "剩余 10 / 共 10", "甲一社区"
    )
    assert "草稿活动" not in html
    assert "/volunteers/" in html and "登录" in html


def test_list_filters_and_empty_state(client, vw):
    SkillFactory(slug="medical", name="医疗护理")
    vw.activity(title="义诊服务", skill_slugs=["medical"])
    vw.activity(title="党员先锋岗", party_only=True)
    world = vw.world
    html = page(client.get(LIST, {"street": world.street_b.pk}), "没有符合筛选条件的志愿活动")
    assert "义诊服务" not in html
    html = page(client.get(LIST, {"skill": "medical"}), "义诊服务")
    assert "党员先锋岗" not in html
    html = page(client.get(LIST, {"party_only": "on"}), "党员先锋岗", "仅限党员")
    assert "义诊服务" not in html
    html = page(client.get(LIST, {"community": world.community_a.pk, "grid": ""}), "义诊服务", "党员先锋岗")
    html = page(client.get(LIST, {"grid": world.grid_b.pk}), "没有符合筛选条件")
    in_three_days = timezone.localdate() + datetime.timedelta(days=3)
    page(client.get(LIST, {"date_from": in_three_days, "date_to": in_three_days}), "义诊服务")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    html = page(client.get(LIST, {"date_from": tomorrow, "date_to": tomorrow}), "没有符合筛选条件")
    assert "义诊服务" not in html
    # A bad value is ignored rather than an error.
    page(client.get(LIST, {"street": "x", "date_from": "not-a-date"}), "义诊服务")


def test_empty_list(client, db):
    page(client.get(LIST), "近期还没有可报名的志愿活动")


def test_finished_activities_only_when_asked(client, vw, time_machine):
    activity = vw.activity(
        title="已结束的活动",
        shifts=[shift_data(days=1)],
        signup_deadline=timezone.now() + datetime.timedelta(hours=12),
    )
    time_machine.move_to(timezone.now() + datetime.timedelta(days=2), tick=False)
    services.activity_finish(actor=vw.world.worker_a, activity=activity)
    assert "已结束的活动" not in page(client.get(LIST))
    page(client.get(LIST, {"when": "all"}), "已结束的活动", "已结束")


def _activities(vw, n):
    for i in range(n):
        activity = vw.activity(title=f"活动{i}", shifts=[shift_data(days=3 + i % 5), shift_data(days=9)])
        for shift in activity.shifts.all():
            services.signup_create(actor=vw.volunteer().user, shift=shift)


# Counts what rendering reads, not a page cache hit.
@override_settings(PAGE_CACHE_ENABLED=False)
def _count(client, url, **params):
    client.get(url, params)  # the first request of all creates the site's settings row
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx)


def test_list_query_count_does_not_grow_and_pages(client, vw):
    _activities(vw, 1)
    one = _count(client, LIST)
    _activities(vw, 24)
    many = _count(client, LIST)
    assert many == one
    html = page(client.get(LIST), "共 25 个活动", "第 1 / 2 页")
    assert html.count('class="card org-card"') == 20
    html = page(client.get(LIST, {"page": 2}), "第 2 / 2 页")
    assert html.count('class="card org-card"') == 5


def test_list_query_count_for_a_volunteer_too(client, vw):
    volunteer = vw.volunteer()
    client.force_login(volunteer.user)
    _activities(vw, 1)
    one = _count(client, LIST)
    _activities(vw, 8)
    assert _count(client, LIST) == one


# --- detail, sign-up and cancellation --------------------------------------------------------
def test_detail_for_the_public(client, vw):
    activity = vw.activity(title="楼道清洁", shifts=[shift_data(capacity=2), shift_data(days=4, capacity=1)])
    html = page(
        client.get(detail_url(activity)),
        "楼道清洁",
        "为辖区独居老人打扫卫生",
        "李社工",
        "139****1111",
        "登录并注册为志愿者后即可报名",
    )
    assert "13900001111" not in html
    assert 'action="/volunteers/shifts/' not in html


def test_draft_is_not_found(client, vw):
    activity = vw.activity(publish=False)
    assert client.get(detail_url(activity)).status_code == 404
    assert client.get("/volunteers/activities/999999/").status_code == 404


def test_a_signed_in_resident_is_asked_to_register(client, vw):
    activity = vw.activity()
    shift = activity.shifts.get()
    client.force_login(vw.world.resident)
    page(client.get(detail_url(activity)), "报名活动前需要先实名注册为志愿者", "/volunteers/register/")
    response = client.post(f"/volunteers/shifts/{shift.pk}/signup/")
    assert response["Location"] == "/volunteers/register/"
    assert not Signup.objects.exists()


def test_sign_up_wait_and_move_up(client, vw):
    activity = vw.activity(title="敬老服务", shifts=[shift_data(capacity=1)])
    shift = activity.shifts.get()
    first, second = vw.volunteer(), vw.volunteer()

    client.force_login(first.user)
    html = page(client.get(detail_url(activity)), "敬老服务", "报名")
    assert f'action="/volunteers/shifts/{shift.pk}/signup/"' in html
    html = page(
        follow(client, client.post(f"/volunteers/shifts/{shift.pk}/signup/")),
        "报名成功",
        "已报名",
        "取消报名",
    )
    mine = Signup.objects.get(volunteer=first)
    assert mine.status == "confirmed"
    # Signed up: the organiser's phone is shown whole.
    assert "13900001111" in html

    client.force_login(second.user)
    html = page(client.get(detail_url(activity)), "已满", "加入候补")
    html = page(
        follow(client, client.post(f"/volunteers/shifts/{shift.pk}/signup/")),
        "您已进入候补名单",
        "候补中",
        "候补第 1 位",
        "退出候补",
    )
    waiting = Signup.objects.get(volunteer=second)
    assert waiting.status == "waiting"

    client.force_login(first.user)
    response = client.post(f"/volunteers/signups/{mine.pk}/cancel/", {"next": detail_url(activity)})
    assert response["Location"] == detail_url(activity)
    page(client.get(response["Location"]), "已取消报名")
    mine.refresh_from_db()
    waiting.refresh_from_db()
    assert (mine.status, waiting.status) == ("cancelled", "confirmed")


def test_refusals_from_the_service(client, vw):
    member = vw.volunteer(political_status="party_member")
    masses = vw.volunteer()
    activity = vw.activity(party_only=True)
    shift = activity.shifts.get()
    client.force_login(masses.user)
    page(follow(client, client.post(f"/volunteers/shifts/{shift.pk}/signup/")), "本活动仅限党员报名。")
    assert not Signup.objects.exists()
    client.force_login(member.user)
    client.post(f"/volunteers/shifts/{shift.pk}/signup/")
    page(follow(client, client.post(f"/volunteers/shifts/{shift.pk}/signup/")), "您已报名该班次。")
    assert Signup.objects.filter(volunteer=member).count() == 1


def test_after_the_deadline(client, vw, time_machine):
    activity = vw.activity(shifts=[shift_data(days=3)])
    shift = activity.shifts.get()
    volunteer = vw.volunteer()
    time_machine.move_to(activity.signup_deadline, tick=False)
    client.force_login(volunteer.user)
    html = page(client.get(detail_url(activity)), "已截止", "我的报名")
    assert "登录并注册为志愿者后即可报名" not in html
    assert f'action="/volunteers/shifts/{shift.pk}/signup/"' not in html
    page(follow(client, client.post(f"/volunteers/shifts/{shift.pk}/signup/")), "报名已截止。")
    assert not Signup.objects.exists()


def test_someone_elses_signup_cannot_be_cancelled(client, vw):
    activity = vw.activity()
    owner, other = vw.volunteer(), vw.volunteer()
    signup = services.signup_create(actor=owner.user, shift=activity.shifts.get())
    client.force_login(other.user)
    assert client.post(f"/volunteers/signups/{signup.pk}/cancel/").status_code == 404
    signup.refresh_from_db()
    assert signup.status == "confirmed"


def test_writes_need_post_and_sign_in(client, vw):
    activity = vw.activity()
    shift = activity.shifts.get()
    response = client.post(f"/volunteers/shifts/{shift.pk}/signup/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(vw.volunteer().user)
    assert client.get(f"/volunteers/shifts/{shift.pk}/signup/").status_code == 405
    assert not Signup.objects.exists()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x"])
def test_next_stays_on_the_site(client, vw, target):
    activity = vw.activity()
    shift = activity.shifts.get()
    client.force_login(vw.volunteer().user)
    response = client.post(f"/volunteers/shifts/{shift.pk}/signup/", {"next": target})
    assert response["Location"] == detail_url(activity)
