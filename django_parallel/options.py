"""Command-line options and project defaults (``settings.DJANGO_PARALLEL``).

Precedence, highest first: a keyword given to ``Runner(...)`` (which is what a
command-line flag becomes), then the project's ``DJANGO_PARALLEL`` setting,
then the built-in default. Flags that a project can default are therefore
declared with ``argparse.SUPPRESS`` so that an absent flag passes nothing.
"""

from __future__ import annotations

import argparse
import math
import os
import re
from dataclasses import dataclass

from django_parallel.errors import RunnerError


class _NotGiven:
    """Marks a runner keyword the caller did not pass."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self):
        return "NOT_GIVEN"


NOT_GIVEN = _NotGiven()

# Keys accepted in settings.DJANGO_PARALLEL, with their built-in defaults.
PROJECT_DEFAULTS = {
    "parallel": 0,
    "shuffle": False,
    "buffer": False,
    "failfast": False,
    "keepdb": False,
    "reverse": False,
    "timing": False,
    "debug_sql": False,
    "durations": None,
    "start_method": None,
    "timeout": None,
    # Worker processes a parallel run may replace before it gives up.
    "max_restarts": 10,
    "db_cache": True,
    # Seconds a connection to a database server may take to be made, where
    # DATABASES[alias]["OPTIONS"] sets no connect_timeout; None: the driver's
    # own (no bound with libpq and mysqlclient).
    "connect_timeout": 10,
    # Seconds a parallel run waits for a worker to finish setting itself up
    # once the databases are ready, when --timeout is not given.
    "boot_timeout": 300,
    # A path: write a JUnit XML report of every run there.
    "junit_xml": None,
    # A parallel run's failures run again alone while at most this many
    # failed (True: the default cap; False or 0: never). More failures are
    # more often one real breakage than order dependence.
    "rerun_failures": 3,
    "failed_first": False,
    # A path: write an HTML timeline of every run there (--timeline).
    "timeline": None,
}

START_METHODS = ("spawn", "forkserver", "fork")


@dataclass(frozen=True)
class ParallelRequest:
    """What ``--parallel`` asked for, before it is turned into a process count.

    ``processes`` is a fixed count; otherwise the count is "auto": the usable
    CPUs, less ``reserve`` cores (``auto-K``) or divided by ``divisor``
    (``auto/K``).

    The command line yields a plain ``"auto"`` string for ``auto`` (and for a
    bare ``--parallel``): Django's own ``test`` command, which runs when a
    project sets only TEST_RUNNER, turns that string into its own count
    (``get_max_test_processes()``) before the runner sees it, and Django's
    test suite relies on that. ``auto-K`` and ``auto/K`` stay requests.
    """

    processes: int | None = None
    reserve: int = 0
    divisor: int = 1

    def __str__(self) -> str:
        if self.processes is not None:
            return str(self.processes)
        if self.reserve:
            return f"auto-{self.reserve}"
        if self.divisor != 1:
            return f"auto/{self.divisor}"
        return "auto"

    def resolve(self) -> int:
        """The number of processes this request means on this machine.

        A fixed count is used as given. For ``auto``, ``auto-K`` and
        ``auto/K`` the base is ``DJANGO_TEST_PROCESSES`` when it is set, and
        otherwise the usable CPUs (affinity and container quota respected).
        The environment variable alone never turns parallel runs on.
        """
        if self.processes is not None:
            return self.processes
        env = os.environ.get("DJANGO_TEST_PROCESSES", "").strip()
        if env:
            if not env.isdigit() or int(env) < 1:
                raise RunnerError(
                    "DJANGO_TEST_PROCESSES must be a whole number of processes "
                    f"(1 or more); got {env!r}"
                )
            base = int(env)
        else:
            base = usable_cpu_count()
        return max(1, (base - self.reserve) // self.divisor)


AUTO = ParallelRequest()
_AUTO_PATTERN = re.compile(r"auto(?:(?P<op>[-/])(?P<k>\d+))?")


def usable_cpu_count() -> int:
    """CPUs this process may use: its CPU affinity where the OS has one, and
    a container's CPU quota (cgroup v2 or v1) where one is set."""
    if hasattr(os, "sched_getaffinity"):
        count = len(os.sched_getaffinity(0)) or 1
    else:
        count = os.cpu_count() or 1
    quota = _cgroup_cpu_quota()
    if quota is not None:
        count = min(count, max(1, math.ceil(quota)))
    return count


