"""MEDIA_S3_BUCKET: media and private files on S3-compatible object storage (django-storages).

The round trips run against moto's in-process S3 (nothing leaves the process): a Wagtail
document and a private file are saved through the portal's own code and read back; the private
one is never given a public URL."""

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto import mock_aws
from wagtail.documents.models import Document

from config.settings.base import PRIVATE_S3_URL_SECONDS, file_storages
from marketplace.core import files
from tests.factories import UserFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
UNSET = {
    "bucket": "",
    "private_bucket": "",
    "endpoint_url": "",
    "region": "",
    "access_key_id": "",
    "secret_access_key": "",
    "custom_domain": "",
    "addressing_style": "",
}
S3 = {
    **UNSET,
    "bucket": "portal-media",
    "private_bucket": "portal-private",
    "region": "us-east-1",
    "access_key_id": "test-access-key",
    "secret_access_key": "test-secret-key",
}


# --- The settings switch ------------------------------------------------------------------


def test_without_a_bucket_files_stay_on_this_server(tmp_path):
    built = file_storages(UNSET, private_root=tmp_path)
    assert built["default"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert built["private"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert built["private"]["OPTIONS"]["location"] == tmp_path


def test_the_active_settings_come_from_the_helper(settings):
    built = file_storages(settings.MEDIA_S3, private_root=settings.PRIVATE_FILES_ROOT)
    assert settings.STORAGES["private"] == built["private"]


def test_a_bucket_puts_media_and_private_files_on_s3():
    built = file_storages(
        {**S3, "custom_domain": "media.example.cn", "endpoint_url": "https://oss.example.cn"},
        private_root=None,
    )
    media, private = built["default"], built["private"]
    assert media["BACKEND"] == private["BACKEND"] == "storages.backends.s3.S3Storage"
    assert media["OPTIONS"]["bucket_name"] == "portal-media"
    assert media["OPTIONS"]["querystring_auth"] is False
    assert media["OPTIONS"]["custom_domain"] == "media.example.cn"
    assert private["OPTIONS"]["bucket_name"] == "portal-private"
    assert private["OPTIONS"]["location"] == ""
    # Private files: signed, short-lived links only, never the public domain.
    assert private["OPTIONS"]["querystring_auth"] is True
    assert private["OPTIONS"]["querystring_expire"] == PRIVATE_S3_URL_SECONDS
    assert private["OPTIONS"]["custom_domain"] is None
    for options in (media["OPTIONS"], private["OPTIONS"]):
        assert options["endpoint_url"] == "https://oss.example.cn"
        assert options["file_overwrite"] is False
        assert options["default_acl"] is None


def test_without_a_private_bucket_private_files_go_under_a_prefix():
    private = file_storages({**S3, "private_bucket": ""}, private_root=None)["private"]["OPTIONS"]
    assert (private["bucket_name"], private["location"]) == ("portal-media", "private")


def test_unset_credentials_are_left_to_boto3():
    """An instance role or the AWS_* variables then supply them."""
    options = file_storages({**UNSET, "bucket": "portal-media"}, private_root=None)["default"]["OPTIONS"]
    assert not {"access_key", "secret_key", "region_name", "endpoint_url"} & set(options)


# --- Round trips through moto's S3 --------------------------------------------------------


@pytest.fixture
def s3(settings, monkeypatch):
    # Nothing of the machine's own AWS set-up may reach boto3.
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    with mock_aws():
        client = boto3.client(
            "s3",
            region_name="us-east-1",
            aws_access_key_id=S3["access_key_id"],
            aws_secret_access_key=S3["secret_access_key"],
        )
        for bucket in (S3["bucket"], S3["private_bucket"]):
            client.create_bucket(Bucket=bucket)
        settings.STORAGES = {
            **settings.STORAGES,
            **file_storages({**S3, "custom_domain": "media.example.cn"}, private_root=None),
        }
        yield client


def _keys(client, bucket: str) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_a_wagtail_document_is_stored_in_the_media_bucket_and_served(s3, client, db):
    document = Document.objects.create(title="政策文件", file=ContentFile(PDF, name="policy.pdf"))
    assert type(default_storage._wrapped).__name__ == "S3Storage"
    assert _keys(s3, "portal-media") == [document.file.name]
    assert s3.get_object(Bucket="portal-media", Key=document.file.name)["Body"].read() == PDF
    # Media have a plain URL on the public domain.
    assert document.file.url == f"https://media.example.cn/{document.file.name}"

    # A second upload of the same name gets a name of its own instead of replacing the first.
    second = Document.objects.create(title="另一份", file=ContentFile(b"%PDF-1.4 other", name="policy.pdf"))
    assert second.file.name != document.file.name
    assert s3.get_object(Bucket="portal-media", Key=document.file.name)["Body"].read() == PDF

    # The portal serves documents through its own view (WAGTAILDOCS_SERVE_METHOD), read from S3.
    response = client.get(reverse("wagtaildocs_serve", args=(document.id, document.filename)))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


@pytest.fixture
def private_purpose():
    files.register_purpose(files.FilePurpose("scaleout_test", kinds=frozenset({"pdf"}), sensitive=True))


def test_a_private_file_is_stored_privately_and_read_back_through_the_permission_check(
    s3, client, db, private_purpose
):
    owner = UserFactory()
    record = files.private_file_store(
        upload=SimpleUploadedFile("身份证明.pdf", PDF), purpose="scaleout_test", actor=owner
    )
    assert _keys(s3, "portal-private") == [record.stored_name]
    assert _keys(s3, "portal-media") == []
    # No grant to anyone but the owner: the object is not public.
    grants = s3.get_object_acl(Bucket="portal-private", Key=record.stored_name)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert all("URI" not in grant["Grantee"] for grant in grants)

    # Read back through the service, and through the download view.
    _, handle = files.private_file_open(user=owner, file_id=record.pk)
    with handle:
        assert handle.read() == PDF
    client.force_login(owner)
    response = client.get(reverse("frontend:private_file", args=(record.pk,)))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    # Someone else gets the same 404 as for a missing file.
    client.force_login(UserFactory())
    assert client.get(reverse("frontend:private_file", args=(record.pk,))).status_code == 404

    # Whatever asks the storage for a link gets a signed one that soon expires, never a public URL.
    url = storages["private"].url(record.stored_name)
    assert "X-Amz-Signature=" in url
    assert f"X-Amz-Expires={PRIVATE_S3_URL_SECONDS}" in url
    assert "media.example.cn" not in url
