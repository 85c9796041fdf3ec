"""Mercato settings: one module, configured from the environment (architecture §7).

DATABASE_URL and REDIS_URL come from the environment; ``config.devservices`` fills them with
embedded servers on a fresh machine (``make run`` / ``make test``). When one is unset and the
embedded server of this checkout is running (``make run`` in another terminal), that server is
used (``config.service_urls``); with no database at all ``manage.py`` says what to do.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from config import service_urls

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-secret-key-change-me-in-production")
PLATFORM_DOMAIN = os.environ.get("PLATFORM_DOMAIN", "localhost")
# Stores live at <slug>.<PLATFORM_DOMAIN>; custom domains are added through ALLOWED_HOSTS.
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", f"{PLATFORM_DOMAIN},.{PLATFORM_DOMAIN},127.0.0.1,testserver"
)
# The public base of every absolute URL (emails, sitemaps, canonical links, webhook payloads,
# API payment URLs, printed URLs): apps/tenants/public_urls.py. Never derived from PORT, which
# is only what the web process listens on (honcho gives each process its own PORT).
PUBLIC_SCHEME = os.environ.get(
    "PUBLIC_SCHEME", "http" if DEBUG or PLATFORM_DOMAIN == "localhost" else "https"
)
# Unset: the scheme's default port (80/443), left out of URLs. `make run` sets it to the web
# port for all its processes.
PUBLIC_PORT = os.environ.get("PUBLIC_PORT", "")

# --- applications ----------------------------------------------------------------------------
SHARED_APPS = [
    # First: its migrate/migrate_schemas commands (which also migrate the store template schema)
    # take precedence over django_tenants' own.
    "apps.tenants",
    "django_tenants",
    "apps.accounts",
    "apps.core",
    "apps.observability",  # metrics, request ids, JSON logs, Sentry, tracing (issue #22)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "apps.accounts.admin_config.AccountsAdminConfig",  # django.contrib.admin, two-factor site
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_countries",
    # Logins: failed attempts and two-factor devices live beside the users of each schema.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]
TENANT_APPS = [
    "apps.core",  # the transactional outbox: one table per store schema
    "apps.accounts",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "apps.accounts.admin_config.AccountsAdminConfig",  # django.contrib.admin, two-factor site
    # Each store's users are in its own schema, so are their login attempts and OTP devices:
    # 30 wrong passwords on one store never lock the same email on another.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "apps.preferences",
    "apps.catalog",
    "apps.inventory",
    "apps.cart",
    "apps.markets",  # presentment currencies, rates and rounding (issue 20)
    "apps.checkout",
    "apps.orders",
    "apps.payments",
    "apps.notifications",
    "apps.api",
    "apps.webhooks",
    "apps.reviews",
    "apps.storefront",
    "apps.dashboard",  # after the apps whose admin it reorganises (store settings, roles)
    # Demo and benchmark data (seed_demo, generate_catalog, run_platform). No models: its
    # commands run from the public schema and switch into the store they fill.
    "apps.demo",
    "apps.recommendations",
    # --- catalog & search (issue 3) ---
    "apps.search",
    "django.contrib.sitemaps",
    "apps.content",  # storefront theme, merchant pages, contact messages (issue 18)
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Store"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# New stores are cloned from this migrated template schema instead of being migrated one by one.
TENANT_BASE_SCHEMA = "store_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# Schemas cloned ahead of signups, claimed by a rename (apps/tenants/schema_pool.py); beat
# keeps this many waiting. 0: every signup clones the template itself.
STORE_SCHEMA_POOL_SIZE = int(os.environ.get("STORE_SCHEMA_POOL_SIZE", "10"))
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
SHOW_PUBLIC_IF_NO_TENANT_FOUND = False
# Set search_path once per schema switch, not before every query (django-tenants option).
TENANT_LIMIT_SET_CALLS = True

MIDDLEWARE = [
    # Request id (X-Request-ID), request log line, HTTP metrics: first, so it times everything.
    "apps.observability.middleware.RequestObservabilityMiddleware",
    "apps.core.middleware.HealthCheckMiddleware",  # answers /healthz, /readyz on any host
    "apps.core.bad_input.RejectNulMiddleware",  # NUL in path, query or form: 400, not a 500
    "apps.tenants.middleware.StoreMiddleware",  # django-tenants' host → schema, friendly 404
    "apps.core.middleware.RequestMemoMiddleware",  # store configuration read once a request
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous shoppers' storefront pages from Redis; a hit skips everything below.
    "apps.storefront.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): two-factor logins
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy, request.csp_nonce
    # Before launch, a store's storefront may ask visitors for its password (staff never).
    "apps.storefront.prelaunch.StorefrontPasswordMiddleware",
    # Sets the visitor and recently-viewed cookies only when a product page asked for it.
    "apps.storefront.middleware.VisitorCookiesMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

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
                "apps.tenants.context_processors.current_store",
                "apps.storefront.context_processors.navigation",
                "csp.context_processors.nonce",  # {{ CSP_NONCE }} for inline <script>/<style>
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# --- database --------------------------------------------------------------------------------
# Each URL from the environment, else from the embedded server `make run` started in this
# checkout if it is up (config/service_urls.py). DATABASE_URL_SOURCE: "environment",
# "embedded" or "" — none, and manage.py stops with a one-line hint instead of connecting to the
# placeholder below.
_SERVICE_URLS = service_urls.resolve(os.environ)
DATABASE_URL_SOURCE = _SERVICE_URLS["DATABASE_URL"][1]
DATABASES = {
    "default": dj_database_url.parse(
        _SERVICE_URLS["DATABASE_URL"][0] or "postgresql://postgres@127.0.0.1:5432/mercato",
        engine="apps.core.postgresql_backend",  # django-tenants' backend, one SET per session
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # Before a connection is reused (a new request, or a checkout from the pool), one round
        # trip checks that it still works.
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", True),
    )
}
# DB_POOL_SIZE > 0: each process takes its connections from a psycopg pool of at most that many
# (Django's built-in pool; CONN_MAX_AGE must then be 0: a connection goes back to the pool at the
# end of each request or task). For threaded processes — gunicorn gthread workers, Celery with
# threads — whose threads would otherwise hold one database session each: fewer sessions
# contending for the same hot rows serve more reservations per second. Sync (one request per
# process) workers gain nothing from it: processes cannot share a pool (that is PgBouncer's job).
DB_POOL_SIZE = int(os.environ.get("DB_POOL_SIZE", "0"))
if DB_POOL_SIZE > 0:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(2, DB_POOL_SIZE),
        "max_size": DB_POOL_SIZE,
        # A request waits this long for a free connection before failing.
        "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "10")),
    }
# Pods (README "Pods"): more PostgreSQL servers holding store schemas, one DATABASES alias
# each. POD_DATABASE_URLS: "pod1=postgres://…,pod2=postgres://…" (a bare URL is named pod<n>).
# The default connection is pod "default"; the public schema (stores, domains, the platform's
# tables) lives there only. apps/tenants/pods.py routes each request and task to its store's pod.
PODS = ["default"]
for _number, _entry in enumerate(filter(None, os.environ.get("POD_DATABASE_URLS", "").split(","))):
    _name, _sep, _url = _entry.strip().partition("=")
    if not _sep or ":" in _name:  # a bare URL
        _name, _url = f"pod{_number + 1}", _entry.strip()
    DATABASES[_name] = {**dj_database_url.parse(_url, engine="apps.core.postgresql_backend")}
    DATABASES[_name]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    PODS.append(_name)
# Writes to a store being moved wait this long for the switch, then get a 503 with Retry-After.
POD_MOVE_WRITE_WAIT_SECONDS = float(os.environ.get("POD_MOVE_WRITE_WAIT_SECONDS", "5"))
# A moved store's old copy is kept this long before `move_store --drop-old` may drop it.
POD_MOVE_GRACE_SECONDS = int(os.environ.get("POD_MOVE_GRACE_SECONDS", str(24 * 3600)))
DATABASE_ROUTERS = ["apps.tenants.pods.PodRouter", "django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache and sessions ----------------------------------------------------------------------
REDIS_URL = _SERVICE_URLS["REDIS_URL"][0] or "redis://127.0.0.1:6379/0"
# Parallel tests (pytest-xdist) run one process per worker, PYTEST_XDIST_WORKER=gw0, gw1, …, all
# on one Redis and one checkout, each with its own test database (pytest-django suffixes its
# name) holding the same store schemas. Each worker keeps its own cache keys and media files;
# the Celery workers its tests start inherit the variable, so they share that worker's.
TEST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "mercato") + TEST_WORKER,
        # Every key carries the schema of the store it was written in (architecture §1).
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            # Redis is a cache here, never the source of truth: when it is down, reads are
            # misses and writes are skipped (routing, sessions, store configuration, pages and
            # DRF's rate limits then fall back to PostgreSQL or fail open). Short timeouts keep
            # an unreachable server from stalling every request.
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": float(os.environ.get("REDIS_CONNECT_TIMEOUT", "1")),
            "SOCKET_TIMEOUT": float(os.environ.get("REDIS_TIMEOUT", "2")),
            # After a failure, a process stops trying Redis for a few seconds (one timeout per
            # few seconds, not one per cache call, when Redis hangs).
            "CONNECTION_POOL_CLASS": "apps.core.redis_outage.FailFastConnectionPool",
        },
    }
}
# Ignored cache errors are logged through apps.core.redis_outage.BurstFilter (see LOGGING):
# one line per burst, not one traceback per cache call.
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "mercato.redis.cache"
# Sessions live in each store's own schema (its own django_session table), so a session id from
# one store's host means nothing on another's. Cookies carry no Domain attribute (host-only).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- transport security ----------------------------------------------------------------------
# With DEBUG off the platform assumes HTTPS: HTTP is redirected to HTTPS, browsers are told to
# keep to HTTPS (HSTS, a year, subdomains: every store is <slug>.<PLATFORM_DOMAIN>) and cookies
# are sent only over HTTPS. A rig that serves plain HTTP with DEBUG off (`make run`, the demo,
# the test suite's gunicorn servers) opts out explicitly with PLAIN_HTTP=1.
PLAIN_HTTP = env_bool("PLAIN_HTTP", DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not PLAIN_HTTP)
# Health probes come from the load balancer over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if PLAIN_HTTP else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# The header qualifies for browsers' HSTS preload lists (a year, subdomains, preload); being
# listed still takes a submission at hstspreload.org. SECURE_HSTS_PRELOAD=0 leaves it out.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not PLAIN_HTTP)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not PLAIN_HTTP)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients).
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Content-Security-Policy (django-csp) -----------------------------------------------------
# Everything from this host only; inline <script>/<style> must carry {{ request.csp_nonce }}.
# The payment page adds Stripe's script, frames and API (apps/payments/views.py, csp_update).
# The admin (Django's and ours) and the API docs (Swagger UI) are left out: their pages come
# from Django and drf-spectacular with inline scripts, and serve staff and developers.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/api/v1/docs/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [SELF],
    },
}

# --- auth ------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Argon2 first: the memory-hard hasher Django recommends (and ~10x faster to compute than
# PBKDF2's 1M rounds, which keeps opening a store well under a second).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/admin/login/"
# django-axes first: a locked-out user+IP is refused before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "apps.accounts.login_guard.LoginGuardBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- login guessing (django-axes) -----------------------------------------------------------
# Failed logins are counted per account *and* client IP together: guessing from one address
# locks that address out of that account for a while, and never locks the merchant out from
# their own address. Attempts live in the schema whose users they concern (database handler:
# a Redis outage neither loses nor blocks them).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_RESET_ON_SUCCESS = True
# A guess during the cool-off does not restart it: the lock ends on time.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "apps.accounts.login_guard.lockout_response"
AXES_USERNAME_CALLABLE = "apps.accounts.login_guard.username_from_request"
# The client address as every rate limit sees it (REMOTE_ADDR, or NUM_PROXIES trusted proxies).
AXES_CLIENT_IP_CALLABLE = "apps.core.throttling.client_ip"
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
# Two-factor (django-otp): staff enrol TOTP in the admin; the platform admin requires it when
# DEBUG is off, a store's owner can require it for the store's staff (store settings).
PLATFORM_ADMIN_REQUIRE_2FA = env_bool("PLATFORM_ADMIN_REQUIRE_2FA", not DEBUG)
OTP_TOTP_ISSUER = "Mercato"

# --- i18n, static, media ---------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve static/ without collectstatic in development
WHITENOISE_AUTOREFRESH = DEBUG
# Files served at the site root on every host (the default /favicon.ico), before any URL route.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / ".data" / "media")) / TEST_WORKER
MEDIA_URL = "/media/"
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"  # media files go under a per-store folder

# --- email -----------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", BASE_DIR / ".data" / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Mercato <no-reply@mercato.local>")

# --- payments ------------------------------------------------------------------------------
# Each store's Stripe keys live in its gateway settings (payments.GatewaySettings), never in
# the environment. This only moves the API host (tests point the real SDK at a local server
# that speaks Stripe's wire format); unset means https://api.stripe.com.
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
STRIPE_MAX_NETWORK_RETRIES = int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "2"))
# PayPal likewise: each store's client id and secret live in its gateway settings; this moves
# the API host off https://api-m.paypal.com / api-m.sandbox.paypal.com (tests: a local fake).
PAYPAL_API_BASE = os.environ.get("PAYPAL_API_BASE", "")
PAYPAL_TIMEOUT = float(os.environ.get("PAYPAL_TIMEOUT", "20"))  # seconds per HTTP call
PAYPAL_MAX_NETWORK_RETRIES = int(os.environ.get("PAYPAL_MAX_NETWORK_RETRIES", "2"))
# Which payment modes the platform accepts (apps/payments/gateways/base.py ``test_mode``).
# Test mode (the built-in test gateway, Stripe test keys) marks orders paid with no money:
# allowed by default only in development and the demo (DEBUG, or PLATFORM_DOMAIN localhost).
# Live keys move real money: allowed by default only in production (the opposite).
_DEVELOPMENT = DEBUG or PLATFORM_DOMAIN == "localhost"
ALLOW_TEST_PAYMENTS = env_bool("ALLOW_TEST_PAYMENTS", _DEVELOPMENT)
ALLOW_LIVE_PAYMENTS = env_bool("ALLOW_LIVE_PAYMENTS", not _DEVELOPMENT)

# --- Celery ----------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "mercato")
# Every task here is idempotent (outbox consumers send each email once, webhooks carry their
# event id, the rest recompute or claim rows), so a message is acknowledged only after its task
# ran, and one whose worker process died mid-task is put back on the queue, not dropped.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# How long Redis lets a delivered, unacknowledged message sit before it hands it to another
# worker: the recovery time when a whole worker (its main process) dies holding a message. It
# must exceed the longest a live worker keeps a message unacknowledged, or Redis gives a
# second worker a message the first is still running or waiting on: the longest task run (a
# webhook or SMTP call, seconds) and the longest retry countdown, which every task caps at
# 300 s (apps/webhooks/tasks.py, apps/orders/tasks.py, …). kombu's default is 1 h; 600 s
# keeps 2x headroom over the caps. The unacked sweep runs every 30 s (10 s x 3).
BROKER_VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "600"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": int(os.environ.get("CELERY_UNACKED_RESTORE_INTERVAL", "10")),
    "unacked_restore_throttle": int(os.environ.get("CELERY_UNACKED_RESTORE_THROTTLE", "3")),
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The periodic outbox relay leaves messages younger than this to the after-commit publish of
# their own transaction (apps/core/outbox.py).
OUTBOX_RELAY_GRACE_SECONDS = float(os.environ.get("OUTBOX_RELAY_GRACE_SECONDS", "10"))
FAN_OUT = "apps.tenants.tasks.fan_out_to_stores_task"
HOUR, DAY = 3600.0, 24 * 3600.0
# Periodic store work visits only the stores that need it (apps/tenants/due.py): those with
# work due (`due_kind`) or active lately (`window_seconds`); each task also runs once a day in
# every store (DAILY_SWEEP below), the safety net that rebuilds the due index from the data.
STORE_PERIODIC_WORK = {
    # Expired stock holds are released, and the unpaid orders they backed cancelled.
    "holds": {
        "tasks": [
            "apps.inventory.tasks.release_expired_reservations_task",
            "apps.orders.tasks.cancel_expired_orders_task",
        ],
        "schedule": 60.0,
        "due_kind": "holds",
    },
    # The transactional outbox (apps/core/outbox.py): messages whose after-commit publish found
    # the broker down are queued by this pass.
    "outbox-relay": {
        "tasks": ["apps.core.tasks.relay_outbox_task"],
        "schedule": 60.0,
        "due_kind": "outbox",
    },
    # Gift cards applied to orders that were then cancelled unpaid go back on their cards.
    "payments-return-gift-cards": {
        "tasks": ["apps.payments.tasks.return_gift_cards_of_cancelled_orders_task"],
        "schedule": 300.0,
        "window_seconds": HOUR,
    },
    # Recommendations (apps/recommendations/tasks.py).
    "recs-flush-signals": {
        "tasks": ["apps.recommendations.tasks.flush_signals_task"],
        "schedule": 300.0,
        "window_seconds": HOUR,
    },
    "recs-recompute": {
        "tasks": ["apps.recommendations.tasks.recompute_recommendations_task"],
        "schedule": HOUR,
        "window_seconds": 2 * HOUR,
    },
    "recs-back-in-stock": {
        "tasks": ["apps.recommendations.tasks.check_back_in_stock_task"],
        "schedule": 600.0,
        "window_seconds": HOUR,
    },
    # Carts older than 7 days are never reminded (recommendations.services): 8 days covers all.
    "recs-abandoned-carts": {
        "tasks": ["apps.recommendations.tasks.queue_abandoned_cart_reminders_task"],
        "schedule": 900.0,
        "window_seconds": 8 * DAY,
    },
    "search-refresh-stock-flags": {
        "tasks": ["apps.search.tasks.refresh_stock_flags_task"],
        "schedule": 300.0,
        "window_seconds": HOUR,
    },
    "inventory-report-drift": {
        "tasks": ["apps.inventory.tasks.report_stock_drift_task"],
        "schedule": HOUR,
        "window_seconds": DAY,
    },
}
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "apps.core.tasks.record_heartbeat_task", "schedule": 60.0},
    "outbox-relay-public": {"task": "apps.core.tasks.relay_outbox_task", "schedule": 60.0},
    "schema-pool-top-up": {"task": "apps.tenants.tasks.top_up_schema_pool_task", "schedule": 60.0},
    # A moved store's old copy, once POD_MOVE_GRACE_SECONDS have passed (apps/tenants/pod_moves).
    "drop-old-store-copies": {
        "task": "apps.tenants.tasks.drop_old_store_copies_task",
        "schedule": 3600.0,
    },
    # Tidiness: review services keep product ratings right in their own transactions.
    "repair-rating-aggregates": {
        "task": FAN_OUT,
        "schedule": DAY,
        "args": ["apps.reviews.tasks.repair_rating_aggregates_task"],
        "kwargs": {"spread_seconds": HOUR},
    },
}
for _name, _work in STORE_PERIODIC_WORK.items():
    _selector = {k: _work[k] for k in ("due_kind", "window_seconds") if k in _work}
    CELERY_BEAT_SCHEDULE[_name] = {
        "task": FAN_OUT,
        "schedule": _work["schedule"],
        "args": [_work["tasks"]],
        "kwargs": _selector,
    }
    CELERY_BEAT_SCHEDULE[f"{_name}-daily-sweep"] = {
        "task": FAN_OUT,
        "schedule": DAY,
        "args": [_work["tasks"]],
        "kwargs": {"spread_seconds": HOUR},
    }

# --- REST API and webhooks -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.api.authentication.ApiKeyAuthentication",
        "apps.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.api.permissions.ScopedAccess"],
    "DEFAULT_PAGINATION_CLASS": "apps.api.pagination.IdCursorPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.api.throttling.ApiKeyRateThrottle",
        "apps.api.throttling.ClientIpRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "api_key": os.environ.get("API_RATE_PER_KEY", "600/min"),
        "ip": os.environ.get("API_RATE_PER_IP", "120/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "apps.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "apps.api.exceptions.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mercato store API",
    "DESCRIPTION": "Per-store REST API. Authenticate with `Authorization: Bearer <API key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Products and orders both have a "status" field with its own choices: name each enum after
    # its model instead of a numbered "Status118Enum" (drf_spectacular.W001, a schema whose
    # component names change whenever a serializer is added).
    "ENUM_NAME_OVERRIDES": {
        "ProductStatusEnum": "apps.catalog.models.Product.Status",
        "OrderStatusEnum": "apps.orders.models.Order.Status",
        "CollectionKindEnum": "apps.catalog.models.Collection.Kind",
    },
}
# Per client IP, fixed windows in Redis (apps/core/throttling.py; fail open when Redis is down).
ORDER_LOOKUPS_PER_IP = int(os.environ.get("ORDER_LOOKUPS_PER_IP", "10"))
ORDER_LOOKUP_WINDOW_SECONDS = 600
STORE_SIGNUPS_PER_IP = int(os.environ.get("STORE_SIGNUPS_PER_IP", "5"))
STORE_SIGNUP_WINDOW_SECONDS = 3600
# Customer sign-ups per client address and hour, per store: each one sends an email.
CUSTOMER_SIGNUPS_PER_IP = int(os.environ.get("CUSTOMER_SIGNUPS_PER_IP", "10"))
# Trusted reverse proxies in front of the web process; 0: REMOTE_ADDR is the client.
NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0"))
WEBHOOK_RETRY_BASE_SECONDS = float(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS", "30"))
# --- search (issue 3): PostgreSQL full-text by default, Elasticsearch when ELASTICSEARCH_URL is set
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
ELASTICSEARCH_INDEX_PREFIX = os.environ.get("ELASTICSEARCH_INDEX_PREFIX", "mercato")
# Search pages and facet counts are cached this long (seconds); any index change invalidates them.
SEARCH_CACHE_SECONDS = int(os.environ.get("SEARCH_CACHE_SECONDS", "60"))
# The storefront's page cache for anonymous shoppers (apps/storefront/page_cache.py, README
# "Page cache"): on/off, how long a page is kept (the bound for time-based changes that write
# nothing), and how often a process compares a cached product page's stock with the database.
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE_ENABLED", True)
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "60"))
# Host -> store entries in Redis (apps/tenants/routing.py): dropped on every Store or Domain
# write; the bound covers writes that bypass model signals.
ROUTING_CACHE_SECONDS = int(os.environ.get("ROUTING_CACHE_SECONDS", "3600"))
# The home page is kept until the next promotion start or end, at most this long
# (apps/storefront/page_cache.py, ``fresh_until``); other pages PAGE_CACHE_SECONDS.
PAGE_CACHE_MAX_SECONDS = int(os.environ.get("PAGE_CACHE_MAX_SECONDS", str(24 * 3600)))
# A store's home page is rendered in the background this long after it was created or its
# pages were dropped (one render per store per interval, however many writes).
PAGE_PRERENDER_DELAY_SECONDS = float(os.environ.get("PAGE_PRERENDER_DELAY_SECONDS", "2"))
PAGE_CACHE_STOCK_SECONDS = float(os.environ.get("PAGE_CACHE_STOCK_SECONDS", "1"))
# Pages each web process keeps in its own memory too (a hit then costs no Redis round trip),
# checked against the store versions the process hears of over pub/sub (apps/core/version_bus).
PAGE_CACHE_LOCAL_ENTRIES = int(os.environ.get("PAGE_CACHE_LOCAL_ENTRIES", "500"))
PAGE_CACHE_LOCAL_BYTES = int(os.environ.get("PAGE_CACHE_LOCAL_BYTES", str(32 * 1024 * 1024)))
VERSION_BUS_ENABLED = env_bool("VERSION_BUS_ENABLED", True)
# Safety net for stock changes made without search_services.mark_stock_changed (e.g. expiry).
# PostgreSQL's JIT costs 100 ms–1 s of compile time on the large search and indexing
# statements and saves nothing on OLTP queries: off for our connections.
for _database in DATABASES.values():
    _database.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

# --- logging ---------------------------------------------------------------------------------
# plain (default, `make run`): human-readable lines. json: one JSON object per line with the
# request id, store schema, user id, route and duration (apps/observability/logs.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "apps.observability.logs.json_formatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
        }
    },
    "filters": {"redis_burst": {"()": "apps.core.redis_outage.BurstFilter"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The connection pool logs every checkout and return at INFO: three lines per request.
        "psycopg.pool": {"level": "WARNING"},
        "mercato.redis.cache": {"filters": ["redis_burst"]},
        # One line per request / task: JSON mode only (plain mode has gunicorn's access log).
        "mercato.request": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
        "mercato.task": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
    },
}

# --- observability (issue #22; README "Operate Mercato") --------------------------------------
# /metrics on the platform host answers only `Authorization: Bearer <METRICS_TOKEN>`; unset: 404.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# Off: no HTTP metrics and no /metrics (domain counters stay in memory, unexported).
METRICS_ENABLED = env_bool("METRICS_ENABLED", True)
# A statement naming two store schemas is counted and logged; the test suite makes it raise.
CROSS_STORE_QUERIES_RAISE = env_bool("CROSS_STORE_QUERIES_RAISE", False)