def _cgroup_cpu_quota() -> float | None:
    candidates = (
        ("/sys/fs/cgroup/cpu.max", None),
        ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu/cpu.cfs_period_us"),
    )
    for quota_file, period_file in candidates:
        try:
            with open(quota_file) as file:
                fields = file.read().split()
            if period_file is not None:
                with open(period_file) as file:
                    fields.append(file.read().strip())
        except OSError:
            continue
        if len(fields) < 2 or fields[0] in ("max", "-1"):
            return None
        try:
            return int(fields[0]) / int(fields[1])
        except (ValueError, ZeroDivisionError):
            return None
    return None


def parse_parallel(value, source: str = "--parallel") -> ParallelRequest:
    """Parse ``N``, ``auto``, ``auto-K`` or ``auto/K`` (or an int, or a request)."""
    if isinstance(value, ParallelRequest):
        return value
    if isinstance(value, bool):
        value = "auto" if value else "1"
    text = str(value).strip()
    if text.isdigit() and int(text) >= 0:
        # Django passes 0 for "not parallel"; 0 and 1 both mean one process.
        return ParallelRequest(processes=max(1, int(text)))
    match = _AUTO_PATTERN.fullmatch(text)
    if match:
        if match["op"] == "-":
            return ParallelRequest(reserve=int(match["k"]))
        if match["op"] == "/" and int(match["k"]) >= 1:
            return ParallelRequest(divisor=int(match["k"]))
        if match["op"] is None:
            return AUTO
    raise RunnerError(
        f"{source} expects a number of processes (1 or more), 'auto', 'auto-K' "
        f"(leave K cores free) or 'auto/K' (use 1/K of the cores); got {text!r}"
    )


def _parallel_type(value: str) -> ParallelRequest | str:
    try:
        request = parse_parallel(value)
    except RunnerError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--parallel ")) from None
    if value.strip() == "0":
        raise argparse.ArgumentTypeError(
            "expects a number of processes (1 or more), 'auto', 'auto-K' or "
            "'auto/K'; got '0' (use --parallel 1 for a serial run)"
        )
    return "auto" if request == AUTO else request


def _seed_type(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expects an integer seed, such as the one a shuffled run printed; "
            f"got {value!r}"
        ) from None


def _count_type(value: str) -> int:
    if value.isdigit():
        return int(value)
    raise argparse.ArgumentTypeError(
        f"expects a whole number (0 for all); got {value!r}"
    )


def _cap_type(value: str) -> int:
    if value.isdigit():
        return int(value)
    raise argparse.ArgumentTypeError(
        f"expects the most failures to run again (0 for none); got {value!r}"
    )


