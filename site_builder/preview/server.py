"""The preview server: one thread builds on every change, others answer requests.

`PreviewServer` wires the parts together: the watcher and its debouncer (watch.py) wake the
build loop, the builder (builder.py) makes a snapshot, the hub (hub.py) publishes it under a
new epoch, and the app (app.py) answers requests from the hub's state. The console gets one
line a build, and every problem.
"""
from __future__ import annotations

import gc
import ipaddress
import signal
import sys
import threading
import time
import webbrowser
from pathlib import Path
from typing import Any, TextIO

from ..errors import Problem, counted
from .app import PreviewApp, PreviewHTTPServer
from .builder import Build, Builder
from .hub import ReloadHub, State
from .overlay import ErrorEntry, entries_for, entry_for_exception, overlay_html
from .watch import CLAIMS, FOLDERS, Changes, Debouncer, Watcher

EXIT_OK, EXIT_USAGE = 0, 2
DEBOUNCE = 0.05  # seconds without a change before a rebuild starts
IDLE_COLLECT = 10.0  # seconds without a change, after which the garbage of past builds is collected


class Reporter:
    """All console output, in one place, one line at a time."""

    def __init__(self, out: TextIO | None = None):
        self.out = out if out is not None else sys.stderr
        self._lock = threading.Lock()

    def say(self, text: str) -> None:
        with self._lock:
            print(text, file=self.out, flush=True)


