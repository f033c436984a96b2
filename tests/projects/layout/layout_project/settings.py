"""Settings of the layout project: tests spread the ways discovery must cope
with (nested test packages, a test directory outside any installed app, a
directory that is not a package, check_*.py modules for -p, a module that
fails to import).

Environment variables: DP_DB (sqlite, postgresql or mysql), DP_DB_NAME,
DP_DB_DIR (where the SQLite file goes) and DP_MODE (runner: TEST_RUNNER is
django_parallel.Runner; app: django_parallel in INSTALLED_APPS; django:
Django's own runner), as in the sample project.
"""

import os

SECRET_KEY = "layout-project-not-secret"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
MODE = os.environ.get("DP_MODE", "runner")

INSTALLED_APPS = ["library", "loans"]
if MODE == "app":
    INSTALLED_APPS.insert(0, "django_parallel")
elif MODE == "runner":
    TEST_RUNNER = "django_parallel.Runner"

_engine = os.environ.get("DP_DB", "sqlite")
_name = os.environ.get("DP_DB_NAME", "dp_layout")

if _engine == "postgresql":
    _default = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _name,
        "USER": "postgres",
        "HOST": "127.0.0.1",
        "PORT": "5432",
    }
elif _engine == "mysql":
    _default = {
        "ENGINE": "django.db.backends.mysql",
        "NAME": _name,
        "USER": "root",
        "PASSWORD": "",
        "HOST": "127.0.0.1",
        "PORT": "3306",
        "OPTIONS": {"charset": "utf8mb4"},
    }
else:
    _default = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(
            os.environ.get("DP_DB_DIR", os.path.dirname(__file__)), f"{_name}.sqlite3"
        ),
    }

DATABASES = {"default": _default}
