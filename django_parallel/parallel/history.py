"""What each worker process of a parallel run ran, in order: the raw
material of the run record (``repro/record.py``) that ``--replay-worker``
and ``--bisect`` read.

A slot's first process is worker ``"K"`` (its slot number); a process that
replaces a dead one is ``"K.1"``, ``"K.2"``...: a replacement starts with a
fresh interpreter, so its sequence is its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ClassRun:
    """One task handed to a worker: its class, the ids of the tests it was
    given (in order) and of those that started."""

    name: str
    tests: list[str]
    started: list[str] = field(default_factory=list)


@dataclass
class ProcessRun:
    worker: str
    slot: int
    classes: list[ClassRun] = field(default_factory=list)


def id_of(test) -> str:
    """A test's id; one whose ``id()`` raises is named by its class, so the
    record never stops a run."""
    try:
        return str(test.id())
    except Exception:
        return f"{type(test).__module__}.{type(test).__qualname__}"


class WorkerHistory:
    """Filled by the supervisor as it starts workers, hands out tasks and
    sees tests start."""

    def __init__(self) -> None:
        self.processes: list[ProcessRun] = []
        self._current: dict[int, ProcessRun] = {}
        self._generations: dict[int, int] = {}

    def process_started(self, slot: int) -> None:
        generation = self._generations.get(slot, -1) + 1
        self._generations[slot] = generation
        worker = str(slot) if generation == 0 else f"{slot}.{generation}"
        run = ProcessRun(worker, slot)
        self.processes.append(run)
        self._current[slot] = run

    def task_sent(self, slot: int, class_name: str, test_ids: list[str]) -> None:
        self._process(slot).classes.append(ClassRun(class_name, list(test_ids)))

    def test_started(self, slot: int, test_id: str) -> None:
        classes = self._process(slot).classes
        if classes:
            classes[-1].started.append(test_id)

    def _process(self, slot: int) -> ProcessRun:
        if slot not in self._current:
            self.process_started(slot)
        return self._current[slot]
