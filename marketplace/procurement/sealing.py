"""Sealed bids: each project has its own key; bid contents are sealed with it.

The project key is kept encrypted under the portal's field keys (core.crypto), so a database
dump alone opens nothing. This module only seals and unseals; *who* may have a bid unsealed, and
when, is decided in one place: ``selectors.bid_readable_by`` (used by ``selectors.bid_contents``
and by the download rule of bid attachments) and ``services.project_open_bids``.
"""

import hashlib
import json

from cryptography.fernet import Fernet

from marketplace.core import crypto

from .models import Project, ProjectKey


def create_project_key(project: Project) -> ProjectKey:
    key = Fernet.generate_key().decode("ascii")
    return ProjectKey.objects.get_or_create(project=project, defaults={"wrapped_key": crypto.encrypt(key)})[0]


def _fernet(project: Project) -> Fernet:
    wrapped = ProjectKey.objects.get(project=project).wrapped_key
    return Fernet(crypto.decrypt(wrapped).encode("ascii"))


def canonical(contents: dict) -> bytes:
    return json.dumps(contents, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def receipt_hash(contents: dict, submitted_at_iso: str) -> str:
    """What the bidder keeps: proves what was submitted and when, without revealing it."""
    return hashlib.sha256(canonical(contents) + b"|" + submitted_at_iso.encode("ascii")).hexdigest()


def seal(project: Project, contents: dict) -> str:
    return _fernet(project).encrypt(canonical(contents)).decode("ascii")


def unseal(project: Project, token: str) -> dict:
    return json.loads(_fernet(project).decrypt(token.encode("ascii")).decode("utf-8"))


def seal_bytes(project: Project, data: bytes) -> bytes:
    """A file's bytes sealed with the project's key (bid attachments at rest)."""
    return _fernet(project).encrypt(data)


def unseal_bytes(project: Project, data: bytes) -> bytes:
    return _fernet(project).decrypt(data)
