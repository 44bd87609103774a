"""Private files: uploads checked by content against a per-purpose allow-list, size-limited,
stored under generated names outside the public media folder, and served only through a
permission check. Downloads of sensitive files are written to the audit trail.

An app registers each purpose it uses::

    register_purpose(FilePurpose("org_document", kinds={"pdf", "jpg", "png"},
                                 max_bytes=10 * MB, sensitive=True, can_read=org_document_can_read))

A purpose may also transform what reaches the disk: ``encode(attached_to, plaintext)`` gives the
bytes to store and ``decode(record, stored)`` gives the plaintext back on download (sealed bid
attachments are encrypted with their project's key this way). The type check, and the size and
digest on the record, are always those of the plaintext.
"""

import hashlib
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import filetype
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import audit
from .exceptions import NotFound, ValidationFailed
from .models import PrivateFile

MB = 1024 * 1024

# What each allowed kind must look like inside: (extensions, MIME type by content).
KINDS = {
    "pdf": ({".pdf"}, "application/pdf"),
    "jpg": ({".jpg", ".jpeg"}, "image/jpeg"),
    "png": ({".png"}, "image/png"),
    "xlsx": (
        {".xlsx"},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}
KIND_LABELS = {"pdf": "PDF", "jpg": "JPG", "png": "PNG", "xlsx": "Excel(.xlsx)"}


def _owner_only(user, file: PrivateFile) -> bool:
    return user is not None and user.is_authenticated and file.owner_id == user.pk


@dataclass(frozen=True)
class FilePurpose:
    name: str
    kinds: frozenset[str]
    max_bytes: int = 10 * MB
    sensitive: bool = False
    can_read: Callable[[object, PrivateFile], bool] = field(default=_owner_only)
    # Optional transformation of the stored bytes (see the module docstring).
    encode: Callable[[str, bytes], bytes] | None = None
    decode: Callable[[PrivateFile, bytes], bytes] | None = None


_purposes: dict[str, FilePurpose] = {}


def register_purpose(purpose: FilePurpose) -> None:
    unknown = set(purpose.kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown file kinds {unknown}")
    _purposes[purpose.name] = purpose


def get_purpose(name: str) -> FilePurpose:
    try:
        return _purposes[name]
    except KeyError:
        raise ValueError(f"unknown file purpose {name!r}") from None


def _storage():
    return storages["private"]


def private_file_store(*, upload, purpose: str, actor, attached_to: str = "") -> PrivateFile:
    """Check and store one upload (a Django ``UploadedFile`` or any file with ``name``)."""
    spec = get_purpose(purpose)
    allowed = "、".join(KIND_LABELS[k] for k in sorted(spec.kinds))
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    if size == 0:
        raise ValidationFailed(_("文件为空。"), code="file_empty", field="file")
    if size > spec.max_bytes:
        raise ValidationFailed(
            _("文件过大:不能超过 %(mb)s MB。") % {"mb": spec.max_bytes // MB},
            code="file_too_large",
            field="file",
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    guessed = filetype.guess(head)
    suffix = PurePosixPath(upload.name or "").suffix.lower()
    kind = next(
        (
            k
            for k in spec.kinds
            if guessed is not None and guessed.mime == KINDS[k][1] and suffix in KINDS[k][0]
        ),
        None,
    )
    if kind is None:
        raise ValidationFailed(
            _("文件类型不符:只接受 %(kinds)s,且扩展名须与文件内容一致。") % {"kinds": allowed},
            code="file_type",
            field="file",
        )
    digest = hashlib.sha256()
    chunks = []
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        digest.update(chunk)
        chunks.append(chunk)
    data = b"".join(chunks)
    if spec.encode is not None:
        data = spec.encode(attached_to, data)
    now = timezone.now()
    # Encoded bytes are not a file of the kind any more: their name does not claim it.
    extension = ".sealed" if spec.encode is not None else sorted(KINDS[kind][0])[0]
    stored_name = f"{purpose}/{now:%Y/%m}/{uuid.uuid4().hex}{extension}"
    saved_name = _storage().save(stored_name, ContentFile(data))
    try:
        with transaction.atomic():
            record = PrivateFile.objects.create(
                purpose=purpose,
                owner=actor if getattr(actor, "is_authenticated", False) else None,
                attached_to=attached_to,
                original_name=PurePosixPath(upload.name or "file").name[:255],
                stored_name=saved_name,
                content_type=KINDS[kind][1],
                size=size,
                sha256=digest.hexdigest(),
                sensitive=spec.sensitive,
            )
            audit.record(
                actor=actor,
                action="core.privatefile.upload",
                obj=record,
                changes={"purpose": purpose, "size": size},
            )
    except Exception:
        _storage().delete(saved_name)
        raise
    return record


def private_file_discard(records) -> None:
    """Remove the stored bytes of records whose rows are being rolled back: a service that stores
    several files in one transaction calls this when it fails after storing some of them."""
    for record in records:
        _storage().delete(record.stored_name)


def private_file_open(*, user, file_id) -> tuple[PrivateFile, object]:
    """Return (record, open file) when the user may read it; audit sensitive reads."""
    record = PrivateFile.objects.filter(pk=file_id).first()
    if record is None:
        raise NotFound()
    spec = _purposes.get(record.purpose)
    if spec is None or not spec.can_read(user, record):
        # The same answer as a missing file: do not reveal that it exists.
        raise NotFound()
    if spec.decode is not None:
        with _storage().open(record.stored_name, "rb") as stored:
            handle = io.BytesIO(spec.decode(record, stored.read()))
    else:
        handle = _storage().open(record.stored_name, "rb")
    if record.sensitive:
        audit.record(actor=user, action="core.privatefile.download", obj=record)
    return record, handle
