import logging

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from marketplace.accounts import tokens
from marketplace.core import exceptions
from marketplace.core.models import AuditEntry, NotificationKind
from marketplace.core.notifications import notify
from marketplace.core.roles import Role
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db


def _token_client(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def _issue_through_session(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.post("/api/v1/me/token/")
    assert response.status_code == 201, response.content
    return response.json()["token"]


# --- /me/ ---------------------------------------------------------------------------------


def test_me_shows_the_masked_phone_only(client):
    user = UserFactory(phone="+8613912345678", display_name="王小明")
    client.force_login(user)
    body = client.get("/api/v1/me/").json()
    assert body["phone_masked"] == "139****5678"
    assert "13912345678" not in str(body)
    assert body["display_name"] == "王小明"
    assert body["roles"] == []
    assert body["mfa_enabled"] is False


def test_me_lists_roles_and_unread_count(world):
    user = world.worker_a
    TOTP.activate(user, generate_totp_secret())
    notify(recipient=user, kind=NotificationKind.SYSTEM, title="通知")
    key = tokens.api_token_issue(actor=user, user=user).key
    body = _token_client(key).get("/api/v1/me/").json()
    assert body["roles"] == [
        {
            "role": Role.COMMUNITY_WORKER,
            "role_label": "社区工作者",
            "scope_kind": "community",
            "scope_id": world.community_a.pk,
            "scope_label": "甲一社区",
        }
    ]
    assert body["unread_notifications"] == 1
    assert body["mfa_enabled"] is True


# --- Tokens -------------------------------------------------------------------------------


def test_a_session_issues_a_token_that_then_authenticates(world):
    resident = world.resident
    key = _issue_through_session(resident)
    assert Token.objects.get(user=resident).key == key
    response = _token_client(key).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["id"] == resident.pk


def test_the_key_is_shown_once_and_never_cached(world):
    client = Client()
    client.force_login(world.resident)
    response = client.post("/api/v1/me/token/")
    assert response["Cache-Control"] == "no-store"
    assert set(response.json()) == {"token", "created"}


def test_rotating_retires_the_old_token(world):
    old = _issue_through_session(world.resident)
    new = _issue_through_session(world.resident)
    assert new != old
    assert _token_client(old).get("/api/v1/me/").status_code == 401
    assert _token_client(new).get("/api/v1/me/").status_code == 200


def test_revoking_stops_the_token(world):
    key = _issue_through_session(world.resident)
    client = Client()
    client.force_login(world.resident)
    assert client.delete("/api/v1/me/token/").status_code == 204
    response = _token_client(key).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert not Token.objects.filter(user=world.resident).exists()


def test_a_token_cannot_issue_or_revoke_tokens(world):
    key = _issue_through_session(world.resident)
    client = _token_client(key)
    assert client.post("/api/v1/me/token/").status_code == 403
    assert client.delete("/api/v1/me/token/").status_code == 403
    assert Token.objects.get(user=world.resident).key == key


def test_anonymous_cannot_get_a_token(client, world):
    response = client.post("/api/v1/me/token/")
    assert response.status_code == 403
    assert response.json()["code"] == "not_authenticated"
    assert not Token.objects.exists()


def test_issuing_through_a_session_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.resident)
    response = client.post("/api/v1/me/token/")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Token.objects.exists()


def test_issuing_is_audited_without_the_key(world, caplog):
    user = world.resident
    with caplog.at_level(logging.DEBUG):
        first = tokens.api_token_issue(actor=user, user=user).key
        second = tokens.api_token_issue(actor=user, user=user).key
        tokens.api_token_revoke(actor=user, user=user)
    entries = list(AuditEntry.objects.filter(action__startswith="accounts.api_token").order_by("id"))
    assert [(e.action, e.object_type, e.object_id, e.actor_id) for e in entries] == [
        ("accounts.api_token.issue", "accounts.user", str(user.pk), user.pk),
        ("accounts.api_token.rotate", "accounts.user", str(user.pk), user.pk),
        ("accounts.api_token.revoke", "accounts.user", str(user.pk), user.pk),
    ]
    stored = " ".join(f"{e.object_id} {e.object_repr} {e.changes} {e.reason}" for e in entries)
    logged = " ".join(r.getMessage() for r in caplog.records)
    for key in (first, second):
        assert key not in stored
        assert key not in logged


def test_revoking_nothing_is_not_audited(world):
    assert tokens.api_token_revoke(actor=world.resident, user=world.resident) is False
    assert not AuditEntry.objects.filter(action="accounts.api_token.revoke").exists()


def test_nobody_handles_another_users_token(world):
    with pytest.raises(exceptions.PermissionDenied):
        tokens.api_token_issue(actor=world.district_admin, user=world.resident)
    tokens.api_token_issue(actor=world.resident, user=world.resident)
    with pytest.raises(exceptions.PermissionDenied):
        tokens.api_token_revoke(actor=world.official_a, user=world.resident)
    assert Token.objects.filter(user=world.resident).exists()


def test_the_service_takes_keywords_only(world):
    with pytest.raises(TypeError):
        tokens.api_token_issue(world.resident, world.resident)


def test_staff_need_mfa_for_a_token(world):
    with pytest.raises(exceptions.PermissionDenied) as info:
        tokens.api_token_issue(actor=world.official_a, user=world.official_a)
    assert info.value.code == "mfa_required"
    assert not Token.objects.exists()


def test_a_token_stops_working_for_staff_without_mfa(world):
    """A resident's token must not carry a staff role granted later past the second factor."""
    user = UserFactory()
    key = tokens.api_token_issue(actor=user, user=user).key
    assert _token_client(key).get("/api/v1/me/").status_code == 200
    grant(user, Role.GRID_WORKER, world.grid_a)
    response = _token_client(key).get("/api/v1/me/")
    assert response.status_code == 401
    assert "两步验证" in response.json()["detail"]
    TOTP.activate(user, generate_totp_secret())
    assert _token_client(key).get("/api/v1/me/").status_code == 200


def test_an_inactive_users_token_is_refused(world):
    key = tokens.api_token_issue(actor=world.resident, user=world.resident).key
    world.resident.is_active = False
    world.resident.save(update_fields=["is_active"])
    assert _token_client(key).get("/api/v1/me/").status_code == 401


# --- Notifications ------------------------------------------------------------------------


def _inbox(world, n: int) -> None:
    for i in range(n):
        notify(recipient=world.resident, kind=NotificationKind.SYSTEM, title=f"通知{i}")


def test_the_inbox_shows_only_ones_own_messages(world):
    _inbox(world, 2)
    foreign = notify(recipient=world.official_a, kind=NotificationKind.SYSTEM, title="别人的")
    client = Client()
    client.force_login(world.resident)
    results = client.get("/api/v1/notifications/").json()["results"]
    assert [n["title"] for n in results] == ["通知1", "通知0"]
    assert client.get(f"/api/v1/notifications/{foreign.pk}/").status_code == 404


def test_mark_read_validates_ids_in_chinese(world):
    client = Client()
    client.force_login(world.resident)
    response = client.post(
        "/api/v1/notifications/mark-read/", {"ids": [1, "x"]}, content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "ids.1"
    assert "整数" in body["detail"]


def test_mark_read_marks_only_ones_own(world):
    _inbox(world, 2)
    foreign = notify(recipient=world.official_a, kind=NotificationKind.SYSTEM, title="别人的")
    client = Client()
    client.force_login(world.resident)
    response = client.post(
        "/api/v1/notifications/mark-read/", {"ids": [foreign.pk]}, content_type="application/json"
    )
    assert response.json() == {"marked": 0}
    assert client.post("/api/v1/notifications/mark-read/", {}, content_type="application/json").json() == {
        "marked": 2
    }


def test_inbox_queries_do_not_grow_with_rows(world):
    client = Client()
    client.force_login(world.resident)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/notifications/", {"page_size": 100})
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.json()["results"])

    _inbox(world, 3)
    few_queries, few_rows = count()
    _inbox(world, 27)
    many_queries, many_rows = count()
    assert (few_rows, many_rows) == (3, 30)
    assert many_queries == few_queries
