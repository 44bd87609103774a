import hashlib
import io

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from marketplace.core import files
from marketplace.core.exceptions import NotFound, ValidationFailed
from marketplace.core.models import AuditEntry, PrivateFile
from tests.factories import UserFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buf, format="PNG")
    return buf.getvalue()


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
def purposes():
    files.register_purpose(
        files.FilePurpose("test_doc", kinds=frozenset({"pdf", "png"}), max_bytes=1024, sensitive=True)
    )
    files.register_purpose(
        files.FilePurpose("test_public", kinds=frozenset({"pdf"}), can_read=lambda user, f: True)
    )


@pytest.fixture
def owner(db):
    return UserFactory()


def test_a_valid_pdf_is_stored_under_a_generated_name(purposes, owner, private_root):
    record = files.private_file_store(
        upload=SimpleUploadedFile("章程.pdf", PDF), purpose="test_doc", actor=owner, attached_to="x:1"
    )
    assert record.original_name == "章程.pdf"
    assert "章程" not in record.stored_name and record.stored_name.endswith(".pdf")
    assert (private_root / record.stored_name).read_bytes() == PDF
    assert record.content_type == "application/pdf" and record.size == len(PDF) and len(record.sha256) == 64
    assert AuditEntry.objects.filter(action="core.privatefile.upload", object_id=str(record.pk)).exists()


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("evil.pdf", b"MZ\x90\x00 not a pdf at all", "file_type"),  # content does not match
        ("picture.pdf", None, "file_type"),  # a PNG named .pdf
        ("doc.exe", PDF, "file_type"),  # right content, wrong extension
        ("empty.pdf", b"", "file_empty"),
        ("big.pdf", PDF + b"0" * 2048, "file_too_large"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(purposes, owner, private_root, name, content, code):
    content = png_bytes() if content is None else content
    with pytest.raises(ValidationFailed) as exc:
        files.private_file_store(upload=SimpleUploadedFile(name, content), purpose="test_doc", actor=owner)
    assert exc.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc.value.message))
    assert not PrivateFile.objects.exists()
    assert not [p for p in private_root.rglob("*") if p.is_file()]


def test_png_accepted_where_allowed(purposes, owner):
    record = files.private_file_store(
        upload=SimpleUploadedFile("a.png", png_bytes()), purpose="test_doc", actor=owner
    )
    assert record.content_type == "image/png"


def test_only_allowed_readers_get_the_file_and_sensitive_reads_are_audited(purposes, owner):
    record = files.private_file_store(
        upload=SimpleUploadedFile("a.pdf", PDF), purpose="test_doc", actor=owner
    )
    stranger = UserFactory()
    with pytest.raises(NotFound):
        files.private_file_open(user=stranger, file_id=record.pk)
    got, handle = files.private_file_open(user=owner, file_id=record.pk)
    with handle:
        assert handle.read() == PDF
    assert AuditEntry.objects.filter(action="core.privatefile.download", actor=owner).count() == 1


def test_download_view_checks_permission(purposes, owner, client):
    record = files.private_file_store(
        upload=SimpleUploadedFile("a.pdf", PDF), purpose="test_doc", actor=owner
    )
    url = f"/files/{record.pk}/"
    assert client.get(url).status_code == 404  # anonymous: as if it did not exist
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "private, no-store"
    assert "attachment" in response["Content-Disposition"]


def test_files_are_not_under_the_public_media_url(purposes, owner, settings, private_root):
    record = files.private_file_store(
        upload=SimpleUploadedFile("a.pdf", PDF), purpose="test_doc", actor=owner
    )
    assert not str(private_root).startswith(str(settings.MEDIA_ROOT))
    assert storages["private"].base_url is None or record.stored_name not in storages["private"].base_url


def test_unknown_purpose_is_a_programming_error(owner):
    with pytest.raises(ValueError):
        files.private_file_store(upload=SimpleUploadedFile("a.pdf", PDF), purpose="nope", actor=owner)


# --- encode/decode hooks (what reaches the disk may be transformed, e.g. encrypted) -------------
def _scramble(attached_to: str, data: bytes) -> bytes:
    return b"SCRAMBLED|" + attached_to.encode() + b"|" + bytes(b ^ 0x5A for b in data)


def _unscramble(record, data: bytes) -> bytes:
    prefix = b"SCRAMBLED|" + record.attached_to.encode() + b"|"
    assert data.startswith(prefix)
    return bytes(b ^ 0x5A for b in data[len(prefix) :])


@pytest.fixture
def encoded_purpose():
    files.register_purpose(
        files.FilePurpose(
            "test_encoded",
            kinds=frozenset({"pdf"}),
            max_bytes=1024,
            sensitive=True,
            encode=_scramble,
            decode=_unscramble,
        )
    )


def test_an_encoded_purpose_stores_the_encoded_bytes_and_describes_the_plaintext(
    encoded_purpose, owner, private_root
):
    record = files.private_file_store(
        upload=SimpleUploadedFile("标书.pdf", PDF), purpose="test_encoded", actor=owner, attached_to="x:7"
    )
    on_disk = (private_root / record.stored_name).read_bytes()
    assert on_disk == _scramble("x:7", PDF)
    assert b"%PDF" not in on_disk and not record.stored_name.endswith(".pdf")
    # Size, digest and type are the plaintext's.
    assert record.size == len(PDF) and record.content_type == "application/pdf"
    assert record.sha256 == hashlib.sha256(PDF).hexdigest()
    got, handle = files.private_file_open(user=owner, file_id=record.pk)
    with handle:
        assert handle.read() == PDF
    assert AuditEntry.objects.filter(action="core.privatefile.download", object_id=str(record.pk)).exists()


def test_an_encoded_purpose_checks_type_and_size_on_the_plaintext(encoded_purpose, owner, private_root):
    # The encoded bytes of a PNG would not look like a PNG, nor like a PDF: the check must see
    # the upload as it came.
    for name, content, code in (
        ("picture.pdf", png_bytes(), "file_type"),
        ("big.pdf", PDF + b"0" * 1024, "file_too_large"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            files.private_file_store(
                upload=SimpleUploadedFile(name, content), purpose="test_encoded", actor=owner
            )
        assert exc.value.code == code
    assert not PrivateFile.objects.exists()
    assert not [p for p in private_root.rglob("*") if p.is_file()]


def test_the_download_view_serves_the_decoded_bytes(encoded_purpose, owner, client):
    record = files.private_file_store(
        upload=SimpleUploadedFile("标书.pdf", PDF), purpose="test_encoded", actor=owner, attached_to="x:8"
    )
    client.force_login(owner)
    response = client.get(f"/files/{record.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"


def test_discard_removes_the_stored_bytes(purposes, owner, private_root):
    record = files.private_file_store(
        upload=SimpleUploadedFile("a.pdf", PDF), purpose="test_doc", actor=owner
    )
    assert (private_root / record.stored_name).exists()
    files.private_file_discard([record])
    assert not (private_root / record.stored_name).exists()
