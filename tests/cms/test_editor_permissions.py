"""Street sections: a street's editors add and edit pages under their street page only, and
publish nothing themselves; notices and policies reach the public through the moderation
workflow (submit → a district moderator approves → published)."""

import datetime

import pytest

from cms import services
from cms.models import NoticePage
from marketplace.core.exceptions import PermissionDenied
from marketplace.core.models import AuditEntry
from tests.cms.test_pages import build_tree, media_root  # noqa: F401  (media_root: autouse fixture)
from tests.factories import UserFactory, enable_mfa


@pytest.fixture
def tree(world):
    return build_tree(world)


@pytest.fixture
def editor(world, tree):
    user = UserFactory(display_name="甲街道编辑")
    services.street_editor_add(actor=world.official_a, user=user, street_page=tree.street_a)
    services.street_section_setup(actor=None, street_page=tree.street_b)
    return user


@pytest.fixture
def moderator(world, tree):
    user = UserFactory(display_name="区级审核员")
    services.moderator_add(actor=world.district_admin, user=user, site_root=tree.home)
    return user


@pytest.fixture
def login(client):
    def _login(user):
        enable_mfa(user)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


def draft_notice(parent, user, title="社区老年食堂开餐公告") -> NoticePage:
    page = NoticePage(title=title, slug="canteen", date=datetime.date(2025, 6, 1), live=False)
    parent.add_child(instance=page)
    page.save_revision(user=user)
    return page


def test_street_editor_edits_only_their_streets_section(editor, tree):
    own = tree.street_a.permissions_for_user(editor)
    assert own.can_edit() and own.can_add_subpage()
    assert tree.community_a.permissions_for_user(editor).can_edit()
    assert tree.street_notices.permissions_for_user(editor).can_add_subpage()
    # Nothing outside the section, and no publishing: that is the moderators' step.
    assert not own.can_publish()
    for page in (tree.street_b, tree.home, tree.notices, tree.policies, tree.streets):
        assert not page.permissions_for_user(editor).can_edit(), page.title


def test_street_editor_is_refused_another_streets_pages_in_the_admin(editor, tree, login):
    client = login(editor)
    assert client.get(f"/admin/pages/{tree.street_a.pk}/edit/").status_code == 200
    refused = client.get(f"/admin/pages/{tree.street_b.pk}/edit/")
    assert refused.status_code in (302, 403)
    assert client.get(f"/admin/pages/add/cms/noticepage/{tree.street_notices.pk}/").status_code == 200
    assert client.get(f"/admin/pages/add/cms/noticepage/{tree.notices.pk}/").status_code in (302, 403)


def test_only_the_streets_officials_or_the_district_choose_its_editors(world, tree):
    user = UserFactory()
    with pytest.raises(PermissionDenied):
        services.street_editor_add(actor=world.official_b, user=user, street_page=tree.street_a)
    with pytest.raises(PermissionDenied):
        services.street_editor_add(actor=world.worker_a, user=user, street_page=tree.street_a)
    services.street_editor_add(actor=world.district_admin, user=user, street_page=tree.street_a)
    assert user.groups.filter(name="甲街道网站编辑").exists()
    entry = AuditEntry.objects.get(action="cms.street_editor.add")
    assert entry.actor == world.district_admin and entry.changes["user"] == user.pk
    # Adding again changes nothing and records nothing.
    services.street_editor_add(actor=world.official_a, user=user, street_page=tree.street_a)
    assert AuditEntry.objects.filter(action="cms.street_editor.add").count() == 1


def test_section_setup_is_idempotent(world, tree):
    first = services.street_section_setup(actor=world.district_admin, street_page=tree.street_a)
    perms = first.page_permissions.count()
    again = services.street_section_setup(actor=world.district_admin, street_page=tree.street_a)
    assert again == first and again.page_permissions.count() == perms == len(services.EDITOR_PAGE_PERMISSIONS)
    with pytest.raises(PermissionDenied):
        services.street_section_setup(actor=world.official_a, street_page=tree.street_b)


