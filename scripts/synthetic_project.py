#!/usr/bin/env python
"""Generate a synthetic Django project for benchmarks.

    python scripts/synthetic_project.py /tmp/synth --classes 60 --seconds 60
    python scripts/synthetic_project.py /tmp/synth --migrations 300

The suite has ``--classes`` test classes whose serial durations follow a
long-tailed spread (most classes short, a few very slow ones placed late in
the suite, as real suites have: some of them TransactionTestCases, which
Django runs last), adding up to about ``--seconds``. Most are
database-heavy ``TestCase`` classes with ``setUpTestData``; the work is real
queries, never sleep. ``--migrations`` spreads that many migrations over the
app's models, for measuring database set-up. SYNTH_DB=postgresql|mysql and
SYNTH_DB_NAME choose a server database instead of SQLite.
"""

from __future__ import annotations

import argparse
import random
import shutil
import textwrap
from pathlib import Path

MODELS = 8
# Roughly how many simple queries SQLite answers per second here; only the
# shape of the spread matters, not the exact seconds.
QUERIES_PER_SECOND = 2500

SETTINGS = """\
import os

SECRET_KEY = "synthetic"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = ["synth"]
_engine = os.environ.get("SYNTH_DB", "sqlite")
_name = os.environ.get("SYNTH_DB_NAME", "synth")
if _engine == "postgresql":
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": _name,
                             "USER": "postgres", "HOST": "127.0.0.1", "PORT": "5432"}}
elif _engine == "mysql":
    DATABASES = {"default": {"ENGINE": "django.db.backends.mysql", "NAME": _name,
                             "USER": "root", "PASSWORD": "", "HOST": "127.0.0.1",
                             "PORT": "3306"}}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                             "NAME": os.path.join(os.path.dirname(__file__), "synth.sqlite3")}}
"""

