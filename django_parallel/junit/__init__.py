"""The JUnit XML report (``--junit-xml PATH``): ``recorder`` follows the
run's one unittest result, ``writer`` turns what it kept into the file,
``paths`` checks where it goes."""

from __future__ import annotations

import datetime
import socket

from django_parallel.junit.paths import resolve_path, shard_path
from django_parallel.junit.recorder import JUnitRecorder
from django_parallel.junit.writer import JUnitReport, write

SUITE_NAME = "django-parallel"


def target(path: str, shard=None) -> tuple[str, str]:
    """The file and suite name of a run's report. ``shard`` is the runner's
    shard request (``index`` of ``total``, 1-based), if it runs one: each
    shard writes its own file."""
    if shard is None:
        return path, SUITE_NAME
    index, total = shard.index, shard.total
    return shard_path(path, index, total), f"{SUITE_NAME} (shard {index} of {total})"


def write_report(
    path: str,
    recorder: JUnitRecorder,
    seconds: float,
    started: datetime.datetime,
    name: str = SUITE_NAME,
) -> None:
    """Write what ``recorder`` kept of a run to ``path``."""
    report = JUnitReport(
        name=name,
        cases=tuple(recorder.cases()),
        seconds=seconds,
        timestamp=started.isoformat(timespec="seconds"),
        hostname=socket.gethostname(),
    )
    write(path, report)


__all__ = ["JUnitRecorder", "resolve_path", "shard_path", "target", "write_report"]
