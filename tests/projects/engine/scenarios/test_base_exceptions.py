"""Tests and fixtures that raise what unittest does not catch as an error:
each must be reported as an error where it happened, and the rest run."""

import sys

from django.test import TestCase

from scenarios.models import Note


class NotAnException(BaseException):
    pass


class RaisesBaseExceptions(TestCase):
    """Each test writes a row first: the next ones must not see it."""

    def setUp(self):
        Note.objects.create(text="written by the test")

    def test_generator_exit(self):
        raise GeneratorExit

    def test_keyboard_interrupt(self):
        raise KeyboardInterrupt

    def test_not_an_exception(self):
        raise NotAnException("a BaseException subclass")

    def test_system_exit(self):
        sys.exit(3)

    def test_zz_after_them(self):
        self.assertEqual(Note.objects.count(), 2)


class ExitsInSetUpTestData(TestCase):
    @classmethod
    def setUpTestData(cls):
        Note.objects.create(text="written by setUpTestData")
        raise SystemExit(4)

    def test_never_runs(self):
        pass
