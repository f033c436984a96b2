"""A tiny project with one planted order-dependent failure (see
garden/tests.py), for --replay-worker, --bisect and --pair.

DP_DB_DIR: where SQLite files go; the test database is in memory."""

import os

SECRET_KEY = "polluted-project-not-secret"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = ["garden"]
TEST_RUNNER = "django_parallel.Runner"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(
            os.environ.get("DP_DB_DIR", os.path.dirname(__file__)), "polluted.sqlite3"
        ),
    }
}
