#!/usr/bin/env python
"""Each fault of the catalogue alone (with the ordinary tests beside it), per
backend and start method, through tests/test_faults.py's checks; one line per
run naming the checks that failed. For finding out what a fault does to a
given version of the runner; tests/test_faults.py is the test.

    python tests/projects/faults/matrix.py [-b sqlite,postgresql,mysql]
        [-m spawn,fork] [-t SAFETY_SECONDS] [fault ...]
"""

import argparse
import os
import re
import sys
import unittest
from pathlib import Path

TESTS = Path(__file__).resolve().parents[2]


class Collect(unittest.TestResult):
    """Keeps the failed checks (subtests) and their first message line."""

    def __init__(self):
        super().__init__()
        self.failed = []

    def addSubTest(self, test, subtest, err):
        if err is not None:
            params = ",".join(f"{v}" for v in subtest.params.values())
            what = subtest._message + (f"[{params}]" if params else "")
            self.failed.append((what, str(err[1]).splitlines()[0][:80]))

    def addError(self, test, err):
        self.failed.append(("error", repr(err[1])[:200]))

    def addFailure(self, test, err):
        self.failed.append(("failure", str(err[1]).splitlines()[0][:200]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("faults", nargs="*")
    parser.add_argument("-b", "--backends", default="sqlite,postgresql,mysql")
    parser.add_argument("-m", "--methods", default="spawn,fork")
    parser.add_argument("-t", "--safety", default="90")
    options = parser.parse_args()
    os.environ["DP_FAULTS_SAFETY_TIMEOUT"] = options.safety
    sys.path.insert(0, str(TESTS))
    os.chdir(TESTS)
    import test_faults

    names = options.faults or [
        name for name in test_faults.expected.CATALOGUE if name != "ordinary"
    ]
    for backend in options.backends.split(","):
        for method in options.methods.split(","):
            for name in names:
                case_class = type(
                    "Probe",
                    (test_faults.FaultsTestCase,),
                    {
                        "backend": backend,
                        "runTest": lambda self: self.check_faults(
                            self.method, [self.fault, "ordinary"]
                        ),
                    },
                )
                case = case_class()
                case.method, case.fault = method, name
                result = Collect()
                case.run(result)
                run = getattr(case, "last_run", None)
                state = "no run"
                if run is not None:
                    summary = run.summary or {}
                    counts = "/".join(
                        str(summary.get(k, "-"))
                        for k in ("passed", "failed", "errors", "skipped")
                    )
                    state = (
                        f"{'ended' if case.last_ended else 'HUNG'} "
                        f"rc={run.returncode} p/f/e/s={counts}"
                    )
                    notes = re.findall(
                        r"^.*(?:Traceback|Error:|error:|Warning).*$",
                        run.stderr,
                        re.MULTILINE,
                    )
                else:
                    notes = []
                print(f"{name:20} {backend:10} {method:10} {state}", flush=True)
                for what, why in result.failed:
                    print(f"    FAILED {what}: {why}", flush=True)
                for line in notes[:4]:
                    print(f"    | {line[:150]}", flush=True)


if __name__ == "__main__":
    main()
