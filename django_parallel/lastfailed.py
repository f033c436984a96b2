"""The record of what failed, for ``--last-failed`` and ``--failed-first``.

``.django_parallel/lastfailed.json`` holds the ids of the tests (or classes
and modules, for a fixture error) that failed or errored, as the runs so far
left them: after each run, its failures are added; a test it ran to the end
that did not fail is dropped. A run stopped early (``--failfast``, Ctrl-C, a
run given up) drops nothing, since which of its tests ran is not known: the
failures of the run before survive it. Ids no longer discovered are ignored
when selecting. Safe to delete.
"""

from __future__ import annotations

import json
import os
import unittest
from collections.abc import Iterable, Sequence

from django_parallel.failed_tests import covers
from django_parallel.files import write_atomically
from django_parallel.parallel.scheduling import CACHE_DIR, class_key

LAST_FAILED_FILE = "lastfailed.json"


def last_failed_path(base_dir: str | None = None) -> str:
    return os.path.join(base_dir or os.getcwd(), CACHE_DIR, LAST_FAILED_FILE)


def load_failed(path: str) -> list[str]:
    """The recorded ids (none when the file is missing or unreadable)."""
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except (OSError, ValueError):
        return []
    failed = data.get("failed") if isinstance(data, dict) else None
    if not isinstance(failed, list):
        return []
    return [entry for entry in failed if isinstance(entry, str)]


def updated_record(
    previous: Sequence[str],
    failed: Sequence[str],
    ran: Iterable[str],
    complete: bool,
) -> list[str]:
    """The record after a run: ``previous`` less what the run ``ran`` to the
    end (when ``complete``), plus what it found ``failed``."""
    ran = list(ran) if complete else []
    kept = [
        entry
        for entry in previous
        if not any(covers(entry, test_id) for test_id in ran)
    ]
    return sorted({*kept, *failed})


def save_failed(path: str, failed: Sequence[str]) -> None:
    """Write the record atomically (a run killed while writing leaves the
    previous one)."""
    text = json.dumps({"version": 1, "failed": list(failed)}, indent=1)
    write_atomically(path, text, prefix=".lastfailed-")


def is_recorded(test: unittest.TestCase, record: Sequence[str]) -> bool:
    test_id = test.id()
    return any(covers(entry, test_id) for entry in record)


def select_failed(
    tests: Sequence[unittest.TestCase], record: Sequence[str]
) -> list[unittest.TestCase]:
    """The tests the record names (import failures always stay: a module
    that does not import must not pass unnoticed)."""
    return [
        test
        for test in tests
        if is_recorded(test, record) or isinstance(test, unittest.loader._FailedTest)
    ]


def failed_first(
    tests: Sequence[unittest.TestCase],
    record: Sequence[str],
    bins: Sequence[type],
) -> list[unittest.TestCase]:
    """``tests`` (already ordered and grouped by class) with, inside each of
    the runner's bins, the classes that had a failure first and, inside such
    a class, its failed tests first. Bins keep their order: a
    TransactionTestCase empties the tables a TestCase relies on, so none may
    move ahead of one."""

    def bin_of(test) -> int:
        return next((i for i, kind in enumerate(bins) if isinstance(test, kind)), -1)

    groups: list[list] = []
    for test in tests:
        if groups and type(groups[-1][0]) is type(test):
            groups[-1].append(test)
        else:
            groups.append([test])
    ordered: list = []
    start = 0
    while start < len(groups):
        end = start
        while end < len(groups) and bin_of(groups[end][0]) == bin_of(groups[start][0]):
            end += 1
        same_bin = groups[start:end]
        # Stable: classes keep their order among the hit and the rest.
        hit = [[is_recorded(t, record) for t in g] for g in same_bin]
        for group, flags in zip(same_bin, hit, strict=True):
            if any(flags):
                ordered += [t for t, f in zip(group, flags, strict=True) if f]
                ordered += [t for t, f in zip(group, flags, strict=True) if not f]
        for group, flags in zip(same_bin, hit, strict=True):
            if not any(flags):
                ordered += group
        start = end
    return ordered


def failed_classes(
    tests: Iterable[unittest.TestCase], record: Sequence[str]
) -> set[str]:
    """Keys of the classes with a recorded failure, for the parallel
    schedule to hand out first."""
    return {class_key(test) for test in tests if is_recorded(test, record)}
