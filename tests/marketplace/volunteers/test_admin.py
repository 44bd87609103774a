"""Volunteer activities in the staff back office (志愿服务 → 志愿活动): the menu, posting an
activity with its shifts, publishing and cancelling, shifts, messages, each shift's roster and QR
code, check-in and check-out by the organiser, and the hours (confirm, reject, correct, confirm
all); every screen scoped to the staff member's grid, community or street."""

import datetime
import re
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.core.models import Notification
from marketplace.volunteers import checkin, services
from marketplace.volunteers.models import Activity, ServiceRecord, Shift, Signup
from tests.factories import enable_mfa
from tests.marketplace.organizations.test_admin import admin_menu

from .conftest import shift_data

ACTIVITIES = "/admin/volunteers/activities/"
REGISTRY = "/admin/volunteers/registry/"
REPORTS = "/admin/volunteers/party-reports/"


@pytest.fixture
def login(client):
    def _login(user):
        enable_mfa(user)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


def text(response) -> str:
    assert response.status_code == 200, (response.status_code, response.content.decode()[:2000])
    return response.content.decode()


def _local(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


# --- the menu -------------------------------------------------------------------------------
@pytest.mark.parametrize("attr", ["worker_a", "district_admin"])
def test_menu_for_community_workers_and_the_district(login, world, attr):
    menu = admin_menu(login(getattr(world, attr)))
    assert menu["志愿服务"] == [ACTIVITIES, REGISTRY, REPORTS]


def test_menu_for_grid_workers_has_no_party_reports(login, world):
    menu = admin_menu(login(world.grid_worker_a))
    assert menu["志愿服务"] == [ACTIVITIES, REGISTRY]


# --- posting and the list -------------------------------------------------------------------
def _create_post(world, **overrides):
    start = timezone.localtime() + datetime.timedelta(days=5)
    data = {
        "place_scope": f"community:{world.community_a.pk}",
        "title": "后台发布的敬老活动",
        "description": "陪伴独居老人。",
        "place": "甲一社区活动室",
        "contact_name": "李社工",
        "contact_phone": "13900001111",
        "signup_deadline": (start - datetime.timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        "party_only": "",
        "shifts-TOTAL_FORMS": "3",
        "shifts-INITIAL_FORMS": "0",
        "shifts-MIN_NUM_FORMS": "0",
        "shifts-MAX_NUM_FORMS": "20",
        "shifts-0-starts_at": start.strftime("%Y-%m-%d 09:00"),
        "shifts-0-ends_at": start.strftime("%Y-%m-%d 12:00"),
        "shifts-0-capacity": "8",
        "shifts-1-starts_at": start.strftime("%Y-%m-%d 14:00"),
        "shifts-1-ends_at": start.strftime("%Y-%m-%d 17:00"),
        "shifts-1-capacity": "5",
    }
    data.update(overrides)
    return data


def test_worker_posts_an_activity_with_shifts_then_publishes_it(login, vw):
    world = vw.world
    client = login(world.worker_a)
    form = text(client.get(f"{ACTIVITIES}new/"))
    assert "甲一社区" in form and "乙一社区" not in form
    response = client.post(f"{ACTIVITIES}new/", _create_post(world))
    assert response.status_code == 302, response.content.decode()[:3000]
    activity = Activity.objects.get(title="后台发布的敬老活动")
    assert (activity.status, activity.community, activity.organizer_kind) == (
        "draft",
        world.community_a,
        "community",
    )
    assert sorted(activity.shifts.values_list("capacity", flat=True)) == [5, 8]
    page = text(client.get(f"{ACTIVITIES}inspect/{activity.pk}/"))
    assert "发布活动" in page and "添加班次" in page
    assert client.post(f"{ACTIVITIES}publish/{activity.pk}/").status_code == 302
    activity.refresh_from_db()
    assert activity.status == "published"
    page = text(client.get(ACTIVITIES))
    assert "后台发布的敬老活动" in page and "0 / 13" in page


def test_bad_activity_input_is_refused_in_chinese_and_creates_nothing(login, vw):
    world = vw.world
    client = login(world.worker_a)
    past = (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    page = text(client.post(f"{ACTIVITIES}new/", _create_post(world, signup_deadline=past)))
    assert "报名截止时间须晚于现在。" in page
    page = text(client.post(f"{ACTIVITIES}new/", _create_post(world, **{"shifts-0-capacity": "0"})))
    assert "名额应为1到" in page
    page = text(client.post(f"{ACTIVITIES}new/", _create_post(world, contact_phone="12345")))
    assert "联系电话无效" in page
    # A place outside the worker's community is not even a choice.
    page = text(
        client.post(f"{ACTIVITIES}new/", _create_post(world, place_scope=f"community:{world.community_b.pk}"))
    )
    assert "选择一个有效的选项" in page or "Select a valid choice" in page
    assert not Activity.objects.exists()


def test_list_and_pages_are_scoped(login, vw):
    activity = vw.activity(title="甲一社区的活动")
    shift = activity.shifts.get()
    for user in (vw.world.worker_a, vw.world.official_a, vw.world.district_admin):
        assert "甲一社区的活动" in text(login(user).get(ACTIVITIES)), user
    # A grid worker runs the activities of their grid, not the community-wide ones.
    grid_activity = vw.activity(title="第1网格的活动", grid=vw.world.grid_a, actor=vw.world.grid_worker_a)
    page = text(login(vw.world.grid_worker_a).get(ACTIVITIES))
    assert "第1网格的活动" in page and "甲一社区的活动" not in page
    assert grid_activity.organizer_kind == "grid"
    client = login(vw.world.worker_b)
    assert "甲一社区的活动" not in text(client.get(ACTIVITIES))
    assert client.get(f"{ACTIVITIES}inspect/{activity.pk}/").status_code == 404
    assert client.get(f"{ACTIVITIES}shift/{shift.pk}/").status_code == 404
    assert client.get(f"{ACTIVITIES}shift/{shift.pk}/qr/").status_code == 404
    assert client.post(f"{ACTIVITIES}cancel/{activity.pk}/", {"reason": "越权"}).status_code == 404
    assert client.post(f"{ACTIVITIES}shift-cancel/{shift.pk}/", {"reason": "越权"}).status_code == 404
    activity.refresh_from_db()
    shift.refresh_from_db()
    assert (activity.status, shift.status) == ("published", "scheduled")


def test_district_reads_but_is_not_offered_the_organisers_tools(login, vw):
    activity = vw.activity()
    shift = activity.shifts.get()
    client = login(vw.world.district_admin)
    page = text(client.get(f"{ACTIVITIES}inspect/{activity.pk}/"))
    assert "群发消息" not in page and "取消活动" in page
    page = text(client.get(f"{ACTIVITIES}shift/{shift.pk}/"))
    assert "签到二维码" not in page
    assert client.get(f"{ACTIVITIES}shift/{shift.pk}/qr/").status_code == 404


def test_activity_list_queries_do_not_grow_with_rows(login, vw):
    client = login(vw.world.worker_a)
    vw.activity(shifts=[shift_data(), shift_data(days=4)])
    client.get(ACTIVITIES)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            text(client.get(ACTIVITIES))
        return len(ctx.captured_queries)

    one = count()
    for i in range(5):
        vw.activity(title=f"活动{i}", shifts=[shift_data(days=3 + i), shift_data(days=4 + i)])
    assert count() == one


# --- cancelling, shifts and messages --------------------------------------------------------
def test_cancel_needs_a_reason(login, vw):
    activity = vw.activity()
    client = login(vw.world.worker_a)
    assert "请填写原因" in text(client.post(f"{ACTIVITIES}cancel/{activity.pk}/", {"reason": ""}))
    activity.refresh_from_db()
    assert activity.status == "published"
    assert client.post(f"{ACTIVITIES}cancel/{activity.pk}/", {"reason": "暴雨预警"}).status_code == 302
    activity.refresh_from_db()
    assert (activity.status, activity.cancel_reason) == ("cancelled", "暴雨预警")


def test_add_and_cancel_a_shift_tells_the_volunteers(login, vw):
    activity = vw.activity()
    volunteer = vw.volunteer()
    client = login(vw.world.worker_a)
    start = timezone.localtime() + datetime.timedelta(days=6)
    page = text(
        client.post(
            f"{ACTIVITIES}shift-add/{activity.pk}/",
            {
                "starts_at": start.strftime("%Y-%m-%d 10:00"),
                "ends_at": start.strftime("%Y-%m-%d 09:00"),
                "capacity": "3",
            },
        )
    )
    assert "班次结束时间须晚于开始时间。" in page
    response = client.post(
        f"{ACTIVITIES}shift-add/{activity.pk}/",
        {
            "starts_at": start.strftime("%Y-%m-%d 09:00"),
            "ends_at": start.strftime("%Y-%m-%d 11:00"),
            "capacity": "3",
        },
    )
    assert response.status_code == 302
    added = activity.shifts.get(capacity=3)
    signup = services.signup_create(actor=volunteer.user, shift=added)
    assert "取消班次" in text(client.get(f"{ACTIVITIES}inspect/{activity.pk}/"))
    assert "请填写原因" in text(client.post(f"{ACTIVITIES}shift-cancel/{added.pk}/", {"reason": " "}))
    assert client.post(f"{ACTIVITIES}shift-cancel/{added.pk}/", {"reason": "场地占用"}).status_code == 302
    added.refresh_from_db()
    signup.refresh_from_db()
    assert (added.status, signup.status) == ("cancelled", "cancelled")
    assert Notification.objects.filter(recipient=volunteer.user, body__contains="场地占用").exists()


def test_message_everyone_signed_up(login, vw):
    activity = vw.activity()
    shift = activity.shifts.get()
    people = [vw.volunteer() for _ in range(2)]
    for person in people:
        services.signup_create(actor=person.user, shift=shift)
    client = login(vw.world.worker_a)
    assert "请填写消息内容。" in text(
        client.post(f"{ACTIVITIES}message/{activity.pk}/", {"title": "集合", "body": ""})
    )
    response = client.post(
        f"{ACTIVITIES}message/{activity.pk}/", {"title": "集合地点变更", "body": "改到东门。"}, follow=True
    )
    assert "消息已发送给 2 人。" in text(response)
    assert Notification.objects.filter(title__contains="集合地点变更").count() == 2


# --- the shift: roster, QR code, check-in, hours --------------------------------------------
def test_roster_shows_names_and_masked_phones_only(login, vw):
    shift = vw.activity().shifts.get()
    volunteer = vw.volunteer()
    services.signup_create(actor=volunteer.user, shift=shift)
    page = text(login(vw.world.worker_a).get(f"{ACTIVITIES}shift/{shift.pk}/"))
    phone = volunteer.user.phone[3:]
    assert volunteer.identity.real_name in page
    assert f"{phone[:3]}****{phone[-4:]}" in page
    assert phone not in page and volunteer.identity.id_number not in page


def test_qr_code_page_carries_a_signed_token_for_the_shift(login, vw):
    shift = vw.activity().shifts.get()
    page = text(login(vw.world.worker_a).get(f"{ACTIVITIES}shift/{shift.pk}/qr/"))
    assert '<svg width="70mm" height="70mm"' in page and "<?xml" not in page
    url = re.search(r'href="(http://testserver/volunteers/checkin/\?t=[^"]+)"', page).group(1)
    token = unquote(parse_qs(urlparse(url.replace("&amp;", "&")).query)["t"][0])
    assert checkin.read_token(token).shift_id == shift.pk


@pytest.fixture
def on_site(vw, time_machine):
    """Two volunteers signed up for a 3 h shift that is now under way."""
    shift = vw.activity(shifts=[shift_data(hours=3)]).shifts.get()
    people = [vw.volunteer() for _ in range(2)]
    signups = [services.signup_create(actor=p.user, shift=shift) for p in people]
    time_machine.move_to(shift.starts_at + datetime.timedelta(minutes=5), tick=False)
    return shift, signups


def test_organiser_checks_in_and_out_then_confirms_hours(login, vw, on_site, time_machine):
    shift, (first, second) = on_site
    client = login(vw.world.worker_a)
    assert "签到" in text(client.get(f"{ACTIVITIES}shift/{shift.pk}/"))
    too_early = _local(shift.starts_at - datetime.timedelta(hours=2))
    page = text(client.post(f"{ACTIVITIES}check-in/{first.pk}/", {"at": too_early}))
    assert "签到尚未开始" in page
    first.refresh_from_db()
    assert first.status == "confirmed"
    for signup in (first, second):
        assert client.post(f"{ACTIVITIES}check-in/{signup.pk}/", {"at": ""}).status_code == 302
    time_machine.move_to(shift.starts_at + datetime.timedelta(hours=2, minutes=5), tick=False)
    client = login(vw.world.worker_a)
    for signup in (first, second):
        assert client.post(f"{ACTIVITIES}check-out/{signup.pk}/", {"at": ""}).status_code == 302
    records = list(ServiceRecord.objects.order_by("id"))
    assert [(r.status, r.minutes) for r in records] == [("pending", 120), ("pending", 120)]
    page = text(client.get(f"{ACTIVITIES}shift/{shift.pk}/"))
    assert "全部确认时长" in page and "待确认" in page
    response = client.post(f"{ACTIVITIES}confirm-all/{shift.pk}/", follow=True)
    assert "已确认 2 条服务时长。" in text(response)
    assert set(ServiceRecord.objects.values_list("status", flat=True)) == {"confirmed"}


def test_confirm_reject_and_correct_one_record(login, vw, on_site, time_machine):
    shift, (first, second) = on_site
    for signup in (first, second):
        services.signup_check_in(actor=vw.world.worker_a, signup=signup)
    time_machine.move_to(shift.starts_at + datetime.timedelta(hours=1, minutes=5), tick=False)
    one, two = (services.signup_check_out(actor=vw.world.worker_a, signup=s) for s in (first, second))
    client = login(vw.world.worker_a)
    assert client.post(f"{ACTIVITIES}record-confirm/{one.pk}/").status_code == 302
    assert "请填写原因" in text(client.post(f"{ACTIVITIES}record-reject/{two.pk}/", {"reason": ""}))
    assert client.post(f"{ACTIVITIES}record-reject/{two.pk}/", {"reason": "未实际参加"}).status_code == 302
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.status, two.status) == ("confirmed", "rejected")
    page = text(client.post(f"{ACTIVITIES}correct/{one.pk}/", {"minutes": "500", "reason": "补录"}))
    assert "服务时长不能超过班次时长加" in page
    page = text(client.post(f"{ACTIVITIES}correct/{one.pk}/", {"minutes": "150", "reason": ""}))
    assert "请填写更正原因。" in page
    assert ServiceRecord.objects.count() == 2
    assert (
        client.post(f"{ACTIVITIES}correct/{one.pk}/", {"minutes": "150", "reason": "签退晚录"}).status_code
        == 302
    )
    one.refresh_from_db()
    fix = ServiceRecord.objects.get(corrects=one)
    assert (one.status, one.minutes, fix.status, fix.minutes) == ("superseded", 60, "confirmed", 150)
    page = text(client.get(f"{ACTIVITIES}shift/{shift.pk}/"))
    assert f"更正 #{one.pk}(原 60 分钟)" in page and "签退晚录" in page and "已更正" in page


def test_worker_of_another_community_cannot_check_in_or_confirm(login, vw, on_site, time_machine):
    shift, (first, _second) = on_site
    client = login(vw.world.worker_b)
    assert client.post(f"{ACTIVITIES}check-in/{first.pk}/", {"at": ""}).status_code == 404
    first.refresh_from_db()
    assert first.status == "confirmed"
    services.signup_check_in(actor=vw.world.worker_a, signup=first)
    time_machine.move_to(shift.starts_at + datetime.timedelta(hours=1), tick=False)
    record = services.signup_check_out(actor=vw.world.worker_a, signup=first)
    client = login(vw.world.worker_b)
    assert client.post(f"{ACTIVITIES}record-confirm/{record.pk}/").status_code == 404
    assert client.post(f"{ACTIVITIES}confirm-all/{shift.pk}/").status_code == 404
    assert (
        client.post(f"{ACTIVITIES}correct/{record.pk}/", {"minutes": "10", "reason": "x"}).status_code == 404
    )
    record.refresh_from_db()
    assert record.status == "pending" and ServiceRecord.objects.count() == 1
    assert Signup.objects.filter(status="checked_out").count() == 1
    assert Shift.objects.get(pk=shift.pk).status == "scheduled"
