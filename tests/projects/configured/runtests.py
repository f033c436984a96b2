"""Test script of a reusable app: no settings module, settings.configure(),
and a setting changed at run time before the runner starts, as many
third-party apps' scripts do.

    python runtests.py [runner options as key=value, e.g. parallel=2]

DP_UNPICKLABLE_SETTING=1 changes the setting to a value that cannot be
pickled.
"""

import os
import sys
import threading

import django
from django.conf import settings
from django.test.utils import get_runner


def main() -> None:
    settings.configure(
        INSTALLED_APPS=["django.contrib.contenttypes", "checks"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3"}},
        TEST_RUNNER="django_parallel.Runner",
        CHANGED_AT_RUN_TIME="original",
        USE_TZ=True,
    )
    django.setup()
    if os.environ.get("DP_UNPICKLABLE_SETTING"):
        settings.CHANGED_AT_RUN_TIME = threading.Lock()
    else:
        settings.CHANGED_AT_RUN_TIME = "changed"
    options = dict(arg.split("=", 1) for arg in sys.argv[1:])
    runner = get_runner(settings)(**options)
    sys.exit(bool(runner.run_tests(["checks"])))


if __name__ == "__main__":
    main()
