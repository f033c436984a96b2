"""The picklable state a worker process is set up from.

The parent builds one ``WorkerPlan`` per slot and hands it to the new process.
A new interpreter (spawn, forkserver) sets itself up from it alone; a forked
worker has the parent's settings, app registry and imported tests already.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import pickle
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from django_parallel.backends import WorkerDatabase
from django_parallel.errors import RunnerError
from django_parallel.parallel.coverage_workers import CoveragePlan


@dataclass(frozen=True)
class CapturedSettings:
    """The parent's settings, for a worker that starts a new interpreter.

    Every setting travels pickled: the worker compares each with the value
    its own settings module (or Django's default) gave it and sets those that
    differ, so a value replaced, added, deleted or changed in place in the
    parent before the run reaches it. Comparing there sees what a new
    interpreter really gets (process_setup included), without loading the
    settings module a second time in the parent.
    """

    # A settings.configure() project: the settings it configured or set
    # since, which the worker configures itself with.
    configured: frozenset[str] = frozenset()
    # Every setting of the parent, pickled; None for one whose value cannot
    # be pickled and is still the object the settings module or the defaults
    # made, which the worker then makes itself.
    values: dict[str, bytes | None] = field(default_factory=dict)
    # What the parent deleted of what the module or the defaults define.
    deleted: frozenset[str] = frozenset()


@dataclass(frozen=True)
class WorkerPlan:
    """What a worker process starts from, known before any test database
    exists, so workers can boot while the parent migrates."""

    slot: int
    # None for a settings.configure() project.
    settings_module: str | None
    settings_values: CapturedSettings
    sys_path: list[str]
    cwd: str
    process_setup: Callable | None
    process_setup_args: tuple
    debug_mode: bool
    buffer: bool
    failfast: bool
    debug_sql: bool
    verbosity: int
    timeout: float | None
    log_file: str
    # The connect bound the parent gave its connections (bound_connects).
    connect_timeout: float | None = None
    # --durations: time class fixtures (class_timing.TimedSuite).
    time_fixtures: bool = False
    # The parent runs under coverage.py: the worker measures itself too.
    coverage: CoveragePlan | None = None


@dataclass(frozen=True)
class WorkerDatabases:
    """The second half of a worker's set-up, sent once the test databases
    and their clones exist: where its copies are, and serialized data."""

    databases: dict[str, WorkerDatabase]
    mirrors: dict[str, str]
    serialized_contents: dict[str, str]
    # The run's test modules, in the order the parent imported them. A new
    # interpreter imports them before it runs the system checks, as a forked
    # worker has them: what a test module registers when imported (a model
    # in the admin, say) is then in the URLconf a check loads.
    test_modules: tuple[str, ...] = ()
    # sys.path once the tests were discovered: discovery adds the top-level
    # directory of a path label, which the test modules are imported from.
    sys_path: tuple[str, ...] = ()


def modules_of_tests(tests) -> tuple[str, ...]:
    """The modules defining ``tests``, in the order this process imported
    them (``sys.modules`` keeps it)."""
    wanted = {type(test).__module__ for test in tests}
    wanted -= {"__main__", "__mp_main__"}
    return tuple(name for name in list(sys.modules) if name in wanted)


def capture_settings(
    start_method: str | None = None, settings=None
) -> tuple[str | None, CapturedSettings]:
    """The settings module, and the settings a worker must be handed.

    Under fork a worker inherits the parent's settings, so nothing is
    captured. Otherwise raises RunnerError naming a setting whose value was
    set at run time and cannot be pickled.
    """
    from django.conf import Settings, UserSettingsHolder, global_settings

    if settings is None:
        from django.conf import settings
    holder = _holder(settings)
    # Under override_settings() layers (or a configure() project's), what
    # each layer configured, and what lies beneath: a settings module or
    # the defaults.
    configured: set[str] = set()
    base, made_by = holder, [global_settings]
    while isinstance(base, UserSettingsHolder):
        configured.update(name for name in vars(base) if name.isupper())
        base = base.default_settings
        if not isinstance(base, (UserSettingsHolder, Settings)):
            made_by.append(base)
    module_name = base.SETTINGS_MODULE if isinstance(base, Settings) else None
    if _inherits_settings(start_method):
        return module_name, CapturedSettings()
    if module_name is not None:
        # The worker loads the module itself and is handed the rest.
        configured = set()
        made_by.append(importlib.import_module(module_name))
    names = _names(holder)
    values: dict[str, bytes | None] = {}
    for name in names:
        value = getattr(holder, name)
        try:
            values[name] = pickle.dumps(value)
        except Exception as exc:
            if name not in configured and any(
                getattr(source, name, _MISSING) is value for source in made_by
            ):
                values[name] = None
                continue
            raise RunnerError(
                f"setting {name} cannot be handed to worker processes ({exc}); "
                "set it in the settings module instead of at run time, use "
                "--start-method fork, or run with --parallel 1"
            ) from None
    deleted = set().union(*(_names(source) for source in made_by)) - names
    return module_name, CapturedSettings(
        frozenset(configured), values, frozenset(deleted)
    )


def loaded_settings(module_name: str | None, settings=None) -> dict | None:
    """A new worker's settings as loading its settings module gave them,
    pickled, before its process_setup changes any (None for a
    settings.configure() project, or a module that does not load yet)."""
    if module_name is None:
        return None
    if settings is None:
        from django.conf import settings
    try:
        holder = _holder(settings)
    except Exception:  # process_setup may be what makes it loadable
        return None
    return {name: _pickled(getattr(holder, name)) for name in _names(holder)}


def apply_settings(
    module_name: str | None,
    captured: CapturedSettings,
    settings=None,
    loaded: dict | None = None,
) -> None:
    """Give a new worker interpreter the parent's settings (before
    ``django.setup()``): configure a settings.configure() project, then set
    what differs from the parent's and delete what the parent deleted.

    Settings only the worker has stay, and so does what its process_setup
    made of a setting that the parent has as the settings module made it
    (``loaded``): the parent never called process_setup.
    """
    if settings is None:
        from django.conf import settings
    values = captured.values
    if module_name is None and not settings.configured:
        settings.configure(
            **{
                name: _load(name, values[name])
                for name in captured.configured
                if values.get(name) is not None
            }
        )
    if not values:
        return
    holder = _holder(settings)
    for name in captured.deleted & _names(holder):
        delattr(settings, name)
    for name, pickled in values.items():
        if pickled is None:
            continue
        own = getattr(holder, name, _MISSING)
        original = (loaded or {}).get(name)
        # Equal pickles spare unpickling (and importing what a value
        # refers to) for the settings nothing changed.
        if (own is not _MISSING and _pickled(own) == pickled) or original == pickled:
            continue
        value = _load(name, pickled)
        if own is not _MISSING and _same(own, value):
            continue
        if original is not None and _same(_unpickled(original), value):
            continue
        setattr(settings, name, value)


def _inherits_settings(start_method: str | None) -> bool:
    """Whether workers are forked, and so have the parent's settings."""
    try:
        method = multiprocessing.get_context(start_method).get_start_method()
    except ValueError:
        return True  # Refused when the workers start; nothing to capture.
    return method == "fork"


