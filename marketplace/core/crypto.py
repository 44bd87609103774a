"""Encryption at rest for personal data, and keyed hashes for looking it up.

Fernet (AES-128-CBC + HMAC-SHA256) from ``cryptography``; ``MultiFernet`` lets keys rotate:
the first key encrypts, every key decrypts. The lookup hash is HMAC-SHA256 under a separate
key, so equal values can be found and kept unique without decrypting anything.
"""

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@functools.cache
def _fernet() -> MultiFernet:
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        # Development and tests only: production settings require FIELD_ENCRYPTION_KEYS.
        derived = hashlib.sha256(("field-encryption:" + settings.SECRET_KEY).encode()).digest()
        keys = [base64.urlsafe_b64encode(derived).decode()]
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def reset_keys() -> None:
    """Forget cached keys (after settings change in tests)."""
    _fernet.cache_clear()


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:  # a wrong key must fail loudly, never return garbage
        raise ValueError("Encrypted value cannot be decrypted with the configured keys.") from exc


def lookup_hash(value: str) -> str:
    key = settings.PII_HASH_KEY.encode("utf-8")
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
