"""Splitting a suite into shards, one per CI job (``--shard K/N``).

Every job computes the same split on its own from the same inputs (the
selected test classes and the durations record), so the jobs need not talk
to each other: the CI system's own matrix runs them. The split is greedy,
longest unit (a class, or a module with module fixtures) first onto the
least loaded shard, which depends only on class names, test counts and
recorded seconds, never on discovery order, hash seeds or the machine.
"""

from __future__ import annotations

import hashlib
import math
import re
import sys
import unittest
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django_parallel.errors import RunnerError
from django_parallel.parallel.scheduling import class_key, estimate_durations

# What a bare --shard means: take K and N from the CI system.
FROM_CI = "ci"

# (CI system, index variable, total variable, first index). GitLab sets its
# total on every job (1 without ``parallel:``) and its index only on
# parallel ones.
CI_VARIABLES = (
    ("GitLab", "CI_NODE_INDEX", "CI_NODE_TOTAL", 1),
    ("CircleCI", "CIRCLE_NODE_INDEX", "CIRCLE_NODE_TOTAL", 0),
    ("Buildkite", "BUILDKITE_PARALLEL_JOB", "BUILDKITE_PARALLEL_JOB_COUNT", 0),
)

_SHARD_PATTERN = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True)
class ShardRequest:
    """Run shard ``index`` (1-based) of ``total``; ``source`` says where the
    numbers came from, for messages."""

    index: int
    total: int
    source: str = "--shard"

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"

    @property
    def name(self) -> str:
        """The shard in file names: ``shard-K-of-N``."""
        return f"shard-{self.index}-of-{self.total}"


def parse_shard(text: str, source: str = "--shard") -> ShardRequest:
    """``K/N`` with 1 <= K <= N."""
    match = _SHARD_PATTERN.fullmatch(str(text))
    if match:
        index, total = int(match[1]), int(match[2])
        if 1 <= index <= total:
            return ShardRequest(index, total, source)
    raise RunnerError(
        f"{source} expects K/N, shard K of N with 1 <= K <= N (such as 2/4), "
        "or no value to read them from the CI system's variables; "
        f"got {text!r}"
    )


def shard_from_ci(environ: Mapping[str, str]) -> ShardRequest:
    """K and N from the first CI system whose variables are set."""
    for system, index_var, total_var, first in CI_VARIABLES:
        total_text = environ.get(total_var, "").strip()
        index_text = environ.get(index_var, "").strip()
        if not total_text:
            continue
        source = f"{system}'s {index_var}/{total_var}"
        if not index_text and total_text == "1":
            # A job that is not split: the whole suite.
            return ShardRequest(1, 1, source)
        if not (index_text.isdecimal() and total_text.isdecimal()):
            raise RunnerError(
                f"--shard read {source} as {index_text!r}/{total_text!r}; "
                "both must be whole numbers (or give --shard K/N)"
            )
        index, total = int(index_text) + 1 - first, int(total_text)
        if not 1 <= index <= total:
            raise RunnerError(
                f"--shard read {source} as {index_text}/{total_text}, which is "
                f"no shard of {total} (the index counts from {first}); give "
                "--shard K/N instead"
            )
        return ShardRequest(index, total, source)
    names = ", ".join(f"{i}/{t}" for _, i, t, _ in CI_VARIABLES)
    raise RunnerError(
        f"--shard without K/N reads the CI system's variables ({names}), and "
        "none are set; give --shard K/N, such as --shard 1/4"
    )


def resolve_shard(value, environ: Mapping[str, str]) -> ShardRequest | None:
    """What ``Runner(shard=...)`` was given: None, a request, ``"K/N"`` or
    :data:`FROM_CI`."""
    if value is None or isinstance(value, ShardRequest):
        return value
    if value == FROM_CI:
        return shard_from_ci(environ)
    return parse_shard(value)


def class_of(test: unittest.TestCase) -> str:
    """The class a test counts under: its class, or for a module that
    failed to import, that failure (all such failures share one class)."""
    if isinstance(test, unittest.loader._FailedTest):
        return test.id()
    return class_key(test)


