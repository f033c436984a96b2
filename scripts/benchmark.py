#!/usr/bin/env python
"""Time a suite under Django's DiscoverRunner and django_parallel.Runner.

    python scripts/benchmark.py --suite example
    python scripts/benchmark.py --suite synthetic --workers 2 --repeats 5
    python scripts/benchmark.py --project PATH --labels app1 app2

For every start method and worker count, each repeat runs Django's runner
and ours back to back (alternating which goes first), so machine noise hits
both alike. Before the first cell, each runner runs the suite --warmup times
unmeasured, so the measured runs are the ones a developer makes every day:
files in the page cache, and for django_parallel its durations record and
migrated-database cache in place; and bytecode compiled for django_parallel
and the project, as pip compiles Django's on install (with
PYTHONDONTWRITEBYTECODE set, as on CI machines, every process of ours would
otherwise compile its modules from source). Reported per cell, as medians: wall
time, time to the first test result, CPU time of the whole process tree
(sampled per process too, since forkserver workers are not reaped by us),
peak memory of the largest worker process, the ratio ours/Django's of the
median wall times, and the median of the per-repeat ratios ("paired").
Two more columns say how close a run came to what its CPU work allows:
"use", the share of the cores' time the run kept busy (CPU time over cores
times wall time), and "bound", our CPU time over the cores divided by
Django's wall time in the same repeat: no run doing our CPU work on these
cores can reach a lower ratio. A table goes to stdout; --json and --png
write the same numbers to files (the plot needs matplotlib).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNNERS = {
    "django": "django.test.runner.DiscoverRunner",
    "ours": "django_parallel.Runner",
}
RESULT_LINE = re.compile(
    r" \.\.\. (ok|FAIL|ERROR|skipped|expected failure|unexpected success)"
)
# Starts the suite under a given start method, as runtests.py wrappers do:
# neither Django's test command nor its runtests.py has an option for it.
LAUNCHER = """\
import multiprocessing, runpy, sys
multiprocessing.set_start_method(sys.argv.pop(1), force=True)
sys.argv[0] = "manage.py"
sys.path.insert(0, "")
runpy.run_path("manage.py", run_name="__main__")
"""


def descendants(pid: int) -> list[int]:
    children = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            children.extend(int(c) for c in text)
    except OSError:
        return []
    found = list(children)
    for child in children:
        found.extend(descendants(child))
    return found


def peak_rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
CORES = len(os.sched_getaffinity(0))


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a live process so far."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    # The fields after the command name, which is in parentheses.
    fields = text.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


class Measurement:
    """One run of the suite: what it took, watched from outside."""

    def __init__(self, command, cwd, env, timeout) -> None:
        self.command, self.cwd, self.env, self.timeout = command, cwd, env, timeout
        self.peaks: dict[int, int] = {}
        self.cpu: dict[int, float] = {}
        self.first_result: float | None = None

    def _watch(self, process, started) -> None:
        for line in process.stderr:
            if self.first_result is None and RESULT_LINE.search(line):
                self.first_result = time.perf_counter() - started
        process.stderr.close()

    def _sample(self, process, stop) -> None:
        while not stop.is_set():
            for pid in [process.pid, *descendants(process.pid)]:
                peak = peak_rss_kib(pid)
                self.peaks[pid] = max(self.peaks.get(pid, 0), peak)
                self.cpu[pid] = max(self.cpu.get(pid, 0.0), cpu_seconds(pid))
            stop.wait(0.05)

    def run(self) -> dict:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            text=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        stop = threading.Event()
        watcher = threading.Thread(target=self._watch, args=(process, started))
        sampler = threading.Thread(target=self._sample, args=(process, stop))
        watcher.start()
        sampler.start()
        try:
            process.wait(self.timeout)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            stop.set()
            sampler.join()
            watcher.join()
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        # Forkserver workers are children of the fork server, which does not
        # wait for them, so the OS's count for reaped children misses them;
        # sampled, each process's last 50 ms are missed instead.
        cpu = max(cpu, sum(self.cpu.values()))
        worker_peaks = [kib for pid, kib in self.peaks.items() if pid != process.pid]
        return {
            "ok": process.returncode == 0,
            "wall_s": wall,
            "first_result_s": self.first_result,
            "cpu_s": cpu,
            "peak_worker_mib": max(worker_peaks or [self.peaks.get(process.pid, 0)])
            / 1024,
        }


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def prepare_suite(args) -> tuple[Path, list[str], dict]:
    env = {}
    if args.suite == "example":
        return ROOT / "example", [], env
    if args.suite == "synthetic":
        target = args.scratch / "synthetic"
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts" / "synthetic_project.py"),
                str(target),
                "--classes",
                str(args.classes),
                "--seconds",
                str(args.seconds),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return target, [], env
    return Path(args.project).resolve(), args.labels, env


def main() -> None:
    # The generated project and the launcher go with the run.
    scratch = tempfile.mkdtemp(prefix="dp-bench-")
    try:
        _main(Path(scratch))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _main(scratch: Path) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=["example", "synthetic"], default="example")
    parser.add_argument("--project", help="a Django project directory (with manage.py)")
    parser.add_argument("--labels", nargs="*", default=[])
    parser.add_argument(
        "--start-methods", nargs="+", default=["spawn", "forkserver", "fork"]
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--warmup",
        type=int,
        default=1,
        help="unmeasured runs of each runner before the first cell",
    )
    parser.add_argument("--classes", type=int, default=60, help="synthetic suite size")
    parser.add_argument(
        "--seconds", type=float, default=40.0, help="synthetic serial time"
    )
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--png", metavar="FILE")
    args = parser.parse_args()
    if args.project:
        args.suite = "project"

    args.scratch = scratch
    project, labels, extra_env = prepare_suite(args)
    launcher = scratch / "launch.py"
    launcher.write_text(LAUNCHER)
    env = {**os.environ, **extra_env}
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), env.get("PYTHONPATH")])
    )

    def command(name: str, method: str, workers: int) -> list[str]:
        return [
            sys.executable,
            str(launcher),
            method,
            "test",
            *labels,
            "--testrunner",
            RUNNERS[name],
            "--parallel",
            str(workers),
            "--noinput",
            "-v",
            "2",
        ]

    # Django's bytecode was compiled when pip installed it; compile ours and
    # the project's too, so neither runner compiles anything while timed.
    for tree in (ROOT / "django_parallel", project):
        compileall.compile_dir(str(tree), quiet=1)
    for _ in range(args.warmup):
        for name in RUNNERS:
            warm = command(name, args.start_methods[0], max(args.workers))
            Measurement(warm, project, env, args.timeout).run()

    cells = []
    for method in args.start_methods:
        for workers in args.workers:
            runs = {"django": [], "ours": []}
            for repeat in range(args.repeats):
                order = ["django", "ours"] if repeat % 2 == 0 else ["ours", "django"]
                for name in order:
                    runs[name].append(
                        Measurement(
                            command(name, method, workers), project, env, args.timeout
                        ).run()
                    )
            cell = {"start_method": method, "workers": workers}
            for name, results in runs.items():
                good = [r for r in results if r["ok"]]
                cell[name] = {
                    key: median([r[key] for r in good])
                    for key in ("wall_s", "first_result_s", "cpu_s", "peak_worker_mib")
                }
                cell[name]["failed_runs"] = len(results) - len(good)
                cell[name]["wall_s_each"] = [round(r["wall_s"], 3) for r in good]
            django_wall, ours_wall = cell["django"]["wall_s"], cell["ours"]["wall_s"]
            cell["ratio"] = (
                ours_wall / django_wall if django_wall and ours_wall else None
            )
            # Each repeat ran the two back to back: the median of the
            # per-repeat ratios cancels slow and fast spells of the machine.
            cell["paired_ratio"] = median(
                [
                    o["wall_s"] / d["wall_s"]
                    for d, o in zip(runs["django"], runs["ours"], strict=True)
                    if d["ok"] and o["ok"]
                ]
            )
            # Wall time can be no shorter than CPU time over the cores: the
            # lowest ratio a run doing our CPU work could reach against
            # Django's wall time of the same repeat.
            cell["cores"] = CORES
            for name, results in runs.items():
                cell[name]["core_use"] = median(
                    [r["cpu_s"] / CORES / r["wall_s"] for r in results if r["ok"]]
                )
            cell["bound"] = median(
                [
                    o["cpu_s"] / CORES / d["wall_s"]
                    for d, o in zip(runs["django"], runs["ours"], strict=True)
                    if d["ok"] and o["ok"]
                ]
            )
            cells.append(cell)
            print_cell(cell)

    report = {
        "suite": str(project),
        "labels": labels,
        "repeats": args.repeats,
        "cells": cells,
    }
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    if args.png:
        plot(report, args.png)


def fmt(value, pattern="{:.2f}") -> str:
    return "-" if value is None else pattern.format(value)


def print_cell(cell) -> None:
    if not getattr(print_cell, "header", False):
        print(
            f"{'method':<11}{'N':>3} {'django s':>9} {'ours s':>8} {'ratio':>6} "
            f"{'paired':>6} "
            f"{'1st dj':>7} {'1st us':>7} {'cpu dj':>7} {'cpu us':>7} "
            f"{'MiB dj':>7} {'MiB us':>7} {'use dj':>6} {'use us':>6} "
            f"{'bound':>6} {'fails':>6}"
        )
        print_cell.header = True
    d, o = cell["django"], cell["ours"]
    print(
        f"{cell['start_method']:<11}{cell['workers']:>3} {fmt(d['wall_s']):>9} "
        f"{fmt(o['wall_s']):>8} {fmt(cell['ratio']):>6} "
        f"{fmt(cell['paired_ratio']):>6} {fmt(d['first_result_s']):>7} "
        f"{fmt(o['first_result_s']):>7} {fmt(d['cpu_s']):>7} {fmt(o['cpu_s']):>7} "
        f"{fmt(d['peak_worker_mib'], '{:.0f}'):>7} {fmt(o['peak_worker_mib'], '{:.0f}'):>7} "
        f"{fmt(d['core_use']):>6} {fmt(o['core_use']):>6} {fmt(cell['bound']):>6} "
        f"{d['failed_runs']}/{o['failed_runs']:>4}",
        flush=True,
    )


def plot(report, path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot written", file=sys.stderr)
        return
    cells = report["cells"]
    labels = [f"{c['start_method']}\n{c['workers']}w" for c in cells]
    positions = range(len(cells))
    figure, axis = plt.subplots(figsize=(max(6, len(cells) * 1.2), 4))
    axis.bar(
        [p - 0.2 for p in positions],
        [c["django"]["wall_s"] or 0 for c in cells],
        width=0.4,
        label="Django DiscoverRunner",
    )
    axis.bar(
        [p + 0.2 for p in positions],
        [c["ours"]["wall_s"] or 0 for c in cells],
        width=0.4,
        label="django_parallel.Runner",
    )
    for position, cell in zip(positions, cells, strict=True):
        for offset, name in ((-0.2, "django"), (0.2, "ours")):
            if cell[name]["wall_s"] is None:
                axis.text(
                    position + offset,
                    0.2,
                    "failed",
                    rotation=90,
                    ha="center",
                    va="bottom",
                    fontsize=8,
                )
    axis.set_xticks(list(positions), labels)
    axis.set_ylabel("median wall time (s)")
    axis.set_title(Path(report["suite"]).name)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path)


if __name__ == "__main__":
    main()
