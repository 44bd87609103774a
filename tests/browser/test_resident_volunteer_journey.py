"""Journey 1, on a phone: a resident opens the portal for the first time, registers with a
phone code, registers as a volunteer and signs up for a shift of a community activity."""

import re

import pytest
from playwright.sync_api import expect

from marketplace.accounts.models import User
from marketplace.volunteers.models import Signup, Volunteer
from tests.factories import CommunityFactory, GridFactory, StreetFactory
from tests.factories.volunteers import ActivityFactory, ShiftFactory, make_resident_id

from .steps import PASSWORD, sms_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = "13912345678"


@pytest.fixture
def activity():
    street = StreetFactory(name="城关街道")
    community = CommunityFactory(street=street, name="幸福里社区")
    GridFactory(community=community, name="幸福里社区第1网格")
    GridFactory(community=community, name="幸福里社区第2网格")
    activity = ActivityFactory(community=community, title="幸福里社区楼道清洁志愿行动")
    ShiftFactory(activity=activity, capacity=5)
    return activity


def test_a_resident_registers_becomes_a_volunteer_and_signs_up(page, screenshot, activity):
    resident = page("phone")
    resident.goto("/")
    resident.get_by_role("link", name="注册账户").click()

    # Sign up with a phone number; the portal texts a code to prove it.
    resident.get_by_label("手机号", exact=True).fill(PHONE)
    resident.get_by_label("密码", exact=True).fill(PASSWORD)
    resident.locator("main").get_by_role("button", name="注册").click()
    expect(resident.get_by_role("heading", name="输入手机验证码")).to_be_visible()
    resident.get_by_label("验证码").fill(sms_code("+86" + PHONE))
    resident.get_by_role("button", name="确认").click()
    expect(resident.get_by_text(f"手机号 {PHONE[:3]}****{PHONE[-4:]} 已验证")).to_be_visible()

    # From "my portal": register as a volunteer with the real name and the ID number.
    resident.get_by_role("link", name="注册志愿者").click()
    resident.get_by_label("真实姓名", exact=True).fill("王志愿")
    resident.get_by_label("身份证号码", exact=True).fill(make_resident_id(7))
    resident.get_by_label(re.compile("我已阅读并同意")).check()
    resident.get_by_label("政治面貌", exact=True).select_option(label="群众")
    resident.get_by_label("居住社区", exact=True).select_option(label="幸福里社区")
    resident.get_by_label("所在网格", exact=True).select_option(label="幸福里社区第2网格")
    resident.get_by_role("button", name="提交注册").click()
    expect(resident.get_by_text("志愿者注册成功")).to_be_visible()

    # Find the activity and take a place on its shift.
    resident.get_by_role("link", name="浏览志愿活动").click()
    resident.get_by_role("link", name="幸福里社区楼道清洁志愿行动").click()
    shift_row = resident.get_by_role("row").filter(has=resident.get_by_role("button", name="报名"))
    shift_row.get_by_role("button", name="报名").click()
    expect(resident.get_by_text("报名成功")).to_be_visible()
    expect(resident.get_by_role("row").filter(has_text="已报名")).to_have_count(1)
    expect(resident.get_by_role("button", name="取消报名")).to_be_visible()
    screenshot(resident, "resident-volunteer")

    user = User.objects.get(phone="+86" + PHONE)
    assert user.phone_verified
    volunteer = Volunteer.objects.get(user=user)
    assert volunteer.grid.name == "幸福里社区第2网格" and volunteer.community == activity.community
    assert volunteer.identity.real_name == "王志愿"
    signup = Signup.objects.get(volunteer=volunteer)
    assert signup.shift == activity.shifts.get() and signup.status == "confirmed"
