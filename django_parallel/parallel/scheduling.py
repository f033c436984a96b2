"""Which test class runs first: the longest, from durations recorded by
earlier runs, so the last worker finishes close to the others.

The record is ``.django_parallel/durations.json`` in the directory the tests
run from: per-class seconds, rewritten after every run. It is safe to delete
(classes are then ordered by test count) and safe to commit.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from collections.abc import Sequence

CACHE_DIR = ".django_parallel"
DURATIONS_FILE = "durations.json"


def durations_path(base_dir: str | None = None) -> str:
    return os.path.join(base_dir or os.getcwd(), CACHE_DIR, DURATIONS_FILE)


def load_durations(path: str) -> dict[str, float]:
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except (OSError, ValueError):
        return {}
    classes = data.get("classes", {}) if isinstance(data, dict) else {}
    return {k: float(v) for k, v in classes.items() if isinstance(v, (int, float))}


def save_durations(path: str, measured: dict[str, float]) -> None:
    """Merge this run's per-class durations into the record, atomically."""
    if not measured:
        return
    merged = {**load_durations(path), **{k: round(v, 4) for k, v in measured.items()}}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".durations-")
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        json.dump(
            {"version": 1, "classes": dict(sorted(merged.items()))}, file, indent=1
        )
    os.replace(temporary, path)


def class_key(test) -> str:
    cls = type(test)
    return f"{cls.__module__}.{cls.__qualname__}"


def longest_first(
    groups: Sequence[Sequence],
    durations: dict[str, float],
    bins: Sequence[type] = (),
) -> list[int]:
    """Indices of ``groups`` (lists of tests of one class), longest first
    within each bin of ``bins``, bins in order.

    Bins stay in order because each worker's database depends on it: a
    TransactionTestCase empties the tables that data migrations filled, so
    every TestCase class must be handed out before any of them.

    A class with no record is estimated as its test count times the median
    per-test time of the recorded classes (one second per test when nothing
    is recorded). Ties keep suite order.
    """
    per_test = [
        durations[class_key(g[0])] / len(g)
        for g in groups
        if g and class_key(g[0]) in durations
    ]
    typical = statistics.median(per_test) if per_test else 1.0

    def estimate(index: int) -> float:
        group = groups[index]
        if not group:
            return 0.0
        return durations.get(class_key(group[0]), typical * len(group))

    def bin_of(index: int) -> int:
        group = groups[index]
        for number, kind in enumerate(bins):
            if group and isinstance(group[0], kind):
                return number
        return len(bins)

    return sorted(range(len(groups)), key=lambda i: (bin_of(i), -estimate(i)))
