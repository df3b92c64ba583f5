"""The W3C annotation targets of claims.json, resolved by two third-party matchers in Chromium.

Hypothesis's `dom-anchor-text-quote` (fuzzy, with `dom-anchor-text-position`) and Apache
Annotator's `@apache-annotator/dom` (strict: every character of exact, prefix and suffix) are
bundled from npm (make test-tools installs them) and run on the built site, served as a host
would. Every selector must land on exactly the characters its excerpt highlights on the source
page, and on the same characters of the published source.txt.
"""
from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from browser import NODE_MODULES, node_package_file, static_server
from conftest import PROJECT, closing_contexts, run_cli

pytestmark = pytest.mark.browser

ENTRY = Path(__file__).resolve().parent / "js" / "annotation_matchers.js"

# In the page: the characters a part's <mark>s cover, as offsets in the article element's text.
HIGHLIGHTS = """
([root, ids]) => {
  const offset = (node, at) => { const r = document.createRange(); r.setStart(root, 0); r.setEnd(node, at); return r.toString().length; };
  const out = {};
  for (const id of ids) {
    const marks = [...root.querySelectorAll("mark[data-excerpts]")].filter(m => m.dataset.excerpts.split(" ").includes(id));
    if (!marks.length) { out[id] = null; continue; }
    const start = offset(marks[0], 0), end = offset(marks.at(-1), marks.at(-1).childNodes.length);
    const text = marks.map(m => m.textContent).join("");
    const anchor = document.getElementById(id);
    out[id] = {start, end, text, contiguous: text.length === end - start,
               startsAtItsAnchor: !!anchor && marks[0].contains(anchor) && offset(anchor, 0) === start};
  }
  return out;
}
"""

# In the page: what each matcher finds for each selector, within a scope, as offsets in `root`.
# Page-wide, Hypothesis's client passes the quote's position in the page's text as a hint: the
# position in the article element plus where that element starts. Elsewhere no hint is given.
RESOLVE = """
async ([root, scope, targets]) => {
  const offset = (node, at) => { const r = document.createRange(); r.setStart(root, 0); r.setEnd(node, at); return r.toString().length; };
  const before = document.createRange();
  before.setStart(scope, 0);
  before.setEnd(root, 0);
  const shift = before.toString().length;
  const out = [];
  for (const [id, selector, start] of targets) {
    for (const [matcher, match] of Object.entries(window.annotationMatchers)) {
      let ranges, error = null;
      try { ranges = await match(scope, selector, start === null ? undefined : start + shift); } catch (e) { ranges = []; error = String(e); }
      out.push({id, type: selector.type, matcher, error, found: ranges.map(r => ({
        text: r.toString(),
        start: root.contains(r.startContainer) ? offset(r.startContainer, r.startOffset) : null,
        end: root.contains(r.endContainer) ? offset(r.endContainer, r.endOffset) : null}))});
    }
  }
  return out;
}
"""


def bundle_matchers() -> str:
    """The two npm matchers as one script, bundled by esbuild from the installed packages."""
    esbuild = node_package_file("esbuild/bin/esbuild")
    for package in ("dom-anchor-text-quote/package.json", "@apache-annotator/dom/package.json",
                    "@apache-annotator/selector/package.json"):
        node_package_file(package)
    proc = subprocess.run([str(esbuild), "--bundle", "--format=iife", "--log-level=warning"],
                          input=ENTRY.read_text(encoding="utf-8"), cwd=NODE_MODULES.parent,
                          capture_output=True, text=True, timeout=120, check=True)
    return proc.stdout


@pytest.fixture(scope="module")
def site(local_site: Path, chromium):
    script = bundle_matchers()
    out = local_site  # the embedded site, built for the root of a local server
    records = json.loads((out / "claims.json").read_text(encoding="utf-8"))["claims"]
    with static_server(out) as url, closing_contexts(chromium) as browser:
        # The site's Content-Security-Policy allows only its own scripts; the test adds the matchers.
        yield url, browser.new_context(bypass_csp=True), script, records, out


