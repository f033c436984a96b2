"""Collecting a run's timeline from what the parent already sees: its own
phases, the workers it starts and reaps, and the events they send.

Every time is taken in the parent, with ``time.monotonic()``, when the
parent handles the fact: one clock for every lane, whatever the start
method. The two stretches the parent cannot see (a worker booting, and
attaching its databases) come as durations the worker measured itself, in
``WorkerReady``: a duration needs no shared clock. Per test the recorder
appends one small record; nothing is sent or waited for on its behalf.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from django_parallel.parallel.events import (
    FixtureTimed,
    SubTestOutcome,
    TaskDone,
    TestOutcome,
    TestStarted,
    TestStopped,
    WorkerReady,
)
from django_parallel.timeline.model import ClassBar, Lane, Phase, TestMark, Timeline

# The worse outcome wins when a test reports two (a failure, then an error
# in tearDown).
_RANK = {
    "": 0,
    "success": 1,
    "skip": 1,
    "expected failure": 1,
    "unexpected success": 2,
    "failure": 3,
    "error": 4,
    "crashed": 5,
}


@dataclass
class OpenPhase:
    """A phase being timed: its name and colour key."""

    name: str
    kind: str


@dataclass
class _Bar:
    name: str
    sent: float
    tests: list[str]
    outcomes: dict[int, str] = field(default_factory=dict)
    tests_from: float | None = None
    tests_to: float | None = None
    fixtures: list[tuple[str, float]] = field(default_factory=list)

    def closed(self, end: float, ending: str) -> ClassBar:
        return ClassBar(
            name=self.name,
            sent=self.sent,
            end=max(end, self.sent),
            tests_from=self.tests_from,
            tests_to=self.tests_to,
            tests=tuple(
                TestMark(name, self.outcomes.get(index, ""))
                for index, name in enumerate(self.tests)
            ),
            ending=ending,
            fixtures=tuple(self.fixtures),
        )


@dataclass
class _Lane:
    lane: Lane
    bars: list[ClassBar] = field(default_factory=list)
    open: _Bar | None = None


class TimelineRecorder:
    """The run's timeline so far; ``timeline()`` gives it as plain data."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._zero = clock()
        self.phases: list[Phase] = []
        self._lanes: list[_Lane] = []
        self.workers = 0
        self.start_method = ""
        self.tests_from: float | None = None
        self.tests_to: float | None = None
        self._reruns = 0

    def now(self) -> float:
        return self._clock() - self._zero

    @contextmanager
    def phase(self, name: str, kind: str = "") -> Iterator[OpenPhase]:
        """Time the block as one of the parent's phases (kept when the block
        raises: an interrupted phase is drawn as far as it got). The block
        may rename it once it knows more (a database migrated, or copied
        from the cache)."""
        open_phase = OpenPhase(name, kind or name)
        start = self.now()
        try:
            yield open_phase
        finally:
            end = self.now()
            self.phases.append(Phase(open_phase.name, start, end, open_phase.kind))
            if open_phase.kind == "tests":
                self.tests_from, self.tests_to = start, end

    def lanes(self, group: str = "run") -> LaneRecorder:
        """What one supervisor's workers do (``group``: "run", or "rerun"
        for the workers that run failures again alone)."""
        return LaneRecorder(self, group)

    def _add(self, lane: Lane) -> _Lane:
        entry = _Lane(lane)
        self._lanes.append(entry)
        return entry

    def _next_rerun(self) -> int:
        self._reruns += 1
        return self._reruns

    def timeline(self, ending: str = "finished", notes=()) -> Timeline:
        """Everything so far; what is still open ends now."""
        end = self.now()
        lanes = []
        for entry in self._lanes:
            bars = list(entry.bars)
            if entry.open is not None:
                bars.append(entry.open.closed(end, "cut off"))
            lane = entry.lane
            lanes.append(
                replace(
                    lane,
                    bars=tuple(bars),
                    ended=end if lane.ended is None else lane.ended,
                )
            )
        return Timeline(
            phases=tuple(self.phases),
            lanes=tuple(lanes),
            end=end,
            workers=self.workers,
            start_method=self.start_method,
            tests_from=self.tests_from,
            tests_to=self.tests_to,
            ending=ending,
            notes=tuple(notes),
        )


