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


def first_line(exc: BaseException) -> str:
    """The first line of ``exc``'s message ("" when it has none): what a
    one-line error quotes of a driver's or the OS's longer report."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


@contextmanager
def exit_on_runner_error() -> Iterator[None]:
    try:
        yield
    except RunnerError as exc:
        sys.stdout.flush()
        print(f"django-parallel: error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(EXIT_USAGE) from None
