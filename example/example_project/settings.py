"""Settings for the django-parallel example project.

The database engine is picked with the EXAMPLE_DB environment variable
(sqlite, the default, postgresql or mysql) so the same suite can exercise the
parallel runner against every backend; EXAMPLE_DB_NAME sets the database name.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "example-project-insecure-key-do-not-use-in-production"
DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "utils",
    "catalog",
    "orders",
    "blog",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

# Cookie-based sessions need no table, which keeps django.contrib.sessions
# (and its migration) out of INSTALLED_APPS.
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"

TEST_RUNNER = "django_parallel.Runner"

ROOT_URLCONF = "example_project.urls"
WSGI_APPLICATION = "example_project.wsgi.application"
LOGIN_URL = "/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    },
]

EXAMPLE_DB = os.environ.get("EXAMPLE_DB", "sqlite")
DB_NAME = os.environ.get("EXAMPLE_DB_NAME", "example")


def database(name):
    """Connection settings for database ``name`` on the selected engine."""
    if EXAMPLE_DB == "sqlite":
        # Test databases stay in memory: Django ignores NAME for them.
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / f"{name}.sqlite3",
        }
    if EXAMPLE_DB == "postgresql":
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": "postgres",
            "HOST": "127.0.0.1",
            "PORT": "5432",
        }
    if EXAMPLE_DB == "mysql":
        return {
            "ENGINE": "django.db.backends.mysql",
            "NAME": name,
            "USER": "root",
            "PASSWORD": "",
            "HOST": "127.0.0.1",
            "PORT": "3306",
            "OPTIONS": {"charset": "utf8mb4"},
            # The server's default charset may not hold every character the
            # tests store, so test databases are created as utf8mb4 too.
            "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
        }
    raise ImproperlyConfigured(
        f"EXAMPLE_DB must be sqlite, postgresql or mysql, not {EXAMPLE_DB!r}."
    )


DATABASES = {
    "default": database(DB_NAME),
    # Only a few tests touch "other"; it has no router, every app migrates
    # there and the tests address it explicitly with .using("other").
    "other": database(f"{DB_NAME}_other"),
    # Stands for a read replica: in tests it reads the default test database.
    "replica": {**database(DB_NAME), "TEST": {"MIRROR": "default"}},
}

DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# Every password here belongs to a test fixture; a fast hasher keeps
# logging in from dominating the suite's run time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_TZ = True

# No static files are served, but LiveServerTestCase's handler needs the URL.
STATIC_URL = "/static/"

DEFAULT_FROM_EMAIL = "shop@example.com"
# Django 6.1 configures email through MAILERS and warns when it is missing;
# older versions ignore the setting. Tests swap in the locmem backend.
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            # Quiet unless asked: EXAMPLE_LOG_LEVEL=DEBUG shows everything.
            "level": os.environ.get("EXAMPLE_LOG_LEVEL", "WARNING"),
        },
    },
    "loggers": {
        "example": {"handlers": ["console"], "level": "DEBUG", "propagate": False},
    },
}
