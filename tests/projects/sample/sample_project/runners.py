"""A Runner subclass customised the way projects customise DiscoverRunner."""

import logging

from django_parallel import Runner
from django_parallel.reporting import TestResult


class MarkingResult(TestResult):
    def startTestRun(self):
        super().startTestRun()
        self.stream.writeln("custom result class in use")


class CustomRunner(Runner):
    def __init__(self, *, greeting="hello", **kwargs):
        super().__init__(**kwargs)
        self.greeting = greeting

    @classmethod
    def add_arguments(cls, parser):
        super().add_arguments(parser)
        parser.add_argument("--greeting", default="hello")

    def setup_databases(self, **kwargs):
        print(f"custom setup_databases for {sorted(kwargs['aliases'])}")
        return super().setup_databases(**kwargs)

    def get_resultclass(self):
        return MarkingResult

    def get_test_runner_kwargs(self):
        kwargs = super().get_test_runner_kwargs()
        print(f"custom runner kwargs: failfast={kwargs['failfast']}")
        return kwargs

    def run_suite(self, suite, **kwargs):
        self.log(f"greeting: {self.greeting}", logging.WARNING)
        return super().run_suite(suite, **kwargs)
