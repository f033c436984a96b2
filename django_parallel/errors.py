"""The one way bad input ends a run: a single line on stderr and exit status 2."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager

EXIT_USAGE = 2


class RunnerError(Exception):
    """Bad input or an unusable environment, explained in one line.

    The message says what is wrong and what to do about it. It is raised deep
    inside the runner and turned into an exit at the runner's public entry
    points, after every resource created so far has been released.
    """


@contextmanager
def exit_on_runner_error() -> Iterator[None]:
    try:
        yield
    except RunnerError as exc:
        sys.stdout.flush()
        print(f"django-parallel: error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(EXIT_USAGE) from None
