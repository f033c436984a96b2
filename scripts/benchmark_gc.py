#!/usr/bin/env python
"""What the garbage collector costs a test process, with and without
``gc.freeze()`` after Django is set up (as django_parallel's workers do).

    python scripts/benchmark_gc.py --classes 30 --seconds 10 --repeats 3

Each measurement is a fresh process that sets Django up on a generated
synthetic project, runs its suite serially on an in-memory SQLite test
database, and reports the seconds spent in collections during the tests and
the seconds its exit took (the interpreter's last collection). The two
modes alternate, and the medians are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_project import generate  # noqa: E402

PROBE = """\
import gc, os, sys, time, unittest
sys.path.insert(0, os.getcwd())
os.environ["DJANGO_SETTINGS_MODULE"] = "synth_project.settings"
import django
django.setup()
from django.db import connection
from django.test.utils import setup_test_environment
setup_test_environment()
connection.creation.create_test_db(verbosity=0)
suite = unittest.defaultTestLoader.discover("synth/tests", top_level_dir=".")
spent, started = [0.0], [0.0]
def timed(phase, info):
    if phase == "start":
        started[0] = time.perf_counter()
    else:
        spent[0] += time.perf_counter() - started[0]
if sys.argv[1] == "freeze":
    gc.freeze()
gc.callbacks.append(timed)
unittest.TextTestRunner(stream=open(os.devnull, "w")).run(suite)
gc.callbacks.remove(timed)
if sys.argv[1] == "freeze":
    gc.freeze()
print(spent[0], time.time(), flush=True)
"""


def measure(project: Path, probe: Path, mode: str) -> tuple[float, float]:
    output = subprocess.run(
        [sys.executable, str(probe), mode],
        cwd=project,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "SYNTH_DB": "sqlite"},
    ).stdout.split()
    ended = time.time()
    return float(output[0]), ended - float(output[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dp-gc-") as scratch:
        project = Path(scratch) / "synth"
        generate(project, args.classes, args.seconds, migration_count=10, seed=2026)
        probe = Path(scratch) / "probe.py"
        probe.write_text(PROBE)
        results: dict[str, list[tuple[float, float]]] = {"plain": [], "freeze": []}
        for _ in range(args.repeats):
            for mode in results:
                results[mode].append(measure(project, probe, mode))
    print(f"{'mode':<8} {'gc during tests s':>18} {'exit s':>8}")
    for mode, runs in results.items():
        collecting = statistics.median(r[0] for r in runs)
        exiting = statistics.median(r[1] for r in runs)
        print(f"{mode:<8} {collecting:>18.3f} {exiting:>8.3f}")


if __name__ == "__main__":
    main()
