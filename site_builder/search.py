"""Full-text search for the published site: a Pagefind index in shards under pagefind/, no server.

The index is built over the freshly written tree before it is swapped in, so a site is never
published with a search index of another build. Only claim pages carry data-pagefind-body,
so search results are fact-checks. Pagefind's own filters are not used: their files come out
in a different order from one run to the next, and output must be byte-identical.

The claim pages are split into shards by a digest of their path, so that a claim stays in
its shard while the number of shards stays the same (it doubles as the site passes each
multiple of SHARD_PAGES). Each shard is a Pagefind index of its own, in pagefind/<n>/, made
by a Pagefind process that sees only its pages: Pagefind's memory is bounded by the shard's
size, not the site's. The search page loads the first shard and merges the others with
Pagefind's multi-site search (`mergeIndex`), which finds every page one index would (and, for a
word a shard lacks, pages with a word that begins like it: see the README's "Search in shards").

With a cache folder, a shard is indexed again only when one of its pages changed. Its files enter
the build cache's page store (page_store.py) as the pages do, and a list of them, name by name
with the digest of each one's bytes, is kept in one file named by a digest of the shard's pages'
paths and bytes, the language and the generator's version, checked whole as the build cache's memo
is (memo.py's `save_kept`, `load_kept`). A kept shard is linked into the new site from the store,
each file only if its bytes still have their digest; when a list or any of its files is not whole,
the shard is indexed afresh.

Each shard is indexed by a Pagefind process of its own, as many at once as there are processors;
the build waits for each to end and then checks that its index is whole (every file named in
its entry, one fragment a page, every compressed file whole). Pagefind's Python package is
imported when an index is built, not with this module: it only says where the program is.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gzip
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import IO, NamedTuple

from . import urls
from .memo import load_kept, save_kept
from .page_store import PageStore, Ref, place, ref

SEARCHABLE = urls.CLAIMS.rstrip("/")  # the folder of the claim pages, the searchable ones (claims/<id>/index.html)
SHARD_PAGES = 2000  # pages a shard holds at most, on average
_LOOK_EVERY = 0.01  # seconds between looks at the running Pagefind processes


class SearchIndexFailed(Exception):
    """Pagefind could not index the site, or its index is not whole."""


def shard_count(pages: int) -> int:
    """How many shards a site of `pages` searchable pages has: a power of two, so that doubling it
    moves each page only to its shard's new twin."""
    count = 1
    while count * SHARD_PAGES < pages:
        count *= 2
    return count


def shard_of(path: str, count: int) -> int:
    """The shard of the page at output path `path`: a digest of the path, so it never moves on its own."""
    return int.from_bytes(hashlib.blake2b(path.encode(), digest_size=8).digest(), "big") % count


def bundles(pages: int) -> list[str]:
    """The URLs of the shards of a site with `pages` searchable pages, the first one's UI in front."""
    return [urls.search_shard(n) for n in range(shard_count(pages))]


def is_searchable(path: str) -> bool:
    """Whether the output path is a claim page's: in a folder of SEARCHABLE's, not the folder's own page."""
    folder, _, inside = path.partition("/")
    return folder == SEARCHABLE and "/" in inside and path.endswith(".html")


def searchable(folder: Path) -> list[str]:
    """The output paths of the searchable pages in `folder`, sorted."""
    top = folder / SEARCHABLE
    found = (os.path.relpath(os.path.join(parent, name), folder).replace(os.sep, "/")
             for parent, _dirs, names in os.walk(top) for name in names)
    return sorted(path for path in found if is_searchable(path))


