"""The tools of the browser and audit tests: real headless Chromium, Java, the npm checkers.

Tests marked `@pytest.mark.browser` call `launch_chromium(playwright)`. Where a tool is
missing the test is skipped, with the reason; under CI=true it fails instead, so that a CI
run never passes without having run it. Playwright's own browser download is never used:
the system's /usr/bin/chromium is (`make test-tools` installs it and the other tools).
"""
from __future__ import annotations

import contextlib
import functools
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar, NoReturn

import pytest

PROJECT = Path(__file__).resolve().parent.parent
NODE_MODULES = PROJECT / ".cache" / "node" / "node_modules"  # where .ci/install-test-tools.sh puts them

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


def require_java() -> str:
    """The path of `java` (for the Nu Html Checker); skips (or fails under CI=true) when there is none."""
    java = shutil.which("java")
    if java is None:
        unavailable("java is missing: install a JRE (make test-tools) to run the Nu Html Checker")
    return java


def node_package_file(relative: str) -> Path:
    """A file of an npm package installed by make test-tools, such as 'axe-core/axe.min.js'."""
    path = NODE_MODULES / relative
    if not path.is_file():
        unavailable(f"{path} is missing: run make test-tools to install the npm checkers")
    return path


class _QuietFiles(SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript", ".wasm": "application/wasm",
        ".json": "application/json", ".txt": "text/plain; charset=utf-8"}  # as GitHub Pages and `serve` send it

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():  # the site's own page, as a host would serve it
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)


@contextlib.contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """Serve a built site from disk on 127.0.0.1 (a free port), as a static host would; yields its URL."""
    handler = functools.partial(_QuietFiles, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

