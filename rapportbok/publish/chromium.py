"""The Debian Chromium that the browser tests and the PDF use, driven by Playwright.

Nothing is downloaded: Playwright's own browser download is never used; the executable is
Debian's ``chromium`` package (``apt-get install chromium``), found on PATH or at
/usr/bin/chromium, or given by RAPPORTBOK_CHROMIUM.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

# Offline and quiet: this machine's network is closed, and a headless build needs no GPU.
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

INSTALL_HINT = (
    "Chromium saknas. Installera Debians paket: sudo apt-get install chromium "
    "(eller ange sökvägen i miljövariabeln RAPPORTBOK_CHROMIUM)."
)


class ChromiumMissing(RuntimeError):
    pass


def find() -> Path | None:
    """The Chromium executable, or None when it is not installed."""
    candidates = [os.environ.get("RAPPORTBOK_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"]
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return Path(c)
    return None


@contextmanager
def browser():
    """A headless Chromium browser (Playwright sync API); closed on exit."""
    exe = find()
    if exe is None:
        raise ChromiumMissing(INSTALL_HINT)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(exe), args=FLAGS, headless=True)
        try:
            yield b
        finally:
            b.close()
