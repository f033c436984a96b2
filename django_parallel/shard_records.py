"""The durations each shard records, and merging them into the one record.

A shard does not touch ``.django_parallel/durations.json``: every job of a
sharded run must split from the same record, so each writes what it measured
to ``durations-shard-K-of-N.json`` instead, with the split it ran. After the
jobs, ``python -m django_parallel durations merge FILES...`` folds those
files into the record exactly as one unsharded run would have (each class
moves half way to its new time), and says when the files do not add up to
one sharded run.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from django_parallel.errors import RunnerError
from django_parallel.parallel.scheduling import (
    CACHE_DIR,
    durations_path,
    save_durations,
    write_record,
)
from django_parallel.sharding import ShardPlan, ShardRequest


def shard_durations_path(request: ShardRequest, base_dir: str | None = None) -> str:
    return os.path.join(
        base_dir or os.getcwd(), CACHE_DIR, f"durations-{request.name}.json"
    )


def save_shard_durations(
    path: str, plan: ShardPlan, measured: dict[str, float], bins: dict[str, int]
) -> None:
    """This shard's measurements as they are (not blended), and its split.
    Written even when the shard ran nothing, so a merge sees every shard."""
    write_record(
        path,
        {key: round(seconds, 4) for key, seconds in measured.items()},
        bins,
        extra={
            "shard": {
                "index": plan.request.index,
                "total": plan.request.total,
                "split": plan.digest,
                "planned": sorted(plan.mine()),
            }
        },
    )


@dataclass
class ShardFile:
    """One record given to ``merge``."""

    path: str
    classes: dict[str, float]
    bins: dict[str, int]
    shard: dict | None


def read_shard_file(path: str) -> ShardFile:
    """A record, strictly: merging is asked for by name, so a file that is
    missing or is not a record is an error, not an empty record."""
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except OSError as exc:
        raise RunnerError(
            f"cannot read {path}: {exc.strerror}; give the "
            "durations-shard-K-of-N.json files the shards wrote"
        ) from None
    except ValueError:
        data = None
    classes = data.get("classes") if isinstance(data, dict) else None
    if not isinstance(classes, dict) or not all(
        isinstance(v, (int, float))
        and not isinstance(v, bool)
        and math.isfinite(v)
        and v >= 0
        for v in classes.values()
    ):
        raise RunnerError(
            f"{path} is not a durations record (JSON with per-class seconds, "
            "0 or more, under 'classes'); give the durations-shard-K-of-N.json files the "
            "shards wrote"
        )
    bins = data.get("bins")
    shard = data.get("shard")
    return ShardFile(
        path,
        {k: float(v) for k, v in classes.items()},
        {k: v for k, v in bins.items() if isinstance(v, int)}
        if isinstance(bins, dict)
        else {},
        shard if isinstance(shard, dict) else None,
    )


@dataclass
class MergeResult:
    into: str
    files: int
    classes: int
    warnings: list[str] = field(default_factory=list)


def check_shards(files: Sequence[ShardFile]) -> list[str]:
    """What makes the files something other than all shards of one split."""
    shards = [f for f in files if f.shard is not None]
    if not shards:
        return []
    warnings = []
    splits = {(f.shard.get("total"), f.shard.get("split")) for f in shards}
    if len(splits) > 1:
        warnings.append(
            "the shards were not split alike (another N, another test "
            "selection or another durations record), so some classes may "
            "have run twice or not at all"
        )
    total = shards[0].shard.get("total")
    if len(splits) == 1 and isinstance(total, int):
        seen = [f.shard.get("index") for f in shards]
        missing = [str(k) for k in range(1, total + 1) if k not in seen]
        doubled = sorted({str(k) for k in seen if seen.count(k) > 1})
        if missing:
            warnings.append(f"no file from shard(s) {', '.join(missing)} of {total}")
        if doubled:
            warnings.append(f"more than one file from shard(s) {', '.join(doubled)}")
    return warnings


def merge_records(paths: Sequence[str], into: str | None = None) -> MergeResult:
    """Fold the records at ``paths`` into the record at ``into`` (the
    current directory's ``.django_parallel/durations.json`` by default).

    A class measured in several files counts with the mean of its times; the
    result then moves each class half way, as a run does.
    """
    into = into or durations_path()
    files = [read_shard_file(path) for path in paths]
    times: dict[str, list[float]] = {}
    bins: dict[str, int] = {}
    for record in files:
        for key, seconds in record.classes.items():
            times.setdefault(key, []).append(seconds)
        bins.update(record.bins)
    measured = {key: sum(values) / len(values) for key, values in times.items()}
    result = MergeResult(into, len(files), len(measured), check_shards(files))
    if os.path.abspath(into) in {os.path.abspath(p) for p in paths}:
        raise RunnerError(
            f"{into} is both a file to merge and the record to merge into; "
            "give --into another path"
        )
    try:
        save_durations(into, measured, bins)
    except OSError as exc:
        raise RunnerError(f"cannot write {into}: {exc.strerror or exc}") from None
    return result