def unit_of(test: unittest.TestCase) -> str:
    """What goes to one shard whole: a class, or every class of a module
    with module fixtures, whose setUpModule then runs (and fails, if it
    does) once, as in an unsharded run."""
    if not isinstance(test, unittest.loader._FailedTest):
        module = sys.modules.get(type(test).__module__)
        if any(
            callable(getattr(module, name, None))
            for name in ("setUpModule", "tearDownModule")
        ):
            return f"module {type(test).__module__}"
    return class_of(test)


def split(
    estimates: Mapping[str, float],
    total: int,
    sizes: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Each unit's shard (1-based): the longest unit goes to the least
    loaded shard. Ties go to the bigger unit (``sizes``: its test count)
    and then the lower name, and to the shard with fewer tests and then the
    lower number: classes recorded as taking no time (0.0 after rounding)
    still spread out."""
    sizes = sizes or {}
    loads = [0.0] * total
    tests = [0] * total
    shards = {}
    order = sorted(estimates, key=lambda k: (-estimates[k], -sizes.get(k, 1), k))
    for key in order:
        shard = min(range(total), key=lambda s: (loads[s], tests[s], s))
        loads[shard] += estimates[key]
        tests[shard] += sizes.get(key, 1)
        shards[key] = shard + 1
    return shards


@dataclass(frozen=True)
class ShardPlan:
    """The split of a suite, as one job sees it."""

    request: ShardRequest
    # Class (see class_of) -> shard number, for every class selected.
    shards: dict[str, int]
    # Class -> the seconds the split assumed.
    estimates: dict[str, float]
    recorded: bool

    def mine(self) -> set[str]:
        return {k for k, s in self.shards.items() if s == self.request.index}

    def load(self, shard: int) -> float:
        return sum(self.estimates[k] for k, s in self.shards.items() if s == shard)

    @property
    def digest(self) -> str:
        """Short hash of the whole split: every job of a sharded run prints
        it, and the same digest on every job means they split alike."""
        text = "\n".join(f"{k}\t{s}" for k, s in sorted(self.shards.items()))
        text += f"\n{self.request.total}"
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def plan_shards(
    tests: Sequence[unittest.TestCase],
    request: ShardRequest,
    durations: Mapping[str, float],
) -> ShardPlan:
    """Split ``tests`` (any order) by the recorded ``durations`` per class;
    an unrecorded class is estimated from its test count."""
    classes: dict[str, list] = {}
    unit_of_class: dict[str, str] = {}
    for test in tests:
        key = class_of(test)
        if key not in classes:
            classes[key] = []
            unit_of_class[key] = unit_of(test)
        classes[key].append(test)
    keys = sorted(classes)
    # estimate_durations keys a group by its first test's class; a failed
    # import is not in ``known``, so it goes by test count. A hand-edited
    # record's NaN or negative time would unbalance the split: ignored.
    known = {
        k: durations[k]
        for k in keys
        if k in durations and math.isfinite(durations[k]) and durations[k] >= 0
    }
    estimates = dict(
        zip(keys, estimate_durations([classes[k] for k in keys], known), strict=True)
    )
    unit_seconds: dict[str, float] = {}
    unit_sizes: dict[str, int] = {}
    for key in keys:
        unit = unit_of_class[key]
        unit_seconds[unit] = unit_seconds.get(unit, 0.0) + estimates[key]
        unit_sizes[unit] = unit_sizes.get(unit, 0) + len(classes[key])
    units = split(unit_seconds, request.total, unit_sizes)
    shards = {key: units[unit_of_class[key]] for key in keys}
    return ShardPlan(request, shards, estimates, bool(known))


def select_shard(tests: Sequence[unittest.TestCase], plan: ShardPlan) -> list:
    """The tests of this job's shard, in their given order."""
    mine = plan.mine()
    return [test for test in tests if class_of(test) in mine]


def describe_shard(plan: ShardPlan, tests: int) -> str:
    """The line a shard prints: what it runs, and the split's digest, which
    every job of the run should print alike."""
    request = plan.request
    origin = "" if request.source == "--shard" else f" (from {request.source})"
    basis = "recorded durations" if plan.recorded else "test counts"
    return (
        f"Shard {request}{origin}: {tests} test(s) in {len(plan.mine())} of "
        f"{len(plan.shards)} class(es), split by {basis} (split {plan.digest})."
    )
