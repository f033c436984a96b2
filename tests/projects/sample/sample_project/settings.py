"""Settings of the sample project the test suite drives.

Environment variables choose what a test needs:
DP_DB: sqlite (default), postgresql or mysql; DP_DB_NAME: the database name;
DP_MODE: runner (TEST_RUNNER = django_parallel.Runner), app (django_parallel
first in INSTALLED_APPS), custom (a Runner subclass) or django (Django's own);
DP_SETTINGS_JSON: a JSON object merged into this module's globals (e.g.
{"DJANGO_PARALLEL": {"shuffle": true}}); DP_SQLITE_TEST_FILE: a file name for
the SQLite test database instead of memory; DP_DB_DIR: where SQLite files
go (default: the project directory).
"""

import json
import os

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_KEY = "sample-project-not-secret"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
ROOT_URLCONF = "sample_project.urls"
MODE = os.environ.get("DP_MODE", "runner")

INSTALLED_APPS = [
    "shop",
    "outcomes",
    "ordering_app",
    "probes",
]
if MODE == "app":
    INSTALLED_APPS.insert(0, "django_parallel")
elif MODE == "runner":
    TEST_RUNNER = "django_parallel.Runner"
elif MODE == "custom":
    TEST_RUNNER = "sample_project.runners.CustomRunner"

_engine = os.environ.get("DP_DB", "sqlite")
_name = os.environ.get("DP_DB_NAME", "dp_sample")
_db_dir = os.environ.get("DP_DB_DIR", BASE_DIR)


def _database(suffix=""):
    if _engine == "postgresql":
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _name + suffix,
            "USER": "postgres",
            "HOST": "127.0.0.1",
            "PORT": os.environ.get("DP_PG_PORT", "5432"),
        }
    if _engine == "mysql":
        return {
            "ENGINE": "django.db.backends.mysql",
            "NAME": _name + suffix,
            "USER": "root",
            "PASSWORD": "",
            "HOST": "127.0.0.1",
            "PORT": os.environ.get("DP_MYSQL_PORT", "3306"),
            "OPTIONS": {"charset": "utf8mb4"},
        }
    database = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(_db_dir, f"{_name}{suffix}.sqlite3"),
    }
    if os.environ.get("DP_SQLITE_TEST_FILE"):
        database["TEST"] = {"NAME": os.environ["DP_SQLITE_TEST_FILE"] + suffix}
    return database


DATABASES = {
    "default": _database(),
    "other": _database("_other"),
    "replica": {**_database(), "TEST": {"MIRROR": "default"}},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"outcomes": {"handlers": ["console"], "level": "INFO"}},
}

globals().update(json.loads(os.environ.get("DP_SETTINGS_JSON", "{}")))