def test_notices_in_a_street_section_are_moderated_by_the_notice_workflow(editor, tree):
    page = draft_notice(tree.street_notices, editor)
    assert page.get_workflow().name == services.MODERATION_WORKFLOW
    district_notice = draft_notice(tree.notices, editor, title="区级通知")
    assert district_notice.get_workflow().name != services.MODERATION_WORKFLOW  # not assigned yet
    services.moderation_workflow_assign(page=tree.notices)
    assert district_notice.get_workflow().name == services.MODERATION_WORKFLOW
    services.moderation_workflow_assign(page=tree.policies)
    assert tree.policies.get_workflow().name == services.MODERATION_WORKFLOW
    # Other pages keep the workflow they inherit.
    assert services.moderation_workflow_assign(page=tree.street_a) is None


def test_submit_then_approve_publishes_the_notice(editor, moderator, tree, client, login):
    page = draft_notice(tree.street_notices, editor)
    assert client.get(page.url).status_code == 404

    state = page.get_workflow().start(page, editor)
    task_state = state.current_task_state
    task = task_state.task.specific
    assert task.name == services.MODERATION_TASK
    # The editor cannot approve their own notice; the moderator can.
    assert task.get_actions(page, editor) == []
    assert "approve" in [name for name, *_ in task.get_actions(page, moderator)]
    page.refresh_from_db()
    assert not page.live

    admin = login(moderator)
    response = admin.post(f"/admin/pages/workflow/action/{page.pk}/approve/{task_state.pk}/", {"comment": ""})
    assert response.status_code in (200, 302), response.content[:500]
    page.refresh_from_db()
    state.refresh_from_db()
    assert page.live and state.status == state.STATUS_APPROVED
    client.logout()
    public = client.get(page.url)
    assert public.status_code == 200 and "社区老年食堂开餐公告" in public.content.decode()


def test_rejected_notice_stays_unpublished(editor, moderator, tree):
    page = draft_notice(tree.street_notices, editor)
    state = page.get_workflow().start(page, editor)
    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state, moderator, "reject")
    page.refresh_from_db()
    state.refresh_from_db()
    assert not page.live and state.status == state.STATUS_NEEDS_CHANGES


def test_a_street_page_made_in_the_admin_gets_its_editors_group(world, tree):
    """The after_create_page hook sets the section up (and the moderation of a new notice column)."""
    from wagtail import hooks

    from cms.models import NoticeIndexPage, StreetPage
    from tests.factories import StreetFactory

    street = StreetFactory(district=world.district, name="丙街道")
    page = StreetPage(title="丙街道", slug="c", street=street)
    tree.streets.add_child(instance=page)
    column = NoticeIndexPage(title="丙街道通知", slug="notices")
    page.add_child(instance=column)
    for hook in hooks.get_hooks("after_create_page"):
        hook(None, page)
        hook(None, column)
    assert page.group_permissions.filter(group__name="丙街道网站编辑").count() == 2
    assert column.get_workflow().name == services.MODERATION_WORKFLOW


def test_other_pages_of_a_street_section_go_to_the_district_moderators(editor, moderator, tree):
    """A standard page written by a street editor is approved by the same moderators."""
    from cms.models import StandardPage

    page = StandardPage(title="社区服务指南", slug="guide", live=False)
    tree.street_a.add_child(instance=page)
    page.save_revision(user=editor)
    workflow = page.get_workflow()
    assert workflow.name == services.PAGE_WORKFLOW
    state = workflow.start(page, editor)
    task_state = state.current_task_state
    assert task_state.task.specific.name == services.MODERATION_TASK
    assert task_state.task.specific.get_actions(page, editor) == []
    task_state.task.specific.on_action(task_state, moderator, "approve")
    page.refresh_from_db()
    assert page.live
    # The notice columns keep their own workflow.
    assert draft_notice(tree.street_notices, editor).get_workflow().name == services.MODERATION_WORKFLOW
