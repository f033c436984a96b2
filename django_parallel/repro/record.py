"""The record of the last parallel run, ``.django_parallel/workers.json``:
which classes and tests each worker process ran, in order, the shuffle seed
and discovery options, and which worker each failure happened on.

``--replay-worker`` and ``--bisect`` read it; a serial run (a replay, a
trial) never rewrites it, so a replay can be repeated.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

from django_parallel.errors import RunnerError
from django_parallel.files import write_atomically
from django_parallel.parallel.history import ClassRun, ProcessRun, WorkerHistory
from django_parallel.parallel.scheduling import CACHE_DIR

RECORD_FILE = "workers.json"
VERSION = 1


def record_path(base_dir: str | None = None) -> str:
    return os.path.join(base_dir or os.getcwd(), CACHE_DIR, RECORD_FILE)


@dataclass(frozen=True)
class Discovery:
    """How the run found its tests, so a replay finds the same ones."""

    labels: tuple[str, ...] = ()
    pattern: str | None = None
    top_level: str | None = None


@dataclass
class Failure:
    """A test (or a class or module fixture, by its description) that failed
    or errored, and the worker process it happened on (None: not known)."""

    test: str
    worker: str | None


@dataclass
class RunRecord:
    seed: int | None
    discovery: Discovery
    workers: list[ProcessRun]
    failures: list[Failure] = field(default_factory=list)

    def worker(self, name: str) -> ProcessRun:
        for process in self.workers:
            if process.worker == name:
                return process
        known = ", ".join(p.worker for p in self.workers) or "none"
        raise RunnerError(
            f"--replay-worker {name}: the last parallel run had no worker "
            f"{name} (its workers: {known}); give one of those"
        )

    def failing_workers(self) -> list[str]:
        """Workers with a failure, in the order of their first failure."""
        seen: dict[str, None] = {}
        for failure in self.failures:
            if failure.worker is not None:
                seen.setdefault(failure.worker, None)
        return list(seen)

    def worker_of(self, test_id: str) -> str | None:
        """The first worker that started ``test_id`` (None: none did). A test
        starts once in a run (what a crash leaves of its class is queued
        again, the crashed test is not); any later start is a re-run of a
        failure, alone, which is not the sequence to replay."""
        for process in self.workers:
            if any(test_id in c.started for c in process.classes):
                return process.worker
        return None


def sequence(process: ProcessRun) -> list[str]:
    """The tests a worker process ran, in order. A class none of whose
    tests started (its setUpClass failed or skipped it) keeps all of them:
    running them again runs that fixture again."""
    return [test for c in process.classes for test in (c.started or c.tests)]


def replay_sequence(record: RunRecord, name: str) -> tuple[list[str], str | None]:
    """What ``--replay-worker name`` runs: the worker's tests in order, up
    to and including its last failure (all of them when it had none), and
    that failure."""
    process = record.worker(name)
    ordered = sequence(process)
    failures = [f.test for f in record.failures if f.worker == name]
    end, last = len(ordered), None
    if failures:
        end = 0
        for failure in failures:
            stop = _position(process, failure)
            if stop is not None and stop >= end:
                end, last = stop, failure
    return ordered[:end], last


def _position(process: ProcessRun, failure: str) -> int | None:
    """How many of the process's tests run up to and including ``failure``
    (a test, or a fixture description naming a class or module)."""
    count = 0
    found = None
    for klass in process.classes:
        tests = klass.started or klass.tests
        if failure in tests:
            return count + tests.index(failure) + 1
        count += len(tests)
        if _names(failure, klass):
            found = count
    return found


def _names(description: str, klass: ClassRun) -> bool:
    """Whether a fixture error's description ("setUpClass (app.tests.C)",
    "setUpModule (app.tests)") is about this class."""
    module = klass.name.rpartition(".")[0]
    inner = description.partition("(")[2].rstrip(")").strip()
    return bool(klass.name) and (
        inner in (klass.name, module) or description.startswith(klass.name + " (")
    )


def failure_ids(result) -> list[str]:
    """The ids of what failed or errored on a unittest result, in order,
    each once: a subtest counts for its test, a fixture error is its
    description."""
    ids: dict[str, None] = {}
    problems = [t for t, _ in result.failures] + [t for t, _ in result.errors]
    problems += list(result.unexpectedSuccesses)
    for test in problems:
        test = getattr(test, "test_case", test)
        if type(test).__name__ == "_ErrorHolder":
            ids.setdefault(test.description, None)
        else:
            ids.setdefault(test.id(), None)
    return list(ids)


def make_record(
    history: WorkerHistory, result, seed: int | None, discovery: Discovery
) -> RunRecord:
    # A process given no task (retired, or never needed) ran nothing.
    record = RunRecord(seed, discovery, [p for p in history.processes if p.classes])
    for test in failure_ids(result):
        worker = record.worker_of(test)
        if worker is None:
            worker = _fixture_worker(record, test)
        record.failures.append(Failure(test, worker))
    return record


def _fixture_worker(record: RunRecord, description: str) -> str | None:
    for process in reversed(record.workers):
        if any(_names(description, c) for c in process.classes):
            return process.worker
    return None


def save_record(path: str, record: RunRecord) -> None:
    """Write the record atomically (a run stopped half way leaves the old
    one or the new one, never half of one)."""
    data = {
        "version": VERSION,
        "seed": record.seed,
        "discovery": {
            "labels": list(record.discovery.labels),
            "pattern": record.discovery.pattern,
            "top_level": record.discovery.top_level,
        },
        "workers": [asdict(p) for p in record.workers],
        "failures": [asdict(f) for f in record.failures],
    }
    write_atomically(path, json.dumps(data, indent=1), prefix=".workers-")


def load_record(path: str) -> RunRecord:
    """The record at ``path``; a missing or unreadable one is a RunnerError
    that says how to make one."""
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except FileNotFoundError:
        raise RunnerError(
            f"there is no record of a parallel run at {path}; run the tests "
            "with --parallel 2 or more first (every parallel run writes it)"
        ) from None
    except (OSError, ValueError) as exc:
        raise RunnerError(
            f"the parallel run record {path} cannot be read ({exc}); delete "
            "it and run the tests with --parallel again"
        ) from None
    try:
        if data["version"] != VERSION:
            raise ValueError(f"version {data['version']!r}")
        found = data["discovery"]
        return RunRecord(
            seed=data["seed"],
            discovery=Discovery(
                tuple(found["labels"]), found["pattern"], found["top_level"]
            ),
            workers=[
                ProcessRun(
                    p["worker"],
                    p["slot"],
                    [
                        ClassRun(c["name"], c["tests"], c["started"])
                        for c in p["classes"]
                    ],
                )
                for p in data["workers"]
            ],
            failures=[Failure(f["test"], f["worker"]) for f in data["failures"]],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise RunnerError(
            f"the parallel run record {path} is not one this version of "
            f"django-parallel wrote ({exc}); run the tests with --parallel again"
        ) from None
