"""What the deployment tests share: the repository's deploy/ directory, the throwaway production
environment, and how a missing service is reported (skip, or fail under REQUIRE_SERVICES=1)."""

import os
import secrets
import shutil
import socket
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from django.conf import settings

from tests.services import unavailable

REPO = Path(settings.BASE_DIR)
DEPLOY = REPO / "deploy"


def require_commands(*names: str) -> None:
    missing = [name for name in names if shutil.which(name) is None]
    if missing:
        unavailable(f"{', '.join(missing)} not installed")


def base_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Only what a process needs, so that no variable of the test run (DATABASE_URL above all)
    leaks into the commands under test."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
    }
    env.update(extra)
    return env


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The variables production settings insist on, with throwaway values (as in
    tests/config/test_deploy_check.py), and an SQLite database that is never migrated."""
    return base_env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="portal.example.cn",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        PII_HASH_KEY=secrets.token_urlsafe(32),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        PRIVATE_FILES_ROOT=str(tmp_path / "private"),
        TRUSTED_PROXY_COUNT="1",
        **extra,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
