"""Settings, all taken from the environment (DESIGN §9)."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE

BASE_DIR = Path(__file__).resolve().parent.parent  # src/xinfang
PROJECT_DIR = Path(os.environ.get("XINFANG_HOME", Path.cwd()))
VAR_DIR = PROJECT_DIR / "var"


def _bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _bool("XINFANG_DEBUG")
# pytest sets PYTEST_VERSION (inherited by the commands the tests start): the suite runs as the demo.
UNDER_PYTEST = bool(os.environ.get("PYTEST_VERSION"))
# Demo mode (`make run` sets XINFANG_DEMO=1): the development keys are allowed, `xinfang demo` creates the
# invented city, and every page says so in a banner. Off in a real installation.
DEMO_MODE = _bool("XINFANG_DEMO", UNDER_PYTEST)
# Development keys (published here, all starting "insecure-") are used only when none is given; the
# system checks of common/checks.py refuse them (`xinfang check --deploy`, the WSGI server, the worker)
# unless XINFANG_DEBUG or XINFANG_DEMO is on.
SECRET_KEY = os.environ.get("XINFANG_SECRET_KEY") or "insecure-development-key-change-me-" + "x" * 20
# Personal-data encryption key (any string; a 256-bit key is derived from it).
DATA_KEY = os.environ.get("XINFANG_DATA_KEY") or "insecure-development-data-key"
# Audit-chain HMAC key (any string; never stored in the database). Unset: the published development key.
AUDIT_KEY = os.environ.get("XINFANG_AUDIT_KEY") or "insecure-development-audit-key"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("XINFANG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
REDIS_URL = os.environ.get("XINFANG_REDIS_URL", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",  # login throttling and lock-out (AXES_* below)
    "django_otp",
    "django_otp.plugins.otp_totp",  # optional TOTP second factor (/account/totp/)
    "xinfang.common",
    "xinfang.audit",
    "xinfang.org",
    "xinfang.petitions",
    "xinfang.workflow",
    "xinfang.notifications",
    "xinfang.oversight",
    "xinfang.oversight.urging",
    "xinfang.oversight.supervision",
    "xinfang.oversight.leadership",
    "xinfang.oversight.screening",
    "xinfang.oversight.scorecards",
    "xinfang.imports",
    "xinfang.knowledge",
    "xinfang.reports",
    "xinfang.insight",
    "xinfang.insight.similarity",
    "xinfang.insight.hotspots",
    "xinfang.insight.feedback",
    "xinfang.api",
    "xinfang.portal",
    "xinfang.portal.open311",
    "xinfang.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy (CONTENT_SECURITY_POLICY below)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "xinfang.common.middleware.NoStoreMiddleware",  # after whitenoise: static files stay cacheable
    "django.contrib.sessions.middleware.SessionMiddleware",
    "xinfang.common.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lock-out into the login page's message
]

ROOT_URLCONF = "xinfang.config.urls"
WSGI_APPLICATION = "xinfang.config.wsgi.application"

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
                "xinfang.web.context_processors.workbench",
                "xinfang.common.context_processors.demo_mode",
                "xinfang.portal.context.portal",
            ],
        },
    },
]

_default_db = f"sqlite:///{VAR_DIR / 'xinfang.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("XINFANG_DATABASE_URL", _default_db), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers and the writer work at once; foreign keys are on by default in Django.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "timeout": 20,  # busy timeout in seconds
        "transaction_mode": "IMMEDIATE",
    }
    _name = str(DATABASES["default"]["NAME"])
    # A file, not memory: tests hit a real SQLite file. XINFANG_TEST_SQLITE_NAME lets parallel runs apart.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("XINFANG_TEST_SQLITE_NAME") or str(Path(_name).with_name("test_" + Path(_name).name))}
    Path(_name).parent.mkdir(parents=True, exist_ok=True)

# A PostgreSQL read replica (docs/deploy.md): the alias "replica", used only by code that asks for it with
# xinfang.common.replica.replica_reads() (the read-only selectors of reports and search). Unset: no
# alias, no router, every query on the primary.
DATABASE_REPLICA_URL = os.environ.get("XINFANG_DATABASE_REPLICA_URL", "").strip()
DATABASE_ROUTERS = []
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests read the primary through the alias
    DATABASE_ROUTERS = ["xinfang.common.replica.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "xinfang.web.views.account.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes first: it refuses a locked-out account or address before the password is checked; the
# password backend refuses an account with a TOTP device outside the two-step login (e.g. /admin/login/).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "xinfang.web.views.account.PasswordBackend",
]
# Lock-out after XINFANG_LOGIN_FAILURE_LIMIT wrong passwords per account and, separately, per
# address (REMOTE_ADDR); the lock ends after XINFANG_LOGIN_LOCKOUT_MINUTES.
AXES_FAILURE_LIMIT = int(os.environ.get("XINFANG_LOGIN_FAILURE_LIMIT", 30))
AXES_COOLOFF_TIME = int(os.environ.get("XINFANG_LOGIN_LOCKOUT_MINUTES", 30)) / 60  # hours, as axes reads a float
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "xinfang.web.views.account.lockout_response"
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "信访业务系统"  # the name authenticator apps show
# API tokens expire after this many days (`xinfang token create USERNAME --days N` for another term).
XINFANG_TOKEN_DAYS = int(os.environ.get("XINFANG_TOKEN_DAYS", 90))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
CSRF_FAILURE_VIEW = "xinfang.web.views.common.csrf_failure"  # a 403 in the app's layout and language
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024

# Behind HTTPS (XINFANG_SECURE=1): cookies only over HTTPS, HSTS for a year (subdomains included), and
# the TLS-terminating proxy's X-Forwarded-Proto: https trusted as HTTPS (the proxy must set it and strip
# a client's own); plain-HTTP requests are redirected unless XINFANG_SSL_REDIRECT=0.
SECURE = _bool("XINFANG_SECURE")
if SECURE:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _bool("XINFANG_SSL_REDIRECT", True)
# Content-Security-Policy (django-csp): everything from this host only; scripts only from static files
# or inline blocks carrying the response's nonce (`nonce="{{ request.csp_nonce }}"`), no inline event
# handlers; styles may be inline (the server-rendered SVG charts and a few templates carry them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# ---- Scheduled sweep and notification senders (docs/jobs.md, docs/notifications.md) ------------
# The deadline sweep is enqueued as a job every XINFANG_SWEEP_SECONDS (one worker enqueues each slot).
XINFANG_SWEEP_SECONDS = float(os.environ.get("XINFANG_SWEEP_SECONDS", 60))
# Senders of the SMS / e-mail outbox: "log" (default: the log and a table, nothing leaves the host),
# "smtp" for e-mail (Django's EMAIL_* below), "http" for SMS (XINFANG_SMS_GATEWAY_URL, a documented stub).
XINFANG_SMS_SENDER = os.environ.get("XINFANG_SMS_SENDER", "log")
XINFANG_EMAIL_SENDER = os.environ.get("XINFANG_EMAIL_SENDER", "log")
XINFANG_SMS_GATEWAY_URL = os.environ.get("XINFANG_SMS_GATEWAY_URL", "")
XINFANG_SMS_GATEWAY_TOKEN = os.environ.get("XINFANG_SMS_GATEWAY_TOKEN", "")
# A claimed dispatch's lease: a dispatch still "sending" after it is sent again with the same message id.
XINFANG_NOTIFY_LEASE_SECONDS = float(os.environ.get("XINFANG_NOTIFY_LEASE_SECONDS", 60))
XINFANG_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("XINFANG_NOTIFY_MAX_ATTEMPTS", 5))
# Testing only: every send waits this many seconds (the crash tests kill a worker in the middle of a batch).
XINFANG_NOTIFY_TEST_DELAY = float(os.environ.get("XINFANG_NOTIFY_TEST_DELAY", 0))
# The citizen portal's rate limits and lock-outs (xinfang.portal.throttle): XINFANG_PORTAL_<NAME>.
XINFANG_PORTAL = {name: int(os.environ[f"XINFANG_PORTAL_{name}"]) for name in (
    "TRACK_NUMBER_LIMIT", "TRACK_ADDRESS_LIMIT", "LOCK_MINUTES", "SUBMIT_ADDRESS_DAY", "SUBMIT_PHONE_DAY",
    "BOOK_ADDRESS_DAY", "BOOK_PHONE_DAY", "ACT_ADDRESS_HOUR") if os.environ.get(f"XINFANG_PORTAL_{name}")}
# The address of the workbench, for the links in e-mails and SMS (e.g. https://xinfang.example.gov.cn).
XINFANG_SITE_URL = os.environ.get("XINFANG_SITE_URL", "")
EMAIL_HOST = os.environ.get("XINFANG_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("XINFANG_EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("XINFANG_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("XINFANG_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _bool("XINFANG_EMAIL_USE_TLS")
EMAIL_USE_SSL = _bool("XINFANG_EMAIL_USE_SSL")
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("XINFANG_EMAIL_FROM", "xinfang@localhost")

# Redis (docs/deploy.md), shared by every web process and worker: the cache and the sessions. Unset: each
# process keeps its own in-memory cache and sessions stay in the database (both work on one machine; the
# database sessions also work across machines). Rate limits and lock-outs are counted in the database
# (portal.throttle, axes), which every process already shares.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": os.environ.get("XINFANG_CACHE_PREFIX", "xinfang"), "TIMEOUT": 300}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("XINFANG_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"},
                "fontTools": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# ---- Domain settings (DESIGN §3, §4) -------------------------------------------------------
XINFANG = {
    # headcount thresholds: 1 individual, 2..4 group, >=5 collective
    "GROUP_MIN": int(os.environ.get("XINFANG_GROUP_MIN", 2)),
    "COLLECTIVE_MIN": int(os.environ.get("XINFANG_COLLECTIVE_MIN", 5)),
    "MAX_REPRESENTATIVES": 5,
    # A leader approves replies and review answers unless switched off.
    "REPLY_APPROVAL": _bool("XINFANG_REPLY_APPROVAL", True),
    # Warning levels by elapsed share of the allowed time (DESIGN §4).
    "WARNING_THRESHOLDS": (0.50, 0.75, 0.85),
    "ATTACHMENT_MAX_BYTES": int(os.environ.get("XINFANG_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)),
    "ATTACHMENT_EXTENSIONS": ("pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "txt", "mp3", "wav", "mp4"),
    # Statistics (DESIGN §6, xinfang.reports.statistics): 参评率 expects an evaluation within this many
    # days of the reply; 一次性化解率 watches this many days after the reply for a repeat or a 复查;
    # dashboard KPI tiles are red below the first threshold (percent), green above the second.
    "EVALUATION_WINDOW_DAYS": int(os.environ.get("XINFANG_EVALUATION_WINDOW_DAYS", 30)),
    "ONE_TIME_RESOLUTION_DAYS": int(os.environ.get("XINFANG_ONE_TIME_RESOLUTION_DAYS", 90)),
    "KPI_THRESHOLDS": (85.0, 90.0),
}
