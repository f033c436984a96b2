"""``--shard K/N``: the split on its own (pure, fast), and real shard runs of
the ``shards`` project, whose known suite has 14 classes and 28 tests, under
spawn, forkserver and fork, merged back with ``python -m django_parallel
durations merge``."""

import json
import random
import re
import shutil
import sys
import types
import unittest
from pathlib import Path
from xml.etree import ElementTree

from support import ProjectTestCase

from django_parallel.errors import RunnerError
from django_parallel.shard_records import merge_records
from django_parallel.sharding import (
    CI_VARIABLES,
    ShardRequest,
    parse_shard,
    plan_shards,
    select_shard,
    shard_from_ci,
    split,
)

# The suite of tests/projects/shards, by class, with its test counts.
CLASSES = {
    "library.tests.test_catalog.ShelfTests": 3,
    "library.tests.test_catalog.LoanTests": 2,
    "library.tests.test_catalog.AuthorTests": 4,
    "library.tests.test_catalog.GenreTests": 1,
    "library.tests.test_catalog.IsbnTests": 2,
    "library.tests.test_stock.StockTests": 2,
    "library.tests.test_stock.OrderTests": 3,
    "library.tests.test_stock.ReturnTests": 1,
    "library.tests.test_plain.TitleTests": 2,
    "library.tests.test_plain.SlugTests": 3,
    "library.tests.test_plain.ClockTests": 1,
    "library.tests.test_plain.MathTests": 2,
    # One module fixture (setUpModule) for both.
    "library.tests.test_fixtures.FirstFixtureTests": 1,
    "library.tests.test_fixtures.SecondFixtureTests": 1,
}
TESTS = sum(CLASSES.values())
# A planted record: seconds per class, chosen unlike the test counts so a
# split by counts would not balance them.
PLANTED = dict(
    zip(sorted(CLASSES), [8, 7, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 1], strict=True)
)
SHARD_LINE = re.compile(
    r"^Shard (\d+)/(\d+)(?: \(from [^)]*\))?: (\d+) test\(s\) in (\d+) of (\d+) "
    r"class\(es\), split by (recorded durations|test counts) \(split (\w+)\)\.$",
    re.MULTILINE,
)
CI_NAMES = {name for _, index, total, _ in CI_VARIABLES for name in (index, total)}


class FakeTest(unittest.TestCase):
    """Stands for a test of class ``key``: plan_shards reads only the class."""

    def runTest(self):
        pass


def tests_of(counts: dict[str, int]) -> list:
    tests = []
    for key, count in counts.items():
        module, _, name = key.rpartition(".")
        cls = type(name, (FakeTest,), {"__module__": module, "__qualname__": name})
        tests.extend(cls() for _ in range(count))
    return tests


