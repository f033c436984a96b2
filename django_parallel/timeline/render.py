"""A ``Timeline`` as one self-contained HTML file: inline SVG and CSS, no
script, nothing fetched, so that it opens from disk in any browser (and
from a CI system's artifacts). Hovering an element shows its SVG
``<title>``."""

from __future__ import annotations

from html import escape

from django_parallel.timeline.model import ClassBar, Lane, Phase, Timeline

WIDTH = 1280
LEFT = 150  # lane labels
RIGHT = 24
TOP = 58  # the title, the axis
ROW = 22  # a lane's height
GAP = 6
# A bar is never drawn narrower than this, so each class can be hovered.
MIN_WIDTH = 2.0
CHAR = 6.3  # average width of a character of the 11px labels

# Each kind of the main process's phases: its colour, and its legend name.
PHASES = {
    "discovery": ("#f28e2b", "discovery"),
    "database": ("#edc948", "migrating"),
    "cache": ("#8cd17d", "copy from the cache"),
    "clone": ("#ff9da7", "cloning"),
    "checks": ("#9c755f", "system checks"),
    "tests": ("#76b7b2", "tests"),
    "rerun": ("#d4a6c8", "failures run alone"),
    "clean-up": ("#79706e", "clean-up"),
}
PROBLEMS = ("failure", "error", "unexpected success", "crashed", "timed out")

CSS = """
body { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif;
       color: #222; margin: 16px 20px; background: #fff; }
h1 { font-size: 18px; margin: 0 0 2px; }
p { margin: 4px 0; }
.meta { color: #555; }
.summary { font-size: 14px; margin-top: 8px; }
svg text { font: 11px system-ui, -apple-system, "Segoe UI", sans-serif; fill: #222; }
svg .label { font-weight: 600; }
svg .small { fill: #555; }
svg .inside { fill: #fff; pointer-events: none; }
svg .inside.dark { fill: #222; }
svg .tick { stroke: #e4e4e4; }
svg .edge { stroke: #555; stroke-dasharray: 4 3; }
svg rect.seg { stroke: #fff; stroke-width: 0.6; }
svg g.class-bar:hover rect, svg g.phase:hover rect { stroke: #000; stroke-width: 1.2; }
"""


def _seconds(value: float) -> str:
    if value >= 100:
        return f"{value:.0f}s"
    if value >= 10:
        return f"{value:.1f}s"
    return f"{value:.2f}s"


def _step(span: float) -> float:
    """A round tick step giving about ten ticks over ``span`` seconds."""
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200, 3600):
        if span / step <= 12:
            return step
    return 7200.0


class _Canvas:
    def __init__(self, end: float) -> None:
        self.end = max(end, 0.001)
        self.scale = (WIDTH - LEFT - RIGHT) / self.end
        self.parts: list[str] = []

    def x(self, seconds: float) -> float:
        return LEFT + max(0.0, min(seconds, self.end)) * self.scale

    def add(self, text: str) -> None:
        self.parts.append(text)

    def rect(self, start, end, y, height, fill, *, cls="seg", extra="") -> float:
        """A rectangle from ``start`` to ``end`` seconds; returns its width."""
        x = self.x(start)
        width = max(MIN_WIDTH, self.x(end) - x)
        self.add(
            f'<rect class="{cls}" x="{x:.2f}" y="{y:.2f}" width="{width:.2f}" '
            f'height="{height:.2f}" fill="{fill}"{extra}/>'
        )
        return width

    def text(self, x, y, text, cls="", anchor="start") -> None:
        self.add(
            f'<text x="{x:.2f}" y="{y:.2f}" class="{cls}" text-anchor="{anchor}">'
            f"{escape(text)}</text>"
        )


def _title(text: str) -> str:
    return f"<title>{escape(text)}</title>"


def _fits(label: str, width: float) -> bool:
    return len(label) * CHAR + 8 <= width


def _phase(canvas: _Canvas, phase: Phase, y: float) -> None:
    fill = PHASES.get(phase.kind, ("#bab0ac", ""))[0]
    seconds = phase.end - phase.start
    canvas.add(f'<g class="phase" data-phase="{escape(phase.name)}">')
    canvas.add(_title(f"{phase.name}: {_seconds(seconds)}"))
    width = canvas.rect(phase.start, phase.end, y, ROW, fill)
    if _fits(phase.name, width):
        canvas.text(canvas.x(phase.start) + 4, y + 15, phase.name, "inside dark")
    canvas.add("</g>")


