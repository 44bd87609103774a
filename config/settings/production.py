"""Production: every secret must come from the environment; nothing falls back to a default."""

from config.env import env

from .base import *  # noqa: F403
from .base import EMAIL_URL, LOGGING

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS")
PII_HASH_KEY = env.str("PII_HASH_KEY")

SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A load balancer's health check asks over plain HTTP; a redirect would read as "down".
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Nothing frames the portal; Wagtail's preview panel sets SAMEORIGIN on its own views.
X_FRAME_OPTIONS = "DENY"
if not EMAIL_URL:
    # Without EMAIL_URL, hand mail to the host's own MTA rather than printing it to the console.
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "localhost", "port": 25},
        }
    }
LOGGING["handlers"]["console"]["formatter"] = env.str("LOG_FORMAT", default="json")
