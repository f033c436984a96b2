"""The command lines django-parallel prints for reproducing a failure: the
command that started this run, with the options that choose the project
kept and the reproduction flag added."""

from __future__ import annotations

import os
import shlex
import shutil
import sys

# Options of the test command that decide which project and settings run;
# every other option is left out of a printed command.
KEPT_WITH_VALUE = ("--settings", "--pythonpath")
KEPT_FLAGS = ("--debug-mode",)


def invocation() -> list[str]:
    """How this process was started, up to its arguments: the interpreter
    (with its own options), then the script or ``-m module``."""
    argv = list(sys.argv)
    orig = list(getattr(sys, "orig_argv", None) or [sys.executable, *argv])
    arguments = len(argv) - 1
    head = orig[: len(orig) - arguments] if arguments else orig
    if orig[len(head) :] != argv[1:] or not head:
        # The program changed sys.argv: name its script as it now is.
        return [sys.executable, *argv[:1]]
    return head


def command_arguments(argv: list[str] | None = None) -> list[str]:
    """The subcommand (``test``) and the project-choosing options of
    ``argv`` (default: this process's arguments)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    kept = []
    if argv and argv[0] == "test":
        kept.append("test")
    for position, arg in enumerate(argv):
        name = arg.partition("=")[0]
        if name in KEPT_WITH_VALUE:
            kept.append(arg)
            if "=" not in arg and position + 1 < len(argv):
                kept.append(argv[position + 1])
        elif arg in KEPT_FLAGS:
            kept.append(arg)
    return kept


def python_name(executable: str) -> str:
    """``python`` when that name on PATH is this interpreter, else its path."""
    for name in ("python", os.path.basename(executable)):
        found = shutil.which(name)
        if found and os.path.realpath(found) == os.path.realpath(executable):
            return name
    return executable


def test_command(*extra: str) -> str:
    """The command to copy: this run's command with ``extra`` added."""
    head = invocation()
    head[0] = python_name(sys.executable)
    return shlex.join([*head, *command_arguments(), *extra])


def replay_command(worker: str) -> str:
    return test_command("--replay-worker", worker)


def bisect_command(test_id: str) -> str:
    return test_command("--bisect", test_id)


def pair_command(test_id: str) -> str:
    return test_command("--pair", test_id)
