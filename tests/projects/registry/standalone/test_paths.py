"""Tests in a directory without __init__.py, found by naming the directory:
discovery puts it on sys.path, and every worker must import from there too
(2 tests)."""

import unittest


class FoundByPathTests(unittest.TestCase):
    def test_imported(self):
        self.assertEqual(__name__, "test_paths")


class FoundByPathAgainTests(unittest.TestCase):
    def test_imported(self):
        self.assertEqual(__name__, "test_paths")
