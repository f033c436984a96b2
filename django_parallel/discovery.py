"""Turning test labels into a flat list of tests (django/test/runner.py's
``load_tests_for_label`` and ``build_suite``, and its tag filtering).

A label is a dotted path (package, module, class or method), a directory, or
a path to a test module. A label that names nothing is a ``RunnerError``; a
module that exists but fails to import stays in the suite as unittest's
``_FailedTest``, so that its traceback is reported like any other error.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import unittest
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django_parallel.errors import RunnerError


class SkippedModule(unittest.TestCase):
    """A test module that raised ``SkipTest`` when discovery imported it.
    unittest stands in for it with a class it makes on the fly
    (``ModuleSkipped``), which cannot be pickled for a worker process; this
    one is skipped with the same reason, under the same name."""

    def __init__(self, module: str, reason: str) -> None:
        super().__init__("test_module")
        self.module, self.reason = module, reason

    def test_module(self) -> None:
        raise unittest.SkipTest(self.reason)

    def id(self) -> str:
        return f"unittest.loader.ModuleSkipped.{self.module}"

    def __str__(self) -> str:
        return f"{self.module} ({self.id()})"


def _portable(test: unittest.TestCase) -> unittest.TestCase:
    """``test``, or for unittest's stand-in for a skipped module, one that
    can be sent to a worker."""
    if type(test).__name__ == "ModuleSkipped" and (
        type(test).__module__ == "unittest.loader"
    ):
        name = test._testMethodName
        method = getattr(type(test), name, None)
        return SkippedModule(name, getattr(method, "__unittest_skip_why__", ""))
    return test


def iter_tests(tests: Iterable) -> Iterator[unittest.TestCase]:
    """Every test in a (possibly nested) suite, in order."""
    for test in tests:
        if isinstance(test, unittest.TestSuite):
            yield from iter_tests(test)
        else:
            yield test


def name_patterns(patterns: Iterable[str] | None) -> set[str] | None:
    """``-k`` values as unittest patterns: a bare word matches as a substring."""
    if not patterns:
        return None
    return {p if "*" in p else f"*{p}*" for p in patterns}


def find_top_level(directory: str) -> str:
    """The first ancestor of ``directory`` that is not a package."""
    directory = os.path.abspath(directory)
    while os.path.exists(os.path.join(directory, "__init__.py")):
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return directory


class TestDiscovery:
    """Loads the tests for labels with one loader and one set of options."""

    def __init__(
        self,
        loader: unittest.TestLoader,
        *,
        pattern: str | None = None,
        top_level: str | None = None,
        test_name_patterns: set[str] | None = None,
    ) -> None:
        self.loader = loader
        self.pattern = pattern
        self.top_level = top_level
        self.test_name_patterns = test_name_patterns

    @contextmanager
    def _patterns(self):
        saved = self.loader.testNamePatterns
        self.loader.testNamePatterns = self.test_name_patterns
        try:
            yield
        finally:
            self.loader.testNamePatterns = saved

    def load(self, labels: Iterable[str]) -> list[unittest.TestCase]:
        tests: list[unittest.TestCase] = []
        for label in labels:
            tests.extend(map(_portable, iter_tests(self.load_label(label))))
        return tests

    def load_label(self, label: str) -> unittest.TestSuite:
        path = os.path.abspath(label)
        if os.path.isdir(path):
            return self._discover(label, path)
        if os.path.isfile(path):
            return self._load_file(label, path)
        if (
            os.sep in label
            or (os.altsep and os.altsep in label)
            or label.endswith(".py")
        ):
            raise RunnerError(
                f"test label {label!r} looks like a path, but no such file or "
                "directory exists; check the spelling relative to the current "
                "directory"
            )
        _check_dotted_label(label)
        with self._patterns():
            try:
                suite = self.loader.loadTestsFromName(label)
            except Exception:
                suite, _ = unittest.loader._make_failed_import_test(
                    label, self.loader.suiteClass
                )
        if suite.countTestCases() == 0 and _is_package(label):
            # A package label means "discover everything below it".
            return self._discover(label, None)
        return suite

    def _discover(self, label: str, path: str | None) -> unittest.TestSuite:
        kwargs = {}
        if self.pattern is not None:
            kwargs["pattern"] = self.pattern
        if self.top_level is not None:
            kwargs["top_level_dir"] = self.top_level
            if (
                path is not None
                and path != os.path.abspath(self.top_level)
                and not os.path.isfile(os.path.join(path, "__init__.py"))
            ):
                raise RunnerError(
                    f"test label {label!r} is a directory without __init__.py, so "
                    f"it cannot be imported below the top-level directory "
                    f"{self.top_level!r}; drop -t or make it a package"
                )
        elif path is not None:
            kwargs["top_level_dir"] = find_top_level(path)
        with self._patterns():
            try:
                return self.loader.discover(start_dir=label, **kwargs)
            finally:
                # Forget the top level of this label so the next one may differ.
                self.loader._top_level_dir = None

    def _load_file(self, label: str, path: str) -> unittest.TestSuite:
        if not path.endswith(".py"):
            raise RunnerError(
                f"test label {label!r} is a file but not a Python module; give "
                "a .py file, a directory or a dotted module path"
            )
        top = os.path.abspath(self.top_level) if self.top_level else None
        top = top or find_top_level(os.path.dirname(path))
        relative = os.path.relpath(path[:-3], top)
        if relative.startswith(os.pardir):
            raise RunnerError(
                f"test label {label!r} is outside the top-level directory {top!r}; "
                "pass -t/--top-level-directory with a directory that contains it"
            )
        if top not in sys.path:
            sys.path.insert(0, top)
        try:
            return self.load_label(relative.replace(os.sep, "."))
        except RunnerError:
            raise RunnerError(
                f"test label {label!r} is a file that cannot be imported as "
                f"{relative.replace(os.sep, '.')!r} from {top!r}"
            ) from None


def _is_package(label: str) -> bool:
    try:
        spec = importlib.util.find_spec(label)
    except (ImportError, ValueError):
        return False
    return spec is not None and spec.submodule_search_locations is not None


def _check_dotted_label(label: str) -> None:
    """Raise RunnerError when a dotted label names nothing that exists.

    Only absence is an error here: a module that exists but raises while being
    imported is left to the loader, which reports it as a failed test.
    """
    parts = label.split(".")
    if not all(part.isidentifier() for part in parts):
        raise RunnerError(
            f"test label {label!r} is neither a dotted path such as "
            "'app.tests.TestClass.test_method' nor an existing file or directory"
        )
    module_name = None
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        try:
            found = importlib.util.find_spec(candidate) is not None
        except ModuleNotFoundError:
            found = False
        except Exception:
            return  # A parent package is broken: the loader reports it.
        if found:
            module_name, rest = candidate, parts[end:]
            break
    if module_name is None:
        raise RunnerError(
            f"test label {label!r} matches no module, class, method, directory "
            "or file; use a dotted path such as 'app.tests.TestClass' or a path "
            "relative to the current directory"
        )
    try:
        obj = importlib.import_module(module_name)
    except Exception:
        return  # Broken module: the loader reports it with its traceback.
    for name in rest:
        if not hasattr(obj, name):
            raise RunnerError(
                f"test label {label!r} names {name!r}, which {module_name!r} "
                f"does not define; check the spelling"
            )
        obj = getattr(obj, name)
        module_name = f"{module_name}.{name}"


def test_tags(test: unittest.TestCase) -> set[str]:
    """Tags of a test: its class's plus its method's."""
    tags = set(getattr(test, "tags", ()))
    method = getattr(test, getattr(test, "_testMethodName", ""), None)
    tags.update(getattr(method, "tags", ()))
    return tags


def filter_by_tags(
    tests: Iterable[unittest.TestCase], tags: set[str], exclude_tags: set[str]
) -> list[unittest.TestCase]:
    """Tests having one of ``tags`` (when given) and none of ``exclude_tags``.

    Tests that failed to load are always kept: dropping them would let a
    syntax error pass unnoticed.
    """
    kept = []
    for test in tests:
        if isinstance(test, unittest.loader._FailedTest):
            kept.append(test)
            continue
        found = test_tags(test)
        if tags and found.isdisjoint(tags):
            continue
        if not found.isdisjoint(exclude_tags):
            continue
        kept.append(test)
    return kept
