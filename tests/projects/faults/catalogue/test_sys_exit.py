"""sys.exit(1) in a test: unittest reports SystemExit as an error."""

import sys

from django.test import SimpleTestCase


class SysExitFault(SimpleTestCase):
    def test_1_before(self):
        pass

    def test_2_sys_exit(self):
        sys.exit(1)

    def test_3_after(self):
        pass
