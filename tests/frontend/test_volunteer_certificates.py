"""Certificate pages: the public check page (masked data, or 未找到该证明 with a 404), the
lookup by number, a volunteer's own certificates with the issue form, and the PDF for the owner
only."""

import datetime

import pytest
from django.utils import timezone

from marketplace.volunteers import services
from marketplace.volunteers.models import Certificate
from tests.factories import ServiceRecordFactory
from tests.factories.volunteers import VolunteerFactory
from tests.frontend.pagecheck import csp_problems

ID_NUMBER = "110105199003078019"


@pytest.fixture
def volunteer(world):
    volunteer = VolunteerFactory(
        grid=world.grid_a, identity__real_name="张三丰", identity__id_number=ID_NUMBER
    )
    starts = timezone.now() - datetime.timedelta(days=10)
    ServiceRecordFactory(
        signup__volunteer=volunteer,
        signup__shift__starts_at=starts,
        served_on=timezone.localdate(starts),
        minutes=150,
    )
    return volunteer


@pytest.fixture
def cert(volunteer):
    today = timezone.localdate()
    return services.certificate_issue(
        actor=volunteer.user,
        volunteer=volunteer,
        period_start=today - datetime.timedelta(days=60),
        period_end=today,
    )


def test_the_check_page_shows_masked_data_only(client, cert, volunteer):
    response = client.get(f"/certificates/{cert.number}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert cert.number in body
    assert "证明真实有效" in body
    assert "张**" in body
    assert "110***********8019" in body
    assert "2.5 小时" in body
    assert "甲街道甲一社区" in body
    assert f"{cert.period_start:%Y-%m-%d} — {cert.period_end:%Y-%m-%d}" in body
    assert "张三丰" not in body
    assert ID_NUMBER not in body
    assert response["X-Robots-Tag"] == "noindex"
    assert not csp_problems(response)


def test_an_unknown_number_is_a_404_page(client, cert):
    response = client.get("/certificates/TH-2026-999999/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "未找到该证明" in body
    assert "TH-2026-999999" in body
    assert "张" not in body.split("未找到该证明", 1)[1].split("重新查询", 1)[0]
    markup = client.get("/certificates/%3Cscript%3E/")
    assert markup.status_code == 404
    assert "<script>" not in markup.content.decode().split("未找到该证明", 2)[2]


def test_the_lookup_form_takes_people_to_the_check_page(client, cert):
    assert client.get("/certificates/").status_code == 200
    year, serial = cert.year, cert.serial
    response = client.get("/certificates/", {"number": f" th-{year}-{serial} "})
    assert response.status_code == 302
    assert response["Location"] == f"/certificates/{cert.number}/"
    # A loosely typed number in the address is sent to the canonical one.
    loose = client.get(f"/certificates/th-{year}-{serial}/")
    assert (loose.status_code, loose["Location"]) == (302, f"/certificates/{cert.number}/")
    bad = client.get("/certificates/", {"number": "12345"})
    assert bad.status_code == 200
    assert "证明编号格式不正确" in bad.content.decode()


def test_the_owner_downloads_the_pdf(client, cert, volunteer, world):
    url = f"/certificates/{cert.number}/download/"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    # Staff are refused too (by the selector, tested with the service); here, other residents.
    for other in (world.resident, VolunteerFactory(grid=world.grid_a).user):
        client.force_login(other)
        assert client.get(url).status_code == 404
    client.force_login(volunteer.user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="certificate-{cert.number}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF-")
    assert b"STSong-Light" in response.content
    assert ID_NUMBER.encode() not in response.content


def test_a_volunteer_issues_a_certificate_from_their_page(client, volunteer):
    client.force_login(volunteer.user)
    page = client.get("/certificates/mine/")
    assert page.status_code == 200
    assert "2.5 小时" in page.content.decode()
    assert not csp_problems(page)
    today = timezone.localdate()
    response = client.post(
        "/certificates/mine/",
        {"period_start": (today - datetime.timedelta(days=30)).isoformat(), "period_end": today.isoformat()},
        follow=True,
    )
    cert = Certificate.objects.get()
    assert (cert.volunteer, cert.minutes) == (volunteer, 150)
    body = response.content.decode()
    assert f"证明 {cert.number} 已出具" in body
    assert f"/certificates/{cert.number}/download/" in body


def test_the_issue_form_shows_the_services_refusal(client, volunteer):
    client.force_login(volunteer.user)
    response = client.post("/certificates/mine/", {"period_start": "2021-01-01", "period_end": "2021-12-31"})
    assert response.status_code == 200
    assert "该期间内没有已确认的服务时长,无法出具证明。" in response.content.decode()
    response = client.post("/certificates/mine/", {"period_start": "2026-02-01", "period_end": "2026-01-01"})
    assert "服务期间的开始日期不能晚于结束日期。" in response.content.decode()
    assert not Certificate.objects.exists()


def test_someone_not_registered_is_told(client, world):
    client.force_login(world.resident)
    response = client.get("/certificates/mine/")
    assert response.status_code == 200
    assert "您尚未注册为志愿者" in response.content.decode()
    client.post("/certificates/mine/", {"period_start": "2021-01-01", "period_end": "2021-12-31"})
    assert not Certificate.objects.exists()
