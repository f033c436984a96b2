"""Unit tests of the pure parts of clone safety: run_concurrently when a
signal interrupts it, the SIGTERM handler during a clean-up, and the SQLite
clone marker."""

import os
import signal
import sqlite3
import tempfile
import threading
import unittest
from pathlib import Path

from django_parallel.backends.base import run_concurrently
from django_parallel.backends.sqlite3 import SQLiteCloneAdapter
from django_parallel.interrupts import Interrupts


class Interrupted(Exception):
    pass


def _raise(signum, frame):
    raise Interrupted


@unittest.skipUnless(
    threading.current_thread() is threading.main_thread(),
    "signal handlers need the main thread",
)
class RunConcurrentlyInterruptedTests(unittest.TestCase):
    """The first item signals the process (as Ctrl-C would) while it works;
    the wait is interrupted, no further item starts, and with ``finish`` the
    item under way has returned before the exception leaves."""

    def setUp(self):
        previous = signal.signal(signal.SIGUSR1, _raise)
        self.addCleanup(signal.signal, signal.SIGUSR1, previous)
        self.done = []
        self.resume = threading.Event()

    def work(self, item):
        if item == "first":
            os.kill(os.getpid(), signal.SIGUSR1)
            # Returns only once the interrupted caller is waiting for it
            # (or, without finish, when the test lets it).
            self.resume.wait(30)
        self.done.append(item)

    def test_finish_waits_for_the_item_under_way(self):
        threading.Timer(0.5, self.resume.set).start()
        with self.assertRaises(Interrupted):
            run_concurrently(self.work, ["first", "second"], limit=1, finish=True)
        self.assertEqual(self.done, ["first"])

    def test_without_finish_nothing_is_waited_for(self):
        with self.assertRaises(Interrupted):
            run_concurrently(self.work, ["first", "second"], limit=1)
        self.assertEqual(self.done, [])
        self.resume.set()


class SigtermDuringCleanUpTests(unittest.TestCase):
    def test_held_until_the_clean_up_ends(self):
        interrupts = Interrupts()
        steps = []
        with self.assertRaises(SystemExit) as ended:
            with interrupts.shield():
                interrupts.terminate(signal.SIGTERM, None)
                steps.append("cleaned up")
        self.assertEqual(ended.exception.code, 143)
        self.assertEqual(steps, ["cleaned up"])

    def test_a_second_one_abandons_it(self):
        interrupts = Interrupts()
        with self.assertRaises(SystemExit):
            with interrupts.shield():
                interrupts.terminate(signal.SIGTERM, None)
                interrupts.terminate(signal.SIGTERM, None)
                self.fail("not abandoned")

    def test_outside_a_clean_up_at_once(self):
        with self.assertRaises(SystemExit) as ended:
            Interrupts().terminate(signal.SIGTERM, None)
        self.assertEqual(ended.exception.code, 143)


class SQLiteMarkerTests(unittest.TestCase):
    def setUp(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.dir = Path(directory.name)
        # owns() and mark() need no connection.
        self.adapter = SQLiteCloneAdapter.__new__(SQLiteCloneAdapter)

    def database(self, name):
        path = str(self.dir / name)
        with sqlite3.connect(path) as connection:
            connection.execute("create table t (id integer)")
        return path

    def test_only_a_marked_database_is_owned(self):
        theirs = self.database("theirs.sqlite3")
        ours = self.database("ours.sqlite3")
        self.adapter.mark(ours)
        self.assertTrue(self.adapter.owns(ours))
        self.assertFalse(self.adapter.owns(theirs))

    def test_empty_garbage_and_missing_files_are_not_owned(self):
        (self.dir / "empty").write_bytes(b"")
        (self.dir / "garbage").write_bytes(b"x" * 200)
        for name in ("empty", "garbage", "missing"):
            self.assertFalse(self.adapter.owns(str(self.dir / name)), name)
