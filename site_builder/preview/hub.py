"""The reload hub: what the preview shows now, numbered by build, and who waits for a change.

Every build publishes a `State`, a whole site's snapshot with its errors, under a new number,
the epoch; a request is answered from one state from start to end, so a half-built site is
never served. The browser's reload script asks /livereload/<epoch>?page=<its path>, which
waits in `wait_for_page` until a later state shows that page differently (by the plan's keys:
what the page is made from), so that a save reloads the pages it changed and only those.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from .. import urls
from .builder import Snapshot
from .overlay import ErrorEntry

POLL_TIMEOUT = 30.0  # a /livereload/<epoch> request answers after this long at most
HISTORY = 4  # states remembered for /livereload/<epoch>?page=...; a page from an older one reloads


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
    file = urls.output_path(key)
    if file in snapshot:
        return 200, file
    if not key.endswith("/") and urls.output_path(key + "/") in snapshot:
        return 302, None
    return 404, urls.NOT_FOUND if urls.NOT_FOUND in snapshot else None


class ReloadHub:
    """The current state, the last few, and the requests waiting for the next."""

    def __init__(self) -> None:
        self._state = State(0, None)
        self._history: dict[int, State] = {}
        self._cond = threading.Condition()
        self._stopping = False
        self.ready = threading.Event()  # set once the first build is published

    @property
    def state(self) -> State:
        return self._state

    def publish(self, state: State) -> None:
        with self._cond:
            self._state = state
            self._history[state.epoch] = state
            for epoch in sorted(self._history)[:-HISTORY]:
                del self._history[epoch]
            self._cond.notify_all()

    def stop(self) -> None:
        """Release every waiting request."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

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
