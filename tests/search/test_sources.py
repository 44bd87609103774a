"""What search indexes, read from the domain (``search.sources``): one document per published
project, verified organisation, public activity and live public page, holding what their public
pages show and nothing more. Drafts, pending and suspended things have no document; sealed bids,
contacts, credit codes, ID numbers and people's names are in none. Each kind takes the same
number of queries for many rows as for few."""

import dataclasses
import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import PageViewRestriction

from cms.models import (
    CommunityPage,
    HomePage,
    NoticeIndexPage,
    NoticePage,
    PolicyDocumentPage,
    PolicyIndexPage,
    StreetIndexPage,
    StreetPage,
)
from marketplace.core.roles import Role
from marketplace.organizations import services as org_services
from marketplace.organizations.choices import OrgStatus
from marketplace.procurement import services as procurement
from marketplace.procurement.choices import ProjectStatus
from marketplace.volunteers import services as volunteer_services
from marketplace.volunteers.models import Skill
from search import sources
from tests.factories import OrganizationFactory, UserFactory, grant
from tests.factories.volunteers import (
    ActivityFactory,
    ShiftFactory,
    SignupFactory,
    SkillFactory,
    VolunteerFactory,
)
from tests.marketplace.procurement.conftest import contents
from tests.marketplace.procurement.test_contracts import PDF

from .fakes import Projects, later

# What must never be in a document: mainland mobile numbers (with or without +86), resident ID
# numbers and unified social credit codes, however they are written.
PHONE = re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
CREDIT_CODE = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])")


def text_of(doc) -> str:
    return " ".join(str(v) for v in dataclasses.asdict(doc).values() if v is not None)


def all_text() -> str:
    return "\n".join(text_of(doc) for doc in sources.all_documents())


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    from django.core.files.storage import storages

    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    storages._storages.pop("private", None)
    yield
    storages._storages.pop("private", None)


@pytest.fixture
def projects(world) -> Projects:
    return Projects(world.street_a, world.official_a)


def bidder(street, name="投标组织"):
    org = OrganizationFactory(street=street, name=name, status=OrgStatus.VERIFIED)
    admin = UserFactory(display_name=f"{name}管理员")
    grant(admin, Role.ORG_ADMIN, org)
    return org, admin


# --- projects -------------------------------------------------------------------------------
def test_a_published_project_is_found_with_its_announcement_place_and_status(world, projects):
    project = projects.published(
        title="幸福里居家养老助餐服务",
        description="为辖区独居老人提供每日午餐配送。",
        community=world.community_a,
    )

    (doc,) = sources.project_documents([project.pk])

    assert doc.kind == "project" and doc.object_id == project.pk
    assert doc.title == "幸福里居家养老助餐服务"
    assert "独居老人提供每日午餐配送" in doc.body and "送餐准时率" in doc.body
    assert doc.url == f"/projects/{project.pk}/"
    assert (doc.street_id, doc.street) == (world.street_a.pk, world.street_a.name)
    assert (doc.community_id, doc.community) == (world.community_a.pk, world.community_a.name)
    assert doc.category == "daily_life"
    assert doc.status == ProjectStatus.PUBLISHED and doc.open is True
    assert doc.date == project.published_at


def test_a_project_whose_window_has_not_opened_is_not_open_yet(projects):
    project = projects.published(bid_open_at=later(days=2), bid_close_at=later(days=12))

    (doc,) = sources.project_documents([project.pk])

    assert doc.status == ProjectStatus.PUBLISHED and doc.open is False


def test_drafts_projects_awaiting_approval_and_unpublished_cancellations_have_no_document(world, projects):
    draft = projects.draft(title="草稿项目")
    pending = projects.pending(title="待审批项目")
    cancelled = projects.draft(title="发布前取消的项目")
    procurement.project_cancel(actor=world.official_a, project=cancelled, reason="不再需要")
    published = projects.published(title="已发布项目")

    docs = sources.project_documents([draft.pk, pending.pk, cancelled.pk, published.pk])

    assert [d.object_id for d in docs] == [published.pk]


