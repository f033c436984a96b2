"""--timeline PATH: the HTML timeline of a run.

From outside: parallel runs of the fault catalogue (tests/projects/faults)
under each start method, with a crash, a timeout, a failure and Ctrl-C,
must leave a file where every class that ran has a bar naming it, with
nothing in it that runs or fetches; a real headless Chromium must draw each
of those bars with a size. The recorder and the renderer, being pure, are
also checked alone on made-up events.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request
from html import unescape
from pathlib import Path

from support import IN_CI, ProjectTestCase
from test_faults import FaultsTestCase

from django_parallel.parallel.events import (
    FixtureTimed,
    Outcome,
    TaskDone,
    TestOutcome,
    TestStarted,
    TestStopped,
    WorkerReady,
)
from django_parallel.timeline.model import ClassBar, Lane, Phase, TestMark, Timeline
from django_parallel.timeline.recorder import TimelineRecorder
from django_parallel.timeline.render import core_use, render, summary

ORDINARY = (
    "catalogue.test_ordinary.OrdinaryTestCase",
    "catalogue.test_ordinary.OrdinaryTestData",
    "catalogue.test_ordinary.OrdinarySimple",
    "catalogue.test_ordinary.OrdinaryTransaction",
)
CLASS_BAR = re.compile(
    r'<g class="class-bar" data-class="(?P<name>[^"]+)" data-lane="(?P<lane>[^"]+)">'
    r"<title>(?P<title>[^<]*)</title>"
)
LANE = re.compile(
    r'<g class="lane" data-lane="(?P<lane>[^"]+)"><title>(?P<title>[^<]*)</title>'
)
# Anything that would run or fetch: a script, an event handler, an external
# reference (a namespace declaration is not a fetch, and there is none).
ACTIVE = re.compile(
    r"<script|\bon\w+\s*=|https?://|<link|<img|<iframe|@import|url\((?!#)", re.I
)


def bars(html: str) -> dict[str, list[str]]:
    """Each class with a bar: the titles of its bars."""
    found: dict[str, list[str]] = {}
    for match in CLASS_BAR.finditer(html):
        found.setdefault(unescape(match["name"]), []).append(unescape(match["title"]))
    return found


def lanes(html: str) -> dict[str, str]:
    return {unescape(m["lane"]): unescape(m["title"]) for m in LANE.finditer(html)}


class TimelineRunTests(FaultsTestCase):
    """Runs of the fault catalogue with --timeline, as a user runs them."""

    def timeline_path(self) -> Path:
        # Outside the project's copy, so that it is not taken for a leftover.
        return self.outdir / "reports" / "timeline.html"

    def run_faults(self, *labels: str, start_method: str, timeout: str = "10"):
        process = self.start(
            *labels,
            "--timeout",
            timeout,
            "--timeline",
            str(self.timeline_path()),
            start_method=start_method,
        )
        run, ended = self.finish(process)
        self.assertTrue(ended, self.describe(run))
        return run

    def read(self, run) -> str:
        path = self.timeline_path()
        self.assertTrue(path.is_file(), f"no timeline written\n{self.describe(run)}")
        html = path.read_text(encoding="utf-8")
        self.assertIsNone(ACTIVE.search(html), "the timeline runs or fetches")
        return html

    def check_crash(self, start_method: str) -> None:
        run = self.run_faults(
            "catalogue.test_ordinary",
            "catalogue.test_sigkill",
            start_method=start_method,
        )
        # A crash fails the run: the timeline is written all the same.
        self.assertExit(run, 1)
        self.assertIn("Timeline written to", run.stdout, self.describe(run))
        html = self.read(run)
        drawn = bars(html)
        for name in (*ORDINARY, "catalogue.test_sigkill.SigkillFault"):
            with self.subTest(cls=name):
                self.assertIn(name, drawn, sorted(drawn))
                self.assertIn(name, drawn[name][0])
        with self.subTest("the crash is drawn on its class"):
            crashed = [t for t in drawn["catalogue.test_sigkill.SigkillFault"]]
            self.assertTrue(
                any(
                    "ended: crashed" in t and "test_2_kills_itself: crashed" in t
                    for t in crashed
                ),
                crashed,
            )
        with self.subTest("the crashed worker and its successor"):
            found = lanes(html)
            dead = [
                lane
                for lane, title in found.items()
                if "killed by SIGKILL" in title and not lane.startswith("rerun")
            ]
            self.assertEqual(len(dead), 1, found)
            successors = [
                lane
                for lane, title in found.items()
                if f"(replaces {dead[0]})" in title
            ]
            self.assertEqual(len(successors), 1, found)
        with self.subTest("the failure run again alone has its lane"):
            self.assertIn("rerun 1", lanes(html))
        with self.subTest("tests of a class are listed with outcomes"):
            title = drawn["catalogue.test_ordinary.OrdinarySimple"][0]
            self.assertIn("3 tests:", title)
            self.assertIn("test_one: success", title)
        with self.subTest("the summary line"):
            self.assertRegex(html, r"Core use: \d+% \([\d.]+ busy worker-seconds of 2 ")
            self.assertRegex(html, r"Idle at the end: [\d.]+s summed \(worker 1: ")
        with self.subTest("nothing left"):
            self.assertNothingLeft()

    def test_spawn(self):
        self.check_crash("spawn")

    def test_forkserver(self):
        self.check_crash("forkserver")

    def test_fork(self):
        self.check_crash("fork")

    def test_timeout_is_drawn(self):
        # With a second class: one class alone would be a serial run.
        run = self.run_faults(
            "catalogue.test_hang_test",
            "catalogue.test_ordinary",
            start_method="spawn",
            timeout="3",
        )
        self.assertExit(run, 1)
        html = self.read(run)
        titles = bars(html)["catalogue.test_hang_test.HangInTest"]
        self.assertTrue(
            any(
                "ended: timed out" in t and "test_2_hangs: timed out" in t
                for t in titles
            ),
            titles,
        )
        self.assertTrue(
            any("timed out" in title for title in lanes(html).values()), lanes(html)
        )
        self.assertNothingLeft()

    def test_ctrl_c(self):
        # Both workers in a test that never ends, then Ctrl-C on the run's
        # process group, as a terminal sends it (see test_faults).
        process = self.start(
            "catalogue.test_waiting",
            "--timeline",
            str(self.timeline_path()),
            start_method="spawn",
        )
        running = self.wait_for_markers(process, 2)
        if running:
            os.killpg(process.pid, signal.SIGINT)
        run, ended = self.finish(process)
        self.assertTrue(running and ended, self.describe(run))
        self.assertExit(run, 130)
        html = self.read(run)
        self.assertIn("the run was interrupted", html)
        drawn = bars(html)
        for name in ("WaitingA", "WaitingB"):
            with self.subTest(cls=name):
                titles = drawn[f"catalogue.test_waiting.{name}"]
                self.assertIn("test_waits: ", titles[0])
        self.assertNothingLeft()


class TimelineSampleTests(ProjectTestCase):
    """The sample project: a serial run, the setting, a bad path."""

    def setUp(self):
        super().setUp()
        self.out = Path(tempfile.mkdtemp(prefix="dp-timeline-"))
        self.addCleanup(shutil.rmtree, self.out, ignore_errors=True)

    def test_serial_run_says_it_has_no_worker_lanes(self):
        path = self.out / "serial.html"
        run = self.run_tests("shop.tests.test_simple", "--timeline", str(path))
        self.assertExit(run, 0)
        html = path.read_text(encoding="utf-8")
        self.assertIn("Serial run: the tests ran in the main process", html)
        self.assertIn('data-phase="tests"', html)
        self.assertEqual(bars(html), {})
        self.assertNothingLeft()

    def test_setting_and_its_flag(self):
        path = self.out / "from-settings.html"
        env = {
            "DP_SETTINGS_JSON": json.dumps({"DJANGO_PARALLEL": {"timeline": str(path)}})
        }
        run = self.run_tests("shop.tests.test_simple", "--parallel", "2", env=env)
        self.assertExit(run, 0)
        self.assertIn("shop.tests.test_simple.", path.read_text(encoding="utf-8"))
        path.unlink()
        run = self.run_tests("shop.tests.test_simple", "--no-timeline", env=env)
        self.assertExit(run, 0)
        self.assertFalse(path.exists())
        self.assertNothingLeft()

    def test_a_directory_is_one_line_and_exit_2(self):
        run = self.run_tests("shop.tests.test_simple", "--timeline", str(self.out))
        self.assertOneLineError(run, "--timeline names a directory")


# Pure parts: the recorder on made-up events, with a clock it is handed.


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Test:
    def __init__(self, name: str) -> None:
        self._testMethodName = name


class RecorderTests(unittest.TestCase):
    def setUp(self):
        self.clock = FakeClock()
        self.recorder = TimelineRecorder(clock=self.clock)
        self.lanes = self.recorder.lanes("run")

    def at(self, seconds: float) -> None:
        self.clock.now = 100.0 + seconds

    def test_a_class_with_fixtures_tests_and_outcomes(self):
        self.lanes.process_started(1)
        self.at(2.0)
        self.lanes.event(1, WorkerReady(1, 42, boot_seconds=1.0, attach_seconds=0.5))
        self.lanes.task_sent(1, "app.tests.T", [Test("test_a"), Test("test_b")])
        self.at(2.5)
        self.lanes.event(1, TestStarted(0, 0))
        self.lanes.event(1, TestOutcome(0, 0, Outcome.SUCCESS))
        self.lanes.event(1, TestStopped(0, 0, 0.1))
        self.lanes.event(1, TestStarted(0, 1))
        self.lanes.event(1, TestOutcome(0, 1, Outcome.FAILURE))
        self.lanes.event(1, TestOutcome(0, 1, Outcome.ERROR))
        self.lanes.event(1, FixtureTimed(0, "setUpClass", 0.4))
        self.at(3.0)
        self.lanes.event(1, TestStopped(0, 1, 0.1))
        self.at(3.25)
        self.lanes.event(1, TaskDone(0, 1.2))
        lane = self.recorder.timeline().lanes[0]
        self.assertEqual((lane.booted, lane.attach_from, lane.ready), (1.0, 1.5, 2.0))
        self.assertEqual(
            lane.bars,
            (
                ClassBar(
                    "app.tests.T",
                    sent=2.0,
                    end=3.25,
                    tests_from=2.5,
                    tests_to=3.0,
                    tests=(TestMark("test_a", "success"), TestMark("test_b", "error")),
                    fixtures=(("setUpClass", 0.4),),
                ),
            ),
        )

    def test_a_crash_ends_the_bar_and_the_successor_says_whom_it_replaces(self):
        self.lanes.process_started(2)
        self.lanes.task_sent(2, "app.tests.T", [Test("test_a")])
        self.at(1.0)
        self.lanes.event(2, TestStarted(0, 0))
        self.lanes.died(2, 0, "died (killed by SIGKILL)", timed_out=False)
        self.lanes.process_ended(2)
        self.lanes.process_started(2)
        first, second = self.recorder.timeline().lanes
        self.assertEqual(first.bars[0].ending, "crashed")
        self.assertEqual(first.bars[0].tests, (TestMark("test_a", "crashed"),))
        self.assertEqual(first.ending, "died (killed by SIGKILL)")
        self.assertEqual((second.label, second.replaces), ("2.1", "2"))

    def test_what_is_open_at_the_end_is_cut_off(self):
        self.lanes.process_started(1)
        self.lanes.task_sent(1, "app.tests.T", [Test("test_a")])
        with self.assertRaises(KeyboardInterrupt), self.recorder.phase("tests"):
            self.at(4.0)
            raise KeyboardInterrupt
        timeline = self.recorder.timeline("was interrupted")
        self.assertEqual(timeline.lanes[0].bars[0].ending, "cut off")
        self.assertEqual(timeline.phases, (Phase("tests", 0.0, 4.0, "tests"),))
        self.assertEqual((timeline.tests_from, timeline.tests_to), (0.0, 4.0))

    def test_a_discarded_worker_has_no_lane(self):
        self.lanes.process_started(1)
        self.lanes.process_started(2)
        self.lanes.discard(2)
        self.assertEqual([lane.label for lane in self.recorder.timeline().lanes], ["1"])


def _timeline(**kwargs) -> Timeline:
    bar = ClassBar(
        "app.tests.A<b>", 1.0, 3.0, 1.5, 2.5, (TestMark("test_x", "success"),)
    )
    other = ClassBar("app.tests.B", 1.0, 2.0, None, None, (), ending="crashed")
    values = dict(
        phases=(Phase("discovery", 0.0, 0.5), Phase("tests", 1.0, 4.0)),
        lanes=(
            Lane("1", 1, "run", 0.0, 4.0, bars=(bar,)),
            Lane("2", 2, "run", 0.0, 2.0, bars=(other,), ending="died"),
            Lane("2.1", 2, "run", 2.0, 4.0, replaces="2"),
        ),
        end=4.5,
        workers=2,
        tests_from=1.0,
        tests_to=4.0,
    )
    values.update(kwargs)
    return Timeline(**values)


class RenderTests(unittest.TestCase):
    def test_core_use_and_idle_at_the_end(self):
        # Busy 2s + 1s of 2 workers × 3s; slot 1 idle 1s at the end, slot 2 2s.
        self.assertEqual(core_use(_timeline()), (3.0, 6.0, 3.0, {1: 1.0, 2: 2.0}))
        self.assertEqual(
            summary(_timeline()),
            "Core use: 50% (3.0 busy worker-seconds of 2 workers × 3.00s of "
            "tests). Idle at the end: 3.00s summed (worker 1: 1.00s, worker 2: "
            "2.00s).",
        )

    def test_every_class_has_a_titled_bar_and_nothing_active(self):
        html = render(_timeline())
        self.assertEqual(sorted(bars(html)), ["app.tests.A<b>", "app.tests.B"])
        self.assertIn("test_x: success", bars(html)["app.tests.A<b>"][0])
        self.assertIn("(replaces 2)", lanes(html)["2.1"])
        self.assertIsNone(ACTIVE.search(html))

    def test_a_serial_run_says_so(self):
        self.assertIn("Serial run", summary(_timeline(lanes=(), workers=0)))


# A real browser: the file drawn by headless Chromium through WebDriver
# (chromedriver), spoken to over plain HTTP.

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# The test's own script, run in the page: each class bar's drawn size.
MEASURE = """
const sizes = {};
for (const bar of document.querySelectorAll('g.class-bar')) {
  const box = bar.getBoundingClientRect();
  const name = bar.getAttribute('data-class');
  sizes[name] = Math.min(sizes[name] ?? Infinity, box.width * box.height);
}
const svg = document.querySelector('svg').getBoundingClientRect();
return {sizes: sizes, svg: [svg.width, svg.height],
        summary: document.querySelector('p.summary').innerText};
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class WebDriver:
    """Just enough of the W3C WebDriver protocol: a session, a page, a script."""

    def __init__(self) -> None:
        self.port = _free_port()
        # Chromium keeps its profile and crash folders in TMPDIR and leaves
        # some behind: they go with this folder.
        self.tmp = tempfile.mkdtemp(prefix="dp-chromium-")
        self.process = subprocess.Popen(
            [CHROMEDRIVER, f"--port={self.port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "TMPDIR": self.tmp},
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                self.call("GET", "/status")
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.close()
                    raise
                time.sleep(0.1)
        options = {
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu"],
        }
        capabilities = {"browserName": "chrome", "goog:chromeOptions": options}
        session = self.call(
            "POST", "/session", {"capabilities": {"alwaysMatch": capabilities}}
        )
        self.session = session["sessionId"]

    def call(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())["value"]

    def open(self, path: Path) -> None:
        self.call("POST", f"/session/{self.session}/url", {"url": path.as_uri()})

    def run(self, script: str):
        return self.call(
            "POST",
            f"/session/{self.session}/execute/sync",
            {"script": script, "args": []},
        )

    def close(self) -> None:
        try:
            if getattr(self, "session", None):
                self.call("DELETE", f"/session/{self.session}")
        finally:
            self.process.terminate()
            self.process.wait(10)
            shutil.rmtree(self.tmp, ignore_errors=True)


class BrowserTests(FaultsTestCase):
    """Chromium draws every class's bar with a size. Fails, not skips, under
    CI=true when Chromium or its driver is missing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
        if missing:
            message = f"{', '.join(missing)} not found (apt-get install chromium chromium-driver)"
            if IN_CI:
                raise AssertionError(f"{message}, and CI=true requires them")
            raise unittest.SkipTest(message)

    def test_every_bar_is_drawn(self):
        path = self.outdir / "timeline.html"
        process = self.start(
            "catalogue.test_ordinary",
            "catalogue.test_sigkill",
            "--timeline",
            str(path),
            start_method="spawn",
        )
        run, ended = self.finish(process)
        self.assertTrue(ended and path.is_file(), self.describe(run))
        driver = WebDriver()
        try:
            driver.open(path)
            drawn = driver.run(MEASURE)
        finally:
            driver.close()
        self.assertGreater(min(drawn["svg"]), 0, drawn)
        self.assertIn("Core use:", drawn["summary"])
        expected = {*ORDINARY, "catalogue.test_sigkill.SigkillFault"}
        self.assertEqual(set(drawn["sizes"]), expected, drawn)
        for name, area in drawn["sizes"].items():
            with self.subTest(cls=name):
                self.assertGreater(area, 0)
        self.assertNothingLeft()
