"""`build.py serve`: build in memory, serve on this machine, rebuild and reload on every save.

Built like MkDocs' livereload server (the standard library's ThreadingHTTPServer and
watchdog), not on the `livereload` package: its tornado loop runs the builds, so requests
wait behind them; it polls for changes every 0.8 s; and it drops a reload that comes less
than 3 s after the previous one (README, "Previewing", has the measurements).

- One thread builds; requests are answered on others. Changes are debounced (DEBOUNCE after
  the last event), so a burst of saves makes one rebuild.
- Every good build is a `Snapshot` of the whole site (see incremental.py), swapped in under
  a lock with a new build number, the epoch: a half-built site is never served, and a
  request is answered from one snapshot from start to end.
- Pages are served from memory with the base URL set to this server, pretty URLs, the
  site's own 404.html, and `Cache-Control: no-store`.
- Each HTML page gets /livereload.js (and /livereload.css) before </body>: the script asks
  /livereload/<epoch>?page=<its path>, which answers when a later build changed that page (by
  the keys of incremental.py: what the page is made from), and then reloads; pages that a
  build leaves as they were do not reload. The site's Content-Security-Policy allows scripts
  and styles from 'self' only, so nothing is inline.
- A save of claim files that are still valid shows on their pages first: the builder makes
  those pages ahead of the build (`Builder.edited_claim_pages`), and the build follows at once
  for the lists, feeds and source pages.
- While the content has errors, pages are the last good ones with an overlay listing every
  error (file:line:col, message, hint, the line itself); the server never stops for bad
  content, and prints each rebuild's time and problems.
"""
from __future__ import annotations

import gc
import html
import ipaddress
import posixpath
import re
import signal
import socket
import sys
import threading
import time
import traceback
import webbrowser
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qs, unquote, urlsplit

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from .errors import Problem, counted, display_path
from .incremental import Build, Builder, Snapshot
from .render import CSP, Theme, template_frame

EXIT_OK, EXIT_USAGE = 0, 2
DEBOUNCE = 0.05  # seconds without a change before a rebuild starts
POLL_TIMEOUT = 30.0  # a /livereload/<epoch> request answers after this long at most
HISTORY = 4  # states remembered for /livereload/<epoch>?page=...; a page from an older one reloads
IDLE_COLLECT = 10.0  # seconds without a change, after which the garbage of past builds is collected
WATCHED = ("content", "seeds", "templates", "static")  # the folders of a root that make the site
MAX_OVERLAY_ERRORS = 50
IGNORED_NAME = re.compile(r"^\.|~$|\.sw[a-p]x?$|^4913$|^#.*#$")  # hidden files, editors' backups and swaps

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8", ".json": "application/json",
    ".map": "application/json", ".webmanifest": "application/manifest+json",
    # An Atom feed is XML: served as such, a browser shows it instead of downloading it.
    ".xml": "application/xml; charset=utf-8", ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
    ".avif": "image/avif", ".ico": "image/x-icon", ".woff2": "font/woff2", ".woff": "font/woff",
    ".ttf": "font/ttf", ".otf": "font/otf", ".wasm": "application/wasm", ".pdf": "application/pdf",
}

RELOAD_JS = b"""\
// The preview server's reload script; never part of a built site.
// It asks /livereload/<epoch>?page=<this page> (the build this page came from), which answers
// "reload <epoch>" when a later build changed this page, or "current <epoch>" when builds came
// and left it as it is. If the server goes away, it retries, and reloads once it is back.
(function () {
  "use strict";
  var script = document.currentScript;
  var epoch = script && script.getAttribute("data-epoch");
  if (!epoch) { return; }
  var lost = false;
  function poll() {
    var url = "/livereload/" + encodeURIComponent(epoch) + "?page=" + encodeURIComponent(window.location.pathname);
    fetch(url, { cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (text) {
        var answer = text.trim().split(" ");
        if (lost || answer[0] !== "current") { window.location.reload(); } else { epoch = answer[1]; poll(); }
      })
      .catch(function () { lost = true; window.setTimeout(poll, 1000); });
  }
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.closest && target.closest("[data-livereload-hide]")) {
      var overlay = document.getElementById("livereload-overlay");
      if (overlay) { overlay.hidden = true; }
    }
  });
  poll();
}());
"""

