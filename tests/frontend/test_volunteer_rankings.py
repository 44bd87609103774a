"""Rankings per community and per grid show family names only (张**), confirmed hours and star
levels, with a query count that does not grow with volunteers and records; and no volunteer page
shows a whole ID number or phone number to anyone."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from marketplace.volunteers import selectors, services
from tests.factories import GridFactory, UserFactory, enable_mfa
from tests.factories.volunteers import RealNameIdentityFactory, ServiceRecordFactory
from tests.frontend.pagecheck import csp_problems
from tests.marketplace.volunteers import conftest as volunteers_conftest
from tests.marketplace.volunteers.conftest import shift_data

vw = volunteers_conftest.vw

URL = "/volunteers/rankings/"


def page(response, *texts):
    assert response.status_code == 200, response.content.decode()[:500]
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert csp_problems(response) == []
    for text in texts:
        assert text in html, f"{text!r} not on the page"
    return html


def served(vw, name, minutes, *, grid=None, status="confirmed"):
    volunteer = vw.volunteer(grid=grid, identity__real_name=name)
    ServiceRecordFactory(signup__volunteer=volunteer, minutes=minutes, status=status)
    return volunteer


def test_community_ranking_with_family_names_only(client, vw):
    world = vw.world
    other_grid = GridFactory(community=world.community_a, name="甲一社区第2网格")
    served(vw, "张三丰", 120 * 60)
    served(vw, "李四光", 301 * 60, grid=other_grid)
    served(vw, "王五", 30, status="pending")
    served(vw, "赵六", 999 * 60, grid=world.grid_b)
    html = page(
        client.get(URL, {"community": world.community_a.pk}),
        "甲一社区 志愿者排行",
        "李**",
        "张**",
        "301小时",
        "120小时",
        "二星志愿者",
        "一星志愿者",
        "网格排行",
        "甲一社区第2网格",
    )
    for whole in ("张三丰", "李四光", "王五", "王*", "赵**"):
        assert whole not in html
    assert html.index("李**") < html.index("张**")


def test_grid_ranking(client, vw):
    world = vw.world
    other_grid = GridFactory(community=world.community_a, name="甲一社区第2网格")
    served(vw, "张三丰", 120 * 60)
    served(vw, "李四光", 301 * 60, grid=other_grid)
    html = page(client.get(URL, {"grid": world.grid_a.pk}), "甲一社区 · 甲一社区第1网格 志愿者排行", "张**")
    assert "李**" not in html


def test_choose_or_see_my_community(client, vw):
    page(client.get(URL), "请选择社区或网格查看排行")
    page(client.get(URL, {"community": "nonsense"}), "请选择社区或网格查看排行")
    volunteer = served(vw, "张三丰", 60)
    client.force_login(volunteer.user)
    page(client.get(URL), "甲一社区 志愿者排行", "张**", "1小时")


# Counts what rendering reads, not a page cache hit.
@override_settings(PAGE_CACHE_ENABLED=False)
def _count(client, params):
    client.get(URL, params)  # the first request of all creates the site's settings row
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, params).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("by", ["community", "grid"])
def test_query_count_does_not_grow(client, vw, by):
    world = vw.world
    params = {"community": world.community_a.pk} if by == "community" else {"grid": world.grid_a.pk}
    served(vw, "张一", 60)
    one = _count(client, params)
    for i in range(12):
        volunteer = served(vw, f"李{i}", 60 * (i + 2))
        ServiceRecordFactory(signup__volunteer=volunteer, minutes=30)
    assert _count(client, params) == one
    assert page(client.get(URL, params)).count("李*") == 12


# --- no whole ID number or phone on any volunteer page -----------------------------------------
ID_NUMBER = "110105199003078019"
PHONE = "+8613512345678"
RAW_FORMS = ["13512345678", "135 1234 5678", "135-1234-5678", ID_NUMBER, "19900307801"]


@pytest.fixture
def person(vw, time_machine):
    user = UserFactory(phone=PHONE, display_name="王小明")
    identity = RealNameIdentityFactory(
        user=user, district=vw.world.district, real_name="王小明", id_number=ID_NUMBER
    )
    volunteer = vw.volunteer(
        user=user,
        identity=identity,
        political_status="party_member",
        in_service=True,
        workplace="市第一医院",
        workplace_party_branch="市第一医院党支部",
    )
    activity = vw.activity(title="敬老服务", shifts=[shift_data(capacity=1)])
    shift = activity.shifts.get()
    services.signup_create(actor=user, shift=shift)
    services.party_report_submit(actor=user, volunteer=volunteer)
    ServiceRecordFactory(signup__volunteer=volunteer, minutes=600)
    return volunteer, activity, selectors.shift_checkin_token(viewer=vw.world.worker_a, shift=shift)


def _pages(volunteer, activity, token):
    return [
        "/volunteers/activities/",
        f"/volunteers/activities/{activity.pk}/",
        f"/volunteers/rankings/?community={volunteer.community_id}",
        f"/volunteers/rankings/?grid={volunteer.grid_id}",
        "/volunteers/register/",
        "/volunteers/me/",
        f"/volunteers/checkin/?t={token}",
        "/me/",
    ]


@pytest.mark.parametrize("viewer", ["owner", "other_volunteer", "worker_a", "resident", "anonymous"])
def test_no_page_shows_the_whole_numbers(client, vw, person, viewer):
    volunteer, activity, token = person
    user = {
        "owner": volunteer.user,
        "other_volunteer": vw.volunteer().user if viewer == "other_volunteer" else None,
        "worker_a": vw.world.worker_a,
        "resident": vw.world.resident,
        "anonymous": None,
    }[viewer]
    if user is not None:
        enable_mfa(user)  # staff are sent to enrol otherwise
        client.force_login(user)
    seen = 0
    for url in _pages(volunteer, activity, token):
        response = client.get(url)
        if response.status_code != 200:
            continue
        seen += 1
        body = response.content.decode()
        for raw in RAW_FORMS:
            assert raw not in body, f"{raw} unmasked on {url} for {viewer}"
        assert "王小明" not in body or viewer == "owner", f"whole name on {url} for {viewer}"
    assert seen >= 4
    if viewer == "owner":
        assert seen == len(_pages(volunteer, activity, token))
    if viewer == "owner":
        body = client.get("/volunteers/me/").content.decode()
        assert "110***********8019" in body
