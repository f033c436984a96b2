"""The fingerprint that keys the migrated-database cache: a hash of what
decides the schema and rows that migrating (or, for apps without
migrations, creating tables from the models) leaves in one database.

It covers:

- Django's version, the backend, the alias's database settings (all but
  PASSWORD and NAME) and its test database name;
- the installed apps (label, module, AppConfig class) and where each keeps
  its migrations, read the way Django reads MIGRATION_MODULES (so a
  ``DisableMigrations`` object works: those apps are keyed on their models);
- every model: its table, and each field's class and arguments;
- the source of every installed app's models and migrations modules, of the
  modules that define the models, their base classes and their field
  classes, of the database routers and of the pre_migrate and post_migrate
  receivers, and of every module of the project that any of these imports,
  directly or not (found by reading their ``import`` statements);
- for a third-party package that one of them imports, its installed
  version (the whole package, without reading it).

It does not cover what those modules read at run time from elsewhere: data
files (SQL, JSON), environment variables, settings other than the above,
modules imported by name (``import_module("...")``), or the database
server itself. After such a change, run with ``--clear-db-cache``.

Whatever the fingerprint cannot read makes it raise ``FingerprintUnavailable``
and the cache step aside for that alias: never a stale entry, never a crash.
"""

from __future__ import annotations

import ast
import datetime
import decimal
import enum
import functools
import hashlib
import importlib.machinery
import importlib.metadata
import inspect
import os
import re
import sys
import sysconfig
import types
import uuid
from pathlib import Path, PurePath

import django

from django_parallel.compat import signal_receivers
from django_parallel.errors import first_line


class FingerprintUnavailable(Exception):
    """Something the fingerprint needs cannot be read; the message says what."""


def fingerprint(connection) -> str:
    """A hash of everything that decides the migrated test database of
    ``connection``; raises ``FingerprintUnavailable`` instead of guessing."""
    reader = _Reader()
    try:
        reader.read(connection)
    except FingerprintUnavailable:
        raise
    except Exception as exc:
        raise FingerprintUnavailable(
            f"cannot read {reader.reading} ({_reason(exc)})"
        ) from None
    return reader.digest.hexdigest()


def _reason(exc: BaseException) -> str:
    first = first_line(exc)
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


# Plain values whose repr is the same in every process.
_PLAIN = (
    type(None),
    bool,
    int,
    float,
    complex,
    str,
    bytes,
    decimal.Decimal,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    uuid.UUID,
    PurePath,
    enum.Enum,
)


def stable(value, depth: int = 0) -> str:
    """A description of a settings value that is the same in every process:
    never a repr holding a memory address. Objects other than plain data
    are described by their class (or, for functions and classes, their
    qualified name); objects that deconstruct (Django's expressions,
    validators) by what they deconstruct to."""
    if depth > 20:
        return "<deep>"
    if isinstance(value, _PLAIN):
        return repr(value)
    if isinstance(value, (list, tuple)):
        inner = ",".join(stable(item, depth + 1) for item in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if isinstance(value, (set, frozenset)):
        return "{" + ",".join(sorted(stable(item, depth + 1) for item in value)) + "}"
    if isinstance(value, dict):
        pairs = sorted(
            f"{stable(key, depth + 1)}:{stable(item, depth + 1)}"
            for key, item in value.items()
        )
        return "{" + ",".join(pairs) + "}"
    if isinstance(value, functools.partial):
        parts = (value.func, value.args, value.keywords)
        return f"partial{stable(parts, depth + 1)}"
    if isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType)):
        return f"<{_qualified(value)}>"
    if isinstance(value, types.MethodType):
        return f"<{_qualified(value.__func__)} of {stable(value.__self__, depth + 1)}>"
    try:
        deconstructed = value.deconstruct()
    except Exception:
        pass
    else:
        return f"<{_qualified(type(value))}{stable(deconstructed, depth + 1)}>"
    return f"<{_qualified(type(value))} object>"


