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
from collections import deque
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

    Classes are shared out before the run, longest first, each to the
    worker with the least work so far (the LPT rule), so a long class never
    starts last. Each worker runs its share bin by bin and longest first
    inside a bin: bins matter per worker, because a TransactionTestCase
    empties the tables of the worker's database that data migrations
    filled, so no TestCase may follow one on the same worker. A worker that
    runs out of work takes the last task of the worker with the most work
    left, from a bin it may still run; that corrects wrong estimates.
    """

    def __init__(self, planned: Sequence[Planned], slots: Sequence[int]) -> None:
        self.queues: dict[int, deque[Planned]] = {slot: deque() for slot in slots}
        self.slot_bins: dict[int, int] = dict.fromkeys(slots, 0)
        self.bins: dict[int, int] = {p.task.id: p.bin for p in planned}
        load = dict.fromkeys(slots, 0.0)
        shares: dict[int, list[Planned]] = {slot: [] for slot in slots}
        # Stable: equal estimates keep suite order.
        for item in sorted(planned, key=lambda p: -p.estimate):
            slot = min(slots, key=lambda s: (load[s], s))
            load[slot] += item.estimate
            shares[slot].append(item)
        for slot, share in shares.items():
            self.queues[slot].extend(sorted(share, key=lambda p: (p.bin, -p.estimate)))

    def __len__(self) -> int:
        return sum(len(queue) for queue in self.queues.values())

    def next_for(self, slot: int) -> Task | None:
        """The task ``slot``'s worker runs next; None when nothing is left
        that it may run."""
        queue = self.queues[slot]
        item = queue.popleft() if queue else self._steal_for(slot)
        if item is None:
            return None
        self.slot_bins[slot] = max(self.slot_bins[slot], item.bin)
        return item.task

    def _steal_for(self, slot: int) -> Planned | None:
        floor = self.slot_bins[slot]
        victims = sorted(
            (s for s in self.queues if s != slot and self.queues[s]),
            key=lambda s: -sum(p.estimate for p in self.queues[s]),
        )
        for victim in victims:
            queue = self.queues[victim]
            for position in range(len(queue) - 1, -1, -1):
                if queue[position].bin >= floor:
                    item = queue[position]
                    del queue[position]
                    return item
        return None

    def put_back(self, slot: int, task: Task, like: int) -> None:
        """Run ``task`` (what is left of task ``like``) next on ``slot``."""
        self.bins[task.id] = self.bins.get(like, self.slot_bins[slot])
        self.queues[slot].appendleft(Planned(task, self.bins[task.id], 0.0))

    def clear(self) -> None:
        for queue in self.queues.values():
            queue.clear()