RELOAD_CSS = b"""\
/* The preview server's error overlay; never part of a built site. */
#livereload-overlay {
  all: initial;
  position: fixed; z-index: 2147483647; left: 0; right: 0; bottom: 0;
  max-height: 60vh; overflow: auto; box-sizing: border-box;
  padding: 1rem 1.25rem 1.25rem; background: #1e1e1e; color: #f2f2f2;
  border-top: 4px solid #e01b24; box-shadow: 0 -4px 16px rgba(0, 0, 0, 0.4);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
}
#livereload-overlay[hidden] { display: none; }
#livereload-overlay * { box-sizing: border-box; color: inherit; font: inherit; }
#livereload-overlay .lr-head { display: flex; gap: 1rem; align-items: baseline; justify-content: space-between; }
#livereload-overlay .lr-title { margin: 0 0 0.25rem; font-size: 1.15rem; font-weight: 700; color: #ff8a8a; }
#livereload-overlay .lr-note { margin: 0 0 0.75rem; color: #c8c8c8; }
#livereload-overlay .lr-hide { cursor: pointer; padding: 0.2rem 0.7rem; border: 1px solid #888;
  border-radius: 4px; background: #333; color: #fff; }
#livereload-overlay .lr-hide:focus { outline: 2px solid #ffbe6f; outline-offset: 2px; }
#livereload-overlay ol { margin: 0; padding: 0; list-style: none; }
#livereload-overlay li { margin: 0 0 0.9rem; padding: 0.6rem 0.75rem; background: #2a2a2a; border-left: 3px solid #e01b24; }
#livereload-overlay .lr-where { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  color: #ffbe6f; overflow-wrap: anywhere; }
#livereload-overlay .lr-message { margin: 0.2rem 0 0; font-weight: 600; }
#livereload-overlay .lr-hint { margin: 0.2rem 0 0; color: #a8e0a0; }
#livereload-overlay pre { margin: 0.4rem 0 0; padding: 0.4rem 0.5rem; overflow: auto; white-space: pre;
  background: #111; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
#livereload-overlay .lr-more { margin: 0; color: #c8c8c8; }
body.lr-error-page { margin: 0; padding: 2rem 1.25rem 70vh; font: 16px/1.5 system-ui, sans-serif; }
"""


# --- what the browser is shown about errors ----------------------------------------------------

@dataclass(frozen=True)
class ErrorEntry:
    """One error as the overlay and the console show it."""

    where: str  # file:line:col
    message: str
    hint: str = ""
    source: str = ""  # the offending line, with a caret under the column
    detail: str = ""


def source_excerpt(root: Path, path: str, line: int, col: int) -> str:
    """The line of the file a problem points at, numbered, with a caret under the column."""
    if line <= 0:
        return ""
    file = Path(path) if Path(path).is_absolute() else root / path
    try:
        with open(file, encoding="utf-8", errors="replace") as handle:
            for number, text in enumerate(handle, start=1):
                if number == line:
                    break
            else:
                return ""
    except OSError:
        return ""
    text = text.rstrip("\r\n").replace("\t", "\u2192")  # a tab shown as one visible character
    if len(text) > 400:
        text = text[:399] + "\u2026"
    gutter = f"{line} | "
    out = gutter + text
    if 0 < col <= len(text) + 1:
        out += "\n" + " " * (len(gutter) + col - 1) + "^"
    return out


def entries_for(root: Path, problems: list[Problem]) -> tuple[ErrorEntry, ...]:
    return tuple(ErrorEntry(p.location(), p.message, p.full_hint(), source_excerpt(root, p.path, p.line, p.col), p.detail)
                 for p in problems)


def entry_for_exception(root: Path, exc: BaseException, what: str) -> ErrorEntry:
    """An unexpected exception, pointing at the template line when a template raised it."""
    template = template_frame(exc)
    where, source = "(internal error)", ""
    if template is not None:
        where = f"{display_path(root, template[0])}:{template[1]}"
        source = source_excerpt(root, template[0], template[1], 0)
    detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip()
    return ErrorEntry(where, f"{what}: {type(exc).__name__}: {exc}",
                      "this is not a mistake in the content as far as the checks can tell; the traceback below says where",
                      source, detail)


