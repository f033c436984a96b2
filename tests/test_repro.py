"""Reproducing a parallel run's failure: the run record, --replay-worker,
--bisect and --pair on the ``polluted`` project, whose
``garden.tests.BedTests.test_f_victim`` passes alone and fails after
``test_c_drought`` (same class, so on the same worker whatever the
schedule); and the pure parts (record, search, command line) on their own."""

import json
import os
import shlex
import sys
import tempfile
import unittest

from test_parallel import ParallelTestCase

from django_parallel.discovery import iter_tests
from django_parallel.errors import RunnerError
from django_parallel.parallel.history import WorkerHistory
from django_parallel.repro import search
from django_parallel.repro.commands import command_arguments
from django_parallel.repro.modes import replay_hints
from django_parallel.repro.record import (
    Discovery,
    failure_ids,
    load_record,
    make_record,
    replay_sequence,
    save_record,
)
from django_parallel.repro.selection import select_tests

VICTIM = "garden.tests.BedTests.test_f_victim"
POLLUTER = "garden.tests.BedTests.test_c_drought"


class PollutedProject:
    project = "polluted"

    def record(self) -> dict:
        path = self.project_dir / ".django_parallel" / "workers.json"
        return json.loads(path.read_text())

    def replay_command_of(self, run) -> list[str]:
        """The command printed under the summary, to run as it is (a bare
        ``python`` is this interpreter)."""
        lines = run.stderr.splitlines()
        summary = max(i for i, line in enumerate(lines) if " passed, " in line)
        after = lines[summary + 1 :]
        self.assertTrue(after, run.describe())
        self.assertIn("To replay worker", after[0], run.describe())
        argv = shlex.split(after[1])
        self.assertIn("--replay-worker", argv, run.describe())
        if argv[0] == "python":
            argv[0] = sys.executable
        return argv


class ReplayTests(PollutedProject, ParallelTestCase):
    def test_replay_reproduces_under_every_start_method(self):
        for method in ("spawn", "forkserver", "fork"):
            with self.subTest(method):
                # No recorded durations: each run plans from test counts.
                durations = self.project_dir / ".django_parallel" / "durations.json"
                durations.unlink(missing_ok=True)
                # Seed 21 orders BedTests e, d, c (the polluter), b, f (the
                # victim), a: the replay must follow the record, not the
                # discovery order.
                seed = ["--shuffle", "21"] if method == "fork" else []
                run = self.run_parallel(*seed, start_method=method)
                self.assertExit(run, 1)
                self.assertCounts(
                    run, passed=13, failed=1, **({"seed": 21} if seed else {})
                )
                record = self.record()
                self.assertEqual(record["seed"], 21 if seed else None)
                failing = [f for f in record["failures"] if f["test"] == VICTIM]
                self.assertEqual(len(failing), 1, record)
                worker = failing[0]["worker"]
                ran = [
                    test
                    for process in record["workers"]
                    if process["worker"] == worker
                    for klass in process["classes"]
                    for test in klass["started"]
                ]
                self.assertIn(POLLUTER, ran)
                # Every test ran on exactly one worker, in the record.
                every = [
                    test
                    for process in record["workers"]
                    for klass in process["classes"]
                    for test in klass["started"]
                ]
                self.assertEqual(len(every), 14, record)
                self.assertEqual(len(set(every)), 14, record)

                argv = self.replay_command_of(run)
                self.assertEqual(argv[argv.index("--replay-worker") + 1], worker)
                replay = self.run_command(argv, env={"TMPDIR": str(self.tmp)})
                self.assertExit(replay, 1)
                upto = ran[: ran.index(VICTIM) + 1]
                self.assertCounts(replay, passed=len(upto) - 1, failed=1)
                if seed:
                    self.assertEqual(len(upto), 5, record)
                self.assertIn(
                    "FAIL: test_f_victim (garden.tests.BedTests", replay.stderr
                )
                # A replay leaves the record as it was, so it can be repeated.
                self.assertEqual(self.record(), record)
        # The failure depends on order: alone, the victim passes.
        alone = self.run_tests(VICTIM, env={"TMPDIR": str(self.tmp)})
        self.assertExit(alone, 0)
        self.assertNothingLeft()


