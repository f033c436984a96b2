"""The parent's side of the protocol on its own: events fed to a ``Replayer``
end up on an ordinary unittest result as a serial run would put them, and
the worker's pieces that need no process (output read from files, what a
BaseException becomes). No subprocess: these run in milliseconds."""

import io
import os
import tempfile
import unittest

from django_parallel.parallel.events import (
    ContextError,
    ContextSkipped,
    Outcome,
    Output,
    SubTestOutcome,
    TaskDone,
    TestOutcome,
    TestStarted,
    TestStopped,
)
from django_parallel.parallel.replay import Replayer
from django_parallel.parallel.worker import (
    DescriptorOutput,
    EventResult,
    RaisedBaseException,
    guard_base_exceptions,
)
from django_parallel.reporting import TestResult


def make_class(name, **methods):
    """A TestCase class the loader of this module does not collect."""
    return type(name, (unittest.TestCase,), {"__module__": __name__, **methods})


def sample_tests():
    cls = make_class(
        "Sample",
        test_a=lambda self: None,
        test_b=lambda self: None,
        test_c=lambda self: None,
    )
    return [cls("test_a"), cls("test_b"), cls("test_c")]


def text_result(verbosity=1):
    stream = io.StringIO()
    runner = unittest.TextTestRunner(stream=stream, verbosity=verbosity)
    return TestResult(runner.stream, True, verbosity), stream


def run_test(task, index, outcome, text=None, duration=0.5, **extra):
    """The events a worker sends for one test."""
    return [
        TestStarted(task, index),
        TestOutcome(task, index, outcome, text, **extra),
        TestStopped(task, index, duration),
    ]


class ReplayerTests(unittest.TestCase):
    def setUp(self):
        self.tests = {0: sample_tests(), 1: sample_tests()}

    def replay(self, events, result=None, slot=1):
        result = result or TestResult(io.StringIO(), True, 0)
        replayer = Replayer(result, self.tests)
        for event in events:
            replayer.handle(event, slot)
        return replayer, result

    def test_every_outcome_lands_on_its_test(self):
        events = [
            *run_test(0, 0, Outcome.SUCCESS),
            *run_test(0, 1, Outcome.FAILURE, "Traceback: AssertionError: no\n"),
            *run_test(0, 2, Outcome.ERROR, "Traceback: KeyError: 'x'\n"),
            *run_test(1, 0, Outcome.SKIP, reason="not here"),
            *run_test(1, 1, Outcome.EXPECTED_FAILURE, "Traceback: expected\n"),
            *run_test(1, 2, Outcome.UNEXPECTED_SUCCESS),
        ]
        _, result = self.replay(events)
        self.assertEqual(result.testsRun, 6)
        self.assertEqual(
            result.failures, [(self.tests[0][1], "Traceback: AssertionError: no\n")]
        )
        self.assertEqual(
            result.errors, [(self.tests[0][2], "Traceback: KeyError: 'x'\n")]
        )
        self.assertEqual(result.skipped, [(self.tests[1][0], "not here")])
        self.assertEqual(len(result.expectedFailures), 1)
        self.assertEqual(result.unexpectedSuccesses, [self.tests[1][2]])
        self.assertTrue(result.wasSuccessful() is False)

    def test_subtests_count_as_failures_or_errors_by_their_kind(self):
        events = [
            TestStarted(0, 0),
            SubTestOutcome(0, 0, "(i=1)", Outcome.FAILURE, "AssertionError: 1\n"),
            SubTestOutcome(0, 0, "(i=2)", Outcome.ERROR, "ValueError: 2\n"),
            TestOutcome(0, 0, Outcome.SUCCESS),
            TestStopped(0, 0, 0.1),
        ]
        _, result = self.replay(events)
        self.assertEqual(
            [str(test) for test, _ in result.failures], [f"{self.tests[0][0]} (i=1)"]
        )
        self.assertEqual([text for _, text in result.errors], ["ValueError: 2\n"])

    def test_class_fixture_errors_and_skips_are_not_tests(self):
        events = [
            ContextError(0, "setUpClass (sample.Sample)", "Traceback: boom\n"),
            ContextSkipped(1, "setUpClass (sample.Sample)", "no server"),
        ]
        _, result = self.replay(events, TestResult(io.StringIO(), True, 0))
        self.assertEqual(result.testsRun, 0)
        self.assertEqual(
            [(str(holder), text) for holder, text in result.errors],
            [("setUpClass (sample.Sample)", "Traceback: boom\n")],
        )
        self.assertEqual(len(result.skipped), 1)
        self.assertEqual(result.success_count, 0)

    def test_a_crash_is_the_running_tests_error_and_ends_it(self):
        replayer, result = self.replay([TestStarted(0, 1)])
        replayer.crashed(0, 1, "The worker process died\n", 2)
        self.assertEqual(
            result.errors, [(self.tests[0][1], "The worker process died\n")]
        )
        self.assertEqual(result.testsRun, 1)

    def test_task_seconds_add_up_per_class(self):
        replayer, _ = self.replay([TaskDone(0, 1.5), TaskDone(1, 2.0)])
        self.assertEqual(replayer.class_seconds, {f"{__name__}.Sample": 3.5})

    def test_durations_are_the_workers(self):
        result, _ = text_result()
        self.replay(run_test(0, 0, Outcome.SUCCESS, duration=4.25), result)
        self.assertEqual(result.collectedDurations, [(str(self.tests[0][0]), 4.25)])

    def test_failfast_stops_the_parents_result(self):
        result = unittest.TestResult()
        result.failfast = True
        self.replay(run_test(0, 0, Outcome.FAILURE, "AssertionError\n"), result)
        self.assertTrue(result.shouldStop)

    def test_unknown_event_is_refused(self):
        with self.assertRaises(TypeError):
            self.replay([Output(1, "stdout", "text\n")])

    def test_verbose_results_stand_on_their_tests_lines(self):
        # Two workers' tests interleaved: each outcome comes with its test's
        # description, whatever started in between.
        result, stream = text_result(verbosity=2)
        replayer = Replayer(result, self.tests)
        for event, slot in [
            (TestStarted(0, 0), 1),
            (TestStarted(1, 0), 2),
            (TestOutcome(0, 0, Outcome.FAILURE, "AssertionError\n"), 1),
            (TestStopped(0, 0, 0.1), 1),
            (TestOutcome(1, 0, Outcome.SUCCESS), 2),
            (TestStopped(1, 0, 0.1), 2),
        ]:
            replayer.handle(event, slot)
        lines = stream.getvalue().splitlines()
        self.assertEqual(len(lines), 2, stream.getvalue())
        self.assertRegex(lines[0], r"^test_a \(.*\) \[worker 1\] \.\.\. FAIL$")
        self.assertRegex(lines[1], r"^test_a \(.*\) \[worker 2\] \.\.\. ok$")


