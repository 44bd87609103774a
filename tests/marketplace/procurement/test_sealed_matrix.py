"""The sealed-bid matrix: every role × every read path (public pages, the Wagtail admin and its
export and search, the API, the search document).

Before opening, a bid's contents (price, proposal, team, attachments) reach its own organisation and nobody
else: not the buying street, not the district, not a superuser, not an appointed evaluator.
After opening, the street, the district and the project's evaluators read them (each read is
audited) and everybody else still does not. The owner's own paths show the contents, so the
absence elsewhere is not an accident of a page that shows nothing.
"""

import datetime
import io
import json

import openpyxl
import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace.core.models import AuditEntry, PrivateFile
from marketplace.core.roles import Role
from marketplace.procurement import selectors, services
from marketplace.procurement.models import Bid
from tests.factories import UserFactory, enable_mfa, grant

from .conftest import contents

PROPOSAL = "密封方案-甲乙丙丁:中央厨房配餐与营养师随访"
TEAM = "密封团队-戊己庚辛:营养师二名"
PRICE_FEN = 12_345_678
PRICE_FORMS = ("123,456.78", "123456.78", "12345678")
# A bid attachment: a tiny valid PDF carrying a marker of its own.
ATTACHMENT_MARK = "SEALED-ATTACHMENT-7f3a"
ATTACHMENT = f"%PDF-1.4\n% {ATTACHMENT_MARK}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".encode()
CONTENTS = (PROPOSAL, TEAM, ATTACHMENT_MARK)

VIEWERS = [
    "anonymous",
    "resident",
    "rival",
    "owner",
    "street",
    "other_street",
    "district",
    "superuser",
    "evaluator",
]
# The paths on which the owner must see its own bid (the positive control).
OWNER_PATHS = {"page:receipt", "api:bid", "files:attachment"}
# After opening: who reads the contents, and on which paths.
OPENED_READERS = {
    "street": {"api:bid", "files:attachment"},
    "district": {"api:bid", "files:attachment"},
    "evaluator": {"api:bid", "admin:score", "files:attachment"},
}


def shows_contents(path: str, text: str) -> bool:
    """The positive control: a reader's path shows the bid (the file: the attachment's bytes)."""
    if path == "files:attachment":
        return ATTACHMENT_MARK in text
    return PROPOSAL in text and TEAM in text


def paths(project, bid, attachment_id) -> dict[str, str]:
    p, b = project.pk, bid.pk
    admin = "/admin/procurement/projects/"
    mine = "/admin/procurement/my-evaluations/"
    return {
        "page:list": "/projects/",
        "page:detail": f"/projects/{p}/",
        "page:receipt": f"/projects/bids/{b}/",
        "page:my": "/me/",
        "admin:dashboard": "/admin/",
        "admin:list": admin,
        "admin:search": f"{admin}?q=密封方案",
        "admin:inspect": f"{admin}inspect/{p}/",
        "admin:export": f"{admin}export/",
        "admin:evaluations": mine,
        "admin:evaluation": f"{mine}project/{p}/",
        "admin:score": f"{mine}score/{b}/",
        "api:projects": "/api/v1/projects/",
        "api:project": f"/api/v1/projects/{p}/",
        "api:ocds": f"/api/v1/projects/{p}/ocds/",
        "api:bids": "/api/v1/bids/",
        "api:bid": f"/api/v1/bids/{b}/",
        "api:manage_projects": "/api/v1/manage/projects/",
        "api:manage_project": f"/api/v1/manage/projects/{p}/",
        "files:attachment": f"/files/{attachment_id}/",
    }


def readable(response) -> str:
    """What a response shows, whatever its format."""
    if response.status_code != 200:
        return ""
    if response.streaming:  # a file download
        return b"".join(response.streaming_content).decode("latin-1")
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
        )
    text = response.content.decode()
    if "json" in kind:
        text += json.dumps(response.json(), ensure_ascii=False)
    return text


