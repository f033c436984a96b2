"""The test runner (django/test/runner.py's ``DiscoverRunner``).

``Runner`` keeps ``DiscoverRunner``'s public surface, so projects and Django's
own ``tests/runtests.py`` can use it, and subclasses can override the same
methods (``__init__``, ``add_arguments``, ``build_suite``, ``setup_databases``,
``get_resultclass``, ``get_test_runner_kwargs``, ``run_suite``, ``log`` and the
rest). The run itself flows one way: labels are discovered into a list of
tests, the list is filtered and ordered, the databases those tests need are
created, the tests run onto one unittest result, and a summary closes it.
"""

from __future__ import annotations

import contextlib
import datetime
import faulthandler
import gc
import io
import itertools
import logging
import os
import shutil
import sys
import tempfile
import time
import unittest

from django.core.management import call_command
from django.test import SimpleTestCase, TestCase
from django.test.utils import (
    NullTimeKeeper,
    TimeKeeper,
    setup_test_environment,
    teardown_test_environment,
)

from django_parallel import databases as db
from django_parallel import lastfailed
from django_parallel.class_timing import TimedSuite
from django_parallel.coverage_migrations import import_migrations
from django_parallel.discovery import (
    TestDiscovery,
    filter_by_tags,
    iter_tests,
    name_patterns,
)
from django_parallel.errors import RunnerError, exit_on_runner_error, first_line
from django_parallel.failed_tests import failed_ids
from django_parallel.interrupts import (
    EXIT_INTERRUPTED,
    Interrupts,
    exit_interrupted,
    signals_end_the_run,
)
from django_parallel.junit import JUnitRecorder, resolve_path, target, write_report
from django_parallel.options import (
    NOT_GIVEN,
    add_arguments,
    parse_parallel,
    project_defaults,
    rerun_cap,
)
from django_parallel.ordering import Shuffler, reorder_tests
from django_parallel.parallel.coverage_workers import coverage_plan
from django_parallel.parallel.lifecycle import Workers
from django_parallel.parallel.plan import (
    WorkerDatabases,
    WorkerPlan,
    capture_environment,
    capture_settings,
    modules_of_tests,
)
from django_parallel.parallel.rerun import try_failures_alone
from django_parallel.parallel.scheduling import (
    class_bins,
    class_key,
    durations_path,
    load_durations,
    save_durations,
)
from django_parallel.parallel.suite import ParallelTestSuite
from django_parallel.reporting import (
    DebugSQLPDBTestResult,
    DebugSQLTestResult,
    PDBTestResult,
    Summary,
    TestResult,
    TextTestRunner,
)
from django_parallel.repro.modes import (
    after_run,
    check_exclusive,
    chosen_tests,
    run_search,
)
from django_parallel.repro.record import Discovery
from django_parallel.repro.trials import take_spec
from django_parallel.shard_records import save_shard_durations, shard_durations_path
from django_parallel.sharding import (
    describe_shard,
    plan_shards,
    resolve_shard,
    select_shard,
)
from django_parallel.testcases import install_on_commit_capture
from django_parallel.timeline import TimelineRecorder, write_timeline


