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


__all__ = ["JUnitRecorder", "resolve_path", "shard_path", "write_report"]
