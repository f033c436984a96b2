"""Regenerate docs/images/timeline.png: run the bundled example project's
tests with ``--parallel 2 --timeline`` (spawn, so that the workers' boot
shows), then take a picture of the file with headless Chromium.

    python scripts/timeline_screenshot.py [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGE = ROOT / "docs" / "images" / "timeline.png"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--output", default=str(IMAGE))
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dp-timeline-") as scratch:
        page = Path(scratch) / "timeline.html"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "manage.py", "test", "--parallel", "2"]
        command += ["--start-method", "spawn", "--timeline", str(page)]
        subprocess.run(command, cwd=ROOT / "example", env=env, check=True)
        html = page.read_text(encoding="utf-8")
        # The page's own height: the chart's, plus the lines above and below.
        height = int(re.search(r'<svg width="\d+" height="(\d+)"', html)[1]) + 150
        subprocess.run(
            [
                options.chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--window-size=1320,{height}",
                f"--screenshot={Path(options.output).resolve()}",
                page.as_uri(),
            ],
            check=True,
            stderr=subprocess.DEVNULL,
        )
    print(f"wrote {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