def overlay_html(entries: tuple[ErrorEntry, ...], *, never_built: bool) -> str:
    """The error panel; escaped throughout, styled by /livereload.css, no inline style or script."""
    if not entries:
        return ""
    count = f"{len(entries)} error{'s' if len(entries) != 1 else ''}"
    title = f"The site cannot be built: {count}" if never_built else f"{count}: this is the last good version of the page"
    items = []
    for e in entries[:MAX_OVERLAY_ERRORS]:
        parts = [f'<p class="lr-where">{html.escape(e.where)}</p>', f'<p class="lr-message">{html.escape(e.message)}</p>']
        if e.hint:
            parts.append(f'<p class="lr-hint">{html.escape(e.hint)}</p>')
        if e.source:
            parts.append(f'<pre class="lr-source">{html.escape(e.source)}</pre>')
        if e.detail:
            parts.append(f'<pre class="lr-detail">{html.escape(e.detail)}</pre>')
        items.append("<li>" + "".join(parts) + "</li>")
    more = ""
    if len(entries) > MAX_OVERLAY_ERRORS:
        more = f'<p class="lr-more">and {len(entries) - MAX_OVERLAY_ERRORS} more: the console lists them all.</p>'
    return (f'<section id="livereload-overlay" role="alert" aria-labelledby="livereload-title">'
            f'<div class="lr-head"><h2 class="lr-title" id="livereload-title">{html.escape(title)}</h2>'
            f'<button type="button" class="lr-hide" data-livereload-hide>Hide</button></div>'
            f'<p class="lr-note">Fix the file and save: the page reloads by itself.</p>'
            f'<ol>{"".join(items)}</ol>{more}</section>')


def inject(page: bytes, epoch: int, overlay: str) -> bytes:
    """The page with the overlay, the reload script and its style sheet; only while serving."""
    head = b'<link rel="stylesheet" href="/livereload.css">'
    body = (overlay + f'<script src="/livereload.js" data-epoch="{epoch}" defer></script>').encode("utf-8")
    lower = page.lower()
    at = lower.find(b"</head>")
    if at != -1:
        page, lower = page[:at] + head + page[at:], lower[:at] + head + lower[at:]
    else:
        body = head + body
    at = lower.rfind(b"</body>")
    return page[:at] + body + page[at:] if at != -1 else page + body


def error_page(epoch: int, overlay: str) -> bytes:
    """What every path shows while there has never been a good build."""
    page = ('<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{html.escape(CSP)}">\n'
            '<title>The site cannot be built</title>\n</head>\n<body class="lr-error-page">\n'
            '<h1>The site cannot be built yet</h1>\n'
            '<p>There has been no good build since the preview started. The errors are listed below; '
            'fix them and save, and this page reloads by itself.</p>\n</body>\n</html>\n')
    return inject(page.encode("utf-8"), epoch, overlay)


# --- the state that requests read ---------------------------------------------------------------

@dataclass(frozen=True)
class State:
    """What the server shows; replaced as a whole, under the lock, after each build."""

    epoch: int  # 0 until the first build is done
    snapshot: Snapshot | None  # the last good site
    errors: tuple[ErrorEntry, ...] = ()  # of the latest build; empty when it was good
    overlay: str = ""
    fallback: Snapshot | None = None  # the good site before, for a page the latest cannot render
    early: bool = False  # only the edited claims' pages are new: the build is under way

    def shows(self, url_path: str) -> Any:
        """What the page at a URL path is made from: the same for two states, the same page."""
        if self.snapshot is None:
            return "error page", self.overlay
        status, file = route(self.snapshot, url_path[1:])
        return status, file, self.snapshot.key_of(file) if file else None, self.overlay


def route(snapshot: Snapshot, key: str) -> tuple[int, str | None]:
    """How a request for `key` (a URL path without its first slash) is answered: (status, site file).

    200 with the file, 302 to `key` + "/" (file None), 404 with the site's 404.html, or with none.
    """
    file = key + "index.html" if key == "" or key.endswith("/") else key
    if file in snapshot:
        return 200, file
    if not key.endswith("/") and f"{key}/index.html" in snapshot:
        return 302, None
    return 404, "404.html" if "404.html" in snapshot else None


