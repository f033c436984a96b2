"""What a run's one unittest result is told, kept as test case records for
the JUnit XML report.

The recorder watches the result the runner makes, whatever its class: it
wraps the result's own ``startTest``/``add*``/``stopTest`` methods on that
one instance (``attach``), so a serial run, where unittest calls them, and a
parallel run, where the replayer calls them with the workers' events, are
recorded alike. It keeps plain data, never the tests themselves: unittest
drops each test once it has run, and so may the recorder.

Each test gives one case; a failing subtest gives a case of its own (named
as unittest names it, ``test_x (i=1)``), as the closing line counts it. A
test whose only problems were subtests has no case of its own (unittest
reports no outcome for it), and its time goes to its first subtest's case.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
import time
import unittest
from dataclasses import dataclass, field

from django_parallel.failures import ErrorDetail, captured_output, describe_error
from django_parallel.parallel.events import RemoteError

# The result methods the recorder follows.
HOOKS = (
    "startTest",
    "stopTest",
    "addSuccess",
    "addFailure",
    "addError",
    "addSkip",
    "addExpectedFailure",
    "addUnexpectedSuccess",
    "addSubTest",
    "addDuration",
)

# "setUpClass (app.tests.SomeTests)", as unittest names a fixture's error.
_FIXTURE = re.compile(r"^(?P<name>\w+) \((?P<parent>[\w.]+)\)$")
# "app.tests.SomeTests (outside its tests)", as django-parallel names a
# class whose worker died outside any test.
_CLASS_NOTE = re.compile(r"^(?P<parent>[\w.]+) \((?P<note>.+)\)$")


@dataclass(frozen=True)
class Problem:
    """A failure, error or skip of a case: ``kind`` is its element's name."""

    kind: str  # "failure", "error" or "skipped"
    message: str
    type: str = ""
    text: str = ""


@dataclass
class CaseRecord:
    """One test (or failing subtest) as the report shows it."""

    classname: str
    name: str
    file: str | None = None
    line: int | None = None
    time: float = 0.0
    passed: bool = False
    problems: list[Problem] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    subtests: list[CaseRecord] = field(default_factory=list)

    @property
    def reported(self) -> bool:
        """Whether the result was told an outcome of this test itself."""
        return self.passed or bool(self.problems)


class ObservedSuite:
    """A suite that attaches the recorder to the result it is run with, and
    is otherwise the suite it wraps (any runner class calls ``suite(result)``)."""

    def __init__(self, suite, recorder: JUnitRecorder) -> None:
        self._suite = suite
        self._recorder = recorder

    def __call__(self, result):
        self._recorder.attach(result)
        return self._suite(result)

    run = __call__

    def countTestCases(self) -> int:
        return self._suite.countTestCases()

    def __iter__(self):
        return iter(self._suite)

    def __getattr__(self, name):
        return getattr(self._suite, name)


