"""Places where the run's own process can be made to stop and wait, so that a
signal is sent at a known phase, not after a guessed delay.

DP_FAULTS_WAIT_AT=<point> makes the main process (not the workers) leave a
file <point>.<pid> in DP_FAULTS_MARKERS when it gets there, then wait for
ever. Points: "import" (a test module being imported: discovery),
"migration" (a migration of the test database).
"""

import multiprocessing
import os
import threading


def wait_point(point: str) -> None:
    if os.environ.get("DP_FAULTS_WAIT_AT") != point:
        return
    if multiprocessing.parent_process() is not None:
        return
    path = os.path.join(os.environ["DP_FAULTS_MARKERS"], f"{point}.{os.getpid()}")
    with open(path, "w") as marker:
        marker.write(point)
    threading.Event().wait()
