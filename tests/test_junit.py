"""--junit-xml PATH: the JUnit XML report of a run.

Every file a run writes is validated against the schema Jenkins' xunit
plugin reads (tests/schemas/junit-10.xsd) with xmlschema, and read back
with junitparser, whose counts must be the closing line's: failures are the
failed tests and subtests plus the unexpected successes, errors the errors,
skipped the skips plus the expected failures, and the cases without any of
those the passed tests.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import types
import unittest
from pathlib import Path

from support import IN_CI, OUTCOMES_TOTALS, Run

try:
    import junitparser
    import xmlschema
except ImportError:
    # A fresh checkout has only the package; CI installs the test extra.
    if IN_CI:
        raise
    raise unittest.SkipTest(
        "junitparser and xmlschema are not installed: "
        "python -m pip install -e '.[test]'"
    ) from None
from test_parallel import ParallelTestCase

from django_parallel.errors import RunnerError
from django_parallel.junit import target
from django_parallel.junit.paths import resolve_path, shard_path
from django_parallel.junit.recorder import CaseRecord, JUnitRecorder, Problem, names
from django_parallel.junit.writer import JUnitReport, counts, render, xml_text

SCHEMA = xmlschema.XMLSchema(str(Path(__file__).parent / "schemas" / "junit-10.xsd"))


def read_report(path: Path) -> junitparser.JUnitXml:
    """The file, checked against the schema, as junitparser reads it."""
    SCHEMA.validate(str(path))
    return junitparser.JUnitXml.fromfile(str(path))


def cases_of(report: junitparser.JUnitXml) -> dict[str, junitparser.TestCase]:
    return {f"{case.classname}.{case.name}": case for suite in report for case in suite}


class JUnitChecks:
    """Assertions on a report written by a run."""

    def assertMatchesSummary(self, run: Run, report: junitparser.JUnitXml) -> None:
        summary = run.summary
        self.assertIsNotNone(summary, run.describe())
        written = {
            "failures": report.failures,
            "errors": report.errors,
            "tests": report.tests,
        }
        # junitparser counts the cases again, one result element at a time.
        report.update_statistics()
        recounted = {
            "failures": report.failures,
            "errors": report.errors,
            "tests": report.tests,
        }
        self.assertEqual(written, recounted, run.describe())
        passed = sum(1 for suite in report for case in suite if not case.result)
        got = {
            "passed": passed,
            "failures": report.failures,
            "errors": report.errors,
            "skipped": report.skipped,
        }
        want = {
            "passed": summary["passed"],
            "failures": summary["failed"] + summary["unexpected_successes"],
            "errors": summary["errors"],
            "skipped": summary["skipped"] + summary["expected_failures"],
        }
        self.assertEqual(got, want, run.describe())


def definition_line(path: Path, pattern: str) -> int:
    """The line number of the first line of ``path`` matching ``pattern``."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if re.search(pattern, line):
            return number
    raise AssertionError(f"{pattern!r} not in {path}")


