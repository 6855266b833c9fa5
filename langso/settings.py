"""Settings, all from environment variables with safe production defaults.

DEBUG is off unless LANGSO_DEBUG=1 (``make run`` and the test suite set it);
see README.md "Cấu hình / Configuration" for every variable.
"""

import sys
from pathlib import Path
from typing import Any

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

TESTING = env.bool("LANGSO_TESTING", default="pytest" in sys.modules)
DEBUG = env.bool("LANGSO_DEBUG", default=False)

SECRET_KEY = env.str(
    "SECRET_KEY",
    default="dev-only-insecure-key-change-me-0123456789abcdefghijklmnop"
    if DEBUG or TESTING else "",
)
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("SECRET_KEY must be set when LANGSO_DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Addresses/networks of our own reverse proxies; X-Forwarded-For is believed only from them.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks_db",
    "langso.core",
    "langso.web",
    "langso.api",
    "langso.onestop",
    "langso.signing",
    "langso.reports",
]

MIDDLEWARE = [
    "langso.core.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "langso.onestop.status_cache.StatusPageCacheMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "langso.core.middleware.RequestContextMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "langso.urls"
WSGI_APPLICATION = "langso.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "langso.web.context_processors.site",
                "langso.core.notifications.context_processors.inbox",
            ],
        },
    },
]

# --- Database: SQLite embedded by default, PostgreSQL in production -------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL",
                          default=f"sqlite:///{BASE_DIR / 'var' / 'langso.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default lives in var/; create it so a fresh checkout just works.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server read while the worker writes; IMMEDIATE avoids
    # "database is locked" upgrades inside write transactions.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "langso.core.auth_backends.PhoneOrEmailBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
if TESTING:
    # Hashing cost is irrelevant to what the tests check and dominates their run time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Login protection ----------------------------------------------------------------
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Logs the lock (structured) and answers in Vietnamese, as JSON under /api/.
AXES_LOCKOUT_CALLABLE = "langso.web.accounts.locked_out"
# "+84 912 345 678" and "0912345678" are the same account: count failures once.
AXES_USERNAME_CALLABLE = "langso.core.services.accounts.login_identifier_key"
AXES_USERNAME_FORM_FIELD = "username"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
OTP_TOTP_ISSUER = "Làng Số"
# Staff (anyone holding a role) pass a TOTP check at every login; `make run` turns it off
# for the demo accounts, production keeps it on.
STAFF_REQUIRE_2FA = env.bool("STAFF_REQUIRE_2FA", default=True)
# One-time codes for sign-up and password reset (docs/accounts.md).
ACCOUNT_CODE_TTL_SECONDS = env.int("ACCOUNT_CODE_TTL_SECONDS", default=300)
ACCOUNT_CODE_MAX_ATTEMPTS = env.int("ACCOUNT_CODE_MAX_ATTEMPTS", default=5)
ACCOUNT_CODE_RESEND_SECONDS = env.int("ACCOUNT_CODE_RESEND_SECONDS", default=60)
ACCOUNT_CODES_PER_ADDRESS_HOUR = env.int("ACCOUNT_CODES_PER_ADDRESS_HOUR", default=5)
ACCOUNT_CODES_PER_IP_HOUR = env.int("ACCOUNT_CODES_PER_IP_HOUR", default=10)

# OpenID Connect slot (province SSO, later VNeID): off unless OIDC_ENABLED=1.
OIDC_ENABLED = env.bool("OIDC_ENABLED", default=False)
if OIDC_ENABLED:
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.append("langso.core.auth_backends.OidcBackend")
    OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET")
    OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT")
    OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default=None)
    OIDC_RP_IDP_SIGN_KEY = env.str("OIDC_RP_IDP_SIGN_KEY", default=None)
    OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
    OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid profile email phone")
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="")
OIDC_CALLBACK_CLASS = "langso.web.accounts.OidcCallbackView"
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=15.0)
LOGIN_REDIRECT_URL_FAILURE = "accounts:login"

# --- Internationalisation: Vietnamese first ------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "langso" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["langso.formats"]

# --- Static files and media -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# Without collectstatic (development, tests) whitenoise serves straight from the apps.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or TESTING)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if env.str("MEDIA_STORAGE", default="filesystem") == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default=None),
            "access_key": env.str("S3_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default=None),
            "region_name": env.str("S3_REGION", default=None),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            # Presigned download links (docs/uploads.md): SigV4, which MinIO and AWS expect.
            "signature_version": env.str("S3_SIGNATURE_VERSION", default="s3v4"),
        },
    }
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Stored files are private (served only through the access layer): not world-readable.
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