class JUnitRecorder:
    """Turns the calls on one unittest result into ``CaseRecord``s."""

    def __init__(self, root: str | None = None) -> None:
        # File paths in the report are relative to where the run started.
        self.root = os.path.abspath(root or os.getcwd())
        self.records: list[CaseRecord] = []
        self.attached = False
        # Why recording stopped, if it did: said in one line at the end.
        self.broken: str | None = None
        self._result = None
        self._open: dict[int, CaseRecord] = {}
        self._started: dict[int, float] = {}
        # Records whose test's own duration arrived (ids of records).
        self._timed: set[int] = set()
        # Before Python 3.12 the runner's result times a test after its
        # stopTest: that late duration still finds its record.
        self._last_stopped: tuple[int, CaseRecord] | None = None
        self._locations: dict[tuple[type, str], tuple[str | None, int | None]] = {}

    def observe(self, suite) -> ObservedSuite:
        return ObservedSuite(suite, self)

    def attach(self, result: unittest.TestResult) -> None:
        if self.attached:
            return
        self.attached = True
        self._result = result
        for name in HOOKS:
            original = getattr(result, name, None)
            if callable(original):
                setattr(result, name, self._hook(name, original))

    def _hook(self, name: str, original):
        record = getattr(self, f"_on_{name}")

        def hook(*args, **kwargs):
            if self.broken is None:
                try:
                    record(*args, **kwargs)
                except Exception as exc:  # the run goes on without the report
                    self.broken = f"{type(exc).__name__}: {exc} (in {name})"
            return original(*args, **kwargs)

        return hook

    def cases(self) -> list[CaseRecord]:
        """Every case to report, by class and name: the same tests give the
        same file whatever the order or the worker they ran in."""
        cases = []
        for record in self.records:
            if record.reported:
                cases.append(record)
            elif record.subtests:
                record.subtests[0].time = record.time
            cases.extend(record.subtests)
        return sorted(cases, key=lambda case: (case.classname, case.name))

    # What the result is told.

    def _on_startTest(self, test) -> None:
        self._record(test)
        self._started[id(test)] = time.perf_counter()

    def _on_stopTest(self, test) -> None:
        record = self._open.pop(id(test), None)
        started = self._started.pop(id(test), None)
        if record is None:
            return
        if started is not None and id(record) not in self._timed:
            # Replaced by the test's own duration when one arrives (the
            # worker's, or unittest's); a crashed test has only this one.
            record.time = time.perf_counter() - started
        self._last_stopped = (id(test), record)

    def _on_addDuration(self, test, elapsed) -> None:
        record = self._open.get(id(test))
        if record is None and self._last_stopped:
            key, last = self._last_stopped
            record = last if key == id(test) else None
        if record is not None:
            record.time = float(elapsed)
            self._timed.add(id(record))

    def _on_addSuccess(self, test) -> None:
        self._record(test).passed = True

    def _on_addFailure(self, test, err) -> None:
        self._problem(test, "failure", err)

    def _on_addError(self, test, err) -> None:
        self._problem(test, "error", err)

    def _on_addSkip(self, test, reason) -> None:
        record = self._record(test)
        record.problems.append(Problem("skipped", message=str(reason)))
        self._close_holder(test)

    def _on_addExpectedFailure(self, test, err) -> None:
        detail = self._detail(test, err)
        record = self._record(test)
        record.problems.append(
            Problem(
                "skipped",
                message=f"expected failure: {detail.message}",
                type=detail.type,
                text=detail.traceback,
            )
        )
        self._keep_output(record, detail)

    def _on_addUnexpectedSuccess(self, test) -> None:
        self._record(test).problems.append(
            Problem(
                "failure",
                message="unexpected success: the test is marked as an "
                "expected failure, and passed",
                type="UnexpectedSuccess",
            )
        )

    def _on_addSubTest(self, test, subtest, err) -> None:
        if err is None:
            return  # Passing subtests are not reported, as in the closing line.
        parent = self._record(test)
        classname, name = names(subtest)
        case = CaseRecord(classname, name, parent.file, parent.line)
        failed = isinstance(err[0], type) and issubclass(err[0], test.failureException)
        detail = self._detail(subtest, err)
        case.problems.append(_problem("failure" if failed else "error", detail))
        self._keep_output(case, detail)
        parent.subtests.append(case)

    # Records.

    def _record(self, test) -> CaseRecord:
        """The open record of ``test``, made on its first event (a skipped
        test is never started from Python 3.12.1 on)."""
        record = self._open.get(id(test))
        if record is None:
            classname, name = names(test)
            file, line = self._location(test)
            record = CaseRecord(classname, name, file, line)
            self.records.append(record)
            self._open[id(test)] = record
        return record

    def _close_holder(self, test) -> None:
        # A class or module fixture's error is never started or stopped.
        if _is_holder(test):
            self._open.pop(id(test), None)

    def _problem(self, test, kind: str, err) -> None:
        detail = self._detail(test, err)
        record = self._record(test)
        record.problems.append(_problem(kind, detail))
        self._keep_output(record, detail)
        self._close_holder(test)

    def _detail(self, test, err) -> ErrorDetail:
        value = err[1] if err else None
        if isinstance(value, RemoteError):
            if value.detail is not None:
                return value.detail
            # A report without parts: its last line is "Type: message".
            lines = [line for line in value.text.splitlines() if line.strip()]
            return ErrorDetail(
                type="", message=lines[-1] if lines else "", traceback=value.text
            )
        return describe_error(err, test, captured_output(self._result))

    @staticmethod
    def _keep_output(record: CaseRecord, detail: ErrorDetail) -> None:
        # A later report of the same test (tearDown after a failure) has
        # seen more of its output.
        record.stdout = detail.stdout or record.stdout
        record.stderr = detail.stderr or record.stderr

    def _location(self, test) -> tuple[str | None, int | None]:
        if _is_holder(test):
            return self._relative(*_holder_location(test.description))
        key = (type(test), getattr(test, "_testMethodName", ""))
        if key not in self._locations:
            self._locations[key] = self._relative(*_method_location(test))
        return self._locations[key]

    def _relative(self, path: str | None, line: int | None):
        if path is None:
            return None, None
        path = os.path.abspath(path)
        if path == self.root or path.startswith(self.root + os.sep):
            path = os.path.relpath(path, self.root)
        return path, line


