"""Files put in place whole: written beside their place under a name of their own, then renamed
over it in one step, so that a reader, a second build or a process killed at any moment sees the
old file or the new one, never half of either. Not synced: a file cut short by a power cut is
for its reader to notice (the memo, the page store and the cards check what they read).
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def beside(path: Path) -> Path:
    """Where this process writes a new `path` before it takes its place: a hidden name in the same
    folder (so that the rename is one step), of this process (so that two builds never share it)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """The file to write beside `path`; once the block has written it, it replaces `path`. If the
    block fails, or the rename does, the file beside is removed and `path` is left as it was."""
    temporary = beside(path)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def replace_file(path: Path, data: bytes) -> None:
    """Put `data` in place of the file at `path`, whole."""
    with replacing(path) as temporary:
        temporary.write_bytes(data)