def _qualified(obj) -> str:
    module = getattr(obj, "__module__", None)
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", "?")
    return f"{module}.{name}"


# Where a module comes from decides what is hashed: the project's own
# modules by their source (and what they import), third-party packages by
# their installed version; the standard library, Django (its version is
# hashed) and django_parallel not at all.
PROJECT, THIRD_PARTY, IGNORED = "project", "third-party", "ignored"


@functools.lru_cache(maxsize=1)
def _own_dirs() -> tuple[str, ...]:
    import django_parallel

    return tuple(
        os.path.dirname(os.path.realpath(module.__file__))
        for module in (django, django_parallel)
    )


@functools.lru_cache(maxsize=1)
def _stdlib_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    return tuple(
        sorted(
            {os.path.realpath(paths[k]) for k in ("stdlib", "platstdlib") if k in paths}
        )
    )


@functools.lru_cache(maxsize=1)
def _third_party_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    return tuple(
        sorted(
            {os.path.realpath(paths[k]) for k in ("purelib", "platlib") if k in paths}
        )
    )


def _within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def classify(path: str) -> str:
    """PROJECT, THIRD_PARTY or IGNORED, for a module's file."""
    return _classify_directory(os.path.dirname(path))


@functools.lru_cache(maxsize=4096)
def _classify_directory(directory: str) -> str:
    real = os.path.realpath(directory)
    if any(_within(real, d) for d in _own_dirs()):
        return IGNORED
    parts = Path(real).parts
    if "site-packages" in parts or "dist-packages" in parts:
        return THIRD_PARTY
    if any(_within(real, d) for d in _third_party_dirs()):
        return THIRD_PARTY
    if any(_within(real, d) for d in _stdlib_dirs()):
        return IGNORED
    return PROJECT


@functools.lru_cache(maxsize=1)
def _distributions() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


def _installed_version(top_level: str) -> list[str]:
    versions = []
    for name in sorted(set(_distributions().get(top_level, []))):
        try:
            versions.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