def incomplete(folder: Path, pages: int) -> str:
    """What is missing or cut short in a Pagefind index of `pages` pages, or "" when it is whole."""
    try:
        entry = json.loads((folder / "pagefind-entry.json").read_bytes())
        languages = entry["languages"]
        needed = ["pagefind.js", "pagefind-worker.js"]
        for language in languages.values():
            needed += [f"pagefind.{language['hash']}.pf_meta", f"wasm.{language['wasm']}.pagefind"]
        if sum(language["page_count"] for language in languages.values()) != pages:
            return f"pagefind-entry.json counts other than the {pages} pages indexed"
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "pagefind-entry.json is missing or cut short"
    for name in needed:
        if not (folder / name).is_file() or not (folder / name).stat().st_size:
            return f"{name} is missing"
    fragments = folder / "fragment"
    if not fragments.is_dir() or len(os.listdir(fragments)) != pages:
        return f"fragment/ does not hold one file for each of the {pages} pages"
    for parent, _dirs, names in os.walk(folder):
        for name in names:
            path = os.path.join(parent, name)
            with open(path, "rb") as file:
                data = file.read()
            if data[:2] == b"\x1f\x8b":
                try:
                    gzip.decompress(data)  # the trailer's length and checksum: a cut file fails here
                except (EOFError, OSError, zlib.error):
                    return f"{os.path.relpath(path, folder)} is cut short"
    return ""


def _shard_key(paths: list[str], digests: dict[str, bytes], language: str, version: str) -> str:
    digest = hashlib.blake2b(f"{version}\0{language}".encode(), digest_size=20)
    for path in paths:
        digest.update(b"\0" + path.encode() + b"\0" + digests[path])
    return digest.hexdigest()


def _kept_files(folder: Path, store: PageStore, site: Path) -> dict[str, Ref]:
    """Every file of the fresh shard in `folder`, by its path in it, with its bytes' digest; each is
    handed to the store, to enter it (by its path in the `site`) once the build is good."""
    kept = {}
    for parent, _dirs, names in os.walk(folder):
        for name in names:
            path = os.path.join(parent, name)
            made = ref(Path(path).read_bytes())
            kept[os.path.relpath(path, folder).replace(os.sep, "/")] = made
            store.add(made, os.path.relpath(path, site).replace(os.sep, "/"))
    return kept


def _stored(kept: object, store: PageStore) -> dict[str, str] | None:
    """The store's file for each file of a kept shard, or None when the list or any file is not whole."""
    if not isinstance(kept, dict):
        return None
    found = {}
    for name, page in kept.items():
        path = store.find(page) if isinstance(name, str) and isinstance(page, Ref) else None
        if path is None:
            return None
        found[name] = path
    return found


class ShardCache(NamedTuple):
    """Where a build keeps the search index's shards for the next build: the list of each shard's
    files in `folder`, by the digests of its pages, for a reader of `version`; the files in `store`."""

    folder: Path
    store: PageStore
    version: str


def index_site(folder: Path, language: str, pages: dict[str, bytes] | None = None,
               kept: ShardCache | None = None) -> None:
    """Write the search index of the site in `folder` into `folder`/pagefind, one folder a shard.

    `pages` are the output paths of the searchable pages, as the build wrote them, each with the
    `page_store.digest` of its bytes (or anything, without a cache); by default the folder is walked
    for them. With `kept`, a shard whose pages are the same as in a build before is taken from the
    cache (see above), and the others are kept there once every shard is whole; the kept lists this
    build does not use are removed then.
    """
    folder = Path(folder).absolute()
    paths = sorted(pages) if pages is not None else searchable(folder)
    count = shard_count(len(paths))
    shards: list[list[str]] = [[] for _ in range(count)]
    for path in paths:
        shards[shard_of(path, count)].append(path)
    keys: list[str] = []
    fresh: list[tuple[list[str], Path]] = []
    fresh_keys: list[str] = []
    for number, shard in enumerate(shards):
        output = folder / urls.search_shard(number)
        output.mkdir(parents=True)
        key = _shard_key(shard, pages or {}, language, kept.version) if kept is not None else ""
        keys.append(key)
        found = _stored(load_kept(kept.folder / key, kept.version)[0], kept.store) if kept is not None else None
        if found is not None:
            for name, stored in sorted(found.items()):
                (output / name).parent.mkdir(parents=True, exist_ok=True)
                place(stored, str(output / name))
        else:
            fresh.append((shard, output))
            fresh_keys.append(key)
    if fresh:
        index_shards(folder, fresh, language)
    if kept is None:
        return
    for key, (_paths, output) in zip(fresh_keys, fresh):
        try:
            save_kept(kept.folder / key, kept.version, _kept_files(output, kept.store, folder))
        except OSError:
            pass  # a shard that cannot be kept only costs the next build its indexing
    if kept.folder.is_dir():
        for stale in set(os.listdir(kept.folder)) - set(keys):
            (kept.folder / stale).unlink(missing_ok=True)