def _problem(kind: str, detail: ErrorDetail) -> Problem:
    return Problem(kind, detail.message, detail.type, detail.traceback)


def _is_holder(test) -> bool:
    return type(test).__name__ == "_ErrorHolder"


def names(test) -> tuple[str, str]:
    """``(classname, name)`` of a test, a subtest or a fixture's error."""
    if _is_holder(test):
        description = str(getattr(test, "description", test))
        match = _FIXTURE.match(description)
        if match:
            return match["parent"], match["name"]
        match = _CLASS_NOTE.match(description)
        if match:
            return match["parent"], match["note"]
        return description, description
    if isinstance(test, unittest.case._SubTest):
        classname, name = names(test.test_case)
        try:
            return classname, f"{name} {test._subDescription()}"
        except Exception:  # a parameter whose repr() fails
            return classname, f"{name} (subtest)"
    test_id = test.id()
    method = getattr(test, "_testMethodName", None)
    if method and test_id.endswith(f".{method}"):
        return test_id[: -len(method) - 1], method
    classname, _, name = test_id.rpartition(".")
    return classname or test_id, name or test_id


def _method_location(test) -> tuple[str | None, int | None]:
    """The file and first line of a test's method, where Python knows them."""
    cls = type(test)
    if cls.__module__.startswith("unittest."):
        return None, None  # unittest's stand-ins (a module that failed to import)
    method = getattr(cls, getattr(test, "_testMethodName", ""), None)
    try:
        code = inspect.unwrap(method).__code__
        return code.co_filename, code.co_firstlineno
    except (AttributeError, TypeError, ValueError):
        return _module_file(cls.__module__), None


def _holder_location(description: str) -> tuple[str | None, int | None]:
    """Where the class or module a fixture error names is defined."""
    match = _FIXTURE.match(description) or _CLASS_NOTE.match(description)
    if not match:
        return None, None
    dotted = match["parent"]
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module = sys.modules.get(".".join(parts[:cut]))
        if module is None:
            continue
        target = module
        for part in parts[cut:]:
            target = getattr(target, part, None)
        if inspect.isclass(target):
            try:
                return inspect.getsourcefile(target), inspect.getsourcelines(target)[1]
            except (OSError, TypeError):
                pass
        return _module_file(module.__name__), None
    return None, None


def _module_file(name: str) -> str | None:
    module = sys.modules.get(name)
    path = getattr(module, "__file__", None)
    return path if path and path.endswith(".py") else None
