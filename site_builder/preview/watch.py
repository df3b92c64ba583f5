"""Watching a root for changes, and grouping them until the saves stop (as Zola's `serve` does).

The `Watcher` follows the folders that make the site (inputs.folders: content, seeds, the
theme's templates and static files) with watchdog, and the root itself for those folders
appearing or going. Each change is sorted into a kind (`change_kind`) and handed to a
`Debouncer`, which gives the build loop everything that changed once no change came for a
moment: a burst of saves makes one rebuild, and the builder knows what kind of change it is
(a save of claim files only can show their pages ahead of the build).
"""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from .. import inputs

IGNORED_NAME = re.compile(r"^\.|~$|\.sw[a-p]x?$|^4913$|^#.*#$")  # hidden files, editors' backups and swaps

# The kinds of change, for the builder.
CLAIMS = "claims"  # a file in content/claims
CONTENT = "content"  # any other file of content/
SEEDS = "seeds"
TEMPLATES = "templates"
STATIC = "static"
FOLDERS = "folders"  # a folder of the root that makes the site, made or removed

Changes = dict[str, set[str]]  # kind -> the paths that changed


def change_kind(root: Path, folders: list[Path], path: str) -> str | None:
    """What kind of change a changed path is, or None when it cannot change the site."""
    p = Path(path)
    if IGNORED_NAME.search(p.name):
        return None
    if p.parent == root:
        return FOLDERS if p.name in inputs.TOP_LEVEL else None
    if p.parent == root / inputs.CLAIMS_DIR:
        return CLAIMS
    for folder in folders:
        if p == folder or folder in p.parents:
            if folder.name == inputs.TEMPLATES:
                return TEMPLATES
            if folder.name == inputs.STATIC:
                return STATIC
            return SEEDS if folder.name == inputs.SEEDS else CONTENT
    return None


class Debouncer:
    """Collects changes, and hands them over once none came for `quiet` seconds."""

    def __init__(self, quiet: float):
        self.quiet = quiet
        self._changes: Changes = {}
        self._last = 0.0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self.closed = False

    def add(self, kind: str, path: str) -> None:
        with self._lock:
            self._changes.setdefault(kind, set()).add(path)
            self._last = time.monotonic()
        self._wake.set()

    def close(self) -> None:
        self.closed = True
        self._wake.set()

    def wait(self, timeout: float) -> Changes | None:
        """The changes, once they have stopped coming; None if none came within `timeout`, or when closed."""
        if not self._wake.wait(timeout) or self.closed:
            return None
        while True:
            with self._lock:
                quiet = self._last + self.quiet - time.monotonic()
                if quiet <= 0 or self.closed:
                    changes, self._changes = self._changes, {}
                    self._wake.clear()
                    return None if self.closed else changes
            time.sleep(quiet)


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher):
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return  # our own builds read the files
        if event.is_directory and event.event_type == "modified":
            return  # the file events inside say more
        for path in [event.src_path, getattr(event, "dest_path", "")]:
            if path:
                self.watcher.seen(str(path))


class Watcher:
    """Watches the folders that make a root's site, and reports each change with its kind."""

    def __init__(self, root: Path, report: Callable[[str, str], None], note: Callable[[str], None]):
        self.root = root
        self.report = report
        self.note = note
        self._observer: Any = None
        self._watched: dict[Path, Any] = {}  # folder -> its watch
        self._folders: list[Path] = []
        self._handler = _Handler(self)

    def folders(self) -> list[Path]:
        out: list[Path] = []
        for folder in inputs.folders(self.root):
            folder = folder.resolve()
            if folder.is_dir() and folder not in out:
                out.append(folder)
        return out

    def start(self) -> None:
        try:
            self._observer = Observer()
            self.reschedule()
            self._observer.start()
        except OSError as exc:  # no inotify watches left, typically
            self.note(f"note: watching by polling ({exc})")
            self._observer = PollingObserver(timeout=0.25)
            self._watched.clear()
            self.reschedule()
            self._observer.start()

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)

    def seen(self, path: str) -> None:
        kind = change_kind(self.root, self._folders, path)
        if kind is not None:
            self.report(kind, path)

    def needs_rescheduling(self) -> bool:
        """Whether a folder that makes the site has come or gone since the watches were set."""
        return (any(d not in self._watched for d in self.folders())
                or any(not d.is_dir() for d in self._watched))

    def reschedule(self) -> None:
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
        self._folders = self.folders()
        for folder in self._folders:
            if folder not in self._watched:
                self._watched[folder] = self._observer.schedule(self._handler, str(folder), recursive=True)