MANAGE = """\
#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "synth_project.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""


def class_durations(classes: int, seconds: float, seed: int) -> list[float]:
    """Long-tailed durations summing to ``seconds``; the slowest few last."""
    rng = random.Random(seed)
    body = [
        rng.lognormvariate(0.0, 1.0) for _ in range(classes - max(1, classes // 20))
    ]
    slow = [max(body) * rng.uniform(3.0, 5.0) for _ in range(max(1, classes // 20))]
    scale = seconds / (sum(body) + sum(slow))
    return [d * scale for d in body] + [d * scale for d in slow]


def models_source() -> str:
    lines = ["from django.db import models", ""]
    for index in range(MODELS):
        lines += [
            f"class Thing{index}(models.Model):",
            "    name = models.CharField(max_length=40)",
            "    value = models.IntegerField(default=0)",
            "",
        ]
    return "\n".join(lines) + "\n"


def migrations(count: int) -> dict[str, str]:
    """0001 creates the models; the rest each add a field to one of them."""
    files = {}
    creates = "\n".join(
        f"""        migrations.CreateModel(
            name="Thing{index}",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=40)),
                ("value", models.IntegerField(default=0)),
            ],
        ),"""
        for index in range(MODELS)
    )
    files["0001_initial.py"] = (
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    initial = True\n    dependencies = []\n"
        f"    operations = [\n{creates}\n    ]\n"
    )
    previous = "0001_initial"
    for number in range(2, count + 1):
        name = f"{number:04d}_extra"
        model = f"thing{number % MODELS}"
        files[f"{name}.py"] = (
            "from django.db import migrations, models\n\n\n"
            "class Migration(migrations.Migration):\n"
            f"    dependencies = [('synth', '{previous}')]\n"
            "    operations = [\n"
            f"        migrations.AddField('{model}', 'extra_{number}', "
            "models.IntegerField(null=True)),\n"
            "    ]\n"
        )
        previous = name
    return files


def extra_fields(count: int) -> dict[int, list[str]]:
    fields: dict[int, list[str]] = {i: [] for i in range(MODELS)}
    for number in range(2, count + 1):
        fields[number % MODELS].append(f"extra_{number}")
    return fields


def test_module(classes: list[tuple[str, float, str]]) -> str:
    lines = [
        "import unittest",
        "",
        "from django.test import SimpleTestCase, TestCase, TransactionTestCase",
        "",
        f"from synth.models import {', '.join(f'Thing{i}' for i in range(MODELS))}",
        "",
    ]
    for name, seconds, kind in classes:
        tests = 4
        queries = max(1, int(seconds * QUERIES_PER_SECOND / tests))
        model = f"Thing{sum(map(ord, name)) % MODELS}"
        lines.append(f"class {name}({kind}):")
        if kind == "TestCase":
            lines += [
                "    @classmethod",
                "    def setUpTestData(cls):",
                f"        {model}.objects.bulk_create("
                f"{model}(name=f'row{{i}}', value=i) for i in range(200))",
                "",
            ]
        for number in range(tests):
            lines.append(f"    def test_{number}(self):")
            if kind == "SimpleTestCase" or kind == "unittest.TestCase":
                lines.append(
                    f"        total = sum(i * i for i in range({queries * 40}))"
                )
                lines.append("        self.assertGreaterEqual(total, 0)")
            else:
                lines += [
                    f"        if not {model}.objects.exists():",
                    f"            {model}.objects.bulk_create("
                    f"{model}(name=f'row{{i}}', value=i) for i in range(200))",
                    f"        for i in range({queries}):",
                    f"            {model}.objects.filter(value__gte=i % 200).count()",
                ]
            lines.append("")
    return "\n".join(lines) + "\n"


def generate(
    target: Path, classes: int, seconds: float, migration_count: int, seed: int
) -> None:
    if target.exists():
        shutil.rmtree(target)
    (target / "synth_project").mkdir(parents=True)
    (target / "synth" / "migrations").mkdir(parents=True)
    (target / "synth" / "tests").mkdir()
    (target / "manage.py").write_text(MANAGE)
    (target / "synth_project" / "__init__.py").write_text("")
    (target / "synth_project" / "settings.py").write_text(SETTINGS)
    (target / "synth" / "__init__.py").write_text("")
    (target / "synth" / "migrations" / "__init__.py").write_text("")
    (target / "synth" / "tests" / "__init__.py").write_text("")
    source = models_source()
    for index, names in extra_fields(migration_count).items():
        extra = "".join(f"    {n} = models.IntegerField(null=True)\n" for n in names)
        source = source.replace(
            f"class Thing{index}(models.Model):\n",
            f"class Thing{index}(models.Model):\n{extra}",
        )
    (target / "synth" / "models.py").write_text(source)
    for name, text in migrations(migration_count).items():
        (target / "synth" / "migrations" / name).write_text(text)

    rng = random.Random(seed + 1)
    durations = class_durations(classes, seconds, seed)
    kinds = ["TestCase"] * 7 + [
        "TransactionTestCase",
        "SimpleTestCase",
        "unittest.TestCase",
    ]
    slow_from = classes - max(1, classes // 20)

    def kind_of(number: int) -> str:
        if number < slow_from:
            return rng.choice(kinds)
        # The slow classes are database-heavy, as in real suites: TestCases,
        # and every other one a TransactionTestCase (the kind live-server and
        # browser tests are), which Django's ordering runs after every
        # TestCase, at the very end of a run.
        return "TransactionTestCase" if (number - slow_from) % 2 else "TestCase"

    specs = [
        (f"Case{number:03d}", duration, kind_of(number))
        for number, duration in enumerate(durations)
    ]
    # Ten classes a module; the slow ones, generated last, land in the last
    # modules, late in the suite order.
    for start in range(0, len(specs), 10):
        module = target / "synth" / "tests" / f"test_part{start // 10:03d}.py"
        module.write_text(test_module(specs[start : start + 10]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path)
    parser.add_argument("--classes", type=int, default=60)
    parser.add_argument(
        "--seconds",
        type=float,
        default=40.0,
        help="approximate serial run time of the suite",
    )
    parser.add_argument("--migrations", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    generate(args.target, args.classes, args.seconds, args.migrations, args.seed)
    print(
        textwrap.dedent(f"""\
        Generated {args.target}: {args.classes} classes, ~{args.seconds:g}s serial,
        {args.migrations} migrations. Run: cd {args.target} && python manage.py test""")
    )


if __name__ == "__main__":
    main()
