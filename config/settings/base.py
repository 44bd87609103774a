"""Settings shared by every environment.

Every deployment value comes from the environment through ``config.env``. With no variables at
all the portal runs on the embedded default: SQLite, the database search backend, the database
task queue, console e-mail and console SMS.
"""

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config.env import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me-" + "x" * 30)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

SITE_ID = 1
WAGTAIL_SITE_NAME = "太和区基层治理服务平台"
WAGTAILADMIN_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    # The project's own apps come first so that their templates override the libraries'.
    "frontend",
    "marketplace.core",
    "marketplace.places",
    "marketplace.accounts",
    "marketplace.organizations",
    "marketplace.procurement",
    "marketplace.volunteers",
    "marketplace.fund",
    "cms",
    "search",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.frontend_cache",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Accounts
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "axes",
    # API and background work
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tasks_db",
    # Django
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.humanize",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "marketplace.core.middleware.RequestIdMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and authentication: a cached anonymous page is answered without either.
    "frontend.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "marketplace.accounts.middleware.SessionPolicyMiddleware",
    "marketplace.accounts.middleware.StaffMFARequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Below Django's CSP middleware so that it marks the admin's responses before the header is written.
    "frontend.middleware.AdminContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Axes last, so that it sees the final response of a failed login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "frontend.context_processors.portal",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# SQLite by default; DATABASE_URL (postgres://...) switches to PostgreSQL.
(BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if IS_POSTGRES:
    INSTALLED_APPS.append("django.contrib.postgres")
else:
    # Wait for a lock instead of failing at once when the worker and the server both write.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# An optional read replica: the safe reads of a web request go there (config/db_router.py).
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
# After a write the same client reads the primary this long: more than the replica's usual lag.
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=5)


def replica_database(url: str, default: dict) -> dict:
    """The replica's DATABASES entry: another server with the default's options; in a test run, a
    mirror of the default's test database (a separate test database would never see the writes)."""
    replica = env.db_url_config(url)
    if replica["ENGINE"] != default["ENGINE"]:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL 必须与 DATABASE_URL 是同一种数据库。"
            " / DATABASE_REPLICA_URL must be the same kind of database as DATABASE_URL."
        )
    replica["ATOMIC_REQUESTS"] = default["ATOMIC_REQUESTS"]
    replica["CONN_MAX_AGE"] = default["CONN_MAX_AGE"]
    replica["OPTIONS"] = {**default.get("OPTIONS", {}), **replica.get("OPTIONS", {})}
    replica["TEST"] = {"MIRROR": "default"}
    return replica


if DATABASE_REPLICA_URL:
    DATABASES["replica"] = replica_database(DATABASE_REPLICA_URL, DATABASES["default"])
    DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
    # First, so that its cookie covers what the other middleware write on the way out.
    MIDDLEWARE.insert(0, "config.db_router.ReplicaPinMiddleware")

# --- Cache --------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# "pages": whole anonymous pages and public fragments (frontend/page_cache.py). "table_versions":
# one token per table, replaced by every write (marketplace/core/table_versions.py); it must be
# shared by every process that writes (web workers, the task worker, management commands), so
# without Redis it is a file cache, never local memory.
PAGE_CACHE_ALIAS = "pages"
PAGE_CACHE_VERSIONS_ALIAS = "table_versions"
PAGE_CACHE_ENABLED = env.bool("PAGE_CACHE_ENABLED", default=True)
# The longest a page or fragment is kept: the bound on staleness for what changes with the clock
# alone (a bid window closing), which no write announces.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=60)
if REDIS_URL:
    # Django's Redis backend, minus building a client for every operation.
    _redis = "marketplace.core.cache.RedisCache"
    CACHES = {
        "default": {"BACKEND": _redis, "LOCATION": REDIS_URL},
        PAGE_CACHE_ALIAS: {"BACKEND": _redis, "LOCATION": REDIS_URL, "KEY_PREFIX": "pages"},
        PAGE_CACHE_VERSIONS_ALIAS: {"BACKEND": _redis, "LOCATION": REDIS_URL, "TIMEOUT": None},
    }
