#!/usr/bin/env python
"""Builds and runs the test runner exactly as Django's own tests/runtests.py
does, and prints "PROBE ..." lines about what it could observe.

    python runtests.py [test labels]

CONTRACT_PARALLEL sets the (integer) parallel argument, default 1;
CONTRACT_START_METHOD the multiprocessing start method, as the scripts that
run Django's suite under spawn do.
"""

import multiprocessing
import os
import sys

import django
from django.apps import apps
from django.conf import settings
from django.test.utils import get_runner

SETTINGS = {
    "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3"}},
    "INSTALLED_APPS": ["contract_app"],
    "SECRET_KEY": "runtests-contract",
    "USE_TZ": True,
    "DEFAULT_AUTO_FIELD": "django.db.models.AutoField",
    "TEST_RUNNER": "django_parallel.Runner",
}


def setup_worker(verbosity, labels):
    """What runtests.py's setup_run_tests does, in the parent and in each
    new worker process: it sets the app registry up again, so its
    AppConfigs are new objects."""
    if multiprocessing.parent_process() is not None:
        print(f"PROBE process_setup called verbosity={verbosity} labels={labels}")
    if not settings.configured:
        settings.configure(**SETTINGS)
    django.setup()
    apps.set_installed_apps(SETTINGS["INSTALLED_APPS"])


def main():
    labels = sys.argv[1:] or ["contract_app"]
    if os.environ.get("CONTRACT_START_METHOD"):
        multiprocessing.set_start_method(os.environ["CONTRACT_START_METHOD"])
    setup_worker(1, labels)
    from django.test import TestCase

    original_capture = TestCase.__dict__["captureOnCommitCallbacks"]

    TestRunner = get_runner(settings)
    TestRunner.parallel_test_suite.process_setup = setup_worker
    TestRunner.parallel_test_suite.process_setup_args = (1, labels)
    suite_class = TestRunner.parallel_test_suite
    print(f"PROBE process_setup set: {suite_class.process_setup is setup_worker}")
    print(f"PROBE process_setup_args: {suite_class.process_setup_args}")

    test_runner = TestRunner(
        verbosity=1,
        interactive=False,
        failfast=False,
        keepdb=False,
        reverse=False,
        debug_sql=False,
        parallel=int(os.environ.get("CONTRACT_PARALLEL", "1")),
        tags=None,
        exclude_tags=None,
        test_name_patterns=None,
        pdb=False,
        buffer=False,
        timing=False,
        shuffle=False,
        durations=None,
    )
    print(f"PROBE parallel attribute: {test_runner.parallel!r}")
    failures = test_runner.run_tests(labels)
    print(f"PROBE failures: {failures}")
    restored = TestCase.__dict__["captureOnCommitCallbacks"] is original_capture
    print(f"PROBE captureOnCommitCallbacks restored: {restored}")
    sys.exit(bool(failures))


if __name__ == "__main__":
    main()
