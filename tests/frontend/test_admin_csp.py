"""The Wagtail admin under the portal's Content-Security-Policy (frontend/middleware.py and the
template overrides in frontend/templates/wagtailadmin/)."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from wagtail.models import Page, Workflow

from frontend.middleware import chooser_initialiser_as_data, rewrite_chooser_scripts
from tests.factories import UserFactory
from tests.frontend.pagecheck import executable_inline_scripts, parse, policy

PAGE_CHOOSER = (
    'new PageChooser("id_pages-0-page", {"modelNames": ["wagtailcore.page"], "canChooseRoot": true, '
    '"userPerms": null, "modalUrl": "/admin/choose-page/"});'
)


@pytest.fixture
def admin_client(client, db):
    user = UserFactory(is_superuser=True, is_staff=True)
    # Staff without two-factor authentication are sent to enrol before they reach the admin.
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return client


def home_page():
    return Page.objects.get(depth=2)


# --- Which scripts become data ------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        PAGE_CHOOSER,
        'new ImageChooser("id_image", {"modalUrl": "/admin/images/chooser/"});',
        'new DocumentChooser("id_doc", {"modalUrl": "/admin/documents/chooser/"});',
        'new SnippetChooser("id_org", {"modalUrl": "/admin/snippets/choose/x/"});',
        'new Chooser("id_place", {"modalUrl": "/admin/places/chooser/", "linkedFields": {"a": "#b"}});',
        'createTaskChooser("id_workflow_tasks-0-task");',
    ],
)
def test_wagtail_chooser_initialisers_become_data(body):
    data = chooser_initialiser_as_data(body)
    assert data is not None
    assert data.startswith("<span hidden data-portal-init=")
    assert "<script" not in data


@pytest.mark.parametrize(
    "body",
    [
        # Code after the call, before it, or hidden between the braces.
        PAGE_CHOOSER + " alert(1);",
        "alert(1); " + PAGE_CHOOSER,
        'new PageChooser("id_x", {"a": 1}); fetch("//evil.example"); ({"b": 2});',
        'new PageChooser("id_x", {"a": alert(1)});',
        # An id that breaks out of its string.
        'new PageChooser("id_x" + alert(1) + "", {});',
        # Constructors that are not Wagtail's choosers.
        'new Function("id_x", {});',
        'new window.PageChooser("id_x", {});',
        'createTaskChooser("id_x"); alert(1);',
        'initDateChooser("id_x", {});',
        "",
    ],
)
def test_anything_else_stays_a_script(body):
    assert chooser_initialiser_as_data(body) is None
    html = f"<p>x</p><script>{body}</script>"
    assert rewrite_chooser_scripts(html) == (html, 0)


def test_rewrite_escapes_the_options_into_the_attribute():
    html, count = rewrite_chooser_scripts(
        '<div><script>new PageChooser("id_p", {"modalUrl": "/admin/choose-page/?a=1&b=\\"2\\""});</script></div>'
    )
    assert count == 1
    span = parse(html).find("span")[0]
    assert span.attrs["data-portal-init"] == "chooser"
    assert span.attrs["data-widget"] == "PageChooser"
    assert span.attrs["data-target"] == "id_p"
    assert span.attrs["data-config"] == '{"modalUrl": "/admin/choose-page/?a=1&b=\\"2\\""}'


# --- The admin's policy -------------------------------------------------------------------


@pytest.mark.django_db
def test_public_pages_keep_the_strict_policy(client):
    directives = policy(client.get("/"))
    assert "'unsafe-inline'" not in directives["style-src"]
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "blob:" not in directives["img-src"]


def test_admin_policy_only_relaxes_styles_and_image_previews(admin_client):
    directives = policy(admin_client.get("/admin/"))
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
    # Scripts: exactly as strict as on the public site.
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["script-src"][0] == "'self'"
    assert "blob:" in directives["img-src"]
    assert directives["object-src"] == ["'none'"]


def test_admin_policy_covers_every_admin_response(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "'unsafe-inline'" in policy(response)["style-src"]


# --- Admin pages carry no inline script the policy would block ----------------------------


def admin_pages():
    workflow = Workflow.objects.order_by("pk").first()
    return [
        "/admin/",
        f"/admin/pages/{home_page().pk}/",
        f"/admin/pages/{home_page().pk}/edit/",
        "/admin/images/",
        "/admin/images/multiple/add/",
        f"/admin/workflows/edit/{workflow.pk}/",
        "/admin/reports/site-history/",
    ]


def test_admin_pages_have_no_executable_inline_script(admin_client):
    for path in admin_pages():
        response = admin_client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert executable_inline_scripts(html) == [], path
        # The script that runs the initialisers is on every admin page.
        assert "/static/portal/wagtail-admin-csp.js" in html, path


def test_page_edit_view_date_pickers_are_data(admin_client):
    html = admin_client.get(f"/admin/pages/{home_page().pk}/edit/").content.decode()
    pickers = [s for s in parse(html).find("span") if s.attrs.get("data-portal-init") == "datetime"]
    assert {p.attrs["data-target"] for p in pickers} >= {"id_go_live_at", "id_expire_at"}
    assert "initDateTimeChooser(" not in html


def test_workflow_editor_choosers_and_inline_panels_are_data(admin_client):
    workflow = Workflow.objects.order_by("pk").first()
    html = admin_client.get(f"/admin/workflows/edit/{workflow.pk}/").content.decode()
    kinds = [s.attrs.get("data-portal-init") for s in parse(html).find("span")]
    assert "inline-panel" in kinds
    assert "task-chooser" in kinds
    assert "chooser" in kinds
    assert "new PageChooser(" not in html
    assert "createTaskChooser(" not in html