class Matrix:
    def __init__(self, pw, client):
        self.pw, self.client = pw, client
        world = pw.world
        owner = UserFactory(display_name="投标组织0成员")
        grant(owner, Role.ORG_MEMBER, pw.orgs[0])
        superuser = UserFactory(display_name="超级用户", is_superuser=True, is_staff=True)
        self.users = {
            "anonymous": None,
            "resident": world.resident,
            "rival": pw.org_admins[1],
            "owner": owner,
            "street": pw.drafter,
            "other_street": world.official_b,
            "district": world.district_admin,
            "superuser": superuser,
            "evaluator": UserFactory(display_name="评审专家"),
        }
        for user in self.users.values():
            if user is not None:
                enable_mfa(user)
        self.project = pw.published(title="密封测试项目")
        self.bid = services.bid_submit(
            actor=pw.org_admins[0],
            project=self.project,
            org=pw.orgs[0],
            contents=contents(
                PRICE_FEN,
                proposal=PROPOSAL,
                team=TEAM,
                attachments=[SimpleUploadedFile("密封附件.pdf", ATTACHMENT)],
            ),
        )
        self.attachment_id = PrivateFile.objects.get(attached_to=f"procurement.bid:{self.bid.pk}").pk
        pw.bid(self.project, 1, price_fen=20_000_000)
        pw.bid(self.project, 2, price_fen=21_000_000)

    def seen_by(self, viewer: str) -> dict[str, str]:
        self.client.logout()
        user = self.users[viewer]
        if user is not None:
            self.client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        urls = paths(self.project, self.bid, self.attachment_id)
        return {name: readable(self.client.get(url)) for name, url in urls.items()}


def leaks(text: str, *, price=True) -> list[str]:
    secrets = [*CONTENTS, *(PRICE_FORMS if price else ())]
    return [s for s in secrets if s in text]


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    storages._storages.pop("private", None)
    yield tmp_path
    storages._storages.pop("private", None)


@pytest.fixture
def matrix(pw, client) -> Matrix:
    return Matrix(pw, client)


def _assert_sealed(matrix, viewer):
    seen = matrix.seen_by(viewer)
    for path, text in seen.items():
        if viewer == "owner" and path in OWNER_PATHS:
            assert shows_contents(path, text), f"the owner cannot read its own bid on {path}"
            continue
        assert leaks(text) == [], f"{viewer} sees sealed contents on {path}"
    return seen


@pytest.mark.parametrize("viewer", VIEWERS)
def test_while_bidding_is_open_only_the_owner_reads_the_bid(matrix, viewer):
    _assert_sealed(matrix, viewer)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_after_the_deadline_and_before_opening_still_only_the_owner(matrix, viewer, time_machine):
    time_machine.move_to(matrix.project.bid_close_at + datetime.timedelta(minutes=1), tick=False)
    services.evaluator_appoint(
        actor=matrix.pw.drafter, project=matrix.project, user=matrix.users["evaluator"]
    )
    _assert_sealed(matrix, viewer)
    assert not AuditEntry.objects.filter(action="procurement.bid.read").exists()


def test_search_holds_no_bid_before_or_after_opening(matrix, time_machine):
    def flat():
        return json.dumps(selectors.project_search_documents(), ensure_ascii=False, default=str)

    assert leaks(flat()) == []
    time_machine.move_to(matrix.project.bid_close_at + datetime.timedelta(minutes=1), tick=False)
    services.project_open_bids(actor=matrix.pw.drafter, project=matrix.project)
    assert leaks(flat()) == []


@pytest.mark.parametrize("viewer", VIEWERS)
def test_after_opening_the_street_district_and_evaluators_read_it_and_nobody_else(
    matrix, viewer, time_machine
):
    pw, project = matrix.pw, matrix.project
    time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1), tick=False)
    evaluator = matrix.users["evaluator"]
    services.evaluator_appoint(actor=pw.drafter, project=project, user=evaluator)
    services.project_open_bids(actor=pw.drafter, project=project)
    services.conflict_declare(actor=evaluator, project=project, statement="本人与各投标人无利害关系。")
    assert Bid.objects.get(pk=matrix.bid.pk).price_fen == PRICE_FEN

    seen = matrix.seen_by(viewer)

    reading_paths = OPENED_READERS.get(viewer, set())
    for path, text in seen.items():
        if viewer == "owner" and path in OWNER_PATHS:
            assert shows_contents(path, text)
        elif path in reading_paths:
            assert shows_contents(path, text), f"{viewer} cannot read the opened bid on {path}"
        else:
            # Opened prices are part of the staff's record (and public from publicity on); the
            # proposal and the team stay with the readers above.
            assert leaks(text, price=False) == [], f"{viewer} sees the proposal on {path}"
    if reading_paths:
        reader = matrix.users[viewer]
        assert AuditEntry.objects.filter(
            action="procurement.bid.read", actor=reader, object_id=str(matrix.bid.pk)
        ).exists()
        assert AuditEntry.objects.filter(
            action="core.privatefile.download", actor=reader, object_id=str(matrix.attachment_id)
        ).exists()
    if viewer in ("anonymous", "resident", "rival", "other_street"):
        assert all(leaks(text) == [] for path, text in seen.items() if path.startswith("page:")), (
            "no price is public before the result"
        )
