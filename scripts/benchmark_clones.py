#!/usr/bin/env python
"""Time making N clones of a migrated test database: Django's method
(``clone_test_db`` once per clone, one after another) against
django-parallel's clone adapters, on PostgreSQL and MariaDB.

Two figures for ours: "cold", copying the test database, as a first run
does; and "spares", a later run of an unchanged project, which renames the
spare copies of the migrated-database cache that the previous run made in
the background while its tests ran (their making is not timed here, as it
is not part of any run's set-up).

    python scripts/benchmark_clones.py --backend postgresql mysql --clones 2 4 8

On MariaDB a third figure, "tables only": the time to create N empty
databases holding the same tables, one connection per database, all at
once, as ours does, with nothing copied into them. Both methods must pay it
(InnoDB makes one file per table), so Django's time over it is the largest
speedup any table-by-table copy could reach.

Uses the example project's schema (EXAMPLE_DB picks the server). The test
database and every clone are dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tables_only(connection, count: int) -> float:
    """Seconds to create ``count`` databases holding the test database's
    tables, empty, concurrently (MariaDB)."""
    from django_parallel.backends.base import run_concurrently

    with connection.cursor() as cursor:
        cursor.execute("SHOW FULL TABLES WHERE Table_type = 'BASE TABLE'")
        tables = [row[0] for row in cursor.fetchall()]
        creates = []
        for table in tables:
            cursor.execute(f"SHOW CREATE TABLE {connection.ops.quote_name(table)}")
            creates.append(cursor.fetchone()[1])
    names = [f"dp_tables_only_{number}" for number in range(1, count + 1)]

    def make(name: str) -> None:
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {name}")
            cursor.execute(f"USE {name}")
            cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
            for create in creates:
                cursor.execute(create)

    started = time.perf_counter()
    errors = run_concurrently(make, names)
    seconds = time.perf_counter() - started
    with connection.creation._nodb_cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")
    if errors:
        raise errors[0]
    return seconds


def run_backend(backend: str, counts: list[int], repeats: int) -> list[dict]:
    os.environ["EXAMPLE_DB"] = backend
    os.environ.setdefault("EXAMPLE_DB_NAME", "dp_clone_bench")
    os.environ["DJANGO_SETTINGS_MODULE"] = "example_project.settings"
    sys.path[:0] = [str(ROOT), str(ROOT / "example")]
    import django

    django.setup()
    from django.db import connections

    from django_parallel.backends import adapter_for
    from django_parallel.dbcache import fingerprint

    connection = connections["default"]
    old_name = connection.settings_dict["NAME"]
    cache = adapter_for(connection, verbosity=0)
    location = cache.cache_location(fingerprint(connection))
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    cache.save_cache(location)
    rows = []
    try:
        for count in counts:
            timings = {"django": [], "ours": [], "spares": [], "tables": []}
            for repeat in range(repeats):
                order = ["django", "ours", "spares"]
                order = order if repeat % 2 == 0 else order[::-1]
                if connection.vendor == "mysql":
                    timings["tables"].append(tables_only(connection, count))
                for name in order:
                    if name == "spares":
                        for slot in range(1, count + 1):
                            cache.make_spare(location, slot)
                    started = time.perf_counter()
                    if name == "django":
                        for slot in range(1, count + 1):
                            connection.creation.clone_test_db(
                                suffix=str(slot), verbosity=0, keepdb=False
                            )
                    else:
                        adapter = adapter_for(
                            connection,
                            verbosity=0,
                            spare_source=location if name == "spares" else None,
                        )
                        adapter.create_clones(range(1, count + 1))
                    timings[name].append(time.perf_counter() - started)
                    for slot in range(1, count + 1):
                        connection.creation.destroy_test_db(
                            old_database_name=None, verbosity=0, suffix=str(slot)
                        )
            django_s = statistics.median(timings["django"])
            ours_s = statistics.median(timings["ours"])
            spares_s = statistics.median(timings["spares"])
            tables_s = (
                statistics.median(timings["tables"]) if timings["tables"] else None
            )
            rows.append(
                {
                    "backend": backend,
                    "clones": count,
                    "django_s": round(django_s, 3),
                    "ours_s": round(ours_s, 3),
                    "speedup": round(django_s / ours_s, 2),
                    "spares_s": round(spares_s, 4),
                    "spares_speedup": round(django_s / spares_s, 1),
                    "tables_only_s": tables_s and round(tables_s, 3),
                    "largest_copy_speedup": tables_s and round(django_s / tables_s, 2),
                }
            )
            tables = (
                f" {tables_s:>8.2f} {django_s / tables_s:>7.1f}x" if tables_s else ""
            )
            print(
                f"{backend:<11}{count:>3} {django_s:>9.2f} {ours_s:>8.2f} "
                f"{django_s / ours_s:>7.1f}x {spares_s:>8.3f} "
                f"{django_s / spares_s:>7.1f}x{tables}",
                flush=True,
            )
    finally:
        cache.clear_cache()
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", nargs="+", default=["postgresql", "mysql"])
    parser.add_argument("--clones", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        rows = run_backend(args.child, args.clones, args.repeats)
        print("ROWS " + json.dumps(rows))
        return
    import subprocess

    print(
        f"{'backend':<11}{'N':>3} {'django s':>9} {'ours s':>8} {'speedup':>8} "
        f"{'spares s':>8} {'speedup':>8} {'tables s':>8} {'largest':>8}"
    )
    rows = []
    for backend in args.backend:
        # One process per backend: Django's connections are set up once.
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                backend,
                "--clones",
                *map(str, args.clones),
                "--repeats",
                str(args.repeats),
            ],
            capture_output=True,
            text=True,
        )
        for line in done.stdout.splitlines():
            if line.startswith("ROWS "):
                rows.extend(json.loads(line[5:]))
            else:
                print(line)
        if done.returncode:
            print(done.stderr, file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
