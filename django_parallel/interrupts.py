"""How the test command ends on a signal. Django's runner leaves both to
Python: a traceback on Ctrl-C, and on SIGTERM an exit that skips every
clean-up.

- SIGTERM (a CI time-out, a process manager) becomes ``SystemExit(143)``,
  so the ``finally`` blocks that end workers and drop clones, test
  databases and temporary files run as on any other exit. One that comes
  during that clean-up is held until it is done; a second abandons it.
- Ctrl-C while the tests run first asks them to stop after the tests that
  are running (unittest's handler, installed around the run only); a second
  press ends the run at once. Before the tests run (discovery, database
  set-up) a press ends the command at once.
- KeyboardInterrupt is raised once; the clean-up on the way out (ending
  workers, dropping databases, removing files) is not cut short by the
  next press, which only says so, and a press during the clean-up after a
  normal run takes effect when it is done. The command then prints
  "Interrupted." and exits with status 130. Pressing twice during the
  clean-up abandons it, for a clean-up that hangs (a database server
  waiting on a lock): what it had not removed yet is left.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import NoReturn

EXIT_INTERRUPTED = 130


HELD = (
    "django-parallel: cleaning up (ending workers, dropping test databases); "
    "press Ctrl-C again to stop at once and leave what is not removed yet"
)


HELD_TERM = (
    "django-parallel: cleaning up (ending workers, dropping test databases); "
    "a second SIGTERM stops at once and leaves what is not removed yet"
)


class Interrupts:
    """The SIGINT (and SIGTERM) handler of a run."""

    def __init__(self) -> None:
        self.raised = False
        # Presses held during clean-up.
        self.held = 0
        # SIGTERMs held during clean-up.
        self.held_terms = 0
        self._shields = 0
        # Signals handled so far (the watchdog checks that they are).
        self.calls = 0
        # The run's SignalWatchdog, once signals_end_the_run started it.
        self.watchdog = None

    def threads_paused(self) -> AbstractContextManager:
        """No thread of the signal handling for the block (around a fork)."""
        return nullcontext() if self.watchdog is None else self.watchdog.paused()

    def terminate(self, signum, frame) -> None:
        """SIGTERM: end the run at once, except during a clean-up, which it
        ends first (a second SIGTERM abandons it, as a second Ctrl-C does)."""
        self.calls += 1
        if self._shields and not self.held_terms:
            self.held_terms += 1
            print(HELD_TERM, file=sys.stderr, flush=True)
            return
        raise SystemExit(128 + signum)

    def __call__(self, signum, frame) -> None:
        self.calls += 1
        if not (self.raised or self._shields):
            self.raised = True
            raise KeyboardInterrupt
        self.held += 1
        if self.held == 1:
            print(HELD, file=sys.stderr, flush=True)
            return
        self.raised = True
        raise KeyboardInterrupt

    @contextmanager
    def shield(self) -> Iterator[None]:
        """A clean-up that a press must not cut short: the press takes
        effect when the block is done."""
        self._shields += 1
        try:
            yield
        finally:
            self._shields -= 1
        if self.held_terms and not self._shields:
            raise SystemExit(128 + signal.SIGTERM)
        if self.held and not self._shields and not self.raised:
            self.raised = True
            raise KeyboardInterrupt


def _in_main_thread() -> bool:
    # Only the main thread may set signal handlers.
    return threading.current_thread() is threading.main_thread()


@contextmanager
def sigint_ignored() -> Iterator[None]:
    """Start a worker with Ctrl-C ignored from its first instruction: an
    ignored signal stays ignored across exec, so a spawned interpreter never
    gets a KeyboardInterrupt while it boots (the parent handles Ctrl-C and
    ends its workers). A press during the few milliseconds of a start is
    lost."""
    if not _in_main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def exit_interrupted(after_caret: bool = False) -> NoReturn:
    """End the command as an interrupted run does: one line, status 130."""
    sys.stdout.flush()
    newline = "\n" if after_caret and sys.stderr.isatty() else ""
    print(f"{newline}Interrupted.", file=sys.stderr, flush=True)
    raise SystemExit(EXIT_INTERRUPTED)


@contextmanager
def signals_end_the_run() -> Iterator[Interrupts]:
    """Install the run's SIGINT and SIGTERM handlers (from the main thread;
    elsewhere signals are Python's business as usual)."""
    interrupts = Interrupts()
    if not _in_main_thread():
        yield interrupts
        return

    from django_parallel.watchdog import SignalWatchdog

    previous_int = signal.signal(signal.SIGINT, interrupts)
    previous_term = signal.signal(signal.SIGTERM, interrupts.terminate)
    watchdog = SignalWatchdog(interrupts)
    watchdog.start()
    interrupts.watchdog = watchdog
    try:
        yield interrupts
    except KeyboardInterrupt:
        # After the terminal's "^C".
        exit_interrupted(after_caret=True)
    finally:
        interrupts.watchdog = None
        watchdog.stop()
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)