class LaneRecorder:
    """Records the workers of one supervisor, by slot."""

    def __init__(self, recorder: TimelineRecorder, group: str) -> None:
        self._recorder = recorder
        self.group = group
        self._current: dict[int, _Lane] = {}
        self._generations: dict[int, int] = {}

    def process_started(self, slot: int) -> None:
        now = self._recorder.now()
        previous = self._current.get(slot)
        generation = self._generations.get(slot, -1) + 1
        self._generations[slot] = generation
        if self.group == "rerun":
            label = f"rerun {self._recorder._next_rerun()}"
        else:
            label = str(slot) if generation == 0 else f"{slot}.{generation}"
        replaces = None
        if previous is not None and previous.lane.ending:
            replaces = previous.lane.label
        self._current[slot] = self._recorder._add(
            Lane(label, slot, self.group, now, replaces=replaces)
        )

    def discard(self, slot: int) -> None:
        """A worker ended before it did anything (not needed after all)."""
        entry = self._current.pop(slot, None)
        if entry is not None and entry in self._recorder._lanes:
            self._recorder._lanes.remove(entry)

    def task_sent(self, slot: int, class_name: str, tests: list) -> None:
        entry = self._current.get(slot)
        if entry is None:
            return
        names = [getattr(test, "_testMethodName", "") or str(test) for test in tests]
        entry.open = _Bar(class_name, self._recorder.now(), names)

    def event(self, slot: int, event) -> None:
        """A worker's event, as the parent handles it."""
        entry = self._current.get(slot)
        if entry is None:
            return
        bar = entry.open
        kind = type(event)
        if kind is WorkerReady:
            now = self._recorder.now()
            lane = entry.lane
            attach_from = max(lane.started, now - event.attach_seconds)
            booted = min(lane.started + event.boot_seconds, attach_from)
            entry.lane = replace(
                lane, booted=booted, attach_from=attach_from, ready=now
            )
        elif bar is None:
            return
        elif kind is TestStarted:
            if bar.tests_from is None:
                bar.tests_from = self._recorder.now()
        elif kind is TestStopped:
            bar.tests_to = self._recorder.now()
        elif kind is TestOutcome or kind is SubTestOutcome:
            outcome = event.outcome.value
            if _RANK.get(outcome, 0) >= _RANK.get(bar.outcomes.get(event.index, ""), 0):
                bar.outcomes[event.index] = outcome
        elif kind is FixtureTimed:
            bar.fixtures.append((event.fixture, event.seconds))
        elif kind is TaskDone:
            entry.bars.append(bar.closed(self._recorder.now(), "done"))
            entry.open = None

    def died(self, slot: int, index: int | None, how: str, timed_out: bool) -> None:
        """The worker in ``slot`` died (or was ended, ``timed_out``) during
        test ``index`` of its class (None: outside any test)."""
        entry = self._current.get(slot)
        if entry is None:
            return
        now = self._recorder.now()
        ending = "timed out" if timed_out else "crashed"
        if entry.open is not None:
            bar = entry.open
            if index is not None:
                bar.outcomes[index] = "timed out" if timed_out else "crashed"
                bar.tests_to = now if bar.tests_from is not None else None
            entry.bars.append(bar.closed(now, ending))
            entry.open = None
        entry.lane = replace(entry.lane, ending=how or ending)

    def process_ended(self, slot: int) -> None:
        entry = self._current.get(slot)
        if entry is None or entry.lane.ended is not None:
            return
        now = self._recorder.now()
        if entry.open is not None:
            entry.bars.append(entry.open.closed(now, "cut off"))
            entry.open = None
        entry.lane = replace(entry.lane, ended=now)


class NoLanes:
    """A supervisor's stand-in when no timeline is recorded."""

    def process_started(self, slot: int) -> None:
        pass

    def discard(self, slot: int) -> None:
        pass

    def task_sent(self, slot: int, class_name: str, tests: list) -> None:
        pass

    def event(self, slot: int, event) -> None:
        pass

    def died(self, slot: int, index: int | None, how: str, timed_out: bool) -> None:
        pass

    def process_ended(self, slot: int) -> None:
        pass


NO_LANES = NoLanes()
