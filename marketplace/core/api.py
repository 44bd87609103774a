"""Shared API pieces: pagination, id filters, the error format, the schema's scope.

DRF imports this module (for ``Pagination``) while its own generic views are still loading, so
it must not import ``rest_framework.generics`` or anything that does (drf-spectacular's
``openapi``): the schema class lives in ``marketplace.core.openapi``.

Every error the API answers has one shape, ``{"code", "detail"[, "field"][, "errors"]}``, with a
message in the request's language (Chinese unless the client asks otherwise), so clients need
one parser for domain errors, validation errors and DRF's own (authentication, not found...).
"""

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from .exceptions import DomainError

# Ids are BIGINT: anything larger can name no row, and SQLite cannot even bind it.
MAX_ID = 2**63 - 1


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """Filter on a foreign key id: an integer, not django-filter's default decimal."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class ErrorSerializer(serializers.Serializer):
    """所有 4xx 答复的统一格式。"""

    code = serializers.CharField(help_text="机器可读的错误代码,如 invalid、not_found、permission_denied")
    detail = serializers.CharField(help_text="面向用户的错误说明")
    field = serializers.CharField(required=False, help_text="出错的字段(如有)")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="校验错误:字段 → 错误说明列表",
    )


def _flatten(detail, prefix: str = "") -> list[tuple[str, str]]:
    """(field path, message) pairs from DRF's nested validation detail, in order."""
    if isinstance(detail, dict):
        pairs = []
        for key, value in detail.items():
            name = str(key) if key != api_settings.NON_FIELD_ERRORS_KEY else ""
            pairs += _flatten(value, f"{prefix}.{name}" if prefix and name else prefix or name)
        return pairs
    if isinstance(detail, list):
        pairs = []
        for item in detail:
            pairs += _flatten(item, prefix)
        return pairs
    return [(prefix, str(detail))]


def _validation_body(exc: exceptions.ValidationError) -> dict:
    pairs = _flatten(exc.detail) or [("", str(exceptions.ValidationError.default_detail))]
    field, detail = pairs[0]
    errors: dict[str, list[str]] = {}
    for name, message in pairs:
        errors.setdefault(name or api_settings.NON_FIELD_ERRORS_KEY, []).append(message)
    body = {"code": "invalid", "detail": detail, "errors": errors}
    if field:
        body["field"] = field
    return body


def _api_exception_body(exc: exceptions.APIException) -> dict:
    codes = exc.get_codes()
    return {
        "code": codes if isinstance(codes, str) else exc.default_code,
        "detail": str(exc.detail) if isinstance(exc.detail, str) else str(exc.default_detail),
    }


def exception_handler(exc, context):
    """Turn domain errors, Django's and DRF's exceptions into the one error shape; anything else
    is a bug and stays a 500."""
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    # DRF's handler adds WWW-Authenticate and Retry-After and rolls the transaction back.
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc)
    else:
        response.data = _api_exception_body(exc)
    return response


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any other path under /api/: the API's own 404, in JSON, never the portal's HTML page."""
    body = {"code": exceptions.NotFound.default_code, "detail": str(exceptions.NotFound.default_detail)}
    return JsonResponse(body, status=404, json_dumps_params={"ensure_ascii": False})


def schema_public_api_only(endpoints, **kwargs):
    """Only /api/ is the public contract: Wagtail's admin API (and any other DRF view mounted
    elsewhere) stays out of the schema."""
    return [e for e in endpoints if e[0].startswith("/api/")]
