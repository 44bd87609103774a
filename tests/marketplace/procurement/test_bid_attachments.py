"""Sealed bid attachments: uploaded with the bid (page and API), checked by content and size,
stored encrypted with the project's key, listed on the receipt and the evaluator's score page, and
downloadable by exactly those who may read the bid (``selectors.bid_readable_by``): the bidder
always; after opening also the buying street, the district and the project's evaluators; nobody
else, ever (404, as for a missing file)."""

import datetime
import hashlib
import io
import json

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from marketplace.core.exceptions import NotFound, ValidationFailed
from marketplace.core.models import AuditEntry, PrivateFile
from marketplace.core.roles import Role
from marketplace.procurement import sealing, selectors, services
from marketplace.procurement.choices import BidStatus
from marketplace.procurement.models import Bid
from tests.factories import UserFactory, enable_mfa, grant

from .conftest import contents
from .test_api_helpers import client_for, is_chinese, refused
from .test_contracts import PDF

MB = 1024 * 1024


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


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (2, 2), "blue").save(buf, format="PNG")
    return buf.getvalue()


def pdf(name="服务方案.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def bid_url(project, org) -> str:
    return f"/projects/{project.pk}/bid/{org.pk}/"


def bid_post(**overrides) -> dict:
    data = {
        "price": "250000.00",
        "proposal": "上门助餐,每日两次",
        "team": "社工3名",
        "no_collusion": "on",
        "truthful": "on",
        "no_major_violation": "on",
    }
    data.update(overrides)
    return data


def login(client, user):
    client.logout()
    if user is not None:
        enable_mfa(user)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def download(client, user, file_id) -> tuple[int, bytes]:
    response = login(client, user).get(f"/files/{file_id}/")
    if response.status_code != 200:
        return response.status_code, b""
    return 200, b"".join(response.streaming_content)


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


# --- upload on the page -------------------------------------------------------------------------
def test_attachments_uploaded_on_the_page_are_sealed_and_the_owner_gets_the_original(
    client, pw, private_root
):
    project = pw.published()
    owner = pw.org_admins[0]
    image = png_bytes()
    login(client, owner)
    form = client.get(bid_url(project, pw.orgs[0])).content.decode()
    assert 'enctype="multipart/form-data"' in form and 'name="attachments"' in form and "投标附件" in form
    response = client.post(
        bid_url(project, pw.orgs[0]),
        {**bid_post(), "attachments": [pdf(), SimpleUploadedFile("资质.png", image)]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    bid = Bid.objects.get(project=project, organization=pw.orgs[0])
    assert bid.status == BidStatus.SUBMITTED

    records = {r.original_name: r for r in PrivateFile.objects.filter(purpose="bid_attachment")}
    assert set(records) == {"服务方案.pdf", "资质.png"}
    for record, plain in ((records["服务方案.pdf"], PDF), (records["资质.png"], image)):
        assert record.attached_to == f"procurement.bid:{bid.pk}" and record.sensitive
        assert record.sha256 == hashlib.sha256(plain).hexdigest() and record.size == len(plain)
        on_disk = (private_root / record.stored_name).read_bytes()
        # Sealed at rest: neither the bytes nor the file's magic are on disk.
        assert plain not in on_disk and b"%PDF" not in on_disk and b"PNG" not in on_disk
        assert sealing.unseal_bytes(project, on_disk) == plain

    # The sealed contents list them, so the receipt hash covers them.
    sealed = selectors.bid_contents(viewer=owner, bid=bid)
    assert sorted(sealed["attachments"], key=lambda f: f["name"]) == sorted(
        (
            {"id": str(r.pk), "name": r.original_name, "size": r.size, "sha256": r.sha256}
            for r in records.values()
        ),
        key=lambda f: f["name"],
    )
    assert sealing.receipt_hash(sealed, bid.submitted_at.isoformat()) == bid.content_hash

    # The receipt lists them with download links; the owner downloads the exact original bytes.
    receipt = client.get(response.url).content.decode()
    link = f"/files/{records['服务方案.pdf'].pk}/"
    assert "服务方案.pdf" in receipt and "资质.png" in receipt and link in receipt
    assert download(client, owner, records["服务方案.pdf"].pk) == (200, PDF)
    assert download(client, owner, records["资质.png"].pk) == (200, image)
    assert AuditEntry.objects.filter(
        action="core.privatefile.download", actor=owner, object_id=str(records["服务方案.pdf"].pk)
    ).exists()
    # A member of the organisation (not only its admin) reads them too.
    member = UserFactory()
    grant(member, Role.ORG_MEMBER, pw.orgs[0])
    assert download(client, member, records["资质.png"].pk) == (200, image)


BAD_UPLOADS = {
    "a text file named .pdf": ([pdf("方案.pdf", b"just some text, not a pdf")], "文件类型不符"),
    "a pdf over 10 MB": ([pdf("大文件.pdf", PDF + b"0" * (10 * MB))], "文件过大"),
    "six files": ([pdf(f"附件{i}.pdf") for i in range(6)], "投标附件最多5个文件"),
    "a good file then a bad one": ([pdf("好.pdf"), pdf("坏.pdf", b"MZ\x90\x00 exe")], "附件「坏.pdf」"),
}


@pytest.mark.parametrize("case", BAD_UPLOADS)
def test_a_refused_file_changes_nothing(client, pw, private_root, case):
    uploads, message = BAD_UPLOADS[case]
    project = pw.published()
    login(client, pw.org_admins[0])
    response = client.post(bid_url(project, pw.orgs[0]), {**bid_post(), "attachments": uploads})
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert not Bid.objects.filter(project=project).exclude(status=BidStatus.DRAFT).exists()
    assert not PrivateFile.objects.exists()
    assert stored_files(private_root) == []


def test_a_refused_resubmission_leaves_the_previous_bid_as_it_was(client, pw, private_root):
    project = pw.published()
    owner = pw.org_admins[0]
    first = services.bid_submit(
        actor=owner, project=project, org=pw.orgs[0], contents=contents(attachments=[pdf("初版.pdf")])
    )
    before = (first.status, first.content_hash, first.sealed_contents, first.submitted_at)
    files_before = set(PrivateFile.objects.values_list("pk", flat=True))
    on_disk = stored_files(private_root)
    login(client, owner)
    response = client.post(
        bid_url(project, pw.orgs[0]),
        {**bid_post(), "attachments": [pdf("新版.pdf"), pdf("坏.pdf", b"plain text")]},
    )
    assert response.status_code == 200 and "文件类型不符" in response.content.decode()
    first.refresh_from_db()
    assert (first.status, first.content_hash, first.sealed_contents, first.submitted_at) == before
    assert set(PrivateFile.objects.values_list("pk", flat=True)) == files_before
    assert stored_files(private_root) == on_disk
    assert [f["name"] for f in selectors.bid_contents(viewer=owner, bid=first)["attachments"]] == ["初版.pdf"]


def test_a_resubmission_replaces_the_list_and_the_old_files_stay_sealed(pw, private_root):
    project = pw.published()
    owner = pw.org_admins[0]
    first = services.bid_submit(
        actor=owner, project=project, org=pw.orgs[0], contents=contents(attachments=[pdf("初版.pdf")])
    )
    [old] = selectors.bid_contents(viewer=owner, bid=first)["attachments"]
    again = services.bid_submit(
        actor=owner,
        project=project,
        org=pw.orgs[0],
        contents=contents(attachments=[pdf("终版.pdf", PDF + b"%v2\n")]),
    )
    assert again.pk == first.pk and again.content_hash != first.content_hash
    [new] = selectors.bid_contents(viewer=owner, bid=again)["attachments"]
    assert new["name"] == "终版.pdf" and new["id"] != old["id"]
    stale = PrivateFile.objects.get(pk=old["id"])
    assert b"%PDF" not in (private_root / stale.stored_name).read_bytes()
    # Resubmitting without files leaves none listed.
    bare = services.bid_submit(actor=owner, project=project, org=pw.orgs[0], contents=contents())
    assert selectors.bid_contents(viewer=owner, bid=bare)["attachments"] == []


def test_after_opening_only_the_files_of_the_last_submission_reach_the_street(pw, private_root, time_machine):
    from marketplace.core.files import private_file_open

    project = pw.published()
    owner = pw.org_admins[0]
    first = services.bid_submit(
        actor=owner, project=project, org=pw.orgs[0], contents=contents(attachments=[pdf("初版.pdf")])
    )
    [old] = selectors.bid_contents(viewer=owner, bid=first)["attachments"]
    again = services.bid_submit(
        actor=owner,
        project=project,
        org=pw.orgs[0],
        contents=contents(attachments=[pdf("终版.pdf", PDF + b"%v2\n")]),
    )
    [new] = selectors.bid_contents(viewer=owner, bid=again)["attachments"]
    pw.bid(project, 1)
    pw.bid(project, 2)
    time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1), tick=False)
    services.project_open_bids(actor=pw.drafter, project=project)

    _record, handle = private_file_open(user=pw.drafter, file_id=new["id"])
    assert handle.read() == PDF + b"%v2\n"
    with pytest.raises(NotFound):
        private_file_open(user=pw.drafter, file_id=old["id"])
    _record, handle = private_file_open(user=owner, file_id=old["id"])
    assert handle.read() == PDF


def test_files_are_checked_only_after_the_bid_itself(pw, private_root):
    """A bid refused for its price, declarations, eligibility or deadline stores no file at all."""
    project = pw.published()
    refusals = [
        (pw.orgs[0], contents(price_fen=project.budget_ceiling_fen + 1, attachments=[pdf()]), "over_ceiling"),
        (pw.orgs[0], contents(declarations={}, attachments=[pdf()]), "invalid"),
        (pw.orgs[3], contents(attachments=[pdf()]), "not_eligible"),
    ]
    pw.orgs[3].status = "pending"
    pw.orgs[3].save(update_fields=["status"])
    for org, refused_contents, code in refusals:
        admin = pw.org_admins[pw.orgs.index(org)]
        with pytest.raises(ValidationFailed) as exc:
            services.bid_submit(actor=admin, project=project, org=org, contents=refused_contents)
        assert exc.value.code == code
    assert not PrivateFile.objects.exists() and stored_files(private_root) == []


# --- who downloads, and when --------------------------------------------------------------------
@pytest.fixture
def sealed_bid(pw):
    """Organisation 0's bid with one PDF attachment, two rival bids, and the people around it."""
    world = pw.world
    project = pw.published(title="附件密封项目")
    bid = services.bid_submit(
        actor=pw.org_admins[0], project=project, org=pw.orgs[0], contents=contents(attachments=[pdf()])
    )
    pw.bid(project, 1, price_fen=20_000_000)
    pw.bid(project, 2, price_fen=21_000_000)
    [attachment] = selectors.bid_contents(viewer=pw.org_admins[0], bid=bid)["attachments"]
    people = {
        "anonymous": None,
        "resident": world.resident,
        "owner": pw.org_admins[0],
        "rival": pw.org_admins[1],
        "street": pw.drafter,
        "other_street": world.official_b,
        "district": world.district_admin,
        "superuser": UserFactory(is_superuser=True, is_staff=True),
        "evaluator": UserFactory(display_name="评审专家"),
    }
    return project, bid, attachment["id"], people


def _appoint_after_deadline(pw, project, evaluator, time_machine):
    time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1), tick=False)
    services.evaluator_appoint(actor=pw.drafter, project=project, user=evaluator)


