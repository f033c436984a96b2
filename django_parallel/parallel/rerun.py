"""Running a parallel run's failures again, each alone in a new worker.

A test that fails only after another test ran in the same process (state
left in a module, a cache, a setting, a class attribute) is an
order-dependent failure, and in a parallel run users read it as the
runner's fault. So, once the run is over and while few tests failed
(``--rerun-failures N``, 3 by default: more failures are more often one
real breakage than order dependence, and each try boots a worker), each
failed test runs again in a worker process of its own that runs nothing
else, on the run's database copies, and the report says which failures
did not happen alone, with the commands that find the culprit. The tries
go to a result of their own: the run's result, its counts and its exit
status stay as they were."""

from __future__ import annotations

import pickle
import unittest
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from django_parallel.errors import RunnerError, first_line
from django_parallel.failed_tests import covers, failed_tests, fixture_target
from django_parallel.parallel.lifecycle import Workers
from django_parallel.parallel.replay import Replayer
from django_parallel.parallel.supervisor import Supervisor
from django_parallel.parallel.worker import Task
from django_parallel.repro.commands import bisect_command, replay_command


@dataclass(frozen=True)
class Retried:
    """What one failed test did when run again alone."""

    test_id: str
    # The slot whose worker ran it in the run, when the result knows.
    worker: int | None
    outcome: str  # "failed", "error", "unexpected success", "passed", "skipped"

    @property
    def reproduced(self) -> bool:
        return self.outcome not in ("passed", "skipped")


class PinnedSchedule:
    """One task per slot, handed out once: each worker runs its one test
    and ends. A task put back (its worker died in a fixture) goes to the
    slot's replacement."""

    def __init__(self, tasks: dict[int, Task]) -> None:
        self.queues = {slot: [task] for slot, task in tasks.items()}

    def next_for(self, slot: int, now: float | None = None) -> Task | None:
        queue = self.queues.get(slot)
        return queue.pop(0) if queue else None

    def put_back(self, slot: int, task: Task, like: int) -> None:
        self.queues.setdefault(slot, []).insert(0, task)

    def clear(self) -> None:
        self.queues.clear()


# Without --timeout, how long a try may take (test or fixture): a test that
# failed in the run may hang alone (waiting for what another test gave it),
# and a run that had ended must not then hang.
TRY_TIMEOUT = 60.0


class AloneSupervisor(Supervisor):
    """A slot whose worker died gets a new one only for work left to it
    (a fixture's death puts its class back), not to end at once."""

    def _replace(self, slot, exitcode, reason) -> None:
        if self.schedule.queues.get(slot.number):
            super()._replace(slot, exitcode, reason)


class _Outcomes(unittest.TestResult):
    """A plain result that also remembers which tests passed."""

    def __init__(self) -> None:
        super().__init__()
        self.passed: set[int] = set()

    def addSuccess(self, test) -> None:
        super().addSuccess(test)
        self.passed.add(id(test))


def rerun_alone(
    workers: Workers,
    tests: Sequence[unittest.TestCase],
    worker_of: Callable[[unittest.TestCase], int | None],
) -> list[Retried]:
    """Run each of ``tests`` in a new worker of its own, as many at once as
    the run had workers, each on a database copy of the run."""
    retried: list[Retried] = []
    width = max(1, workers.processes)
    for start in range(0, len(tests), width):
        batch = list(tests[start : start + width])
        outcomes = _run_batch(workers, batch)
        retried += [
            Retried(test.id(), worker_of(test), _outcome(outcomes, test))
            for test in batch
        ]
    return retried


