"""The indexing door (``search.indexing``): the domain's writes reach the index through it, after
commit only (a rolled-back write never does), each re-index reads the documents afresh (so an
object that stopped being public leaves the index), and ``manage.py search_index`` rebuilds
everything or one kind. The domain imports nothing else of search."""

import ast
import datetime
import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import transaction
from django.tasks import task_backends
from wagtail.models import PageViewRestriction

from cms.models import HomePage, NoticeIndexPage, NoticePage
from marketplace.core.roles import Role
from marketplace.organizations import services as org_services
from marketplace.organizations.choices import OrgStatus
from marketplace.organizations.services import OrganizationData
from marketplace.procurement import services as procurement
from marketplace.procurement.choices import ProjectStatus
from marketplace.volunteers import services as volunteers
from search import indexing, tasks
from search.types import SearchDocument
from tests.factories import OrganizationFactory, UserFactory, grant
from tests.factories.volunteers import VolunteerFactory
from tests.marketplace.organizations.conftest import attach_document
from tests.marketplace.procurement.conftest import terms
from tests.marketplace.volunteers.conftest import activity_data, shift_data

from .fakes import Projects, backend_paths, indexed_keys, later, use_backend


@pytest.fixture(params=backend_paths())
def backend(request, settings, db):
    return use_backend(settings, request.param)


