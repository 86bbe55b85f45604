"""Django settings, all derived from environment variables (see conf.py and docs/configuration.md)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from django.utils.csp import CSP

from typodesk import conf
from typodesk.notify.emailconf import default_from, parse_email_url

BASE_URL = conf.base_url()
DATA_DIR = conf.data_dir()
SECRET_KEY = conf.secret_key()
DEBUG = conf.env_bool("TYPODESK_DEBUG", False)

_base = urlsplit(BASE_URL)
ALLOWED_HOSTS = [h.strip() for h in conf.env("TYPODESK_ALLOWED_HOSTS").split(",") if h.strip()] or [
    _base.hostname,
    "127.0.0.1",
    "localhost",
    "[::1]",
]
CSRF_TRUSTED_ORIGINS = [f"{_base.scheme}://{_base.netloc}"]
USE_HTTPS = _base.scheme == "https"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "typodesk.accounts",
    "typodesk.sites",
    "typodesk.findings",
    "typodesk.ingest",
    "typodesk.desk",
    "typodesk.widget",
    "typodesk.demo",
    "typodesk.notify",
    "typodesk.heartbeat",
    "typodesk.pages",
    "typodesk.apiv1",
    "typodesk.interchange",
    "typodesk.abuse",
    "typodesk.overview",
    "typodesk.corrections",
    # Only for django-ninja's bundled Swagger UI files, served by typodesk (the API reference,
    # no CDN); found without importing django-ninja in every process (see the module).
    "typodesk.apiv1.ninja_static.NinjaStaticConfig",
]

MIDDLEWARE = [
    # Outermost: streamed answers (static files) reach the ASGI server as asynchronous iterators.
    "typodesk.asyncstream.AsyncStreamingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "typodesk.apiv1.middleware.ApiMethodNotAllowedMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "typodesk.accounts.middleware.RequireOwnerTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Innermost: a view whose database is away answers 503 with Retry-After (docs/operations.md).
    "typodesk.unavailable.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "typodesk.urls"
ASGI_APPLICATION = "typodesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

DATABASES = {"default": conf.database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "desk:login"
LOGIN_REDIRECT_URL = "desk:inbox"
LOGOUT_REDIRECT_URL = "desk:login"
# People (docs/people.md): login throttling, invitations, two-factor authentication.
TYPODESK_LOGIN_BURST = conf.env_int("TYPODESK_LOGIN_BURST", 10)  # failed logins at once, per account/address
TYPODESK_LOGIN_PER_MINUTE = conf.env_int("TYPODESK_LOGIN_PER_MINUTE", 1)  # … then this many a minute
TYPODESK_INVITATION_DAYS = conf.env_int("TYPODESK_INVITATION_DAYS", 7)
TYPODESK_REQUIRE_OWNER_2FA = conf.env_bool("TYPODESK_REQUIRE_OWNER_2FA", False)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский"), ("az", "Azərbaycanca")]
USE_I18N = True
TIME_ZONE = conf.env("TYPODESK_TIME_ZONE", "UTC")
USE_TZ = True

# Django's own strings where the desk words them differently (az: "parol", not "şifrə"; month
# names in dates in lower case), and date formats of our own (typodesk/formats).
LOCALE_PATHS = [Path(__file__).resolve().parent / "locale"]
FORMAT_MODULE_PATH = ["typodesk.formats"]

STATIC_URL = "/static/"
# Files are served from the installed package; no collectstatic step is needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Request bodies: the report API refuses anything over 16 KB itself; this caps
# every other endpoint far below what could hurt the server.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = USE_HTTPS
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = USE_HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if USE_HTTPS:
    SECURE_HSTS_SECONDS = conf.env_int("TYPODESK_HSTS_SECONDS", 31536000)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Report API limits (docs/configuration.md, docs/abuse.md).
TYPODESK_RATE_PER_MINUTE = conf.env_int("TYPODESK_RATE_PER_MINUTE", 30)
TYPODESK_RATE_BURST = conf.env_int("TYPODESK_RATE_BURST", 30)
TYPODESK_TRUSTED_PROXIES = [p.strip() for p in conf.env("TYPODESK_TRUSTED_PROXIES").split(",") if p.strip()]
# /metrics from other machines than this one needs "Authorization: Bearer" with this (docs/operations.md).
TYPODESK_METRICS_TOKEN = conf.env("TYPODESK_METRICS_TOKEN")
# Abuse defences (docs/abuse.md): instance defaults; each site may set its own on its protection page.
TYPODESK_SITE_RATE_PER_MINUTE = conf.env_int("TYPODESK_SITE_RATE_PER_MINUTE", 600)
TYPODESK_SITE_RATE_BURST = conf.env_int("TYPODESK_SITE_RATE_BURST", 600)
TYPODESK_GLOBAL_RATE_PER_MINUTE = conf.env_int("TYPODESK_GLOBAL_RATE_PER_MINUTE", 6000)
TYPODESK_GLOBAL_RATE_BURST = conf.env_int("TYPODESK_GLOBAL_RATE_BURST", 3000)
TYPODESK_MIN_SECONDS = conf.env_int("TYPODESK_MIN_MS", 1500) / 1000  # dialog opened → report sent
TYPODESK_SPAM_MAX_LINKS = conf.env_int("TYPODESK_SPAM_MAX_LINKS", 1)  # more links in a text: spam folder
TYPODESK_SPAM_REPEAT_PAGES = conf.env_int("TYPODESK_SPAM_REPEAT_PAGES", 3)  # same text on this many pages …
TYPODESK_SPAM_REPEAT_MINUTES = conf.env_int("TYPODESK_SPAM_REPEAT_MINUTES", 60)  # … within this time: spam
# Clean reports from this many different readers take a finding out of the spam folder it was put in
# automatically: a finding is spam only while its reports are (docs/abuse.md).
TYPODESK_SPAM_LIFT_READERS = conf.env_int("TYPODESK_SPAM_LIFT_READERS", 2)
TYPODESK_POW_MAX_NUMBER = conf.env_int("TYPODESK_POW_MAX_NUMBER", 100_000)  # proof-of-work difficulty
TYPODESK_POW_EXPIRES = conf.env_int("TYPODESK_POW_EXPIRES", 1200)  # seconds a challenge stays valid
TYPODESK_PROTECTION_TTL = conf.env_int("TYPODESK_PROTECTION_TTL", 5)  # s a process keeps a site's settings
# Shared state for several server processes or machines (rate-limit buckets): Redis when set,
# else the database. Keys start with the prefix (several instances may share one Redis).
TYPODESK_REDIS_URL = conf.env("TYPODESK_REDIS_URL")
TYPODESK_REDIS_PREFIX = conf.env("TYPODESK_REDIS_PREFIX", "typodesk:")
# The report endpoint (typodesk.ingest.endpoint, docs/performance.md): reports committed in groups
# by one writer thread per server process.
TYPODESK_INGEST_QUEUE_MAX = conf.env_int("TYPODESK_INGEST_QUEUE_MAX", 2000)  # waiting reports, then 503
TYPODESK_INGEST_BATCH_MAX = conf.env_int("TYPODESK_INGEST_BATCH_MAX", 256)  # reports per transaction

# Notifications (docs/notifications.md). E-mail goes through one SMTP server given as a URL;
# Django's own EMAIL_* settings are derived from it so that every mail typodesk sends uses it.
_email = parse_email_url(conf.env("TYPODESK_EMAIL_URL"))
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = _email["host"]  # empty: e-mail is not configured, e-mail channels wait and say so
EMAIL_PORT = _email["port"]
EMAIL_HOST_USER = _email["username"]
EMAIL_HOST_PASSWORD = _email["password"]
EMAIL_USE_TLS = _email["tls"] == "starttls"
EMAIL_USE_SSL = _email["tls"] == "ssl"
EMAIL_TIMEOUT = _email["timeout"]
DEFAULT_FROM_EMAIL = SERVER_EMAIL = conf.env("TYPODESK_EMAIL_FROM") or default_from(BASE_URL)
# Webhook and Apprise targets on private, loopback or link-local addresses are refused
# unless the admin allows them (an owner could otherwise probe the internal network).
TYPODESK_ALLOW_PRIVATE_TARGETS = conf.env_bool("TYPODESK_ALLOW_PRIVATE_TARGETS", False)
# Delivery timing (typodesk.notify.delivery.Policy): events of this many seconds go in one message;
# a worker that claimed a message and went silent this long loses it to another worker.
TYPODESK_NOTIFY_GROUP_SECONDS = conf.env_int("TYPODESK_NOTIFY_GROUP_SECONDS", 60)
TYPODESK_WORKER_LEASE_SECONDS = conf.env_int("TYPODESK_WORKER_LEASE_SECONDS", 120)

# Reading the sites' pages for fix verification (docs/verification.md). The same guard keeps the
# page reader off private addresses: a site's domain could resolve to the admin's network.
TYPODESK_FETCH_TIMEOUT = conf.env_int("TYPODESK_FETCH_TIMEOUT", 10)  # seconds for a whole page
TYPODESK_FETCH_MAX_BYTES = conf.env_int("TYPODESK_FETCH_MAX_BYTES", 5 * 1024 * 1024)
TYPODESK_FETCH_MAX_REDIRECTS = conf.env_int("TYPODESK_FETCH_MAX_REDIRECTS", 5)
TYPODESK_FETCH_PER_SITE = conf.env_int("TYPODESK_FETCH_PER_SITE", 2)  # requests at once, all workers
TYPODESK_FETCH_USER_AGENT = conf.env("TYPODESK_FETCH_USER_AGENT")  # empty: typodesk/VERSION (+BASE_URL)
TYPODESK_FETCH_FIRST_DELAY = conf.env_int("TYPODESK_FETCH_FIRST_DELAY", 10)  # s after a new finding
TYPODESK_FETCH_FIXED_DELAY = conf.env_int("TYPODESK_FETCH_FIXED_DELAY", 60)  # s after "mark fixed"
# Checking that an owner controls a domain they added (docs/people.md, Domains): the whole check,
# and the port to read the proof from when the sites are not on 443/80 (an intranet, tests).
TYPODESK_DOMAIN_CHECK_TIMEOUT = conf.env_int("TYPODESK_DOMAIN_CHECK_TIMEOUT", 10)
TYPODESK_DOMAIN_CHECK_PORT = conf.env_int("TYPODESK_DOMAIN_CHECK_PORT", 0)  # 0: https on 443, http on 80
TYPODESK_RECHECK_MIN = conf.env_int("TYPODESK_RECHECK_MIN", 3600)  # s between scheduled checks, at least
TYPODESK_RECHECK_MAX = conf.env_int("TYPODESK_RECHECK_MAX", 7 * 86400)  # … and at most

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": conf.log_level()},
    # Django's request logger would write client addresses; we never log those.
    "filters": {"one_line_warning": {"()": "typodesk.abuse.logfilters.OneLineWarning"}},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        # Scanners' wrong Host headers: one warning line each, not an ERROR with a traceback.
        "django.security.DisallowedHost": {"filters": ["one_line_warning"]},
    },
}
