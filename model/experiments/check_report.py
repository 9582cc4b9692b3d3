"""Render an HTML report in a real headless browser (Debian's chromium) and save a screenshot.

    python -m experiments.check_report out/justice_reinvestment_vs_baseline.html [shot.png]
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars"]


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(page: Path, png: Path, width: int = 1200, height: int = 3200) -> Path:
    browser = chromium()
    if browser is None:
        raise SystemExit("chromium not found: apt-get install chromium")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
                        f"--screenshot={png.resolve()}", page.resolve().as_uri()],
                       check=True, capture_output=True, timeout=120)
    return png


def dom(page: Path) -> str:
    """The page as the browser built it (after parsing), to check what it shows."""
    with tempfile.TemporaryDirectory() as profile:
        res = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                              page.resolve().as_uri()], check=True, capture_output=True, text=True, timeout=120)
    return res.stdout


if __name__ == "__main__":
    page = Path(sys.argv[1])
    png = Path(sys.argv[2]) if len(sys.argv) > 2 else page.with_suffix(".png")
    print(screenshot(page, png))