@pytest.mark.parametrize("phase", ["bidding", "closed"])
def test_before_opening_only_the_bidder_downloads(client, pw, sealed_bid, time_machine, phase):
    project, _bid, file_id, people = sealed_bid
    if phase == "closed":
        _appoint_after_deadline(pw, project, people["evaluator"], time_machine)
    for name, user in people.items():
        expected = (200, PDF) if name == "owner" else (404, b"")
        assert download(client, user, file_id) == expected, name
    assert (
        not AuditEntry.objects.filter(action="core.privatefile.download")
        .exclude(actor=people["owner"])
        .exists()
    )


def test_after_opening_the_street_district_and_evaluator_download_and_are_audited(
    client, pw, sealed_bid, time_machine
):
    project, bid, file_id, people = sealed_bid
    _appoint_after_deadline(pw, project, people["evaluator"], time_machine)
    services.project_open_bids(actor=pw.drafter, project=project)
    readers = {"owner", "street", "district", "evaluator"}
    for name, user in people.items():
        expected = (200, PDF) if name in readers else (404, b"")
        assert download(client, user, file_id) == expected, name
    for name in readers:
        assert AuditEntry.objects.filter(
            action="core.privatefile.download", actor=people[name], object_id=str(file_id)
        ).exists(), name
    # The rule is the bid's: bid_readable_by agrees with every download above.
    bid = Bid.objects.select_related("project", "organization").get(pk=bid.pk)
    for name, user in people.items():
        assert selectors.bid_readable_by(user, bid) == (name in readers), name


