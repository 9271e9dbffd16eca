"""The one settings module. Every deployment knob comes from the environment; the defaults
are a safe, embedded development setup (SQLite + a Celery broker in a SQLite file)."""

import os
import sqlite3
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("YUQING_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# The development key is only ever used with DEBUG on; production must provide SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# How many reverse proxies of our own stand in front of the app (issue 11 §2). The client address for the audit
# trail, the throttles and the login lock-out is the right-most X-Forwarded-For entry those proxies did not add;
# with 0 the header is ignored. TRUST_X_FORWARDED_FOR=1 (the old switch) means one proxy.
TRUSTED_PROXY_COUNT = int(
    os.environ.get("TRUSTED_PROXY_COUNT", "1" if env_bool("TRUST_X_FORWARDED_FOR", False) else "0")
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_celery_beat",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    # The project's apps, lowest layer first (docs/ARCHITECTURE.md).
    "core",
    "org",
    "workcalendar",
    "incidents",
    "deadlines",
    "notifications",
    "reporting",
    "cockpit",
    "monitoring",
    "followup",  # 会商研判, 上报, 市级交办 (issue 17)
    "review",  # 销号抽查, 舆情日志 (issue 17)
    "demo",
    "ops",  # backup and restore commands
    "accounts",  # after incidents: its admin wraps whatever user admin is registered by then
]

MIDDLEWARE = [
    "yuqing.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy (issue 11 §4)
    "yuqing.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "yuqing.middleware.InputGuardMiddleware",  # a NUL in the path or query string is a 400 before any view
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.AccountSecurityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires: turns a lock-out into its response
]

ROOT_URLCONF = "yuqing.urls"
WSGI_APPLICATION = "yuqing.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yuqing.context_processors.current_roles",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        # A persistent connection the database dropped (restart, failover) is replaced before the request
        # uses it, instead of failing that request with a 500 (issue 11 §5).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The web's statements are short OLTP reads (issue 16, bench/RESULTS-pages.md): JIT compilation only adds its
    # own 0.1—1.5 s when the planner overestimates a list's cost, and a parallel plan (two workers per statement,
    # on a machine whose cores serve the web workers) made the planner walk the whole ticket table in date order
    # instead of a unit's index (134 ms → 9 ms, 898 ms → 6 ms at 1M). Both off for this application's connections.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off -c max_parallel_workers_per_gather=0"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file: wait for locks instead of failing,
    # and take the write lock at BEGIN so read-then-write transactions cannot deadlock.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests use a file too: an in-memory shared-cache database locks whole tables between the test and
    # a live server or worker thread instead of waiting, unlike the file the application runs on.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out account or address before any check
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "accounts.passwords.ComplexityValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# --- Identification and authentication (issue 11 §2, 等保 2.0 三级 身份鉴别; docs/security.md) ----------------
# Initial passwords (admin-created users, createsuperuser, the demo logins) must be changed at first login in
# production; a password older than PASSWORD_MAX_AGE_DAYS gets a reminder banner (no lock-out).
PASSWORD_CHANGE_INITIAL = env_bool("PASSWORD_CHANGE_INITIAL", not DEBUG)
PASSWORD_MAX_AGE_DAYS = int(os.environ.get("PASSWORD_MAX_AGE_DAYS", "90"))
# TOTP (django-otp, works offline) is required for these roles (incidents.models.Role values); others may enrol.
OTP_REQUIRED_ROLES = env_list("OTP_REQUIRED_ROLES", "" if DEBUG else "admin,security_admin,auditor,leader")
OTP_TOTP_ISSUER = "网络舆情应对处置平台"
API_TOKEN_TTL_DAYS = int(os.environ.get("API_TOKEN_TTL_DAYS", "30"))
# Login failure handling (django-axes) on the login page, the admin login and POST /api/auth/token/: after
# LOGIN_FAILURE_LIMIT failures the account and the client address are each locked for LOGIN_COOLOFF_MINUTES.
# LOGIN_LOCKOUT_BY=username+ip_address locks only the pair (for a county whose users share one NAT address).
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [
    item.split("+") if "+" in item else item for item in env_list("LOGIN_LOCKOUT_BY", "username,ip_address")
]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.http.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_SAVE_EVERY_REQUEST = True  # idle timeout rather than a fixed lifetime

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
# Our catalog first: form labels end with the Chinese colon "：" everywhere, the admin too (issue 14).
LOCALE_PATHS = [BASE_DIR / "yuqing" / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# `python manage.py backup` writes timestamped directories here (docs/operations.md) and prunes old ones.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups"))
BACKUP_KEEP_DAYS = int(os.environ.get("BACKUP_KEEP_DAYS", "30"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# Attachments (issue 11 §4, incidents.uploads): at most UPLOAD_MAX_BYTES each, and only the types their content
# shows to be an image, PDF, .docx/.xlsx or plain text. A larger upload is not even written to a temporary file
# past the limit (the first upload handler drops the rest).
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
FILE_UPLOAD_HANDLERS = [
    "incidents.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Short socket timeouts: with Redis down the throttles fail open at once (core.api.throttling) rather
    # than hold a web worker for the default minutes-long connect (issue 11 §5).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# PDF conversion by LibreOffice in the web request (reporting.pdf): its timeout stays below gunicorn's
# (WEB_TIMEOUT, passed to gunicorn in docker-compose.yml), and at most PDF_MAX_CONCURRENT conversions run at
# once per host, so they cannot occupy every web worker; the others are told to retry at once.
WEB_TIMEOUT = int(os.environ.get("WEB_TIMEOUT", "120"))
PDF_TIMEOUT = int(os.environ.get("PDF_TIMEOUT", "90"))
PDF_MAX_CONCURRENT = int(os.environ.get("PDF_MAX_CONCURRENT", "1"))
PDF_SLOT_WAIT = int(os.environ.get("PDF_SLOT_WAIT", "10"))  # seconds a request waits for a free slot
# Where the slot lock files live: shared by every process of one host (the system temp directory by default).
PDF_SLOT_DIR = os.environ.get("PDF_SLOT_DIR", "")
if PDF_TIMEOUT + PDF_SLOT_WAIT >= WEB_TIMEOUT:
    raise RuntimeError("PDF_TIMEOUT + PDF_SLOT_WAIT must be below WEB_TIMEOUT (the web worker's timeout)")

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "yuqing@localhost")
# The site's address as its users reach it: email and SMS carry absolute links built on it.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# --- Celery -------------------------------------------------------------------------------
# The embedded default broker keeps its queue in a SQLite file under var/ (kombu's SQLAlchemy transport), so
# nothing needs a server. It replaced the filesystem transport, whose worker crashed on a half-written message
# file (JSONDecodeError, a race in kombu); a SQLite row is written whole or not at all. Production and CI set
# CELERY_BROKER_URL to Redis.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", f"sqla+sqlite:///{VAR_DIR / 'broker.sqlite3'}")
if CELERY_BROKER_URL.startswith("sqla+sqlite:///"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Worker, beat and web share the file: WAL lets them read while one writes (the mode is kept in the file),
    # and a generous busy timeout makes a moment's lock a wait, not a lost message. WAL is only an optimisation:
    # a process starting while another holds the lock goes on without setting it.
    try:
        with closing(sqlite3.connect(CELERY_BROKER_URL.removeprefix("sqla+sqlite:///"), timeout=1)) as _broker_db:
            _broker_db.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError:
        pass
    CELERY_BROKER_TRANSPORT_OPTIONS = {"connect_args": {"timeout": 30}}
# No result backend: every task's effect is in the database (the worker never reports a return value).
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = TIME_ZONE  # crontabs are read in Asia/Shanghai, explicitly
CELERY_ENABLE_UTC = False
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Beat only triggers sweeps; every due time lives in the database (see monitoring/).
CELERY_BEAT_SCHEDULE = {
    "timed-checks-every-minute": {
        "task": "deadlines.tasks.run_timed_checks",
        "schedule": crontab(minute="*"),
    },
    # State-based: compiles the 日报 once its configured time has passed and it does not exist yet.
    "daily-report-when-due": {
        "task": "reporting.tasks.compile_due_daily_reports",
        "schedule": crontab(minute="*"),
    },
    # State-based too: 周报/月报/季度通报 due since their morning and missing are generated, once.
    "periodic-reports-when-due": {
        "task": "reporting.tasks.compile_periodic_reports",
        "schedule": crontab(minute="*/15"),
    },
    # Idempotency-Key records past their TTL (issue 14; core/idempotency.py).
    "idempotency-keys-purged-hourly": {
        "task": "core.tasks.purge_idempotency_keys",
        "schedule": crontab(minute=23),
    },
    # 巡查时段 ahead of time (002 第五条、第六条), idempotent: a slot that exists is not created again.
    "patrol-slots-hourly": {
        "task": "monitoring.tasks.plan_patrol_slots",
        "schedule": crontab(minute=3),
    },
    # A report document whose transaction rolled back or whose job was killed is deleted (issue 11 §5).
    "orphan-report-files-hourly": {
        "task": "reporting.tasks.remove_orphan_report_files",
        "schedule": crontab(minute=7),
    },
    # 销号抽查 (000 四.3), state-based: the last whole period is drawn once, whenever beat first runs after it.
    "spot-check-draw-hourly": {
        "task": "review.tasks.draw_due_spot_checks",
        "schedule": crontab(minute=11),
    },
    # The cockpit's 考核 and 办理时效 figures (issue 16; cockpit/aggregates.py), state-based: stale or missing rows
    # are recomputed once, a quarter that ended gets its final figures once.
    "cockpit-figures-every-10-minutes": {
        "task": "cockpit.tasks.refresh_figures",
        "schedule": crontab(minute="*/10"),
    },
    # 后期处置 (000 三.3), state-based: closed incidents without a watch get one, once; unfinished watches are scanned
    # for new links, 舆情反复 and similar new items, each prompted once (catch-up after downtime).
    "aftercare-watch-every-5-minutes": {
        "task": "followup.tasks.run_aftercare",
        "schedule": crontab(minute="*/5"),
    },
}
if CELERY_BROKER_URL.startswith("sqla+"):
    # The SQLAlchemy broker keeps every delivered message; beat has them removed (yuqing/broker.py).
    CELERY_BEAT_SCHEDULE["embedded-broker-pruned-hourly"] = {
        "task": "yuqing.prune_embedded_broker",
        "schedule": crontab(minute=37),
    }

# --- REST framework ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    # The token first, so that an unauthenticated call is a 401 with `WWW-Authenticate: Token`; the browser's
    # session works too, with its CSRF check (refused in Chinese).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "core.api.authentication.ChineseCsrfSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # JSON only: errors are application/problem+json (core/api/errors.py), never the browsable HTML API.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Issue 10 §1: every body is refused with a 400 if it holds a control character (core.api.parsers).
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.StrictJSONParser"],
    "EXCEPTION_HANDLER": "core.api.errors.api_exception_handler",
    # Per client address, counted in the cache (issue 4): anonymous calls, and attempts at /api/auth/token/.
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_ANON_RATE", "60/min"),
        "login": os.environ.get("API_LOGIN_RATE", "10/min"),
    },
}
# An Idempotency-Key (core/idempotency.py) is remembered this long; beat purges older ones.
IDEMPOTENCY_KEY_TTL_HOURS = int(os.environ.get("IDEMPOTENCY_KEY_TTL_HOURS", "24"))
SPECTACULAR_SETTINGS = {
    "TITLE": "网络舆情应对处置平台 API",
    "VERSION": "1.0.0",
    "DESCRIPTION": "",  # yuqing/api_docs.py (API_DESCRIPTION) fills it in its post-processing hook
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # /api/v1/ is the canonical path (/api/ its alias): the schema lists v1 only, tags and operation ids without it.
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "PREPROCESSING_HOOKS": ["yuqing.api_docs.only_v1"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "yuqing.api_docs.finish_schema",
    ],
    # Request bodies get their own components (FooRequest): read-only fields are required in answers only.
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVERS": [{"url": "/", "description": "本服务器"}],
    # Several models have a "status" or "kind"; name each choice set after its owner (ASCII names: a generated
    # client turns them into class names).
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "incidents.workflow.IncidentStatus",
        "TicketStatusEnum": "incidents.workflow.TicketStatus",
        "ReplyDraftStateEnum": "incidents.workflow.ReplyDraftState",
        "UnitKindEnum": "incidents.models.Unit.Kind",
        "FeedbackKindEnum": "incidents.models.Feedback.Kind",
        "ReplyKindEnum": "incidents.models.Reply.Kind",
        "GradeEnum": "incidents.models.Grade",
        "CategoryEnum": "incidents.models.Category",
        "TicketRoleEnum": "incidents.models.TicketRole",
        "LeaderReportChannelEnum": "incidents.models.LeaderReport.Channel",
        "DeadlineStateEnum": "deadlines.models.Deadline.State",
        "DeadlineKindEnum": "deadlines.models.DeadlineKind",
        "ExtensionRequestStateEnum": "deadlines.models.ExtensionRequest.State",
        "ReportKindEnum": "reporting.models.Report.Kind",
        "ReportStatusEnum": "reporting.models.Report.Status",
    },
}

# The OpenAPI document and Swagger UI are public only in development; in production (DEBUG off) they need a
# signed-in user or an API token (issue 11 §4), as they map every operation of the API.
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", DEBUG)

# --- Security headers (issue 11 §4, 等保 2.0 入侵防范; docs/security.md) ------------------------------------
# Content-Security-Policy on every response (django-csp), in development too so that a violation shows before
# production: scripts, styles, images, fonts and XHR from this origin only, no inline script or style (the
# templates have none; htmx's injected indicator style is switched off in base.html; ECharts and htmx are
# served from static/vendor, Swagger UI from drf-spectacular-sidecar), no plugins, no framing, forms posting
# here only. img-src allows data: for the favicon placeholder and Swagger UI's icons. CSP_REPORT_ONLY=1 turns
# it into a report-only header for troubleshooting a deployment.
_CSP = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if env_bool("CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP
# Referrer-Policy: links to outside sites (原帖链接) carry no address of this system. X-Content-Type-Options:
# nosniff on every response (Django's default, stated here). Permissions-Policy: yuqing.middleware. The Server
# header: gunicorn sends "Server: gunicorn" with no version (gunicorn.SERVER), and nothing here adds one.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

# --- Production hardening (active whenever DEBUG is off) ----------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
    # HSTS preload (W021) only makes sense for public domains, not a county intranet host name.
    SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS", "security.W021")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
