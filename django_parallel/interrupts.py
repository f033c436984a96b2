"""How the test command ends on a signal. Django's runner leaves both to
Python: a traceback on Ctrl-C, and on SIGTERM an exit that skips every
clean-up.

- SIGTERM (a CI time-out, a process manager) becomes ``SystemExit(143)``,
  so the ``finally`` blocks that end workers and drop clones, test
  databases and temporary files run as on any other exit.
- Ctrl-C while the tests run first asks them to stop after the tests that
  are running (unittest's handler, installed around the run only); a second
  press ends the run at once. Before the tests run (discovery, database
  set-up) a press ends the command at once.
- KeyboardInterrupt is raised once. Later presses are ignored, and a press
  while the run is cleaning up takes effect when the clean-up is done, so
  nothing it would remove is left behind. The command then prints
  "Interrupted." and exits with status 130.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

EXIT_INTERRUPTED = 130


class Interrupts:
    """The SIGINT handler of a run."""

    def __init__(self) -> None:
        self.raised = False
        self.pending = False
        self._shields = 0

    def __call__(self, signum, frame) -> None:
        if self.raised:
            return
        if self._shields:
            self.pending = True
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
        if self.pending and not self._shields and not self.raised:
            self.raised = True
            raise KeyboardInterrupt


@contextmanager
def signals_end_the_run() -> Iterator[Interrupts]:
    """Install the run's SIGINT and SIGTERM handlers (from the main thread;
    elsewhere signals are Python's business as usual)."""
    interrupts = Interrupts()
    if threading.current_thread() is not threading.main_thread():
        yield interrupts
        return

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    previous_int = signal.signal(signal.SIGINT, interrupts)
    previous_term = signal.signal(signal.SIGTERM, terminate)
    try:
        yield interrupts
    except KeyboardInterrupt:
        sys.stdout.flush()
        # After the terminal's "^C".
        newline = "\n" if sys.stderr.isatty() else ""
        print(f"{newline}Interrupted.", file=sys.stderr, flush=True)
        raise SystemExit(EXIT_INTERRUPTED) from None
    finally:
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)
