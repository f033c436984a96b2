"""Drive django_parallel.Runner from Python, as a script or a tool would.

    python drive.py run [--logger] [--verbosity N] [--shuffle SEED] LABEL...
    python drive.py log [--verbosity N]

``run`` builds the runner with get_runner(settings) and runs the labels;
with --logger it hands the runner a logger whose records are printed to
stdout as "LOGGED <LEVEL> <message>". ``log`` calls Runner.log once per level
("message at DEBUG", ...) with no logger. Both end with "DONE <result>".
"""

import argparse
import logging
import os
import sys


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["run", "log"])
    parser.add_argument("labels", nargs="*")
    parser.add_argument("--logger", action="store_true")
    parser.add_argument("--verbosity", type=int, default=1)
    parser.add_argument("--shuffle", type=int)
    args = parser.parse_intermixed_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scripted_project.settings")
    import django
    from django.conf import settings
    from django.test.utils import get_runner

    django.setup()
    kwargs = {"verbosity": args.verbosity, "interactive": False}
    if args.logger:
        logger = logging.getLogger("scripted.runner")
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("LOGGED %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        kwargs["logger"] = logger
    if args.shuffle is not None:
        kwargs["shuffle"] = args.shuffle
    runner = get_runner(settings)(**kwargs)

    if args.action == "run":
        result = runner.run_tests(args.labels)
    else:
        for level in (logging.DEBUG, logging.INFO, logging.WARNING):
            runner.log(f"message at {logging.getLevelName(level)}", level)
        runner.log("message at the default level")
        result = 0
    print(f"DONE {result}", flush=True)


if __name__ == "__main__":
    main()