def index_shards(folder: Path, shards: list[tuple[list[str], Path]], language: str) -> None:
    """Index each shard, (the paths of its pages in `folder`, its output folder), as many at a time as
    there are processors: each Pagefind process sees a tree of links to its shard's pages alone, and the
    build waits for it to end and checks that its index is whole."""
    from pagefind.service import get_executable  # Pagefind's program, from the pagefind[extended] package

    binary = get_executable()
    if binary is None:
        raise SearchIndexFailed("Pagefind's program is not installed (pip install 'pagefind[extended]')")
    # Pagefind reads options from PAGEFIND_ variables and from a pagefind.* file in its working folder
    # (here, the tree of links): neither may change what this build publishes.
    env = {name: value for name, value in os.environ.items() if not name.startswith("PAGEFIND_")}
    jobs = [(output.parent / f".pages-{output.name}", paths, output) for paths, output in shards]
    running: list[tuple[subprocess.Popen, IO[bytes], Path, int]] = []
    with contextlib.ExitStack() as outputs:  # what each Pagefind process says, for the message if it fails
        try:
            for pages_root, paths, _output in jobs:
                pages_root.mkdir()
                for path in paths:
                    (pages_root / path).parent.mkdir(parents=True, exist_ok=True)
                    os.link(folder / path, pages_root / path)
            waiting = list(jobs)
            while waiting or running:
                while waiting and len(running) < (os.cpu_count() or 1):
                    pages_root, paths, output = waiting.pop(0)
                    command = [str(binary), "--site", ".", "--glob", f"{SEARCHABLE}/**/*.html", "--output-path",
                               str(output), "--force-language", language.split("-")[0], "--silent"]
                    said = outputs.enter_context(tempfile.TemporaryFile())
                    running.append((subprocess.Popen(command, cwd=pages_root, env=env, stdin=subprocess.DEVNULL,
                                                     stdout=said, stderr=subprocess.STDOUT,
                                                     preexec_fn=_end_with_parent),
                                    said, output, len(paths)))
                ended = [job for job in running if job[0].poll() is not None]
                if not ended:
                    time.sleep(_LOOK_EVERY)
                for job in ended:
                    running.remove(job)
                    proc, told, output, pages = job
                    told.seek(0)
                    message = told.read().decode(errors="replace").strip()
                    if proc.returncode:
                        raise SearchIndexFailed(f"Pagefind ended with code {proc.returncode}: {message[-500:]}")
                    missing = incomplete(output, pages)
                    if missing:
                        raise SearchIndexFailed(f"the index in {output.name}/ is not whole: {missing}")
        except OSError as exc:
            raise SearchIndexFailed(f"Pagefind could not be run: {exc}") from exc
        finally:
            for proc, _said, _output, _pages in running:
                proc.kill()
                proc.wait()
            for pages_root, _paths, _output in jobs:
                shutil.rmtree(pages_root, ignore_errors=True)


def _end_with_parent() -> None:
    """In a Pagefind process, before it starts: be killed when the build is, rather than write on into
    the work folder of a build that is no more (Linux; elsewhere it runs to its end)."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


_PR_SET_PDEATHSIG = 1
_LIBC = _libc() if sys.platform.startswith("linux") else None
