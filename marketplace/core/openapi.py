"""The OpenAPI schema class: the error answers each operation can give are part of the contract."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions
from rest_framework.authentication import SessionAuthentication

from .api import ErrorSerializer


class PortalAutoSchema(AutoSchema):
    """Documents the error answers each operation can give, so that the schema is a contract a
    client (and the Schemathesis run) can hold the API to: 400 where input is taken, 401 where a
    token is accepted (a wrong one is refused even on public data), 403 where permissions or a
    CSRF-checked session apply, 404 for an unknown id or page (or an object a body names), 415 for a body in another format."""

    _ERRORS = {
        "400": "输入有误",
        "401": "未认证或令牌无效",
        "403": "无权执行此操作",
        "404": "对象不存在或无权查看",
        "415": "不支持的请求格式",
    }

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self._error_codes(operation):
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=self._ERRORS[code]), code
                )
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_codes(self, operation) -> list[str]:
        params = operation.get("parameters", [])
        query = {p["name"] for p in params if p["in"] == "query"}
        has_body = "requestBody" in operation
        authenticators = self.view.get_authenticators()
        token_accepted = any(a.authenticate_header(self.view.request) for a in authenticators)
        session_accepted = any(isinstance(a, SessionAuthentication) for a in authenticators)
        checks = [p for p in self.view.get_permissions() if not isinstance(p, permissions.AllowAny)]
        # Signed in is all IsAuthenticated asks: its refusal is the 401 (403 without a token scheme).
        forbids = any(not isinstance(p, permissions.IsAuthenticated) for p in checks)
        unsafe = self.method not in ("GET", "HEAD", "OPTIONS")
        codes = []
        if has_body or query - {"page", "page_size"}:
            codes.append("400")
        if token_accepted:
            codes.append("401")
        if forbids or (checks and not token_accepted) or (unsafe and session_accepted):
            codes.append("403")
        # A body may name another object (a parent, a target) that does not exist.
        if any(p["in"] == "path" for p in params) or "page" in query or has_body:
            codes.append("404")
        if has_body:
            codes.append("415")
        return codes
