#!/usr/bin/env python
"""Runs the reusable app's tests the way most reusable Django apps do: no
settings module, settings.configure() here, then the configured runner.

    python runtests.py [test labels]
"""

import sys

import django
from django.conf import settings
from django.test.utils import get_runner


def main():
    settings.configure(
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3"}},
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "reusable",
        ],
        SECRET_KEY="reusable-app-tests",
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        TEST_RUNNER="django_parallel.Runner",
    )
    django.setup()
    TestRunner = get_runner(settings)
    print(f"runner: {TestRunner.__module__}.{TestRunner.__qualname__}")
    failures = TestRunner(verbosity=1).run_tests(sys.argv[1:] or ["reusable"])
    sys.exit(bool(failures))


if __name__ == "__main__":
    main()
