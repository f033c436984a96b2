"""Test order: grouping, shuffling and reversing (django/test/runner.py's
``Shuffler`` and ``reorder_tests``).

Tests run grouped by class, in bins: failures to load first, then database
``TestCase`` classes, then other Django test cases (``TransactionTestCase``,
``SimpleTestCase``), then plain unittest cases. Shuffling sorts by a hash of
the seed and each class's or test's name, so a seed gives the same relative
order on any subset of the suite, and the same order as Django's own runner.
"""

from __future__ import annotations

import hashlib
import random
import unittest
from collections.abc import Callable, Iterable, Sequence


class Shuffler:
    """Deterministic, subset-consistent shuffling from an integer seed."""

    def __init__(self, seed: int | None = None) -> None:
        self.seed_source = "given" if seed is not None else "generated"
        # Ten digits at most, so a seed is easy to copy from the output.
        self.seed = seed if seed is not None else random.randint(0, 10**10 - 1)

    @property
    def seed_display(self) -> str:
        return f"{self.seed!r} ({self.seed_source})"

    def _sort_key(self, name: str) -> str:
        digest = hashlib.md5(usedforsecurity=False)
        digest.update(f"{self.seed}{name}".encode())
        return digest.hexdigest()

    def shuffle(self, items: Iterable, key: Callable[[object], str]) -> list:
        """The items sorted by the hash of ``seed + key(item)``."""
        keyed = {}
        for item in items:
            hashed = self._sort_key(key(item))
            if hashed in keyed:
                raise RuntimeError(
                    f"{item!r} and {keyed[hashed]!r} hash alike; shuffle with "
                    "another seed"
                )
            keyed[hashed] = item
        return [keyed[h] for h in sorted(keyed)]


def class_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def group_by_class(tests: Iterable[unittest.TestCase]) -> dict[type, list]:
    """Tests keyed by their class, first-seen order, duplicates dropped."""
    groups: dict[type, dict] = {}
    for test in tests:
        groups.setdefault(type(test), {})[test] = None
    return {cls: list(members) for cls, members in groups.items()}


def _order_bin(tests: list, shuffler: Shuffler | None, reverse: bool) -> list:
    if shuffler is not None:
        by_class = group_by_class(tests)
        tests = [
            test
            for cls in shuffler.shuffle(by_class, key=class_name)
            for test in shuffler.shuffle(by_class[cls], key=lambda t: t.id())
        ]
    return tests[::-1] if reverse else tests


def reorder_tests(
    tests: Iterable[unittest.TestCase],
    bins: Sequence[type],
    *,
    shuffler: Shuffler | None = None,
    reverse: bool = False,
) -> list[unittest.TestCase]:
    """Group tests by class into ``bins`` (and a last bin for the rest), then
    shuffle and/or reverse inside each bin. Reversing applies after shuffling,
    so ``--reverse`` with a seed runs that seed's order backwards."""
    binned: list[list] = [[] for _ in range(len(bins) + 1)]
    for test in tests:
        index = next(
            (i for i, kind in enumerate(bins) if isinstance(test, kind)), len(bins)
        )
        binned[index].append(test)
    ordered = []
    for members in binned:
        grouped = [t for group in group_by_class(members).values() for t in group]
        ordered.extend(_order_bin(grouped, shuffler, reverse))
    return ordered
