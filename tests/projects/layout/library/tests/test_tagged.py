"""Tags on classes and methods, and names for -k (7 tests)."""

from django.test import SimpleTestCase, tag

from library.recording import RecordRun


@tag("slow")
class SlowShelfTests(RecordRun, SimpleTestCase):
    def test_count_shelves(self):
        pass

    @tag("fast")
    def test_label_shelves(self):
        pass


class QuickShelfTests(RecordRun, SimpleTestCase):
    @tag("fast")
    def test_dust_shelf(self):
        pass

    @tag("fast", "flaky")
    def test_sort_shelf(self):
        pass

    def test_empty_shelf(self):
        pass


@tag("network")
class RemoteCatalogTests(RecordRun, SimpleTestCase):
    def test_fetch_record(self):
        pass

    @tag("flaky")
    def test_sync_records(self):
        pass
