"""The demo's pages: every page type under the home page with Chinese content, each street's
section and editors, the moderation workflow with one notice waiting for approval; quick, and a
second run that adds nothing."""

import time
from io import StringIO

import pytest
from django.core.management import call_command
from wagtail.models import Page, WorkflowState

from cms import services
from cms.demo import pages, portal, users
from cms.demo.pages import NOTICES, POLICIES
from cms.models import (
    CommunityPage,
    NoticeIndexPage,
    NoticePage,
    PartyNewsPage,
    PolicyDocumentPage,
    PolicyIndexPage,
    StandardPage,
    StreetIndexPage,
    StreetPage,
)
from marketplace.accounts.models import User
from marketplace.places.models import Street
from tests.frontend.pagecheck import csp_problems


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db, monkeypatch):
    """The places, the staff and the home page, then the pages step (it needs nothing else)."""
    from cms import demo
    from cms.management.commands import seed_demo

    steps = [*demo.STEPS[: demo.STEPS.index(portal.seed_portal_settings) + 1], pages.seed_pages]
    monkeypatch.setattr(seed_demo, "STEPS", steps)
    return seed()


def test_every_page_type_is_filled(seeded, client):
    assert StreetPage.objects.count() == Street.objects.count() == 5
    assert StreetIndexPage.objects.count() == 1
    assert CommunityPage.objects.count() == len(pages.COMMUNITIES)
    assert NoticePage.objects.live().count() == len(NOTICES)
    assert PolicyDocumentPage.objects.live().count() == len(POLICIES)
    assert PartyNewsPage.objects.live().count() == len(pages.PARTY_NEWS)
    assert StandardPage.objects.live().count() >= 2
    for page in Page.objects.live().filter(depth__gt=2).specific():
        response = client.get(page.url)
        assert response.status_code == 200, page.url
        assert page.title in response.content.decode()
        assert csp_problems(response) == [], page.url


def test_policies_carry_a_pdf_attachment(seeded, client):
    for policy in PolicyDocumentPage.objects.all():
        assert policy.document_number.startswith("太")
        [block] = policy.attachments
        document = block.value["document"]
        response = client.get(document.url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_street_sections_have_their_editors_and_moderation(seeded):
    official = User.objects.get(email="street@taihe.example")
    street_a = StreetPage.objects.get(street__code="TH01")
    street_b = StreetPage.objects.get(street__code="TH02")
    assert street_a.permissions_for_user(official).can_edit()
    assert not street_b.permissions_for_user(official).can_edit()
    admin = User.objects.get(email=users.ADMIN["email"])
    assert admin.groups.filter(name=services.MODERATORS_GROUP).exists()
    for index in [*NoticeIndexPage.objects.all(), *PolicyIndexPage.objects.all()]:
        assert index.get_workflow().name == services.MODERATION_WORKFLOW


def test_a_notice_waits_for_the_moderator(seeded):
    waiting = NoticePage.objects.get(slug="notice-elderly-canteen")
    assert not waiting.live
    state = WorkflowState.objects.get(object_id=str(waiting.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.requested_by.email == "street@taihe.example"


def test_second_run_adds_nothing_and_is_quick(seeded):
    before = (Page.objects.count(), WorkflowState.objects.count())
    started = time.monotonic()
    out = seed()
    assert (Page.objects.count(), WorkflowState.objects.count()) == before
    assert "未新建任何记录" in out
    assert time.monotonic() - started < 15


def test_pages_step_is_quick(db, monkeypatch):
    from cms import demo
    from cms.management.commands import seed_demo

    monkeypatch.setattr(seed_demo, "STEPS", demo.STEPS[: demo.STEPS.index(portal.seed_portal_settings) + 1])
    seed()
    monkeypatch.setattr(seed_demo, "STEPS", [*seed_demo.STEPS, pages.seed_pages])
    started = time.monotonic()
    seed()
    assert time.monotonic() - started < 15
