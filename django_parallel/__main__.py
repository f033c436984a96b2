"""``python -m django_parallel``: tools run outside ``manage.py test``.

python -m django_parallel durations merge FILES... [--into PATH]
python -m django_parallel cache key|export [--settings MODULE]
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
    cache = commands.add_parser(
        "cache",
        help="The migrated-database cache in CI (needs the project's settings).",
    )
    cache.add_argument(
        "action",
        choices=["key", "export"],
        help="key: print the key for the CI cache step that keeps "
        ".django_parallel/; export: write the server cache entries the tests "
        "left to files there.",
    )
    cache.add_argument(
        "--settings",
        metavar="MODULE",
        help="The settings module (default: DJANGO_SETTINGS_MODULE).",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with exit_on_runner_error():
        if args.command == "cache":
            return _cache(args.action, args.settings)
        return _merge(args.files, args.into)


def _cache(action: str, settings: str | None) -> int:
    """Set the project up as ``django-admin`` would, then run ``action``."""
    import os

    if settings:
        os.environ["DJANGO_SETTINGS_MODULE"] = settings
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        from django_parallel.errors import RunnerError

        raise RunnerError(
            "python -m django_parallel cache needs the project's settings: "
            "set DJANGO_SETTINGS_MODULE or pass --settings"
        )
    # As manage.py does: the project's packages are found from here.
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    import django

    django.setup()
    from django_parallel import cicache

    if action == "key":
        print(cicache.key())
    else:
        cicache.export()
    return 0


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
