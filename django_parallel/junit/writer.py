"""Test case records → a JUnit XML file, in the shape Jenkins' xunit plugin
reads (its junit-10.xsd), which GitLab, GitHub Actions reporters and the
other CI systems read too.

One ``<testsuites>`` holding one ``<testsuite>`` for the run. The counts map
the closing line's six onto JUnit's four: an unexpected success is a
failure (it fails the run), an expected failure is skipped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from django_parallel.files import write_atomically
from django_parallel.junit.recorder import CaseRecord

# Characters XML 1.0 cannot hold at all (control characters, lone
# surrogates, U+FFFE/U+FFFF): shown escaped instead.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class JUnitReport:
    """Everything the file says about one run."""

    name: str
    cases: tuple[CaseRecord, ...]
    seconds: float
    timestamp: str  # ISO 8601, when the run started
    hostname: str


def xml_text(text: str) -> str:
    """``text`` with what XML cannot hold written as ``\\xNN``/``\\uNNNN``."""
    return _NOT_XML.sub(lambda match: repr(match.group())[1:-1], text)


def counts(cases) -> dict[str, int]:
    """``tests``, ``failures``, ``errors`` and ``skipped`` of ``cases``."""
    found = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for case in cases:
        found["tests"] += 1
        for problem in case.problems:
            found[_COUNTED_AS[problem.kind]] += 1
    return found


_COUNTED_AS = {"failure": "failures", "error": "errors", "skipped": "skipped"}


def render(report: JUnitReport) -> bytes:
    """The report as an XML document (UTF-8)."""
    total = counts(report.cases)
    seconds = f"{report.seconds:.3f}"
    root = ET.Element(
        "testsuites",
        _attributes(
            name=report.name,
            tests=total["tests"],
            failures=total["failures"],
            errors=total["errors"],
            time=seconds,
        ),
    )
    suite = ET.SubElement(
        root,
        "testsuite",
        _attributes(
            name=report.name,
            tests=total["tests"],
            failures=total["failures"],
            errors=total["errors"],
            skipped=total["skipped"],
            time=seconds,
            timestamp=report.timestamp,
            hostname=report.hostname,
        ),
    )
    for case in report.cases:
        _case(suite, case)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _case(suite: ET.Element, case: CaseRecord) -> None:
    element = ET.SubElement(
        suite,
        "testcase",
        _attributes(
            classname=case.classname,
            name=case.name,
            time=f"{max(case.time, 0.0):.3f}",
            file=case.file,
            line=case.line,
        ),
    )
    for problem in case.problems:
        child = ET.SubElement(
            element,
            problem.kind,
            _attributes(message=problem.message, type=problem.type or None),
        )
        if problem.text:
            child.text = xml_text(problem.text)
    for tag, text in (("system-out", case.stdout), ("system-err", case.stderr)):
        if text:
            ET.SubElement(element, tag).text = xml_text(text)


def _attributes(**values) -> dict[str, str]:
    """Attributes that have a value, as XML-safe strings."""
    return {
        key: xml_text(str(value)) for key, value in values.items() if value is not None
    }


def write(path: str, report: JUnitReport) -> None:
    """Write the file whole or not at all: a reader (or the CI's upload step)
    never sees half of it. Missing directories are made."""
    # A report is for everyone to read.
    write_atomically(path, render(report), prefix=".junit-", mode=0o644)
