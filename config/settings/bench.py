"""Benchmarks (bench/): production behaviour, served on loopback without TLS.

DEBUG is off, templates are cached and database connections persist, as in production; HTTPS
redirects and secure cookies are off because wrk talks plain HTTP to 127.0.0.1. The URLconf adds
one trivial view, the ceiling every page is measured against (bench/urls.py).
"""

from config.env import env

from .base import *  # noqa: F403
from .base import DATABASES, STORAGES

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The benchmark requests HTML pages only; it does not need `collectstatic`'s manifest.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# Access logs and per-request INFO lines would measure the terminal, not the portal; errors show.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler", "level": "ERROR"}},
    "root": {"level": "ERROR", "handlers": ["console"]},
}
