"""``python -m django_parallel``: tools that need no Django project.

python -m django_parallel durations merge FILES... [--into PATH]
"""

from __future__ import annotations

import argparse
import sys

from django_parallel.errors import EXIT_USAGE, exit_on_runner_error


class _Parser(argparse.ArgumentParser):
    """Bad usage is one line, like the runner's own errors."""

    def error(self, message: str):
        sys.stdout.flush()
        print(f"django-parallel: error: {self.prog}: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m django_parallel")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    durations = commands.add_parser(
        "durations", help="Work with the recorded test durations."
    )
    actions = durations.add_subparsers(dest="action", metavar="ACTION", required=True)
    merge = actions.add_parser(
        "merge",
        help="Merge the durations the shards of a --shard run wrote into the "
        "one record the next run splits and schedules by.",
    )
    merge.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="Records to merge, usually .django_parallel/durations-shard-*.json.",
    )
    merge.add_argument(
        "--into",
        metavar="PATH",
        help="The record to merge into (default: .django_parallel/durations.json "
        "in the current directory).",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # One command so far: "durations merge" (the parser requires both words).
    with exit_on_runner_error():
        return _merge(args.files, args.into)


def _merge(files: list[str], into: str | None) -> int:
    from django_parallel.shard_records import merge_records

    result = merge_records(files, into)
    for warning in result.warnings:
        print(f"django-parallel: warning: {warning}", file=sys.stderr)
    print(
        f"Merged {result.classes} class(es) from {result.files} file(s) into "
        f"{result.into}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