def targets_by_source(records: list[dict]) -> dict[str, list[tuple[str, dict]]]:
    """Each source's targets, keyed by the id of the highlight they must land on; the words of a
    claim's appearance in a source, which the page does not highlight, by a name of their own."""
    out: dict[str, list[tuple[str, dict]]] = {}
    for claim in records:
        for number, excerpt in enumerate(claim["evidence"], start=1):
            for part, target in enumerate(excerpt["target"]):
                ident = f"c-{claim['id']}-{number}" + (f"-p{part + 1}" if part else "")
                out.setdefault(excerpt["source"], []).append((ident, target))
        for number, appearance in enumerate(claim.get("appearances", []), start=1):
            for part, target in enumerate(appearance.get("target", [])):
                out.setdefault(appearance["source"], []).append((f"appearance-{claim['id']}-{number}-{part}", target))
    return out


def seed_place(source_id: str, target: dict, text: str | None = None) -> dict:
    """Where the seed file (or `text`, the seed as the site holds it) has a target's words: what a target
    that no highlight shows must resolve to."""
    if text is None:
        text = (PROJECT / "seeds" / f"{source_id}.txt").read_text(encoding="utf-8")
    quote = next(s for s in target["selector"] if s["type"] == "TextQuoteSelector")
    start = text.index(quote.get("prefix", "") + quote["exact"] + quote.get("suffix", "")) + len(quote.get("prefix", ""))
    return {"start": start, "end": start + len(quote["exact"]), "text": quote["exact"]}


def position(target: dict) -> dict:
    return next(s for s in target["selector"] if s["type"] == "TextPositionSelector")


def open_with_matchers(context, address: str, script: str):
    page = context.new_page()
    page.goto(address)
    page.add_script_tag(content=script)
    page.wait_for_function("() => window.annotationMatchers !== undefined")
    return page


def test_the_article_text_on_the_source_page_is_the_published_source_text(site) -> None:
    url, context, _script, records, out = site
    for source_id in targets_by_source(records):
        seed = (PROJECT / "seeds" / f"{source_id}.txt").read_text(encoding="utf-8")
        assert (out / "sources" / source_id / "source.txt").read_text(encoding="utf-8") == seed
        page = context.new_page()
        page.goto(f"{url}sources/{source_id}/")
        assert page.locator("#source-text").evaluate("e => e.textContent") == seed
        # Line numbers, labels and the list of citing claims are not in the article's text.
        assert page.locator("#source-text").evaluate("e => e.querySelectorAll('aside, ul, ol, h2').length") == 0
        page.close()


