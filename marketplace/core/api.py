"""Shared API pieces: pagination, the error format, the schema hook."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import DomainError


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def exception_handler(exc, context):
    """Domain errors become {"code", "detail", "field"} with their own status code."""
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        return Response(
            {"code": "invalid", "detail": "; ".join(exc.messages)},
            status=status.HTTP_400_BAD_REQUEST,
        )
    return drf_exception_handler(exc, context)


def schema_exclude_admin(endpoints, **kwargs):
    """Keep Wagtail's admin API (and anything else under /admin/) out of the public schema."""
    return [e for e in endpoints if not e[0].startswith("/admin/")]