class BisectPairTests(PollutedProject, ParallelTestCase):
    def test_bisect_and_pair_name_the_polluter(self):
        env = {"TMPDIR": str(self.tmp)}
        missing = self.run_tests("--bisect", VICTIM, env=env)
        self.assertOneLineError(missing, "run the tests with --parallel 2")

        run = self.run_parallel(start_method="fork")
        self.assertExit(run, 1)

        # From the record: the tests before the victim on its worker.
        bisect = self.run_tests("--bisect", VICTIM, env=env)
        self.assertExit(bisect, 0)
        self.assertIn(f"{VICTIM} alone: passes", bisect.stdout, bisect.describe())
        tried = [line for line in bisect.stdout.splitlines() if "  after " in line]
        self.assertGreaterEqual(len(tried), 3, bisect.describe())
        self.assertIn(f"Culprit: {POLLUTER} ", bisect.stdout, bisect.describe())

        # From a given order, two trials at a time.
        pair = self.run_tests(
            "--pair", VICTIM, "garden.tests.BedTests", "--parallel", "2", env=env
        )
        self.assertExit(pair, 0)
        verdicts = dict(
            line.strip().removeprefix("after ").rsplit(": ", 1)
            for line in pair.stdout.splitlines()
            if line.startswith("  after ")
        )
        expected = {
            f"garden.tests.BedTests.test_{name}": "passes"
            for name in ("a_dig", "b_sow", "d_weed", "e_mulch")
        }
        self.assertEqual(verdicts, {**expected, POLLUTER: "FAILS"}, pair.describe())
        self.assertIn(f"Culprit: {POLLUTER} ", pair.stdout)

        self.assertOneLineError(
            self.run_tests("--replay-worker", "9", env=env), "had no worker 9"
        )
        self.assertOneLineError(
            self.run_tests("--replay-worker", "1", "garden", env=env),
            "drop the test label(s) garden",
        )
        self.assertOneLineError(
            self.run_tests("--bisect", "garden.tests.Nope.test_x", env=env),
            "did not run in the last parallel run",
        )
        self.assertOneLineError(
            self.run_tests("--bisect", VICTIM, "--pair", VICTIM, env=env),
            "cannot be combined",
        )
        self.assertNothingLeft()


# The pure parts.


def history(*processes):
    """A WorkerHistory from (slot, [(class, [test ids])]) in order."""
    made = WorkerHistory()
    for slot, classes in processes:
        made.process_started(slot)
        for name, tests in classes:
            made.task_sent(slot, name, [f"{name}.{t}" for t in tests])
            for test in tests:
                made.test_started(slot, f"{name}.{test}")
    return made


class FakeTest:
    def __init__(self, test_id):
        self._id = test_id

    def id(self):
        return self._id


class Holder:
    """What unittest reports a class fixture error on."""

    def __init__(self, description):
        self.description = description


Holder.__name__ = "_ErrorHolder"


class FakeResult:
    def __init__(self, failures=(), errors=()):
        self.failures = [(t, "") for t in failures]
        self.errors = [(t, "") for t in errors]
        self.unexpectedSuccesses = []


