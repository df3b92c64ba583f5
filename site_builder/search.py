"""Full-text search for the published site: a Pagefind index built into pagefind/, no server.

The index is built over the freshly written tree before it is swapped in, so a site is never
published with a search index of another build. Only claim pages carry data-pagefind-body,
so search results are fact-checks. Pagefind's own filters are not used: their files come out
in a different order from one run to the next, and output must be byte-identical.

Pagefind and asyncio are imported when an index is built, not with this module: `check` and
`--no-search` builds never need them, and they cost every command a tenth of a second.
"""
from __future__ import annotations

from pathlib import Path


class SearchIndexFailed(Exception):
    """Pagefind could not index the site."""


async def _index(folder: Path, language: str) -> None:
    from pagefind.index import IndexConfig, PagefindIndex

    # The context writes the index when it closes, to output_path: an absolute one, or it would
    # land relative to the working directory.
    config = IndexConfig(force_language=language.split("-")[0], output_path=str(folder / "pagefind"))
    async with PagefindIndex(config=config) as index:
        await index.add_directory(str(folder), glob="claims/**/*.html")  # only claims are searchable


def index_site(folder: Path, language: str) -> None:
    """Write the search index of the site in `folder` into `folder`/pagefind."""
    import asyncio

    try:
        asyncio.run(_index(Path(folder).absolute(), language))
    except Exception as exc:  # the service's errors are of several kinds; all mean "no index"
        raise SearchIndexFailed(str(exc)) from exc
