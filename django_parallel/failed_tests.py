"""Which tests a finished (or stopped) run found failing, read from its
unittest result: what ``--last-failed`` records and what a parallel run
tries again alone.

A result's failures, errors and unexpected successes hold tests, subtests
(their test is ``test_case``) and unittest's ``_ErrorHolder`` for a class or
module fixture that failed, whose only trace of what failed is its
description: ``setUpClass (app.tests.SomeTests)``, or for a class a worker
died in, ``app.tests.SomeTests (its remaining tests did not run)``.
"""

from __future__ import annotations

import re
import unittest
from collections.abc import Iterator

# "setUpClass (app.tests.SomeTests)", "setUpModule (app.tests)".
_FIXTURE = re.compile(r"^\w+ \((?P<name>[\w.]+)\)$")
# "app.tests.SomeTests (its remaining tests did not run)".
_NAMED_FIRST = re.compile(r"^(?P<name>[\w.]+\.[\w]+) \(")


def _problems(result: unittest.TestResult) -> Iterator:
    for test, _ in (*result.failures, *result.errors):
        yield test
    yield from result.unexpectedSuccesses


def is_fixture_error(test) -> bool:
    return type(test).__name__ == "_ErrorHolder"


def failed_tests(result: unittest.TestResult) -> list[unittest.TestCase]:
    """The tests that failed, errored or unexpectedly succeeded, each once,
    in the order reported. A failing subtest stands for its test; fixture
    errors and modules that failed to import are left out (there is no one
    test to run again)."""
    found: dict[int, unittest.TestCase] = {}
    for test in _problems(result):
        test = getattr(test, "test_case", test)
        if is_fixture_error(test) or isinstance(test, unittest.loader._FailedTest):
            continue
        found.setdefault(id(test), test)
    return list(found.values())


def failed_ids(result: unittest.TestResult) -> list[str]:
    """Dotted ids of everything that failed, for selecting tests again: a
    test's id, or for a fixture error the class or module it names, and for
    a module that failed to import, the module (every test below it then
    counts as failed, once it imports). Order kept, duplicates dropped."""
    ids: dict[str, None] = {}
    for test in _problems(result):
        test = getattr(test, "test_case", test)
        if isinstance(test, unittest.loader._FailedTest):
            ids[test._testMethodName] = None
        elif is_fixture_error(test):
            name = fixture_target(str(test.description))
            if name:
                ids[name] = None
        else:
            ids[test.id()] = None
    return list(ids)


def fixture_target(description: str) -> str | None:
    """The class or module a fixture error's description names, if any."""
    for pattern in (_FIXTURE, _NAMED_FIRST):
        match = pattern.match(description)
        if match:
            return match["name"]
    return None


def covers(entry: str, test_id: str) -> bool:
    """Whether a recorded id (a test, or a class or module) covers a test."""
    return test_id == entry or test_id.startswith(entry + ".")