def _holder(settings):
    """The object holding the settings behind ``django.conf.settings``."""
    from django.utils.functional import empty

    if settings._wrapped is empty:
        settings._setup()
    return settings._wrapped


def _names(holder) -> set[str]:
    return {name for name in dir(holder) if name.isupper()}


def _pickled(value) -> bytes | None:
    try:
        return pickle.dumps(value)
    except Exception:
        return None


def _unpickled(pickled: bytes):
    try:
        return pickle.loads(pickled)
    except Exception:
        return _MISSING


def _load(name: str, pickled: bytes):
    try:
        return pickle.loads(pickled)
    except Exception as exc:
        raise RuntimeError(
            f"setting {name} of the parent process cannot be unpickled in a "
            f"worker process: {exc!r}"
        ) from exc


_MISSING = object()


def _same(a, b, depth: int = 0) -> bool:
    """Whether two settings values are equal, without evaluating lazy
    objects (a lazy URL compared would load the URLconf before the test
    modules are imported)."""
    from django.utils.functional import Promise

    if a is b:
        return True
    if depth > 50 or isinstance(a, Promise) or isinstance(b, Promise):
        return False
    if type(a) is not type(b):
        return False
    try:
        if isinstance(a, dict):
            return a.keys() == b.keys() and all(
                _same(a[key], b[key], depth + 1) for key in a
            )
        if isinstance(a, (list, tuple)):
            return len(a) == len(b) and all(
                _same(x, y, depth + 1) for x, y in zip(a, b, strict=True)
            )
        return bool(a == b)
    except Exception:  # a value that refuses to be compared
        return False


def capture_environment() -> tuple[list[str], str]:
    return list(sys.path), os.getcwd()
