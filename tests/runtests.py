#!/usr/bin/env python
"""Run django-parallel's own test suite, with django-parallel.

    python tests/runtests.py [test labels] [any manage.py test option]

Labels are module names relative to this directory (``test_discovery``,
``test_discovery.LabelTests``). The suite runs in parallel, one worker per
usable core; ``--parallel N`` or ``--no-parallel`` overrides that. The tests drive sample Django projects in
subprocesses; the PostgreSQL and MariaDB tests need those servers on
127.0.0.1 (they are skipped when a server is down, and fail when CI=true).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    sys.path.insert(0, os.path.dirname(HERE))
    os.chdir(HERE)
    import django
    from django.conf import settings

    settings.configure(
        INSTALLED_APPS=["django_parallel"],
        DATABASES={},
        SECRET_KEY="django-parallel-tests",
        USE_TZ=True,
        # The suite runs on django-parallel itself, one worker per core
        # (--parallel N or --no-parallel on the command line override it).
        DJANGO_PARALLEL={"parallel": "auto"},
    )
    django.setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], "test", *sys.argv[1:]])


if __name__ == "__main__":
    main()
