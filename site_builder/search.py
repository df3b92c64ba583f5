"""Full-text search for the published site: a Pagefind index built into pagefind/, no server.

The index is built over the freshly written tree before it is swapped in, so a site is never
published with a search index of another build. Only claim pages carry data-pagefind-body,
so search results are fact-checks. Pagefind's own filters are not used: their files come out
in a different order from one run to the next, and output must be byte-identical.

Pagefind's service answers "written" before its files are all on disk, and stopping the
service then cuts them short. So the service is kept running until the index is whole: the
entry file names every language's metadata, there is one fragment per indexed page, every
compressed file decompresses to its end, and no file changes between two looks.

Pagefind and asyncio are imported when an index is built, not with this module: `check` and
`--no-search` builds never need them, and they cost every command a tenth of a second.
"""
from __future__ import annotations

import gzip
import json
import os
import time
import zlib
from pathlib import Path

WHOLE_WAIT = 60.0  # seconds to wait for Pagefind's files before the build fails
_LOOK_EVERY = 0.05


class SearchIndexFailed(Exception):
    """Pagefind could not index the site, or its index is not whole."""


async def _index(folder: Path, language: str) -> None:
    import asyncio

    from pagefind.service import PagefindService

    output = folder / "pagefind"
    # The output path must be absolute, or it would land relative to the working directory.
    config = {"force_language": language.split("-")[0], "output_path": str(output)}
    async with PagefindService() as service:
        index = await service.create_index(config)  # type: ignore[arg-type]
        found = await index.add_directory(str(folder), glob="claims/**/*.html")  # only claims are searchable
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
                raise SearchIndexFailed(f"the index in pagefind/ is not whole after {WHOLE_WAIT:.0f} s: {missing}")
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


def index_site(folder: Path, language: str) -> None:
    """Write the search index of the site in `folder` into `folder`/pagefind, whole."""
    import asyncio

    try:
        asyncio.run(_index(Path(folder).absolute(), language))
    except SearchIndexFailed:
        raise
    except Exception as exc:  # the service's errors are of several kinds; all mean "no index"
        raise SearchIndexFailed(str(exc)) from exc
