"""A test module that raises something other than ImportError on import.
Its name does not match test*.py: only an explicit label reaches it."""

import unittest

raise RuntimeError("layout: raised while importing")


class NeverLoadedTests(unittest.TestCase):
    def test_never_runs(self):
        pass
