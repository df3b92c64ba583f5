"""The build cache's folder (<root>/.cache/site-builder/ unless told otherwise), and in it a record
of the last good build, so that building unchanged input again does nothing; the memo of the
last build (memo.py) and the search index's shards (search.py) are kept there too.

The record, last-build.json, holds a digest of every
input (content, seeds, templates, static files, the generator's own code and the build's
options) and, for every file of the output, its size and modification time. It is trusted
only when the digest matches the input read now and the output folder is exactly as that
build left it; a record that is unreadable, of another shape, or stale in any way means a
full build. Problems the build reported (warnings) are kept and reported again.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from importlib import metadata
from pathlib import Path

from . import inputs, write
from .errors import Problem, Problems
from .load import MAX_PAGE_BYTES, MAX_SEED_BYTES, MAX_SOURCES_YAML_BYTES, MAX_YAML_BYTES
from .whole import replace_file

DEFAULT_FOLDER = Path(".cache") / "site-builder"  # under the root
RECORD = "last-build.json"
MEMO = "memo.pickle"
SHARDS = "search"  # the search index's shards, by the digest of their pages
SHARE_IMAGES = "share-images"  # the claims' share cards (share.py)
PAGES = "pages"  # the pages of the last good build, by the digest of their bytes (page_store.py)
# The Cache Directory Tagging standard's tag (https://bford.info/cachedir/): backup tools skip the folder,
# and a build cleans only a folder that has it (or the default one, which older versions made without it).
TAG = "CACHEDIR.TAG"
TAG_TEXT = (b"Signature: 8a477f597d28d172789f06886806bc55\n"
            b"# The build cache of build.py (site_builder): it may be deleted, and is made again.\n")
CODE_DIR = Path(__file__).resolve().parent
FORMAT = 1
LIBRARIES = ("markdown-it-py", "jinja2", "markupsafe", "pyyaml", "jsonschema", "fastjsonschema", "rapidfuzz", "pagefind",
             "pagefind_bin_extended")  # requirements.txt's, and what they bring that writes output
MAX_INPUT_BYTES = max(MAX_PAGE_BYTES, MAX_SEED_BYTES, MAX_SOURCES_YAML_BYTES, MAX_YAML_BYTES)  # larger content is refused unread


class _NoShortcut(Exception):
    """An input that only a full build may judge: a link, a special file, an oversized file."""


def _files(folder: Path) -> list[tuple[str, os.DirEntry]]:
    """Every file under `folder` as (path from the folder, its entry), in path order.

    No link is followed, so a link to a large folder costs nothing; a link or a special file
    raises _NoShortcut, since loading decides whether it is allowed. os.scandir rather than
    Path.rglob: over the 11,000 files of a large site, pathlib's cost per path adds up to a second.
    """
    found = []
    pending = [("", str(folder))]
    while pending:
        prefix, directory = pending.pop()
        try:
            entries = list(os.scandir(directory))
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise _NoShortcut from exc
        for entry in entries:
            if entry.is_symlink():
                raise _NoShortcut
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    pending.append((f"{prefix}{entry.name}/", entry.path))
            elif entry.is_file(follow_symlinks=False):
                found.append((prefix + entry.name, entry))
            else:
                raise _NoShortcut
    return sorted(found, key=lambda item: item[0])


def input_digest(root: Path, options: dict) -> str | None:
    """A digest of everything a build reads (inputs.folders, and this code): change any byte of it
    and the digest changes.

    None when an input is one that loading refuses or must look at (a link, a special file, a
    file over the largest input limit): then there is no shortcut, and the full build says
    what is wrong. Sizes come from the folder listing, before any byte is read, and files are
    read in pieces, so the digest's memory does not grow with a file's size.
    """
    digest = hashlib.blake2b(json.dumps(options, sort_keys=True).encode(), digest_size=32)
    try:
        limited = {root / inputs.CONTENT, root / inputs.SEEDS}  # contributors' files, under the loader's limits
        for folder in [*inputs.folders(root), CODE_DIR]:
            limit = MAX_INPUT_BYTES if folder in limited else None
            digest.update(b"\0folder\0" + str(folder).encode())
            for name, entry in _files(folder):
                if limit is not None and entry.stat(follow_symlinks=False).st_size > limit:
                    raise _NoShortcut
                digest.update(b"\0" + name.encode() + b"\0")
                with open(entry.path, "rb") as file:
                    while piece := file.read(1 << 20):
                        digest.update(piece)
    except (_NoShortcut, OSError):
        return None
    return digest.hexdigest()


def tool_version() -> str:
    """What the generator is, for the build cache: its code, the Python running it, and the versions
    of the libraries whose output it publishes (a new Jinja or Pagefind may write other bytes)."""
    digest = hashlib.blake2b(sys.version.encode(), digest_size=16)
    for name in LIBRARIES:
        try:
            digest.update(f"\0{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"\0{name}=none".encode())
    for parent, folders, names in os.walk(CODE_DIR):
        folders[:] = sorted(f for f in folders if f != "__pycache__")
        for name in sorted(names):
            path = os.path.join(parent, name)
            digest.update(b"\0" + os.path.relpath(path, CODE_DIR).encode() + b"\0")
            with open(path, "rb") as file:
                digest.update(file.read())
    return digest.hexdigest()


def _output_state(out: Path) -> dict[str, list[int]]:
    state = {}
    for name, entry in _files(out):
        info = entry.stat(follow_symlinks=False)
        state[name] = [info.st_size, info.st_mtime_ns]
    return state


def check_folder(root: Path, cache: Path, out: Path) -> None:
    """Refuse a cache folder whose cleaning (the page store's, the search shards', the share cards') would
    delete files no build made: the root, a folder the build reads or writes, or a folder of other files."""
    default = Path(os.path.realpath(Path(root) / DEFAULT_FOLDER)) == Path(os.path.realpath(cache))
    write.check_folder(root, cache, [*((f, "which the build reads") for f in [*inputs.folders(root), CODE_DIR]),
                                     (Path(out), "the output folder")],
                       None if default else TAG, "--cache-dir", str(DEFAULT_FOLDER),
                       "the build would delete files in it", "the build would delete files in it")


def tag(cache: Path) -> None:
    """Mark `cache` as a build cache (TAG): made before the build writes anything there."""
    cache.mkdir(parents=True, exist_ok=True)
    if not (cache / TAG).is_file():
        (cache / TAG).write_bytes(TAG_TEXT)


def folder(root: Path, given: Path | None = None) -> Path:
    """Where a build of `root` keeps its cache: the folder given, or the root's own."""
    return Path(given) if given is not None else Path(root) / DEFAULT_FOLDER


def current_problems(cache: Path, out: Path, digest: str) -> Problems | None:
    """The problems of the last build if its record still holds for this input and output; else None."""
    try:
        record = json.loads((cache / RECORD).read_text(encoding="utf-8"))
        if record["format"] != FORMAT or record["input"] != digest or record["out"] != str(out.absolute()):
            return None
        if record["output"] != _output_state(out):
            return None
        return Problems([Problem(**item) for item in record["problems"]])
    except (OSError, ValueError, KeyError, TypeError, _NoShortcut):
        return None  # no record, or a damaged one, or an output changed by hand: build


def remember(cache: Path, out: Path, digest: str, problems: Problems) -> None:
    """Record a good build; a record that cannot be written only costs the next build its shortcut."""
    path = cache / RECORD
    try:
        record = {"format": FORMAT, "input": digest, "out": str(out.absolute()), "output": _output_state(out),
                  "problems": [vars(p) for p in problems.sorted()]}  # a Problem holds plain values
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, json.dumps(record).encode("utf-8"))
    except (OSError, _NoShortcut):
        pass