class OutcomesReportTests(JUnitChecks, ParallelTestCase):
    """Every outcome of the sample project's ``outcomes`` app, with --buffer,
    serially and in parallel under each start method."""

    project = "sample"

    def test_every_outcome_serial_and_parallel(self):
        report_path = self.workdir / "reports" / "junit.xml"
        tests_py = self.project_dir / "outcomes" / "tests.py"
        test_fail_line = definition_line(tests_py, r"def test_fail\b")
        fail_call = definition_line(tests_py, r"self\.fail\(")
        class_line = definition_line(tests_py, r"class BrokenSetUpClassTests\b")
        listed = {}
        for start_method in (None, "spawn", "forkserver", "fork"):
            with self.subTest(start_method=start_method or "serial"):
                if start_method is None:
                    # Serial, and the path from the settings key.
                    setting = {"DJANGO_PARALLEL": {"junit_xml": str(report_path)}}
                    run = self.run_tests(
                        "outcomes",
                        "--buffer",
                        env={
                            "TMPDIR": str(self.tmp),
                            "DP_SETTINGS_JSON": json.dumps(setting),
                        },
                    )
                else:
                    run = self.run_parallel(
                        "outcomes",
                        "--buffer",
                        "--junit-xml",
                        str(report_path),
                        start_method=start_method,
                    )
                self.assertExit(run, 1)
                self.assertCounts(run, **OUTCOMES_TOTALS)
                report = read_report(report_path)
                self.assertMatchesSummary(run, report)
                cases = cases_of(report)
                info = f"{run.describe()}\n--- report\n{report_path.read_text()}"
                # The same cases in the same order, however the run went.
                listed[start_method] = list(cases)
                self.assertEqual(listed[start_method], listed[None], info)

                failing = cases["outcomes.tests.FailingTests.test_fail"]
                (failure,) = failing.result
                self.assertIsInstance(failure, junitparser.Failure)
                self.assertEqual(failure.message, "this test fails on purpose", info)
                self.assertEqual(failure.type, "AssertionError", info)
                # The whole traceback, the test's own frame in it, and the
                # captured output apart from it.
                self.assertIn(
                    f"line {fail_call}, in test_fail\n    self.fail(", failure.text
                )
                self.assertNotIn("Stdout:", failure.text, info)
                self.assertIn("stdout from a failing test", failing.system_out, info)
                element = failing._elem
                self.assertEqual(element.get("file"), "outcomes/tests.py", info)
                self.assertEqual(element.get("line"), str(test_fail_line), info)
                self.assertRegex(element.get("time"), r"^\d+\.\d{3}$", info)

                erroring = cases["outcomes.tests.ErrorTests.test_error"]
                (error,) = erroring.result
                self.assertIsInstance(error, junitparser.Error)
                self.assertEqual(error.type, "ValueError", info)
                self.assertIn("in test_error", error.text, info)

                skip_case = cases["outcomes.tests.SkipTests.test_skipped"]
                (skipped,) = skip_case.result
                self.assertEqual(skipped.message, "skipped on purpose", info)
                if sys.version_info >= (3, 12, 1):
                    # Never started (unittest skips it before startTest), so
                    # it took no time, not the time since the last test.
                    self.assertEqual(skip_case._elem.get("time"), "0.000", info)

                # Subtests: the failing one is a case of its own, named as
                # unittest names it; the passing ones are not reported.
                subtest = cases["outcomes.tests.SubTestTests.test_subtests (value=2)"]
                self.assertIsInstance(subtest.result[0], junitparser.Failure, info)
                self.assertNotIn(
                    "outcomes.tests.SubTestTests.test_subtests (value=1)", cases
                )

                # A class fixture's error, on its class.
                fixture = cases["outcomes.tests.BrokenSetUpClassTests.setUpClass"]
                (fixture_error,) = fixture.result
                self.assertEqual(fixture_error.type, "RuntimeError", info)
                self.assertIn("setUpClass fails on purpose", fixture_error.text)
                self.assertEqual(fixture._elem.get("line"), str(class_line), info)

                xpass = cases[
                    "outcomes.tests.ExpectedFailureTests.test_unexpected_success"
                ]
                self.assertEqual(xpass.result[0].type, "UnexpectedSuccess", info)
                self.assertIn("JUnit XML report written to", run.stdout, info)

                shutil.rmtree(report_path.parent)
                self.assertNothingLeft()

    def test_bad_paths_are_one_line_errors(self):
        (self.workdir / "a_file").write_text("")
        for args, env, fragment in (
            (["--junit-xml", str(self.workdir)], {}, "names a directory"),
            (
                ["--junit-xml", str(self.workdir / "a_file" / "junit.xml")],
                {},
                "is a file, not a directory",
            ),
            (
                [],
                {"DP_SETTINGS_JSON": json.dumps({"DJANGO_PARALLEL": {"junit_xml": 3}})},
                "settings.DJANGO_PARALLEL['junit_xml'] expects the path",
            ),
        ):
            with self.subTest(fragment=fragment):
                run = self.run_tests("shop.tests.test_simple", *args, env=env)
                self.assertOneLineError(run, fragment)
        (self.workdir / "a_file").unlink()
        self.assertNothingLeft()

    def test_no_junit_xml_overrides_the_setting(self):
        report_path = self.workdir / "junit.xml"
        setting = {"DJANGO_PARALLEL": {"junit_xml": str(report_path)}}
        run = self.run_tests(
            "shop.tests.test_simple",
            "--no-junit-xml",
            env={"DP_SETTINGS_JSON": json.dumps(setting)},
        )
        self.assertExit(run, 0)
        self.assertFalse(report_path.exists(), run.describe())


