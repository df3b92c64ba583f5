"""Real headless Chromium for the browser tests, through Playwright, or a clear skip.

Tests marked `@pytest.mark.browser` call `launch_chromium(playwright)`. Where Chromium (or
Playwright) is missing they are skipped, with the reason; under CI=true they fail instead,
so that a CI run never passes without having run them. Playwright's own browser download is
never used: the system's /usr/bin/chromium is (`make test-tools` installs it).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NoReturn

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Headless, offline: every host but this machine resolves to nothing, and any request that
# would leave it goes to a proxy that does not exist.
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--proxy-server=http://127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]


def unavailable(reason: str) -> NoReturn:
    """Skip the test, or fail it when CI=true."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true, where the browser tests must run)", pytrace=False)
    pytest.skip(reason)


def require_chromium() -> str:
    """The path of the Chromium executable; skips (or fails under CI=true) when there is none."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        unavailable(f"{CHROMIUM} is missing: install Chromium (make test-tools) to run the browser tests")
    return str(CHROMIUM)


def sync_playwright() -> Any:
    """playwright.sync_api.sync_playwright(), or a skip (a failure under CI=true) if it is not installed."""
    try:
        from playwright.sync_api import sync_playwright as start
    except ImportError:
        unavailable("Playwright is not installed: pip install -r requirements-dev.txt")
    return start()


def launch_chromium(playwright: Any, **options: Any) -> Any:
    """A headless Chromium browser from the system's executable, offline apart from this machine."""
    return playwright.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_ARGS, headless=True,
                                      **options)
