"""Sealed bids and private data never reach any backend's index.

One world holds, next to public things, everything search must never show: a sealed bid (its
proposal, team, price and attachment name carry unique markers), a draft and a pending project,
pending and suspended organisations, an organisation's contact, code, representative and
address, an activity's contact person and phone, volunteers' names and ID numbers, a draft page
and a page behind a view restriction. The whole index is rebuilt with ``manage.py search_index
--rebuild`` through whatever backend ``search.service.get_backend()`` gives, then:

- database backend: no column of its tables holds any of it, and searching for each marker
  finds nothing (while the public markers are found, so the rebuild did run);
- Elasticsearch backend: no request the backend sent (index creation, bulk actions, alias swap)
  holds any of it, while the public markers were sent.
"""

import dataclasses
import datetime
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from wagtail.models import PageViewRestriction

from cms.models import HomePage, NoticeIndexPage, NoticePage
from marketplace.core.roles import Role
from marketplace.organizations.choices import OrgStatus
from marketplace.procurement import services as procurement
from search import sources
from search.service import get_backend, search
from search.types import SearchQuery
from tests.factories import OrganizationFactory, UserFactory, grant
from tests.factories.volunteers import ActivityFactory, ShiftFactory, SignupFactory, VolunteerFactory
from tests.marketplace.procurement.conftest import contents
from tests.marketplace.procurement.test_contracts import PDF

from .fakes import (
    DATABASE_BACKEND,
    RECORDING_ELASTIC_BACKEND,
    Projects,
    later,
    sent_to_elasticsearch,
    use_backend,
)

# Public: each must be indexed (proof that the rebuild ran over this world).
PUBLIC = ("pubprojectk4", "puborgm7", "pubactivityr2", "pubnoticet8")
# Never indexed, as written or in any form a backend stores.
SEALED = ("zq7sealedproposal", "zq7sealedteam", "zq7sealedfile", "24681357", "246813.57")
HIDDEN = (
    "xw3draftproject",
    "xw3pendingproject",
    "xw3pendingorg",
    "xw3suspendedorg",
    "xw3draftpage",
    "xw3privatepage",
)
PEOPLE = ("令狐冲霄", "欧阳锋岳", "慕容复卿", "段誉清和")
CONTACTS = ("13912345678", "13811112222", "太和区幸福路88号")

PHONE = re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


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


@dataclasses.dataclass
class Secrets:
    words: tuple  # every string that must not be indexed
    id_numbers: list
    credit_codes: list


def build_world(world) -> Secrets:
    projects = Projects(world.street_a, world.official_a)
    project = projects.published(title="养老助餐服务 pubprojectk4", community=world.community_a)
    bidder = OrganizationFactory(street=world.street_a, name="投标机构 puborgm7", status=OrgStatus.VERIFIED)
    admin = UserFactory(display_name="投标机构管理员")
    grant(admin, Role.ORG_ADMIN, bidder)
    procurement.bid_submit(
        actor=admin,
        project=project,
        org=bidder,
        contents=contents(
            24_681_357,
            proposal="服务方案 zq7sealedproposal 每日两餐上门",
            team="项目负责人令狐冲霄 zq7sealedteam",
            attachments=[SimpleUploadedFile("zq7sealedfile.pdf", PDF, content_type="application/pdf")],
        ),
    )
    projects.draft(title="草稿 xw3draftproject")
    projects.pending(title="待审批 xw3pendingproject")

    OrganizationFactory(street=world.street_a, name="待认证 xw3pendingorg", status=OrgStatus.PENDING)
    OrganizationFactory(street=world.street_a, name="已暂停 xw3suspendedorg", status=OrgStatus.SUSPENDED)
    verified = OrganizationFactory(
        street=world.street_a,
        name="为老服务中心",
        description="助老服务",
        legal_representative="欧阳锋岳",
        contact_phone="+8613912345678",
        address="太和区幸福路88号",
    )

    activity = ActivityFactory(
        title="敬老志愿服务 pubactivityr2",
        community=world.community_a,
        contact_name="慕容复卿",
        contact_phone="+8613811112222",
        signup_deadline=later(days=2),
    )
    shift = ShiftFactory(activity=activity, starts_at=later(days=3))
    volunteer = VolunteerFactory(grid=world.grid_a, identity__real_name="段誉清和")
    SignupFactory(shift=shift, volunteer=volunteer)

    home = HomePage.objects.get()
    notices = NoticeIndexPage(title="通知公告", slug="notices")
    home.add_child(instance=notices)
    notices.save_revision().publish()
    for title, slug in (("通知 pubnoticet8", "public"), ("内部 xw3privatepage", "private")):
        page = NoticePage(title=title, slug=slug, date=datetime.date(2026, 3, 1))
        notices.add_child(instance=page)
        page.save_revision().publish()
    PageViewRestriction.objects.create(
        page=NoticePage.objects.get(slug="private"),
        restriction_type=PageViewRestriction.PASSWORD,
        password="x",
    )
    notices.add_child(
        instance=NoticePage(
            title="草稿 xw3draftpage", slug="draft", date=datetime.date(2026, 3, 1), live=False
        )
    )

    return Secrets(
        words=SEALED + HIDDEN + PEOPLE + CONTACTS,
        id_numbers=[volunteer.identity.id_number],
        credit_codes=[o.uscc for o in (bidder, verified) if o.uscc],
    )


def rebuild() -> None:
    call_command("search_index", "--rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115


def assert_clean(text: str, secrets: Secrets) -> None:
    folded = text.lower()
    for word in (*secrets.words, *secrets.id_numbers, *secrets.credit_codes):
        assert word.lower() not in folded, word
    assert not PHONE.search(text), PHONE.search(text)
    assert not ID_NUMBER.search(text), ID_NUMBER.search(text)


def test_the_database_index_holds_no_sealed_bid_or_private_data(settings, world):
    use_backend(settings, DATABASE_BACKEND)
    secrets = build_world(world)

    rebuild()

    from django.apps import apps

    # Every table of the index (entries, their texts and words, facet groups, vocabulary).
    rows = [
        row for model in apps.get_app_config("portal_search").get_models() for row in model.objects.values()
    ]
    stored = json.dumps(rows, ensure_ascii=False, default=str)
    for marker in PUBLIC:
        assert marker in stored
    assert_clean(stored, secrets)
    for secret in (*SEALED, *HIDDEN, *PEOPLE, *CONTACTS, *secrets.id_numbers, *secrets.credit_codes):
        found = search(SearchQuery(text=secret))
        assert found.total == 0 and found.hits == [], secret
    assert search(SearchQuery(text="pubprojectk4")).total == 1


def test_elasticsearch_is_sent_no_sealed_bid_or_private_data(settings, world):
    backend = use_backend(settings, RECORDING_ELASTIC_BACKEND)
    assert get_backend() is backend
    secrets = build_world(world)
    backend.cluster.requests.clear()

    rebuild()

    sent = json.dumps(sent_to_elasticsearch(backend), ensure_ascii=False, default=str)
    assert any(r["path"] == "/_bulk" for r in backend.cluster.requests)
    for marker in PUBLIC:
        assert marker in sent
    assert_clean(sent, secrets)


def test_no_source_document_holds_them_either(world):
    secrets = build_world(world)

    text = "\n".join(
        json.dumps(dataclasses.asdict(d), ensure_ascii=False, default=str) for d in sources.all_documents()
    )

    for marker in PUBLIC:
        assert marker in text
    assert_clean(text, secrets)
