"""``manage.py test`` when ``"django_parallel"`` is in INSTALLED_APPS
(django/core/management/commands/test.py).

It runs ``django_parallel.Runner`` unless ``--testrunner`` names another
runner or ``TEST_RUNNER`` is set to something other than Django's default,
and reports bad options in one line instead of a usage dump.
"""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.core.management.utils import get_command_line_option
from django.test.utils import NullTimeKeeper, TimeKeeper, get_runner

DJANGO_DEFAULT_RUNNER = "django.test.runner.DiscoverRunner"


def runner_class(name=None):
    if name:
        return get_runner(settings, name)
    if settings.TEST_RUNNER == DJANGO_DEFAULT_RUNNER:
        from django_parallel.runner import Runner

        return Runner
    return get_runner(settings)


class Command(BaseCommand):
    help = (
        "Discover and run tests in the given modules, classes, methods, "
        "directories or files (the current directory by default), in "
        "parallel with --parallel."
    )
    requires_system_checks = []
    test_runner = None

    def run_from_argv(self, argv):
        # The runner's options must be known before the arguments are parsed.
        self.test_runner = get_command_line_option(argv, "--testrunner")
        super().run_from_argv(argv)

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # One line for bad input: "manage.py test: error: ...".
        parser.print_usage = lambda file=None: None
        return parser

    def add_arguments(self, parser):
        parser.add_argument(
            "args",
            metavar="test_label",
            nargs="*",
            help="Dotted paths of test packages, modules, classes or methods, "
            "or paths of directories or test files.",
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Never prompt, e.g. to delete an existing test database.",
        )
        parser.add_argument(
            "--testrunner",
            help="Use this test runner class instead of django_parallel.Runner.",
        )
        test_runner_class = runner_class(self.test_runner)
        if hasattr(test_runner_class, "add_arguments"):
            test_runner_class.add_arguments(parser)

    def handle(self, *test_labels, **options):
        test_runner = runner_class(options["testrunner"])(**options)
        # As Django's command: --timing only (a settings default is timed by
        # the runner itself).
        time_keeper = TimeKeeper() if options.get("timing") else NullTimeKeeper()
        with time_keeper.timed("Total run"):
            failures = test_runner.run_tests(test_labels)
        time_keeper.print_results()
        if failures:
            sys.exit(1)
