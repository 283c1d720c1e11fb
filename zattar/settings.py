"""Zattar settings: one file, every deployment value read from the environment.

The defaults give a development site that needs nothing installed: PostgreSQL 18 embedded from
a wheel (zattar.devdb), an in-memory channel layer and local-memory cache, media on the local
disk. With DEBUG off the site refuses to start on anything unsafe (the development key, no
DATABASE_URL, no ALLOWED_HOSTS, mail that would never leave the machine). `.env.example` lists
every variable.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEVELOPMENT_SECRET_KEY = "django-insecure-zattar-development-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
# Without a real secret this is a developer's machine: DEBUG defaults on there and off elsewhere.
DEBUG = env.bool("DEBUG", default=SECRET_KEY == DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "DEBUG is off but SECRET_KEY is the development key: set SECRET_KEY in the environment."
    )

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
if not DEBUG and (not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS):
    raise ImproperlyConfigured(
        "DEBUG is off: set ALLOWED_HOSTS to the host names the site answers to (no '*')."
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "axes",
    "channels",
    "django_prometheus",
    "procrastinate.contrib.django",
    "accounts",
    "listings",
    "chat",
    "deals",
    "moderation",
    "notifications",
    "searches",
]

# Outermost: the metrics' timer and the request log see every request, the security
# middleware's redirects included, and stamp X-Request-ID on every response. The metrics' other
# half is innermost, where the view and its status are known.
MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "zattar.logs.RequestLog",
    "django.middleware.security.SecurityMiddleware",
    "zattar.middleware.PermissionsPolicy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zattar.middleware.Locale",  # a page's language is in its URL: /kk/, /en/, Russian bare
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "accounts.sessions.AuthenticationMiddleware",  # Django's, the user read with the session
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "zattar.middleware.DatabaseBusy",  # a view that found no pooled connection: 503
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "zattar.urls"
# Benchmarks only (`make bench`): mounts bench/routes.py, a bare view and a bare echo socket
# that measure the server's own floor beside the real pages and chat.
BENCH_ROUTES = env.bool("BENCH_ROUTES", default=False)
WSGI_APPLICATION = "zattar.wsgi.application"
ASGI_APPLICATION = "zattar.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.unread",
                "zattar.page_cache.placeholders",  # last: a kept page's CSRF and nonce marks
            ],
        },
    }
]

# Form widgets render through the project's templates (components/select.html and others).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Data ---------------------------------------------------------------------------------------

# PostgreSQL only. Without DATABASE_URL a developer's machine gets the embedded server.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
elif DEBUG:
    from zattar import devdb

    DATABASES = {"default": devdb.database_settings()}
else:
    raise ImproperlyConfigured("DEBUG is off: set DATABASE_URL (postgres://user:pass@host/db).")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Zattar runs on PostgreSQL only: DATABASE_URL=postgres://...")
# Every query counted and timed for /metrics (django_db_execute_total and the others): Django's
# PostgreSQL backend with django-prometheus's cursor wrapped in once (zattar.db.postgresql says
# why not the library's own backend). METRICS_DATABASE=false: Django's backend as it is.
if env.bool("METRICS_DATABASE", default=True):
    DATABASES["default"]["ENGINE"] = "zattar.db.postgresql"
# Connections come from a bounded pool in each process (psycopg's pool through Django): a
# request borrows one and returns it when it ends. Processes x DB_POOL_MAX_SIZE (plus the
# workers' and the chat's few) must stay under PostgreSQL's max_connections; a request that
# finds the pool empty waits up to DB_POOL_TIMEOUT seconds, then fails cleanly (503), instead
# of PostgreSQL refusing clients ("too many clients already") for everyone.
DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=4)
if DB_POOL_MAX_SIZE > 0:
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN_SIZE", default=1),
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
        "max_idle": 300,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them; Django must not
else:  # DB_POOL_MAX_SIZE=0: one persistent connection per thread (the old way)
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="zattar"),
            # Best effort (view counts, rate limits): a hanging Redis costs a request 1 s, not 5.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "zattar.layers.BatchingPubSubChannelLayer",
            "CONFIG": {
                # redis-py 8 closes a socket idle for 5 s by default, which killed idle
                # consumers; no read timeout here, TCP keepalive and a periodic PING instead.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": None,
                        "socket_connect_timeout": 5,
                        "socket_keepalive": True,
                        "health_check_interval": 15,
                        "max_connections": 10_000,
                    }
                ],
                "prefix": env.str("CHANNEL_LAYER_PREFIX", default="zattar"),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Anonymous visitors' pages (search, landing, ad, home) kept this long unless an ad changes first
# (zattar.page_cache); 0 keeps none.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=30)

CHAT_FLOOD_LIMIT = env.int("CHAT_FLOOD_LIMIT", default=20)  # messages per user per window
CHAT_FLOOD_WINDOW_SECONDS = env.int("CHAT_FLOOD_WINDOW_SECONDS", default=10)
CHAT_TYPING_INTERVAL_SECONDS = 2.0
# A message still unread this long after it was sent, to someone who had no page of the site
# open meanwhile, is e-mailed; at most one such e-mail per conversation per interval.
CHAT_EMAIL_DELAY_SECONDS = env.int("CHAT_EMAIL_DELAY_SECONDS", default=600)
CHAT_EMAIL_INTERVAL_SECONDS = env.int("CHAT_EMAIL_INTERVAL_SECONDS", default=3600)

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")  # links in emails
# Saved searches: at most this many per person; an instant alert goes out within
# SAVED_SEARCH_INSTANT_SECONDS of the ad's publication (the sweep runs every minute and looks
# back SAVED_SEARCH_SWEEP_OVERLAP_SECONDS before its last mark, for ads committed late).
SAVED_SEARCH_LIMIT = env.int("SAVED_SEARCH_LIMIT", default=20)
SAVED_SEARCH_INSTANT_SECONDS = env.int("SAVED_SEARCH_INSTANT_SECONDS", default=300)
SAVED_SEARCH_SWEEP_OVERLAP_SECONDS = env.int("SAVED_SEARCH_SWEEP_OVERLAP_SECONDS", default=30)
SAVED_SEARCH_DIGEST_MAX_ADS = 20
SAVED_SEARCH_HIT_KEEP_DAYS = env.int("SAVED_SEARCH_HIT_KEEP_DAYS", default=30)
SAFE_DEAL_SHIP_DAYS = env.int("SAFE_DEAL_SHIP_DAYS", default=3)
SAFE_DEAL_CONFIRM_DAYS = env.int("SAFE_DEAL_CONFIRM_DAYS", default=7)
SAFE_DEAL_REVIEW_DAYS = 30
# The seller is reminded this long before the ship-by deadline, the buyer before the automatic
# confirmation.
SAFE_DEAL_REMINDER_HOURS = env.int("SAFE_DEAL_REMINDER_HOURS", default=24)
SAFE_DEAL_GATEWAY = env.str("SAFE_DEAL_GATEWAY", default="deals.payments.LedgerOnlyGateway")

# Reports: this many distinct users, each registered at least REPORTER_MIN_AGE_HOURS ago, with an
# open report on one active ad put it on review at once (fresh accounts cannot take an ad down).
REPORTS_TO_HOLD = env.int("REPORTS_TO_HOLD", default=3)
REPORTER_MIN_AGE_HOURS = env.int("REPORTER_MIN_AGE_HOURS", default=24)

# The ad's life: an ad expires this many days after publication or renewal (the seller is told
# 2 days before and renews in one click); "raise to top" once per BUMP_COOLDOWN_DAYS; at most
# LISTING_LIMIT_PER_CATEGORY active ads per seller in one leaf category.
LISTING_LIFETIME_DAYS = env.int("LISTING_LIFETIME_DAYS", default=30)
BUMP_COOLDOWN_DAYS = env.int("BUMP_COOLDOWN_DAYS", default=14)
LISTING_LIMIT_PER_CATEGORY = env.int("LISTING_LIMIT_PER_CATEGORY", default=50)

# --- Serving ------------------------------------------------------------------------------------

# Processes per web server (gunicorn's sync workers in the split layout, zattar.start). Each is
# stateless: sessions in the database, cache and channel layer in Redis, media in storage.
WEB_CONCURRENCY = env.int("WEB_CONCURRENCY", default=os.cpu_count() or 1)
# Threads per gunicorn worker (gthread): while one request waits for PostgreSQL another runs.
# Each thread borrows a pooled connection for its request, so the pool must hold them all.
WEB_THREADS = env.int("WEB_THREADS", default=4)
if 0 < DB_POOL_MAX_SIZE < WEB_THREADS:
    raise ImproperlyConfigured(
        f"WEB_THREADS={WEB_THREADS} but DB_POOL_MAX_SIZE={DB_POOL_MAX_SIZE}: each of a web "
        "process's threads needs a database connection; raise the pool or lower the threads."
    )

# --- Background jobs ----------------------------------------------------------------------------

# procrastinate, on the same PostgreSQL: jobs are rows written through Django's connection, so
# a job deferred inside a transaction commits or rolls back with it. Workers
# (`manage.py procrastinate worker`, started by zattar.start) may run anywhere, any number.
PROCRASTINATE_IMPORT_PATHS = ["zattar.tasks"]  # apps' own tasks.py are found by themselves
WORKER_CONCURRENCY = env.int("WORKER_CONCURRENCY", default=2)  # jobs at once per worker
# A worker beats every JOB_HEARTBEAT_SECONDS; one silent for JOB_STALLED_AFTER_SECONDS is taken
# for dead, and the retry_stalled_jobs job (every minute) puts its jobs back in the queue.
JOB_HEARTBEAT_SECONDS = env.float("JOB_HEARTBEAT_SECONDS", default=10.0)
JOB_STALLED_AFTER_SECONDS = env.float("JOB_STALLED_AFTER_SECONDS", default=60.0)
JOB_KEEP_HOURS = env.int("JOB_KEEP_HOURS", default=7 * 24)  # succeeded jobs, then deleted
PROCRASTINATE_WORKER_DEFAULTS = {
    "update_heartbeat_interval": JOB_HEARTBEAT_SECONDS,
    "stalled_worker_timeout": JOB_STALLED_AFTER_SECONDS,
    "shutdown_graceful_timeout": 30.0,
}

# --- Files --------------------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# Media (ad photos, avatars) go to an S3 API when AWS_STORAGE_BUCKET_NAME is set (zattar.storage).
# AWS_QUERYSTRING_AUTH off: pages link the public bucket URL (or AWS_S3_CUSTOM_DOMAIN, a CDN in
# front of it); on: a private bucket and signed URLs valid AWS_QUERYSTRING_EXPIRE seconds. Calls
# give up after AWS_S3_CONNECT_TIMEOUT/AWS_S3_READ_TIMEOUT seconds, AWS_S3_MAX_ATTEMPTS times in
# all: an upload to a storage that is down fails in seconds with a clear message.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_QUERYSTRING_AUTH = env.bool("AWS_QUERYSTRING_AUTH", default=False)
MEDIA_ORIGINS: list[str] = []  # other than this site: allowed in the CSP's img-src
if AWS_STORAGE_BUCKET_NAME:
    from zattar.storage import s3_media_origins, s3_storage

    media_location = {
        "bucket_name": AWS_STORAGE_BUCKET_NAME,
        "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
        "region_name": env.str("AWS_S3_REGION_NAME", default=None),
        "custom_domain": env.str("AWS_S3_CUSTOM_DOMAIN", default=None),
    }
    MEDIA_ORIGINS = s3_media_origins(**media_location)
    media_storage = s3_storage(
        **media_location,
        access_key=env.str("AWS_ACCESS_KEY_ID", default=None),
        secret_key=env.str("AWS_SECRET_ACCESS_KEY", default=None),
        addressing_style=env.str("AWS_S3_ADDRESSING_STYLE", default=None),
        querystring_auth=AWS_QUERYSTRING_AUTH,
        querystring_expire=env.int("AWS_QUERYSTRING_EXPIRE", default=3600),
        connect_timeout=env.float("AWS_S3_CONNECT_TIMEOUT", default=2.0),
        read_timeout=env.float("AWS_S3_READ_TIMEOUT", default=10.0),
        max_attempts=env.int("AWS_S3_MAX_ATTEMPTS", default=2),
    )
else:
    media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": media_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
AVATAR_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
AVATAR_SIZE = 512

# --- Auth ---------------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.EmailOrPhoneBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-axes: five failures for one account from one address within the cool-off lock that
# account from that address, whichever of its logins (email or phone) was typed and whether by
# the HTML form or the API; the owner still logs in from anywhere else. An address with too many
# failures over any accounts is refused too (RATE_LIMITS["login"], accounts.lockout).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "accounts.lockout.LoginLimitHandler"
AXES_CLIENT_IP_CALLABLE = "zattar.throttling.client_network"
AXES_USERNAME_FORM_FIELD = "username"  # what the login form and authenticate() call it
AXES_USERNAME_CALLABLE = "accounts.lockout.account_key"
# The lock ends a cool-off after the failure that set it; knocking meanwhile does not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# --- Abuse limits -------------------------------------------------------------------------------

# Proxies in front of the site that append the client's address to X-Forwarded-For (0: none,
# the client is REMOTE_ADDR; 1: one nginx; 2: a CDN and nginx). The address limits below and
# the login lock are keyed by the address this finds (zattar.throttling.client_network).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Requests per client address ("ip"; an IPv6 /64 counts as one) and per signed-in user, in fixed
# windows: "10/h", "30/15m", "off". Every POST counts, accepted or not, except "login", which
# counts failed logins. Each is overridable as RATE_LIMIT_<ACTION>_<IP|USER>, e.g.
# RATE_LIMIT_AD_CREATE_USER=50/d. Counters live in the cache (Redis) and are shared.
RATE_LIMITS = {
    action: {
        who: env.str(f"RATE_LIMIT_{action}_{who}".upper(), default=rate)
        for who, rate in limits.items()
    }
    for action, limits in {
        "register": {"ip": "10/h"},
        "login": {"ip": "30/15m"},
        "token_refresh": {"ip": "600/h"},
        "password_reset": {"ip": "10/h"},
        "password_change": {"user": "10/h", "ip": "30/h"},
        "ad_create": {"user": "20/h", "ip": "40/h"},
        "photo_upload": {"user": "100/h", "ip": "200/h"},
        "conversation_start": {"user": "30/h", "ip": "60/h"},
        "message_send": {"user": "60/10m", "ip": "300/10m"},
        "report_create": {"user": "20/h", "ip": "60/h"},
    }.items()
}
# Uploaded pictures (zattar.images): at most this many pixels, at most this many pixels per byte
# of file above 2 MP (a solid 25 MP PNG is 30 KB: about 1,000 pixels per byte; photos have
# fewer than 10), and at most this many decoding at once per process; an upload that waits
# longer than the wait for a slot is refused as "server busy" (a form error; 503 on the API).
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=25_000_000)
IMAGE_MAX_PIXELS_PER_BYTE = env.int("IMAGE_MAX_PIXELS_PER_BYTE", default=250)
IMAGE_DECODE_CONCURRENCY = env.int("IMAGE_DECODE_CONCURRENCY", default=2)
IMAGE_DECODE_WAIT_SECONDS = env.float("IMAGE_DECODE_WAIT_SECONDS", default=5.0)

# --- Automatic rules at posting and editing (moderation.rules) -------------------------------

# A price is held for review when it is below the median / PRICE_CHECK_FACTOR or above the median
# * PRICE_CHECK_FACTOR of the active, priced ads of its leaf category published in the last
# PRICE_CHECK_DAYS days; only when at least PRICE_CHECK_MIN_SAMPLE such ads exist; the median is
# taken over at most the newest PRICE_CHECK_MAX_SAMPLE of them. Free ads are never held.
PRICE_CHECK_DAYS = env.int("PRICE_CHECK_DAYS", default=90)
PRICE_CHECK_MIN_SAMPLE = env.int("PRICE_CHECK_MIN_SAMPLE", default=20)
PRICE_CHECK_FACTOR = env.float("PRICE_CHECK_FACTOR", default=10.0)
PRICE_CHECK_MAX_SAMPLE = env.int("PRICE_CHECK_MAX_SAMPLE", default=500)
# A new ad whose title and description are both at least this similar (pg_trgm similarity, 0-1)
# to one of the seller's own active or held ads is refused as a duplicate (409 `duplicate`).
DUPLICATE_SIMILARITY = env.float("DUPLICATE_SIMILARITY", default=0.9)

# Mail: the console in development, SMTP otherwise (EMAIL_HOST and the rest). With DEBUG off a
# backend that sends nothing (console, locmem, dummy, file) is refused: password-reset links
# would land in the server log. A staging box may allow it with EMAIL_ALLOW_UNSENT=true.
# EMAIL_URL (django-environ: smtp://user:password@host:25, smtp+tls://...:587,
# smtp+ssl://...:465) says it all in one value, and wins over EMAIL_BACKEND and EMAIL_HOST...
MAIL_URL = env.email_url_config(env.str("EMAIL_URL")) if env.str("EMAIL_URL", default="") else {}
EMAIL_BACKEND_PATH = MAIL_URL.get("EMAIL_BACKEND") or env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends."
    + ("console.EmailBackend" if DEBUG else "smtp.EmailBackend"),
)
UNSENT_MAIL_BACKENDS = ("console", "locmem", "dummy", "filebased")
if (
    not DEBUG
    and EMAIL_BACKEND_PATH.rsplit(".", 2)[-2] in UNSENT_MAIL_BACKENDS
    and not env.bool("EMAIL_ALLOW_UNSENT", default=False)
):
    raise ImproperlyConfigured(
        f"DEBUG is off but EMAIL_BACKEND is {EMAIL_BACKEND_PATH}, which sends no mail: configure "
        "SMTP (EMAIL_HOST...), or set EMAIL_ALLOW_UNSENT=true on a staging box."
    )
MAILERS = {
    "default": {
        "BACKEND": EMAIL_BACKEND_PATH,
        "OPTIONS": {
            key.removeprefix("EMAIL_").lower(): value
            for key, value in {
                "EMAIL_HOST": MAIL_URL.get("EMAIL_HOST") or env.str("EMAIL_HOST", default=""),
                "EMAIL_PORT": MAIL_URL.get("EMAIL_PORT") or env.int("EMAIL_PORT", default=0),
                "EMAIL_USERNAME": MAIL_URL.get("EMAIL_HOST_USER")
                or env.str("EMAIL_HOST_USER", default=""),
                "EMAIL_PASSWORD": MAIL_URL.get("EMAIL_HOST_PASSWORD")
                or env.str("EMAIL_HOST_PASSWORD", default=""),
                "EMAIL_USE_TLS": MAIL_URL.get("EMAIL_USE_TLS")
                or env.bool("EMAIL_USE_TLS", default=False),
                "EMAIL_USE_SSL": MAIL_URL.get("EMAIL_USE_SSL", False),
                # seconds before a silent SMTP server fails the mail job (which retries)
                "EMAIL_TIMEOUT": env.int("EMAIL_TIMEOUT", default=10)
                if ".smtp." in EMAIL_BACKEND_PATH
                else 0,
            }.items()
            if value
        },
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Zattar <noreply@zattar.kz>")

# Web Push (notifications.push): the VAPID key pair that signs every push (RFC 8292), made by
# `manage.py vapid_keys`. VAPID_PRIVATE_KEY is the raw P-256 private key, base64url (32 bytes;
# a PEM or base64 DER key is accepted too), VAPID_PUBLIC_KEY the uncompressed public point,
# base64url (what the browser's applicationServerKey takes). No private key: push is off.
VAPID_PUBLIC_KEY = env.str("VAPID_PUBLIC_KEY", default="")
VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY", default="").replace("\\n", "\n")
VAPID_SUBJECT = env.str("VAPID_SUBJECT", default="mailto:support@zattar.kz")
PUSH_TIMEOUT_SECONDS = env.float("PUSH_TIMEOUT_SECONDS", default=10)
PUSH_TTL_SECONDS = env.int("PUSH_TTL_SECONDS", default=86_400)  # kept by the push service
# Subscriptions whose endpoint is plain http or on a private/loopback address are refused
# (the server would POST there). Tests turn it on for their loopback push service.
PUSH_ALLOW_PRIVATE_ENDPOINTS = env.bool("PUSH_ALLOW_PRIVATE_ENDPOINTS", default=False)

# Phones (accounts.sms, accounts.services): verification codes go by SMS through SMS_BACKEND, a
# dotted path to a subclass of accounts.sms.BaseSmsBackend (default: the console). Whenever
# SMS_FILE_PATH is set, each SMS is appended to that file as a JSON line {"to", "text"} instead.
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default="")
SMS_BACKEND = env.str("SMS_BACKEND", default="accounts.sms.ConsoleSmsBackend")
PHONE_CODE_TTL = timedelta(minutes=5)  # a code's life
PHONE_CODE_MAX_ATTEMPTS = 5  # wrong tries that void a code
PHONE_CODE_SENDS_PER_PHONE = 3  # codes per number per hour
PHONE_CODE_SENDS_PER_ADDRESS = 10  # codes per client address per hour
PHONE_REVEALS_PER_DAY = env.int("PHONE_REVEALS_PER_DAY", default=20)  # sellers per viewer a day

# --- API ----------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies capped at DATA_UPLOAD_MAX_MEMORY_SIZE (413) and at 32 levels of nesting (400).
    "DEFAULT_PARSER_CLASSES": [
        "zattar.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "zattar.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "zattar.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "zattar.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "zattar.exceptions.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    # Tokens carry a hash of the user's password hash: a password change (by any path: API,
    # site, reset link, admin) revokes every access and refresh token issued before it.
    "CHECK_REVOKE_TOKEN": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Zattar API",
    "DESCRIPTION": "Classifieds, chat and Safe Deal for Kazakhstan.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "zattar.openapi.patch_changes_something",
        "zattar.openapi.sometimes_left_out",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ListingStatusEnum": "listings.models.Listing.Status",
        "DealStatusEnum": "deals.transitions.Status",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Internationalisation -----------------------------------------------------------------------

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("kk", _("Kazakh")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Almaty"
USE_I18N = True
USE_TZ = True

# --- Security -----------------------------------------------------------------------------------

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [
        *(CSP.SELF, "data:", "blob:"),
        *MEDIA_ORIGINS,
        *env.list("CSP_IMG_HOSTS", default=[]),
    ],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
# Sessions in the database, each naming its signed-in user: read with the user in one statement.
SESSION_ENGINE = "accounts.sessions"
# With DEBUG off: HTTPS only. Behind a TLS proxy that sets X-Forwarded-Proto (deploy/nginx.conf
# does, and must overwrite what clients send), requests it forwarded count as secure.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# Probes and the metrics scraper speak plain HTTP inside.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Features no page uses, switched off for every page (zattar.middleware.PermissionsPolicy).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
# Checks the operator has decided against, for a stated reason: e.g. security.W008 where the
# TLS proxy itself redirects plain HTTP (the start's `check --deploy` fails on any other warning).
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])

# --- Observability ------------------------------------------------------------------------------

# Logs go to stderr through structlog (zattar.logs): one JSON object per line (LOG_FORMAT=json,
# the default with DEBUG off), or readable columns (console, the default with DEBUG on). Each
# request logs one line (id, user, method, path, status, duration, SQL statements); each log
# line written during a request carries its request_id, which the response returns as
# X-Request-ID. An incoming X-Request-ID is kept only from a proxy that sets it (nginx:
# `proxy_set_header X-Request-ID $request_id;`), by default when TRUSTED_PROXY_COUNT > 0.
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
if LOG_FORMAT not in ("json", "console"):
    raise ImproperlyConfigured(f"LOG_FORMAT is 'json' or 'console', not {LOG_FORMAT!r}.")
TRUST_REQUEST_ID_HEADER = env.bool("TRUST_REQUEST_ID_HEADER", default=TRUSTED_PROXY_COUNT > 0)

from zattar import logs  # noqa: E402 (structlog's configuration, here with the rest)

LOGGING = logs.logging_config(json=LOG_FORMAT == "json", level=env.str("LOG_LEVEL", default="INFO"))

# /metrics (Prometheus text format, zattar.metrics) answers these client addresses or networks
# (the address zattar.throttling.client_ip finds: behind nginx, the client's), or a request with
# `Authorization: Bearer <METRICS_TOKEN>`; everyone else gets a 404. Several worker processes:
# set PROMETHEUS_MULTIPROC_DIR to an empty directory before they start (see zattar.metrics).
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
try:
    for network in METRICS_ALLOWED_IPS:
        ipaddress.ip_network(network.strip(), strict=False)
except ValueError as error:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {error}") from None
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# Errors go to Sentry only when SENTRY_DSN is set; without it nothing leaves the machine. No
# personal data (addresses, cookies, user names) is sent; an event carries the request_id tag.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import ignore_logger

    ignore_logger("zattar.request")  # a 500's line: the exception is reported once, by Django's

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        environment=env.str("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production"),
        release=env.str("SENTRY_RELEASE", default="") or None,
    )