class WorkerDeathReportTests(JUnitChecks, ParallelTestCase):
    """A worker killed in a test and one stopped by --timeout: each is an
    error on the test it was running, and the rest of its class is
    reported."""

    project = "faults"

    def test_crash_and_timeout_are_errors_on_their_tests(self):
        report_path = self.workdir / "junit.xml"
        for start_method in ("spawn", "fork"):
            with self.subTest(start_method=start_method):
                run = self.run_parallel(
                    "catalogue.test_sigkill",
                    "catalogue.test_hang_test",
                    "--timeout",
                    "2",
                    "--junit-xml",
                    str(report_path),
                    start_method=start_method,
                )
                self.assertExit(run, 1)
                self.assertCounts(run, passed=4, errors=2)
                report = read_report(report_path)
                self.assertMatchesSummary(run, report)
                cases = cases_of(report)
                info = f"{run.describe()}\n--- report\n{report_path.read_text()}"
                crash = cases["catalogue.test_sigkill.SigkillFault.test_2_kills_itself"]
                (crash_error,) = crash.result
                self.assertEqual(crash_error.type, "WorkerCrash", info)
                self.assertIn("killed by SIGKILL", crash_error.message, info)
                hang = cases["catalogue.test_hang_test.HangInTest.test_2_hangs"]
                (hang_error,) = hang.result
                self.assertEqual(hang_error.type, "WorkerTimeout", info)
                self.assertIn("--timeout", hang_error.message, info)
                # faulthandler's stack of the hung test is in the report.
                self.assertIn("in test_2_hangs", hang_error.text, info)
                self.assertEqual(hang._elem.get("file"), "catalogue/test_hang_test.py")
                self.assertIn(
                    "catalogue.test_sigkill.SigkillFault.test_3_after", cases, info
                )
                report_path.unlink()
                self.assertNothingLeft()


class WriterTests(unittest.TestCase):
    """The writer alone: what any report holds is valid, and counted."""

    def report(self, *cases: CaseRecord) -> bytes:
        return render(
            JUnitReport(
                name="django-parallel",
                cases=cases,
                seconds=1.5,
                timestamp="2026-12-02T23:00:00+00:00",
                hostname="ci",
            )
        )

    def parse(self, document: bytes) -> junitparser.JUnitXml:
        SCHEMA.validate(document.decode())
        return junitparser.JUnitXml.fromstring(document)

    def test_text_xml_cannot_hold_is_escaped(self):
        hostile = "colour \x1b[31mred\x1b[0m, nul \x00, surrogate \udc80, fine é"
        case = CaseRecord(
            "app.tests.T",
            f"test_{hostile}",
            problems=[Problem("failure", hostile, "E", hostile)],
            stdout=hostile,
            stderr=hostile,
        )
        report = self.parse(self.report(case))
        (parsed,) = (case for suite in report for case in suite)
        self.assertEqual(parsed.system_out, xml_text(hostile))
        self.assertIn("\\x1b[31mred", parsed.system_out)
        self.assertIn("\\udc80", parsed.result[0].message)
        self.assertIn("fine é", parsed.system_err)

    def test_counts_follow_the_problems(self):
        cases = (
            CaseRecord("a.T", "test_pass", passed=True),
            # A failure, then an error in tearDown: one case, both counted.
            CaseRecord(
                "a.T",
                "test_two",
                problems=[Problem("failure", "f"), Problem("error", "e")],
            ),
            CaseRecord("a.T", "test_skip", problems=[Problem("skipped", "why")]),
        )
        self.assertEqual(
            counts(cases), {"tests": 3, "failures": 1, "errors": 1, "skipped": 1}
        )
        report = self.parse(self.report(*cases))
        report.update_statistics()
        self.assertEqual(
            (report.tests, report.failures, report.errors, report.skipped),
            (3, 1, 1, 1),
        )

    def test_names_of_fixture_errors(self):
        holder = unittest.suite._ErrorHolder
        self.assertEqual(
            names(holder("setUpClass (app.tests.SomeTests)")),
            ("app.tests.SomeTests", "setUpClass"),
        )
        self.assertEqual(
            names(holder("setUpModule (app.tests)")), ("app.tests", "setUpModule")
        )
        self.assertEqual(
            names(holder("app.tests.SomeTests (its remaining tests did not run)")),
            ("app.tests.SomeTests", "its remaining tests did not run"),
        )
        self.assertEqual(
            names(holder("loading the tests")),
            ("loading the tests", "loading the tests"),
        )

    def test_names_of_tests_and_subtests(self):
        class Sample(unittest.TestCase):
            def test_it(self):
                pass

        test = Sample("test_it")
        classname = f"{__name__}.{Sample.__qualname__}"
        self.assertEqual(names(test), (classname, "test_it"))
        subtest = unittest.case._SubTest(test, "msg", {"i": 1})
        self.assertEqual(names(subtest), (classname, "test_it [msg] (i=1)"))


