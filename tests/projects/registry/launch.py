#!/usr/bin/env python
"""Runs the tests the way many projects' scripts do: the settings module
loaded, then settings changed in place before the runner starts.

    python launch.py [labels] [runner options as key=value, e.g. parallel=2]

The labels default to ``registry standalone`` (a directory of test modules
without ``__init__.py``).

DP_UNPICKLABLE_SETTING=1 also sets a setting to a value that cannot be
pickled.
"""

import os
import sys
import threading

import django
from django.conf import settings
from django.test.utils import get_runner


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry_project.settings")
    django.setup()
    # The module's own list and dict change: no new object to notice.
    settings.MIDDLEWARE.append("registry.middleware.Marker")
    settings.REGISTRY_OPTIONS["mode"] = "changed"
    if os.environ.get("DP_UNPICKLABLE_SETTING"):
        settings.RUN_TIME_LOCK = threading.Lock()
    labels = [arg for arg in sys.argv[1:] if "=" not in arg]
    options = dict(arg.split("=", 1) for arg in sys.argv[1:] if "=" in arg)
    runner = get_runner(settings)(**options)
    sys.exit(bool(runner.run_tests(labels or ["registry", "standalone"])))


if __name__ == "__main__":
    main()
