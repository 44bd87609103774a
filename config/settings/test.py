import tempfile

from .base import *  # noqa: F403
from .base import STORAGES

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
SMS_BACKEND = "marketplace.core.sms.LocmemSMSBackend"
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Uploads made by tests (Wagtail documents and images of the demo pages) go to a folder of the
# test run's own, never into the checkout.
MEDIA_ROOT = tempfile.mkdtemp(prefix="portal-test-media-")
STORAGES = {
    **STORAGES,
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# A small app with a model on the lifecycle engine, used only by the engine's own tests.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]
# Field encryption keys fixed for tests (rotation is tested by changing them).
FIELD_ENCRYPTION_KEYS = ["kDvsYkt5kP5FOMLh5lZ8tZ_3tv7H0sSP5Jl3Q3GdmO0="]
PII_HASH_KEY = "test-pii-hash-key"

# One process: the page cache and its table versions in local memory, the page cache on (tests
# prove that a change appears on the next request). tests/conftest.py clears them between tests.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-default"},
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-pages"},
    "table_versions": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "test-table-versions",
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}
PAGE_CACHE_ENABLED = True
