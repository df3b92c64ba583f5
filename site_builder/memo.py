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

A memo is kept on disk between runs by `SavingMemo` and `load_memo` (the build cache): one
pickle of what the last build used, whose keys hold what each value was made from. Saved
whole after a good build, into a new file renamed over the old one, with a digest of its
bytes at the end and the tool's version at the start (`save_kept`, `load_kept`): a file of
another version, cut short or changed in any byte is not used, and a build killed before
its end never saves.
Identity keys survive the round trip: a `Same` and the value it stands for are one object
in the pickle, and are one object again when it is read.
"""
from __future__ import annotations

import gc
import hashlib
import os
import pickle
import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import IO, Any, TypeVar

from .errors import Problems
from .whole import beside, replacing

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

    def __reduce__(self) -> tuple[type[Same], tuple[Any]]:
        return Same, (self.obj,)  # read back, it stands for the object read back with it


class Hashed(tuple):
    """A key that is hashed once, however often it is looked up: for keys that hold many objects
    (a page made from every claim) and are asked for more than once (`kept`, then `get`)."""

    _hash: int

    def __hash__(self) -> int:
        try:
            return self._hash
        except AttributeError:
            self._hash = tuple.__hash__(self)
            return self._hash

    def __reduce__(self) -> tuple[Callable[..., Hashed], tuple]:
        return _hashed, tuple(self)  # hashes differ from one process to the next: never kept


def _hashed(*items: Any) -> Hashed:
    return Hashed(items)


class NoMemo:
    """Keeps nothing: every `get` computes."""

    def kept(self, kind: str, key: Hashable) -> Any:
        """The value kept for `key`, counted as used, or None: for values that are never None, and whose
        computation reports no problems."""
        return None

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

    def drop(self, kind: str) -> None:
        """Forget every value of `kind`: they are neither given out again nor saved."""
        self._kinds.pop(kind, None)

    def kept(self, kind: str, key: Hashable) -> Any:
        entry = self._kinds.get(kind, {}).get(key)
        if entry is None:
            return None
        if entry[1]:
            raise ValueError(f"the {kind} computation reports problems, but was given nowhere to put them")
        entry[2] = self._build
        return entry[0]

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


_MAGIC = b"site-builder memo 1\n"
_DIGEST = 32  # bytes of blake2b at the end of the file


class _Hashing:
    """A file writer that keeps a digest of what went through it."""

    def __init__(self, file: IO[bytes]):
        self.file, self.digest = file, hashlib.blake2b(digest_size=_DIGEST)

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.file.write(data)


def save_kept(path: Path, version: str, value: Any) -> None:
    """Keep `value` in `path` for a reader of the same `version`: written beside, then renamed over
    the old file, so that a reader sees the old file or the new one, whole. Not synced: a file cut
    short by a crash fails its digest, and is not used."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as temporary:
        _write_kept(temporary, version, value)


def _write_kept(path: Path, version: str, value: Any) -> None:
    """`value` for a reader of `version` in the file `path`. The pickle is written as it is made, so
    that saving needs no second copy of the value in memory."""
    with open(path, "wb") as file:
        writer = _Hashing(file)
        writer.write(_MAGIC + version.encode() + b"\n")
        pickle.dump(value, writer, protocol=pickle.HIGHEST_PROTOCOL)
        file.write(writer.digest.digest())


def load_kept(path: Path, version: str) -> tuple[Any, str]:
    """The value kept in `path` by a writer of `version`, or None with the reason why.

    The file's digest is checked before a byte of it is unpickled.
    """
    header = _MAGIC + version.encode() + b"\n"
    try:
        with open(path, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            if file.read(len(header)) != header:
                return None, "it was written by another version of the generator"
            digest = hashlib.blake2b(header, digest_size=_DIGEST)
            left = size - len(header) - _DIGEST
            while left > 0:
                chunk = file.read(min(left, 1 << 20))
                if not chunk:
                    break
                digest.update(chunk)
                left -= len(chunk)
            if left or file.read() != digest.digest():
                return None, "it is cut short or damaged"
            file.seek(len(header))
            return pickle.load(file), ""
    except FileNotFoundError:
        return None, "there is none yet"
    except OSError as exc:
        return None, f"it cannot be read ({exc.strerror})"
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError, ValueError):
        return None, "it does not hold what this version wrote"


class SavingMemo:
    """What a build used of its memo, being written beside `path` for a build of the same `version`,
    in a thread, while the build goes on: the search index is built meanwhile, and neither changes
    the memo. `finish(keep)` waits for the file, then puts it in place of the old one or removes it."""

    def __init__(self, memo: Memo, path: Path, version: str):
        used = {kind: {key: entry for key, entry in entries.items() if entry[2] == memo._build}
                for kind, entries in memo._kinds.items()}
        self._path = path
        self._written: Path | None = None
        self._failed: BaseException | None = None
        self._thread = threading.Thread(target=self._write, args=(version, used), name="saving the memo")
        self._thread.start()

    def _write(self, version: str, used: dict) -> None:
        temporary = beside(self._path)
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            _write_kept(temporary, version, used)
            self._written = temporary
        except BaseException as exc:  # noqa: BLE001 - a bug is raised again in the build's thread, by finish
            temporary.unlink(missing_ok=True)
            if not isinstance(exc, OSError):  # a memo that cannot be written only costs the next build its time
                self._failed = exc

    def finish(self, keep: bool) -> bool:
        """Whether the memo is now in place."""
        self._thread.join()
        if self._failed is not None:
            raise self._failed
        if self._written is None:
            return False
        try:
            if keep:
                os.replace(self._written, self._path)
                return True
            return False
        except OSError:
            return False
        finally:
            self._written.unlink(missing_ok=True)


def load_memo(path: Path, version: str) -> tuple[Memo, str]:
    """The memo saved in `path` by a build of `version`, or an empty one with the reason why.

    Its entries count as the last build's: the next `new_build()` keeps them."""
    memo = Memo()
    # The collector would walk the objects read so far again and again as they come: at 10,000 claims
    # that is two thirds of the time reading takes. A pickle makes no garbage.
    collecting = gc.isenabled()
    gc.disable()
    try:
        kept, why = load_kept(path, version)
    finally:
        if collecting:
            gc.enable()
    try:
        for entries in kept.values():
            for entry in entries.values():
                entry[2] = memo._build
    except (AttributeError, TypeError, IndexError):
        return memo, why or "it does not hold a memo"
    memo._kinds = kept
    return memo, why
