"""coverage.py in worker processes.

A run started under coverage.py (``coverage run manage.py test --parallel
N``, ``coverage run -m django test ...``) measures its workers too, under
spawn, forkserver and fork, with no sitecustomize or ``.pth`` file: the
parent hands each worker the configuration of the ``Coverage`` measuring it
(``CoveragePlan``), and the worker measures itself with it from its first
line and saves its data before it exits, to a file of its own (the data
file's name with a per-process suffix, as coverage's parallel mode names
them). It must save by itself: multiprocessing ends a worker with
``os._exit``, which skips the exit hook coverage saves from.
``coverage combine`` then merges the workers' files with the parent's.

coverage is never imported here unless it is already measuring the parent.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

# Warnings every worker would repeat, and that say nothing about the run: a
# worker need not import or run every measured module, and a forked one
# imported them all before it started measuring.
QUIET = ("no-data-collected", "module-not-imported", "module-not-measured")


@dataclass(frozen=True)
class CoveragePlan:
    """What a worker measures itself with."""

    # The parent's configuration, as coverage's own subprocess support hands
    # it on (``CoverageConfig.serialize``, prefixed).
    config: str
    # id() of the parent's Coverage: a forked worker inherits that object.
    parent: int


def coverage_plan(
    log: Callable[[str, int], None] | None = None,
) -> CoveragePlan | None:
    """The plan for the workers when coverage measures this process, else
    None. ``log(message, level)`` gets one line when the workers cannot be
    measured, or when their files need ``coverage combine --append``."""
    module = sys.modules.get("coverage")
    if module is None:
        return None
    try:
        current = module.Coverage.current()
    except Exception:
        return None
    if current is None:
        return None
    say = log or (lambda message, level: None)
    try:
        prefix = sys.modules["coverage.control"].CONFIG_DATA_PREFIX
        config = prefix + current.config.serialize()
        parallel = bool(current.config.parallel)
        data_file = current.config.data_file
    except Exception as exc:
        version = getattr(module, "__version__", "?")
        say(
            f"coverage.py {version} cannot hand its configuration to worker "
            f"processes ({type(exc).__name__}: {exc}); the workers are not "
            "measured: use coverage.py 7.10.4 or later, or --parallel 1",
            logging.WARNING,
        )
        return None
    # A process not in parallel mode writes the data file itself, which a
    # plain `coverage combine` would replace with the workers' files.
    if not (parallel or getattr(current, "_data_suffix_specified", None)):
        say(
            f"The workers' coverage data goes to {data_file}.* files: combine "
            f"them with `coverage combine --append` (or set parallel = true in "
            "coverage's [run] settings)",
            logging.WARNING,
        )
    return CoveragePlan(config, id(current))


def start_measuring(plan: CoveragePlan | None):
    """In a worker, first thing: measure this process as the parent is
    measured. Returns the Coverage to save at the end, or None."""
    if plan is None:
        return None
    try:
        import coverage

        current = coverage.Coverage.current()
        if current is not None and _started_here(current, plan):
            # coverage's own process support started it for this process
            # (concurrency = multiprocessing, patch = fork or subprocess).
            return current
        if current is not None:
            # Inherited through fork, from the parent (or a fork server):
            # what it holds is theirs to save.
            current.stop()
        measuring = coverage.Coverage(config_file=plan.config, data_suffix=True)
        quiet = set(measuring.get_option("run:disable_warnings") or ()) | set(QUIET)
        measuring.set_option("run:disable_warnings", sorted(quiet))
        measuring.start()
        return measuring
    except Exception as exc:
        _say(f"this worker process is not measured by coverage: {exc!r}")
        return None


def _started_here(current, plan: CoveragePlan) -> bool:
    """Whether ``current`` was started in this process, not inherited."""
    # The process a Coverage's collector was made in (private, so checked
    # with care); without it, only the parent's own object is known.
    pid = getattr(getattr(current, "_collector", None), "pid", None)
    if isinstance(pid, int):
        return pid == os.getpid()
    return id(current) != plan.parent


def save_measurement(measuring) -> None:
    """Stop measuring and write this worker's data file."""
    if measuring is None:
        return
    # What coverage prints goes to this process's own streams: the pipe
    # to the parent may be closed by now.
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    try:
        measuring.stop()
        measuring.save()
    except Exception as exc:
        _say(f"the coverage data of this worker process was not saved: {exc!r}")
    finally:
        sys.stdout, sys.stderr = streams


def _say(message: str) -> None:
    try:
        sys.__stderr__.write(f"django-parallel: warning: {message}\n")
        sys.__stderr__.flush()
    except (AttributeError, OSError, ValueError):
        pass
