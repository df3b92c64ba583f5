"""Stage 5, write: put the rendered files in place without ever exposing a half-built site.

The new site is written into a fresh folder beside the output, then swapped in. On Linux
the swap is one atomic renameat2(RENAME_EXCHANGE), so a build killed at any moment leaves
either the last good site or the new complete one; elsewhere it is two renames, with a
window of microseconds.

The build never deletes what it did not make: the output folder must be empty, missing, or
marked by an earlier build (MARKER), and may not hold or lie inside anything the site reads.
One build at a time writes to an output folder: it holds a lock file beside it, which the
system releases when the build ends, however it ends; leftovers of a killed build are
removed only by a build that holds that lock, so never while their own build still runs.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import itertools
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .page_store import place
from .render import OutputFile

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
MARKER = ".site-builder"  # the file by which a build knows a folder as its own output
MARKER_TEXT = b"This folder is written by build.py; the next build replaces all of it.\n"
LOCK_WAIT = 300.0  # seconds a build waits for another build of the same output folder


class OutputRefused(Exception):
    """The output folder named cannot be used: writing there would lose files."""

    def __init__(self, out: Path, reason: str, fix: str):
        super().__init__(f"{out}: {reason} ({fix})")
        self.out, self.reason, self.fix = out, reason, fix


class OutputBusy(Exception):
    """Another build kept the output folder for longer than a build waits."""


def check_output(root: Path, out: Path, reads: Iterable[Path]) -> None:
    """Refuse an output folder whose replacement would delete files no build of ours made.

    `reads` are the folders the build reads (content, seeds, templates, static, the code).
    """
    check_folder(root, out, [(folder, "which the build reads") for folder in reads], MARKER, "--out", "_site",
                 "replacing it would delete it", "the build would replace content/ and seeds/")


def check_folder(root: Path, given: Path, others: list[tuple[Path, str]], marker: str | None, option: str,
                 example: str, harm: str, root_harm: str) -> None:
    """Refuse a folder that a build replaces or cleans (the output folder, the build cache's folder) where
    that would delete files no build of ours made: the root, or a folder of `others` ((folder, what it
    is)), or one holding or inside them, or a folder of someone else's files (without `marker`, when
    a marker is asked for). `option` names the option that gives the folder; `example`, a good one."""
    given = Path(os.path.abspath(given))
    if given.is_symlink():
        raise OutputRefused(given, "is a symbolic link", f"give the folder it points to, or another folder, with {option}")
    real = Path(os.path.realpath(given))
    if real == Path(os.path.realpath(root)):
        raise OutputRefused(given, f"is the site root: {root_harm}", f"build into a folder of its own, such as {example}")
    for folder, what in [(Path(root), "which the build reads"), *others]:
        folder_real = Path(os.path.realpath(folder))
        if folder_real == real:
            raise OutputRefused(given, f"is {folder}, {what}: {harm}",
                                f"build into a folder of its own, such as {example} in the root")
        if folder_real.is_relative_to(real):
            raise OutputRefused(given, f"holds {folder}, {what}: {harm}",
                                f"build into a folder of its own, such as {example} in the root")
        if real.is_relative_to(folder_real) and folder != Path(root):
            raise OutputRefused(given, f"lies inside {folder}, {what}",
                                f"build into a folder outside it, such as {example} in the root")
    if given.exists() and not given.is_dir():
        raise OutputRefused(given, "is a file, not a folder: the build would delete it",
                            f"give the path of a folder with {option}")
    if marker and given.is_dir() and not (given / marker).is_file() and any(os.scandir(given)):
        raise OutputRefused(given, "holds files that no build made, which the build would delete",
                            f"empty the folder or give a new one with {option}")


@contextmanager
def output_lock(out: Path, waiting: Callable[[], None] | None = None, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the lock of an output folder: `.<name>.lock` beside it, locked with flock.

    The lock file is removed on release; a build that locked a file since removed tries
    again, so that two builds never hold two different files of the same name.
    """
    out = Path(os.path.abspath(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    path = out.parent / f".{out.name}.lock"
    deadline = time.monotonic() + wait
    told = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() > deadline:
                raise OutputBusy(f"another build has been writing to it for {wait:.0f} s") from None
            if waiting and not told:
                waiting()
                told = True
            time.sleep(0.05)
            continue
        try:
            same = os.fstat(fd).st_ino == os.stat(path, follow_symlinks=False).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the build that held it removed the file: lock the new one
    try:
        yield
    finally:
        try:
            os.unlink(path)
        finally:
            os.close(fd)


def remove_leftovers(out: Path) -> None:
    """Remove the work folders of earlier builds of `out` that were killed; only while holding its lock."""
    out = Path(os.path.abspath(out))
    prefixes = (f".{out.name}.building-", f".{out.name}.old-")
    for name in sorted(os.listdir(out.parent)):
        if name.startswith(prefixes):
            shutil.rmtree(out.parent / name, ignore_errors=True)


@contextmanager
def spool_folder(out: Path) -> Iterator[Path]:
    """A folder beside `out`, on its file system, for files made before the new tree they go in (the large
    files that rendering workers write): removed when the build ends, or with the leftovers of a killed
    build. Its files are linked into the tree."""
    out = Path(out).absolute()
    spool = out.parent / f".{out.name}.building-{os.getpid()}.spool"
    try:
        yield spool
    finally:
        shutil.rmtree(spool, ignore_errors=True)


def write_site(files: Iterable[OutputFile], out: Path, finish: Callable[[Path], None] | None = None) -> None:
    """Write every file into a new tree, then swap it for `out` in one step.

    `finish`, if given, runs on the new tree before the swap (the search index is built there);
    if it raises, the old site stays. The caller holds `output_lock(out)`, has passed
    `check_output` and has removed the leftovers. Any OSError leaves the old site and no work folder behind.
    """
    out = Path(out).absolute()
    fresh = out.parent / f".{out.name}.building-{os.getpid()}"
    fresh.mkdir()
    try:
        # As they come: the files are written while the workers render the next ones, and never all held at once.
        _write_files(itertools.chain(files, [OutputFile(MARKER, MARKER_TEXT)]), str(fresh))
        if finish:
            finish(fresh)
        _swap_in(fresh, out)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)


def _write_files(files: Iterable[OutputFile], folder: str) -> None:
    made = {""}  # folders made so far: one mkdir per folder, not one per file
    for f in files:
        parent = os.path.dirname(f.path)
        if parent not in made:
            os.makedirs(os.path.join(folder, parent), exist_ok=True)
            made.add(parent)
        if f.stored:
            place(f.stored, os.path.join(folder, f.path))
        else:
            with open(os.path.join(folder, f.path), "wb") as out:
                out.write(f.data)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths; False where the system cannot."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # the system or file system has no exchange: the two renames below
    raise OSError(code, os.strerror(code), str(b))


def _swap_in(fresh: Path, out: Path) -> None:
    if not out.exists():
        fresh.rename(out)
        return
    if _exchange(fresh, out):
        return  # `fresh` now holds the old site, which the caller removes
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    out.rename(old)
    fresh.rename(out)
    shutil.rmtree(old, ignore_errors=True)