else:
    _locmem = "django.core.cache.backends.locmem.LocMemCache"
    CACHES = {
        "default": {"BACKEND": _locmem, "LOCATION": "portal"},
        # Per process; pages are some 20-60 kB each.
        PAGE_CACHE_ALIAS: {"BACKEND": _locmem, "LOCATION": "pages", "OPTIONS": {"MAX_ENTRIES": 1000}},
        PAGE_CACHE_VERSIONS_ALIAS: {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": BASE_DIR / "var" / "cache" / "table-versions",
            "TIMEOUT": None,
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
    }
# Wagtail purges a page's URLs when it is published or unpublished. A CDN or nginx cache in
# front of the portal gets a backend of its own beside this one (e.g. Wagtail's HTTPBackend for
# nginx's purge module, or its CloudFront/Cloudflare backends).
WAGTAILFRONTENDCACHE = {"portal": {"BACKEND": "frontend.page_cache.PageCacheBackend"}}

# --- Accounts -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out (account, IP) pair before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "marketplace.accounts.auth_backends.PortalAuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "frontend:my_portal"
WAGTAILADMIN_LOGIN_URL = "account_login"

ACCOUNT_ADAPTER = "marketplace.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"phone", "email"}
# Sign-up requires a phone (marketplace.accounts.adapters.SignupForm), but allauth must not:
# with "phone*" it silently refuses every login of an account without one (staff created with
# only an e-mail address).
ACCOUNT_SIGNUP_FIELDS = ["phone", "email", "password1*"]
# allauth warns that phone login wants a required phone at sign-up; the form requires it.
SILENCED_SYSTEM_CHECKS = ["account.W001"]
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ALLAUTH_USER_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
# SMS codes work 5 minutes, whether they verify a phone or log in (the SMS text says so).
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = 5 * 60
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 5 * 60
# Refuse a sign-up or phone change while the SMS limit is reached, before anything is saved.
ACCOUNT_FORMS = {
    "signup": "marketplace.accounts.adapters.SignupForm",
    "change_phone": "marketplace.accounts.adapters.ChangePhoneForm",
}
ACCOUNT_RATE_LIMITS = {
    # Per phone (key) and per client IP: one code a minute to a phone, five an hour. allauth 65.22
    # keys "verify_phone" by the E.164 number (sign-up, resend, phone change) and
    # "request_login_code" by the number or e-mail address a login code is asked for. The IP
    # limit comes first: allauth stops at the first limit reached without giving back the ones
    # before it, so a refused IP must not use up a phone's allowance.
    "verify_phone": "10/h/ip,1/60s/key,5/h/key",
    "request_login_code": "10/h/ip,1/60s/key,5/h/key",
    "change_phone": "1/m/user",
    # Lockout itself is django-axes' job; allauth's own counter stays as a second fence.
    "login_failed": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "太和区基层治理服务平台"
SOCIALACCOUNT_PROVIDERS: dict = {}

# Login throttling: 5 failures lock the (account, client IP) pair for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
# The lock ends 30 minutes after the failure that set it: tries while locked do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "marketplace.accounts.axes.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "marketplace.core.http.client_ip"
AXES_LOCKOUT_CALLABLE = "marketplace.accounts.views.lockout"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False
# The typed login is a phone number or e-mail address: keep it out of axes' stored POST data.
AXES_SENSITIVE_PARAMETERS = ["login"]
# How many reverse proxies in front of the app append to X-Forwarded-For (0: none, trust nothing).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Sessions: all end 12 hours after login; staff sessions also after 30 idle minutes.
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
STAFF_SESSION_IDLE_SECONDS = 30 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Personal data ------------------------------------------------------------------------
# Fernet keys (newest first) encrypt resident ID numbers; a separate key makes the lookup hash.
# Without keys (development only) both are derived from SECRET_KEY.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
PII_HASH_KEY = env.str("PII_HASH_KEY", default="dev-hash-key:" + SECRET_KEY)

# --- SMS ----------------------------------------------------------------------------------
SMS_BACKEND = env.str("SMS_BACKEND", default="marketplace.core.sms.ConsoleSMSBackend")
SMS_OPTIONS = env.json("SMS_OPTIONS", default={})

# --- E-mail -------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="太和区基层治理服务平台 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    _email = env.email_url("EMAIL_URL")
    MAILERS = {
        "default": {
            "BACKEND": _email["EMAIL_BACKEND"],
            "OPTIONS": {
                "host": _email.get("EMAIL_HOST", ""),
                "port": _email.get("EMAIL_PORT") or 25,
                "username": _email.get("EMAIL_HOST_USER", ""),
                "password": _email.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": bool(_email.get("EMAIL_USE_TLS")),
                "use_ssl": bool(_email.get("EMAIL_USE_SSL")),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

# --- Static and media ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Private files live outside MEDIA_ROOT and are only ever served through a permission check.
PRIVATE_FILES_ROOT = env.path("PRIVATE_FILES_ROOT", default=BASE_DIR / "var" / "private")
# Set MEDIA_S3_BUCKET to keep media (and private files) on S3-compatible object storage instead.
MEDIA_S3 = {
    "bucket": env.str("MEDIA_S3_BUCKET", default=""),
    "private_bucket": env.str("MEDIA_S3_PRIVATE_BUCKET", default=""),
    "endpoint_url": env.str("MEDIA_S3_ENDPOINT_URL", default=""),
    "region": env.str("MEDIA_S3_REGION", default=""),
    "access_key_id": env.str("MEDIA_S3_ACCESS_KEY_ID", default=""),
    "secret_access_key": env.str("MEDIA_S3_SECRET_ACCESS_KEY", default=""),
    "custom_domain": env.str("MEDIA_S3_CUSTOM_DOMAIN", default=""),
    "addressing_style": env.str("MEDIA_S3_ADDRESSING_STYLE", default=""),
}
# How long a signed link to a private object works, for whatever asks the storage for a URL.
PRIVATE_S3_URL_SECONDS = 300


def file_storages(s3: dict, *, private_root) -> dict:
    """STORAGES["default"] and ["private"]: folders on this server, or S3 when a bucket is named.

    On S3 media get plain URLs (under MEDIA_S3_CUSTOM_DOMAIN, a CDN, when set). Private files go
    to MEDIA_S3_PRIVATE_BUCKET, or under private/ in the media bucket, whose public-read policy
    must then leave that prefix out. Objects are written without an ACL (buckets that enforce
    the owner refuse any other), so they are private unless a policy says otherwise; a URL of a
    private file is always signed and short-lived, and the portal serves them through its own
    permission-checked view anyway. Names are never overwritten: Django picks a free one."""
    if not s3["bucket"]:
        return {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "private": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": private_root, "base_url": None},
            },
        }
    connection = {
        "endpoint_url": s3["endpoint_url"],
        "region_name": s3["region"],
        "access_key": s3["access_key_id"],
        "secret_key": s3["secret_access_key"],
        "addressing_style": s3["addressing_style"],
    }
    # Unset ones are left out: boto3 then finds credentials and the region itself (AWS_* variables,
    # an instance role).
    connection = {key: value for key, value in connection.items() if value}
    common = {**connection, "file_overwrite": False, "default_acl": None, "signature_version": "s3v4"}
    return {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **common,
                "bucket_name": s3["bucket"],
                "querystring_auth": False,
                "custom_domain": s3["custom_domain"] or None,
            },
        },
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **common,
                "bucket_name": s3["private_bucket"] or s3["bucket"],
                "location": "" if s3["private_bucket"] else "private",
                "querystring_auth": True,
                "querystring_expire": PRIVATE_S3_URL_SECONDS,
                "custom_domain": None,
            },
        },
    }


