"""A verified organisation's admins organise volunteer activities on the public site: the list
(empty state, pagination, statuses), posting an activity with its shifts, changing, publishing
and cancelling it, shifts added and cancelled, messages, the roster (names and masked phones
only), the printable QR code, check-in and check-out by the organiser, and the hours (confirm
one or all, reject, correct with the chain on the page). Everyone else gets a 404 and changes
nothing; bad input gets the services' Chinese message and changes nothing; pages pass the CSP
check; the list and the roster take a number of queries that does not grow with the rows."""

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.core.models import Notification
from marketplace.core.roles import Role
from marketplace.volunteers import checkin, services
from marketplace.volunteers.models import Activity, ServiceRecord, Shift, Signup
from tests.factories import OrganizationFactory, UserFactory, enable_mfa, grant
from tests.factories.volunteers import SkillFactory
from tests.frontend.pagecheck import csp_problems
from tests.marketplace.volunteers import conftest as volunteers_conftest
from tests.marketplace.volunteers.conftest import activity_data, shift_data

vw = volunteers_conftest.vw

H = datetime.timedelta(hours=1)
FMT = "%Y-%m-%dT%H:%M"


def base(org) -> str:
    return f"/volunteers/organise/{org.pk}/"


def page(response, *texts, status=200):
    assert response.status_code == status, response.content.decode()[:800]
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert csp_problems(response) == []
    for text in texts:
        assert text in html, f"{text!r} not on the page"
    return html


def follow(client, response, *texts):
    assert response.status_code == 302, response.content.decode()[:800]
    return page(client.get(response["Location"]), *texts)


def local(value) -> str:
    return timezone.localtime(value).strftime(FMT)


@pytest.fixture
def admin_client(client, vw):
    client.force_login(vw.org_admin)
    return client


def org_activity(vw, *, publish=True, shifts=None, **overrides):
    """An activity of the organisation in community A, with one shift 3 days ahead."""
    activity = services.activity_create(
        actor=vw.org_admin,
        data=activity_data(community=vw.world.community_a, **overrides),
        shifts=shifts if shifts is not None else [shift_data()],
        organization=vw.org,
    )
    if publish:
        services.activity_publish(actor=vw.org_admin, activity=activity)
        activity.refresh_from_db()
    return activity