class RecordTests(unittest.TestCase):
    def test_replay_stops_at_the_workers_last_failure(self):
        made = history(
            (1, [("a.A", ["t1", "t2"]), ("a.B", ["t1", "t2", "t3"])]),
            (2, [("a.C", ["t1"])]),
            (3, []),  # given nothing to run: not in the record
        )
        made.process_started(1)  # a replacement in slot 1
        made.task_sent(1, "a.D", ["a.D.t1"])
        made.test_started(1, "a.D.t1")
        # A failure run again later (alone) does not move it to that worker.
        made.task_sent(1, "a.B", ["a.B.t2"])
        made.test_started(1, "a.B.t2")
        result = FakeResult(failures=[FakeTest("a.B.t2"), FakeTest("a.A.t1")])
        record = make_record(made, result, 7, Discovery(("a",), None, None))
        self.assertEqual([p.worker for p in record.workers], ["1", "2", "1.1"])
        self.assertEqual(record.failing_workers(), ["1"])
        ids, last = replay_sequence(record, "1")
        self.assertEqual(ids, ["a.A.t1", "a.A.t2", "a.B.t1", "a.B.t2"])
        self.assertEqual(last, "a.B.t2")
        # A worker without failures replays everything it ran.
        self.assertEqual(replay_sequence(record, "1.1"), (["a.D.t1", "a.B.t2"], None))
        with self.assertRaisesRegex(RunnerError, "no worker 3"):
            replay_sequence(record, "3")

    def test_a_class_fixture_error_replays_through_its_class(self):
        made = history((1, [("a.A", ["t1"])]))
        made.task_sent(1, "a.B", ["a.B.t1", "a.B.t2"])  # setUpClass failed
        made.task_sent(1, "a.C", ["a.C.t1"])
        made.test_started(1, "a.C.t1")
        result = FakeResult(errors=[Holder("setUpClass (a.B)")])
        record = make_record(made, result, None, Discovery())
        self.assertEqual(failure_ids(result), ["setUpClass (a.B)"])
        self.assertEqual(record.failures[0].worker, "1")
        ids, _ = replay_sequence(record, "1")
        self.assertEqual(ids, ["a.A.t1", "a.B.t1", "a.B.t2"])

    def test_saved_and_loaded_alike_and_bad_records_are_one_line(self):
        made = history((1, [("a.A", ["t1"])]), (2, [("a.B", ["t1"])]))
        record = make_record(
            made, FakeResult([FakeTest("a.B.t1")]), 3, Discovery(("x",), "t*.py", ".")
        )
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, ".django_parallel", "workers.json")
            save_record(path, record)
            self.assertEqual(load_record(path), record)
            self.assertEqual(os.listdir(os.path.dirname(path)), ["workers.json"])
            with open(path, "w") as file:
                file.write('{"version": 99}')
            with self.assertRaisesRegex(RunnerError, "--parallel again"):
                load_record(path)
        with self.assertRaisesRegex(RunnerError, "--parallel 2 or more first"):
            load_record(os.path.join(directory, "missing.json"))

    def test_hints_name_each_failing_worker(self):
        made = history((1, [("a.A", ["t1"])]), (2, [("a.B", ["t1"])]))
        passing = make_record(made, FakeResult(), None, Discovery())
        self.assertEqual(replay_hints(passing), [])
        failing = make_record(made, FakeResult([FakeTest("a.B.t1")]), None, Discovery())
        lines = replay_hints(failing)
        self.assertEqual(len(lines), 2)
        self.assertIn("(a.B.t1)", lines[0])
        self.assertTrue(lines[1].endswith("--replay-worker 2"), lines)
        # Two failures: up to the later one in the worker's order.
        made = history((1, [("a.A", ["t1", "t2", "t3"])]))
        both = FakeResult([FakeTest("a.A.t3"), FakeTest("a.A.t2")])
        lines = replay_hints(make_record(made, both, None, Discovery()))
        self.assertIn("up to its last failure (a.A.t3)", lines[0])


class SelectionTests(unittest.TestCase):
    def test_tests_come_in_the_given_order_found_or_loaded_by_name(self):
        loader = unittest.TestLoader()
        found = list(iter_tests(loader.loadTestsFromTestCase(SearchTests)))
        ids = [
            f"{__name__}.CommandTests.test_only_the_options_that_choose_the_project_are_kept",
            found[1].id(),
            found[0].id(),
        ]
        chosen = select_tests(found, ids, loader)
        self.assertEqual([t.id() for t in chosen], ids)
        self.assertIs(chosen[1], found[1])
        with self.assertRaisesRegex(RunnerError, "cannot be found any more"):
            select_tests(found, [f"{__name__}.CommandTests.test_gone"], loader)

    def test_a_module_fixture_error_replays_through_the_modules_class(self):
        made = history((1, [("m.A", ["t1"]), ("n.B", ["t1"]), ("m.C", ["t1"])]))
        result = FakeResult(errors=[Holder("setUpModule (n)")])
        record = make_record(made, result, None, Discovery())
        self.assertEqual(replay_sequence(record, "1")[0], ["m.A.t1", "n.B.t1"])


