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
WINDOW = (1200, 3200)  # pixels: a desktop width, and tall enough for the whole report in one shot
BROWSER_TIMEOUT_S = 120  # a stuck browser is stopped (a report renders in seconds)


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(page: Path, png: Path, width: int = WINDOW[0], height: int = WINDOW[1]) -> Path:
    browser = chromium()
    if browser is None:
        raise SystemExit("chromium not found: apt-get install chromium")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
                        f"--screenshot={png.resolve()}", page.resolve().as_uri()],
                       check=True, capture_output=True, timeout=BROWSER_TIMEOUT_S)
    return png


def dom(page: Path) -> str:
    """The page as the browser built it (after parsing), to check what it shows."""
    with tempfile.TemporaryDirectory() as profile:
        res = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                              page.resolve().as_uri()], check=True, capture_output=True, text=True,
                             timeout=BROWSER_TIMEOUT_S)
    return res.stdout


if __name__ == "__main__":
    page, *shot = (Path(arg) for arg in sys.argv[1:])
    png = shot[0] if shot else page.with_suffix(".png")
    print(screenshot(page, png))
