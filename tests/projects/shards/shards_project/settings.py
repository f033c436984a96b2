"""Settings of the project whose suite is split into shards: fourteen small
classes of every kind (TestCase, TransactionTestCase, SimpleTestCase, plain
unittest), quick to run, on an SQLite database under DP_DB_DIR.

DP_MODE: runner (TEST_RUNNER, the default) or app (django_parallel first in
INSTALLED_APPS).
"""

import os

SECRET_KEY = "shards-project-not-secret"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = ["library"]
if os.environ.get("DP_MODE") == "app":
    INSTALLED_APPS.insert(0, "django_parallel")
else:
    TEST_RUNNER = "django_parallel.Runner"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(
            os.environ.get("DP_DB_DIR", "."),
            f"{os.environ.get('DP_DB_NAME', 'dp_shards')}.sqlite3",
        ),
    }
}
