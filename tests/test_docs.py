"""Every example of the documentation runs, and the options page is complete.

Each page of docs/ (and the README) gets a test class that copies a sample
project (tests/projects/docs, or the one named by a ``<!-- docs: project
NAME -->`` comment on the page's first line) and goes through the page's
fenced blocks in order:

- ``sh``/``bash``/``console`` blocks: each command runs in the project copy
  with bash (``console``: the lines starting with ``$ ``) and must end with
  the expected status (0, or what a ``<!-- docs: exit ... -->`` comment says);
- ``python`` blocks are settings: appended to the project's settings module,
  then ``python manage.py test --parallel 2`` must pass;
- a block after ``<!-- docs: file PATH -->`` is written to PATH instead;
- ``yaml`` blocks (CI examples) are parsed, and the ``manage.py test`` and
  ``python -m django_parallel`` commands of their ``run:``/``script:``
  entries parsed by the real option parsers;
- a block after ``<!-- not-run: REASON -->`` is counted, never run.

Inline ``python manage.py test ...`` examples (the options table) are parsed
by the real ``test`` command parser too.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest
from dataclasses import dataclass, field
from pathlib import Path

from support import IN_CI, PROJECTS, ROOT, SUMMARY

try:
    import yaml
except ImportError:
    # A fresh checkout has only the package; CI installs the test extra.
    if IN_CI:
        raise
    yaml = None

DOCS = ROOT / "docs"
PAGES = sorted(
    [path for path in DOCS.rglob("*.md") if "_build" not in path.parts]
    + [ROOT / "README.md"]
)
# The blocks marked <!-- not-run: ... -->: a new one must be counted here,
# so that no example stops running unnoticed.
NOT_RUN_EXPECTED = 10
# The README's first block, its two fresh-machine commands, stays the first
# thing a reader sees, without a marker: the first installs into the running
# environment (test_example runs the example suite it starts) and the second
# is this suite.
README_COMMANDS = "the README's fresh-machine commands; .ci/run runs the suite"
SETTINGS_MODULES = {"docs": "mysite.settings", "polluted": "polluted_project.settings"}
SHELL = ("sh", "bash", "shell", "console")
OUTPUT = ("", "text")


@dataclass
class Block:
    page: Path
    line: int
    lang: str
    text: str
    not_run: str | None = None
    exits: list[set[int]] | None = None
    file: str | None = None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    def commands(self) -> list[str]:
        """The shell commands of a sh/console block, continuations joined."""
        if self.lang == "console":
            lines = [
                line[2:] for line in self.text.splitlines() if line.startswith("$ ")
            ]
        else:
            lines = self.text.replace("\\\n", " ").splitlines()
        return [
            line for line in lines if line.strip() and not line.lstrip().startswith("#")
        ]


@dataclass
class Page:
    path: Path
    project: str = "docs"
    blocks: list[Block] = field(default_factory=list)


COMMENT = re.compile(r"<!--(.*?)-->", re.DOTALL)
FENCE = re.compile(r"^(```+)\s*([^\s`]*)")


def read_page(path: Path) -> Page:
    """The page's fenced blocks (directives such as ``{toctree}`` left out),
    each with the comment that stands on the lines just before it."""
    text = path.read_text()
    page = Page(path)
    first = text.lstrip().splitlines()[0] if text.strip() else ""
    found = re.fullmatch(r"<!-- docs: project (\w+) -->", first.strip())
    if found:
        page.project = found.group(1)
    lines = text.splitlines()
    index, pending, pending_end = 0, None, -2
    while index < len(lines):
        line = lines[index]
        if line.lstrip().startswith("<!--"):
            end = index
            while "-->" not in lines[end]:
                end += 1
            pending = " ".join(lines[index : end + 1])
            pending, pending_end, index = (
                COMMENT.search(pending).group(1).strip(),
                end,
                end + 1,
            )
            continue
        fence = FENCE.match(line)
        if fence:
            close = index + 1
            while not lines[close].startswith(fence.group(1)):
                close += 1
            lang = fence.group(2)
            if not lang.startswith("{"):
                block = Block(
                    path, index + 1, lang, "\n".join(lines[index + 1 : close]) + "\n"
                )
                if pending_end == index - 1:
                    apply_comment(block, pending)
                page.blocks.append(block)
            index = close + 1
            continue
        index += 1
    if path == ROOT / "README.md" and page.blocks and page.blocks[0].not_run is None:
        page.blocks[0].not_run = README_COMMANDS
    return page


def apply_comment(block: Block, comment: str) -> None:
    if comment.startswith("not-run:"):
        block.not_run = comment[len("not-run:") :].strip()
    elif comment.startswith("docs: exit "):
        codes = comment[len("docs: exit ") :].split("(")[0].split()
        block.exits = [{int(code) for code in spec.split("|")} for spec in codes]
    elif comment.startswith("docs: file "):
        block.file = comment[len("docs: file ") :].strip()


ALL_PAGES = [read_page(path) for path in PAGES]


# The real option parsers.


def test_command_parsers():
    """The ``test`` command's parsers: django-parallel's own command, and
    Django's with django_parallel.Runner as TEST_RUNNER."""
    from django.core.management import load_command_class
    from django.test.utils import override_settings

    ours = load_command_class("django_parallel", "test").create_parser(
        "manage.py", "test"
    )
    with override_settings(TEST_RUNNER="django_parallel.Runner"):
        django = load_command_class("django.core", "test").create_parser(
            "manage.py", "test"
        )
    return [ours, django]


