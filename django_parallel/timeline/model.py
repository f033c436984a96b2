"""What a timeline shows, as plain picklable data: the recorder fills it in
during the run, the renderer draws it. Every time is in seconds since the
run started, on the parent's clock."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TestMark:
    """One test of a class bar: its method name and what became of it
    (an ``Outcome`` value, "crashed", or "" when it never reported)."""

    name: str
    outcome: str = ""


@dataclass(frozen=True)
class ClassBar:
    """One class (one task) on a worker: handed out at ``sent``, its first
    test started at ``tests_from`` and its last one stopped at ``tests_to``
    (None when no test started: the class fixtures took it all), over at
    ``end``. ``ending`` is "done", "crashed", "timed out" or "cut off" (the
    run ended first)."""

    name: str
    sent: float
    end: float
    tests_from: float | None = None
    tests_to: float | None = None
    tests: tuple[TestMark, ...] = ()
    ending: str = "done"
    # (fixture, seconds) as the worker timed them (only with --durations).
    fixtures: tuple[tuple[str, float], ...] = ()

    @property
    def seconds(self) -> float:
        return self.end - self.sent


@dataclass(frozen=True)
class Lane:
    """One worker process: ``label`` is "1", "1.1" (the first replacement
    of slot 1's worker), or "rerun 1" for a worker that ran a failed test
    again alone. ``ending`` says how it ended when not normally
    ("crashed: killed by SIGKILL", "timed out")."""

    label: str
    slot: int
    group: str  # "run" or "rerun"
    started: float
    ended: float | None = None
    # Booting (until booted), waiting for the parent's databases, then
    # attaching them (from attach_from until ready).
    booted: float | None = None
    attach_from: float | None = None
    ready: float | None = None
    bars: tuple[ClassBar, ...] = ()
    ending: str = ""
    # The label of the worker this one replaced.
    replaces: str | None = None


@dataclass(frozen=True)
class Phase:
    """A stretch of the parent's work: discovery, a database's creation..."""

    name: str
    start: float
    end: float
    kind: str = ""  # colour key: discovery, database, clone, checks, tests...


@dataclass(frozen=True)
class Timeline:
    """A whole run: ``tests_from``/``tests_to`` bound the tests phase
    (the wall time core use is measured over), ``workers`` is the number of
    worker slots, ``ending`` says how the run ended."""

    phases: tuple[Phase, ...]
    lanes: tuple[Lane, ...]
    end: float
    workers: int = 0
    start_method: str = ""
    tests_from: float | None = None
    tests_to: float | None = None
    ending: str = "finished"
    title: str = "django-parallel run"
    notes: tuple[str, ...] = field(default_factory=tuple)