def test_no_document_holds_a_sealed_bid_its_attachments_or_the_bidder(world, projects):
    project = projects.published(title="助餐服务")
    org, admin = bidder(world.street_a, name="密封投标机构甲")
    procurement.bid_submit(
        actor=admin,
        project=project,
        org=org,
        contents=contents(
            23_456_789,
            proposal="密封方案SEALED-7Q3X:每日两餐上门",
            team="密封团队:营养师赵某某",
            attachments=[SimpleUploadedFile("密封附件-SEALED-9K2W.pdf", PDF, content_type="application/pdf")],
        ),
    )

    text = all_text()

    assert "助餐服务" in text
    for secret in ("SEALED-7Q3X", "赵某某", "SEALED-9K2W", "23456789", "234567.89", "234,567.89"):
        assert secret not in text
    # Before the result, nobody learns who bid: the bidder is no part of the project's document.
    (doc,) = sources.project_documents([project.pk])
    assert org.name not in text_of(doc)


# --- organisations --------------------------------------------------------------------------
def test_a_verified_organisation_is_found_by_its_name_introduction_and_services(world):
    org = OrganizationFactory(
        name="幸福里为老服务中心",
        description="为社区老人提供助餐、助浴和陪诊服务。",
        street=world.street_a,
        community=world.community_a,
        category="daily_life",
        status=OrgStatus.VERIFIED,
        verified_at=timezone.now(),
    )
    from marketplace.organizations.models import ServiceTag

    org.tags.set([ServiceTag.objects.get(name="助餐")])

    (doc,) = sources.organization_documents([org.pk])

    assert (doc.kind, doc.object_id, doc.title) == ("organization", org.pk, "幸福里为老服务中心")
    assert "助浴和陪诊" in doc.body and "助餐" in doc.body
    assert doc.url == f"/organizations/{org.pk}/"
    assert (doc.street_id, doc.community_id, doc.community) == (
        world.street_a.pk,
        world.community_a.pk,
        world.community_a.name,
    )
    assert doc.category == "daily_life" and doc.status == OrgStatus.VERIFIED
    assert doc.date == org.verified_at


@pytest.mark.parametrize("status", [OrgStatus.PENDING, OrgStatus.REJECTED, OrgStatus.SUSPENDED])
def test_an_organisation_that_is_not_verified_now_has_no_document(world, status):
    org = OrganizationFactory(street=world.street_a, status=status)

    assert sources.organization_documents([org.pk]) == []


def test_an_organisation_document_holds_no_contact_code_representative_or_address(world):
    org = OrganizationFactory(
        street=world.street_a,
        legal_representative="欧阳明远",
        contact_phone="+8613912345678",
        address="太和区幸福路88号3栋",
        uscc_override_reason="人工核验:证书编号与系统不符",
    )

    text = text_of(sources.organization_documents([org.pk])[0])

    for private in ("欧阳明远", "13912345678", "幸福路88号", org.uscc, "人工核验"):
        assert private not in text


def test_suspending_and_reinstating_take_the_organisation_out_and_back(world):
    org = OrganizationFactory(street=world.street_a, status=OrgStatus.VERIFIED)

    org_services.organization_suspend(actor=world.district_admin, org=org, reason="年检未通过")
    assert sources.organization_documents([org.pk]) == []
    org_services.organization_reinstate(actor=world.district_admin, org=org, reason="已整改")
    assert [d.object_id for d in sources.organization_documents([org.pk])] == [org.pk]


# --- activities -----------------------------------------------------------------------------
def activity(world, capacity=2, **overrides):
    values = {
        "title": "垃圾分类宣传志愿服务",
        "description": "在小区门口宣传垃圾分类知识。",
        "place": "甲一社区党群服务中心",
        "community": world.community_a,
        "contact_name": "司马晓燕",
        "contact_phone": "+8613811112222",
        "signup_deadline": later(days=2),
        "published_at": timezone.now(),
    }
    values.update(overrides)
    made = ActivityFactory(**values)
    ShiftFactory(activity=made, starts_at=later(days=3), capacity=capacity)
    return made


def test_a_published_activity_is_found_with_its_place_skills_and_openness(world):
    made = activity(world)
    made.required_skills.set([Skill.objects.get(name="环境保护")])

    (doc,) = sources.activity_documents([made.pk])

    assert (doc.kind, doc.object_id, doc.title) == ("activity", made.pk, "垃圾分类宣传志愿服务")
    assert "宣传垃圾分类知识" in doc.body and "甲一社区党群服务中心" in doc.body and "环境保护" in doc.body
    assert doc.url == f"/volunteers/activities/{made.pk}/"
    assert (doc.street_id, doc.community_id) == (world.street_a.pk, world.community_a.pk)
    assert doc.status == "published" and doc.open is True
    assert doc.date == made.shifts.get().starts_at