def check_command(command: str) -> str | None:
    """Why ``command`` (a ``manage.py test`` or ``python -m django_parallel``
    command line) would be refused, or None."""
    from django.core.management import CommandError

    words = shlex.split(command)
    if "manage.py" in words:
        args = words[words.index("manage.py") + 2 :]
        try:
            test_command_parsers()[0].parse_args(args)
        except CommandError as exc:
            return str(exc)
        return None
    from django_parallel.__main__ import _parser

    args = words[words.index("django_parallel") + 1 :]
    try:
        _parser().parse_args(args)
    except SystemExit:
        return "python -m django_parallel refused it (see stderr)"
    return None


COMMAND_IN_TEXT = re.compile(
    r"python (?:manage\.py test|-m django_parallel)\b[^;&|)\n\"`]*"
)


class DocumentedExamples:
    """Runs one page's blocks in a fresh copy of its project (a mixin: one
    TestCase per page below, so that pages run in parallel)."""

    page: Page
    maxDiff = None

    def setUp(self):
        workdir = Path(tempfile.mkdtemp(prefix="dp-docs-"))
        self.addCleanup(shutil.rmtree, workdir, ignore_errors=True)
        self.project = workdir / self.page.project
        shutil.copytree(
            PROJECTS / self.page.project,
            self.project,
            ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"),
        )
        (workdir / "db").mkdir()
        settings = SETTINGS_MODULES[self.page.project]
        self.settings_file = self.project / (settings.replace(".", "/") + ".py")
        environ = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DP_", "CI_NODE", "CIRCLE_", "BUILDKITE"))
        }
        environ.update(
            PYTHONPATH=os.pathsep.join(
                filter(None, [str(ROOT), environ.get("PYTHONPATH")])
            ),
            PATH=os.pathsep.join(
                [os.path.dirname(sys.executable), environ.get("PATH", "")]
            ),
            DJANGO_SETTINGS_MODULE=settings,
            DP_DB_DIR=str(workdir / "db"),
            PYTHONUNBUFFERED="1",
        )
        self.environ = environ

    def run_shell(self, command: str, expected: set[int], block: Block) -> None:
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=self.project,
            env=self.environ,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.assertIn(
            done.returncode,
            expected,
            f"{block.where}: {command}\nexit {done.returncode}\n--- stdout\n"
            f"{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}",
        )
        searches = ("--bisect", "--pair")
        if (
            "manage.py test" in command
            and 2 not in expected
            and not any(flag in command for flag in searches)
        ):
            self.assertRegex(done.stderr, SUMMARY, f"{block.where}: {command}")

    def test_examples_run(self):
        ran = 0
        for block in self.page.blocks:
            if block.not_run is not None:
                continue
            if block.file:
                path = self.project / block.file
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(block.text)
                continue
            if block.lang in SHELL:
                commands = block.commands()
                self.assertTrue(
                    commands, f"{block.where}: a shell block with no command"
                )
                exits = block.exits or [{0}]
                if len(exits) == 1:
                    exits = exits * len(commands)
                self.assertEqual(
                    len(exits), len(commands), f"{block.where}: exit codes"
                )
                for command, expected in zip(commands, exits, strict=True):
                    self.run_shell(command, expected, block)
                    ran += 1
            elif block.lang == "python":
                with self.settings_file.open("a") as settings:
                    settings.write(f"\n# {block.where}\n{block.text}")
                self.run_shell("python manage.py test --parallel 2", {0}, block)
                ran += 1
            elif block.lang == "yaml":
                self.check_yaml(block)
                ran += 1
            else:
                self.assertIn(
                    block.lang,
                    OUTPUT,
                    f"{block.where}: what runs a {block.lang!r} block?",
                )
        if self.page.blocks:
            self.assertGreater(
                ran + sum(b.not_run is not None for b in self.page.blocks), 0
            )

    def check_yaml(self, block: Block) -> None:
        if yaml is None:
            self.skipTest("PyYAML is not installed: python -m pip install -e '.[test]'")
        document = yaml.safe_load(block.text)
        commands = []

        def walk(node):
            if isinstance(node, dict):
                for key, value in node.items():
                    if key == "run" and isinstance(value, str):
                        commands.append(value)
                    elif key == "script" and isinstance(value, list):
                        commands.extend(value)
                    else:
                        walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(document)
        checked = 0
        for command in commands:
            command = re.sub(r"\$\{\{[^}]*\}\}", "1", command)
            for found in COMMAND_IN_TEXT.findall(command):
                problem = check_command(found)
                self.assertIsNone(problem, f"{block.where}: {found}: {problem}")
                checked += 1
        self.assertGreater(checked, 0, f"{block.where}: no command to check")


