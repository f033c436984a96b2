"""An early failure followed by slow classes, for --failfast.

``AFailsFirst`` has the most tests, so it is handed out first; its first test
fails at once. Each of the six slow classes has five tests of 0.3 s, so a run
that stops within one test per worker runs only a few of their 30 tests.
"""

import time

from django.test import SimpleTestCase


def _quick(self):
    pass


def _slow(self):
    time.sleep(0.3)


AFailsFirst = type(
    "AFailsFirst",
    (SimpleTestCase,),
    {
        "test_0_fails": lambda self: self.fail("first failure"),
        **{f"test_{n}": _quick for n in range(1, 12)},
    },
)

for _index in range(6):
    _cls = type(
        f"Slow{_index}", (SimpleTestCase,), {f"test_{n}": _slow for n in range(5)}
    )
    globals()[_cls.__name__] = _cls
