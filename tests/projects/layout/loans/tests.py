import unittest

from library.recording import RecordRun


class LoanTests(RecordRun, unittest.TestCase):
    def test_loan_period(self):
        self.assertEqual(7 * 3, 21)
