#!/usr/bin/env python
"""Database set-up time of a first run (migrating) and of a second,
unchanged run (copying from the migrated-database cache).

    python scripts/benchmark_db_cache.py --suite example
    python scripts/benchmark_db_cache.py --suite synthetic --migrations 300
    python scripts/benchmark_db_cache.py --project PATH --labels app.tests

Each repeat clears the cache, runs once to fill it and once to use it, and
reads "Total database setup took" from --timing, in serial runs (clones are
not cached). EXAMPLE_DB / SYNTH_DB pick a server backend.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETUP = re.compile(r"Total database setup took ([\d.]+)s")


def setup_seconds(project: Path, labels: list[str], *extra: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
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
    found = SETUP.search(done.stderr)
    if done.returncode != 0 or not found:
        raise SystemExit(f"run failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return float(found.group(1))


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
    finally:
        # Leave no cache entry (nor spare copy) behind, nor a generated project.
        setup_seconds(project, labels, "--clear-db-cache", "--no-db-cache")
        if not args.project and args.suite == "synthetic":
            shutil.rmtree(project, ignore_errors=True)
    a, b = statistics.median(first), statistics.median(second)
    print(
        f"{args.suite if not args.project else project.name}: database set-up "
        f"{a:.3f}s migrating, {b:.3f}s from the cache ({b / a:.1%} of the first run)"
    )


if __name__ == "__main__":
    main()
