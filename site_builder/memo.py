"""What a stage may reuse from the build before: results of pure computations, by key.

Each stage takes a memo as an argument (load_site, validate, anchor_claims, pipeline.check).
The default, NO_MEMO, keeps nothing: a build from the command line computes everything once.
The preview passes one `Memo` from build to build, so that a save recomputes only what it
touched.

`memo.get(kind, key, compute, problems)` returns `compute(found)`, or the value it returned
before for the same kind and key. The problems `compute` reported into `found` are recorded
with the value and reported again into `problems` whenever the value is reused: a cached
result says what is wrong with its input as often as a computed one.

A key must be hashable and must hold everything the result depends on. Objects the memo gave
out before can be keyed by identity with `Same(obj)`: cheap for large values (a parsed file,
a validated claim) that the memo itself keeps identical while their input is.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from .errors import Problems

T = TypeVar("T")


class Same(int):
    """A key part equal only to the very same object.

    It is the object's id, so that it hashes and compares as fast as an int, and it keeps the
    object: while two of them are alive, their objects are, and equal ids mean one object.
    """

    obj: Any

    def __new__(cls, obj: Any) -> Same:
        same = super().__new__(cls, id(obj))
        same.obj = obj
        return same


class NoMemo:
    """Keeps nothing: every `get` computes."""

    def get(self, kind: str, key: Hashable, compute: Callable[[Problems], T], problems: Problems | None = None) -> T:
        found = problems if problems is not None else Problems()
        value = compute(found)
        if problems is None and found.items:
            raise ValueError(f"the {kind} computation reports problems, but was given nowhere to put them")
        return value


NO_MEMO = NoMemo()


class Memo(NoMemo):
    """Keeps what the last build used, for the next build.

    `new_build()` starts a build: entries the previous build did not ask for are dropped then,
    so that the memo holds one site's worth of results, not every version ever seen.
    """

    def __init__(self) -> None:
        # kind -> key -> [value, problems, the build that last used it]
        self._kinds: dict[str, dict[Hashable, list[Any]]] = {}
        self._build = 0

    def new_build(self) -> None:
        last = self._build
        self._kinds = {kind: {key: entry for key, entry in entries.items() if entry[2] == last}
                       for kind, entries in self._kinds.items()}
        self._build = last + 1

    def get(self, kind: str, key: Hashable, compute: Callable[[Problems], T], problems: Problems | None = None) -> T:
        entries = self._kinds.get(kind)
        if entries is None:
            entries = self._kinds[kind] = {}
        entry = entries.get(key)
        if entry is None:
            found = Problems()
            entry = entries[key] = [compute(found), tuple(found.items), self._build]
        else:
            entry[2] = self._build
        if entry[1]:
            if problems is None:
                raise ValueError(f"the {kind} computation reports problems, but was given nowhere to put them")
            problems.items.extend(entry[1])
        return entry[0]
