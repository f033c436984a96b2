#!/usr/bin/env python
"""Database set-up time of a first run (migrating) and of a second,
unchanged run (copying from the migrated-database cache).

    python scripts/benchmark_db_cache.py --suite example
    python scripts/benchmark_db_cache.py --suite synthetic --migrations 300
    python scripts/benchmark_db_cache.py --project PATH --labels app.tests

Each repeat clears the cache, runs once to fill it and once to use it, and
reads "Total database setup took" from --timing, in serial runs (clones are
not cached). EXAMPLE_DB / SYNTH_DB pick a server backend.

On PostgreSQL and MariaDB/MySQL it then measures what a CI job gets: the
server entries are exported to .django_parallel/ (cicache.export), dropped
from the server (a fresh server), and a run loads the files; its set-up and
whole run are compared with a warm run's.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETUP = re.compile(r"Total database setup took ([\d.]+)s")


def setup_seconds(project: Path, labels: list[str], *extra: str) -> float:
    return timed_run(project, labels, *extra)[0]


def timed_run(project: Path, labels: list[str], *extra: str) -> tuple[float, float]:
    """The database set-up's seconds and the whole command's."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "test",
            *labels,
            "--testrunner",
            "django_parallel.Runner",
            "--timing",
            # Creating the test databases only: clones are not cached.
            "--parallel",
            "1",
            "--noinput",
            "-v",
            "1",
            *extra,
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    found = SETUP.search(done.stderr)
    if done.returncode != 0 or not found:
        raise SystemExit(f"run failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return float(found.group(1)), wall


def django_shell(project: Path, code: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"shell failed:\n{done.stderr[-3000:]}")
    return done.stdout


# Drops the server's cache entries and spares, keeping the exported files:
# what a CI job's fresh server has, with .django_parallel/ restored.
FRESH_SERVER = """
from django.db import connections
from django_parallel.backends import adapter_for
for alias in connections:
    adapter = adapter_for(connections[alias])
    if adapter.supports_cache and adapter.dump_suffix:
        adapter.clear_cache()
"""
VENDORS = (
    "from django.db import connections; print(*{c.vendor for c in connections.all()})"
)


def ci_restore(project: Path, labels: list[str], repeats: int) -> None:
    """Warm runs against runs on a "fresh" server with the exported files."""
    if not set(django_shell(project, VENDORS).split()) & {"postgresql", "mysql"}:
        return
    warm, restored = [], []
    for _ in range(repeats):
        warm.append(timed_run(project, labels))
    django_shell(project, "from django_parallel import cicache; cicache.export()")
    for _ in range(repeats):
        django_shell(project, FRESH_SERVER)
        restored.append(timed_run(project, labels))
    for what, index in (("set-up", 0), ("whole run", 1)):
        a = statistics.median(w[index] for w in warm)
        b = statistics.median(r[index] for r in restored)
        print(
            f"  fresh server with .django_parallel/ restored: {what} {b:.3f}s "
            f"against {a:.3f}s warm ({b / a - 1:+.1%})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=["example", "synthetic"], default="example")
    parser.add_argument("--project")
    parser.add_argument("--labels", nargs="*", default=[])
    parser.add_argument("--migrations", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    labels = args.labels
    if args.project:
        project = Path(args.project).resolve()
    elif args.suite == "example":
        project = ROOT / "example"
    else:
        project = Path(tempfile.mkdtemp(prefix="dp-synthetic-"))
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts" / "synthetic_project.py"),
                str(project),
                "--classes",
                "2",
                "--seconds",
                "1",
                "--migrations",
                str(args.migrations),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    first, second = [], []
    try:
        for _ in range(args.repeats):
            first.append(setup_seconds(project, labels, "--clear-db-cache"))
            second.append(setup_seconds(project, labels))
        a, b = statistics.median(first), statistics.median(second)
        print(
            f"{args.suite if not args.project else project.name}: database set-up "
            f"{a:.3f}s migrating, {b:.3f}s from the cache ({b / a:.1%} of the "
            "first run)"
        )
        ci_restore(project, labels, args.repeats)
    finally:
        # Leave no cache entry (nor spare copy) behind, nor a generated project.
        setup_seconds(project, labels, "--clear-db-cache", "--no-db-cache")
        if not args.project and args.suite == "synthetic":
            shutil.rmtree(project, ignore_errors=True)


if __name__ == "__main__":
    main()
