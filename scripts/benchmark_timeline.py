#!/usr/bin/env python
"""What --timeline costs a parallel run.

    python scripts/benchmark_timeline.py --suite example --repeats 7
    python scripts/benchmark_timeline.py --suite synthetic --classes 60 --seconds 20

Each repeat runs, back to back and in a rotating order, Django's
DiscoverRunner, django_parallel.Runner, and django_parallel.Runner with
--timeline, on the same suite, start method and worker count, after one
unmeasured run of each (see benchmark.py for how runs are measured). It
prints the median wall and CPU times of each and the median of the
per-repeat ratios: ours against Django's, and ours with the timeline
against ours without it (the timeline's cost; 1.00 is none).
"""

from __future__ import annotations

import argparse
import compileall
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmark import (  # noqa: E402
    LAUNCHER,
    ROOT,
    RUNNERS,
    Measurement,
    median,
    prepare_suite,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=["example", "synthetic"], default="example")
    # Django 5.2's runner dies under spawn on the example project.
    parser.add_argument("--start-method", default="fork")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--classes", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    args.project, args.labels = None, []

    with tempfile.TemporaryDirectory(prefix="dp-bench-timeline-") as scratch:
        args.scratch = Path(scratch)
        project, labels, extra_env = prepare_suite(args)
        launcher = args.scratch / "launch.py"
        launcher.write_text(LAUNCHER)
        env = {**os.environ, **extra_env}
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(ROOT), env.get("PYTHONPATH")])
        )
        timeline = args.scratch / "timeline.html"

        def command(name: str) -> list[str]:
            runner = RUNNERS["django" if name == "django" else "ours"]
            extra = ["--timeline", str(timeline)] if name == "timeline" else []
            return [
                sys.executable,
                str(launcher),
                args.start_method,
                "test",
                *labels,
                "--testrunner",
                runner,
                "--parallel",
                str(args.workers),
                "--noinput",
                "-v",
                "2",
                *extra,
            ]

        for tree in (ROOT / "django_parallel", project):
            compileall.compile_dir(str(tree), quiet=1)
        names = ["django", "ours", "timeline"]
        for name in names:  # Warm-up: page cache, durations, database cache.
            Measurement(command(name), project, env, args.timeout).run()
        runs: dict[str, list[dict]] = {name: [] for name in names}
        for repeat in range(args.repeats):
            order = names[repeat % 3 :] + names[: repeat % 3]
            for name in order:
                result = Measurement(command(name), project, env, args.timeout).run()
                if not result["ok"]:
                    raise SystemExit(f"the {name} run failed: {command(name)}")
                runs[name].append(result)
        if not timeline.exists():
            raise SystemExit("--timeline wrote no file")

        def paired(a: str, b: str) -> float:
            return median(
                [
                    x["wall_s"] / y["wall_s"]
                    for x, y in zip(runs[a], runs[b], strict=True)
                ]
            )

        print(
            f"{args.suite}, {args.start_method}, {args.workers} workers, "
            f"{args.repeats} repeats (medians)"
        )
        for name, label in zip(
            names, ["Django", "ours", "ours --timeline"], strict=True
        ):
            wall = median([r["wall_s"] for r in runs[name]])
            cpu = median([r["cpu_s"] for r in runs[name]])
            print(f"  {label:<16} wall {wall:6.2f}s  cpu {cpu:6.2f}s")
        print(
            f"  ours / Django (paired):                 {paired('ours', 'django'):.3f}"
        )
        print(
            "  ours --timeline / ours (paired):        "
            f"{paired('timeline', 'ours'):.3f}"
        )


if __name__ == "__main__":
    main()