def form_data(vw, **overrides) -> dict:
    starts = (timezone.now() + datetime.timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
    data = {
        "title": "社区义诊志愿服务",
        "description": "为老年居民测量血压、讲解用药。",
        "place": "甲一社区卫生服务站",
        "community": str(vw.world.community_a.pk),
        "grid": str(vw.world.grid_a.pk),
        "signup_deadline": local(starts - datetime.timedelta(days=1)),
        "contact_name": "王医生",
        "contact_phone": "13912345678",
        "required_skills": ["medical"],
        "shifts-TOTAL_FORMS": "3",
        "shifts-INITIAL_FORMS": "0",
        "shifts-MIN_NUM_FORMS": "0",
        "shifts-MAX_NUM_FORMS": "20",
        "shifts-0-starts_at": local(starts),
        "shifts-0-ends_at": local(starts + 3 * H),
        "shifts-0-capacity": "5",
        "shifts-1-starts_at": local(starts + 4 * H),
        "shifts-1-ends_at": local(starts + 6 * H),
        "shifts-1-capacity": "2",
    }
    data.update(overrides)
    return data


# --- the way in -----------------------------------------------------------------------------
def test_manage_page_links_admins_of_a_verified_organisation(client, vw):
    link = f'href="{base(vw.org)}"'
    client.force_login(vw.org_admin)
    html = page(client.get(f"/organizations/{vw.org.pk}/manage/"), "志愿服务活动", "管理志愿服务活动")
    assert link in html
    member = UserFactory()
    grant(member, Role.ORG_MEMBER, vw.org)
    client.force_login(member)
    assert link not in page(client.get(f"/organizations/{vw.org.pk}/manage/"))
    pending = OrganizationFactory(street=vw.world.street_a, status="pending")
    admin = UserFactory()
    grant(admin, Role.ORG_ADMIN, pending)
    client.force_login(admin)
    html = page(client.get(f"/organizations/{pending.pk}/manage/"))
    assert "管理志愿服务活动" not in html


# --- the list -------------------------------------------------------------------------------
def test_empty_list(admin_client, vw):
    page(admin_client.get(base(vw.org)), "还没有发布过志愿活动", "发布志愿活动", vw.org.name)


def test_list_shows_the_organisation_activities_by_status_with_pages(admin_client, vw, monkeypatch):
    from frontend import volunteer_organiser_views

    monkeypatch.setattr(volunteer_organiser_views, "PAGE_SIZE", 2)
    org_activity(vw, title="已发布的活动")
    org_activity(vw, title="草稿活动", publish=False)
    cancelled = org_activity(vw, title="取消的活动")
    services.activity_cancel(actor=vw.org_admin, activity=cancelled, reason="天气原因")
    vw.activity(title="社区自己的活动")  # posted by the community worker, not the organisation
    html = page(admin_client.get(base(vw.org)), "共 3 个活动", "第 1 / 2 页", "取消的活动", "草稿活动")
    assert "社区自己的活动" not in html and "已发布的活动" not in html
    page(admin_client.get(base(vw.org), {"page": 2}), "已发布的活动", "报名中", "0 / 10")
    html = page(admin_client.get(base(vw.org), {"status": "draft"}), "共 1 个活动", "草稿活动")
    assert "取消的活动" not in html
    page(admin_client.get(base(vw.org), {"status": "finished"}), "没有该状态的活动")
    # A bad status lists everything rather than failing.
    page(admin_client.get(base(vw.org), {"status": "x"}), "共 3 个活动")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow(admin_client, vw):
    SkillFactory(slug="medical", name="医疗护理")
    org_activity(vw, skill_slugs=["medical"])
    admin_client.get(base(vw.org))  # warm caches (site settings, sessions)
    one = _queries(admin_client, base(vw.org))
    for n in range(6):
        org_activity(vw, title=f"活动{n}", skill_slugs=["medical"], shifts=[shift_data(), shift_data(days=4)])
    assert _queries(admin_client, base(vw.org)) == one


# --- posting an activity --------------------------------------------------------------------
def test_post_an_activity_with_shifts_then_publish(admin_client, vw):
    SkillFactory(slug="medical", name="医疗护理")
    page(
        admin_client.get(f"{base(vw.org)}new/"),
        "发布志愿活动",
        "甲一社区",
        "医疗护理",
        'type="datetime-local"',
    )
    response = admin_client.post(f"{base(vw.org)}new/", form_data(vw))
    html = follow(admin_client, response, "活动已保存为草稿", "社区义诊志愿服务", "草稿", "发布活动")
    activity = Activity.objects.get()
    assert (activity.organization, activity.organizer_kind, activity.status) == (
        vw.org,
        "organization",
        "draft",
    )
    assert (activity.community, activity.grid) == (vw.world.community_a, vw.world.grid_a)
    assert [s.slug for s in activity.required_skills.all()] == ["medical"]
    assert sorted(activity.shifts.values_list("capacity", flat=True)) == [2, 5]
    assert "医疗护理" in html
    response = admin_client.post(f"{base(vw.org)}a/{activity.pk}/publish/")
    follow(admin_client, response, "活动已发布", "报名中", "查看公开页面")
    activity.refresh_from_db()
    assert activity.status == "published" and activity.published_at is not None
    # The public sees it under the organisation's name.
    page(admin_client.get(f"/volunteers/activities/{activity.pk}/"), "社区义诊志愿服务", vw.org.name)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {
                "shifts-0-starts_at": "",
                "shifts-0-ends_at": "",
                "shifts-0-capacity": "",
                "shifts-1-starts_at": "",
                "shifts-1-ends_at": "",
                "shifts-1-capacity": "",
            },
            "请至少填写一个班次。",
        ),
        ({"contact_phone": "12345"}, "联系电话无效"),
        ({"title": ""}, "请填写活动名称。"),
        ({"community": "", "grid": ""}, "请选择活动所在的街道、社区或网格。"),
        ({"shifts-1-capacity": "0"}, "名额应为1到"),
        ({"shifts-0-ends_at": ""}, "请填写班次的开始和结束时间。"),
        ({"signup_deadline": "2020-01-01T10:00"}, "报名截止时间须晚于现在。"),
        ({"signup_deadline": "not a time"}, "输入一个有效的日期/时间。"),
    ],
)
def test_bad_activity_input_changes_nothing(admin_client, vw, overrides, message):
    SkillFactory(slug="medical", name="医疗护理")
    html = page(admin_client.post(f"{base(vw.org)}new/", form_data(vw, **overrides)), message)
    assert "社区义诊志愿服务" in html or overrides.get("title") == ""  # the form keeps what was typed
    assert not Activity.objects.exists() and not Shift.objects.exists()


