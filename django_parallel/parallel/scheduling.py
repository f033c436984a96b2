"""Which worker runs which test class, and when: planned from durations
recorded by earlier runs, so the last worker finishes close to the others.

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
from dataclasses import dataclass

from django_parallel.parallel.worker import Task

CACHE_DIR = ".django_parallel"
DURATIONS_FILE = "durations.json"


def durations_path(base_dir: str | None = None) -> str:
    return os.path.join(base_dir or os.getcwd(), CACHE_DIR, DURATIONS_FILE)


def _read_record(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_durations(path: str) -> dict[str, float]:
    classes = _read_record(path).get("classes", {})
    if not isinstance(classes, dict):
        return {}
    return {k: float(v) for k, v in classes.items() if isinstance(v, (int, float))}


def load_bins(path: str) -> dict[str, int]:
    """Each recorded class's ordering bin (0 for the first of the runner's
    ``reorder_by`` classes), for tools that simulate a run."""
    bins = _read_record(path).get("bins", {})
    if not isinstance(bins, dict):
        return {}
    return {k: v for k, v in bins.items() if isinstance(v, int)}


def save_durations(
    path: str, measured: dict[str, float], bins: dict[str, int] | None = None
) -> None:
    """Merge this run's per-class durations (and bins) into the record,
    atomically."""
    if not measured:
        return
    merged = {**load_durations(path), **{k: round(v, 4) for k, v in measured.items()}}
    merged_bins = {**load_bins(path), **(bins or {})}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".durations-")
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        json.dump(
            {
                "version": 1,
                "classes": dict(sorted(merged.items())),
                "bins": {k: merged_bins[k] for k in sorted(merged) if k in merged_bins},
            },
            file,
            indent=1,
        )
    os.replace(temporary, path)


def class_key(test) -> str:
    cls = type(test)
    return f"{cls.__module__}.{cls.__qualname__}"


def class_bins(groups: Sequence[Sequence], bins: Sequence[type]) -> list[int]:
    """Which of ``bins`` (the runner's ``reorder_by`` classes) each group's
    class falls in; classes in none of them come after all bins."""

    def bin_of(group) -> int:
        for number, kind in enumerate(bins):
            if group and isinstance(group[0], kind):
                return number
        return len(bins)

    return [bin_of(group) for group in groups]


def estimate_durations(
    groups: Sequence[Sequence], durations: dict[str, float]
) -> list[float]:
    """Expected seconds of each group (the tests of one class).

    A class with no record is estimated as its test count times the median
    per-test time of the recorded classes (one second per test when nothing
    is recorded).
    """
    per_test = [
        durations[class_key(g[0])] / len(g)
        for g in groups
        if g and class_key(g[0]) in durations
    ]
    typical = statistics.median(per_test) if per_test else 1.0
    return [
        durations.get(class_key(group[0]), typical * len(group)) if group else 0.0
        for group in groups
    ]


@dataclass
class Planned:
    """A task with what the schedule needs to know about it."""

    task: Task
    bin: int
    estimate: float


class Schedule:
    """Which task each worker runs next.

    A free worker gets the longest task left that it may run, so long
    classes start early and the run ends on short ones. What a worker may
    run depends on its bin: no TestCase may follow a TransactionTestCase on
    the same worker, because that empties the tables of the worker's
    database that data migrations filled; so a worker only moves on to a
    later bin, never back. It moves on early, for a long class of a later
    bin, only when the workers that stay behind can still do the work left
    in the earlier bins in about the time the run has left: a slow
    TransactionTestCase then starts on one worker while the others go on
    with TestCases, instead of running alone at the end of the run.
    """

    def __init__(self, planned: Sequence[Planned], slots: Sequence[int]) -> None:
        # Longest first; equal estimates keep suite order.
        self.pending: list[Planned] = sorted(planned, key=lambda p: -p.estimate)
        self.floors: dict[int, int] = dict.fromkeys(slots, 0)
        self.bins: dict[int, int] = {p.task.id: p.bin for p in planned}
        self.estimates: dict[int, float] = {p.task.id: p.estimate for p in planned}
        self.finished: set[int] = set()

    def __len__(self) -> int:
        return len(self.pending)

    def next_for(self, slot: int) -> Task | None:
        """The task ``slot``'s worker runs next; None when nothing is left
        that it may run (the worker is then done)."""
        floor = self.floors[slot]
        work_by_bin: dict[int, float] = {}
        for item in self.pending:
            work_by_bin[item.bin] = work_by_bin.get(item.bin, 0.0) + item.estimate
        allowed: dict[int, bool] = {floor: True}
        for position, item in enumerate(self.pending):
            if item.bin < floor:
                continue
            if item.bin not in allowed:
                allowed[item.bin] = self._may_move_on(slot, item.bin, work_by_bin)
            if allowed[item.bin]:
                del self.pending[position]
                self.floors[slot] = item.bin
                return item.task
        self.finished.add(slot)
        return None

    def _may_move_on(
        self, slot: int, to_bin: int, work_by_bin: dict[int, float]
    ) -> bool:
        earlier_bins = [b for b in work_by_bin if b < to_bin]
        if not earlier_bins:
            return True
        staying = [
            floor
            for other, floor in self.floors.items()
            if other != slot and other not in self.finished and floor < to_bin
        ]
        # Every earlier bin still needs a worker that may run it...
        if any(all(floor > b for floor in staying) for b in earlier_bins):
            return False
        # ...and the workers staying behind must not become the tail.
        workers = len(self.floors) - len(self.finished)
        earlier_work = sum(work_by_bin[b] for b in earlier_bins)
        return earlier_work / len(staying) <= sum(work_by_bin.values()) / workers

    def put_back(self, slot: int, task: Task, like: int) -> None:
        """Queue ``task``, what is left of task ``like``, to run next."""
        self.bins[task.id] = self.bins.get(like, self.floors[slot])
        self.estimates[task.id] = self.estimates.get(like, 0.0)
        # First in line, whatever its estimate.
        self.pending.insert(
            0, Planned(task, self.bins[task.id], self.estimates[task.id])
        )

    def clear(self) -> None:
        self.pending.clear()
