"""Tests in a package that is not an installed app."""

import unittest

from django.test import TestCase
from library.models import Book
from library.recording import RecordRun


class WorkflowTests(RecordRun, TestCase):
    def test_borrow_flow(self):
        Book.objects.create(title="Emma")
        self.assertTrue(Book.objects.filter(title="Emma").exists())


class PlainWorkflowTests(RecordRun, unittest.TestCase):
    def test_plain_flow(self):
        pass
