"""Settings of the project whose runs are timed (--durations) and measured
(coverage.py): one app, one SQLite database, classes of every kind.

DP_DB_DIR is where the SQLite file goes.
"""

import os

SECRET_KEY = "measured-project-not-secret"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = ["inventory"]
TEST_RUNNER = "django_parallel.Runner"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(os.environ.get("DP_DB_DIR", "."), "measured.sqlite3"),
    }
}
