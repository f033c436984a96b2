"""Tests chosen by id, in a given order: what a replay or a trial runs,
instead of discovery's order."""

from __future__ import annotations

import unittest
from collections.abc import Sequence

from django_parallel.discovery import iter_tests
from django_parallel.errors import RunnerError


def select_tests(
    discovered: Sequence[unittest.TestCase],
    ids: Sequence[str],
    loader: unittest.TestLoader,
) -> list[unittest.TestCase]:
    """The tests with these ids, in this order. Discovery finds most (with
    the run's labels, so ``load_tests`` and custom ids work); a test it did
    not find is loaded by its dotted name."""
    by_id: dict[str, unittest.TestCase] = {}
    for test in discovered:
        by_id.setdefault(test.id(), test)
    chosen = []
    for test_id in ids:
        test = by_id.get(test_id) or _load(test_id, loader)
        chosen.append(test)
    return chosen


def _load(test_id: str, loader: unittest.TestLoader) -> unittest.TestCase:
    try:
        found = list(iter_tests(loader.loadTestsFromName(test_id)))
    except Exception:
        found = []
    if len(found) != 1 or isinstance(found[0], unittest.loader._FailedTest):
        raise RunnerError(
            f"the test {test_id!r} cannot be found any more; run the tests "
            "with --parallel again to make a new record"
        )
    return found[0]
