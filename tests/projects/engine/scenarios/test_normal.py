"""Ordinary passing tests in four classes (8 tests)."""

from scenarios.filler import make_filler

FillerA = make_filler("FillerA", __name__)
FillerB = make_filler("FillerB", __name__)
FillerC = make_filler("FillerC", __name__)
FillerD = make_filler("FillerD", __name__)