class SearchTests(unittest.TestCase):
    """bisect and pair against a rule in place of test processes."""

    def polluted_by(self, *culprits):
        tried = []

        def attempt(before):
            tried.append(list(before))
            return all(c in before for c in culprits)

        return attempt, tried

    def test_bisect_names_the_one_culprit(self):
        tests = [f"t{i}" for i in range(11)]
        for culprit in tests:
            attempt, tried = self.polluted_by(culprit)
            said = []
            self.assertEqual(search.bisect("v", tests, attempt, said.append), culprit)
            self.assertEqual(tried[:2], [[], tests])
            self.assertIn(f"Culprit: {culprit} ", said[-1])

    def test_bisect_says_why_it_found_none(self):
        tests = ["t0", "t1", "t2", "t3"]
        for attempt, why in (
            (lambda before: True, "fails when it runs alone"),
            (lambda before: False, "passes after all of them"),
            (self.polluted_by("t0", "t3")[0], "both halves together"),
        ):
            said = []
            self.assertIsNone(search.bisect("v", tests, attempt, said.append))
            self.assertIn(why, said[-1])

    def test_pair_tries_each_test_once_after_alone(self):
        attempt, tried = self.polluted_by("t2")
        said = []
        found = search.pair(
            "v",
            ["t1", "t2", "v", "t2", "t3"],
            lambda orders: [attempt(o) for o in orders],
            said.append,
        )
        self.assertEqual(found, ["t2"])
        self.assertEqual(tried, [[], ["t1"], ["t2"], ["t3"]])
        self.assertIn("  after t2: FAILS", said)


class CommandTests(unittest.TestCase):
    def test_only_the_options_that_choose_the_project_are_kept(self):
        argv = [
            "test",
            "app",
            "--parallel",
            "4",
            "--settings",
            "proj.ci",
            "--pythonpath=src",
            "--debug-mode",
            "-k",
            "x",
        ]
        self.assertEqual(
            command_arguments(argv),
            ["test", "--settings", "proj.ci", "--pythonpath=src", "--debug-mode"],
        )


class CrashRecordTests(ParallelTestCase):
    """A worker killed inside a test: the record keeps the killed process's
    sequence apart from its replacement's, and the failure on the first."""

    project = "faults"

    def test_the_killed_process_is_the_one_to_replay(self):
        run = self.run_parallel(
            "catalogue.test_sigkill", "catalogue.test_ordinary", start_method="fork"
        )
        self.assertExit(run, 1)
        path = self.project_dir / ".django_parallel" / "workers.json"
        record = json.loads(path.read_text())
        killer = "catalogue.test_sigkill.SigkillFault.test_2_kills_itself"
        after = "catalogue.test_sigkill.SigkillFault.test_3_after"
        failures = {f["test"]: f["worker"] for f in record["failures"]}
        self.assertEqual(list(failures), [killer], record)
        started = {
            p["worker"]: [t for c in p["classes"] for t in c["started"]]
            for p in record["workers"]
        }
        worker = failures[killer]
        # The killed process ran nothing after the test that killed it; the
        # rest of its class ran on another process.
        self.assertEqual(started[worker][-1], killer, record)
        elsewhere = [w for w, tests in started.items() if after in tests]
        self.assertEqual(len(elsewhere), 1, record)
        self.assertNotEqual(elsewhere[0], worker, record)
        self.assertIn(f"--replay-worker {worker}\n", run.stderr)
        self.assertNothingLeft()
