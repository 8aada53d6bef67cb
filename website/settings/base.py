"""Settings shared by every environment.

Everything that differs between machines comes from the environment (or a `.env` file at the
repository root), read through django-environ. `.env.example` documents every variable.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A .env file is honoured when present; real environment variables win over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# An empty value (as copied from .env.example) means the development key; production requires a real one.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="") or "django-insecure-dev-only-do-not-use-in-production"
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "website",
    "accounts",
    "shop",
    "jobs",
    "billing",
    "wagtail.contrib.forms",
    "wagtail.contrib.frontend_cache",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
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
    "django_filters",
    "social_django",
    "django_q",
    "csp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "django.contrib.staticfiles",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "website.middleware.ContentSecurityPolicyMiddleware",
    "website.middleware.permissions_policy_middleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's GZipMiddleware, for text only. Below whitenoise (static files come compressed ahead of time) and above
    # the page cache (a cached page is kept as rendered and compressed for each visitor who accepts it). Django masks
    # CSRF tokens per response, which is what defeats BREACH on the pages that hold one.
    "website.middleware.TextGZipMiddleware",
    "website.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "social_django.middleware.SocialAuthExceptionMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in (site or Wagtail admin) into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "website.urls"
# A form from a cached page sent before the visitor had a token goes back with one (website.views.csrf_failure).
CSRF_FAILURE_VIEW = "website.views.csrf_failure"
WSGI_APPLICATION = "website.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "social_django.context_processors.backends",
                "website.context_processors.site_chrome",
                "shop.context_processors.cart",
            ],
        },
    },
]

# --- Security headers ---------------------------------------------------------------------------
# Content-Security-Policy (django-csp). The site runs no inline script or style: every script and stylesheet is a
# static file, so scripts need no 'unsafe-inline' (a template that must inline one takes {{ request.csp_nonce }}).
# website.middleware.ContentSecurityPolicyMiddleware adds, per request, where forms may lead (Stripe Checkout, the
# sandbox, the sign-in providers) and the Wagtail admin's own allowances.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        # The Wagtail admin previews pages in a same-origin iframe; nothing else frames the site.
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
# Where a form's redirect may lead beyond the site (Chrome applies form-action to the redirect after a POST).
STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"
SOCIAL_AUTH_FORM_ORIGINS = {
    "social_core.backends.github.GithubOAuth2": "https://github.com",
    "social_core.backends.google.GoogleOAuth2": "https://accounts.google.com",
}
# Powerful browser features no page of this site uses.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No avatars fetched from Gravatar in the Wagtail admin: the CSP allows images from this site only.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# --- Database -----------------------------------------------------------------------------------
# SQLite under var/ is the embedded default so a fresh laptop needs nothing else; production and CI
# also run on PostgreSQL through DATABASE_URL.
# An empty DATABASE_URL (as copied from .env.example) means the default too.
DATABASES = {
    "default": env.db_url_config(env("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the task cluster share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "website",
        }
    }

# Whole pages for anonymous visitors (website.page_cache): how long an entry lives at most. Purges retire
# entries sooner; this bounds what a missed purge could cost.
PAGE_CACHE_TIMEOUT = int(env("PAGE_CACHE_TIMEOUT", default="") or 60 * 60)

# An HTTP cache in front of the site (Varnish, deploy/varnish.vcl) that accepts PURGE requests: Wagtail's
# frontend_cache purges the pages that changed there too (website.page_cache.page_cache_purge).
FRONTEND_CACHE_URL = env("FRONTEND_CACHE_URL", default="")
if FRONTEND_CACHE_URL:
    WAGTAILFRONTENDCACHE = {
        "default": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": FRONTEND_CACHE_URL,
        }
    }

# --- Authentication -----------------------------------------------------------------------------
SOCIAL_AUTH_GITHUB_KEY = env("SOCIAL_AUTH_GITHUB_KEY", default="")
SOCIAL_AUTH_GITHUB_SECRET = env("SOCIAL_AUTH_GITHUB_SECRET", default="")
SOCIAL_AUTH_GOOGLE_OAUTH2_KEY = env("SOCIAL_AUTH_GOOGLE_OAUTH2_KEY", default="")
SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET = env("SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET", default="")


def authentication_backends(*, github: bool, google: bool) -> list[str]:
    """Only providers with keys are enabled, so one without keys is hidden (404), not broken.

    django-axes comes first: it refuses a locked-out username-and-address pair before any password is checked
    (AxesBackend, not the standalone one: a session naming the first backend, as `force_login()` may, still loads
    its user). Passwords are checked by accounts' backend, Django's ModelBackend that also takes an e-mail address.
    """
    backends = ["axes.backends.AxesBackend"]
    if github:
        backends.append("social_core.backends.github.GithubOAuth2")
    if google:
        backends.append("social_core.backends.google.GoogleOAuth2")
    return [*backends, "accounts.backends.EmailOrUsernameBackend"]


AUTHENTICATION_BACKENDS = authentication_backends(
    github=bool(SOCIAL_AUTH_GITHUB_KEY and SOCIAL_AUTH_GITHUB_SECRET),
    google=bool(SOCIAL_AUTH_GOOGLE_OAUTH2_KEY and SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET),
)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SOCIAL_AUTH_GITHUB_SCOPE = ["user:email"]
SOCIAL_AUTH_URL_NAMESPACE = "social"
# Social-auth's default pipeline, spelled out so nobody adds `associate_by_email`: a social login is
# never linked to an existing account just because the e-mail matches (anyone can claim an address
# at some providers). A first sign-in creates a new user; the username gets a suffix on collision.
SOCIAL_AUTH_PIPELINE = [
    "social_core.pipeline.social_auth.social_details",
    "social_core.pipeline.social_auth.social_names",
    "social_core.pipeline.social_auth.social_uid",
    "social_core.pipeline.social_auth.auth_allowed",
    "social_core.pipeline.social_auth.social_user",
    # A first social sign-in whose e-mail belongs to an account stops here with a message: its owner signs in and
    # links the provider from /accounts/ (signed in, the steps below link it to that account).
    "accounts.pipeline.refuse_address_of_existing_account",
    "social_core.pipeline.user.get_username",
    "social_core.pipeline.user.create_user",
    "accounts.pipeline.record_new_account_address",
    "social_core.pipeline.social_auth.associate_user",
    "social_core.pipeline.social_auth.load_extra_data",
    "social_core.pipeline.user.user_details",
]
# Unlinking a provider (POST /auth/disconnect/<provider>/ from /accounts/): social-auth's own steps, which refuse to
# remove the last way in (no usable password and no other provider).
SOCIAL_AUTH_DISCONNECT_PIPELINE = [
    "social_core.pipeline.disconnect.allowed_to_disconnect",
    "social_core.pipeline.disconnect.get_entries",
    "social_core.pipeline.disconnect.revoke_tokens",
    "social_core.pipeline.disconnect.disconnect",
]
SOCIAL_AUTH_DISCONNECT_REDIRECT_URL = "/accounts/"
SOCIAL_AUTH_NEW_ASSOCIATION_REDIRECT_URL = "/accounts/"
SOCIAL_AUTH_PROTECTED_USER_FIELDS = ["username", "email"]
SOCIAL_AUTH_SANITIZE_REDIRECTS = True
SOCIAL_AUTH_JSONFIELD_ENABLED = True
SOCIAL_AUTH_LOGIN_ERROR_URL = "/accounts/login/"
SOCIAL_AUTH_REDIRECT_IS_HTTPS = False

# --- Accounts -----------------------------------------------------------------------------------
# The one-time link a guest's order confirmation carries: it signs the buyer in once, within this time.
ACCOUNTS_SIGN_IN_LINK_MAX_AGE = timedelta(days=3)
# Seconds a sign-up's e-mail verification link stays valid.
ACCOUNTS_VERIFICATION_LINK_MAX_AGE = 60 * 60 * 24 * 3
# (requests, seconds) per client address and per e-mail address; over either, the request is refused (429).
ACCOUNTS_RATE_LIMITS = {
    "sign_up": {"ip": (10, 60 * 60), "email": (3, 60 * 60)},
    "password_reset": {"ip": (10, 60 * 60), "email": (3, 60 * 60)},
}
# Proxies (addresses or networks) whose X-Forwarded-For is believed for the client's address (lockouts and rate
# limits, accounts.client_ip); empty: REMOTE_ADDR is the client.
DJANGO_TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=[])

# django-axes: password sign-in (site and Wagtail admin) locks a username-and-address pair out after
# AXES_FAILURE_LIMIT failures in a row, for AXES_COOLOFF_TIME; a failure during the lockout starts it again.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------------
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATIC_URL = "/static/"
# Files whitenoise serves at the site's root as they are: /favicon.ico, which browsers ask for whatever a page says.
WHITENOISE_ROOT = BASE_DIR / "public"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"
# Uploaded files (images and their renditions) served by the site itself (website.views.media), for a site with no
# web server in front that serves MEDIA_ROOT; turn off where one does (deploy/media.md).
SERVE_MEDIA = env.bool("DJANGO_SERVE_MEDIA", default=True)
# How long browsers and caches may keep an uploaded file. Not "immutable": a replaced image may take a rendition's
# name again.
MEDIA_CACHE_SECONDS = env.int("DJANGO_MEDIA_CACHE_SECONDS", default=7 * 24 * 60 * 60)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- E-mail -------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Shop & Jobs <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))

# --- Wagtail ------------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Shop & Jobs"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024

# --- Stripe -------------------------------------------------------------------------------------
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
# Points the Stripe client somewhere else, such as the offline sandbox (`make sandbox`).
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")

# --- Tasks (django-q2) --------------------------------------------------------------------------
# The ORM broker works on SQLite with no other service; Redis takes over when REDIS_URL is set.
Q_CLUSTER = {
    "name": "website",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 300,
    "retry": 360,
    "max_attempts": 3,
    "queue_limit": 50,
    "bulk": 10,
    "catch_up": False,
    # Successful runs kept per group (a schedule's tasks are grouped under its name), so the 5-minute task
    # cannot crowd the daily one out of the record; failures are always kept.
    "save_limit": 200,
    "save_limit_per": "group",
    "label": "Tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- Logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO"), "propagate": False},
        # Wagtail 8 runs search-index and reference-index updates as django-tasks; one line per task is noise.
        "django_tasks": {"level": "WARNING"},
    },
}

# --- Shop ---------------------------------------------------------------------------------------
SHOP_DEFAULT_CURRENCY = "USD"
# The most units of one product a cart line may hold.
SHOP_MAX_QUANTITY_PER_LINE = 10
SHOP_PAGE_SIZE = 24
# At or below this many units available a product shows "Only N left".
SHOP_LOW_STOCK_THRESHOLD = 5
# A checkout holds its stock as long as its Stripe Checkout Session can be paid (BILLING_CHECKOUT_EXPIRY_MINUTES)
# plus this margin, so a payment made in the session's last second still finds its units waiting.
SHOP_HOLD_MARGIN_MINUTES = 5
# Whether a staff refund of a paid order puts its units back on the shelf (False: returns are checked first).
SHOP_RESTOCK_ON_REFUND = True
# The most units one buyer's open checkouts may hold at once, across all products (a checkout holds stock unpaid).
SHOP_MAX_HELD_UNITS_PER_BUYER = 50
# Where the shop ships to until an editor changes Settings → Shipping countries (two-letter codes).
SHOP_SHIPPING_COUNTRIES = ["US", "CA", "GB", "IE", "FR", "DE", "NL", "AU", "JP"]
SHOP_ORDERS_PAGE_SIZE = 20

# --- Billing ------------------------------------------------------------------------------------
# The API version stripe==16.1.0 was generated against; upgrading the library means re-testing this.
STRIPE_API_VERSION = "2026-10-28.endive"
# Seconds to wait for Stripe before telling the payer to try again; retries reuse the idempotency key.
STRIPE_REQUEST_TIMEOUT = 10
STRIPE_MAX_NETWORK_RETRIES = 2
# Stripe checks signatures against this tolerance (seconds) to refuse replayed, stale deliveries.
STRIPE_WEBHOOK_TOLERANCE = 300
# How long a Checkout Session stays payable; Stripe accepts 30 minutes to 24 hours.
BILLING_CHECKOUT_EXPIRY_MINUTES = 30
# stripe-python logs every request at INFO; billing logs what matters (failures, payments) itself.
LOGGING["loggers"]["stripe"] = {"level": "WARNING"}

# --- Jobs ---------------------------------------------------------------------------------------
# One payment keeps a listing on /jobs/ this long after the payment is confirmed.
JOBS_PAID_PERIOD = timedelta(days=7)
# True: every signed-in user may post listings; False: only those with jobs.post_job ("Job posters" group).
JOBS_ANY_SIGNED_IN_USER_MAY_POST = False
JOBS_PAGE_SIZE = 20

# --- Demo ---------------------------------------------------------------------------------------
# `manage.py seed_demo` creates sign-ins with published passwords; production turns it off.
SEED_DEMO_ALLOWED = True

# --- Housekeeping -------------------------------------------------------------------------------
# A cart with no activity for this long is stale; the daily purge deletes it (unless its checkout is under way).
SHOP_CART_STALE_AFTER = timedelta(weeks=1)
# Carts deleted per transaction by the purge: bounds each transaction's locks and the process's memory.
SHOP_CART_PURGE_BATCH_SIZE = 10_000
# seed_demo makes the renditions the pages show of the demo products' pictures (AVIF, WebP and JPEG in a few sizes:
# about half a minute), so the first visitor does not wait for them. The test settings turn it off.
SHOP_DEMO_PREPARE_RENDITIONS = True
# How far back the hourly reconciliation looks for Checkout Sessions Stripe completed.
BILLING_RECONCILE_LOOKBACK = timedelta(days=1)
# A webhook event whose handling began this long ago and never finished (a killed worker, a timeout) is handled
# again by the next delivery of it or by the reconciliation schedule. Longer than any handler runs.
BILLING_WEBHOOK_STUCK_AFTER = timedelta(minutes=5)
