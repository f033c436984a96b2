"""Settings of a project whose failures depend on the order tests ran in
(polluted/tests.py), for --rerun-failures, --last-failed and --failed-first.

DP_DB_NAME: the database name; DP_DB_DIR: where its SQLite file goes.
DP_DJANGO_PARALLEL: a Python literal for settings.DJANGO_PARALLEL.
"""

import ast
import os

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_KEY = "flaky-project-not-secret"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = ["polluted", "stopper"]
TEST_RUNNER = "django_parallel.Runner"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(
            os.environ.get("DP_DB_DIR", BASE_DIR),
            f"{os.environ.get('DP_DB_NAME', 'dp_flaky')}.sqlite3",
        ),
    }
}
if os.environ.get("DP_DJANGO_PARALLEL"):
    DJANGO_PARALLEL = ast.literal_eval(os.environ["DP_DJANGO_PARALLEL"])