def test_an_activity_is_not_open_when_its_places_are_taken_or_its_deadline_passed(world):
    full = activity(world, title="满员活动")
    for _ in range(2):
        SignupFactory(shift=full.shifts.get())
    past_deadline = activity(world, title="截止活动")
    past_deadline.signup_deadline = timezone.now() - datetime.timedelta(minutes=1)
    past_deadline.save(update_fields=["signup_deadline"])

    docs = {d.object_id: d for d in sources.activity_documents([full.pk, past_deadline.pk])}

    assert docs[full.pk].open is False and docs[past_deadline.pk].open is False


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_draft_and_cancelled_activities_have_no_document(world, status):
    made = activity(world, status=status)

    assert sources.activity_documents([made.pk]) == []


def test_an_activity_document_holds_no_contact_nor_anyone_who_signed_up(world):
    made = activity(world)
    volunteer = VolunteerFactory(identity__real_name="上官婉清")
    SignupFactory(shift=made.shifts.get(), volunteer=volunteer)

    text = text_of(sources.activity_documents([made.pk])[0])

    for private in ("司马晓燕", "13811112222", "上官婉清", volunteer.identity.id_number):
        assert private not in text


def test_cancelling_an_activity_removes_its_document(world):
    made = activity(world)

    volunteer_services.activity_cancel(actor=world.worker_a, activity=made, reason="天气原因")

    assert sources.activity_documents([made.pk]) == []


# --- pages ----------------------------------------------------------------------------------
def publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def body(*paragraphs):
    return [{"type": "paragraph", "value": p} for p in paragraphs]


@pytest.fixture
def section(world):
    home = HomePage.objects.get()
    streets = publish(home, StreetIndexPage(title="街道社区", slug="streets"))
    street = publish(
        streets, StreetPage(title="甲街道", slug="a", street=world.street_a, intro="<p>甲街道简介</p>")
    )
    community = publish(street, CommunityPage(title="甲一社区", slug="a1", community=world.community_a))
    notices = publish(street, NoticeIndexPage(title="甲街道通知", slug="notices"))
    return home, street, community, notices


def test_a_notice_in_a_street_section_is_found_with_its_text_street_and_date(section, world):
    _home, _street, _community, notices = section
    notice = publish(
        notices,
        NoticePage(
            title="关于开展垃圾分类宣传周的通知",
            slug="waste",
            date=datetime.date(2026, 3, 1),
            intro="宣传周安排",
            body=body("<p>各社区于<b>3月</b>开展宣传 &amp; 入户指导。</p>"),
        ),
    )

    (doc,) = sources.page_documents([notice.pk])

    assert (doc.kind, doc.object_id, doc.title) == ("page", notice.pk, "关于开展垃圾分类宣传周的通知")
    assert "宣传周安排" in doc.body and "各社区于3月开展宣传 & 入户指导。" in doc.body
    assert "<" not in doc.body
    assert doc.url == notice.url
    assert (doc.street_id, doc.street, doc.community_id) == (world.street_a.pk, world.street_a.name, None)
    assert doc.category == "notice" and doc.status == "live"
    assert timezone.localtime(doc.date).date() == datetime.date(2026, 3, 1)


def test_street_and_community_pages_belong_to_their_places(section, world):
    _home, street, community, _notices = section

    docs = {d.object_id: d for d in sources.page_documents([street.pk, community.pk])}

    assert docs[street.pk].category == "street" and docs[street.pk].street_id == world.street_a.pk
    assert "甲街道简介" in docs[street.pk].body
    assert docs[community.pk].category == "community"
    assert (docs[community.pk].street_id, docs[community.pk].community_id) == (
        world.street_a.pk,
        world.community_a.pk,
    )


