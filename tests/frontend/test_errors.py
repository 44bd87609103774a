"""The 404 page is the portal's, in the visitor's language; the 500 page needs nothing that
may itself be broken when the server fails (database, context processors, translations)."""

import pytest
from django.test import RequestFactory
from django.urls import get_resolver

from tests.frontend.conftest import switch_language
from tests.frontend.pagecheck import csp_problems, parse


@pytest.mark.django_db
def test_unknown_page_is_the_chinese_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "页面不存在" in html
    assert 'href="/"' in html
    assert csp_problems(response) == []


@pytest.mark.django_db
def test_404_page_follows_the_language_switch(client):
    switch_language(client, "en")
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Page not found" in html
    assert "页面不存在" not in html


def test_500_handler_renders_without_touching_the_database():
    # No django_db mark: pytest-django makes any database query in this test raise.
    handler = get_resolver().resolve_error_handler(500)
    response = handler(RequestFactory().get("/anything/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "服务暂时不可用" in html
    assert "Something went wrong on our side" in html
    # Plain path to the stylesheet: the static manifest may be what is broken.
    assert 'href="/static/portal/portal.css"' in html
    assert "{{" not in html and "{%" not in html
    page = parse(html)
    assert not page.find("script")
    assert all("style" not in element.attrs for element in page.elements)


def test_500_template_renders_without_a_request_or_context():
    from django.template.loader import get_template

    html = get_template("500.html").render()
    assert "服务暂时不可用" in html
