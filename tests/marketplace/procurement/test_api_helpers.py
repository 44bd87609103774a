"""Shared pieces of the procurement API tests (no tests here): a client holding a user's API
token, and checks that an answer is a Chinese 4xx."""

from rest_framework.test import APIClient

from marketplace.accounts.tokens import api_token_issue
from tests.factories import enable_mfa


def client_for(user) -> APIClient:
    """A client sending ``user``'s personal API token, as a script or app would. Staff must use
    two-factor authentication to hold a token, so every user here is enrolled (harmless for the
    others); the token authenticates each request afresh, so role changes show at once."""
    client = APIClient()
    if user is None:
        return client
    enable_mfa(user)
    token = api_token_issue(actor=user, user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def is_chinese(text) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in str(text))


def refused(response, status: int, *, code: str | None = None, field: str | None = None) -> dict:
    """Assert a refusal in the API's one error shape, with a Chinese message; returns the body."""
    assert response.status_code == status, (response.status_code, response.content.decode()[:500])
    body = response.json()
    assert is_chinese(body["detail"]), body
    if code is not None:
        assert body["code"] == code, body
    if field is not None:
        assert body.get("field") == field, body
    return body