def _outcome_colour(bar: ClassBar) -> str:
    outcomes = {mark.outcome for mark in bar.tests}
    if bar.ending in ("crashed", "timed out") or outcomes & set(PROBLEMS):
        return "#e15759"
    if outcomes and outcomes <= {"skip"}:
        return "#bab0ac"
    return "#4e79a7"


def bar_title(bar: ClassBar, lane: Lane) -> str:
    """What hovering a class bar shows."""
    lines = [f"{bar.name} (worker {lane.label})", f"{_seconds(bar.seconds)} in all"]
    if bar.tests_from is not None:
        before = bar.tests_from - bar.sent
        after = bar.end - (bar.tests_to if bar.tests_to is not None else bar.end)
        lines.append(
            f"class fixtures: {_seconds(before)} before its tests "
            f"(setUpClass, setUpTestData), {_seconds(max(0.0, after))} after"
        )
    else:
        lines.append("no test started: the class fixtures took it all")
    for fixture, seconds in bar.fixtures:
        lines.append(f"{fixture}: {_seconds(seconds)} (timed in the worker)")
    if bar.ending != "done":
        lines.append(f"ended: {bar.ending}")
    count = len(bar.tests)
    lines.append(f"{count} test{'s' * (count != 1)}:")
    shown = bar.tests[:40]
    for mark in shown:
        lines.append(f"  {mark.name}: {mark.outcome or 'not run'}")
    if count > len(shown):
        lines.append(f"  ... and {count - len(shown)} more")
    return "\n".join(lines)


def _class_bar(canvas: _Canvas, bar: ClassBar, lane: Lane, y: float) -> None:
    colour = _outcome_colour(bar)
    fixture = "#1f3f66" if colour == "#4e79a7" else "#8f2d2f"
    if colour == "#bab0ac":
        fixture = "#79706e"
    canvas.add(
        f'<g class="class-bar" data-class="{escape(bar.name)}" '
        f'data-lane="{escape(lane.label)}">'
    )
    canvas.add(_title(bar_title(bar, lane)))
    if bar.tests_from is None:
        width = canvas.rect(bar.sent, bar.end, y, ROW, fixture)
    else:
        tests_to = bar.tests_to if bar.tests_to is not None else bar.end
        canvas.rect(bar.sent, bar.tests_from, y, ROW, fixture)
        canvas.rect(bar.tests_from, tests_to, y, ROW, colour)
        if bar.end > tests_to:
            canvas.rect(tests_to, bar.end, y, ROW, fixture)
        width = max(MIN_WIDTH, canvas.x(bar.end) - canvas.x(bar.sent))
    short = bar.name.rsplit(".", 1)[-1]
    if _fits(short, width):
        canvas.text(canvas.x(bar.sent) + 4, y + 15, short, "inside")
    canvas.add("</g>")
    if bar.ending in ("crashed", "timed out"):
        _death_mark(canvas, canvas.x(bar.end), y, bar.ending)


def _death_mark(canvas: _Canvas, x: float, y: float, ending: str) -> None:
    """A cross for a crash, a filled triangle for a timeout."""
    mid = y + ROW / 2
    if ending == "timed out":
        canvas.add(
            f'<polygon points="{x - 7:.2f},{y + 2:.2f} {x + 7:.2f},{y + 2:.2f} '
            f'{x:.2f},{mid + 8:.2f}" fill="#f28e2b" stroke="#7a3d00"/>'
        )
    else:
        for dx in (-1, 1):
            canvas.add(
                f'<line x1="{x - 6:.2f}" y1="{mid - 6 * dx:.2f}" x2="{x + 6:.2f}" '
                f'y2="{mid + 6 * dx:.2f}" stroke="#b00020" stroke-width="3"/>'
            )


