"""Settings of the project that drives the runner from a Python script.

DEBUG is on here so that the suite can see the runner turn it off for the
tests (and leave it on with --debug-mode). Environment variables: DP_MODE
runner (TEST_RUNNER = django_parallel.Runner, the default) or app
(django_parallel in INSTALLED_APPS); DP_DB_DIR: where the SQLite file goes;
DP_SETTINGS_JSON: a JSON object merged into this module's globals.
"""

import json
import os

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_KEY = "scripted-project-not-secret"
DEBUG = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

INSTALLED_APPS = ["probe"]
if os.environ.get("DP_MODE", "runner") == "app":
    INSTALLED_APPS.insert(0, "django_parallel")
else:
    TEST_RUNNER = "django_parallel.Runner"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(
            os.environ.get("DP_DB_DIR", BASE_DIR), "dp_scripted.sqlite3"
        ),
    }
}

globals().update(json.loads(os.environ.get("DP_SETTINGS_JSON", "{}")))
