"""The preview's HTTP answers, as a function of a request: testable without a socket.

`PreviewApp.respond(target, head)` answers a GET or HEAD of a request target (path and
query, as sent) from the hub's current state:

- pages from memory, with pretty URLs (a folder without its slash redirects), the site's own
  404.html, and the reload script and style sheet (assets/) added to every HTML page, with
  the error overlay while the content has errors;
- /livereload/<epoch>?page=<path>, which waits until a build after <epoch> changes that page;
- paths that leave the site, or are not paths, get 400.

`PreviewHTTPServer` puts an app on a socket with the standard library's ThreadingHTTPServer;
every answer says `Cache-Control: no-store`, so that the browser always asks again.
"""
from __future__ import annotations

import mimetypes
import re
import socket
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ..render import TemplateFailed
from .hub import POLL_TIMEOUT, ReloadHub, State, route
from .overlay import ASSETS, entry_for_template, error_page, inject, overlay_html

# The standard library's table, not this machine's /etc/mime.types (the same answers everywhere),
# with the web's current types where the table is old or silent.
MIME_TYPES = mimetypes.MimeTypes()
for _type, _suffix in [("text/javascript", ".js"), ("text/javascript", ".mjs"), ("application/json", ".map"),
                       ("application/xml", ".xml"),  # an Atom feed served as XML is shown, not downloaded
                       ("text/markdown", ".md"), ("font/woff2", ".woff2"), ("font/woff", ".woff"),
                       ("font/ttf", ".ttf"), ("font/otf", ".otf")]:
    MIME_TYPES.add_type(_type, _suffix)


def content_type(path: str) -> str:
    guessed = MIME_TYPES.guess_type(path, strict=False)[0] or "application/octet-stream"
    if guessed.startswith("text/") or guessed == "application/xml":
        return guessed + "; charset=utf-8"
    return guessed


HTML = content_type("index.html")


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


def _text(status: int, text: str) -> Response:
    return Response(status, text.encode("utf-8"), "text/plain; charset=utf-8")


class _RenderFailed(Exception):
    def __init__(self, overlay: str):
        super().__init__("render failed")
        self.overlay = overlay


class PreviewApp:
    """The answers to requests, from the hub's state; `say` prints to the console."""

    def __init__(self, hub: ReloadHub, root: Path, say: Callable[[str], None], first_build_timeout: float = 120.0):
        self.hub = hub
        self.root = root
        self.say = say
        self.first_build_timeout = first_build_timeout
        self.poll_timeout = POLL_TIMEOUT  # how long a /livereload request waits for a change at most
        self._assets = {name: (ASSETS / name).read_bytes() for name in ("livereload.js", "livereload.css")}
        self._render_failures: set[tuple[int, str]] = set()

    def respond(self, target: str, head: bool = False) -> Response:
        split = urlsplit(target)
        raw = split.path
        try:
            path = unquote(raw, errors="strict")
        except UnicodeDecodeError:
            path = ""
        if not path.startswith("/") or "\x00" in path or "\\" in path or any(
                part in ("..", ".") for part in path.split("/")):
            return _text(400, "400 Bad Request: the path leaves the site, or is not a path\n")
        name = path[1:]
        if name in self._assets:
            return Response(200, self._assets[name], content_type(name))
        if path.startswith("/livereload/"):
            page = unquote(parse_qs(split.query).get("page", [""])[0])  # the page's own path, %-encoded too
            return self._poll(path[len("/livereload/"):], page, timeout=0 if head else self.poll_timeout)
        self.hub.ready.wait(timeout=self.first_build_timeout)
        state = self.hub.state
        if state.snapshot is None:
            return Response(500, error_page(state.epoch, state.overlay), HTML)
        status, file = route(state.snapshot, name)
        if status == 302:
            location = raw + "/" + (f"?{split.query}" if split.query else "")
            return Response(302, b"", "text/plain; charset=utf-8", (("Location", location),))
        if file is None:
            return _text(404, "404 Not Found\n")
        try:
            data, overlay = self._page(state, file)
        except _RenderFailed as failed:
            return Response(500, error_page(state.epoch, failed.overlay), HTML)
        kind = content_type(file)
        if kind == HTML:
            data = inject(data, state.epoch, overlay)
        return Response(status, data, kind)

    def _poll(self, text: str, page: str, timeout: float) -> Response:
        if not re.fullmatch(r"-?\d{1,18}", text):
            return _text(400, "400 Bad Request: /livereload/<epoch> takes a build number\n")
        if not page.startswith("/"):  # no page given: any new build
            return _text(200, f"{self.hub.wait_for_epoch(int(text), timeout)}\n")
        epoch, changed = self.hub.wait_for_page(int(text), page, timeout)
        return _text(200, f"{'reload' if changed else 'current'} {epoch}\n")

    def _page(self, state: State, path: str) -> tuple[bytes, str]:
        """The bytes of a site file from the state's snapshot, and any overlay to show with them.

        A page the latest snapshot fails to render (a template failing at run time) is taken
        from the good snapshot before it, with the failure, at its template line, in the overlay.
        """
        assert state.snapshot is not None
        try:
            return state.snapshot.get(path) or b"", state.overlay
        except TemplateFailed as failed:
            entry = entry_for_template(self.root, failed, f"rendering {path} failed")
            if (state.epoch, path) not in self._render_failures:
                self._render_failures.add((state.epoch, path))
                self.say(f"{time.strftime('%H:%M:%S')} {entry.where}: error: {entry.message}")
            entries = (*state.errors, entry)
            fallback = state.fallback
            if fallback is not None and path in fallback:
                try:
                    return fallback.get(path) or b"", overlay_html(entries, never_built=False)
                except TemplateFailed:
                    pass
            raise _RenderFailed(overlay_html(entries, never_built=True)) from failed


class _Handler(BaseHTTPRequestHandler):
    server: PreviewHTTPServer
    server_version = "factcheck-preview"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the console shows builds, not requests

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _answer(self, head: bool) -> None:
        response = self.server.app.respond(self.path, head)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Cache-Control", "no-store")  # while previewing, always ask again
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not head:
            self.wfile.write(response.body)


class PreviewHTTPServer(ThreadingHTTPServer):
    """The app on a socket (port 0: any free port); raises OSError when the address cannot be bound."""

    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], app: PreviewApp):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return  # the browser went away (a reload, a closed tab)
        self.app.say(f"error while answering {client_address}:\n{traceback.format_exc().rstrip()}")