for _page in ALL_PAGES:
    if not _page.blocks:
        continue
    _name = "Page_" + re.sub(r"\W", "_", str(_page.path.relative_to(ROOT))[:-3])
    globals()[_name] = type(
        _name,
        (DocumentedExamples, unittest.TestCase),
        {"page": _page, "__module__": __name__},
    )


class InlineExamplesTests(unittest.TestCase):
    def test_inline_commands_are_real(self):
        """Every `python manage.py test ...` in running text is accepted by
        the real parser (a misspelt flag is refused)."""
        found = 0
        for path in PAGES:
            for span in re.findall(
                r"`(python manage\.py test[^`]*)`", path.read_text()
            ):
                problem = check_command(span)
                self.assertIsNone(
                    problem, f"{path.relative_to(ROOT)}: {span}: {problem}"
                )
                found += 1
        self.assertGreater(found, 30)


class OptionsPageTests(unittest.TestCase):
    text = (DOCS / "options.md").read_text()

    def test_every_option_is_documented(self):
        options = {
            option
            for parser in test_command_parsers()
            for action in parser._actions
            for option in action.option_strings
        }
        self.assertIn("--parallel", options)
        missing = sorted(
            option
            for option in options
            if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", self.text)
        )
        self.assertEqual(missing, [], "options missing from docs/options.md")

    def test_every_setting_is_documented(self):
        from django_parallel.options import PROJECT_DEFAULTS

        missing = sorted(key for key in PROJECT_DEFAULTS if f'"{key}"' not in self.text)
        self.assertEqual(
            missing, [], "DJANGO_PARALLEL keys missing from docs/options.md"
        )


class InventoryTests(unittest.TestCase):
    def test_blocks_not_run_are_counted(self):
        not_run = [
            b for page in ALL_PAGES for b in page.blocks if b.not_run is not None
        ]
        for block in not_run:
            self.assertTrue(block.not_run, f"{block.where}: not-run without a reason")
        self.assertEqual(
            len(not_run),
            NOT_RUN_EXPECTED,
            "blocks marked not-run: " + ", ".join(b.where for b in not_run),
        )
        runnable = [b for page in ALL_PAGES for b in page.blocks if b.not_run is None]
        print(
            f"\ndocumentation examples: {len(runnable)} blocks run or checked, "
            f"{len(not_run)} marked not-run",
            file=sys.stderr,
        )
