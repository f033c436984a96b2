"""Classes of ordinary passing tests, so that every scenario runs beside
other work that must still finish."""

from django.test import TestCase

from scenarios.models import Note


def make_filler(name, module):
    def test_write(self):
        Note.objects.create(text=name)
        self.assertEqual(Note.objects.count(), 2)

    def test_read(self):
        self.assertEqual(Note.objects.get().text, "from migration")

    return type(
        name,
        (TestCase,),
        {"test_write": test_write, "test_read": test_read, "__module__": module},
    )