STORAGES = {
    **file_storages(MEDIA_S3, private_root=PRIVATE_FILES_ROOT),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Security headers ---------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.SELF],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
# The Wagtail admin allows inline styles for its rich-text editor: see frontend/middleware.py.
# No Gravatar: the admin would load avatars from a third-party origin the policy refuses (and
# that is unreachable from mainland China), sending a hash of each staff e-mail address there.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# --- Background work ----------------------------------------------------------------------
# One TASKS setting drives Django's tasks and Wagtail's (django-tasks backport) alike.
# TASK_BACKEND: "db" (the database; worker `manage.py db_worker`), "rq" (Redis; worker
# `manage.py rqworker`, see `make worker`) or "immediate" (inside the request, no worker).
TASK_BACKEND = env.str("TASK_BACKEND", default="db")
# The queue may have a Redis of its own: a cache Redis that evicts keys would drop queued jobs.
TASK_REDIS_URL = env.str("TASK_REDIS_URL", default="") or env.str("REDIS_URL", default="")
# Every task of the portal and of Wagtail runs on Django's default queue.
TASK_QUEUES = ["default"]


def task_settings(backend: str, redis_url: str, queues: list[str]) -> tuple[dict, dict]:
    """TASKS, and django-rq's RQ_QUEUES (empty unless the backend is "rq"), for TASK_BACKEND."""
    if backend == "db":
        return {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}, {}
    if backend == "immediate":
        return {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}, {}
    if backend != "rq":
        raise ImproperlyConfigured(
            f"TASK_BACKEND 只能是 db、rq 或 immediate,而不是 {backend!r}。"
            f" / TASK_BACKEND must be db, rq or immediate, not {backend!r}."
        )
    if not redis_url:
        raise ImproperlyConfigured(
            "TASK_BACKEND=rq 需要 Redis:请设置 REDIS_URL(或 TASK_REDIS_URL)。"
            " / TASK_BACKEND=rq needs Redis: set REDIS_URL (or TASK_REDIS_URL)."
        )
    return (
        {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": list(queues)}},
        {name: {"URL": redis_url} for name in queues},
    )


TASKS, RQ_QUEUES = task_settings(TASK_BACKEND, TASK_REDIS_URL, TASK_QUEUES)
if TASK_BACKEND == "rq":
    # django_rq brings the `rqworker` command; django_tasks_rq the backend and its Job class.
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an anonymous request is then answered 401 with "WWW-Authenticate: Token".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "marketplace.accounts.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # JSON only: the browsable API's inline scripts break under the CSP; /api/docs/ replaces it.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "marketplace.core.api.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "marketplace.core.openapi.PortalAutoSchema",
    "EXCEPTION_HANDLER": "marketplace.core.api.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_RATES": {"anon": "120/min", "user": "600/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "太和区基层治理服务平台 API",
    "DESCRIPTION": "Grassroots-governance portal: places, accounts, notifications.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "PREPROCESSING_HOOKS": ["marketplace.core.api.schema_public_api_only"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "NotificationKindEnum": "marketplace.core.models.NotificationKind",
        "PartyOrgKindEnum": "marketplace.places.choices.PartyOrgKind",
    },
}