def _run_batch(workers: Workers, batch: list) -> _Outcomes:
    from django.db import connections

    slots = range(1, len(batch) + 1)
    timeout = workers.timeout or TRY_TIMEOUT
    # Buffered: what the test prints was shown by the run already.
    plans = [
        replace(workers.plan(slot), buffer=True, failfast=False, timeout=timeout)
        for slot in slots
    ]
    supervisor = AloneSupervisor(
        workers.context,
        plans,
        timeout=timeout,
        max_restarts=workers.max_restarts,
        fork_guard=workers.fork_guard,
        timeline=workers.timeline.lanes("rerun") if workers.timeline else None,
    )
    test_lists = {task_id: [test] for task_id, test in enumerate(batch)}
    schedule = PinnedSchedule(
        {
            slot: Task(task_id, pickle.dumps(test_lists[task_id]))
            for slot, task_id in zip(slots, test_lists, strict=True)
        }
    )
    outcomes = _Outcomes()
    connections.close_all()
    supervisor.run(
        schedule, test_lists, Replayer(outcomes, test_lists), workers.databases
    )
    return outcomes


def _outcome(outcomes: _Outcomes, test: unittest.TestCase) -> str:
    def of(entry) -> bool:
        return entry is test or getattr(entry, "test_case", None) is test

    if any(of(entry) for entry, _ in outcomes.failures):
        return "failed"
    if any(of(entry) for entry, _ in outcomes.errors):
        return "error"
    if any(of(entry) for entry in outcomes.unexpectedSuccesses):
        return "unexpected success"
    for holder, _ in outcomes.errors:
        target = fixture_target(str(getattr(holder, "description", "")))
        if target and covers(target, test.id()):
            return "error"  # In its class or module fixture.
    if id(test) in outcomes.passed:
        return "passed"
    return "skipped"


def try_failures_alone(
    workers: Workers,
    result: unittest.TestResult,
    cap: int,
    announce: Callable[[str], None] = lambda line: None,
) -> list[str]:
    """The report's lines (none when there is nothing to say) after trying
    the failed tests of ``result`` alone, when the run had at most ``cap``
    failures and errors, as its summary counts them (``announce`` says so
    first: it takes a few seconds). A test whose worker was ended for
    running too long is not tried: it would take as long again. A try that
    cannot be made steps aside in one line; the run goes on to its end."""
    problems = len(result.failures) + len(result.errors)
    problems += len(result.unexpectedSuccesses)
    tests = failed_tests(result)
    if not tests or cap <= 0:
        return []
    if problems > cap:
        return [
            f"django-parallel: {problems} tests failed; failures are run again "
            f"alone only when at most {cap} fail (--rerun-failures N to raise it)."
        ]
    timed_out = workers.replayer.timed_out if workers.replayer else set()
    slow = [test for test in tests if id(test) in timed_out]
    tests = [test for test in tests if id(test) not in timed_out]
    lines = []
    if tests:
        announce(
            f"django-parallel: running the {len(tests)} failed test(s) again, "
            "each alone in a new worker (--no-rerun-failures to skip this)..."
        )
        worker_of = getattr(result, "worker_of", lambda test: None)
        try:
            lines = report_lines(rerun_alone(workers, tests, worker_of))
        except (RunnerError, OSError, pickle.PicklingError) as exc:
            lines = [
                "django-parallel: warning: the failures could not be run again "
                f"alone ({first_line(exc)}); the run's result stands."
            ]
    if slow:
        lines.append(
            f"Not run again ({len(slow)}): timed out in the run, and would take "
            "as long again."
        )
    return lines


def report_lines(retried: Sequence[Retried]) -> list[str]:
    """What the report says of the tries: how many failures happened again
    alone and, for each that did not, how to find what it depends on."""
    if not retried:
        return []
    gone = [r for r in retried if not r.reproduced]
    again = len(retried) - len(gone)
    lines = [
        f"Failures run again, each alone in a new worker: {again} of "
        f"{len(retried)} failed again."
    ]
    if gone:
        lines.append(
            f"Not reproduced alone ({len(gone)}): failed in the run but not "
            "alone, so another test of the run is the likely cause (the run "
            "still fails):"
        )
    for item in gone:
        where = f" (worker {item.worker})" if item.worker is not None else ""
        lines.append(f"  {item.test_id}{where}: {item.outcome} alone")
        if item.worker is not None:
            lines.append(f"    replay: {replay_command(str(item.worker))}")
        lines.append(f"    bisect: {bisect_command(item.test_id)}")
    return lines