class DescriptorOutputTests(unittest.TestCase):
    """Output written to a worker's fds, read back from their files."""

    def setUp(self):
        handle, self.path = tempfile.mkstemp()
        os.close(handle)
        self.addCleanup(os.unlink, self.path)
        self.writer = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        self.reader = os.open(self.path, os.O_RDONLY)
        self.addCleanup(os.close, self.writer)
        self.addCleanup(os.close, self.reader)
        self.output = DescriptorOutput(3, {"stderr": self.reader})
        self.sent = []

    def forward(self, final=False):
        self.output.forward(self.sent.append, final)
        texts = [event.text for event in self.sent]
        self.assertTrue(all(event.slot == 3 for event in self.sent))
        self.sent.clear()
        return texts

    def test_whole_lines_then_the_rest_at_the_end(self):
        os.write(self.writer, b"one\ntw")
        self.assertEqual(self.forward(), ["one\n"])
        os.write(self.writer, b"o\nthree")
        self.assertEqual(self.forward(), ["two\n"])
        self.assertEqual(self.forward(final=True), ["three"])
        self.assertEqual(self.forward(final=True), [])

    def test_bytes_that_are_not_utf8_are_escaped(self):
        os.write(self.writer, b"caf\xc3\xa9 \xff\n")
        self.assertEqual(self.forward(), ["caf\u00e9 \\xff\n"])

    def test_a_huge_line_comes_in_chunks(self):
        os.write(self.writer, b"x" * (DescriptorOutput.CHUNK * 2 + 10) + b"\n")
        texts = self.forward()
        self.assertEqual(len(texts), 3)
        self.assertEqual("".join(texts), "x" * (DescriptorOutput.CHUNK * 2 + 10) + "\n")

    def test_what_was_there_before_the_worker_is_not_sent(self):
        os.write(self.writer, b"an earlier worker's log\n")
        output = DescriptorOutput(1, {"stderr": self.reader})
        output.forward(self.sent.append)
        self.assertEqual(self.sent, [])


class GuardTests(unittest.TestCase):
    """A test's BaseException becomes its error, reported with the
    original exception and traceback."""

    def test_base_exceptions_are_errors_and_the_run_goes_on(self):
        sent = []
        plan = type(
            "Plan",
            (),
            dict(
                buffer=False,
                failfast=False,
                timeout=None,
                log_file=os.devnull,
                debug_sql=False,
            ),
        )
        flag = type("Flag", (), {"is_set": lambda self: False})()
        result = EventResult(sent.append, plan, flag)

        def interrupt(self):
            raise KeyboardInterrupt

        def exit(self):
            raise SystemExit(3)

        raises = make_class(
            "Raises",
            test_interrupt=interrupt,
            test_exit=exit,
            test_after=lambda self: None,
        )
        tests = [raises("test_interrupt"), raises("test_exit"), raises("test_after")]
        result.index_of = {id(test): index for index, test in enumerate(tests)}
        for test in tests:
            guard_base_exceptions(test)
        unittest.TestSuite(tests).run(result)
        outcomes = [e for e in sent if isinstance(e, TestOutcome)]
        self.assertEqual(
            [(e.index, e.outcome) for e in outcomes],
            [(0, Outcome.ERROR), (1, Outcome.ERROR), (2, Outcome.SUCCESS)],
        )
        self.assertRegex(
            outcomes[0].text, r"raise KeyboardInterrupt\nKeyboardInterrupt\n$"
        )
        self.assertRegex(outcomes[1].text, r"\nSystemExit: 3\n$")
        for outcome in outcomes[:2]:
            self.assertNotIn(RaisedBaseException.__name__, outcome.text)
            self.assertNotIn("guarded", outcome.text)