class PreviewServer:
    """Builds a root, serves it, and rebuilds on changes; `start()` and `stop()` for tests and `serve()`."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 8000, *, debounce: float = DEBOUNCE,
                 out: TextIO | None = None, cache: Path | None = None, check_command: str = "python build.py check"):
        self.root = Path(root).resolve()
        self.check_command = check_command  # as the user would type it here: named when warnings are cut short
        self.cache = cache  # the build cache's folder, whose memo the first build starts from
        self.host = host
        self.requested_port = port
        self.reporter = Reporter(out)
        self.hub = ReloadHub()
        self.app = PreviewApp(self.hub, self.root, self.reporter.say)
        self.debouncer = Debouncer(debounce)
        self.watcher = Watcher(self.root, self.debouncer.add, self.reporter.say)
        self.builder: Builder | None = None
        self._httpd: PreviewHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._warnings: set[Problem] = set()
        self._builds_since_collect = 0

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
        return self.hub.state

    @property
    def epoch(self) -> int:
        return self.hub.state.epoch

    def wait_for_epoch(self, seen: int, timeout: float) -> int:
        return self.hub.wait_for_epoch(seen, timeout)

    def start(self, timeout: float | None = None) -> None:
        """Bind, watch, build once, serve; returns when the first build is done (good or not).

        Raises OSError when the address cannot be bound.
        """
        self._httpd = PreviewHTTPServer((self.host, self.requested_port), self.app)
        self.builder = Builder(self.root, self.base_url, self.cache)  # the base URL needs the port bound
        self.watcher.start()  # before the first build, so that no save is missed
        self._spawn(self._build_loop, "preview-build")
        self._spawn(lambda: self._httpd.serve_forever(poll_interval=0.2), "preview-http")  # type: ignore[union-attr]
        if not self.hub.ready.wait(timeout):
            raise TimeoutError("the first build did not finish in time")

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self.hub.stop()  # releases the waiting /livereload requests
        self.debouncer.close()
        self.watcher.stop()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        gc.unfreeze()

    # -- building ----------------------------------------------------------------------------

    def _build_loop(self) -> None:
        self._rebuild({})
        self.hub.ready.set()
        while True:
            changes = self.debouncer.wait(timeout=IDLE_COLLECT)
            if self.debouncer.closed:
                return
            if changes is None:
                if self._builds_since_collect:
                    self._collect_garbage()
                continue
            self._rebuild(changes)

    def _collect_garbage(self) -> None:
        """A full collection, while nothing happens; then what is left is frozen again."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self._builds_since_collect = 0

    def _rebuild(self, changes: Changes) -> None:
        started = time.perf_counter()
        result: Build | None = None
        failure: ErrorEntry | None = None
        old = self.hub.state
        early_ms: float | None = None
        # Python's collector would walk every object of the cached site, several times a build at
        # 10,000 claims (50-150 ms each): it waits, and what the build keeps is frozen, so that the
        # next collections skip it. The cycles left behind are collected when the server is idle.
        collecting = gc.isenabled()
        gc.disable()
        try:
            assert self.builder is not None
            if FOLDERS in changes or self.watcher.needs_rescheduling():
                self.watcher.reschedule()
            if set(changes) == {CLAIMS} and not old.errors:
                early_ms = self._show_edited_claims(changes[CLAIMS], old, started)
            result = self.builder.build()
        except Exception as exc:  # noqa: BLE001  # a bug: shown with its traceback, and the server carries on
            failure = entry_for_exception(self.root, exc, "the build failed unexpectedly")
        finally:
            gc.freeze()
            self._builds_since_collect += 1
            if collecting:
                gc.enable()
        elapsed = (time.perf_counter() - started) * 1000
        latest = self.hub.state.epoch  # later than old's when edited claims were shown early
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
                assert failure is not None
                entries = (failure,)
            overlay = overlay_html(entries, never_built=old.snapshot is None)
            changed = overlay != old.overlay or old.epoch == 0 or latest != old.epoch
            new = State(latest + 1 if changed else latest, old.snapshot, entries, overlay, old.fallback)
        self.hub.publish(new)
        self._report(result, failure, elapsed, old, new, early_ms)

    def _show_edited_claims(self, paths: set[str], old: State, started: float) -> float | None:
        """Serve the edited claims' pages at once when the builder can make them ahead of the build;
        the milliseconds that took, or None."""
        assert self.builder is not None
        early = self.builder.edited_claim_pages(paths)
        if early is None:
            return None
        self.hub.publish(State(old.epoch + 1, early, (), "", old.snapshot, early=True))
        return (time.perf_counter() - started) * 1000

    def _report(self, result: Build | None, failure: ErrorEntry | None, elapsed: float, old: State,
                new: State, early_ms: float | None = None) -> None:
        stamp = time.strftime("%H:%M:%S")
        say = self.reporter.say
        if failure is not None:
            say(f"{stamp} build failed after {elapsed:.0f} ms; still serving the last good site\n"
                f"{failure.where}: {failure.message}" + (f"\n{failure.detail}" if failure.detail else ""))
            return
        assert result is not None
        if result.note:
            say(f"{stamp} note: {result.note}")
        problems = result.checked.problems
        warnings = set(problems.warnings)
        fresh = sorted(warnings - self._warnings) if old.epoch else sorted(warnings)
        self._warnings = warnings
        if result.snapshot is not None:
            what = (f"{counted(len(result.dirty), 'file')} changed, {len(result.removed)} removed"
                    if old.snapshot is not None else f"{len(result.snapshot)} files")
            early = "" if early_ms is None else f"edited claim page(s) shown in {early_ms:.0f} ms; "
            say(f"{stamp} {early}built in {elapsed:.0f} ms: {what}"
                + (f"; {counted(len(warnings), 'warning')}" if warnings else "")
                + ("" if new.epoch != old.epoch else " (nothing to reload)"))
        else:
            errors = problems.errors
            say(f"{stamp} build failed in {elapsed:.0f} ms: {counted(len(errors), 'error')}"
                + ("; still serving the last good site" if new.snapshot is not None else ""))
            for problem in sorted(set(errors)):
                say(problem.text())
        shown = fresh[:20]
        for problem in shown:
            say(problem.text())
        if len(fresh) > len(shown):
            say(f"... and {len(fresh) - len(shown)} more: {self.check_command} lists them")


# --- the command ------------------------------------------------------------------------------------

def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000, *, open_browser: bool = False,
          out: TextIO | None = None, cache: Path | None = None, program: str = "python build.py",
          check_command: str = "python build.py check") -> int:
    """Run the preview until Ctrl-C; the exit code for the command line. `program` and `check_command`
    are as the user would type them here ("factcheck", "factcheck check --root site")."""
    server = PreviewServer(root, host, port, out=out, cache=cache, check_command=check_command)
    reporter = server.reporter
    reporter.say(f"building {server.root} ...")
    try:
        server.start()
    except OSError as exc:
        reporter.say(f"{program} serve: error: cannot listen on {host}:{port}: {exc.strerror or exc} "
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