def test_grid_of_another_community_is_refused(admin_client, vw):
    SkillFactory(slug="medical", name="医疗护理")
    data = form_data(vw, grid=str(vw.world.grid_b.pk))
    page(admin_client.post(f"{base(vw.org)}new/", data), "所选网格不属于所选社区。")
    assert not Activity.objects.exists()


def test_change_a_draft_and_publish_refused_without_upcoming_shift(admin_client, vw):
    activity = org_activity(vw, publish=False, shifts=[])
    url = f"{base(vw.org)}a/{activity.pk}/edit/"
    html = page(admin_client.get(url), "修改活动", "重阳节敬老志愿服务")
    assert 'name="community"' not in html  # the place is fixed
    data = {
        "title": "重阳节敬老服务(改)",
        "description": "陪伴聊天。",
        "place": "甲一社区活动室",
        "signup_deadline": local(timezone.now() + datetime.timedelta(days=1)),
        "contact_name": "李社工",
        "contact_phone": "020-12345678",
        "party_only": "on",
    }
    follow(admin_client, admin_client.post(url, data), "活动信息已保存", "重阳节敬老服务(改)", "仅限党员")
    activity.refresh_from_db()
    assert (activity.title, activity.contact_phone, activity.party_only) == (
        "重阳节敬老服务(改)",
        "020-12345678",
        True,
    )
    page(admin_client.post(url, {**data, "title": ""}), "请填写活动名称。")
    activity.refresh_from_db()
    assert activity.title == "重阳节敬老服务(改)"
    # No shift yet: publishing is refused with the guard's message.
    response = admin_client.post(f"{base(vw.org)}a/{activity.pk}/publish/")
    follow(admin_client, response, "请至少设置一个尚未开始的班次。")
    activity.refresh_from_db()
    assert activity.status == "draft"


def test_cancel_an_activity_needs_a_reason_and_tells_volunteers(admin_client, vw):
    activity = org_activity(vw)
    volunteer = vw.volunteer()
    services.signup_create(actor=volunteer.user, shift=activity.shifts.get())
    url = f"{base(vw.org)}a/{activity.pk}/cancel/"
    page(admin_client.get(url), "取消活动")
    page(admin_client.post(url, {"reason": "  "}), "请填写原因。")
    activity.refresh_from_db()
    assert activity.status == "published"
    follow(admin_client, admin_client.post(url, {"reason": "场地临时检修"}), "活动已取消", "场地临时检修")
    activity.refresh_from_db()
    assert (activity.status, activity.cancel_reason) == ("cancelled", "场地临时检修")
    assert Signup.objects.get().status == "cancelled"
    assert Notification.objects.filter(recipient=volunteer.user, body__contains="场地临时检修").exists()


# --- the activity's page: shifts and messages -----------------------------------------------
def test_add_and_cancel_a_shift(admin_client, vw):
    activity = org_activity(vw)
    volunteer = vw.volunteer()
    services.signup_create(actor=volunteer.user, shift=activity.shifts.get())
    url = f"{base(vw.org)}a/{activity.pk}/"
    page(admin_client.get(url), "添加班次", "群发消息", "名单与时长", "取消班次")
    starts = (timezone.now() + datetime.timedelta(days=6)).replace(minute=0, second=0, microsecond=0)
    add = f"{url}shifts/"
    bad = {"shift-starts_at": local(starts), "shift-ends_at": local(starts - H), "shift-capacity": "3"}
    page(admin_client.post(add, bad), "班次结束时间须晚于开始时间。")
    assert activity.shifts.count() == 1
    good = {**bad, "shift-ends_at": local(starts + 2 * H)}
    follow(admin_client, admin_client.post(add, good), "班次已添加")
    assert activity.shifts.count() == 2
    first = activity.shifts.order_by("starts_at").first()
    cancel = f"{base(vw.org)}shifts/{first.pk}/cancel/"
    page(admin_client.post(cancel, {"reason": ""}), "请填写原因。")
    first.refresh_from_db()
    assert first.status == "scheduled"
    follow(admin_client, admin_client.post(cancel, {"reason": "人手已满足"}), "班次已取消", "人手已满足")
    first.refresh_from_db()
    assert (first.status, first.cancel_reason) == ("cancelled", "人手已满足")
    assert Signup.objects.get().status == "cancelled"
    assert Notification.objects.filter(recipient=volunteer.user, body__contains="人手已满足").exists()


