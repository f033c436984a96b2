"""Test-case behaviour that Django versions differ on (django/test/testcases.py).

``TestCase.captureOnCommitCallbacks`` captures callbacks registered by other
callbacks only since Django 4.0 (and runs them once only since 4.0.2). While
this runner runs tests on an older Django, the method is replaced by one that
behaves as Django 4.0.2's does, and put back afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

from django_parallel.compat import CAPTURES_NESTED_ON_COMMIT

NEEDS_ON_COMMIT_FIX = not CAPTURES_NESTED_ON_COMMIT


@contextmanager
def capture_on_commit_callbacks(
    *, using: str = DEFAULT_DB_ALIAS, execute: bool = False
):
    """Collect the on_commit callbacks registered inside the block, and those
    they register in turn, running them in order when ``execute`` is true."""
    callbacks: list[Callable] = []
    pending = connections[using].run_on_commit
    seen = len(pending)
    try:
        yield callbacks
    finally:
        # Running a callback may register more, so loop until the list of
        # pending callbacks stops growing.
        while seen < len(pending):
            batch = pending[seen:]
            seen = len(pending)
            for entry in batch:
                callback = entry[1]
                callbacks.append(callback)
                if execute:
                    callback()


def install_on_commit_capture() -> Callable[[], None]:
    """Install the 4.0.2 behaviour on older Django; return how to undo it."""
    if not NEEDS_ON_COMMIT_FIX:
        return lambda: None
    from django.test import TestCase

    original = TestCase.__dict__["captureOnCommitCallbacks"]

    def captureOnCommitCallbacks(cls, *, using=DEFAULT_DB_ALIAS, execute=False):
        return capture_on_commit_callbacks(using=using, execute=execute)

    TestCase.captureOnCommitCallbacks = classmethod(captureOnCommitCallbacks)

    def restore() -> None:
        TestCase.captureOnCommitCallbacks = original

    return restore
