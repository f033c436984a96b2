#!/usr/bin/env python
"""Django's command-line utility for the django-parallel example project."""

import os
import sys
from pathlib import Path


def main():
    # The example runs against the checkout of django-parallel next to it, so
    # the repository root goes on sys.path instead of requiring an install.
    # Index 1 keeps this directory (sys.path[0]) first, so the example's own
    # packages still win, while the checkout beats any installed copy.
    repo_root = Path(__file__).resolve().parent.parent
    sys.path.insert(1, str(repo_root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
