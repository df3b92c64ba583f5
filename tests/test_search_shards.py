"""The search index in shards finds, in Chromium, the same pages as one index for the same queries."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from browser import static_server
from conftest import PROJECT

from site_builder import pipeline, search

pytestmark = pytest.mark.browser

BASE_URL = "http://127.0.0.1/"

# Every result of each query, through Pagefind's own API and its multi-index search, as the UI uses them.
SEARCH_ALL = """async ([bundles, queries]) => {
  const pagefind = await import(bundles[0] + "pagefind.js");
  for (const bundle of bundles.slice(1)) await pagefind.mergeIndex(bundle);
  const found = {};
  for (const query of queries) {
    const results = (await pagefind.search(query)).results;
    found[query] = (await Promise.all(results.map((r) => r.data()))).map((d) => d.url).sort();
  }
  return found;
}"""


def built(tmp_path_factory: pytest.TempPathFactory, per_shard: int) -> Path:
    out = tmp_path_factory.mktemp(f"shards-{per_shard}") / "_site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "SHARD_PAGES", per_shard)
        assert pipeline.build(PROJECT, out, BASE_URL, cache=None).ok
    return out


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return built(tmp_path_factory, 1000), built(tmp_path_factory, 4)


def queries() -> list[str]:
    """A word of each claim, and a few that every claim or none has."""
    model = pipeline.check(PROJECT).model
    assert model is not None
    words = [next(w for w in re.findall(r"[A-Za-z]{6,}", c.claim)) for c in model.claims]
    return sorted(set(words)) + ["Iraqi factions", "Syria", "zzzunknownword"]


def bundles_of(page, url: str) -> list[str]:
    """The shards the search page names, as paths from the site's root; then a page without the
    search page's own script, whose Pagefind instance would otherwise be the one merged into."""
    page.goto(url + "search/")
    bundles = page.locator("[data-search-results]").get_attribute("data-bundles").split(" ")
    page.goto(url + "404.html")
    return [urlsplit(urljoin(url + "search/", bundle)).path for bundle in bundles]


def test_shards_find_the_same_pages_as_one_index(sites: tuple[Path, Path], browser) -> None:
    one, sharded = sites
    asked = queries()
    found = {}
    for name, site in (("one", one), ("sharded", sharded)):
        with static_server(site) as url:
            page = browser.new_page()
            bundles = bundles_of(page, url)
            found[name] = page.evaluate(SEARCH_ALL, [bundles, asked])
            found[name + " bundles"] = bundles
            page.close()
    shards = len(list(sharded.glob("pagefind/*/pagefind-entry.json")))
    assert len(found["one bundles"]) == 1 and len(found["sharded bundles"]) == shards > 1
    # Pagefind answers a word it does not have with the longest beginning of it that it has (its
    # issue 793): a shard without the word can answer with pages the whole index would not give.
    # Every page one index finds, the shards find, and for most queries nothing else.
    for query in asked:
        assert set(found["one"][query]) <= set(found["sharded"][query]), query
    same = [q for q in asked if found["sharded"][q] == found["one"][q]]
    assert len(same) >= len(asked) / 2, sorted(set(asked) - set(same))
    hits = [q for q in asked if found["one"][q]]
    assert len(hits) >= len(asked) - 1 and not found["one"]["zzzunknownword"]
    assert any(len(found["one"][q]) > 1 for q in asked)  # pages of several shards merged in one answer


def test_the_search_page_shows_results_from_every_shard(sites: tuple[Path, Path], browser) -> None:
    _, sharded = sites
    count = len(list(sharded.glob("pagefind/*/pagefind-entry.json")))
    with static_server(sharded) as url:
        page = browser.new_page()
        asked = queries()
        answers = page.evaluate(SEARCH_ALL, [bundles_of(page, url), asked])
        # A query whose pages are in several shards, and few enough for the page's 20 results.
        query, everywhere = next((q, found) for q, found in answers.items() if 1 < len(found) <= 20 and len(
            {search.shard_of(u.lstrip("/") + "index.html", count) for u in found}) > 1)
        page.goto(url + "search/?q=" + query)
        page.wait_for_selector("[data-search-results] .claim-card-title a", timeout=15_000)
        links = page.locator("[data-search-results] .claim-card-title a").evaluate_all(
            "(a) => a.map((e) => e.href)")
        page.close()
    assert sorted(links) == sorted(url + u.lstrip("/") for u in everywhere)