def test_line_numbers_and_residue_labels_are_shown_by_css_outside_the_text(site) -> None:
    url, context, _script, _records, _out = site
    page = context.new_page()
    page.goto(f"{url}sources/002_a4831d323f0df05e/")
    before = "(selector) => getComputedStyle(document.querySelector(selector), '::before').content"
    assert page.evaluate(before, "#L2 .line-number") == '"2"'
    label = page.evaluate(before, "#L14")
    assert label.startswith('"Not part of the article: Blog comment footer')
    assert "Not part of the article" not in page.locator("#source-text").evaluate("e => e.textContent")
    # A claim quoting line 2 twice is listed there once.
    entry = page.locator("#cited-L2 li a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert entry and len(entry) == len(set(entry))
    page.close()


def resolve_source(context, url: str, script: str, source_id: str, targets: list[tuple[str, dict]],
                   resolved: Counter, failures: list, *, text_view: bool = True,
                   seed_text: str | None = None) -> None:
    """Every selector of a source's targets, in both matchers: on its page (the article element,
    and the whole body as a page-wide client sees it) and in its source.txt as Chromium shows it
    (`text_view`)."""
    page = open_with_matchers(context, f"{url}sources/{source_id}/", script)
    root = page.locator("#source-text").element_handle()
    body = page.locator("body").element_handle()
    marks = page.evaluate(HIGHLIGHTS, [root, [ident for ident, _ in targets if ident.startswith("c-")]])
    selectors = [(ident, s, None) for ident, t in targets for s in t["selector"]]
    for ident, target in targets:
        assert target["source"].endswith(f"/sources/{source_id}/source.txt")
        if not ident.startswith("c-"):
            marks[ident] = seed_place(source_id, target, seed_text)
            continue
        mark = marks[ident]
        assert mark and mark["contiguous"] and mark["startsAtItsAnchor"], (ident, mark)
    # Page-wide, with the hint Hypothesis's client gives; in the article and in source.txt, without.
    quotes = [(ident, s, position(t)["start"]) for ident, t in targets for s in t["selector"]
              if s["type"] == "TextQuoteSelector"]
    results = [("article", r) for r in page.evaluate(RESOLVE, [root, root, selectors])]
    results += [("page", r) for r in page.evaluate(RESOLVE, [root, body, quotes])]
    page.close()
    # In the published text, where the TextPositionSelector counts: the same characters.
    if text_view:
        page = open_with_matchers(context, f"{url}sources/{source_id}/source.txt", script)
        body = page.locator("body").element_handle()
        results += [("source.txt", r) for r in page.evaluate(RESOLVE, [body, body, selectors])]
        page.close()
    for scope_name, result in results:
        mark = marks[result["id"]]
        found = result["found"]
        # Apache Annotator lists every match: exactly one, the highlight. Hypothesis gives its best.
        if len(found) == 1 and (found[0]["start"], found[0]["end"], found[0]["text"]) == (
                mark["start"], mark["end"], mark["text"]):
            resolved[(result["matcher"], result["type"], scope_name)] += 1
        else:
            failures.append((source_id, scope_name, result, mark))


def assert_all_resolved(resolved: Counter, failures: list, total: int, text_view: bool = True) -> None:
    print("\nselectors resolved to their highlight, of", total)
    for key, count in sorted(resolved.items()):
        print("  {:<10} {:<22} {:<10} {}".format(*key, count))
    assert not failures, json.dumps(failures[:3], indent=1)
    for matcher in ("hypothesis", "apache"):
        for kind, scopes in (("TextQuoteSelector", ("article", "page", "source.txt")),
                             ("TextPositionSelector", ("article", "source.txt"))):
            for scope in scopes[:None if text_view else -1]:
                assert resolved[(matcher, kind, scope)] == total, (matcher, kind, scope)


def test_every_selector_resolves_to_its_highlight_in_both_matchers(site) -> None:
    url, context, script, records, _out = site
    by_source = targets_by_source(records)
    total = sum(len(t) for t in by_source.values())
    assert total >= 100  # the embedded site's excerpts
    resolved: Counter[tuple[str, str, str]] = Counter()
    failures: list = []
    for source_id, targets in sorted(by_source.items()):
        resolve_source(context, url, script, source_id, targets, resolved, failures)
    assert_all_resolved(resolved, failures, total)


def test_a_seed_with_windows_line_ends_keeps_its_carriage_returns_on_the_page(site, site_root: Path) -> None:
    _url, context, script, _records, _out = site
    source_id = "002_a4831d323f0df05e"
    seed = site_root / "seeds" / f"{source_id}.txt"
    seed.write_bytes(seed.read_bytes().replace(b"\n", b"\r\n"))
    assert run_cli("pin", source_id, "--root", str(site_root)).code == 0
    out = site_root / "_site"
    result = run_cli("build", "--root", str(site_root), "--out", str(out), "--base-url", "http://127.0.0.1/",
                     "--no-search")
    assert result.code == 0, result.err
    records = json.loads((out / "claims.json").read_text(encoding="utf-8"))["claims"]
    targets = targets_by_source(records)[source_id]
    with static_server(out) as url:
        page = context.new_page()
        page.goto(f"{url}sources/{source_id}/")
        text = seed.read_bytes().decode("utf-8")
        assert "\r\n" in text and page.locator("#source-text").evaluate("e => e.textContent") == text
        page.close()
        resolved: Counter[tuple[str, str, str]] = Counter()
        failures: list = []
        # Chromium shows a text file with its line ends as line feeds, so there the positions are
        # checked on the bytes a client fetches.
        resolve_source(context, url, script, source_id, targets, resolved, failures, text_view=False,
                       seed_text=text)
        page = context.new_page()
        page.goto(url)
        fetched = page.evaluate("async u => (await fetch(u)).text()", f"{url}sources/{source_id}/source.txt")
        page.close()
    assert_all_resolved(resolved, failures, len(targets), text_view=False)
    assert fetched == text
    for _ident, target in targets:
        quote, where = target["selector"]
        assert fetched[where["start"]:where["end"]] == quote["exact"]
        assert fetched[:where["start"]].endswith(quote.get("prefix", ""))  # none at the start of the text
        assert fetched[where["end"]:].startswith(quote.get("suffix", ""))
