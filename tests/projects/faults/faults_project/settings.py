"""Settings of the fault catalogue: a project whose tests each do one bad
thing to the process running them (see catalogue/expected.py).

DP_DB: sqlite (default), postgresql or mysql; DP_DB_NAME: the database name;
DP_DB_DIR: where SQLite files go (default: the project directory).
DP_FAULTS_MARKERS: a directory where the waiting tests of
catalogue/test_waiting.py leave a file once they run.
"""

import os

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_KEY = "faults-project-not-secret"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = ["catalogue.apps.CatalogueConfig"]
TEST_RUNNER = "django_parallel.Runner"

_engine = os.environ.get("DP_DB", "sqlite")
_name = os.environ.get("DP_DB_NAME", "dp_faults")

if _engine == "postgresql":
    _default = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _name,
        "USER": "postgres",
        "HOST": "127.0.0.1",
        "PORT": os.environ.get("DP_PG_PORT", "5432"),
    }
elif _engine == "mysql":
    _default = {
        "ENGINE": "django.db.backends.mysql",
        "NAME": _name,
        "USER": "root",
        "PASSWORD": "",
        "HOST": "127.0.0.1",
        "PORT": os.environ.get("DP_MYSQL_PORT", "3306"),
        "OPTIONS": {"charset": "utf8mb4"},
    }
else:
    _default = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(os.environ.get("DP_DB_DIR", BASE_DIR), f"{_name}.sqlite3"),
    }

DATABASES = {"default": _default}