def test_a_policy_document_is_found_by_its_issuer_and_number(section):
    home = section[0]
    policies = publish(home, PolicyIndexPage(title="政策文件", slug="policies"))
    policy = publish(
        policies,
        PolicyDocumentPage(
            title="太和区社区养老服务补贴办法",
            slug="subsidy",
            issuing_body="太和区民政局",
            document_number="太民发〔2026〕3号",
            issue_date=datetime.date(2026, 1, 5),
            summary="明确居家养老服务补贴对象和标准。",
        ),
    )

    (doc,) = sources.page_documents([policy.pk])

    assert doc.category == "policy" and doc.street_id is None
    for words in ("太和区民政局", "太民发〔2026〕3号", "居家养老服务补贴对象"):
        assert words in doc.body


def test_drafts_unpublished_and_restricted_pages_have_no_document(section):
    _home, _street, _community, notices = section
    draft = NoticePage(title="草稿通知", slug="draft", date=datetime.date(2026, 1, 1), live=False)
    notices.add_child(instance=draft)
    withdrawn = publish(
        notices, NoticePage(title="撤回的通知", slug="withdrawn", date=datetime.date(2026, 1, 1))
    )
    withdrawn.unpublish()
    private = publish(notices, NoticePage(title="内部通知", slug="private", date=datetime.date(2026, 1, 1)))
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    public = publish(notices, NoticePage(title="公开通知", slug="public", date=datetime.date(2026, 1, 1)))

    docs = sources.page_documents([draft.pk, withdrawn.pk, private.pk, public.pk])

    assert [d.object_id for d in docs] == [public.pk]


def test_pages_under_a_restricted_section_have_no_document(section):
    _home, _street, _community, notices = section
    inside = publish(notices, NoticePage(title="栏目内通知", slug="inside", date=datetime.date(2026, 1, 1)))
    PageViewRestriction.objects.create(page=notices, restriction_type=PageViewRestriction.LOGIN)

    assert sources.page_documents([inside.pk]) == []


# --- everything -----------------------------------------------------------------------------
def test_no_document_of_any_kind_holds_a_phone_id_number_or_credit_code(world, projects, section):
    project = projects.published(title="助老服务", community=world.community_a)
    org, admin = bidder(world.street_a)
    procurement.bid_submit(
        actor=admin, project=project, org=org, contents=contents(team="联系人手机13700001111")
    )
    activity(world)
    VolunteerFactory()
    publish(
        section[3], NoticePage(title="通知", slug="n", date=datetime.date(2026, 1, 1), intro="请按时参加")
    )

    docs = list(sources.all_documents())

    assert {d.kind for d in docs} == {"project", "organization", "activity", "page"}
    for doc in docs:
        text = text_of(doc)
        assert not PHONE.search(text), (doc.key, PHONE.search(text))
        assert not ID_NUMBER.search(text), (doc.key, ID_NUMBER.search(text))
        assert not CREDIT_CODE.search(text), (doc.key, CREDIT_CODE.search(text))


def test_the_rebuild_reads_every_kind_in_batches(world, projects, section):
    made = [projects.published(title=f"项目{i}") for i in range(3)]
    projects.draft(title="草稿")

    docs = list(sources.all_documents(batch_size=2))

    assert {d.object_id for d in docs if d.kind == "project"} == {p.pk for p in made}
    assert {d.key for d in docs} == {d.key for kind in sources.SOURCES for d in sources.documents(kind)}


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        sources.documents("volunteer", [1])


def count_queries(fn) -> tuple[int, list]:
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return len(ctx.captured_queries), result


@pytest.mark.parametrize("kind", ["project", "organization", "activity", "page"])
def test_each_kind_reads_in_the_same_number_of_queries_for_many_rows_as_for_few(
    kind, world, projects, section
):
    notices = section[3]
    made = iter(range(100))

    def add(n):
        for _ in range(n):
            i = next(made)
            if kind == "project":
                projects.published(title=f"项目{i}")
            elif kind == "organization":
                OrganizationFactory(street=world.street_a)
            elif kind == "activity":
                activity(world, title=f"活动{i}").required_skills.set(
                    [SkillFactory(slug=f"s{i}", name=f"技能{i}")]
                )
            else:
                publish(notices, NoticePage(title=f"通知{i}", slug=f"n{i}", date=datetime.date(2026, 1, 1)))

    add(2)
    few, docs_few = count_queries(lambda: sources.documents(kind, sources.candidate_ids(kind)))
    add(6)
    many, docs_many = count_queries(lambda: sources.documents(kind, sources.candidate_ids(kind)))

    assert len(docs_many) > len(docs_few) >= 2
    assert many <= few
