"""Where the runner meets reproduction: the tests a replay or a trial runs,
the record a parallel run leaves with the commands printed under its
summary, and the ``--bisect``/``--pair`` searches, which run no tests in
this process."""

from __future__ import annotations

import logging
import sys

from django_parallel.discovery import TestDiscovery, iter_tests
from django_parallel.errors import RunnerError, first_line
from django_parallel.repro import commands, search
from django_parallel.repro.record import (
    Discovery,
    RunRecord,
    failure_ids,
    load_record,
    make_record,
    record_path,
    replay_sequence,
    save_record,
    sequence,
)
from django_parallel.repro.selection import select_tests
from django_parallel.repro.trials import Trials, rename_test_databases, write_result

# Workers whose replay command a failing run prints, at most.
SHOWN_WORKERS = 5


def check_exclusive(replay_worker, bisect, pair) -> None:
    given = [
        flag
        for flag, value in (
            ("--replay-worker", replay_worker),
            ("--bisect", bisect),
            ("--pair", pair),
        )
        if value is not None
    ]
    if len(given) > 1:
        raise RunnerError(f"{' and '.join(given)} cannot be combined; give one of them")


def _discover(runner, discovery: Discovery) -> list:
    found = TestDiscovery(
        runner.test_loader,
        pattern=discovery.pattern,
        top_level=discovery.top_level,
    ).load(list(discovery.labels) or ["."])
    return list(iter_tests(found))


def chosen_tests(runner, test_labels=None) -> list | None:
    """The tests of a replay or a trial, in their order; None otherwise."""
    if runner._trial is not None:
        spec = runner._trial
        rename_test_databases(spec.db_suffix)
        return select_tests(
            _discover(runner, spec.discovery), spec.tests, runner.test_loader
        )
    if runner.replay_worker is None:
        return None
    if test_labels:
        raise RunnerError(
            f"--replay-worker runs the tests the record names; drop the test "
            f"label(s) {' '.join(test_labels)}"
        )
    record = load_record(record_path())
    ids, failure = replay_sequence(record, str(runner.replay_worker))
    upto = f"up to its failure {failure}" if failure else "all of them"
    runner.log(
        f"Replaying worker {runner.replay_worker} of the last parallel run in "
        f"this process: its {len(ids)} test(s) in the order it ran them, {upto}."
    )
    return select_tests(_discover(runner, record.discovery), ids, runner.test_loader)


def after_run(runner, suite, result) -> None:
    """Once a run's summary is out: a parallel run writes its record and,
    when something failed, prints how to replay each failing worker; a
    trial writes its result for the process that started it."""
    if runner._trial is not None:
        write_result(runner._trial, failure_ids(result), result.testsRun)
        return
    try:
        record = run_record_of(runner, suite, result)
        if record is not None:
            _save_and_hint(record)
    except Exception as exc:
        # The record is a help, never a reason for a run to crash.
        runner.log(
            f"Could not record which worker ran what: {type(exc).__name__}: "
            f"{first_line(exc)}",
            logging.WARNING,
        )


def run_record_of(runner, suite, result) -> RunRecord | None:
    """The record of a finished parallel run (None for a serial one), made
    once and kept as ``runner.run_record``: the rerun report may want it
    before it is saved."""
    if runner.run_record is None:
        history = getattr(suite, "history", None)
        if history is not None and history.processes:
            runner.run_record = make_record(
                history,
                result,
                runner.shuffle_seed,
                getattr(runner, "_discovery", Discovery()),
            )
    return runner.run_record


def _save_and_hint(record: RunRecord) -> None:
    save_record(record_path(), record)
    lines = replay_hints(record)
    if lines:
        sys.stdout.flush()
        print("\n".join(lines), file=sys.stderr, flush=True)


def replay_hints(record: RunRecord) -> list[str]:
    workers = record.failing_workers()
    if not workers:
        return []
    lines = []
    for worker in workers[:SHOWN_WORKERS]:
        failures = [f.test for f in record.failures if f.worker == worker]
        last = replay_sequence(record, worker)[1] or failures[-1]
        which = "its failure" if len(failures) == 1 else "its last failure"
        lines.append(
            f"To replay worker {worker}'s tests in one process, in its order, "
            f"up to {which} ({last}):"
        )
        lines.append(f"  {commands.replay_command(worker)}")
    if len(workers) > SHOWN_WORKERS:
        lines.append(
            f"({len(workers) - SHOWN_WORKERS} more worker(s) had failures; "
            f"their numbers are in {record_path()})"
        )
    return lines


def repro_commands(record: RunRecord | None, test_id: str) -> list[str]:
    """The replay and bisect commands for a failing test of a parallel run
    (for the report of failures that do not reproduce alone)."""
    found = []
    worker = record.worker_of(test_id) if record is not None else None
    if worker is not None:
        found.append(commands.replay_command(worker))
    found.append(commands.bisect_command(test_id))
    return found


def run_search(runner, test_labels) -> int:
    """``--bisect`` or ``--pair``: 0 when a culprit is named, 1 otherwise."""
    target = runner.bisect if runner.bisect is not None else runner.pair
    discovery, candidates = _candidates(runner, target, test_labels)
    say = lambda line: print(line, flush=True)  # noqa: E731
    processes = runner.parallel if runner.pair is not None else 1
    with Trials(
        target, discovery, processes=processes, verbosity=runner.verbosity
    ) as trials:
        if runner.bisect is not None:
            found = search.bisect(target, candidates, trials.attempt, say)
            return 0 if found else 1
        culprits = search.pair(target, candidates, trials.attempt_each, say)
        return 0 if culprits else 1


def _candidates(runner, target: str, test_labels) -> tuple[Discovery, list[str]]:
    """What to try before ``target``: with labels, the tests they select in
    the run's order (for --bisect, those before it); without, the record of
    the last parallel run (--bisect: what ran before it on its worker;
    --pair: every test of the run)."""
    flag = "--bisect" if runner.bisect is not None else "--pair"
    if test_labels:
        discovery = Discovery(tuple(test_labels), runner.pattern, runner.top_level)
        saved = runner.parallel
        runner.parallel = 1
        try:
            ids = [test.id() for test in iter_tests(runner.build_suite(test_labels))]
        finally:
            runner.parallel = saved
        if runner.bisect is not None and target in ids:
            ids = ids[: ids.index(target)]
        return discovery, [test for test in ids if test != target]
    path = record_path()
    record = load_record(path)
    if runner.pair is not None:
        every = [test for process in record.workers for test in sequence(process)]
        if target not in every:
            raise _not_in_record(flag, target, path)
        return record.discovery, every
    worker = record.worker_of(target)
    if worker is None:
        raise _not_in_record(flag, target, path)
    ordered = sequence(record.worker(worker))
    return record.discovery, ordered[: ordered.index(target)]


def _not_in_record(flag: str, target: str, path: str) -> RunnerError:
    return RunnerError(
        f"{flag} {target}: that test did not run in the last parallel run "
        f"({path}); give its full id as the run printed it, or add test labels "
        f"to try the tests they select (e.g. {flag} {target} myapp)"
    )
