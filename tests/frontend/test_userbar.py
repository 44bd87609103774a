"""Wagtail's user bar on public pages: shown to those who may edit, and costing a resident no
permission queries."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.cms.test_pages import build_tree
from tests.factories.accounts import UserFactory, enable_mfa


def _get(user, path="/"):
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def test_a_resident_gets_no_user_bar_and_no_permission_queries(world):
    build_tree(world)
    html, queries = _get(UserFactory())
    assert "<wagtail-userbar" not in html
    assert not [sql for sql in queries if "auth_permission" in sql]


def test_staff_get_the_user_bar(world):
    build_tree(world)
    enable_mfa(world.official_a)
    html, _queries = _get(world.official_a)
    assert "<wagtail-userbar" in html


def test_an_editor_by_group_alone_gets_the_user_bar(world):
    from marketplace.accounts.services import staff_group

    build_tree(world)
    editor = UserFactory()
    editor.groups.add(staff_group())
    html, _queries = _get(editor)
    assert "<wagtail-userbar" in html
