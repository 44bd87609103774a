"""The page a shift's QR code opens: sign-in first (and back), 签到 and 签退 through the services,
and clear Chinese refusals for forged, tampered, expired and early codes that change nothing."""

import datetime
from urllib.parse import parse_qs, urlparse

import pytest

from marketplace.volunteers import selectors, services
from marketplace.volunteers.models import ServiceRecord, Signup
from tests.frontend.pagecheck import csp_problems
from tests.marketplace.volunteers import conftest as volunteers_conftest
from tests.marketplace.volunteers.conftest import shift_data

vw = volunteers_conftest.vw

URL = "/volunteers/checkin/"
M = datetime.timedelta(minutes=1)


def page(response, *texts, status=200):
    assert response.status_code == status, response.content.decode()[:500]
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert csp_problems(response) == []
    for text in texts:
        assert text in html, f"{text!r} not on the page"
    return html


@pytest.fixture
def scene(vw):
    volunteer = vw.volunteer()
    activity = vw.activity(title="垃圾分类督导", shifts=[shift_data(hours=3, capacity=5)])
    shift = activity.shifts.get()
    signup = services.signup_create(actor=volunteer.user, shift=shift)
    token = selectors.shift_checkin_token(viewer=vw.world.worker_a, shift=shift)
    return volunteer, shift, signup, token


def test_sign_in_first_then_back_to_the_code(client, scene, time_machine):
    volunteer, shift, _signup, token = scene
    time_machine.move_to(shift.starts_at, tick=False)
    response = client.get(URL, {"t": token})
    assert response.status_code == 302
    location = urlparse(response["Location"])
    assert location.path == "/accounts/login/"
    back = parse_qs(location.query)["next"][0]
    assert back.startswith(f"{URL}?t=")
    client.force_login(volunteer.user)
    page(client.get(back), "垃圾分类督导", 'name="action"')


def test_check_in_and_out(client, scene, time_machine):
    volunteer, shift, signup, token = scene
    time_machine.move_to(shift.starts_at + 5 * M, tick=False)
    client.force_login(volunteer.user)
    html = page(client.get(URL, {"t": token}), "垃圾分类督导", "签到", "签退", "已报名")
    assert "alert-warning" not in html

    response = client.post(URL, {"t": token, "action": "in"})
    assert response.status_code == 302
    page(client.get(response["Location"]), "签到成功", "已签到")
    signup.refresh_from_db()
    assert signup.status == "checked_in" and signup.checked_in_at == shift.starts_at + 5 * M

    time_machine.move_to(shift.starts_at + 125 * M, tick=False)
    client.force_login(volunteer.user)
    response = client.post(URL, {"t": token, "action": "out"})
    page(client.get(response["Location"]), "签退成功,本次服务时长 2小时", "已签退")
    record = ServiceRecord.objects.get(signup=signup)
    assert (record.minutes, record.status) == (120, "pending")

    # Twice is refused with the service's message, and nothing more is written.
    page(client.post(URL, {"t": token, "action": "out"}), "您已签退过了。")
    assert ServiceRecord.objects.count() == 1


@pytest.mark.parametrize("forge", ["garbage", "tamper"])
def test_forged_or_tampered_codes(client, scene, time_machine, forge):
    volunteer, shift, signup, token = scene
    time_machine.move_to(shift.starts_at, tick=False)
    client.force_login(volunteer.user)
    bad = "garbage" if forge == "garbage" else token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    html = page(client.get(URL, {"t": bad}), "二维码无效", status=400)
    assert 'name="action"' not in html
    html = page(client.post(URL, {"t": bad, "action": "in"}), "二维码无效", status=400)
    signup.refresh_from_db()
    assert signup.status == "confirmed"


def test_expired_and_early_codes(client, scene, time_machine):
    volunteer, shift, signup, token = scene
    time_machine.move_to(shift.starts_at - 31 * M, tick=False)
    client.force_login(volunteer.user)
    page(client.get(URL, {"t": token}), "签到尚未开始")
    page(client.post(URL, {"t": token, "action": "in"}), "签到尚未开始")
    time_machine.move_to(shift.ends_at + 3 * 60 * M, tick=False)
    client.force_login(volunteer.user)
    page(client.get(URL, {"t": token}), "二维码已过期")
    page(client.post(URL, {"t": token, "action": "in"}), "二维码已过期")
    signup.refresh_from_db()
    assert signup.status == "confirmed" and signup.checked_in_at is None


def test_someone_not_signed_up(client, vw, scene, time_machine):
    _volunteer, shift, _signup, token = scene
    other = vw.volunteer()
    time_machine.move_to(shift.starts_at, tick=False)
    client.force_login(other.user)
    page(client.get(URL, {"t": token}), "您没有报名该班次")
    page(client.post(URL, {"t": token, "action": "in"}), "您没有报名该班次。")
    assert not Signup.objects.filter(volunteer=other).exists()


def test_a_resident_is_asked_to_register(client, vw, scene, time_machine):
    _volunteer, shift, _signup, token = scene
    time_machine.move_to(shift.starts_at, tick=False)
    client.force_login(vw.world.resident)
    html = page(client.get(URL, {"t": token}), "请先注册为志愿者", "/volunteers/register/")
    assert 'name="action"' not in html


def test_no_code(client, vw):
    client.force_login(vw.volunteer().user)
    html = page(client.get(URL), "请使用手机扫描")
    assert "二维码无效" not in html