class _Reader:
    """Feeds a digest, remembering what it is reading for the message when
    something cannot be read."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.reading = "the database settings"
        self.sources: dict[str, bytes] = {}  # key -> contents' sha256
        self.packages: set[str] = set()
        # (module name, file, contents) to scan for imports
        self.pending: list[tuple[str, str, bytes]] = []
        self.scanned: set[str] = set()
        self.seen_objects: set[int] = set()
        self.located: dict[str, tuple[str | None, list[str] | None] | None] = {}

    def feed(self, *parts) -> None:
        for part in parts:
            self.digest.update(stable(part).encode())
            self.digest.update(b"\0")

    def read(self, connection) -> None:
        from django.apps import apps
        from django.db import router
        from django.db.migrations.loader import MigrationLoader
        from django.db.models.signals import post_migrate, pre_migrate

        database = {
            key: value
            for key, value in connection.settings_dict.items()
            if key not in ("PASSWORD", "NAME", "OPTIONS")
        }
        # How long connecting may take shapes no schema; the runner adds it
        # to the run's connections (bound_connects), a command does not.
        options = connection.settings_dict.get("OPTIONS") or {}
        database["OPTIONS"] = {
            key: value for key, value in options.items() if key != "connect_timeout"
        }
        self.feed(django.get_version(), connection.vendor, database)
        self.feed(connection.creation._get_test_db_name())

        self.reading = "INSTALLED_APPS"
        app_configs = list(apps.get_app_configs())
        for app_config in app_configs:
            self.feed(app_config.label, app_config.name, type(app_config))

        for app_config in app_configs:
            self.reading = f"MIGRATION_MODULES (app {app_config.label!r})"
            module_name, explicit = MigrationLoader.migrations_module(app_config.label)
            self.feed(app_config.label, module_name, explicit)
            self.reading = f"the migrations of app {app_config.label!r}"
            if module_name:
                self.add_package(module_name)
            self.reading = f"the models module of app {app_config.label!r}"
            if app_config.models_module is not None:
                self.add_package(app_config.models_module.__name__)

        for model in apps.get_models(include_auto_created=True):
            self.reading = f"model {model._meta.label}"
            meta = model._meta
            self.feed(meta.label, meta.db_table, meta.managed, meta.proxy)
            for cls in model.__mro__:
                self.add_defining_module(cls, f"model {meta.label}")
            for field in [*meta.local_fields, *meta.local_many_to_many]:
                self.feed(field.name, type(field), field.deconstruct()[1:])
                for cls in type(field).__mro__:
                    self.add_defining_module(cls, f"a field of {meta.label}")
            for field in meta.private_fields:
                self.feed(field.name, type(field))
                self.add_defining_module(type(field), f"a field of {meta.label}")

        self.reading = "DATABASE_ROUTERS"
        for item in router.routers:
            self.feed(type(item) if not isinstance(item, type) else item)
            self.add_defining_module(item, "database router")

        for signal, name in (
            (pre_migrate, "pre_migrate"),
            (post_migrate, "post_migrate"),
        ):
            self.reading = f"the {name} receivers"
            described = []
            for receiver in list(signal_receivers(signal)):
                described.append(stable(receiver))
                self.add_defining_module(receiver, f"{name} receiver")
            self.feed(name, sorted(described))

        self.reading = "the modules they import"
        while self.pending:
            self.scan(*self.pending.pop())

        for key in sorted(self.sources):
            self.feed(key)
            self.digest.update(self.sources[key])
        self.feed(sorted(self.packages))

    # Finding modules, without importing anything.

    def locate(self, name: str) -> tuple[str | None, list[str] | None] | None:
        """(file, package search path) of module ``name``, or None."""
        if name in self.located:
            return self.located[name]
        found = None
        module = sys.modules.get(name)
        if module is not None:
            path = getattr(module, "__path__", None)
            found = (
                getattr(module, "__file__", None),
                list(path) if path is not None else None,
            )
        else:
            parent = name.rpartition(".")[0]
            search = None
            if parent:
                parent_found = self.locate(parent)
                search = parent_found[1] if parent_found else None
            if not parent or search is not None:
                try:
                    spec = importlib.machinery.PathFinder.find_spec(name, search)
                except (ImportError, ValueError, OSError):
                    spec = None
                if spec is not None:
                    locations = spec.submodule_search_locations
                    found = (
                        spec.origin if spec.has_location else None,
                        list(locations) if locations is not None else None,
                    )
        self.located[name] = found
        return found

    def add_package(self, name: str) -> None:
        """Hash a module, or every module of a package, whatever its origin;
        scan the project's ones for imports. A module that does not exist
        adds nothing (Django treats such an app as having no migrations)."""
        found = self.locate(name)
        if found is None:
            return
        file, search = found
        if search is None:
            if file:  # Compiled or sourceless ones too, by their bytes.
                self.add_source(name, file)
            return
        for location in sorted(search):
            root = Path(location)
            for path in sorted(root.rglob("*.py*")):
                # Sources, and compiled files shipped without them.
                if path.suffix not in (".py", ".pyc") or "__pycache__" in path.parts:
                    continue
                relative = path.relative_to(root)
                parts = [p for p in relative.with_suffix("").parts if p != "__init__"]
                key = ".".join([name, *parts])
                self.add_source(
                    key if path.suffix == ".py" else f"{key}.pyc", str(path)
                )

    def add_defining_module(self, obj, what: str) -> None:
        """Cover the module that defines a class, a function, or the class
        of a callable instance (partials and bound methods unwrapped)."""
        if id(obj) in self.seen_objects:
            return
        # Held by the app registry or a setting for the whole call: ids
        # are not reused meanwhile.
        self.seen_objects.add(id(obj))
        while isinstance(obj, functools.partial):
            obj = obj.func
        obj = getattr(obj, "__func__", obj)
        if not isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType)):
            obj = type(obj)
        try:
            obj = inspect.unwrap(obj)
        except ValueError:
            pass
        name = getattr(obj, "__module__", None)
        if not isinstance(name, str) or name in sys.builtin_module_names:
            return
        module = sys.modules.get(name)
        file = getattr(module, "__file__", None) if module is not None else None
        if not file:
            raise FingerprintUnavailable(
                f"cannot find the source of {what} {_qualified(obj)}"
            )
        self.add_module(name, file)

    def add_module(self, name: str, file: str) -> None:
        kind = classify(file)
        if kind == IGNORED:
            return
        if kind == THIRD_PARTY:
            top = name.partition(".")[0]
            versions = _installed_version(top)
            if versions:
                self.packages.update(versions)
                return
        self.add_source(name, file, scan=kind == PROJECT)

    def add_source(self, name: str, file: str, scan: bool | None = None) -> None:
        if name in self.sources:
            return
        try:
            contents = Path(file).read_bytes()
        except OSError as exc:
            raise FingerprintUnavailable(
                f"cannot read {file} ({_reason(exc)})"
            ) from None
        self.sources[name] = hashlib.sha256(contents).digest()
        if scan is None:
            scan = classify(file) == PROJECT
        if scan and file.endswith(".py"):
            self.pending.append((name, file, contents))

    def scan(self, name: str, file: str, contents: bytes) -> None:
        """Cover what module ``name`` imports."""
        if name in self.scanned:
            return
        self.scanned.add(name)
        is_package = os.path.basename(file) == "__init__.py"
        for imported in imported_names(contents, name, is_package):
            top = imported.partition(".")[0]
            found = self.locate(top)
            if found is None or not found[0] and found[1] is None:
                continue
            if found[0] and classify(found[0]) == IGNORED:
                continue
            if found[0] and classify(found[0]) == THIRD_PARTY:
                self.add_module(top, found[0])
                continue
            # A module of the project (or a namespace package): every
            # package on the way in, then the module itself.
            parts = imported.split(".")
            for end in range(1, len(parts) + 1):
                prefix = ".".join(parts[:end])
                found = self.locate(prefix)
                if found is None:
                    break
                if found[0] and found[0].endswith(".py"):
                    self.add_module(prefix, found[0])


# An import statement's first line; only these are parsed, not whole files
# (many times faster on a project with hundreds of migrations).
_IMPORT_LINE = re.compile(
    rb"^[ \t]*((?:from[ \t]+\.*[\w.]*[ \t]+)?import\b[^\n]*)", re.M
)


def _import_statements(source: bytes):
    for match in _IMPORT_LINE.finditer(source):
        start, end = match.start(1), match.end(1)
        statement = source[start:end]
        if b"(" in statement and b")" not in statement:
            close = source.find(b")", end)
            end = close + 1 if close != -1 else end
        else:
            while source[start:end].rstrip().endswith(b"\\"):
                following = source.find(b"\n", end + 1)
                end = following if following != -1 else len(source)
        yield source[start:end]


def imported_names(source: bytes, module: str, is_package: bool) -> set[str]:
    """The modules that ``import`` statements in ``source`` may name (for
    ``from a import b``: both ``a`` and ``a.b``, which may be a module).
    A match inside a string that does not parse is skipped; one that does
    only adds a name to look for."""
    names: set[str] = set()
    for statement in _import_statements(source):
        try:
            tree = ast.parse(statement)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                target = _import_from_target(node, module, is_package)
                if target:
                    names.add(target)
                    names.update(
                        f"{target}.{alias.name}"
                        for alias in node.names
                        if alias.name != "*"
                    )
    return names


def _import_from_target(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    package = module if is_package else module.rpartition(".")[0]
    parts = package.split(".") if package else []
    if node.level - 1 >= len(parts):
        return ""
    base = ".".join(parts[: len(parts) - (node.level - 1)])
    return f"{base}.{node.module}" if node.module else base
