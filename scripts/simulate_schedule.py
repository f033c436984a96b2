#!/usr/bin/env python
"""Simulate dispatching test classes to N workers, from recorded durations.

    python scripts/simulate_schedule.py .django_parallel/durations.json
    python scripts/simulate_schedule.py --synthetic 400 --workers 2 4 8 16 32 64

Two dispatchers are compared. Django's: workers pull the next class in suite
order (the record's bins, then class names, which is the order discovery
finds them in). Ours: django_parallel's own Schedule, run against simulated
workers. Efficiency is the lower bound on the wall time, max(total /
workers, longest class), divided by the simulated wall time: 1.0 means no
worker waits for another at the end.
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def makespan(durations: list[float], workers: int) -> float:
    """Wall time when ``workers`` pull ``durations`` in the given order."""
    free_at = [0.0] * workers
    for duration in durations:
        start = heapq.heappop(free_at)
        heapq.heappush(free_at, start + duration)
    return max(free_at)


def schedule_makespan(
    durations: list[float],
    bins: list[int],
    workers: int,
    actual: list[float] | None = None,
) -> float:
    """Wall time when django_parallel's Schedule hands the classes out,
    planning from ``durations`` while the classes take ``actual`` seconds
    (the same, unless given)."""
    from django_parallel.parallel.scheduling import Planned, Schedule, simulate
    from django_parallel.parallel.worker import Task

    actual = durations if actual is None else actual
    planned = [
        Planned(Task(index, b""), bin_, duration)
        for index, (duration, bin_) in enumerate(zip(durations, bins, strict=True))
    ]
    schedule = Schedule(planned, range(1, workers + 1))
    return simulate(schedule, actual)[0]


def lower_bound(durations: list[float], workers: int) -> float:
    return max(sum(durations) / workers, max(durations, default=0.0))


def synthetic_durations(classes: int, seed: int = 2026) -> list[float]:
    """A long-tailed spread, as real suites have: most classes take well
    under a second, a few take tens of times longer, and some of the slowest
    sit late in the suite order."""
    rng = random.Random(seed)
    durations = [round(rng.lognormvariate(-1.2, 1.0), 4) for _ in range(classes)]
    slow = [round(rng.uniform(8.0, 15.0), 4) for _ in range(max(1, classes // 100))]
    return durations + slow


def compare(
    durations: list[float],
    bins: list[int],
    worker_counts: list[int],
    noise: float = 0.0,
    trials: int = 1,
) -> list[dict]:
    """Per worker count, the mean over ``trials`` of each dispatcher's wall
    time and efficiency. With ``noise``, every trial's classes take their
    recorded time times a log-normal factor of that sigma, as on a busy
    machine, while our schedule still plans from the record."""
    rng = random.Random(7)
    rows = []
    for workers in worker_counts:
        trials_run = []
        for _ in range(trials if noise else 1):
            actual = [d * rng.lognormvariate(0.0, noise) for d in durations]
            bound = lower_bound(actual, workers)
            django = makespan(actual, workers)
            ours = schedule_makespan(durations, bins, workers, actual)
            trials_run.append((bound, django, bound / django, ours, bound / ours))
        bound, django, django_eff, ours, ours_eff = (
            statistics.fmean(column) for column in zip(*trials_run, strict=True)
        )
        rows.append(
            {
                "workers": workers,
                "lower_bound_s": round(bound, 3),
                "django_s": round(django, 3),
                "django_efficiency": round(django_eff, 4),
                "ours_s": round(ours, 3),
                "ours_efficiency": round(ours_eff, 4),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("durations_file", nargs="?", help="a durations.json record")
    parser.add_argument(
        "--synthetic",
        type=int,
        metavar="CLASSES",
        help="use a generated long-tailed suite of this many classes",
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4, 8, 16, 32, 64])
    parser.add_argument(
        "--noise",
        type=float,
        default=0.0,
        metavar="SIGMA",
        help="classes take their recorded time times a log-normal factor "
        "(e.g. 0.15); the schedule still plans from the record",
    )
    parser.add_argument("--trials", type=int, default=200, help="with --noise")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args()
    if args.synthetic:
        durations = synthetic_durations(args.synthetic)
        bins = [0] * len(durations)
        source = f"synthetic suite of {len(durations)} classes"
    elif args.durations_file:
        from django_parallel.parallel.scheduling import load_bins, load_durations

        recorded = load_durations(args.durations_file)
        recorded_bins = load_bins(args.durations_file)
        # Bins, then names: the order Django's runner hands classes out in.
        names = sorted(recorded, key=lambda name: (recorded_bins.get(name, 0), name))
        durations = [recorded[name] for name in names]
        bins = [recorded_bins.get(name, 0) for name in names]
        source = args.durations_file
    else:
        parser.error("give a durations file or --synthetic N")
    if not durations:
        parser.error("no durations to simulate")
    rows = compare(durations, bins, args.workers, args.noise, args.trials)
    print(
        f"{source}: {len(durations)} classes, {sum(durations):.1f}s in all, "
        f"longest {max(durations):.1f}s"
        + (f", noise sigma {args.noise:g} ({args.trials} trials)" if args.noise else "")
    )
    print(
        f"{'workers':>7} {'bound':>8} {'django':>8} {'eff':>6} {'ours':>8} {'eff':>6}"
    )
    for row in rows:
        print(
            f"{row['workers']:>7} {row['lower_bound_s']:>8.2f} {row['django_s']:>8.2f} "
            f"{row['django_efficiency']:>6.3f} {row['ours_s']:>8.2f} "
            f"{row['ours_efficiency']:>6.3f}"
        )
    if args.json:
        Path(args.json).write_text(
            json.dumps({"source": source, "rows": rows}, indent=1)
        )


if __name__ == "__main__":
    main()