def test_message_everyone_signed_up(admin_client, vw):
    activity = org_activity(vw)
    shift = activity.shifts.get()
    volunteers = [vw.volunteer() for _ in range(2)]
    for volunteer in volunteers:
        services.signup_create(actor=volunteer.user, shift=shift)
    url = f"{base(vw.org)}a/{activity.pk}/message/"
    page(admin_client.post(url, {"message-title": "", "message-body": "请带好雨具"}), "请填写消息标题。")
    assert not Notification.objects.filter(title__contains="集合时间").exists()
    data = {"message-shift": str(shift.pk), "message-title": "集合时间", "message-body": "请提前10分钟到场"}
    follow(admin_client, admin_client.post(url, data), "消息已发送给 2 人")
    assert {n.recipient for n in Notification.objects.filter(title__contains="集合时间")} == {
        v.user for v in volunteers
    }


# --- a shift: roster, QR code, check-in, hours ----------------------------------------------
def test_roster_shows_names_and_masked_phones_only(admin_client, vw):
    activity = org_activity(vw, shifts=[shift_data(capacity=1)])
    shift = activity.shifts.get()
    first, second = vw.volunteer(), vw.volunteer()
    services.signup_create(actor=first.user, shift=shift)
    services.signup_create(actor=second.user, shift=shift)
    html = page(
        admin_client.get(f"{base(vw.org)}shifts/{shift.pk}/"),
        first.identity.real_name,
        second.identity.real_name,
        "候补第 1 位",
        "签到二维码",
    )
    for volunteer in (first, second):
        digits = volunteer.user.phone.removeprefix("+86")
        assert digits not in html and volunteer.user.phone not in html
        assert f"{digits[:3]}****{digits[-4:]}" in html
        assert volunteer.identity.id_number not in html


def test_roster_query_count_does_not_grow(admin_client, vw):
    activity = org_activity(vw, shifts=[shift_data(capacity=50)])
    shift = activity.shifts.get()
    services.signup_create(actor=vw.volunteer().user, shift=shift)
    url = f"{base(vw.org)}shifts/{shift.pk}/"
    admin_client.get(url)
    one = _queries(admin_client, url)
    for _ in range(6):
        services.signup_create(actor=vw.volunteer().user, shift=shift)
    assert _queries(admin_client, url) == one


def test_printable_qr_code(admin_client, vw):
    activity = org_activity(vw)
    shift = activity.shifts.get()
    html = page(admin_client.get(f"{base(vw.org)}shifts/{shift.pk}/qr/"), "<svg", 'aria-label="签到二维码"')
    assert "<?xml" not in html
    href = unescape(re.search(r'href="(http[^"]+/volunteers/checkin/\?t=[^"]+)"', html).group(1))
    token = href.split("?t=", 1)[1]
    from urllib.parse import unquote

    assert checkin.read_token(unquote(token)).shift_id == shift.pk
    services.shift_cancel(actor=vw.org_admin, shift=shift, reason="取消")
    assert admin_client.get(f"{base(vw.org)}shifts/{shift.pk}/qr/").status_code == 404


