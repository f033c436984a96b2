"""The run's timeline (``--timeline PATH``): ``recorder`` collects what the
parent sees of its phases and workers, ``render`` draws it as one
self-contained HTML file, ``write_timeline`` writes that whole or not at
all."""

from __future__ import annotations

from django_parallel.files import write_atomically
from django_parallel.timeline.model import Timeline
from django_parallel.timeline.recorder import TimelineRecorder
from django_parallel.timeline.render import render


def write_timeline(path: str, timeline: Timeline) -> None:
    """Write ``timeline`` to ``path`` as HTML, atomically."""
    write_atomically(path, render(timeline), prefix=".timeline-")


__all__ = ["Timeline", "TimelineRecorder", "render", "write_timeline"]
