"""The volunteer registration page: a verified phone first, real name and ID number with a
separate consent when there is no real-name record yet, the profile, Chinese errors that change
nothing, and only the masked ID number afterwards."""

import pytest

from marketplace.accounts import services as account_services
from marketplace.accounts.models import RealNameIdentity
from marketplace.volunteers.models import Volunteer
from tests.factories import UserFactory
from tests.factories.volunteers import SkillFactory
from tests.frontend.pagecheck import csp_problems
from tests.marketplace.volunteers import conftest as volunteers_conftest

vw = volunteers_conftest.vw

URL = "/volunteers/register/"
GOOD_ID = "110105199003078019"
PHONE = "+8613512345678"


def page(response, *texts):
    assert response.status_code == 200, response.content.decode()[:500]
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert csp_problems(response) == []
    for text in texts:
        assert text in html, f"{text!r} not on the page"
    return html


@pytest.fixture
def person(db):
    return UserFactory(display_name="王小明", phone=PHONE)


def form_data(vw, **overrides):
    data = {
        "real_name": "王小明",
        "id_number": GOOD_ID,
        "consent": "on",
        "political_status": "masses",
        "community": vw.world.community_a.pk,
        "grid": vw.world.grid_a.pk,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_sign_in_required(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unverified_phone_gets_a_message_and_a_link(client, vw):
    user = UserFactory(phone_verified=False)
    client.force_login(user)
    html = page(client.get(URL), "请先验证手机号", "/accounts/phone/change/")
    assert 'name="id_number"' not in html
    # A hand-made POST changes nothing either.
    client.post(URL, form_data(vw))
    assert not Volunteer.objects.filter(user=user).exists()
    assert not RealNameIdentity.objects.filter(user=user).exists()


def test_register_with_identity_and_party_profile(client, vw, person):
    SkillFactory(slug="medical", name="医疗护理")
    client.force_login(person)
    html = page(
        client.get(URL), "志愿者注册", "真实姓名", "身份证号码", "《个人信息处理说明》", "甲一社区第1网格"
    )
    assert 'name="consent"' in html
    response = client.post(
        URL,
        form_data(
            vw,
            political_status="party_member",
            party_organization=vw.party_org.pk,
            in_service="on",
            workplace="市第一医院",
            workplace_party_branch="市第一医院第三党支部",
            skills=["medical"],
            availability=["weekend", "weekday_evening"],
            availability_note="周末上午",
            resident_roles=["building_leader"],
        ),
    )
    assert response.status_code == 302 and response["Location"] == URL
    volunteer = Volunteer.objects.get(user=person)
    assert volunteer.identity.real_name == "王小明"
    assert volunteer.identity.id_number_masked == "110***********8019"
    assert (volunteer.community, volunteer.grid) == (vw.world.community_a, vw.world.grid_a)
    assert volunteer.political_status == "party_member" and volunteer.party_organization == vw.party_org
    assert volunteer.in_service and volunteer.workplace_party_branch == "市第一医院第三党支部"
    assert [s.slug for s in volunteer.skills.all()] == ["medical"]
    assert volunteer.availability == ["weekday_evening", "weekend"]
    assert volunteer.resident_roles == ["building_leader"]
    html = page(client.get(URL), "您已注册为志愿者", "110***********8019", "医疗护理", "志愿者注册成功")
    assert GOOD_ID not in html and "13512345678" not in html
    assert 'name="id_number"' not in html


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"consent": None}, "请阅读并同意《个人信息处理说明》"),
        ({"id_number": "110105199003078010"}, "身份证"),
        ({"real_name": ""}, "请填写真实姓名"),
        ({"grid": "__other__"}, "所选网格不属于所选社区"),
        ({"political_status": "party_member"}, "党员请选择所在党组织"),
        ({"in_service": "on"}, "只有党员可以登记为在职党员"),
        ({"political_status": ""}, "请选择政治面貌"),
    ],
)
def test_bad_input_gets_a_chinese_message_and_saves_nothing(client, vw, person, overrides, message):
    if overrides.get("grid") == "__other__":
        overrides["grid"] = vw.world.grid_b.pk
    client.force_login(person)
    html = page(client.post(URL, form_data(vw, **overrides)), message)
    assert 'name="id_number"' in html  # the form again, with the error
    assert not Volunteer.objects.filter(user=person).exists()
    # The identity is recorded in the same transaction as the profile: nothing of it remains.
    assert not RealNameIdentity.objects.filter(user=person).exists()


def test_a_duplicate_id_number_is_refused(client, vw, person):
    other = UserFactory()
    account_services.identity_register(
        user=other, district=vw.world.district, real_name="王小明", id_number=GOOD_ID, consent=True
    )
    client.force_login(person)
    page(client.post(URL, form_data(vw)), "该身份证号已被其他账户登记")
    assert not Volunteer.objects.exists()


def test_an_existing_real_name_record_is_used_without_asking_again(client, vw, person):
    account_services.identity_register(
        user=person, district=vw.world.district, real_name="王小明", id_number=GOOD_ID, consent=True
    )
    client.force_login(person)
    html = page(client.get(URL), "将使用您已登记的实名信息", "110***********8019")
    assert 'name="id_number"' not in html and 'name="consent"' not in html and GOOD_ID not in html
    response = client.post(URL, form_data(vw, real_name=None, id_number=None, consent=None))
    assert response.status_code == 302
    volunteer = Volunteer.objects.get(user=person)
    assert volunteer.identity == RealNameIdentity.objects.get(user=person)


def test_portal_links_to_registration_then_to_my_volunteering(client, vw, person):
    client.force_login(person)
    html = page(client.get("/me/"), "您还没有注册为志愿者", URL)
    client.post(URL, form_data(vw))
    html = page(client.get("/me/"), "/volunteers/me/", "未评星", "累计服务约 0 小时")
    assert GOOD_ID not in html