def _timeout_type(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if seconds > 0:
        return seconds
    raise argparse.ArgumentTypeError(
        f"expects a number of seconds greater than 0; got {value!r}"
    )


def _restarts_type(value: str) -> int:
    if value.isdigit():
        return int(value)
    raise argparse.ArgumentTypeError(
        f"expects a whole number of worker restarts (0 or more); got {value!r}"
    )


def _shard_type(value: str):
    from django_parallel.sharding import FROM_CI, parse_shard

    # argparse passes a bare --shard's const through here too.
    if value == FROM_CI:
        return value
    try:
        return parse_shard(value)
    except RunnerError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--shard ")) from None


def rerun_cap(value) -> int:
    """``rerun_failures`` as a number of failures (0: never)."""
    if value is True:
        return PROJECT_DEFAULTS["rerun_failures"]
    return int(value or 0)


def _add(parser: argparse.ArgumentParser, *flags: str, **kwargs) -> None:
    """Add an option unless the command already defines it.

    Django's own ``test`` command declared ``--failfast`` itself before 5.1. In
    that case its default is switched to SUPPRESS so that an absent flag still
    lets the project default apply.
    """
    existing = [f for f in flags if f in parser._option_string_actions]
    if existing:
        action = parser._option_string_actions[existing[0]]
        if kwargs.get("default") is argparse.SUPPRESS:
            action.default = argparse.SUPPRESS
        return
    parser.add_argument(*flags, **kwargs)


def _add_switch(parser, *flags: str, dest: str, help: str) -> None:
    """A boolean flag with its ``--no-`` negation, both absent by default."""
    _add(
        parser,
        *flags,
        action="store_true",
        dest=dest,
        default=argparse.SUPPRESS,
        help=help,
    )
    long_flag = flags[-1]
    _add(
        parser,
        f"--no-{long_flag[2:]}",
        action="store_false",
        dest=dest,
        default=argparse.SUPPRESS,
        help=f"Turn off {long_flag} when settings.DJANGO_PARALLEL turns it on.",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Every ``manage.py test`` option the runner understands."""
    _add_switch(
        parser,
        "--failfast",
        dest="failfast",
        help="Stop the run after the first failure or error.",
    )
    _add(
        parser,
        "-t",
        "--top-level-directory",
        dest="top_level",
        help="Top-level directory of the project, for unittest discovery.",
    )
    _add(
        parser,
        "-p",
        "--pattern",
        default="test*.py",
        help="File name pattern of test modules (default: test*.py).",
    )
    _add_switch(
        parser, "--keepdb", dest="keepdb", help="Keep the test databases between runs."
    )
    _add(
        parser,
        "--shuffle",
        nargs="?",
        const=None,
        type=_seed_type,
        default=argparse.SUPPRESS,
        metavar="SEED",
        help="Shuffle the order of test classes and of the tests in each "
        "class. Give the SEED a shuffled run printed to repeat its order.",
    )
    _add(
        parser,
        "--no-shuffle",
        action="store_false",
        dest="shuffle",
        default=argparse.SUPPRESS,
        help="Run in the usual order even when settings turn shuffling on.",
    )
    _add_switch(
        parser,
        "-r",
        "--reverse",
        dest="reverse",
        help="Reverse the order of the tests within each group.",
    )
    _add(
        parser,
        "--debug-mode",
        action="store_true",
        help="Set settings.DEBUG to True while the tests run.",
    )
    _add_switch(
        parser,
        "-d",
        "--debug-sql",
        dest="debug_sql",
        help="Print the SQL each failing test ran.",
    )
    _add(
        parser,
        "--parallel",
        nargs="?",
        const="auto",
        type=_parallel_type,
        default=argparse.SUPPRESS,
        metavar="N",
        help="Run tests in N processes; 'auto' (the default for a bare "
        "--parallel) uses every usable core, 'auto-K' leaves K cores "
        "free, 'auto/K' uses 1/K of them.",
    )
    _add(
        parser,
        "--start-method",
        choices=START_METHODS,
        default=argparse.SUPPRESS,
        help="How to start worker processes (default: the method this "
        "process already uses, which is Python's platform default unless the "
        "launching script chose one).",
    )
    _add(
        parser,
        "--timeout",
        type=_timeout_type,
        default=argparse.SUPPRESS,
        metavar="SECONDS",
        help="In a parallel run, end a test or class fixture that runs "
        "longer than this, report its stack and replace its worker.",
    )
    _add(
        parser,
        "--max-restarts",
        type=_restarts_type,
        default=argparse.SUPPRESS,
        metavar="N",
        help="In a parallel run, replace crashed workers at most N times "
        f"(default {PROJECT_DEFAULTS['max_restarts']}); past that the run stops.",
    )
    _add(
        parser,
        "--no-db-cache",
        action="store_false",
        dest="db_cache",
        default=argparse.SUPPRESS,
        help="Migrate the test databases instead of copying them from the "
        "migrated-database cache (and leave the cache as it is).",
    )
    _add(
        parser,
        "--clear-db-cache",
        action="store_true",
        help="Drop the migrated-database cache first, so this run migrates "
        "and caches afresh.",
    )
    _add(
        parser,
        "--rerun-failures",
        nargs="?",
        const=True,
        type=_cap_type,
        default=argparse.SUPPRESS,
        metavar="N",
        help="After a parallel run, run each failed test again alone in a "
        "new worker while at most N failed (default "
        f"{PROJECT_DEFAULTS['rerun_failures']}), and report the failures that "
        "did not happen alone.",
    )
    _add(
        parser,
        "--no-rerun-failures",
        action="store_false",
        dest="rerun_failures",
        default=argparse.SUPPRESS,
        help="Do not run a parallel run's failures again alone.",
    )
    _add(
        parser,
        "--lf",
        "--last-failed",
        action="store_true",
        dest="last_failed",
        help="Run only the tests that failed or errored in the last run "
        "(all of them when none did).",
    )
    _add_switch(
        parser,
        "--ff",
        "--failed-first",
        dest="failed_first",
        help="Run the tests that failed or errored in the last run first, "
        "then the rest.",
    )
    _add(
        parser,
        "--no-parallel",
        action="store_const",
        const=ParallelRequest(1),
        dest="parallel",
        default=argparse.SUPPRESS,
        help="Run in one process even when settings turn parallel on.",
    )
    _add(
        parser,
        "--tag",
        action="append",
        dest="tags",
        help="Run only tests with this tag. Can be given several times.",
    )
    _add(
        parser,
        "--exclude-tag",
        action="append",
        dest="exclude_tags",
        help="Leave out tests with this tag. Can be given several times.",
    )
    _add(
        parser,
        "--pdb",
        action="store_true",
        help="Open a debugger (pdb, or ipdb when installed) on each error or failure.",
    )
    _add_switch(
        parser,
        "-b",
        "--buffer",
        dest="buffer",
        help="Capture output of tests and show it only for those that fail.",
    )
    _add(
        parser,
        "--no-faulthandler",
        action="store_false",
        dest="enable_faulthandler",
        help="Do not enable Python's faulthandler during the run.",
    )
    _add_switch(
        parser,
        "--timing",
        dest="timing",
        help="Print how long database set-up, teardown and the run took.",
    )
    _add(
        parser,
        "-k",
        action="append",
        dest="test_name_patterns",
        help="Run only test methods and classes matching this pattern or "
        "substring. Can be given several times.",
    )
    _add(
        parser,
        "--durations",
        type=_count_type,
        default=argparse.SUPPRESS,
        metavar="N",
        help="Show the N slowest tests (0 for all).",
    )
    _add(
        parser,
        "--shard",
        nargs="?",
        const="ci",  # sharding.FROM_CI: read K and N from the CI system
        type=_shard_type,
        metavar="K/N",
        help="Run only shard K of N: the selected test classes split into N "
        "shards balanced by recorded durations, the same on every machine. "
        "Without K/N, read them from GitLab, CircleCI or Buildkite's "
        "variables.",
    )
    _add(
        parser,
        "--junit-xml",
        dest="junit_xml",
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="Write a JUnit XML report of the run to PATH, for a CI "
        "system's test report.",
    )
    _add(
        parser,
        "--no-junit-xml",
        action="store_const",
        const=None,
        dest="junit_xml",
        default=argparse.SUPPRESS,
        help="Write no JUnit XML report even when settings ask for one.",
    )
    _add(
        parser,
        "--timeline",
        dest="timeline",
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="Write an HTML timeline of the run to PATH: the main process's "
        "phases and, in a parallel run, one lane per worker process with "
        "each test class as a bar.",
    )
    _add(
        parser,
        "--no-timeline",
        action="store_const",
        const=None,
        dest="timeline",
        default=argparse.SUPPRESS,
        help="Write no timeline even when settings ask for one.",
    )
    _add(
        parser,
        "--no-durations",
        action="store_const",
        const=None,
        dest="durations",
        default=argparse.SUPPRESS,
        help="Do not show the slowest tests even when settings ask for it.",
    )
    add_repro_arguments(parser)


def add_repro_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags that reproduce a failure of a parallel run (repro/)."""
    _add(
        parser,
        "--replay-worker",
        metavar="K",
        help="Run, in this process, the tests worker K of the last parallel "
        "run ran, in its order, up to its last failure (a failing parallel "
        "run prints this command).",
    )
    _add(
        parser,
        "--bisect",
        metavar="TEST_ID",
        help="Find the test whose side effects make TEST_ID fail: halve the "
        "tests that ran before it on its worker in the last parallel run (or "
        "those the labels select), each try in a fresh process.",
    )
    _add(
        parser,
        "--pair",
        metavar="TEST_ID",
        help="Run TEST_ID after each other test of the last parallel run (or "
        "of the labels) in a fresh process, --parallel N at a time, and name "
        "those after which it fails.",
    )


def project_defaults() -> dict:
    """The built-in defaults overlaid with ``settings.DJANGO_PARALLEL``."""
    from django.conf import settings

    configured = getattr(settings, "DJANGO_PARALLEL", None) or {}
    if not isinstance(configured, dict):
        raise RunnerError(
            "settings.DJANGO_PARALLEL must be a dict such as "
            "{'parallel': 'auto', 'shuffle': True}; got "
            f"{type(configured).__name__}"
        )
    unknown = sorted(set(configured) - set(PROJECT_DEFAULTS))
    if unknown:
        raise RunnerError(
            "settings.DJANGO_PARALLEL has unknown key(s) "
            f"{', '.join(map(repr, unknown))}; the valid keys are "
            f"{', '.join(PROJECT_DEFAULTS)}"
        )
    merged = {**PROJECT_DEFAULTS, **configured}
    for key in (
        "buffer",
        "failfast",
        "keepdb",
        "reverse",
        "timing",
        "debug_sql",
        "db_cache",
    ):
        if not isinstance(merged[key], bool):
            raise RunnerError(
                f"settings.DJANGO_PARALLEL[{key!r}] must be True or False; "
                f"got {merged[key]!r}"
            )
    shuffle = merged["shuffle"]
    if not isinstance(shuffle, (bool, int)):
        raise RunnerError(
            "settings.DJANGO_PARALLEL['shuffle'] must be True, False or an "
            f"integer seed; got {shuffle!r}"
        )
    durations = merged["durations"]
    if durations is not None and (
        isinstance(durations, bool) or not isinstance(durations, int) or durations < 0
    ):
        raise RunnerError(
            "settings.DJANGO_PARALLEL['durations'] must be None or a whole "
            f"number (0 for all); got {durations!r}"
        )
    if merged["start_method"] not in (None, *START_METHODS):
        raise RunnerError(
            "settings.DJANGO_PARALLEL['start_method'] must be None or one of "
            f"{', '.join(START_METHODS)}; got {merged['start_method']!r}"
        )
    for key in ("timeout", "connect_timeout", "boot_timeout"):
        seconds = merged[key]
        if seconds is not None and (
            isinstance(seconds, bool)
            or not isinstance(seconds, (int, float))
            or seconds <= 0
        ):
            raise RunnerError(
                f"settings.DJANGO_PARALLEL[{key!r}] must be None or a number of "
                f"seconds greater than 0; got {seconds!r}"
            )
    rerun = merged["rerun_failures"]
    if not isinstance(rerun, (bool, int)) or rerun < 0:
        raise RunnerError(
            "settings.DJANGO_PARALLEL['rerun_failures'] must be True, False or "
            f"the most failures to run again alone (0 or more); got {rerun!r}"
        )
    if not isinstance(merged["failed_first"], bool):
        raise RunnerError(
            "settings.DJANGO_PARALLEL['failed_first'] must be True or False; "
            f"got {merged['failed_first']!r}"
        )
    restarts = merged["max_restarts"]
    if isinstance(restarts, bool) or not isinstance(restarts, int) or restarts < 0:
        raise RunnerError(
            "settings.DJANGO_PARALLEL['max_restarts'] must be a whole number "
            f"(0 or more); got {restarts!r}"
        )
    merged["parallel"] = parse_parallel(
        merged["parallel"], source="settings.DJANGO_PARALLEL['parallel']"
    )
    return merged
