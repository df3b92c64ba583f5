"""Which folders and files a site is made from: the one list, for the loader, the build record
(build_cache.py) and the preview's watcher.

A root holds content/ (site.yaml, verdicts.yaml, events.yaml, claims/, pages/) and seeds/ (the source texts
and sources.yaml); templates/ and static/ are the root's own, in front of the built-in ones
(the `Theme`). The generator's own code is an input of a build too (build_cache.py adds it).
"""
from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from .resources import builtin

CONTENT = "content"
SEEDS = "seeds"
TEMPLATES = "templates"
STATIC = "static"
SITE_FILE = f"{CONTENT}/site.yaml"
VERDICTS_FILE = f"{CONTENT}/verdicts.yaml"
EVENTS_FILE = f"{CONTENT}/events.yaml"  # optional
SOURCES_FILE = f"{SEEDS}/sources.yaml"
CLAIMS_DIR = f"{CONTENT}/claims"
PAGES_DIR = f"{CONTENT}/pages"

TOP_LEVEL = (CONTENT, SEEDS, TEMPLATES, STATIC)  # the entries of a root that make its site
READ_FOLDERS = (".", CONTENT, CLAIMS_DIR, PAGES_DIR, SEEDS)  # the folders the loader lists and reads files in

# A file changed less than this before it was read may change again with the same time stamp
# (file systems keep coarse clocks, FAT's ticks in 2 s): it is not trusted by its stat, as git does.
RACY_NS = 2_000_000_000


@dataclass(frozen=True)
class Theme:
    """Where templates and static files come from: the root's own first, then the built-in ones."""

    template_dirs: tuple[Path, ...]
    static_dirs: tuple[Path, ...]

    @classmethod
    def for_root(cls, root: Path) -> Theme:
        def dirs(name: str) -> tuple[Path, ...]:
            own, builtin_dir = Path(root).resolve() / name, builtin(name)
            return ((own,) if own.is_dir() and own != builtin_dir else ()) + (builtin_dir,)
        return cls(dirs(TEMPLATES), dirs(STATIC))


def folders(root: Path) -> list[Path]:
    """Every folder whose files make the site of `root`: content, seeds, and the theme's folders."""
    theme = Theme.for_root(root)
    return [Path(root) / CONTENT, Path(root) / SEEDS, *theme.template_dirs, *theme.static_dirs]


Signature = tuple[int, int, int, int, int, int]


def signature(path: Path | str) -> Signature | None:
    """What lstat says of an entry: its kind, identity, size and times; None when it is not there."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (stat.S_IFMT(st.st_mode), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def settled(sig: Signature) -> bool:
    """Whether an entry's stat can stand for its content: it last changed more than RACY_NS ago."""
    return max(sig[-2:]) < time.time_ns() - RACY_NS


def tree_signature(root: Path) -> tuple[Signature | None, ...]:
    """The signatures of the folders the loader reads: a folder swapped for a link changes it."""
    return tuple(signature(Path(root) / folder) for folder in READ_FOLDERS)