def _lane(canvas: _Canvas, lane: Lane, y: float, tests_to: float | None) -> None:
    ended = lane.ended if lane.ended is not None else canvas.end
    what = "failure run again alone" if lane.group == "rerun" else "worker"
    label = lane.label if lane.group == "rerun" else f"worker {lane.label}"
    note = f" (replaces {lane.replaces})" if lane.replaces else ""
    canvas.add(f'<g class="lane" data-lane="{escape(lane.label)}">')
    canvas.add(
        _title(
            f"{what} {lane.label}{note}: alive {_seconds(lane.started)} to "
            f"{_seconds(ended)}" + (f"; {lane.ending}" if lane.ending else "")
        )
    )
    canvas.text(10, y + 15, label, "label")
    if lane.replaces:
        canvas.text(LEFT - 6, y + 15, f"↳ {lane.replaces}", "small", anchor="end")
    # The process is alive: what no bar covers is idle.
    canvas.rect(lane.started, ended, y + 4, ROW - 8, "#ececec", cls="alive")
    canvas.add("</g>")
    if lane.booted is not None:
        canvas.add('<g class="boot">')
        canvas.add(_title(f"booting: {_seconds(lane.booted - lane.started)}"))
        canvas.rect(lane.started, lane.booted, y + 3, ROW - 6, "url(#boot)")
        canvas.add("</g>")
    if lane.attach_from is not None and lane.ready is not None:
        canvas.add('<g class="attach">')
        canvas.add(
            _title(
                f"databases attached (test modules imported, checks): "
                f"{_seconds(lane.ready - lane.attach_from)}"
            )
        )
        canvas.rect(lane.attach_from, lane.ready, y + 3, ROW - 6, "#b07aa1")
        canvas.add("</g>")
    for bar in lane.bars:
        _class_bar(canvas, bar, lane, y)
    if lane.group == "run" and tests_to is not None and lane.bars:
        last = max(bar.end for bar in lane.bars)
        if tests_to > last and not lane.ending:
            canvas.add('<g class="idle-end">')
            canvas.add(_title(f"idle at the end: {_seconds(tests_to - last)}"))
            # To the end of the tests even when the process ended first: the
            # slot's core was idle either way.
            canvas.rect(last, tests_to, y + 4, ROW - 8, "url(#idle)")
            canvas.add("</g>")
    if lane.ending and not (lane.bars and lane.bars[-1].ending != "done"):
        kind = "timed out" if "time" in lane.ending else "crashed"
        _death_mark(canvas, canvas.x(ended), y, kind)


def _legend(canvas: _Canvas, y: float, phase_kinds: list[str]) -> float:
    # The main process's phases first, those of this run only, in order.
    phases = [PHASES[kind] for kind in PHASES if kind in phase_kinds]
    items = [
        *phases,
        ("#1f3f66", "class fixtures (setUpClass, setUpTestData; tearDownClass)"),
        ("#4e79a7", "tests passed"),
        ("#e15759", "a test failed, errored or crashed"),
        ("#bab0ac", "skipped"),
        ("url(#boot)", "worker booting"),
        ("#b07aa1", "databases attached"),
        ("#ececec", "idle (process alive)"),
        ("url(#idle)", "idle at the end"),
    ]
    x = LEFT
    for number, (fill, text) in enumerate(items):
        width = len(text) * CHAR + 26
        if x + width > WIDTH - RIGHT or (number == len(phases) and phases):
            x, y = LEFT, y + 18
        canvas.add(
            f'<rect x="{x:.2f}" y="{y:.2f}" width="14" height="12" fill="{fill}" '
            'stroke="#999" stroke-width="0.5"/>'
        )
        canvas.text(x + 18, y + 10, text)
        x += width
    x, y = LEFT, y + 20
    for kind, text in (
        ("crashed", "worker crashed"),
        ("timed out", "timed out (--timeout)"),
    ):
        _death_mark(canvas, x + 7, y - 6, kind)
        canvas.text(x + 18, y + 9, text)
        x += len(text) * CHAR + 40
    canvas.add(
        f'<line x1="{x:.2f}" y1="{y + 5:.2f}" x2="{x + 20:.2f}" y2="{y + 5:.2f}" '
        'class="edge"/>'
    )
    canvas.text(x + 26, y + 9, "start and end of the tests")
    return y + 16


def core_use(timeline: Timeline) -> tuple[float, float, float, dict[int, float]]:
    """(busy worker-seconds, workers × wall seconds, idle at the end summed,
    idle at the end per slot) over the tests phase. Busy is the time class
    bars cover; a slot's idle at the end runs from its last class's end
    (its replacements' included) to the end of the tests."""
    start, end = timeline.tests_from, timeline.tests_to
    if start is None or end is None or not timeline.workers:
        return 0.0, 0.0, 0.0, {}
    busy = 0.0
    last: dict[int, float] = {}
    for lane in timeline.lanes:
        if lane.group != "run":
            continue
        for bar in lane.bars:
            busy += max(0.0, min(bar.end, end) - max(bar.sent, start))
            last[lane.slot] = max(last.get(lane.slot, start), min(bar.end, end))
    idle = {
        slot: max(0.0, end - last.get(slot, start))
        for slot in range(1, timeline.workers + 1)
    }
    return busy, timeline.workers * (end - start), sum(idle.values()), idle