class ParseTests(unittest.TestCase):
    def test_k_of_n(self):
        self.assertEqual(parse_shard("2/4"), ShardRequest(2, 4))
        self.assertEqual(parse_shard(" 1 / 1 "), ShardRequest(1, 1))
        self.assertEqual(parse_shard("3/4").name, "shard-3-of-4")

    def test_bad_values(self):
        for text in ("0/4", "5/4", "2", "a/b", "-1/2", "2/0", ""):
            with self.subTest(text=text), self.assertRaises(RunnerError) as caught:
                parse_shard(text)
            self.assertIn(repr(text), str(caught.exception))

    def test_gitlab_counts_from_one(self):
        request = shard_from_ci({"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "4"})
        self.assertEqual((request.index, request.total), (2, 4))
        self.assertIn("GitLab", request.source)

    def test_gitlab_job_without_parallel_is_the_whole_suite(self):
        # GitLab sets CI_NODE_TOTAL=1 and no index on every other job.
        request = shard_from_ci({"CI_NODE_TOTAL": "1"})
        self.assertEqual((request.index, request.total), (1, 1))

    def test_circleci_and_buildkite_count_from_zero(self):
        for index, total in (
            ("CIRCLE_NODE_INDEX", "CIRCLE_NODE_TOTAL"),
            ("BUILDKITE_PARALLEL_JOB", "BUILDKITE_PARALLEL_JOB_COUNT"),
        ):
            with self.subTest(index):
                request = shard_from_ci({index: "0", total: "3"})
                self.assertEqual((request.index, request.total), (1, 3))
                request = shard_from_ci({index: "2", total: "3"})
                self.assertEqual((request.index, request.total), (3, 3))
                with self.assertRaises(RunnerError):
                    shard_from_ci({index: "3", total: "3"})

    def test_no_or_bad_variables(self):
        for environ in (
            {},
            {"CI_NODE_INDEX": "1"},
            {"CI_NODE_INDEX": "x", "CI_NODE_TOTAL": "2"},
            {"CIRCLE_NODE_INDEX": "", "CIRCLE_NODE_TOTAL": "2"},
        ):
            with self.subTest(environ=environ), self.assertRaises(RunnerError):
                shard_from_ci(environ)


class SplitTests(unittest.TestCase):
    def test_every_unit_in_exactly_one_shard_and_balanced(self):
        rng = random.Random(5)
        for _ in range(200):
            estimates = {
                f"app.tests.C{i}": rng.lognormvariate(0, 1.5)
                for i in range(rng.randint(0, 60))
            }
            total = rng.randint(1, 8)
            shards = split(estimates, total)
            self.assertEqual(set(shards), set(estimates))
            self.assertTrue(set(shards.values()) <= set(range(1, total + 1)))
            loads = [0.0] * total
            for key, shard in shards.items():
                loads[shard - 1] += estimates[key]
            # Longest first onto the least loaded: no shard ends more than
            # one unit above the least loaded one.
            if estimates:
                biggest = max(estimates.values())
                self.assertLessEqual(max(loads) - min(loads), biggest + 1e-9)

    def test_the_same_split_whatever_the_order(self):
        rng = random.Random(7)
        estimates = {f"m.C{i}": float(rng.randint(1, 5)) for i in range(40)}
        expected = split(estimates, 4)
        for _ in range(20):
            keys = list(estimates)
            rng.shuffle(keys)
            self.assertEqual(split({k: estimates[k] for k in keys}, 4), expected)

    def test_classes_recorded_as_taking_no_time_still_spread(self):
        sizes = {f"m.C{i}": 1 + i % 3 for i in range(8)}
        shards = split(dict.fromkeys(sizes, 0.0), 4, sizes)
        tests = [
            sum(n for k, n in sizes.items() if shards[k] == s) for s in (1, 2, 3, 4)
        ]
        self.assertLessEqual(max(tests) - min(tests), 1, tests)

    def test_plan_by_record_then_by_test_count(self):
        tests = tests_of(CLASSES)
        plan = plan_shards(tests, ShardRequest(1, 2), PLANTED)
        self.assertTrue(plan.recorded)
        self.assertEqual(plan.load(1), plan.load(2))
        unrecorded = plan_shards(tests, ShardRequest(1, 2), {})
        self.assertFalse(unrecorded.recorded)
        self.assertEqual(
            unrecorded.estimates, {k: float(n) for k, n in CLASSES.items()}
        )
        self.assertEqual(unrecorded.load(1), unrecorded.load(2))

    def test_a_nonsense_record_counts_as_no_record(self):
        tests = tests_of(CLASSES)
        nonsense = dict.fromkeys(CLASSES, float("nan"))
        nonsense[next(iter(CLASSES))] = -5.0
        plan = plan_shards(tests, ShardRequest(1, 2), nonsense)
        self.assertFalse(plan.recorded)
        self.assertEqual(plan.shards, plan_shards(tests, ShardRequest(1, 2), {}).shards)

    def test_selection_keeps_order_and_whole_classes(self):
        tests = tests_of(CLASSES)
        chosen = []
        for index in (1, 2, 3):
            plan = plan_shards(tests, ShardRequest(index, 3), PLANTED)
            mine = select_shard(tests, plan)
            self.assertEqual(mine, [t for t in tests if t in mine])
            chosen.extend(mine)
        self.assertEqual(sorted(map(id, chosen)), sorted(map(id, tests)))

    def test_each_failed_import_is_its_own_unit(self):
        loader = unittest.TestLoader()
        failed = [
            next(iter(loader.loadTestsFromName(name)))
            for name in ("no_such_module_a", "no_such_module_b")
        ]
        self.assertIs(type(failed[0]), type(failed[1]))
        plan = plan_shards(failed, ShardRequest(1, 2), {})
        self.assertEqual(sorted(plan.shards.values()), [1, 2])


class ModuleFixtureTests(unittest.TestCase):
    """The classes of a module with setUpModule go to one shard together."""

    def setUp(self):
        self.module = types.ModuleType("dp_fixture_module")
        self.module.setUpModule = lambda: None
        sys.modules[self.module.__name__] = self.module
        self.addCleanup(sys.modules.pop, self.module.__name__)

    def test_together(self):
        counts = {f"dp_fixture_module.C{i}": 1 for i in range(4)}
        counts.update({f"elsewhere.D{i}": 1 for i in range(4)})
        tests = tests_of(counts)
        plan = plan_shards(tests, ShardRequest(1, 4), {})
        fixture_shards = {s for k, s in plan.shards.items() if k.startswith("dp_")}
        self.assertEqual(len(fixture_shards), 1)
        self.assertEqual(sorted(plan.shards), sorted(counts))
        # The four others fill the three other shards.
        self.assertEqual(len(set(plan.shards.values())), 4)
        del self.module.setUpModule
        plan = plan_shards(tests, ShardRequest(1, 4), {})
        fixture_shards = {s for k, s in plan.shards.items() if k.startswith("dp_")}
        self.assertEqual(len(fixture_shards), 4)


class MergeTests(unittest.TestCase):
    def setUp(self):
        import tempfile

        self.dir = Path(tempfile.mkdtemp(prefix="dp-merge-"))
        self.addCleanup(__import__("shutil").rmtree, self.dir, ignore_errors=True)

    def write(self, name, classes, shard=None):
        path = self.dir / name
        data = {"version": 1, "classes": classes, "bins": {}}
        if shard:
            data["shard"] = shard
        path.write_text(json.dumps(data))
        return str(path)

    def test_blends_like_a_run(self):
        into = self.write("durations.json", {"a.A": 4.0, "a.B": 2.0})
        one = self.write(
            "one.json", {"a.A": 2.0}, {"index": 1, "total": 2, "split": "x"}
        )
        two = self.write(
            "two.json", {"a.C": 3.0, "a.B": 1.0}, {"index": 2, "total": 2, "split": "x"}
        )
        result = merge_records([one, two], into)
        self.assertEqual(result.warnings, [])
        self.assertEqual((result.files, result.classes), (2, 3))
        classes = json.loads(Path(into).read_text())["classes"]
        self.assertEqual(classes, {"a.A": 3.0, "a.B": 1.5, "a.C": 3.0})

    def test_a_class_in_several_files_counts_with_its_mean(self):
        into = str(self.dir / "new" / "durations.json")
        merge_records(
            [self.write("x.json", {"a.A": 1.0}), self.write("y.json", {"a.A": 3.0})],
            into,
        )
        self.assertEqual(json.loads(Path(into).read_text())["classes"], {"a.A": 2.0})

    def test_warns_when_the_files_are_not_one_split(self):
        into = str(self.dir / "durations.json")
        one = {"index": 1, "total": 3, "split": "x"}
        files = [self.write("1.json", {"a.A": 1.0}, one)]
        files.append(self.write("1b.json", {"a.B": 1.0}, one))
        warnings = merge_records(files, into).warnings
        self.assertEqual(len(warnings), 2, warnings)
        self.assertIn("shard(s) 2, 3 of 3", warnings[0])
        self.assertIn("more than one file from shard(s) 1", warnings[1])
        other = self.write(
            "2.json", {"a.C": 1.0}, {"index": 2, "total": 3, "split": "y"}
        )
        warnings = merge_records([files[0], other], into).warnings
        self.assertEqual(len(warnings), 1, warnings)
        self.assertIn("not split alike", warnings[0])

    def test_bad_files(self):
        into = str(self.dir / "durations.json")
        bad = self.dir / "bad.json"
        for content in (
            "not json",
            "[]",
            "{}",
            '{"classes": {"a.A": "slow"}}',
            '{"classes": {"a.A": NaN}}',
            '{"classes": {"a.A": -1}}',
        ):
            bad.write_text(content)
            with (
                self.subTest(content=content),
                self.assertRaises(RunnerError) as caught,
            ):
                merge_records([str(bad)], into)
            self.assertIn("is not a durations record", str(caught.exception))
        with self.assertRaises(RunnerError) as caught:
            merge_records([str(self.dir / "missing.json")], into)
        self.assertIn("cannot read", str(caught.exception))
        good = self.write("durations.json", {"a.A": 1.0})
        with self.assertRaises(RunnerError):
            merge_records([good], good)


class ShardProjectTestCase(ProjectTestCase):
    """Real shard runs of the shards project."""

    project = "shards"

    def environment(self, mode="runner", env=None):
        # The suite may itself run in a CI job that sets these.
        environ = super().environment(mode)
        for name in CI_NAMES:
            environ.pop(name, None)
        environ.update(env or {})
        return environ

    @property
    def record_dir(self) -> Path:
        return self.project_dir / ".django_parallel"

    def shard_file(self, index, total) -> dict:
        path = self.record_dir / f"durations-shard-{index}-of-{total}.json"
        return json.loads(path.read_text())

    def run_shard(self, *args, env=None):
        run = self.run_tests(*args, env=env)
        self.assertExit(run, 0)
        lines = SHARD_LINE.findall(run.stdout)
        self.assertEqual(len(lines), 1, run.describe())
        return run, lines[0]

    def assertExactCover(self, total, runs) -> None:
        """The shards' classes are the suite's, each once, and their tests
        add up to the suite's."""
        seen = []
        for index in range(1, total + 1):
            shard = self.shard_file(index, total)
            self.assertEqual(shard["shard"]["index"], index)
            # Every class planned for the shard ran (and was measured).
            self.assertEqual(sorted(shard["classes"]), shard["shard"]["planned"])
            seen.extend(shard["shard"]["planned"])
        self.assertEqual(sorted(seen), sorted(CLASSES))
        self.assertEqual(sum(run.summary["passed"] for run, _ in runs), TESTS)
        # Every job split alike.
        self.assertEqual(len({line[-1] for _, line in runs}), 1)


class BalancedShardsTests(ShardProjectTestCase):
    """Each class in exactly one shard, balanced by the record, which the
    shards leave alone; each shard's own file, and the merge."""

    def test_shards_cover_the_suite_once_balanced_by_the_record(self):
        whole = self.run_tests()
        self.assertExit(whole, 0)
        self.assertCounts(whole, passed=TESTS)
        recorded = json.loads((self.record_dir / "durations.json").read_text())
        self.assertEqual(sorted(recorded["classes"]), sorted(CLASSES))
        planted = json.dumps({"version": 1, "classes": PLANTED, "bins": {}})
        (self.record_dir / "durations.json").write_text(planted)

        methods = ["spawn", "forkserver", "fork", "spawn"]
        for total in (4, 2):
            with self.subTest(total=total):
                runs = []
                for index in range(1, total + 1):
                    args = [f"--shard={index}/{total}"]
                    if total == 4:
                        # --parallel inside a shard, each start method.
                        args += [
                            "--parallel",
                            "2",
                            "--start-method",
                            methods[index - 1],
                        ]
                    else:
                        # Each shard writes a JUnit file of its own.
                        args += ["--junit-xml", "reports/junit.xml"]
                    run, line = self.run_shard(*args)
                    self.assertEqual(line[:2], (str(index), str(total)))
                    self.assertEqual(line[5], "recorded durations")
                    runs.append((run, line))
                self.assertExactCover(total, runs)
                loads = [
                    sum(
                        PLANTED[k]
                        for k in self.shard_file(i, total)["shard"]["planned"]
                    )
                    for i in range(1, total + 1)
                ]
                self.assertLessEqual(max(loads), 1.1 * min(loads), loads)
                # Shards leave the record every job splits from as it was.
                self.assertEqual(
                    (self.record_dir / "durations.json").read_text(), planted
                )

        reports = sorted((self.project_dir / "reports").glob("*.xml"))
        self.assertEqual(
            [p.name for p in reports],
            ["junit-shard-1-of-2.xml", "junit-shard-2-of-2.xml"],
        )
        cases = [ElementTree.parse(p).findall(".//testcase") for p in reports]
        self.assertEqual(sum(map(len, cases)), TESTS)
        shutil.rmtree(self.project_dir / "reports")

        files = sorted(
            str(p) for p in self.record_dir.glob("durations-shard-*-of-4.json")
        )
        merge = self.run_command(
            [sys.executable, "-m", "django_parallel", "durations", "merge", *files]
        )
        self.assertExit(merge, 0)
        self.assertEqual(merge.stderr, "")
        self.assertIn("Merged 14 class(es) from 4 file(s)", merge.stdout)
        merged = json.loads((self.record_dir / "durations.json").read_text())
        measured = {}
        for path in files:
            measured.update(json.loads(Path(path).read_text())["classes"])
        for key in CLASSES:
            # Half way from the record to what the shards measured.
            expected = PLANTED[key] + 0.5 * (measured[key] - PLANTED[key])
            self.assertAlmostEqual(merged["classes"][key], expected, places=3)
        self.assertNothingLeft()


class ShardRunTests(ShardProjectTestCase):
    """The CI variables, module fixtures, empty shards and bad input."""

    def test_bare_shard_reads_the_ci_variables(self):
        # No record yet: split by test counts. CircleCI counts from 0,
        # GitLab from 1.
        circle = {"CIRCLE_NODE_INDEX": "0", "CIRCLE_NODE_TOTAL": "2"}
        gitlab = {"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "2"}
        runs = []
        for index, env in ((1, circle), (2, gitlab)):
            run, line = self.run_shard("--shard", env=env)
            self.assertEqual(line[:2], (str(index), "2"), run.describe())
            self.assertEqual(line[5], "test counts")
            runs.append((run, line))
        self.assertExactCover(2, runs)
        self.assertEqual(runs[0][0].summary["passed"], TESTS // 2)
        self.assertFalse((self.record_dir / "durations.json").exists())
        self.assertNothingLeft()

    def test_a_failing_module_fixture_counts_once(self):
        # Split by test counts (no record yet), the two classes under the
        # fixture would go to different shards if split apart.
        env = {"DP_FAIL_MODULE_FIXTURE": "1"}
        counts = {"passed": 0, "errors": 0}
        for index in (1, 2):
            run = self.run_tests(f"--shard={index}/2", env=env)
            self.assertIn(run.returncode, (0, 1), run.describe())
            for key in counts:
                counts[key] += run.summary[key]
        whole = self.run_tests(env=env)
        self.assertExit(whole, 1)
        self.assertCounts(whole, passed=TESTS - 2, errors=1)
        self.assertEqual(counts, {"passed": TESTS - 2, "errors": 1})
        self.assertNothingLeft()

    def test_a_shard_with_no_classes_passes(self):
        run, line = self.run_shard("--shard=15/15")
        self.assertEqual(line[2:5], ("0", "0", str(len(CLASSES))))
        self.assertCounts(run)
        shard = self.shard_file(15, 15)
        self.assertEqual((shard["classes"], shard["shard"]["planned"]), ({}, []))
        self.assertNothingLeft()

    def test_bad_shards_are_one_line(self):
        run = self.run_tests("--shard", "3/2", mode="app")
        self.assertOneLineError(run, "argument --shard: ")
        self.assertIn("'3/2'", run.stderr)
        run = self.run_tests("--shard")
        self.assertOneLineError(run, "--shard without K/N reads the CI system's")
        run = self.run_tests(
            "--shard", env={"CIRCLE_NODE_INDEX": "2", "CIRCLE_NODE_TOTAL": "2"}
        )
        self.assertOneLineError(run, "the index counts from 0")
        merge = self.run_command(
            [
                sys.executable,
                "-m",
                "django_parallel",
                "durations",
                "merge",
                "nothing.json",
            ]
        )
        self.assertOneLineError(merge, "cannot read nothing.json")
        self.assertNothingLeft()
