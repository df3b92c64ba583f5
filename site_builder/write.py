"""Stage 5, write: put the rendered files in place without ever exposing a half-built site.

The new site is written into a fresh folder beside the output, then swapped in. On Linux
the swap is one atomic renameat2(RENAME_EXCHANGE), so a build killed at any moment leaves
either the last good site or the new complete one; elsewhere it is two renames, with a
window of microseconds. Leftovers of a killed build are removed by the next one.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from .render import OutputFile

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths; False where the system cannot."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def _leftovers(out: Path) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.building-*")) + sorted(out.parent.glob(f".{out.name}.old-*"))


def write_site(files: Iterable[OutputFile], out: Path, finish: Callable[[Path], None] | None = None) -> None:
    """Write every file into a new tree, then swap it for `out` in one step.

    `finish`, if given, runs on the new tree before the swap (the search index is built there);
    if it raises, the old site stays.
    """
    out = Path(out).absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in _leftovers(out):
        shutil.rmtree(stale, ignore_errors=True)
    fresh = out.parent / f".{out.name}.building-{os.getpid()}"
    fresh.mkdir()
    try:
        _write_files(files, str(fresh))
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
        with open(os.path.join(folder, f.path), "wb") as out:
            out.write(f.data)


def _swap_in(fresh: Path, out: Path) -> None:
    if out.is_symlink() or out.is_file():
        out.unlink()
    if not out.exists():
        fresh.rename(out)
        return
    if _exchange(fresh, out):
        return  # `fresh` now holds the old site, which the caller removes
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    out.rename(old)
    fresh.rename(out)
    shutil.rmtree(old, ignore_errors=True)
