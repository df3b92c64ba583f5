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
each shard are kept there under a digest of its pages' paths and bytes, the language and the
generator's version, with a manifest of their digests written last. A kept shard is used only
when every file matches its manifest; anything else is indexed afresh.
"""
from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import os
import shutil
import time
import zlib
from pathlib import Path

from pagefind.service import PagefindService

from . import urls

SEARCHABLE = "claims"  # the folder of the pages that are searchable
SHARD_PAGES = 2000  # pages a shard holds at most, on average
_MANIFEST = "manifest.json"
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
    # The output path must be absolute, or it would land relative to the working directory.
    config = {"force_language": language.split("-")[0], "output_path": str(output)}
    async with PagefindService() as service:
        index = await service.create_index(config)  # type: ignore[arg-type]
        found = await index.add_directory(str(pages_root), glob=f"{SEARCHABLE}/**/*.html")
        await index.write_files(str(output))
        deadline = time.monotonic() + WHOLE_WAIT
        last: dict[str, int] | None = None
        while True:
            missing = incomplete(output, found["page_count"])
            state = _sizes(output)
            if not missing and state == last:
                return
            if time.monotonic() > deadline:
                raise SearchIndexFailed(f"the index in {output.name}/ is not whole after {WHOLE_WAIT:.0f} s: "
                                        f"{missing or 'its files keep changing'}")
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


def _shard_key(folder: Path, paths: list[str], language: str, version: str) -> str:
    digest = hashlib.blake2b(f"{version}\0{language}".encode(), digest_size=20)
    for path in paths:
        digest.update(b"\0" + path.encode() + b"\0")
        digest.update(hashlib.blake2b((folder / path).read_bytes(), digest_size=20).digest())
    return digest.hexdigest()


def _files(folder: Path) -> list[str]:
    return sorted(os.path.relpath(os.path.join(parent, name), folder).replace(os.sep, "/")
                  for parent, _dirs, names in os.walk(folder) for name in names)


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def _from_cache(kept: Path, output: Path) -> bool:
    """Copy a kept shard into `output` if every one of its files is as its manifest says."""
    try:
        manifest = json.loads((kept / _MANIFEST).read_bytes())
        if not isinstance(manifest, dict) or sorted(manifest) != [f for f in _files(kept) if f != _MANIFEST]:
            return False
        files = {}
        for name, digest in manifest.items():
            data = (kept / name).read_bytes()
            if _digest(data) != digest:
                return False
            files[name] = data
    except (OSError, ValueError):
        return False
    for name, data in files.items():
        (output / name).parent.mkdir(parents=True, exist_ok=True)
        (output / name).write_bytes(data)
    return True


def _keep(output: Path, cache: Path, key: str) -> None:
    """Keep a shard's files under its key: copied beside, the manifest written last, then renamed
    into place, so that a build killed meanwhile leaves nothing under the key."""
    temporary = cache / f".{key}.{os.getpid()}.tmp"
    try:
        shutil.rmtree(temporary, ignore_errors=True)
        shutil.copytree(output, temporary)
        manifest = {name: _digest((temporary / name).read_bytes()) for name in _files(temporary)}
        (temporary / _MANIFEST).write_text(json.dumps(manifest, sort_keys=True), encoding="utf-8")
        os.replace(temporary, cache / key)
    except OSError:
        pass  # a shard that cannot be kept only costs the next build its indexing
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def index_site(folder: Path, language: str, cache: Path | None = None, version: str = "") -> None:
    """Write the search index of the site in `folder` into `folder`/pagefind, one folder a shard.

    `cache`, if given, is where shards are kept between builds (see above); shards kept there by
    builds that are not used again are removed.
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
        key = _shard_key(folder, shard, language, version) if cache is not None else ""
        used.add(key)
        if cache is not None and _from_cache(cache / key, output):
            continue
        _index_shard(folder, shard, output, language)
        if cache is not None:
            cache.mkdir(parents=True, exist_ok=True)
            _keep(output, cache, key)
    if cache is not None:
        for stale in set(os.listdir(cache)) - used:
            shutil.rmtree(cache / stale, ignore_errors=True)


def _index_shard(folder: Path, paths: list[str], output: Path, language: str) -> None:
    """Index the pages `paths` of `folder` into `output`: Pagefind sees a tree of links to them alone."""
    pages_root = output.parent / f".pages-{output.name}"
    try:
        pages_root.mkdir()
        for path in paths:
            (pages_root / path).parent.mkdir(parents=True, exist_ok=True)
            os.link(folder / path, pages_root / path)
        asyncio.run(_index(pages_root, output, language))
    except SearchIndexFailed:
        raise
    except Exception as exc:  # the service's errors are of several kinds; all mean "no index"
        raise SearchIndexFailed(str(exc)) from exc
    finally:
        shutil.rmtree(pages_root, ignore_errors=True)
