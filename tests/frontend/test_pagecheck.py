"""The page checker the other page tests rely on finds what the browser would block."""

import pytest
from django.http import HttpResponse

from tests.frontend.pagecheck import csp_problems

POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-abc'; style-src 'self' 'nonce-abc'; img-src 'self' data:"
)


def page(body: str) -> HttpResponse:
    response = HttpResponse(f"<!DOCTYPE html><html><body>{body}</body></html>")
    response["Content-Security-Policy"] = POLICY
    return response


@pytest.mark.parametrize(
    "body",
    [
        '<script nonce="abc">go()</script>',
        '<script src="/static/x.js"></script>',
        '<script src="http://testserver/static/x.js"></script>',
        '<script type="application/json" id="d">{"a": 1}</script>',
        '<style nonce="abc">p {}</style>',
        '<img src="data:image/svg+xml;base64,AAAA" alt="">',
        '<img src="/media/x.png" alt="">',
        '<a href="/x">x</a>',
    ],
)
def test_allowed(body):
    assert csp_problems(page(body)) == []


@pytest.mark.parametrize(
    "body",
    [
        "<script>go()</script>",
        '<script nonce="other">go()</script>',
        '<script src="https://cdn.example.com/x.js"></script>',
        '<script src="//cdn.example.com/x.js"></script>',
        "<style>p {}</style>",
        '<p style="color: red">x</p>',
        '<button onclick="go()">x</button>',
        '<a href="javascript:go()">x</a>',
        '<img src="https://www.gravatar.com/avatar/x" alt="">',
        '<link rel="stylesheet" href="https://cdn.example.com/x.css">',
    ],
)
def test_blocked(body):
    assert csp_problems(page(body)) != []
