"""Marker files in DP_MARKS, through which tests and the test driver wait
for each other instead of sleeping."""

import os
import time


def mark(name: str) -> None:
    open(os.path.join(os.environ["DP_MARKS"], name), "w").close()


def wait_for(name: str) -> None:
    """Until the marker exists (the driver's subprocess time-out bounds it)."""
    path = os.path.join(os.environ["DP_MARKS"], name)
    while not os.path.exists(path):
        time.sleep(0.01)
