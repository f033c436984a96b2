"""Which worker runs which test class, and when: planned from durations
recorded by earlier runs, so the last worker finishes close to the others.

The record is ``.django_parallel/durations.json`` in the directory the tests
run from: per-class seconds, rewritten after every run. It is safe to delete
(classes are then ordered by test count) and safe to commit.
"""

from __future__ import annotations

import heapq
import json
import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django_parallel.files import write_atomically
from django_parallel.parallel.worker import Task

CACHE_DIR = ".django_parallel"
DURATIONS_FILE = "durations.json"
# How far one run's measurement moves a class's recorded time.
NEW_RUN_WEIGHT = 0.5
# A worker opens with a quick class when it is this small a part of the
# worker's share of the run (see Schedule).
OPENER_SHARE = 0.01


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
    atomically. A class already recorded moves half way to its new time:
    one run on a busy machine does not undo what earlier runs measured."""
    if not measured:
        return
    merged = load_durations(path)
    for key, seconds in measured.items():
        old = merged.get(key)
        blended = seconds if old is None else old + NEW_RUN_WEIGHT * (seconds - old)
        merged[key] = round(blended, 4)
    merged_bins = {**load_bins(path), **(bins or {})}
    write_record(path, merged, merged_bins)


def write_record(
    path: str,
    classes: dict[str, float],
    bins: dict[str, int],
    extra: dict | None = None,
) -> None:
    """Write a durations record (``extra`` adds top-level keys), atomically."""
    record = {
        "version": 1,
        "classes": dict(sorted(classes.items())),
        "bins": {k: bins[k] for k in sorted(classes) if k in bins},
        **(extra or {}),
    }
    write_atomically(path, json.dumps(record, indent=1), prefix=".durations-")


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
    later bin, never back.

    Work a worker can no longer run is the run's inflexible part, so a
    worker moves on early, for a long class of a later bin, only when
    waiting would make that class end the run: when it must start now to
    finish with the others. Until then the short classes of the later bins
    stay open to every worker, and absorb the error of the estimates. A
    slow TransactionTestCase so starts while the others still run
    TestCases, instead of running alone at the end of the run.

    The exception is each worker's first task: the quickest class of the
    first bin, when it is expected to take under 1% of a worker's share of
    the run. Its results then show as soon as the worker is ready instead
    of after the first test of the longest class, and the run's end moves
    by at most that 1%.
    """

    def __init__(self, planned: Sequence[Planned], slots: Sequence[int]) -> None:
        # Longest first; equal estimates keep suite order.
        self.pending: list[Planned] = sorted(planned, key=lambda p: -p.estimate)
        self.floors: dict[int, int] = dict.fromkeys(slots, 0)
        self.bins: dict[int, int] = {p.task.id: p.bin for p in planned}
        self.estimates: dict[int, float] = {p.task.id: p.estimate for p in planned}
        self.finished: set[int] = set()
        # Per slot: when its current task started, and its estimate.
        self.running: dict[int, tuple[float, float]] = {}
        self.unopened: set[int] = set(slots)
        total = sum(p.estimate for p in planned)
        self.opener_limit = OPENER_SHARE * total / max(1, len(self.floors))
        self.put_back_waiting = 0

    def __len__(self) -> int:
        return len(self.pending)

    def next_for(self, slot: int, now: float | None = None) -> Task | None:
        """The task ``slot``'s worker runs next, its previous one being
        done; None when nothing is left that it may run (the worker is then
        done). ``now`` is the time on ``time.monotonic()``'s clock."""
        now = time.monotonic() if now is None else now
        self.running.pop(slot, None)
        if slot in self.unopened:
            self.unopened.discard(slot)
            opener = self._opener()
            if opener is not None:
                return self._hand_out(slot, opener, now)
        floor = self.floors[slot]
        allowed: dict[int, bool] = {floor: True}
        for position, item in enumerate(self.pending):
            if item.bin < floor:
                continue
            if item.bin not in allowed:
                allowed[item.bin] = self._may_move_on(slot, item, now)
            if allowed[item.bin]:
                return self._hand_out(slot, position, now)
        self.finished.add(slot)
        return None

    def _hand_out(self, slot: int, position: int, now: float) -> Task:
        item = self.pending.pop(position)
        self.floors[slot] = item.bin
        self.running[slot] = (now, item.estimate)
        if position < self.put_back_waiting:
            self.put_back_waiting -= 1
        return item.task

    def _opener(self) -> int | None:
        """Where in ``pending`` a fresh worker's first task is: the quickest
        class of the first bin, if it is quick enough (see the class
        docstring). None while a task put back after a crash waits: that
        one runs next."""
        if not self.pending or self.put_back_waiting:
            return None
        first_bin = min(p.bin for p in self.pending)
        position, item = min(
            ((i, p) for i, p in enumerate(self.pending) if p.bin == first_bin),
            key=lambda pair: pair[1].estimate,
        )
        return position if item.estimate <= self.opener_limit else None

    def _may_move_on(self, slot: int, item: Planned, now: float) -> bool:
        """Whether ``slot``'s worker should leave its bin for ``item``, the
        longest task it may run, which is in a later bin."""
        floor = self.floors[slot]
        # What the worker would run instead: the longest task it may run
        # without moving on that far.
        instead = next((p for p in self.pending if floor <= p.bin < item.bin), None)
        if instead is None:
            return True
        others = [s for s in self.floors if s != slot and s not in self.finished]
        staying = [s for s in others if self.floors[s] < item.bin]
        earlier = {p.bin for p in self.pending if p.bin < item.bin}
        # Every earlier bin still needs a worker that may run it.
        if any(all(self.floors[s] > b for s in staying) for b in earlier):
            return False
        remaining = {s: self._remaining(s, now) for s in others}
        pending_work = sum(p.estimate for p in self.pending)
        # When every worker would finish if the work left could be split
        # evenly.
        level = (pending_work + sum(remaining.values())) / (len(others) + 1)
        # Moving now: the staying workers alone finish the earlier bins.
        earlier_work = sum(p.estimate for p in self.pending if p.bin < item.bin)
        staying_end = (earlier_work + sum(remaining[s] for s in staying)) / len(staying)
        if_moved = max(item.estimate, staying_end, level)
        # Waiting: the class starts when a worker is next free.
        next_free = min(
            [instead.estimate]
            + [remaining[s] for s in others if self.floors[s] <= item.bin]
        )
        if_waited = max(next_free + item.estimate, level)
        return if_moved < if_waited

    def _remaining(self, slot: int, now: float) -> float:
        """Expected seconds left in ``slot``'s running task."""
        started, estimate = self.running.get(slot, (now, 0.0))
        return max(0.0, started + estimate - now)

    def put_back(self, slot: int, task: Task, like: int) -> None:
        """Queue ``task``, what is left of task ``like``, to run next."""
        self.bins[task.id] = self.bins.get(like, self.floors[slot])
        self.estimates[task.id] = self.estimates.get(like, 0.0)
        # First in line, whatever its estimate.
        self.pending.insert(
            0, Planned(task, self.bins[task.id], self.estimates[task.id])
        )
        self.put_back_waiting += 1

    def prefer(self, task_ids: set[int]) -> None:
        """Hand out these tasks first (``--failed-first``), longest first
        among them, each as soon as a worker may run it: bins still rule.
        No worker opens with a quick class instead."""
        self.pending.sort(key=lambda p: p.task.id not in task_ids)
        if task_ids:
            self.unopened.clear()

    def clear(self) -> None:
        self.pending.clear()
        self.put_back_waiting = 0


def simulate(
    schedule: Schedule, seconds: Sequence[float]
) -> tuple[float, dict[int, tuple[int, float]]]:
    """Run ``schedule`` against simulated workers, task ``i`` taking
    ``seconds[i]``, on a simulated clock from 0: the wall time, and for each
    task id the slot that ran it and when it started. For the scheduling
    simulator and tests of the schedule."""
    free = [(0.0, slot) for slot in schedule.floors]
    heapq.heapify(free)
    starts: dict[int, tuple[int, float]] = {}
    end = 0.0
    while free:
        now, slot = heapq.heappop(free)
        task = schedule.next_for(slot, now)
        if task is None:
            end = max(end, now)
            continue
        starts[task.id] = (slot, now)
        heapq.heappush(free, (now + seconds[task.id], slot))
    return end, starts