def test_check_in_out_and_hours(admin_client, vw, time_machine):
    start = (timezone.now() + datetime.timedelta(days=3)).replace(second=0, microsecond=0)
    activity = org_activity(vw, shifts=[shift_data(hours=3, start=start)])
    shift = activity.shifts.get()
    a, b, c = vw.volunteer(), vw.volunteer(), vw.volunteer()
    signups = [services.signup_create(actor=v.user, shift=shift) for v in (a, b, c)]
    page_url = f"{base(vw.org)}shifts/{shift.pk}/"
    time_machine.move_to(shift.starts_at + datetime.timedelta(minutes=5), tick=False)
    admin_client.force_login(vw.org_admin)  # sessions last 12 hours
    # A time in the future is refused: nothing changes.
    future = local(timezone.now() + H)
    response = admin_client.post(f"{base(vw.org)}signups/{signups[0].pk}/check-in/", {"at": future})
    follow(admin_client, response, "签到、签退时间不能晚于现在。")
    signups[0].refresh_from_db()
    assert signups[0].status == "confirmed"
    for signup in signups:
        response = admin_client.post(f"{base(vw.org)}signups/{signup.pk}/check-in/", {"at": ""})
        assert response.status_code == 302
    assert set(Signup.objects.values_list("status", flat=True)) == {"checked_in"}
    time_machine.move_to(shift.starts_at + 2 * H, tick=False)
    admin_client.force_login(vw.org_admin)
    at = local(shift.starts_at + 2 * H - datetime.timedelta(minutes=5))
    response = admin_client.post(f"{base(vw.org)}signups/{signups[0].pk}/check-out/", {"at": at})
    follow(admin_client, response, "已签退,服务时长 110 分钟,待确认")
    for signup in signups[1:]:
        admin_client.post(f"{base(vw.org)}signups/{signup.pk}/check-out/", {"at": ""})
    records = {r.signup_id: r for r in ServiceRecord.objects.all()}
    assert records[signups[0].pk].minutes == 110 and records[signups[0].pk].status == "pending"
    page(admin_client.get(page_url), "全部确认", "不予认可", "待确认")
    # Confirm one.
    first = records[signups[0].pk]
    follow(admin_client, admin_client.post(f"{base(vw.org)}records/{first.pk}/confirm/"), "已确认")
    first.refresh_from_db()
    assert (first.status, first.confirmed_by) == ("confirmed", vw.org_admin)
    # Reject one: the reason is required.
    second = records[signups[1].pk]
    reject = f"{base(vw.org)}records/{second.pk}/reject/"
    page(admin_client.post(reject, {"reason": ""}), "请填写原因。")
    second.refresh_from_db()
    assert second.status == "pending"
    follow(admin_client, admin_client.post(reject, {"reason": "未实际参与服务"}), "已不予认可")
    second.refresh_from_db()
    assert second.status == "rejected"
    # Confirm the rest at once.
    response = admin_client.post(f"{base(vw.org)}shifts/{shift.pk}/confirm-all/")
    follow(admin_client, response, "已确认 1 条服务时长")
    assert ServiceRecord.objects.get(signup=signups[2]).status == "confirmed"
    # Correct the first: bad input changes nothing, then a new record points at it.
    correct = f"{base(vw.org)}records/{first.pk}/correct/"
    page(admin_client.get(correct), "更正服务时长", "原记录 110 分钟")
    page(admin_client.post(correct, {"minutes": "9999", "reason": "x"}), "服务时长不能超过班次时长加")
    page(admin_client.post(correct, {"minutes": "-5", "reason": "x"}), "服务时长不能为负数。")
    page(admin_client.post(correct, {"minutes": "100", "reason": ""}), "请填写更正原因。")
    assert ServiceRecord.objects.count() == 3
    html = follow(
        admin_client, admin_client.post(correct, {"minutes": "120", "reason": "签退晚录"}), "已更正"
    )
    first.refresh_from_db()
    new = ServiceRecord.objects.get(corrects=first)
    assert (first.status, first.minutes) == ("superseded", 110)
    assert (new.status, new.minutes, new.reason) == ("confirmed", 120, "签退晚录")
    assert f"更正 #{first.pk}:1:50 → 2:00,原因:签退晚录" in html
    assert "已更正" in html


# --- everyone else: 404, nothing changes ----------------------------------------------------
@pytest.fixture
def outsiders(vw):
    member = UserFactory()
    grant(member, Role.ORG_MEMBER, vw.org)
    other_org = OrganizationFactory(street=vw.world.street_a)
    other_admin = UserFactory()
    grant(other_admin, Role.ORG_ADMIN, other_org)
    return {
        "anonymous": None,
        "member": member,
        "other_admin": other_admin,
        "community_worker": vw.world.worker_a,
        "district_admin": vw.world.district_admin,
        "volunteer": vw.volunteer().user,
    }


