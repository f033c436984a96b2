"""A test module that cannot be imported. Its name matches neither test*.py
nor check_*.py, so only an explicit label or -p broken_*.py reaches it."""

import unittest

import layout_missing_dependency  # noqa: F401


class NeverLoadedTests(unittest.TestCase):
    def test_never_runs(self):
        pass
