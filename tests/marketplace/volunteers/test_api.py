"""The volunteers API: public activities, signing up and cancelling, QR check-in and check-out,
my totals, and certificates (mine, issue, public check)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from marketplace.volunteers import checkin, services
from marketplace.volunteers.models import Certificate, Signup
from tests.factories import ServiceRecordFactory

from .conftest import shift_data


def past_record(volunteer, *, minutes: int, days_ago: int = 30, status: str = "confirmed"):
    """Hours served on a shift that is over."""
    starts = timezone.now() - datetime.timedelta(days=days_ago)
    return ServiceRecordFactory(
        signup__volunteer=volunteer,
        signup__shift__starts_at=starts,
        served_on=timezone.localdate(starts),
        minutes=minutes,
        status=status,
    )


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def activity(vw):
    return vw.activity(title="楼道清洁志愿服务", shifts=[shift_data(days=3, capacity=1), shift_data(days=5)])


# --- activities (public) ----------------------------------------------------------------------
def test_activity_list_is_public_with_places(vw, activity):
    vw.activity(title="草稿活动", publish=False)
    volunteer = vw.volunteer()
    services.signup_create(actor=volunteer.user, shift=activity.shifts.first())

    body = client_for().get("/api/v1/activities/").json()

    assert [row["title"] for row in body["results"]] == ["楼道清洁志愿服务"]
    row = body["results"][0]
    assert (row["community"], row["community_name"]) == (vw.world.community_a.pk, "甲一社区")
    assert (row["total_capacity"], row["places_taken"], row["status"]) == (11, 1, "published")
    assert [(s["capacity"], s["taken"], s["waiting"]) for s in row["shifts"]] == [(1, 1, 0), (10, 0, 0)]
    assert "contact_phone" not in row


def test_activity_list_filters(vw, activity):
    party = vw.activity(
        title="党员先锋岗", party_only=True, community=vw.world.community_b, actor=vw.world.worker_b
    )
    client = client_for()

    def titles(**query):
        return [row["title"] for row in client.get("/api/v1/activities/", query).json()["results"]]

    assert titles(party_only="true") == [party.title]
    assert titles(party_only="false") == [activity.title]
    assert titles(community=vw.world.community_b.pk) == [party.title]
    assert titles(street=vw.world.street_a.pk) == [activity.title]
    in_four_days = (timezone.localdate() + datetime.timedelta(days=4)).isoformat()
    assert titles(date_from=in_four_days) == [activity.title]  # its second shift
    assert titles(date_to=in_four_days) == [activity.title, party.title]
    assert titles(skill="legal") == []
    assert titles(upcoming="true") == [activity.title, party.title]


@pytest.mark.parametrize(
    "query",
    [{"street": "abc"}, {"date_from": "2026-13-01"}, {"date_from": "0001-01-01"}, {"date_to": "9999-12-31"}],
)
def test_bad_filters_are_a_400(vw, query):
    response = client_for().get("/api/v1/activities/", query)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_activity_list_queries_do_not_grow(vw):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client_for().get("/api/v1/activities/").status_code == 200
        return len(ctx.captured_queries)

    vw.activity()
    one = count()
    for _ in range(4):
        vw.activity(shifts=[shift_data(days=3), shift_data(days=4), shift_data(days=6)])
    assert count() == one


def test_activity_detail(vw, activity):
    body = client_for().get(f"/api/v1/activities/{activity.pk}/").json()
    assert (body["title"], body["contact_name"], body["description"]) == (
        activity.title,
        "李社工",
        activity.description,
    )
    # The contact phone is masked for the public, whole for those signed up and the organisers.
    assert body["contact_phone"] == "139****1111"
    volunteer = vw.volunteer()
    services.signup_create(actor=volunteer.user, shift=activity.shifts.last())
    for insider in (volunteer.user, vw.world.worker_a):
        assert (
            client_for(insider).get(f"/api/v1/activities/{activity.pk}/").json()["contact_phone"]
            == "+8613900001111"
        )
    draft = vw.activity(publish=False)
    for raw in (draft.pk, 0, "abc", 2**70):
        assert client_for().get(f"/api/v1/activities/{raw}/").status_code == 404


# --- signing up -------------------------------------------------------------------------------
def test_sign_up_then_wait_then_move_up(vw, activity):
    shift = activity.shifts.first()
    first, second = vw.volunteer(), vw.volunteer()
    assert client_for().post(f"/api/v1/shifts/{shift.pk}/signup/").status_code == 401

    taken = client_for(first.user).post(f"/api/v1/shifts/{shift.pk}/signup/")
    waiting = client_for(second.user).post(f"/api/v1/shifts/{shift.pk}/signup/")

    assert taken.status_code == waiting.status_code == 201
    assert (taken.json()["status"], taken.json()["waiting_position"]) == ("confirmed", None)
    assert (waiting.json()["status"], waiting.json()["waiting_position"]) == ("waiting", 1)
    assert waiting.json()["activity_title"] == activity.title

    again = client_for(first.user).post(f"/api/v1/shifts/{shift.pk}/signup/")
    assert (again.status_code, again.json()["code"]) == (400, "duplicate")

    # Someone else's sign-up cannot be cancelled (not found); one's own can, and the next moves up.
    signup_id = taken.json()["id"]
    assert client_for(second.user).post(f"/api/v1/signups/{signup_id}/cancel/").status_code == 404
    cancelled = client_for(first.user).post(f"/api/v1/signups/{signup_id}/cancel/")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert Signup.objects.get(pk=waiting.json()["id"]).status == "confirmed"
    twice = client_for(first.user).post(f"/api/v1/signups/{signup_id}/cancel/")
    assert twice.status_code == 409


def test_sign_up_refusals(vw):
    party_shift = vw.activity(party_only=True).shifts.get()
    response = client_for(vw.volunteer().user).post(f"/api/v1/shifts/{party_shift.pk}/signup/")
    assert (response.status_code, response.json()["code"]) == (400, "party_only")
    assert "党员" in response.json()["detail"]
    # Not a volunteer yet.
    response = client_for(vw.world.resident).post(f"/api/v1/shifts/{party_shift.pk}/signup/")
    assert (response.status_code, response.json()["code"]) == (404, "not_a_volunteer")
    # A shift of an unpublished activity is not found.
    draft_shift = vw.activity(publish=False).shifts.get()
    assert client_for(vw.volunteer().user).post(f"/api/v1/shifts/{draft_shift.pk}/signup/").status_code == 404
    assert not Signup.objects.exists()


# --- check-in ---------------------------------------------------------------------------------
def test_check_in_and_out_with_the_qr_code(vw, activity, time_machine):
    shift = activity.shifts.first()
    volunteer = vw.volunteer()
    services.signup_create(actor=volunteer.user, shift=shift)
    token = checkin.make_token(shift)
    client = client_for(volunteer.user)

    early = client.post("/api/v1/checkin/", {"token": token, "action": "in"}, format="json")
    assert (early.status_code, early.json()["code"]) == (400, "too_early")

    time_machine.move_to(shift.starts_at, tick=False)
    checked_in = client.post("/api/v1/checkin/", {"token": token, "action": "in"}, format="json")
    assert checked_in.status_code == 200
    assert (checked_in.json()["signup"]["status"], checked_in.json()["record"]) == ("checked_in", None)

    time_machine.move_to(shift.starts_at + datetime.timedelta(minutes=150), tick=False)
    checked_out = client.post("/api/v1/checkin/", {"token": token, "action": "out"}, format="json")
    assert checked_out.status_code == 200
    body = checked_out.json()
    assert (body["action"], body["signup"]["status"]) == ("out", "checked_out")
    assert (body["record"]["minutes"], body["record"]["status"]) == (150, "pending")


def test_forged_token_and_bad_input(vw):
    client = client_for(vw.volunteer().user)
    forged = client.post("/api/v1/checkin/", {"token": "abc:def", "action": "in"}, format="json")
    assert (forged.status_code, forged.json()["code"]) == (400, "bad_token")
    bad = client.post("/api/v1/checkin/", {"token": "x", "action": "sideways"}, format="json")
    assert (bad.status_code, bad.json()["field"]) == (400, "action")
    assert (
        client_for().post("/api/v1/checkin/", {"token": "x", "action": "in"}, format="json").status_code
        == 401
    )


# --- my volunteering --------------------------------------------------------------------------
def test_my_volunteer(vw, activity):
    volunteer = vw.volunteer(identity__real_name="王小明")
    past_record(volunteer, minutes=6100)
    past_record(volunteer, minutes=500, status="pending")
    services.signup_create(actor=volunteer.user, shift=activity.shifts.last())

    body = client_for(volunteer.user).get("/api/v1/me/volunteer/").json()

    assert (body["name"], body["community_name"], body["status"]) == ("王小明", "甲一社区", "active")
    assert (body["total_minutes"], body["total_hours"], body["record_count"]) == (6100, 101.7, 1)
    assert (body["star_level"], body["star_label"], body["next_star_level"]) == (1, "一星志愿者", 2)
    assert body["minutes_to_next_star"] == 300 * 60 - 6100
    assert [s["shift"] for s in body["upcoming_signups"]] == [activity.shifts.last().pk]

    missing = client_for(vw.world.resident).get("/api/v1/me/volunteer/")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_a_volunteer")
    assert client_for().get("/api/v1/me/volunteer/").status_code == 401


# --- certificates -----------------------------------------------------------------------------
@pytest.fixture
def volunteer_with_hours(vw):
    volunteer = vw.volunteer(identity__real_name="李四")
    past_record(volunteer, minutes=90, days_ago=2)
    return volunteer


def test_issue_list_and_verify_a_certificate(volunteer_with_hours, vw):
    client = client_for(volunteer_with_hours.user)
    today = timezone.localdate()
    created = client.post(
        "/api/v1/certificates/",
        {"period_start": (today - datetime.timedelta(days=30)).isoformat(), "period_end": today.isoformat()},
        format="json",
    )
    assert created.status_code == 201
    body = created.json()
    number = body["number"]
    assert number == f"TH-{today.year}-000001"
    assert (body["minutes"], body["hours"], body["holder_name"]) == (90, 1.5, "李四")
    assert body["check_url"].endswith(f"/certificates/{number}/")
    assert body["pdf_url"] == f"/certificates/{number}/download/"

    mine = client.get("/api/v1/certificates/").json()
    assert [c["number"] for c in mine["results"]] == [number]
    assert client_for(vw.volunteer().user).get("/api/v1/certificates/").json()["results"] == []
    assert client_for().get("/api/v1/certificates/").status_code == 401

    public = client_for().get(f"/api/v1/certificates/{number}/verify/")
    assert public.status_code == 200
    assert public.json() == {
        "number": number,
        "masked_name": "李*",
        "id_number_masked": volunteer_with_hours.identity.id_number_masked,
        "minutes": 90,
        "hours": 1.5,
        "period_start": (today - datetime.timedelta(days=30)).isoformat(),
        "period_end": today.isoformat(),
        "issuer_name": "甲街道甲一社区",
        "issued_on": today.isoformat(),
    }
    assert "李四" not in public.content.decode()
    assert volunteer_with_hours.identity.id_number not in public.content.decode()
    unknown = client_for().get(f"/api/v1/certificates/TH-{today.year}-999999/verify/")
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "未找到该证明。")


def test_certificate_refusals(volunteer_with_hours, vw):
    client = client_for(volunteer_with_hours.user)
    today = timezone.localdate()
    empty = client.post(
        "/api/v1/certificates/",
        {"period_start": today.isoformat(), "period_end": (today - datetime.timedelta(days=1)).isoformat()},
        format="json",
    )
    assert (empty.status_code, empty.json()["code"], empty.json()["field"]) == (
        400,
        "empty_period",
        "period_end",
    )
    nothing = client.post(
        "/api/v1/certificates/",
        {"period_start": "2020-01-01", "period_end": "2020-12-31"},
        format="json",
    )
    assert (nothing.status_code, nothing.json()["code"]) == (400, "no_hours")
    assert "没有已确认的服务时长" in nothing.json()["detail"]
    malformed = client.post("/api/v1/certificates/", {"period_start": "soon"}, format="json")
    assert malformed.status_code == 400
    stranger = client_for(vw.world.resident).post(
        "/api/v1/certificates/", {"period_start": "2020-01-01", "period_end": "2020-12-31"}, format="json"
    )
    assert (stranger.status_code, stranger.json()["code"]) == (404, "not_a_volunteer")
    assert not Certificate.objects.exists()