class Runner:
    """A drop-in replacement for Django's ``DiscoverRunner``."""

    test_suite = unittest.TestSuite
    parallel_test_suite = ParallelTestSuite
    test_runner = TextTestRunner
    test_loader = unittest.defaultTestLoader
    reorder_by = (TestCase, SimpleTestCase)

    def __init__(
        self,
        pattern=None,
        top_level=None,
        verbosity=1,
        interactive=True,
        failfast=NOT_GIVEN,
        keepdb=NOT_GIVEN,
        reverse=NOT_GIVEN,
        debug_mode=False,
        debug_sql=NOT_GIVEN,
        parallel=NOT_GIVEN,
        tags=None,
        exclude_tags=None,
        test_name_patterns=None,
        pdb=False,
        buffer=NOT_GIVEN,
        enable_faulthandler=True,
        timing=NOT_GIVEN,
        shuffle=NOT_GIVEN,
        logger=None,
        durations=NOT_GIVEN,
        start_method=NOT_GIVEN,
        timeout=NOT_GIVEN,
        max_restarts=NOT_GIVEN,
        db_cache=NOT_GIVEN,
        clear_db_cache=False,
        shard=None,
        junit_xml=NOT_GIVEN,
        replay_worker=None,
        bisect=None,
        pair=None,
        rerun_failures=NOT_GIVEN,
        last_failed=False,
        failed_first=NOT_GIVEN,
        timeline=NOT_GIVEN,
        **kwargs,
    ):
        with exit_on_runner_error():
            defaults = project_defaults()

            def pick(name, value):
                return defaults[name] if value is NOT_GIVEN else value

            self.pattern = pattern
            # Replaced by run_tests with the one it installs.
            self._interrupts = Interrupts()
            self.top_level = top_level
            self.verbosity = verbosity
            self.interactive = interactive
            self.failfast = bool(pick("failfast", failfast))
            self.keepdb = bool(pick("keepdb", keepdb))
            self.reverse = bool(pick("reverse", reverse))
            self.debug_mode = debug_mode
            self.debug_sql = bool(pick("debug_sql", debug_sql))
            self.parallel_request = parse_parallel(pick("parallel", parallel))
            # An int, as DiscoverRunner subclasses and runtests.py expect.
            self.parallel = self.parallel_request.resolve()
            self.tags = set(tags or ())
            self.exclude_tags = set(exclude_tags or ())
            self.pdb = pdb
            self.buffer = bool(pick("buffer", buffer))
            self.timing = bool(pick("timing", timing))
            # The test command times the whole run only for --timing; when
            # the setting asked for timings, the runner does it itself.
            self._times_whole_run = timing is NOT_GIVEN and self.timing
            self.time_keeper = TimeKeeper() if self.timing else NullTimeKeeper()
            self.test_name_patterns = name_patterns(test_name_patterns)
            shuffle = pick("shuffle", shuffle)
            # True (from settings) means "shuffle with a generated seed".
            self.shuffle = None if shuffle is True else shuffle
            self._shuffler = None
            self.logger = logger
            self.durations = pick("durations", durations)
            self.start_method = pick("start_method", start_method)
            self.timeout = pick("timeout", timeout)
            self.max_restarts = pick("max_restarts", max_restarts)
            self.db_cache = bool(pick("db_cache", db_cache))
            self.clear_db_cache = clear_db_cache
            # Settings only: bounds a team sets once, if ever.
            self.connect_timeout = defaults["connect_timeout"]
            self.boot_timeout = defaults["boot_timeout"]
            # A ShardRequest, or None to run every selected test.
            self.shard = resolve_shard(shard, os.environ)
            self.shard_plan = None
            self.junit_xml = resolve_path(
                pick("junit_xml", junit_xml),
                "--junit-xml"
                if junit_xml is not NOT_GIVEN
                else "settings.DJANGO_PARALLEL['junit_xml']",
            )
            self.timeline = resolve_path(
                pick("timeline", timeline),
                "--timeline"
                if timeline is not NOT_GIVEN
                else "settings.DJANGO_PARALLEL['timeline']",
                example="reports/timeline.html",
            )
            self._timeline = None
            # Reproducing a parallel run's failure (repro/modes.py).
            check_exclusive(replay_worker, bisect, pair)
            self.replay_worker, self.bisect, self.pair = replay_worker, bisect, pair
            self._trial = take_spec()
            self.run_record = None
            if self._trial is not None or replay_worker is not None:
                # A replay or a trial runs its tests in order, in one process.
                self.parallel = 1
            self.rerun_failures = rerun_cap(pick("rerun_failures", rerun_failures))
            self.last_failed = bool(last_failed)
            self.failed_first = bool(pick("failed_first", failed_first))
            if self.pdb and self.parallel > 1:
                raise RunnerError(
                    "--pdb needs the tests in this process; drop --pdb or run "
                    "with --parallel 1"
                )
        if enable_faulthandler and not faulthandler.is_enabled():
            try:
                faulthandler.enable(file=sys.stderr.fileno())
            except (AttributeError, io.UnsupportedOperation):
                faulthandler.enable(file=sys.__stderr__.fileno())

    @classmethod
    def add_arguments(cls, parser) -> None:
        add_arguments(parser)

    @property
    def shuffle_seed(self) -> int | None:
        return None if self._shuffler is None else self._shuffler.seed

    def log(self, msg: str, level: int | None = None) -> None:
        """Log ``msg`` at ``level`` (INFO by default).

        With no logger, print it: nothing at verbosity 0, INFO and above at 1,
        every level from 2.
        """
        level = logging.INFO if level is None else level
        if self.logger is not None:
            self.logger.log(level, msg)
        elif self.verbosity >= 2 or (self.verbosity == 1 and level >= logging.INFO):
            print(msg, flush=True)

    # Set-up and teardown of the test environment.

    def setup_test_environment(self, **kwargs) -> None:
        setup_test_environment(debug=self.debug_mode)
        self._undo_on_commit_fix = install_on_commit_capture()

    def teardown_test_environment(self, **kwargs) -> None:
        getattr(self, "_undo_on_commit_fix", lambda: None)()
        teardown_test_environment()

    # Building the suite.

    def setup_shuffler(self) -> None:
        if self.shuffle is False:
            return
        self._shuffler = Shuffler(seed=self.shuffle)
        self.log(f"Using shuffle seed: {self._shuffler.seed_display}")

    def load_tests(self, test_labels) -> list:
        """The tests the labels name, before filtering and ordering."""
        discovery = TestDiscovery(
            self.test_loader,
            pattern=self.pattern,
            top_level=self.top_level,
            test_name_patterns=self.test_name_patterns,
        )
        return discovery.load(test_labels or ["."])

    def build_suite(self, test_labels=None, extra_tests=None, **kwargs):
        chosen = chosen_tests(self, test_labels)
        if chosen is not None:
            return self._serial_suite(chosen)
        self.setup_shuffler()
        self._discovery = Discovery(
            tuple(test_labels or ()), self.pattern, self.top_level
        )
        tests = self.load_tests(test_labels)
        tests.extend(iter_tests(extra_tests or ()))
        if self.tags or self.exclude_tags:
            if self.tags:
                self.log(
                    f"Including test tag(s): {', '.join(sorted(self.tags))}.",
                    level=logging.DEBUG,
                )
            if self.exclude_tags:
                self.log(
                    f"Excluding test tag(s): {', '.join(sorted(self.exclude_tags))}.",
                    level=logging.DEBUG,
                )
            tests = filter_by_tags(tests, self.tags, self.exclude_tags)
        record = lastfailed.load_failed(lastfailed.last_failed_path())
        if self.last_failed:
            tests = self._select_last_failed(tests, record)
        bins = (unittest.loader._FailedTest, *self.reorder_by)
        tests = reorder_tests(
            tests, bins, shuffler=self._shuffler, reverse=self.reverse
        )
        first = set()
        if self.failed_first and record:
            tests = lastfailed.failed_first(tests, record, bins)
            first = lastfailed.failed_classes(tests, record)
        self.log(f"Found {len(tests)} test(s).")
        if self.shard is not None:
            self.shard_plan = plan_shards(
                tests, self.shard, load_durations(durations_path())
            )
            tests = select_shard(tests, self.shard_plan)
            self.log(describe_shard(self.shard_plan, len(tests)))
        if self.parallel > 1:
            groups = [list(g) for _, g in itertools.groupby(tests, type)]
            # Classes are the unit of work: more processes would sit idle.
            # With --timeout, a single class still runs in a worker (beside
            # an idle one), since only a worker can be timed out.
            wanted = 2 if self.timeout is not None and len(groups) == 1 else 1
            self.parallel = min(self.parallel, max(len(groups), wanted))
            if self.parallel > 1:
                return self.parallel_test_suite(
                    groups,
                    self.parallel,
                    self.failfast,
                    self.debug_mode,
                    self.buffer,
                    durations=load_durations(durations_path()),
                    bins=bins,
                    first=first,
                )
        return self._serial_suite(tests)

    def _serial_suite(self, tests):
        # unittest's own suite times class fixtures for --durations; a
        # subclass's test_suite is left as it is.
        if self.durations is not None and self.test_suite is unittest.TestSuite:
            return TimedSuite(tests)
        return self.test_suite(tests)

    def _select_last_failed(self, tests: list, record: list[str]) -> list:
        """``--last-failed``: the recorded failures among ``tests``, or all
        of them when none is recorded (saying so)."""
        selected = lastfailed.select_failed(tests, record)
        if any(not isinstance(t, unittest.loader._FailedTest) for t in selected):
            self.log(
                f"Running the {len(selected)} test(s) that failed in the last "
                f"run, of {len(tests)} (--last-failed)."
            )
            return selected
        self.log(
            f"No test of these failed in the last run: running all {len(tests)} "
            "(--last-failed)."
        )
        return tests

    # Databases.

    def get_databases(self, suite) -> dict[str, bool]:
        """Aliases the suite uses, each mapped to whether it needs serializing."""
        usage = db.DatabaseUsage.of_tests(iter_tests(suite))
        from django.db import connections

        unused = sorted(alias for alias in connections if alias not in usage.aliases)
        if unused:
            self.log(
                f"Skipping setup of unused database(s): {', '.join(unused)}.",
                level=logging.DEBUG,
            )
        return usage.aliases

    def setup_databases(self, aliases=None, serialized_aliases=None, **kwargs):
        """Create the test databases, and a clone of each per worker process."""
        usage = db.DatabaseUsage(
            {
                alias: alias in (serialized_aliases or ())
                for alias in (aliases if aliases is not None else {"default"})
            }
        )
        return db.setup_databases(
            usage,
            verbosity=self.verbosity,
            interactive=self.interactive,
            keepdb=self.keepdb,
            debug_sql=self.debug_sql,
            time_keeper=self.time_keeper,
            parallel=self.parallel,
            workspace=self._workspace,
            db_cache=self.db_cache,
            phase=self._timeline.phase if self._timeline is not None else None,
        )

    def teardown_databases(self, old_config, **kwargs) -> None:
        db.teardown_databases(old_config, verbosity=self.verbosity, keepdb=self.keepdb)

    def run_checks(self, databases) -> None:
        # After database creation: some checks query the database.
        call_command("check", verbosity=self.verbosity, databases=databases)

    # Running.

    def get_resultclass(self):
        if self.debug_sql and self.pdb:
            return DebugSQLPDBTestResult
        if self.debug_sql:
            return DebugSQLTestResult
        if self.pdb:
            return PDBTestResult
        return TestResult

    def get_test_runner_kwargs(self) -> dict:
        return {
            "failfast": self.failfast,
            "resultclass": self.get_resultclass(),
            "verbosity": self.verbosity,
            "buffer": self.buffer,
            "durations": self.durations,
        }

    def run_suite(self, suite, **kwargs):
        kwargs = self.get_test_runner_kwargs()
        if not issubclass(self.test_runner, TextTestRunner):
            # A plain unittest runner before Python 3.12 knows no durations.
            if sys.version_info < (3, 12):
                kwargs.pop("durations", None)
        if isinstance(suite, ParallelTestSuite):
            # Workers capture output per test; the parent must not.
            kwargs["buffer"] = False
        runner = self.test_runner(**kwargs)
        self._text_runner = runner
        if getattr(self, "_junit", None) is not None:
            suite = self._junit.observe(suite)
        try:
            return runner.run(suite)
        finally:
            if self._shuffler is not None:
                self.log(f"Used shuffle seed: {self._shuffler.seed_display}")

    def suite_result(self, suite, result, **kwargs) -> int:
        """The number of problems: failures, errors and unexpected successes."""
        return (
            len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
        )

    def report_summary(self, result, seconds: float) -> None:
        """Print the closing line of the run."""
        line = Summary.of(result, seconds).line(self.shuffle_seed)
        sys.stdout.flush()
        print(line, file=sys.stderr, flush=True)

    def run_tests(self, test_labels, extra_tests=None, **kwargs) -> int:
        """Run the tests the labels name; return the number of problems."""
        with exit_on_runner_error(), signals_end_the_run() as self._interrupts:
            if self._trial is None and (self.bisect or self.pair) is not None:
                return run_search(self, test_labels)
            if not self._times_whole_run:
                failures = self._run_tests(test_labels, extra_tests)
            else:
                total = TimeKeeper()
                with total.timed("Total run"):
                    failures = self._run_tests(test_labels, extra_tests)
                total.print_results()
        # The test command exits next, and the interpreter's last collection
        # of everything a run made takes a quarter of a second or more. What
        # exists now is left to the end of the process instead.
        gc.freeze()
        return failures

    def _phase(self, name: str, kind: str = ""):
        """Time the block as a phase of the timeline (--timeline)."""
        if self._timeline is None:
            return contextlib.nullcontext()
        return self._timeline.phase(name, kind)

    def _run_tests(self, test_labels, extra_tests) -> int:
        """The run, and its timeline written however it ends (--timeline;
        a trial of --bisect or --pair writes none)."""
        self._timeline = (
            TimelineRecorder() if self.timeline and self._trial is None else None
        )
        self._timeline_notes = []
        ending = "ended with an error"
        try:
            failures = self._run_and_clean_up(test_labels, extra_tests)
            ending = "finished"
            return failures
        except KeyboardInterrupt:
            ending = "was interrupted"
            raise
        except SystemExit as exc:
            ending = (
                "was interrupted"
                if exc.code == EXIT_INTERRUPTED
                else f"was ended (exit status {exc.code})"
            )
            raise
        except RunnerError as exc:
            ending = f"was stopped: {first_line(exc)}"
            raise
        finally:
            if self._timeline is not None:
                with self._interrupts.shield():
                    self._write_timeline(ending)

    def _write_timeline(self, ending: str) -> None:
        """Write the timeline; one that cannot be written is a warning."""
        try:
            timeline = self._timeline.timeline(ending, self._timeline_notes)
            write_timeline(self.timeline, timeline)
        except OSError as exc:
            sys.stdout.flush()
            print(
                "django-parallel: warning: no timeline: "
                f"{exc.strerror or exc} ({self.timeline})",
                file=sys.stderr,
                flush=True,
            )
            return
        self.log(f"Timeline written to {self.timeline}")

    def _run_and_clean_up(self, test_labels, extra_tests) -> int:
        self._workspace = None
        self._junit = JUnitRecorder() if self.junit_xml else None
        self._coverage = None
        self.setup_test_environment()
        # The worker processes of a parallel run; Workers owns their whole
        # life, and documents why each call below comes where it does.
        workers = None
        try:
            # Once the test environment is set up: a Runner subclass may
            # change settings there too.
            snapshot = (
                capture_settings(self.start_method) if self.parallel > 1 else None
            )
            if self.parallel > 1:
                self._workspace = tempfile.mkdtemp(prefix="django_parallel-")
                self._coverage = coverage_plan(self.log)
                workers = Workers(
                    self.start_method,
                    self._worker_plan(self.parallel_test_suite, snapshot),
                    self.parallel,
                    timeout=self.timeout,
                    max_restarts=self.max_restarts,
                    boot_timeout=self.boot_timeout,
                    timeline=self._timeline,
                )
                workers.boot()
            with self._phase("discovery"):
                suite = self.build_suite(test_labels, extra_tests)
            databases = self.get_databases(suite)
            db.bound_connects(databases, self.connect_timeout)
            suite = self._serial_if_uncloneable(suite, databases)
            suite.serialized_aliases = {a for a, s in databases.items() if s}
            suite.used_aliases = set(databases)
            # Read now: a unittest suite lets go of its tests as it runs them.
            selected = list(iter_tests(suite))
            suite_ids = [test.id() for test in selected]
            class_bin_map = self._class_bin_map(selected)
            parallel = isinstance(suite, ParallelTestSuite) and workers is not None
            if parallel:
                own_plan = type(suite) is not self.parallel_test_suite
                workers.fit(
                    suite.processes,
                    self._worker_plan(type(suite), snapshot) if own_plan else None,
                )
                suite.run_on(workers)
                if self._timeline is not None:
                    self._timeline.workers = suite.processes
                    self._timeline.start_method = workers.context.get_start_method()
            elif workers is not None:
                # A serial run does not wait for workers to finish booting.
                workers.close(at_once=True)
            if self.clear_db_cache:
                db.clear_caches(databases, log=self.log)
            with self.time_keeper.timed("Total database setup"):
                old_config = self.setup_databases(
                    aliases=databases, serialized_aliases=suite.serialized_aliases
                )
            import_migrations()
            result = None
            interrupted = False
            seconds = None
            rerun_report = []
            started = time.perf_counter()
            started_at = datetime.datetime.now().astimezone()
            try:
                with self._phase("checks"):
                    self.run_checks(databases)
                if parallel:
                    workers.attach(
                        self._worker_databases(suite, old_config),
                        fork_guard=lambda: _all_of(
                            db.spare_copies_paused(old_config),
                            self._interrupts.threads_paused(),
                        ),
                    )
                db.start_spare_copies(old_config)
                with self._phase("tests"):
                    result, interrupted = self._run_stoppable(suite)
                seconds = time.perf_counter() - started
                if parallel and not interrupted and not result.shouldStop:
                    with self._phase("failures alone", "rerun"):
                        rerun_report = self._rerun_failures(workers, result)
            finally:
                with self._interrupts.shield():
                    if workers is not None:
                        with self._phase("ending workers", "clean-up"):
                            workers.close()
                    if result is not None:
                        if interrupted:
                            # unittest's dots may have stopped mid-line.
                            print(file=sys.stderr)
                        if seconds is None:
                            seconds = time.perf_counter() - started
                        self._write_junit(seconds, started_at)
                        self.report_summary(result, seconds)
                        self._timeline_notes.append(
                            Summary.of(result, seconds).line(self.shuffle_seed)
                        )
                        # The record, and under the summary the command that
                        # replays each failing worker; then what the
                        # failures did alone.
                        after_run(self, suite, result)
                        for line in rerun_report:
                            print(line, file=sys.stderr, flush=True)
                        self._record_durations(result, suite, class_bin_map)
                        self._record_failures(result, suite_ids, interrupted)
                    with (
                        self.time_keeper.timed("Total database teardown"),
                        self._phase("clean-up"),
                    ):
                        self.teardown_databases(old_config)
        finally:
            with self._interrupts.shield():
                if workers is not None:
                    # Idempotent; ends workers of a run that did not start.
                    workers.close(at_once=True)
                self.teardown_test_environment()
                if self._workspace is not None:
                    shutil.rmtree(self._workspace, ignore_errors=True)
        if interrupted:
            exit_interrupted()
        if getattr(suite, "failure", None):
            # The run was given up (workers kept dying), after its report.
            raise RunnerError(suite.failure)
        self.time_keeper.print_results()
        return self.suite_result(suite, result)

    def _run_stoppable(self, suite) -> tuple:
        """``run_suite`` under unittest's Ctrl-C handler: a first press stops
        the run after the tests that are running, a second ends it at once.
        The result (so far), and whether the run was interrupted."""
        # unittest installs its handler once per process: one left from an
        # earlier run here would not be installed again, and would still
        # say that run was interrupted.
        unittest.signals._interrupt_handler = None
        unittest.installHandler()
        handler = unittest.signals._interrupt_handler
        try:
            result = self.run_suite(suite)
        except KeyboardInterrupt:
            runner = getattr(self, "_text_runner", None)
            return getattr(runner, "result", None), True
        finally:
            unittest.removeHandler()
        return result, bool(getattr(handler, "called", False))

    def _rerun_failures(self, workers, result) -> list[str]:
        """Each failed test again, alone in a new worker (see
        ``parallel/rerun.py``): the report's lines."""

        def announce(line: str) -> None:
            if self.verbosity >= 1:
                sys.stdout.flush()
                print(line, file=sys.stderr, flush=True)

        return try_failures_alone(workers, result, self.rerun_failures, announce)

    def _record_failures(self, result, suite_ids, interrupted) -> None:
        """Update the record ``--last-failed`` reads; a stopped run only
        adds to it."""
        path = lastfailed.last_failed_path()
        complete = not (interrupted or result.shouldStop)
        record = lastfailed.updated_record(
            lastfailed.load_failed(path), failed_ids(result), suite_ids, complete
        )
        try:
            lastfailed.save_failed(path, record)
        except OSError as exc:
            self.log(f"Could not record the failed tests: {exc}", logging.WARNING)

    def _serial_if_uncloneable(self, suite, databases):
        """A backend that cannot clone databases means a serial run."""
        if not isinstance(suite, ParallelTestSuite):
            return suite
        refusing = db.uncloneable_aliases(databases)
        if not refusing:
            return suite
        self.log(
            f"Running serially: the database(s) {', '.join(sorted(refusing))} "
            "cannot be cloned for worker processes.",
            level=logging.WARNING,
        )
        self.parallel = 1
        return self._serial_suite(list(suite))

    def _worker_plan(self, suite_class, snapshot):
        """A function giving each slot's WorkerPlan (everything but databases)."""
        settings_module, settings_values = snapshot
        sys_path, cwd = capture_environment()

        def plan(slot: int) -> WorkerPlan:
            return WorkerPlan(
                slot=slot,
                settings_module=settings_module,
                settings_values=settings_values,
                sys_path=sys_path,
                cwd=cwd,
                process_setup=suite_class.process_setup_hook(),
                process_setup_args=tuple(suite_class.process_setup_args),
                debug_mode=self.debug_mode,
                buffer=self.buffer,
                failfast=self.failfast,
                debug_sql=self.debug_sql,
                verbosity=self.verbosity,
                timeout=self.timeout,
                log_file=os.path.join(self._workspace, f"worker-{slot}.log"),
                connect_timeout=self.connect_timeout,
                time_fixtures=self.durations is not None,
                coverage=self._coverage,
            )

        return plan

    def _worker_databases(self, suite, old_config):
        """A function giving each slot's databases, once they exist."""
        from django.db import connections
        from django.test.utils import get_unique_databases_and_mirrors

        clones = {
            entry.adapter.alias: entry.adapter
            for entry in old_config
            if isinstance(entry, db.Clones)
        }
        unique, mirror_of = get_unique_databases_and_mirrors(suite.used_aliases)
        mirrors = {a: m for a, m in mirror_of.items() if m in clones}
        for _, aliases in unique.values():
            mirrors.update({alias: aliases[0] for alias in aliases[1:]})
        serialized = {
            alias: connections[alias]._test_serialized_contents
            for alias in suite.serialized_aliases
            if hasattr(connections[alias], "_test_serialized_contents")
        }
        test_modules = modules_of_tests(iter_tests(suite))
        sys_path = tuple(sys.path)

        def databases(slot: int) -> WorkerDatabases:
            return WorkerDatabases(
                databases={a: c.worker_database(slot) for a, c in clones.items()},
                mirrors=mirrors,
                serialized_contents=serialized,
                test_modules=test_modules,
                sys_path=sys_path,
            )

        return databases

    def _write_junit(self, seconds: float, started_at) -> None:
        """Write the JUnit XML report; one that cannot be written (or
        recorded) is a warning: the run's own result stands."""
        recorder = self._junit
        if recorder is None:
            return
        problem = recorder.broken
        if not recorder.attached:
            problem = "the test runner never ran the suite it was given"
        # A shard (--shard) writes a file of its own.
        path, name = target(self.junit_xml, getattr(self, "shard", None))
        if problem is None:
            try:
                write_report(path, recorder, seconds, started_at, name)
            except OSError as exc:
                problem = f"{exc.strerror or exc} ({path})"
            except Exception as exc:  # what a test left that cannot be written
                problem = f"{type(exc).__name__}: {exc}"
        if problem is None:
            self.log(f"JUnit XML report written to {path}")
        else:
            sys.stdout.flush()
            print(
                f"django-parallel: warning: no JUnit XML report: {problem}",
                file=sys.stderr,
                flush=True,
            )

    def _class_bin_map(self, tests: list) -> dict:
        """Each class of ``tests`` and the bin (kind of test case) it is in."""
        groups = [[test] for test in tests]
        return dict(
            zip(
                (class_key(group[0]) for group in groups),
                class_bins(groups, self.reorder_by),
                strict=True,
            )
        )

    def _record_durations(self, result, suite, bins: dict) -> None:
        if result.shouldStop or self._trial or self.replay_worker is not None:
            # A stopped run timed only part of some classes; a replay or a
            # trial runs only part of some.
            return
        # A worker times a whole class, its fixtures too; a serial run adds
        # up its tests.
        measured = getattr(suite, "class_seconds", None) or getattr(
            result, "class_durations", None
        )
        if measured or self.shard_plan is not None:
            try:
                if self.shard_plan is None:
                    save_durations(durations_path(), measured, bins)
                else:
                    # Every shard must split from the same record: a shard
                    # writes its own file, and a merge updates the record.
                    save_shard_durations(
                        shard_durations_path(self.shard),
                        self.shard_plan,
                        measured or {},
                        bins,
                    )
            except OSError as exc:
                self.log(f"Could not record test durations: {exc}", logging.WARNING)


@contextlib.contextmanager
def _all_of(*managers):
    """Every one of ``managers`` entered for the block."""
    with contextlib.ExitStack() as stack:
        for manager in managers:
            stack.enter_context(manager)
        yield