# --- Search -------------------------------------------------------------------------------
# Set: the portal's search (search.service) and Wagtail's admin search both use Elasticsearch.
ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL", default="")
# Every index and alias name starts with this, so that several sites can share one cluster.
ELASTICSEARCH_INDEX_PREFIX = env.str("ELASTICSEARCH_INDEX_PREFIX", default="portal")
ELASTICSEARCH_TIMEOUT = env.float("ELASTICSEARCH_TIMEOUT", default=5.0)


def wagtailsearch_backends(elasticsearch_url: str, index_prefix: str, timeout: float) -> dict:
    """Wagtail's search backend, made from the same variable as the portal's own."""
    if not elasticsearch_url:
        return {"default": {"BACKEND": "wagtail.search.backends.database"}}
    return {
        "default": {
            "BACKEND": "wagtail.search.backends.elasticsearch8",
            "URLS": [elasticsearch_url],
            # Wagtail names its indices <INDEX_PREFIX><app>_<model> (it has no INDEX option).
            "INDEX_PREFIX": f"{index_prefix}-wagtail-",
            "TIMEOUT": timeout,
        }
    }


WAGTAILSEARCH_BACKENDS = wagtailsearch_backends(
    ELASTICSEARCH_URL, ELASTICSEARCH_INDEX_PREFIX, ELASTICSEARCH_TIMEOUT
)

# --- Payments -----------------------------------------------------------------------------
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
# Alipay and WeChat Pay beside cards, where the Stripe account allows them.
STRIPE_CHINA_WALLETS = env.bool("STRIPE_CHINA_WALLETS", default=False)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)

# --- The governance fund ------------------------------------------------------------------
# A disbursement above this amount (fen) needs a second approver besides the first.
FUND_SECOND_APPROVAL_FEN = env.int("FUND_SECOND_APPROVAL_FEN", default=10_000_000)

# --- Volunteers ---------------------------------------------------------------------------
# A shift's QR code works from this long before its start to this long after its end; a record's
# hours may exceed the shift by the margin.
VOLUNTEER_CHECKIN_OPENS_BEFORE = timedelta(minutes=env.int("VOLUNTEER_CHECKIN_OPENS_BEFORE_MIN", default=30))
VOLUNTEER_CHECKIN_CLOSES_AFTER = timedelta(minutes=env.int("VOLUNTEER_CHECKIN_CLOSES_AFTER_MIN", default=120))
VOLUNTEER_HOURS_MARGIN = timedelta(minutes=env.int("VOLUNTEER_HOURS_MARGIN_MIN", default=30))
VOLUNTEER_CERTIFICATE_PREFIX = env.str("VOLUNTEER_CERTIFICATE_PREFIX", default="TH")

# --- Open data ----------------------------------------------------------------------------
# The prefix of every OCDS ocid ("<prefix>-<project id>"). Once data is published it must never
# change, or the same contracting process would appear under two ids.
OCDS_OCID_PREFIX = env.str("OCDS_OCID_PREFIX", default="ocds-taihe")

# --- Logging ------------------------------------------------------------------------------
LOG_FORMAT = env.str("LOG_FORMAT", default="text")  # "json" in production
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "marketplace.core.logging.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "jieba": {"level": "WARNING"},
    },
}

# --- Portal -------------------------------------------------------------------------------
PORTAL_DISTRICT_NAME = "太和区"
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILDOCS_SERVE_METHOD = "serve_view"
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
