"""Tests in a directory without __init__.py: discovery from the project
directory does not descend into it; naming the directory finds it."""

import unittest

from library.recording import RecordRun


class ScriptTests(RecordRun, unittest.TestCase):
    def test_script_runs(self):
        pass