def summary(timeline: Timeline) -> str:
    """The line under the chart."""
    if not timeline.workers:
        return (
            "Serial run: the tests ran in the main process, so there are no "
            "worker lanes (--parallel N draws one per worker process)."
        )
    busy, capacity, idle, per_slot = core_use(timeline)
    if not capacity:
        return f"No test ran (the run {timeline.ending})."
    each = ", ".join(f"worker {slot}: {_seconds(s)}" for slot, s in per_slot.items())
    wall = capacity / timeline.workers
    return (
        f"Core use: {busy / capacity:.0%} ({busy:.1f} busy worker-seconds of "
        f"{timeline.workers} workers × {_seconds(wall)} of tests). Idle at the "
        f"end: {_seconds(idle)} summed ({each})."
    )


def _order(lanes) -> list[Lane]:
    """Run lanes by slot, a replacement under the worker it replaced; then
    the reruns."""
    run = sorted(
        (lane for lane in lanes if lane.group == "run"),
        key=lambda lane: (lane.slot, lane.started),
    )
    return run + [lane for lane in lanes if lane.group != "run"]


def render(timeline: Timeline) -> str:
    """The HTML file of ``timeline``."""
    canvas = _Canvas(timeline.end)
    lanes = _order(timeline.lanes)
    reruns = any(lane.group == "rerun" for lane in lanes)
    height = TOP + ROW + 24 + (ROW + GAP) * len(lanes) + (20 if reruns else 0)
    plot_bottom = height
    step = _step(canvas.end)
    tick = 0.0
    while tick <= canvas.end + 1e-9:
        x = canvas.x(tick)
        canvas.add(
            f'<line class="tick" x1="{x:.2f}" y1="{TOP - 6}" x2="{x:.2f}" '
            f'y2="{plot_bottom:.2f}"/>'
        )
        canvas.text(x, TOP - 10, f"{tick:g}s", "small", anchor="middle")
        tick += step
    y = TOP
    canvas.text(10, y + 15, "main process", "label")
    for phase in timeline.phases:
        _phase(canvas, phase, y)
    y += ROW + 24
    canvas.text(10, y - 8, "workers", "small")
    rows: dict[str, float] = {}
    headed = False
    for lane in lanes:
        if lane.group == "rerun" and not headed:
            canvas.text(10, y + 12, "failures run again alone", "small")
            headed = True
            y += 20
        rows[lane.label] = y
        _lane(canvas, lane, y, timeline.tests_to)
        y += ROW + GAP
    for lane in lanes:
        if lane.replaces and lane.replaces in rows:
            x = canvas.x(lane.started)
            canvas.add(
                f'<line class="edge" x1="{x:.2f}" y1="{rows[lane.replaces] + ROW:.2f}" '
                f'x2="{x:.2f}" y2="{rows[lane.label]:.2f}" stroke="#b00020"/>'
            )
    for edge in (timeline.tests_from, timeline.tests_to):
        if edge is not None:
            x = canvas.x(edge)
            canvas.add(
                f'<line class="edge" x1="{x:.2f}" y1="{TOP + ROW + 4}" '
                f'x2="{x:.2f}" y2="{y:.2f}"/>'
            )
    # A phase that took no time (no failures to run alone) is not explained.
    kinds = [p.kind for p in timeline.phases if p.end - p.start >= 0.001]
    y = _legend(canvas, y + 14, kinds)
    defs = (
        "<defs>"
        '<pattern id="boot" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#d5d5d5"/>'
        '<rect width="3" height="6" fill="#a9a9a9"/></pattern>'
        '<pattern id="idle" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(-45)"><rect width="6" height="6" fill="#fff"/>'
        '<rect width="2" height="6" fill="#f1a340"/></pattern>'
        "</defs>"
    )
    svg = (
        f'<svg width="{WIDTH}" height="{y + 8:.0f}" viewBox="0 0 {WIDTH} '
        f'{y + 8:.0f}" role="img" aria-label="timeline of the run">'
        + defs
        + "".join(canvas.parts)
        + "</svg>"
    )
    meta = [f"{_seconds(timeline.end)} in all"]
    if timeline.workers:
        meta.append(f"{timeline.workers} worker processes")
    if timeline.start_method:
        meta.append(f"start method {timeline.start_method}")
    meta.append(f"the run {timeline.ending}")
    notes = "".join(f"<p class=meta>{escape(note)}</p>" for note in timeline.notes)
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(timeline.title)} timeline</title>"
        f"<style>{CSS}</style></head><body>"
        f"<h1>{escape(timeline.title)}: timeline</h1>"
        f"<p class=meta>{escape(', '.join(meta))}. Hover a bar for its "
        "details.</p>"
        f"{svg}<p class=summary>{escape(summary(timeline))}</p>{notes}"
        "</body></html>\n"
    )
