"""Tests that report what the runner set up, for the database tests to read.

Add probe classes here; keep each one reporting through a "PROBE ..." line on
stdout.
"""