# --- Uploads: one pipeline for every file a user sends (docs/uploads.md) ---------------
_MB = 1024 * 1024
UPLOAD_MAX_BYTES = {
    "photo": env.int("UPLOAD_MAX_PHOTO_MB", default=15) * _MB,
    "document": env.int("UPLOAD_MAX_DOCUMENT_MB", default=20) * _MB,
    "audio": env.int("UPLOAD_MAX_AUDIO_MB", default=30) * _MB,
    # A field report's short clip: at rural 3G upload speeds 30 MB is already minutes.
    "video": env.int("UPLOAD_MAX_VIDEO_MB", default=30) * _MB,
}
# A field report's clip is refused above this length (probed from the file, not trusted).
UPLOAD_VIDEO_MAX_SECONDS = env.int("UPLOAD_VIDEO_MAX_SECONDS", default=60)
# Most pixels decoded into memory for one image (large JPEGs are first decoded at 1/2-1/8
# scale, so 108 MP phone photos pass); anything bigger is refused as a decompression bomb.
UPLOAD_IMAGE_MAX_PIXELS = env.int("UPLOAD_IMAGE_MAX_PIXELS", default=40_000_000)
UPLOAD_IMAGE_MAX_DIMENSION = env.int("UPLOAD_IMAGE_MAX_DIMENSION", default=2560)
UPLOAD_IMAGE_QUALITY = env.int("UPLOAD_IMAGE_QUALITY", default=82)
# What one user without a role in the commune may store per 24 hours (disk-filling guard).
UPLOAD_DAILY_MB_PER_USER = env.int("UPLOAD_DAILY_MB_PER_USER", default=200)
# S3: lifetime of the presigned download link. UPLOAD_S3_PROXY=1 streams files through
# Django instead, for an S3 endpoint that browsers cannot reach.
UPLOAD_URL_EXPIRY_SECONDS = env.int("UPLOAD_URL_EXPIRY_SECONDS", default=60)
UPLOAD_S3_PROXY = env.bool("UPLOAD_S3_PROXY", default=False)

# --- Background work: django.tasks ----------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
TASK_QUEUE = env.str("TASK_QUEUE", default="database")  # "database" or "rq"
TASKS: dict[str, dict[str, Any]]
if TASK_QUEUE == "rq":
    TASKS = {
        "default": {
            "BACKEND": "django_tasks_rq.RQBackend",
            "QUEUES": ["default"],
        }
    }
    RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0"}}
    INSTALLED_APPS.append("django_rq")
elif TASK_QUEUE == "immediate":
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# --- Cache (rate limits, lockouts): Redis when given, else the database ----------------
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                          "LOCATION": "langso_cache"}}

# Rendered public status pages (langso/onestop/status_cache.py): shared and invalidated
# exactly in Redis; without it each process keeps its own for ONESTOP_STATUS_CACHE_SECONDS.
CACHES["status_pages"] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
     "KEY_PREFIX": "langso"} if REDIS_URL and not TESTING else
    {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "status-pages",
     "OPTIONS": {"MAX_ENTRIES": 5000}})
ONESTOP_STATUS_CACHE_SECONDS = env.int("ONESTOP_STATUS_CACHE_SECONDS", default=30)

# --- Maps (public report map, the report form's map-pick) -------------------------------
# Tiles in Leaflet's {z}/{x}/{y} form and the attribution their licence requires (HTML,
# shown on the map). The OpenStreetMap servers are for light use only: a province should
# point this at its own tile server or a provider it has an agreement with.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env.str(
    "MAP_TILE_ATTRIBUTION",
    default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>')

# --- Devices ----------------------------------------------------------------------------
MQTT_URL = env.str("MQTT_URL", default="mqtt://127.0.0.1:1883")

# --- E-mail and message gateways ------------------------------------------------------
# EMAIL_URL: smtp://user:pass@host:port, smtp+tls://… (STARTTLS), smtps://… (implicit TLS),
# or console:// to print mail instead of sending it.
_email = env.email_url("EMAIL_URL", default="smtp://127.0.0.1:1025")
if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email.get("EMAIL_HOST") or "127.0.0.1",
                "port": _email.get("EMAIL_PORT") or 25,
                "username": _email.get("EMAIL_HOST_USER") or "",
                "password": _email.get("EMAIL_HOST_PASSWORD") or "",
                "use_tls": bool(_email.get("EMAIL_USE_TLS")),
                "use_ssl": bool(_email.get("EMAIL_USE_SSL")),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"]}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Làng Số <no-reply@langso.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
ZALO_ZNS_URL = env.str("ZALO_ZNS_URL", default="")
ZALO_ZNS_ACCESS_TOKEN = env.str("ZALO_ZNS_ACCESS_TOKEN", default="")
# Notifications (docs/notifications.md). SMS: SpeedSMS-format gateway, brandname sender and
# sms_type (3 = brandname). ZNS: our template name=Zalo template id, "default" takes
# {title, content}: ZALO_ZNS_TEMPLATES=default=123456,dossier_status=234567
SMS_SENDER = env.str("SMS_SENDER", default="")
SMS_TYPE = env.int("SMS_TYPE", default=3)
ZALO_ZNS_TEMPLATES = env.dict("ZALO_ZNS_TEMPLATES", default={})
GATEWAY_TIMEOUT_SECONDS = env.float("GATEWAY_TIMEOUT_SECONDS", default=15.0)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
NOTIFICATION_RETENTION_DAYS = env.int("NOTIFICATION_RETENTION_DAYS", default=365)
TASK_RESULT_RETENTION_DAYS = env.int("TASK_RESULT_RETENTION_DAYS", default=14)
TASK_FAILED_RETENTION_DAYS = env.int("TASK_FAILED_RETENTION_DAYS", default=30)
# Public address of this installation (https://langso.example.gov.vn), for links in
# e-mail and SMS; without it messages carry the path only.
SITE_URL = env.str("SITE_URL", default="")

