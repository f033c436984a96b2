"""The wrapper that turns a BaseException raised by a test's step into an
ordinary error (see ``worker.guard_base_exceptions``).

Its frame is not the test's: like unittest's own frames, it is left out of
the tracebacks unittest formats (``__unittest``), which would otherwise
start at this wrapper, and for an assertion's failure end there, without
the test's own frames.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

__unittest = True


class RaisedBaseException(Exception):
    """What a test or fixture raised that unittest does not catch
    (KeyboardInterrupt; SystemExit or GeneratorExit in a fixture), carried as
    an ordinary error: unittest then reports it where it happened, runs the
    tear-downs that follow and goes on, and no result is lost. Reports show
    ``original`` and its traceback."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(repr(original))
        self.original = original


def _guarded(function: Callable) -> Callable:
    if getattr(function, "_django_parallel_guarded", False):
        return function

    @functools.wraps(function)
    def guarded(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception:
            raise
        except BaseException as exc:
            raise RaisedBaseException(exc) from None

    guarded._django_parallel_guarded = True
    return guarded