@pytest.fixture
def projects(world) -> Projects:
    return Projects(world.street_a, world.official_a)


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """Run what was enqueued on commit when the block ends, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def doc(backend, kind, object_id):
    from search.service import search
    from search.types import SearchQuery

    if f"{kind}:{object_id}" not in indexed_keys(backend):
        return None
    if hasattr(backend, "get"):
        return backend.get(kind, object_id)
    found = search(SearchQuery(kind=kind, page_size=100))
    return next((h.document for h in found.hits if h.document.object_id == object_id), None)


# --- the door -------------------------------------------------------------------------------
def test_nothing_reaches_the_index_before_commit(backend, projects, committing):
    with committing():
        project = projects.published(title="居家养老助餐服务")
        assert indexed_keys(backend) == set()

    assert indexed_keys(backend) == {f"project:{project.pk}"}
    assert doc(backend, "project", project.pk).title == "居家养老助餐服务"


def test_a_rolled_back_write_never_reaches_the_index(backend, projects, committing):
    project = projects.published()
    with committing(), pytest.raises(RuntimeError), transaction.atomic():
        indexing.changed("project", [project.pk])
        raise RuntimeError("the write failed")

    assert indexed_keys(backend) == set()


def test_a_reindexed_id_without_a_document_is_removed(backend, projects, committing):
    project = projects.published(title="将被移除的项目")
    backend.index(tasks.sources.project_documents([project.pk]))
    # The document disappears from the sources (as when a project leaves public view).
    project.__class__.objects.filter(pk=project.pk).update(status=ProjectStatus.DRAFT)

    with committing():
        indexing.changed("project", project.pk)

    assert indexed_keys(backend) == set()


def test_removed_drops_the_documents(backend, projects, committing):
    kept, dropped = projects.published(title="保留"), projects.published(title="删除")
    backend.index(tasks.sources.project_documents([kept.pk, dropped.pk]))

    with committing():
        indexing.removed("project", [dropped.pk])

    assert indexed_keys(backend) == {f"project:{kept.pk}"}


def test_an_unknown_kind_is_refused_at_the_door():
    with pytest.raises(ValueError):
        indexing.changed("volunteer", [1])


def test_a_timed_reindex_is_booked_for_its_time(db, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    when = later(days=2)

    with django_capture_on_commit_callbacks(execute=True):
        indexing.changed("project", [7], at=when)

    (result,) = task_backends["default"].results
    assert result.task.name == "reindex" and result.task.run_after == when
    assert result.args == ["project", [7]]


def test_a_search_that_fails_does_not_break_the_committed_write(backend, projects, committing, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("search is down")

    monkeypatch.setattr(tasks, "reindex", SimpleNamespace(enqueue=broken))

    with committing():
        project = projects.published()

    assert project.status == ProjectStatus.PUBLISHED


# --- from the domain ------------------------------------------------------------------------
def test_publishing_and_every_later_public_move_update_the_project(backend, world, projects, committing):
    with committing():
        project = projects.draft(title="幸福里助餐服务")
        procurement.project_submit(actor=projects.drafter, project=project)
        procurement.project_approve(actor=projects.approver, project=project)
    assert indexed_keys(backend) == set()

    with committing():
        procurement.project_publish(actor=projects.drafter, project=project)
    indexed = doc(backend, "project", project.pk)
    assert indexed.title == "幸福里助餐服务"
    assert indexed.status == ProjectStatus.PUBLISHED and indexed.open is True

    with committing():
        procurement.project_cancel(actor=world.official_a, project=project, reason="预算调整")
    indexed = doc(backend, "project", project.pk)
    assert indexed.status == ProjectStatus.CANCELLED and indexed.open is False


def test_changing_a_published_projects_terms_updates_its_document(backend, projects, committing):
    with committing():
        project = projects.published(title="旧标题")
    with committing():
        procurement.project_change_terms(
            actor=projects.drafter,
            project=project,
            terms=terms(title="新标题:助餐服务"),
            reason="补充服务内容",
        )

    assert doc(backend, "project", project.pk).title == "新标题:助餐服务"


def test_the_deadline_closes_bidding_in_the_index(backend, projects, committing, time_machine):
    with committing():
        project = projects.published(bid_close_at=later(days=1))
    time_machine.move_to(later(days=2))

    with committing():
        procurement.project_close_bidding(actor=None, project=project)

    indexed = doc(backend, "project", project.pk)
    assert indexed.status == ProjectStatus.BIDDING_CLOSED and indexed.open is False


def test_verifying_suspending_and_editing_an_organisation(backend, world, committing):
    org = OrganizationFactory(street=world.street_a, status=OrgStatus.PENDING, name="甲街道助老服务社")
    attach_document(org)

    with committing():
        org_services.organization_verify(actor=world.district_admin, org=org)
    assert doc(backend, "organization", org.pk).title == "甲街道助老服务社"

    with committing():
        org_services.organization_suspend(actor=world.district_admin, org=org, reason="年检未通过")
    assert indexed_keys(backend) == set()

    with committing():
        org_services.organization_reinstate(actor=world.district_admin, org=org, reason="已整改")
    assert f"organization:{org.pk}" in indexed_keys(backend)


def test_an_organisation_profile_edit_reaches_the_index(backend, world, committing):
    org = OrganizationFactory(street=world.street_a, status=OrgStatus.VERIFIED, description="旧简介")
    admin = UserFactory()
    grant(admin, Role.ORG_ADMIN, org)
    data = OrganizationData(
        name=org.name,
        legal_form=org.legal_form,
        uscc=org.uscc,
        legal_representative=org.legal_representative,
        contact_phone="13700002222",
        address=org.address,
        street=org.street,
        community=None,
        category=org.category,
        founded_on=org.founded_on,
        description="新简介:为独居老人提供助餐服务",
    )

    with committing():
        org_services.organization_update(actor=admin, org=org, data=data)

    assert "为独居老人提供助餐服务" in doc(backend, "organization", org.pk).body


def test_activities_publish_fill_up_and_cancel(backend, world, committing):
    with committing():
        activity = volunteers.activity_create(
            actor=world.worker_a,
            data=activity_data(title="重阳敬老志愿服务", community=world.community_a),
            shifts=[shift_data(capacity=1)],
        )
    assert indexed_keys(backend) == set()

    with committing():
        volunteers.activity_publish(actor=world.worker_a, activity=activity)
    assert doc(backend, "activity", activity.pk).open is True

    volunteer = VolunteerFactory(grid=world.grid_a)
    with committing():
        signup = volunteers.signup_create(actor=volunteer.user, shift=activity.shifts.get())
    assert doc(backend, "activity", activity.pk).open is False  # the one place is taken

    with committing():
        volunteers.signup_cancel(actor=volunteer.user, signup=signup)
    assert doc(backend, "activity", activity.pk).open is True

    with committing():
        volunteers.activity_cancel(actor=world.worker_a, activity=activity, reason="天气原因")
    assert indexed_keys(backend) == set()


def test_adding_a_shift_reopens_a_full_activity(backend, world, committing):
    activity = volunteers.activity_create(
        actor=world.worker_a, data=activity_data(community=world.community_a), shifts=[shift_data(capacity=1)]
    )
    volunteers.activity_publish(actor=world.worker_a, activity=activity)
    volunteers.signup_create(actor=VolunteerFactory(grid=world.grid_a).user, shift=activity.shifts.get())
    backend.index(tasks.sources.activity_documents([activity.pk]))
    assert doc(backend, "activity", activity.pk).open is False

    with committing():
        volunteers.shift_add(actor=world.worker_a, activity=activity, data=shift_data(days=4, capacity=5))

    assert doc(backend, "activity", activity.pk).open is True


# --- pages ----------------------------------------------------------------------------------
@pytest.fixture
def notices():
    home = HomePage.objects.get()
    index = NoticeIndexPage(title="通知公告", slug="notices")
    home.add_child(instance=index)
    index.save_revision().publish()
    return index


def test_publishing_unpublishing_restricting_and_deleting_a_page(backend, notices, committing):
    page = NoticePage(title="垃圾分类宣传周通知", slug="waste", date=datetime.date(2026, 3, 1), live=False)
    notices.add_child(instance=page)
    assert indexed_keys(backend) == set()

    with committing():
        page.save_revision().publish()
    assert doc(backend, "page", page.pk).title == "垃圾分类宣传周通知"

    page.refresh_from_db()
    with committing():
        page.unpublish()
    assert indexed_keys(backend) == set()

    with committing():
        page.save_revision().publish()
    assert f"page:{page.pk}" in indexed_keys(backend)
    with committing():
        restriction = PageViewRestriction.objects.create(
            page=notices, restriction_type=PageViewRestriction.LOGIN
        )
    assert indexed_keys(backend) == set()

    with committing():
        restriction.delete()
    assert f"page:{page.pk}" in indexed_keys(backend)

    page.refresh_from_db()
    with committing():
        page.delete()
    assert indexed_keys(backend) == set()


def test_renaming_a_section_moves_its_pages_addresses(backend, notices, committing):
    with committing():
        page = NoticePage(title="通知", slug="n1", date=datetime.date(2026, 3, 1))
        notices.add_child(instance=page)
        page.save_revision().publish()
    assert doc(backend, "page", page.pk).url == "/notices/n1/"

    with committing():
        notices.slug = "announcements"
        notices.save_revision().publish()

    assert doc(backend, "page", page.pk).url == "/announcements/n1/"


def test_moving_a_page_into_a_street_section_gives_it_the_street(backend, world, notices, committing):
    from cms.models import StreetIndexPage, StreetPage

    home = HomePage.objects.get()
    streets = StreetIndexPage(title="街道社区", slug="streets")
    home.add_child(instance=streets)
    streets.save_revision().publish()
    street = StreetPage(title="甲街道", slug="a", street=world.street_a)
    streets.add_child(instance=street)
    street.save_revision().publish()
    street_notices = NoticeIndexPage(title="甲街道通知", slug="notices")
    street.add_child(instance=street_notices)
    street_notices.save_revision().publish()
    page = NoticePage(title="通知", slug="n1", date=datetime.date(2026, 3, 1))
    notices.add_child(instance=page)
    with committing():
        page.save_revision().publish()
    assert doc(backend, "page", page.pk).street_id is None

    with committing():
        NoticePage.objects.get(pk=page.pk).move(street_notices, pos="last-child")

    moved = doc(backend, "page", page.pk)
    assert (moved.street_id, moved.url) == (world.street_a.pk, "/streets/a/notices/n1/")


# --- the command ----------------------------------------------------------------------------
def test_rebuild_replaces_the_index_and_prints_counts_per_kind(backend, world, projects, notices):
    published = [projects.published(title=f"项目{i}") for i in range(2)]
    projects.draft(title="草稿")
    verified = OrganizationFactory(street=world.street_a, status=OrgStatus.VERIFIED)
    OrganizationFactory(street=world.street_a, status=OrgStatus.PENDING)
    notice = NoticePage(title="通知", slug="n", date=datetime.date(2026, 3, 1))
    notices.add_child(instance=notice)
    notice.save_revision().publish()
    stale = SearchDocument(kind="project", object_id=999_999, title="过期", body="", url="/x/")
    backend.index([stale])

    out = io.StringIO()
    call_command("search_index", "--rebuild", stdout=out)

    counts = {
        line.split("\t")[0]: line.split("\t")[2] for line in out.getvalue().splitlines() if "\t" in line
    }
    assert counts == {"project": "2", "organization": "1", "activity": "0", "page": "1"}
    assert indexed_keys(backend) == {
        *(f"project:{p.pk}" for p in published),
        f"organization:{verified.pk}",
        f"page:{notice.pk}",
    }


def test_reindexing_one_kind_leaves_the_others(backend, world, projects):
    project = projects.published(title="项目")
    org = OrganizationFactory(street=world.street_a, status=OrgStatus.VERIFIED)
    backend.index(tasks.sources.organization_documents([org.pk]))
    hidden = projects.published(title="后来撤下")
    backend.index(tasks.sources.project_documents([hidden.pk]))
    hidden.__class__.objects.filter(pk=hidden.pk).update(status=ProjectStatus.DRAFT)

    out = io.StringIO()
    call_command("search_index", "--kind", "project", stdout=out)

    assert indexed_keys(backend) == {f"project:{project.pk}", f"organization:{org.pk}"}
    assert out.getvalue().startswith("project\t")


def test_without_options_the_command_tells_the_backend_and_its_size(backend, projects):
    backend.index(tasks.sources.project_documents([projects.published().pk]))

    out = io.StringIO()
    call_command("search_index", stdout=out)

    assert django_settings.SEARCH_BACKEND in out.getvalue() and "索引文档数:1" in out.getvalue()


# --- the boundary ---------------------------------------------------------------------------
def test_the_domain_imports_nothing_of_search_but_the_indexing_door():
    root = Path(__file__).resolve().parents[2] / "marketplace"
    offending, door_users = [], 0
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "search":
                if node.module == "search" and [a.name for a in node.names] == ["indexing"]:
                    door_users += 1
                else:
                    offending.append(f"{path.relative_to(root)}: from {node.module} import ...")
            elif isinstance(node, ast.Import):
                offending += [
                    f"{path.relative_to(root)}: import {a.name}"
                    for a in node.names
                    if a.name.split(".")[0] == "search" and a.name != "search.indexing"
                ]
    assert offending == []
    # The scan read the real tree: the door itself is imported from the domain.
    assert door_users >= 3