# --- Bank notices of incoming transfers (docs/one-stop.md "Payment") --------------------
# POST /api/v1/payments/webhook/ confirms a dossier's fee. The adapter reads and verifies
# the bank's (or bank-feed service's) request: "signed_json" (HMAC-SHA256, the built-in) or
# a dotted path to a class. An empty or short (< 16 characters) secret turns the hook off.
BANK_WEBHOOK_ADAPTER = env.str("BANK_WEBHOOK_ADAPTER", default="signed_json")
BANK_WEBHOOK_SECRET = env.str("BANK_WEBHOOK_SECRET", default="")

# --- Document signing (docs/one-stop.md "Documents and signatures") ---------------------
# "dev": a CA and commune certificates generated on first use in SIGNING_DEV_DIR (never in
# production: nobody outside trusts them). "pkcs12": a .p12/.pfx file; "{commune}" in the path
# is replaced by the commune code, so each commune may have its own organisation certificate.
# "pkcs11": a key on a token or HSM (the CA's USB token, SoftHSM); "{commune}" in the labels.
# (Not SIGNING_BACKEND: Django's own setting of that name signs cookies.)
SIGNING_KEY_BACKEND = env.str("SIGNING_KEY_BACKEND",
                              default="dev" if DEBUG or TESTING else "pkcs12")
SIGNING_DEV_DIR = env.path("SIGNING_DEV_DIR", default=BASE_DIR / "var" / "signing")
SIGNING_PKCS12_PATH = env.str("SIGNING_PKCS12_PATH", default="")
SIGNING_PKCS12_PASSWORD = env.str("SIGNING_PKCS12_PASSWORD", default="")
SIGNING_PKCS11_MODULE = env.str("SIGNING_PKCS11_MODULE", default="")
SIGNING_PKCS11_TOKEN_LABEL = env.str("SIGNING_PKCS11_TOKEN_LABEL", default="")
SIGNING_PKCS11_KEY_LABEL = env.str("SIGNING_PKCS11_KEY_LABEL", default="")
SIGNING_PKCS11_CERT_LABEL = env.str("SIGNING_PKCS11_CERT_LABEL", default="")
SIGNING_PKCS11_PIN = env.str("SIGNING_PKCS11_PIN", default="")
# PEM files of the roots a signature must chain to be "trusted" (the national root CA, the
# government CA); the dev CA is added while SIGNING_KEY_BACKEND is "dev". Extra intermediates
# embedded in a signed PDF are used to build the chain.
SIGNING_TRUST_ROOTS = env.list("SIGNING_TRUST_ROOTS", default=[])
# The public verification page refuses bigger files before reading them.
SIGNING_VERIFY_MAX_MB = env.int("SIGNING_VERIFY_MAX_MB", default=10)

# --- API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Session auth that ignores a staff session still waiting for its TOTP check.
        "langso.api.authentication.VerifiedSessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "langso.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "langso.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["langso.api.throttling.AnonymousWriteThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon_write": env.str("ANON_WRITE_RATE", default="20/hour")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer",
                                 "rest_framework.renderers.BrowsableAPIRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Làng Số API",
    "DESCRIPTION": "API của nền tảng chính quyền số cấp xã Làng Số.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "kind" field; each choice set gets its own enum name.
    "ENUM_NAME_OVERRIDES": {
        "StoredFileKindEnum": "langso.core.models.uploads.StoredFileKind",
        "CalendarOverrideKindEnum": "langso.core.models.calendar.CalendarOverride.Kind",
        "VillageKindEnum": "langso.core.models.geography.Village.Kind",
        "DossierChannelEnum": "langso.onestop.models.Channel",
    },
}

# --- Security (check --deploy clean when DEBUG is off) ------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not TESTING)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Logging: one JSON object per line -------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "filters": {"request": {"()": "langso.core.logging.RequestContextFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env.str("LOG_FORMAT", default="json"),
            "filters": ["request"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        "amqtt": {"level": "WARNING"},
        "transitions": {"level": "WARNING"},
        # WeasyPrint subsets fonts for every PDF; fontTools narrates each table at INFO.
        "fontTools": {"level": "WARNING"},
    },
}

# --- Làng Số --------------------------------------------------------------------------------
# The commune shown on the public home page when the request does not name one.
LANGSO_DEFAULT_COMMUNE = env.str("LANGSO_DEFAULT_COMMUNE", default="")
LANGSO_DEMO = env.bool("LANGSO_DEMO", default=False)
