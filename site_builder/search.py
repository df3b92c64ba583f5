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
Pagefind's multi-site search (`mergeIndex`), which finds the same pages as one index would.

With a cache folder, a shard is indexed again only when one of its pages changed: the files of
each shard are kept there in one file named by a digest of its pages' paths and bytes, the
language and the generator's version, checked whole as the build cache's memo is (memo.py's
`save_kept`, `load_kept`); a file that is not whole is not used, and the shard is indexed afresh.

Pagefind and asyncio are imported when an index is built, not with this module: `check` and
`--no-search` builds never need them, and they cost every command a tenth of a second.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import time
import zlib
from pathlib import Path

from . import urls
from .memo import load_kept, save_kept

SEARCHABLE = "claims"  # the folder of the pages that are searchable
SHARD_PAGES = 2000  # pages a shard holds at most, on average
WHOLE_WAIT = 60.0  # seconds to wait for Pagefind's files before the build fails
_LOOK_EVERY = 0.05


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
    return path.startswith(SEARCHABLE + "/") and path.endswith(".html")


def searchable(folder: Path) -> list[str]:
    """The output paths of the searchable pages in `folder`, sorted."""
    top = folder / SEARCHABLE
    return sorted(os.path.relpath(os.path.join(parent, name), folder).replace(os.sep, "/")
                  for parent, _dirs, names in os.walk(top) for name in names if name.endswith(".html"))


async def _index(pages_root: Path, output: Path, language: str) -> None:
    """Index the searchable pages under `pages_root` into `output`, and return once the index is whole.

    Pagefind's service answers "written" before its files are all on disk, and stopping the
    service then cuts them short. So the service is kept running until the index is whole: the
    entry file names every language's metadata, there is one fragment per indexed page, every
    compressed file decompresses to its end, and no file changes between two looks.
    """
    import asyncio

    from pagefind.service import PagefindService

    # The output path must be absolute, or it would land relative to the working directory.
    config = {"force_language": language.split("-")[0], "output_path": str(output)}
    async with PagefindService() as service:
        index = await service.create_index(config)  # type: ignore[arg-type]
        found = await index.add_directory(str(pages_root), glob=f"{SEARCHABLE}/**/*.html")
        await index.write_files(str(output))
        deadline = time.monotonic() + WHOLE_WAIT
        last: dict[str, int] | None = None
        missing = "no file has been written"
        while True:
            state = _sizes(output)
            if state == last:  # nothing changed since the last look: check the whole index once
                missing = incomplete(output, found["page_count"])
                if not missing:
                    return
            if time.monotonic() > deadline:
                raise SearchIndexFailed(f"the index in {output.name}/ is not whole after {WHOLE_WAIT:.0f} s: {missing}")
            last = state
            await asyncio.sleep(_LOOK_EVERY)


def _sizes(folder: Path) -> dict[str, int]:
    return {os.path.join(parent, name): os.stat(os.path.join(parent, name)).st_size
            for parent, _dirs, names in os.walk(folder) for name in names}


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


def page_digest(data: bytes) -> bytes:
    """What a searchable page's bytes are, for the key of its shard."""
    return hashlib.blake2b(data, digest_size=20).digest()


def _files(folder: Path) -> dict[str, bytes]:
    return {os.path.relpath(os.path.join(parent, name), folder).replace(os.sep, "/"):
            Path(parent, name).read_bytes() for parent, _dirs, names in os.walk(folder) for name in names}


def _write(files: dict[str, bytes], output: Path) -> None:
    made = set()
    for name, data in sorted(files.items()):
        parent = (output / name).parent
        if parent not in made:
            parent.mkdir(parents=True, exist_ok=True)
            made.add(parent)
        (output / name).write_bytes(data)


def index_site(folder: Path, language: str, cache: Path | None = None, version: str = "",
               digests: dict[str, bytes] | None = None) -> None:
    """Write the search index of the site in `folder` into `folder`/pagefind, one folder a shard.

    `cache`, if given, is where shards are kept between builds (see above), by `digests`, the
    `page_digest` of each searchable page by its path; shards kept there that this build does
    not use are removed.
    """
    folder = Path(folder).absolute()
    paths = searchable(folder)
    count = shard_count(len(paths))
    shards: list[list[str]] = [[] for _ in range(count)]
    for path in paths:
        shards[shard_of(path, count)].append(path)
    used = set()
    for number, shard in enumerate(shards):
        output = folder / urls.search_shard(number)
        output.mkdir(parents=True)
        key = _shard_key(shard, digests or {}, language, version) if cache is not None else ""
        used.add(key)
        kept = load_kept(cache / key, version)[0] if cache is not None else None
        if isinstance(kept, dict):
            _write(kept, output)
            continue
        _index_shard(folder, shard, output, language)
        if cache is not None:
            try:
                save_kept(cache / key, version, _files(output))
            except OSError:
                pass  # a shard that cannot be kept only costs the next build its indexing
    if cache is not None and cache.is_dir():
        for stale in set(os.listdir(cache)) - used:
            (cache / stale).unlink(missing_ok=True)


def _index_shard(folder: Path, paths: list[str], output: Path, language: str) -> None:
    """Index the pages `paths` of `folder` into `output`: Pagefind sees a tree of links to them alone."""
    pages_root = output.parent / f".pages-{output.name}"
    try:
        pages_root.mkdir()
        for path in paths:
            (pages_root / path).parent.mkdir(parents=True, exist_ok=True)
            os.link(folder / path, pages_root / path)
        import asyncio

        asyncio.run(_index(pages_root, output, language))
    except SearchIndexFailed:
        raise
    except Exception as exc:  # the service's errors are of several kinds; all mean "no index"
        raise SearchIndexFailed(str(exc)) from exc
    finally:
        shutil.rmtree(pages_root, ignore_errors=True)
