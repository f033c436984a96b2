"""A failure described as data: its exception's type and message, the
traceback without the captured output, and that output apart.

The terminal report is one block of text, output and all; a machine-read
report (JUnit XML) needs the parts. A worker describes each failure where the
exception still exists and sends the description along with the text; a
serial run describes it in the parent.
"""

from __future__ import annotations

import unittest
from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorDetail:
    """The parts of one failure or error (picklable, plain strings)."""

    type: str
    message: str
    traceback: str
    stdout: str = ""
    stderr: str = ""


def exception_name(exc_type: type) -> str:
    """``ValueError`` for builtins, ``module.Qualname`` for the rest."""
    module = getattr(exc_type, "__module__", "")
    qualname = getattr(exc_type, "__qualname__", repr(exc_type))
    return qualname if module in ("builtins", "", None) else f"{module}.{qualname}"


def first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def captured_output(result: unittest.TestResult) -> tuple[str, str]:
    """What the running test printed so far, when ``result`` buffers output
    (--buffer): unittest keeps it until the test stops."""
    if not getattr(result, "buffer", False):
        return "", ""
    return tuple(
        _value(getattr(result, name, None))
        for name in ("_stdout_buffer", "_stderr_buffer")
    )


def _value(stream) -> str:
    try:
        return stream.getvalue() if stream is not None else ""
    except (AttributeError, ValueError):
        return ""


def describe_error(err, test, output: tuple[str, str] = ("", "")) -> ErrorDetail:
    """``err`` (an exc_info triple) as an ErrorDetail. The traceback is
    formatted as unittest formats it, without the captured output, which
    goes apart."""
    exc_type, value, _ = err
    # A result that does not buffer formats the bare traceback, with
    # unittest's own frames left out as in its report.
    text = unittest.TestResult()._exc_info_to_string(err, test)
    try:
        message = first_line(str(value)) if value is not None else ""
    except Exception:  # an exception whose str() fails
        message = ""
    stdout, stderr = output
    return ErrorDetail(
        type=exception_name(exc_type),
        message=message or exception_name(exc_type),
        traceback=text,
        stdout=stdout,
        stderr=stderr,
    )
