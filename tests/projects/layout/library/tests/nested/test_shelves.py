from django.test import SimpleTestCase

from library.recording import RecordRun


class ShelfLayoutTests(RecordRun, SimpleTestCase):
    def test_nested_package_is_found(self):
        pass
