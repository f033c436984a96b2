"""The project tests/test_docs.py runs the documentation's examples in: a
small shop on SQLite, with django-parallel as its runner. The test appends
the settings blocks of a page to this file, in the order the page has them.

DP_DB_DIR: where the SQLite file goes (the test database is in memory)."""

import os

SECRET_KEY = "docs-project-not-secret"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = ["django.contrib.contenttypes", "shop"]
TEST_RUNNER = "django_parallel.Runner"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(
            os.environ.get("DP_DB_DIR", os.path.dirname(__file__)), "mysite.sqlite3"
        ),
    }
}
