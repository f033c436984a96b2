"""The hook point Django's ``tests/runtests.py`` expects on a runner
(django/test/runner.py's ``ParallelTestSuite``).

runtests.py assigns ``Runner.parallel_test_suite.process_setup`` and
``process_setup_args`` before a run; each new worker process calls
``process_setup(*process_setup_args)`` before ``django.setup()``.
"""

from __future__ import annotations


def _no_process_setup(*args) -> None:
    """Default hook: a worker needs nothing beyond the worker plan."""


class ParallelTestSuite:
    """Holds the per-process set-up hook, as Django's class of this name does."""

    process_setup = _no_process_setup
    process_setup_args: tuple = ()

    @classmethod
    def process_setup_hook(cls):
        """The hook as a plain function (it may be set as a class attribute)."""
        for klass in cls.__mro__:
            if "process_setup" in klass.__dict__:
                hook = klass.__dict__["process_setup"]
                return getattr(hook, "__func__", hook)
        return _no_process_setup