def test_the_evaluators_score_page_links_the_attachments(client, pw, sealed_bid, time_machine):
    project, bid, file_id, people = sealed_bid
    evaluator = people["evaluator"]
    _appoint_after_deadline(pw, project, evaluator, time_machine)
    services.project_open_bids(actor=pw.drafter, project=project)
    services.conflict_declare(actor=evaluator, project=project, statement="本人与各投标人无利害关系。")
    page = login(client, evaluator).get(f"/admin/procurement/my-evaluations/score/{bid.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "服务方案.pdf" in html and f"/files/{file_id}/" in html


# --- the API ------------------------------------------------------------------------------------
def _multipart(project, org, **overrides) -> dict:
    body = {
        "project": project.pk,
        "organization": org.pk,
        "price_fen": 21_234_500,
        "proposal": "API 投标方案",
        "team": "社工2名",
        "declarations": json.dumps({"no_collusion": True, "truthful": True, "no_major_violation": True}),
    }
    body.update(overrides)
    return body


def test_api_bid_with_attachments_and_its_detail(pw, private_root):
    project = pw.published()
    owner = pw.org_admins[0]
    api = client_for(owner)
    response = api.post(
        "/api/v1/bids/",
        _multipart(
            project, pw.orgs[0], attachments=[pdf("API方案.pdf"), SimpleUploadedFile("图.png", png_bytes())]
        ),
        format="multipart",
    )
    assert response.status_code == 201, response.content.decode()[:1000]
    bid = Bid.objects.get(pk=response.json()["id"])
    assert bid.status == BidStatus.SUBMITTED
    detail = api.get(f"/api/v1/bids/{bid.pk}/").json()
    files = {f["name"]: f for f in detail["contents"]["attachments"]}
    assert set(files) == {"API方案.pdf", "图.png"}
    assert files["API方案.pdf"]["size"] == len(PDF)
    assert files["API方案.pdf"]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert files["API方案.pdf"]["download_url"].endswith(f"/files/{files['API方案.pdf']['id']}/")
    assert "attachment_ids" not in detail["contents"]
    for record in PrivateFile.objects.filter(purpose="bid_attachment"):
        assert b"%PDF" not in (private_root / record.stored_name).read_bytes()


def test_api_multipart_takes_the_declarations_as_fields_too(pw):
    project = pw.published()
    body = _multipart(project, pw.orgs[0], attachments=[pdf()])
    del body["declarations"]
    body.update({f"declarations.{k}": "true" for k in ("no_collusion", "truthful", "no_major_violation")})
    response = client_for(pw.org_admins[0]).post("/api/v1/bids/", body, format="multipart")
    assert response.status_code == 201, response.content.decode()[:1000]
    # A missing declaration is still the service's Chinese refusal.
    body.update({"declarations.truthful": "false", "attachments": [pdf()]})
    refused(
        client_for(pw.org_admins[1]).post(
            "/api/v1/bids/", {**body, "organization": pw.orgs[1].pk}, format="multipart"
        ),
        400,
        field="declarations",
    )


def test_api_json_bid_without_attachments_still_works(pw):
    project = pw.published()
    response = client_for(pw.org_admins[0]).post(
        "/api/v1/bids/",
        {
            "project": project.pk,
            "organization": pw.orgs[0].pk,
            "price_fen": 21_000_000,
            "proposal": "方案",
            "team": "团队",
            "declarations": {"no_collusion": True, "truthful": True, "no_major_violation": True},
            "attachment_ids": ["made-up"],  # the old field is gone: nothing fake is sealed
        },
        format="json",
    )
    assert response.status_code == 201, response.content.decode()[:1000]
    bid = Bid.objects.get(pk=response.json()["id"])
    sealed = selectors.bid_contents(viewer=pw.org_admins[0], bid=bid)
    assert sealed["attachments"] == [] and "attachment_ids" not in sealed


def test_api_refused_file_is_a_chinese_400_and_changes_nothing(pw, private_root):
    project = pw.published()
    body = refused(
        client_for(pw.org_admins[0]).post(
            "/api/v1/bids/",
            _multipart(project, pw.orgs[0], attachments=[pdf("假.pdf", b"not a pdf at all")]),
            format="multipart",
        ),
        400,
        code="file_type",
        field="attachments",
    )
    assert "假.pdf" in body["detail"] and is_chinese(body["detail"])
    assert not Bid.objects.filter(project=project).exclude(status=BidStatus.DRAFT).exists()
    assert not PrivateFile.objects.exists() and stored_files(private_root) == []
