"""Writes on the portal's editorial set-up: the groups whose page permissions give each street
its own section, the district's moderators, and the moderation workflow of notices and
policies. Every function is idempotent, so the demo, the admin hooks and a re-run agree."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from marketplace.core import audit
from marketplace.core.exceptions import ValidationFailed
from marketplace.core.permissions import require

from . import permissions  # noqa: F401  (registers the actions checked below)
from .models import NoticeIndexPage, PolicyIndexPage, StreetPage

MODERATORS_GROUP = "门户内容审核员"
MODERATION_WORKFLOW = "通知公告与政策文件审核"
MODERATION_TASK = "区级内容审核"
# Every other page an editor writes goes to the same moderators through this workflow on the
# site root (Wagtail's own default asks its "Moderators" group, which the portal does not use).
PAGE_WORKFLOW = "门户页面审核"

# Editors write and submit; only moderators publish, so every page an editor writes reaches
# the public through a workflow (one for notices and policies, one for every other page).
EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page"]
MODERATOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
# Editors upload and choose the pictures and attachments of their pages.
COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "choose_document"),
]


def street_editors_group_name(street) -> str:
    return f"{street.name}网站编辑"


def _page_permission(codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)


def _group(name: str, page: Page, page_permissions: list[str]) -> Group:
    group, _created = Group.objects.get_or_create(name=name)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    for codename in page_permissions:
        GroupPagePermission.objects.get_or_create(
            group=group, page=page, permission=_page_permission(codename)
        )
    root = Collection.get_first_root_node()
    for app_label, codename in COLLECTION_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=group,
            collection=root,
            permission=Permission.objects.get(content_type__app_label=app_label, codename=codename),
        )
    return group


def moderators_group(site_root: Page) -> Group:
    """The district's moderators: they approve (publish) everything under the site root."""
    return _group(MODERATORS_GROUP, site_root, MODERATOR_PAGE_PERMISSIONS)


def _moderated_workflow(name: str, site_root: Page) -> Workflow:
    workflow, _created = Workflow.objects.get_or_create(name=name, defaults={"active": True})
    task = GroupApprovalTask.objects.filter(name=MODERATION_TASK).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=MODERATION_TASK)
    task.groups.add(moderators_group(site_root))
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    return workflow


def moderation_workflow(site_root: Page) -> Workflow:
    """Submit → the district moderators approve → published."""
    return _moderated_workflow(MODERATION_WORKFLOW, site_root)


def page_workflow_assign(*, site_root: Page) -> WorkflowPage:
    """Every page under the site root without a workflow of its own is approved by the
    district moderators too (the notice and policy columns keep theirs)."""
    workflow = _moderated_workflow(PAGE_WORKFLOW, site_root)
    link, _created = WorkflowPage.objects.update_or_create(page=site_root, defaults={"workflow": workflow})
    return link


def _site_root(page: Page) -> Page:
    site = page.get_site()
    return site.root_page if site else page.get_ancestors().filter(depth=2).first() or page


@transaction.atomic
def moderation_workflow_assign(*, page: Page) -> WorkflowPage | None:
    """Put a notice or policy index page (and so every notice or policy under it) under the
    moderation workflow. Other pages keep the workflow they inherit."""
    page = page.specific
    if not isinstance(page, NoticeIndexPage | PolicyIndexPage):
        return None
    workflow = moderation_workflow(_site_root(page))
    link, _created = WorkflowPage.objects.update_or_create(page=page, defaults={"workflow": workflow})
    return link


@transaction.atomic
def street_section_setup(*, actor, street_page: StreetPage) -> Group:
    """Give the street's editors its section: add and edit under its street page, nothing
    elsewhere; moderation for the notice and policy columns inside it."""
    require(actor, "cms.street_section.setup", street_page.street)
    group = _group(street_editors_group_name(street_page.street), street_page, EDITOR_PAGE_PERMISSIONS)
    page_workflow_assign(site_root=_site_root(street_page))
    for page in street_page.get_descendants().type(NoticeIndexPage, PolicyIndexPage):
        moderation_workflow_assign(page=page)
    return group


@transaction.atomic
def street_editor_add(*, actor, user, street_page: StreetPage) -> Group:
    """Make ``user`` an editor of the street's section. They still need the staff sign-in
    (and its second factor) the admin asks of everyone."""
    require(actor, "cms.street_editor.add", street_page.street)
    if not user.is_active:
        raise ValidationFailed(_("该账户已停用。"), field="user")
    group = street_section_setup(actor=None, street_page=street_page)
    if not user.groups.filter(pk=group.pk).exists():
        user.groups.add(group)
        audit.record(
            actor=actor,
            action="cms.street_editor.add",
            obj=street_page.street,
            changes={"user": user.pk, "group": group.name},
        )
    return group


@transaction.atomic
def moderator_add(*, actor, user, site_root: Page) -> Group:
    from marketplace.places.selectors import district_default

    require(actor, "cms.moderator.add", district_default())
    group = moderators_group(site_root)
    page_workflow_assign(site_root=site_root)
    if not user.groups.filter(pk=group.pk).exists():
        user.groups.add(group)
        audit.record(actor=actor, action="cms.moderator.add", obj=user, changes={"group": group.name})
    return group