@pytest.mark.parametrize(
    "who", ["anonymous", "member", "other_admin", "community_worker", "district_admin", "volunteer"]
)
def test_outsiders_get_404_and_change_nothing(client, vw, outsiders, who, time_machine):
    activity = org_activity(vw)
    draft = org_activity(vw, publish=False, title="草稿")
    shift = activity.shifts.get()
    volunteer = vw.volunteer()
    signup = services.signup_create(actor=volunteer.user, shift=shift)
    time_machine.move_to(shift.starts_at + H, tick=False)
    services.signup_check_in(actor=vw.org_admin, signup=signup)
    time_machine.move_to(shift.starts_at + 2 * H, tick=False)
    record = services.signup_check_out(actor=vw.org_admin, signup=signup)
    if outsiders[who] is not None:
        if who in ("community_worker", "district_admin"):
            enable_mfa(outsiders[who])  # staff pass two-factor authentication first
        client.force_login(outsiders[who], backend="django.contrib.auth.backends.ModelBackend")
    b = base(vw.org)
    for url in (
        b,
        f"{b}new/",
        f"{b}a/{activity.pk}/",
        f"{b}a/{activity.pk}/edit/",
        f"{b}a/{activity.pk}/cancel/",
        f"{b}shifts/{shift.pk}/",
        f"{b}shifts/{shift.pk}/qr/",
        f"{b}shifts/{shift.pk}/cancel/",
        f"{b}records/{record.pk}/reject/",
        f"{b}records/{record.pk}/correct/",
    ):
        assert client.get(url).status_code == 404, url
    for url, data in (
        (f"{b}new/", form_data(vw)),
        (f"{b}a/{draft.pk}/publish/", {}),
        (f"{b}a/{activity.pk}/cancel/", {"reason": "x"}),
        (f"{b}a/{activity.pk}/message/", {"message-title": "t", "message-body": "b"}),
        (f"{b}shifts/{shift.pk}/confirm-all/", {}),
        (f"{b}signups/{signup.pk}/check-in/", {}),
        (f"{b}records/{record.pk}/confirm/", {}),
        (f"{b}records/{record.pk}/reject/", {"reason": "x"}),
        (f"{b}records/{record.pk}/correct/", {"minutes": "10", "reason": "x"}),
    ):
        assert client.post(url, data).status_code == 404, url
    assert Activity.objects.count() == 2
    draft.refresh_from_db()
    activity.refresh_from_db()
    record.refresh_from_db()
    assert (draft.status, activity.status, record.status) == ("draft", "published", "pending")
    assert ServiceRecord.objects.count() == 1
    assert not Notification.objects.filter(title__contains="【").exists()


def test_another_organisation_objects_are_not_found(admin_client, vw):
    other_org = OrganizationFactory(street=vw.world.street_a)
    other_admin = UserFactory()
    grant(other_admin, Role.ORG_ADMIN, other_org)
    theirs = services.activity_create(
        actor=other_admin,
        data=activity_data(community=vw.world.community_a),
        shifts=[shift_data()],
        organization=other_org,
    )
    community_own = vw.activity()
    b = base(vw.org)
    for activity in (theirs, community_own):
        assert admin_client.get(f"{b}a/{activity.pk}/").status_code == 404
        assert admin_client.get(f"{b}shifts/{activity.shifts.get().pk}/").status_code == 404
        assert admin_client.post(f"{b}a/{activity.pk}/publish/").status_code == 404
    assert admin_client.get(f"{base(other_org)}").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "draft"


@pytest.mark.parametrize("status", ["pending", "rejected", "suspended"])
def test_an_organisation_not_verified_has_no_pages(client, vw, status):
    org_activity(vw)
    vw.org.status = status
    vw.org.save(update_fields=["status"])
    client.force_login(vw.org_admin)
    assert client.get(base(vw.org)).status_code == 404
    assert client.get(f"{base(vw.org)}new/").status_code == 404
    assert client.post(f"{base(vw.org)}new/", form_data(vw)).status_code == 404
    assert Activity.objects.count() == 1