class RecorderTests(unittest.TestCase):
    """The recorder on a plain unittest result, running real tests here."""

    def record(self, *tests) -> list[CaseRecord]:
        recorder = JUnitRecorder(root=str(Path(__file__).parent))
        result = unittest.TestResult()
        recorder.observe(unittest.TestSuite(tests))(result)
        self.assertIsNone(recorder.broken)
        self.assertTrue(recorder.attached)
        return recorder.cases()

    def test_cases(self):
        class Sample(unittest.TestCase):
            def test_subtests_only(self):
                for i in range(3):
                    with self.subTest(i=i):
                        self.assertNotEqual(i, 1)

            def test_fails_then_teardown_errors(self):
                self.addCleanup(self.explode)
                self.fail("first")

            def explode(self):
                raise ValueError("then this")

            @unittest.skip("not today")
            def test_skipped(self):
                pass

            def test_passes(self):
                pass

        cases = self.record(
            *(
                Sample(name)
                for name in (
                    "test_subtests_only",
                    "test_fails_then_teardown_errors",
                    "test_skipped",
                    "test_passes",
                )
            )
        )
        found = {case.name: case for case in cases}
        self.assertEqual(
            sorted(found),
            [
                "test_fails_then_teardown_errors",
                "test_passes",
                "test_skipped",
                "test_subtests_only (i=1)",
            ],
        )
        both = found["test_fails_then_teardown_errors"]
        self.assertEqual([p.kind for p in both.problems], ["failure", "error"])
        self.assertEqual(
            [p.type for p in both.problems], ["AssertionError", "ValueError"]
        )
        self.assertEqual(found["test_skipped"].problems[0].message, "not today")
        self.assertTrue(found["test_passes"].passed)
        subtest = found["test_subtests_only (i=1)"]
        self.assertEqual(subtest.problems[0].kind, "failure")
        self.assertEqual(subtest.file, "test_junit.py")

    def test_captured_output_with_buffer(self):
        class Loud(unittest.TestCase):
            def test_loud(self):
                print("to stdout")
                sys.stderr.write("to stderr\n")
                raise RuntimeError("loud")

        recorder = JUnitRecorder()
        result = unittest.TestResult()
        result.buffer = True
        recorder.observe(unittest.TestSuite([Loud("test_loud")]))(result)
        (case,) = recorder.cases()
        self.assertEqual((case.stdout, case.stderr), ("to stdout\n", "to stderr\n"))
        self.assertNotIn("to stdout", case.problems[0].text)


class PathTests(unittest.TestCase):
    def test_shard_files(self):
        self.assertEqual(shard_path("/r/junit.xml", 1, 4), "/r/junit-shard-1-of-4.xml")
        self.assertEqual(shard_path("/r/report", 2, 2), "/r/report-shard-2-of-2.xml")

    def test_a_shard_writes_its_own_file(self):
        shard = types.SimpleNamespace(index=2, total=4)
        self.assertEqual(
            target("/r/junit.xml", shard),
            ("/r/junit-shard-2-of-4.xml", "django-parallel (shard 2 of 4)"),
        )
        self.assertEqual(target("/r/junit.xml"), ("/r/junit.xml", "django-parallel"))

    def test_resolve(self):
        self.assertIsNone(resolve_path(None))
        self.assertTrue(resolve_path("some/dir/junit.xml").endswith("junit.xml"))
        for bad in ("", "  ", 3, ["x"]):
            with self.subTest(bad=bad):
                with self.assertRaisesRegex(RunnerError, "expects the path"):
                    resolve_path(bad)
