"""Every API error answers 4xx as {"code", "detail"[, "field"]} with a Chinese message."""

import re

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import translation
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from marketplace.core.api import exception_handler
from marketplace.core.exceptions import (
    Conflict,
    GuardFailed,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)

CHINESE = re.compile(r"[\u4e00-\u9fff]")


class _Payload(serializers.Serializer):
    name = serializers.CharField(max_length=5)
    count = serializers.IntegerField(min_value=1)


class _Raiser(APIView):
    """Raises whatever the test hands it, so the real DRF dispatch calls the handler."""

    permission_classes = [AllowAny]
    authentication_classes = []
    exc: BaseException | None = None

    def post(self, request):
        if self.exc is not None:
            raise self.exc
        _Payload(data=request.data).is_valid(raise_exception=True)
        return None


def _call(exc=None, data=None):
    view = _Raiser.as_view(exc=exc)
    request = APIRequestFactory().post("/x/", data or {}, format="json")
    with translation.override("zh-hans"):
        response = view(request)
        response.render()
    return response


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (ValidationFailed(), 400, "invalid"),
        (PermissionDenied(), 403, "permission_denied"),
        (NotFound(), 404, "not_found"),
        (TransitionNotAllowed(), 409, "transition_not_allowed"),
        (GuardFailed(), 409, "guard_failed"),
        (Conflict(), 409, "conflict"),
    ],
)
def test_domain_errors_keep_their_status_code_and_message(exc, status, code):
    response = _call(exc)
    assert response.status_code == status
    assert response.data == {"code": code, "detail": str(exc.message)}
    assert CHINESE.search(response.data["detail"])


def test_a_domain_error_names_its_field_and_code():
    response = _call(ValidationFailed("手机号格式不正确。", code="bad_phone", field="phone"))
    assert response.status_code == 400
    assert response.data == {"code": "bad_phone", "detail": "手机号格式不正确。", "field": "phone"}


def test_serializer_validation_names_the_first_field_and_lists_all():
    response = _call(data={"name": "太长的名字啊", "count": 0})
    assert response.status_code == 400
    body = response.data
    assert body["code"] == "invalid"
    assert body["field"] == "name"
    assert body["detail"] == body["errors"]["name"][0]
    assert set(body["errors"]) == {"name", "count"}
    assert all(CHINESE.search(m) for messages in body["errors"].values() for m in messages)


def test_a_missing_field_is_reported_in_chinese():
    body = _call(data={"count": 2}).data
    assert body["field"] == "name"
    assert body["detail"] == "必需字段"


def test_nested_errors_get_a_dotted_field_path():
    exc = exceptions.ValidationError({"ids": {2: ["请填写合法的整数值。"]}})
    body = _call(exc).data
    assert body["field"] == "ids.2"
    assert body["errors"] == {"ids.2": ["请填写合法的整数值。"]}


def test_a_non_field_error_has_no_field():
    body = _call(exceptions.ValidationError("两个字段不能同时为空。")).data
    assert body == {
        "code": "invalid",
        "detail": "两个字段不能同时为空。",
        "errors": {"non_field_errors": ["两个字段不能同时为空。"]},
    }


def test_django_validation_errors_become_400():
    response = _call(DjangoValidationError({"code": ["编码已存在。"]}))
    assert response.status_code == 400
    assert response.data["field"] == "code"
    assert response.data["detail"] == "编码已存在。"


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (Http404(), 404, "not_found"),
        (DjangoPermissionDenied(), 403, "permission_denied"),
        (exceptions.NotAuthenticated(), 403, "not_authenticated"),
        (exceptions.AuthenticationFailed(), 403, "authentication_failed"),
        (exceptions.ParseError(), 400, "parse_error"),
        (exceptions.MethodNotAllowed("PATCH"), 405, "method_not_allowed"),
        (exceptions.Throttled(wait=30), 429, "throttled"),
    ],
)
def test_django_and_drf_errors_share_the_shape(exc, status, code):
    # NotAuthenticated is a 403 here only because this view has no authenticators to ask for.
    response = _call(exc)
    assert response.status_code == status
    assert set(response.data) == {"code", "detail"}
    assert response.data["code"] == code
    assert CHINESE.search(response.data["detail"])


def test_throttled_keeps_retry_after():
    response = _call(exceptions.Throttled(wait=30))
    assert response["Retry-After"] == "30"


def test_an_unexpected_exception_is_left_to_the_500_handler():
    """A bug must stay visible (and logged as one), not be dressed up as a 4xx."""
    assert exception_handler(RuntimeError("bug"), {}) is None


@pytest.mark.django_db
class TestThroughTheApp:
    """The same shapes through the whole stack (middleware, language, routing)."""

    def test_an_anonymous_request_is_asked_for_a_token_in_chinese(self, client):
        response = client.get("/api/v1/me/")
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        assert response.json() == {"code": "not_authenticated", "detail": "身份认证信息未提供。"}

    def test_an_unknown_token_is_refused(self, client):
        response = client.get("/api/v1/streets/", HTTP_AUTHORIZATION="Token " + "0" * 40)
        assert response.status_code == 401
        assert response.json()["code"] == "authentication_failed"

    def test_malformed_json_is_a_400(self, client, django_user_model):
        user = django_user_model.objects.create_user("u1", password="x")
        client.force_login(user)
        response = client.post(
            "/api/v1/notifications/mark-read/", data="{not json", content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json()["code"] == "parse_error"

    def test_english_when_the_client_asks_for_it(self, client):
        response = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
        assert response.json()["detail"] == "Authentication credentials were not provided."

    @pytest.mark.parametrize(
        "path",
        [
            "/api/v1/streets/1.5/",
            "/api/v1/streets/abc/",
            f"/api/v1/streets/{2**70}/",
            "/api/v1/nothing/",
            "/api/x/",
        ],
    )
    def test_unknown_paths_and_malformed_ids_are_a_json_404(self, client, path):
        response = client.get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "not_found"
        assert CHINESE.search(response.json()["detail"])

    def test_a_missing_slash_still_redirects(self, client):
        response = client.get("/api/v1/streets")
        assert response.status_code == 301
        assert response["Location"] == "/api/v1/streets/"
