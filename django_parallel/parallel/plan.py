"""The picklable state a worker process is set up from.

The parent builds one ``WorkerPlan`` per slot and hands it to the new process,
which sets itself up from it alone: nothing is inherited, so spawn,
forkserver and fork behave the same.
"""

from __future__ import annotations

import importlib
import os
import pickle
import sys
from collections.abc import Callable
from dataclasses import dataclass

from django_parallel.backends import WorkerDatabase
from django_parallel.errors import RunnerError


@dataclass(frozen=True)
class WorkerPlan:
    """What a worker process starts from, known before any test database
    exists, so workers can boot while the parent migrates."""

    slot: int
    settings_module: str | None
    # A settings.configure() project: every setting it configured. A project
    # with a settings module: only the settings changed since it was loaded.
    settings_values: dict
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


@dataclass(frozen=True)
class WorkerDatabases:
    """The second half of a worker's set-up, sent once the test databases
    and their clones exist: where its copies are, and serialized data."""

    databases: dict[str, WorkerDatabase]
    mirrors: dict[str, str]
    serialized_contents: dict[str, str]


def capture_settings() -> tuple[str | None, dict]:
    """The settings module and the settings a worker must set itself.

    Raises RunnerError naming a setting whose value cannot be pickled.
    """
    from django.conf import global_settings, settings

    holder = settings._wrapped
    module_name = getattr(holder, "SETTINGS_MODULE", None)
    explicit = {k: v for k, v in vars(holder).items() if k.isupper()}
    if module_name is None or type(holder).__name__ == "UserSettingsHolder":
        values = explicit
        module_name = None
    else:
        module = importlib.import_module(module_name)
        values = {}
        for name, value in explicit.items():
            loaded = getattr(module, name, getattr(global_settings, name, _MISSING))
            if loaded is not value and not _equal(loaded, value):
                values[name] = value
    for name, value in values.items():
        try:
            pickle.dumps(value)
        except Exception as exc:
            raise RunnerError(
                f"setting {name} cannot be handed to worker processes ({exc}); "
                "set it in the settings module instead of at run time, or run "
                "with --parallel 1"
            ) from None
    return module_name, values


_MISSING = object()


def _equal(a, b) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return False


def capture_environment() -> tuple[list[str], str]:
    return list(sys.path), os.getcwd()
