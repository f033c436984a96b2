"""Sphinx configuration for django-parallel's documentation.

Pages are Markdown, read by MyST. ``sphinx-build -W -n`` (as CI runs it)
turns every broken internal link or heading anchor into an error; external
URLs are never fetched.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

project = "django-parallel"
author = "The django-parallel developers"
copyright = "The django-parallel developers"

extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "results/*.txt", "results/*.json"]

# Links to headings ("page.md#a-heading") are checked: a missing anchor is a
# warning, which -W makes an error.
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

html_theme = "furo"
html_title = "django-parallel"