class Reporter:
    """All console output, in one place, one line at a time."""

    def __init__(self, out: TextIO | None = None):
        self.out = out if out is not None else sys.stderr
        self._lock = threading.Lock()

    def say(self, text: str) -> None:
        with self._lock:
            print(text, file=self.out, flush=True)


class _ChangeHandler(FileSystemEventHandler):
    def __init__(self, server: PreviewServer):
        self.server = server

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return  # our own builds read the files
        if event.is_directory and event.event_type == "modified":
            return  # the file events inside say more
        paths = [event.src_path] + ([event.dest_path] if getattr(event, "dest_path", "") else [])
        relevant = [p for p in paths if self.server.is_relevant(p)]
        if relevant:
            self.server.notify_change(relevant)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address: tuple, app: PreviewServer):
        host = address[0]
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.app = app
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return  # the browser went away (a reload, a closed tab)
        self.app.reporter.say(f"error while answering {client_address}:\n{traceback.format_exc().rstrip()}")


class PreviewServer:
    """Builds a root, serves it, and rebuilds on changes; `start()` and `stop()` for tests and `serve()`."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 8000, *, debounce: float = DEBOUNCE,
                 out: TextIO | None = None):
        self.root = Path(root).resolve()
        self.host = host
        self.requested_port = port
        self.debounce = debounce
        self.reporter = Reporter(out)
        self.builder: Builder | None = None
        self._state = State(0, None)
        self._cond = threading.Condition()
        self._wake = threading.Event()
        self._ready = threading.Event()
        self._stopping = False
        self._last_change = 0.0
        self._httpd: _HTTPServer | None = None
        self._observer: Any = None
        self._handler = _ChangeHandler(self)
        self._watched: dict[Path, Any] = {}  # folder -> its watch
        self._threads: list[threading.Thread] = []
        self._warnings: set[Problem] = set()
        self._render_failures: set[tuple[int, str]] = set()
        self._builds_since_collect = 0
        self._changed: set[str] = set()  # paths changed since the last build started
        self._history: dict[int, State] = {}  # the last few states, to tell which pages a build changed

    # -- life cycle ------------------------------------------------------------------------

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def state(self) -> State:
        return self._state

    @property
    def epoch(self) -> int:
        return self._state.epoch

    def start(self, timeout: float | None = None) -> None:
        """Bind, watch, build once, serve; returns when the first build is done (good or not).

        Raises OSError when the address cannot be bound.
        """
        self._httpd = _HTTPServer((self.host, self.requested_port), self)
        self.builder = Builder(self.root, self.base_url)  # the base URL needs the port bound
        if self.builder.full_reason:
            self.reporter.say(f"note: full rebuilds on every change: {self.builder.full_reason}")
        self._start_watching()  # before the first build, so that no save is missed
        self._wake.set()  # the first build
        self._spawn(self._build_loop, "preview-build")
        self._spawn(lambda: self._httpd.serve_forever(poll_interval=0.2), "preview-http")  # type: ignore[union-attr]
        if not self._ready.wait(timeout):
            raise TimeoutError("the first build did not finish in time")

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()  # releases the waiting /livereload requests
        self._wake.set()
        if self._observer is not None:
            self._observer.stop()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._observer is not None:
            self._observer.join(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)
        gc.unfreeze()

    # -- watching ------------------------------------------------------------------------------

    def _watch_dirs(self) -> list[Path]:
        dirs = [self.root / name for name in WATCHED]
        theme = Theme.for_root(self.root)  # the built-in templates and static files, when the root uses them
        dirs += list(theme.template_dirs) + list(theme.static_dirs)
        out: list[Path] = []
        for d in dirs:
            d = d.resolve()
            if d.is_dir() and d not in out:
                out.append(d)
        return out

    def _start_watching(self) -> None:
        try:
            self._observer = Observer()
            self._schedule()
            self._observer.start()
        except OSError as exc:  # no inotify watches left, typically
            self.reporter.say(f"note: watching by polling ({exc})")
            self._observer = PollingObserver(timeout=0.25)
            self._watched.clear()
            self._schedule()
            self._observer.start()

    def _schedule(self) -> None:
        """Watch the root (for content/, templates/... appearing later) and each folder that makes the site."""
        if self.root not in self._watched:
            self._watched[self.root] = self._observer.schedule(self._handler, str(self.root), recursive=False)
        for folder, watch in list(self._watched.items()):
            if folder != self.root and not folder.is_dir():  # gone: watched again if it comes back
                try:
                    self._observer.unschedule(watch)
                except (KeyError, OSError):
                    pass
                del self._watched[folder]
        for folder in self._watch_dirs():
            if folder not in self._watched:
                self._watched[folder] = self._observer.schedule(self._handler, str(folder), recursive=True)

    def is_relevant(self, path: str) -> bool:
        """Whether a changed path can change the site: under a watched folder, not an editor's scrap."""
        p = Path(path)
        if IGNORED_NAME.search(p.name):
            return False
        if p.parent == self.root:
            return p.name in WATCHED
        return any(p == d or d in p.parents for d in self._watched if d != self.root)

    def notify_change(self, paths: list[str]) -> None:
        with self._cond:
            self._changed.update(paths)
        self._last_change = time.monotonic()
        self._wake.set()

    # -- building ----------------------------------------------------------------------------

    def _build_loop(self) -> None:
        while True:
            if not self._wake.wait(timeout=IDLE_COLLECT):
                if self._builds_since_collect:
                    self._collect_garbage()
                continue
            if self._stopping:
                return
            while True:  # debounce: wait until the changes stop
                quiet = self._last_change + self.debounce - time.monotonic()
                if quiet <= 0:
                    break
                time.sleep(quiet)
            if self._stopping:
                return
            self._wake.clear()
            self._rebuild()
            self._ready.set()

    def _collect_garbage(self) -> None:
        """A full collection, while nothing happens; then what is left is frozen again."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self._builds_since_collect = 0

    def _rebuild(self) -> None:
        started = time.perf_counter()
        result: Build | None = None
        failure: ErrorEntry | None = None
        with self._cond:
            changed_paths, self._changed = self._changed, set()
        old = self._state
        early_ms: float | None = None
        # Python's collector would walk every object of the cached site, several times a build at
        # 10,000 claims (50-150 ms each): it waits, and what the build keeps is frozen, so that the
        # next collections skip it. The cycles left behind are collected when the server is idle.
        collecting = gc.isenabled()
        gc.disable()
        try:
            if self.root.is_dir() and self.observer_needs_rescheduling():
                self._schedule()
            assert self.builder is not None
            if changed_paths and not old.errors:
                early_ms = self._show_edited_claims(changed_paths, old, started)
            result = self.builder.build()
        except Exception as exc:  # never die on bad content, nor on a bug
            failure = entry_for_exception(self.root, exc, "the build failed unexpectedly")
        finally:
            gc.freeze()
            self._builds_since_collect += 1
            if collecting:
                gc.enable()
        elapsed = (time.perf_counter() - started) * 1000
        latest = self._state.epoch  # later than old's when edited claims were shown early
        if result is not None and result.ok:
            snapshot = result.snapshot
            changed = result.changed or bool(old.errors) or old.snapshot is None or latest != old.epoch
            fallback = old.snapshot if old.snapshot is not snapshot else old.fallback
            new = State(latest + 1 if changed else latest, snapshot, (), "", fallback)
        else:
            if result is not None:
                errors = [p for p in result.checked.problems.sorted() if p.severity == "error"]
                entries = entries_for(self.root, errors)
            else:
                entries = (failure,)  # type: ignore[assignment]
            overlay = overlay_html(entries, never_built=old.snapshot is None)
            changed = overlay != old.overlay or old.epoch == 0 or latest != old.epoch
            new = State(latest + 1 if changed else latest, old.snapshot, entries, overlay, old.fallback)
        self._publish(new)
        self._report(result, failure, elapsed, old, new, early_ms)

    def _show_edited_claims(self, changed_paths: set[str], old: State, started: float) -> float | None:
        """Serve the edited claims' pages at once when the builder can make them ahead of the build;
        the milliseconds that took, or None."""
        assert self.builder is not None
        early = self.builder.edited_claim_pages(changed_paths)
        if early is None:
            return None
        self._publish(State(old.epoch + 1, early, (), "", old.snapshot, early=True))
        return (time.perf_counter() - started) * 1000

    def _publish(self, state: State) -> None:
        with self._cond:
            self._state = state
            self._history[state.epoch] = state
            for epoch in sorted(self._history)[:-HISTORY]:
                del self._history[epoch]
            self._cond.notify_all()

    def observer_needs_rescheduling(self) -> bool:
        if self._observer is None:
            return False
        return (any(d not in self._watched for d in self._watch_dirs())
                or any(not d.is_dir() for d in self._watched))

    def _report(self, result: Build | None, failure: ErrorEntry | None, elapsed: float, old: State,
                new: State, early_ms: float | None = None) -> None:
        stamp = time.strftime("%H:%M:%S")
        if failure is not None:
            self.reporter.say(f"{stamp} build crashed after {elapsed:.0f} ms; still serving the last good site\n"
                              f"{failure.detail}")
            return
        assert result is not None
        problems = result.checked.problems
        warnings = set(problems.warnings)
        fresh = sorted(warnings - self._warnings) if old.epoch else sorted(warnings)
        self._warnings = warnings
        if result.ok:
            what = (f"{counted(len(result.dirty), 'file')} changed, {len(result.removed)} removed"
                    if old.snapshot is not None else f"{len(result.snapshot)} files")  # type: ignore[arg-type]
            early = "" if early_ms is None else f"edited claim page(s) shown in {early_ms:.0f} ms; "
            self.reporter.say(f"{stamp} {early}built in {elapsed:.0f} ms: {what}"
                              + (f"; {counted(len(warnings), 'warning')}" if warnings else "")
                              + ("" if new.epoch != old.epoch else " (nothing to reload)"))
        else:
            errors = problems.errors
            self.reporter.say(f"{stamp} build failed in {elapsed:.0f} ms: {counted(len(errors), 'error')}"
                              + ("; still serving the last good site" if new.snapshot is not None else ""))
            for problem in sorted(set(errors)):
                self.reporter.say(problem.text())
        shown = fresh[:20]
        for problem in shown:
            self.reporter.say(problem.text())
        if len(fresh) > len(shown):
            self.reporter.say(f"... and {len(fresh) - len(shown)} more: python build.py check lists them")

    # -- what requests see -------------------------------------------------------------------------

    def wait_for_epoch(self, seen: int, timeout: float = POLL_TIMEOUT) -> int:
        """Block until the epoch is not `seen` (or the time is up); returns the epoch then."""
        with self._cond:
            self._cond.wait_for(lambda: self._state.epoch != seen or self._stopping, timeout)
            return self._state.epoch

    def wait_for_page(self, seen: int, url_path: str, timeout: float = POLL_TIMEOUT) -> tuple[int, bool]:
        """Block until a build after `seen` changes the page at `url_path` (or the time is up).

        Returns the epoch then, and whether the page changed: a build that left it as it was
        does not reload it. A build too old to remember counts as a change.
        """
        with self._cond:
            before = self._history.get(seen)
            if before is None:
                return self._state.epoch, seen != self._state.epoch
            shown = before.shows(url_path)

            def changed() -> bool:
                return self._state.epoch != seen and self._state.shows(url_path) != shown

            self._cond.wait_for(lambda: changed() or self._stopping, timeout)
            return self._state.epoch, changed() and not self._stopping

    def page(self, state: State, path: str) -> tuple[bytes, str]:
        """The bytes of a site file from the state's snapshot, and any overlay to show with them.

        A page the latest snapshot fails to render (a template failing at run time) is taken
        from the good snapshot before it, with the failure in the overlay.
        """
        snapshot = state.snapshot
        assert snapshot is not None
        try:
            return snapshot.get(path), state.overlay  # type: ignore[return-value]
        except Exception as exc:
            entry = entry_for_exception(self.root, exc, f"rendering {path} failed")
            if (state.epoch, path) not in self._render_failures:
                self._render_failures.add((state.epoch, path))
                self.reporter.say(f"{time.strftime('%H:%M:%S')} rendering {path} failed:\n{entry.detail}")
            entries = state.errors + (entry,)
            fallback = state.fallback
            if fallback is not None and path in fallback:
                try:
                    return fallback.get(path), overlay_html(entries, never_built=False)  # type: ignore[return-value]
                except Exception:
                    pass
            raise _RenderFailed(overlay_html(entries, never_built=True)) from exc


class _RenderFailed(Exception):
    def __init__(self, overlay: str):
        super().__init__("render failed")
        self.overlay = overlay


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "factcheck-preview"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the console shows builds, not requests

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # while previewing, always ask again
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _send(self, status: int, body: bytes, content_type: str, head: bool, headers: tuple = ()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _text(self, status: int, text: str, head: bool) -> None:
        self._send(status, text.encode("utf-8"), "text/plain; charset=utf-8", head)

    def _answer(self, head: bool) -> None:
        app = self.server.app
        split = urlsplit(self.path)
        raw = split.path
        try:
            path = unquote(raw, errors="strict")
        except UnicodeDecodeError:
            path = ""
        if not path.startswith("/") or "\x00" in path or "\\" in path or any(
                part in ("..", ".") for part in path.split("/")):
            self._text(400, "400 Bad Request: the path leaves the site, or is not a path\n", head)
            return
        if path == "/livereload.js":
            self._send(200, RELOAD_JS, CONTENT_TYPES[".js"], head)
            return
        if path == "/livereload.css":
            self._send(200, RELOAD_CSS, CONTENT_TYPES[".css"], head)
            return
        if path.startswith("/livereload/"):
            page = unquote(parse_qs(split.query).get("page", [""])[0])  # the page's own path, %-encoded too
            self._poll(path[len("/livereload/"):], page, head)
            return
        app._ready.wait(timeout=POLL_TIMEOUT * 4)  # the first build
        state = app.state
        if state.snapshot is None:
            self._send(500, error_page(state.epoch, state.overlay), CONTENT_TYPES[".html"], head)
            return
        status, file = route(state.snapshot, path[1:])
        try:
            if status == 302:
                location = raw + "/" + (f"?{split.query}" if split.query else "")
                self._send(302, b"", "text/plain; charset=utf-8", head, (("Location", location),))
            elif file is not None:
                self._site_file(status, file, app.page(state, file), state.epoch, head)
            else:
                self._text(404, "404 Not Found\n", head)
        except _RenderFailed as failed:
            self._send(500, error_page(state.epoch, failed.overlay), CONTENT_TYPES[".html"], head)

    def _site_file(self, status: int, file: str, found: tuple[bytes, str], epoch: int, head: bool) -> None:
        data, overlay = found
        suffix = posixpath.splitext(file)[1].lower()
        content_type = CONTENT_TYPES.get(suffix, "application/octet-stream")
        if suffix in (".html", ".htm"):
            data = inject(data, epoch, overlay)
        self._send(status, data, content_type, head)

    def _poll(self, text: str, page: str, head: bool) -> None:
        if not re.fullmatch(r"-?\d{1,18}", text):
            self._text(400, "400 Bad Request: /livereload/<epoch> takes a build number\n", head)
            return
        timeout = 0 if head else POLL_TIMEOUT
        if not page.startswith("/"):  # no page given: any new build
            self._text(200, f"{self.server.app.wait_for_epoch(int(text), timeout)}\n", head)
            return
        epoch, changed = self.server.app.wait_for_page(int(text), page, timeout)
        self._text(200, f"{'reload' if changed else 'current'} {epoch}\n", head)


# --- the command ------------------------------------------------------------------------------------

def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000, *, open_browser: bool = False,
          out: TextIO | None = None) -> int:
    """Run the preview until Ctrl-C; the exit code for the command line."""
    server = PreviewServer(root, host, port, out=out)
    reporter = server.reporter
    reporter.say(f"building {server.root} ...")
    try:
        server.start()
    except OSError as exc:
        reporter.say(f"build.py serve: error: cannot listen on {host}:{port}: {exc.strerror or exc} "
                     f"(choose another port with --port, or stop what is using it)")
        return EXIT_USAGE
    if not _is_loopback(host):
        reporter.say(f"warning: listening on {host}: anyone who can reach this machine can see the preview")
    reporter.say(f"serving {server.base_url} (rebuilds on every save; Ctrl-C stops)")
    if open_browser:
        threading.Thread(target=webbrowser.open, args=(server.base_url,), daemon=True).start()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as cleanly as Ctrl-C
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        reporter.say("stopping")
    finally:
        server.stop()
    return EXIT_OK


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
