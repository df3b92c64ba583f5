"""The whole pipeline on the embedded site and on scratch copies: what a reader and an editor see."""
from __future__ import annotations

import filecmp
import json
import re
import shlex
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import PROJECT, run_cli, run_process

from site_builder import pipeline


def _claim_ids() -> list[str]:
    return sorted(p.stem for p in (PROJECT / "content" / "claims").glob("*.yaml"))


def _text(html: str) -> str:
    """Page text with tags dropped and entities decoded, white space folded."""
    import html as html_lib
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", html)).split())


def test_every_claim_page_shows_verdict_and_each_excerpt(built_site: Path) -> None:
    checked = pipeline.check(PROJECT)
    assert checked.ok
    for claim in checked.model.claims:
        page = (built_site / "claims" / claim.id / "index.html").read_text(encoding="utf-8")
        text = _text(page)
        verdict = checked.model.verdict(claim.verdict)
        assert verdict.label in text
        assert f"verdict-{verdict.key}" in page  # the colour comes with the words
        for excerpt in claim.evidence:
            anchor = checked.anchors[(claim.id, excerpt.number)]
            for start, end in anchor.spans:
                quoted = " ".join(excerpt_source_text(checked, excerpt)[start:end].split())
                assert quoted in text, (claim.id, quoted)
            assert f"sources/{excerpt.source}/#c-{claim.id}-{excerpt.number}" in page


def excerpt_source_text(checked, excerpt) -> str:
    return checked.model.sources[excerpt.source].text


def test_evidence_is_grouped_in_columns_by_stance(built_site: Path) -> None:
    page = (built_site / "claims" / "iraqi-factions-sent-fighters" / "index.html").read_text(encoding="utf-8")
    assert 'class="evidence-column stance-supports"' in page
    assert 'class="evidence-column stance-refutes"' in page
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "evidence-columns" in main and 'aria-label="Main"' not in main


def test_source_page_highlights_every_cited_passage_and_links_back(built_site: Path) -> None:
    checked = pipeline.check(PROJECT)
    for source_id in checked.model.sources:
        page = (built_site / "sources" / source_id / "index.html").read_text(encoding="utf-8")
        aside = page.split('<aside class="citations"', 1)[-1]
        for claim in checked.model.claims:
            for excerpt in claim.evidence:
                if excerpt.source == source_id:
                    assert f'id="c-{claim.id}-{excerpt.number}"' in page
                    assert f'href="../../claims/{claim.id}/#e' in aside
        # Each line's entry names a claim once, however many times the claim quotes the line.
        for entry in re.findall(r'<li id="cited-L\d+">.*?</ul>', aside, re.S):
            links = re.findall(r'href="([^"]+)"', entry)
            assert len(links) == len(set(links)), entry
        assert "<mark" in page


def test_residue_lines_are_dimmed_and_labelled(built_site: Path) -> None:
    page = (built_site / "sources" / "002_a4831d323f0df05e" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<p class="line residue" id="L14" data-residue="Blog comment footer[^"]*">', page)
    page = (built_site / "sources" / "001_70b4227ab82008e2" / "index.html").read_text(encoding="utf-8")
    line1 = page.split('id="L1"', 1)[1].split('id="L2"', 1)[0]
    assert '<span class="residue-inline" title="Not part of the article: Mis-decoded characters' in line1


def test_index_lists_claims_newest_first_with_badges(built_site: Path) -> None:
    checked = pipeline.check(PROJECT)
    page = (built_site / "index.html").read_text(encoding="utf-8")
    positions = [page.index(f'href="./claims/{c.id}/"') for c in checked.model.claims]
    assert positions == sorted(positions)
    dates = [c.published for c in checked.model.claims]
    assert dates == sorted(dates, reverse=True)
    assert page.count('class="badge verdict-') >= len(checked.model.claims)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            if attrs.get(name):
                self.links.append(attrs[name])


def test_every_internal_link_resolves(built_site: Path) -> None:
    pages = {p: _parse(p) for p in built_site.rglob("*.html") if p.name != "404.html"}
    broken = []
    for page, parsed in pages.items():
        for link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//") or link.startswith("mailto:"):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append((page.relative_to(built_site), link))
            elif parts.fragment.split(":~:")[0] and target.suffix == ".html":
                # A browser looks for the id before a text directive (#L19:~:text=...), as for a plain one.
                ids = pages[target].ids if target in pages else _parse(target).ids
                if parts.fragment.split(":~:")[0] not in ids:
                    broken.append((page.relative_to(built_site), link))
    assert not broken


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_site_has_the_designed_urls(built_site: Path) -> None:
    for path in ["index.html", "404.html", "feed.xml", "sitemap.xml", "robots.txt", "claims.json",
                 "sources/index.html", "verdicts/index.html", "tags/index.html",
                 "about/index.html", "methodology/index.html", "corrections-policy/index.html"]:
        assert (built_site / path).is_file(), path
    for claim_id in _claim_ids():
        assert (built_site / "claims" / claim_id / "index.html").is_file()


def test_the_search_index_covers_every_claim_page_and_nothing_else(built_site: Path) -> None:
    model = pipeline.check(PROJECT).model
    counts: dict[str, int] = {}
    for entry_file in sorted((built_site / "pagefind").glob("*/pagefind-entry.json")):  # one a shard
        entry = json.loads(entry_file.read_text(encoding="utf-8"))
        for language, index in entry["languages"].items():
            counts[language] = counts.get(language, 0) + index["page_count"]
    assert counts == {model.site.language.split("-")[0]: len(model.claims)}
    assert (built_site / "search" / "index.html").is_file()


@pytest.mark.slow  # two processes with the search index; test_golden compares pages on every run
def test_two_builds_are_byte_identical(site_root: Path, tmp_path: Path) -> None:
    # Two processes, so two hash seeds: an order that depends on one would show here.
    assert run_process("build", "--root", str(site_root), "--out", str(tmp_path / "a")).code == 0
    assert run_process("build", "--root", str(site_root), "--out", str(tmp_path / "b")).code == 0
    compared = filecmp.dircmp(tmp_path / "a", tmp_path / "b")
    assert _identical(compared)


def _identical(compared: filecmp.dircmp) -> bool:
    if compared.left_only or compared.right_only or compared.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(compared.left, compared.right, compared.common_files, shallow=False)
    return not mismatch and not errors and all(_identical(sub) for sub in compared.subdirs.values())


def test_default_output_is_site_folder_in_the_root(site_root: Path) -> None:
    result = run_cli("build", "--root", str(site_root))
    assert result.code == 0, result.err
    assert (site_root / "_site" / "index.html").is_file()


def test_broken_claim_fails_with_one_line_and_leaves_the_old_site(site_root: Path) -> None:
    out = site_root / "_site"
    assert run_cli("build", "--root", str(site_root), "--no-search").code == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    claim = site_root / "content" / "claims" / "iraqi-factions-sent-fighters.yaml"
    claim.write_text(claim.read_text(encoding="utf-8").replace("verdict: ", "verdikt: ", 1), encoding="utf-8")
    result = run_process("build", "--root", str(site_root), "--no-search")  # the status CI sees is the process's
    assert result.code == 1
    assert "Traceback" not in result.err
    assert re.search(r"^content/claims/iraqi-factions-sent-fighters\.yaml:\d+:1: error: unknown key 'verdikt' "
                     r"\(did you mean 'verdict'\?\)$", result.err, re.M)
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


def test_misquote_fails_the_build(site_root: Path) -> None:
    claim = site_root / "content" / "claims" / "irgc-request-refused.yaml"
    text = claim.read_text(encoding="utf-8")
    quote = re.search(r'quote: "([^"]+)"', text).group(1)
    word = max(quote.split(), key=len)
    claim.write_text(text.replace(quote, quote.replace(word, word[::-1], 1), 1), encoding="utf-8")
    result = run_cli("build", "--root", str(site_root), "--no-search")
    assert result.code == 1
    assert "irgc-request-refused.yaml:" in result.err
    assert "is not in seeds/" in result.err and "did you mean" in result.err


def test_removed_claim_disappears_from_the_site(site_root: Path) -> None:
    out = site_root / "_site"
    assert run_cli("build", "--root", str(site_root), "--no-search").code == 0
    assert (out / "claims" / "assad-asked-iraq-for-reinforcements").is_dir()
    (site_root / "content" / "claims" / "assad-asked-iraq-for-reinforcements.yaml").unlink()
    assert run_cli("build", "--root", str(site_root), "--no-search").code == 0
    assert not (out / "claims" / "assad-asked-iraq-for-reinforcements").exists()
    assert "assad-asked-iraq-for-reinforcements" not in (out / "index.html").read_text(encoding="utf-8")


def test_changed_seed_bytes_fail_with_both_digests_and_the_pin_command(site_root: Path) -> None:
    seed = site_root / "seeds" / "003_a0ba19a7bca5e600.txt"
    seed.write_bytes(seed.read_bytes().replace(b"Kataib", b"Kataeb", 1))
    result = run_cli("check", "--root", str(site_root))
    assert result.code == 1
    assert "80972208ebe597381056746d5aad05eb18928d807fb47567b8f27b74d2b1090b" in result.err
    # The hint is the command as the user called it, with their --root: pasted, it works.
    hinted = re.search(r"re-pin it: (.+)\)$", result.err, re.M)
    assert hinted and hinted.group(1) == f"python {PROJECT / 'build.py'} pin 003_a0ba19a7bca5e600 --root {site_root}"
    assert subprocess.run(shlex.split(hinted.group(1)), capture_output=True).returncode == 0
    assert "80972208ebe5" not in (site_root / "seeds" / "sources.yaml").read_text(encoding="utf-8")


def test_seed_without_metadata_fails(site_root: Path) -> None:
    (site_root / "seeds" / "005_extra.txt").write_text("An article nobody described.\n", encoding="utf-8")
    result = run_cli("check", "--root", str(site_root))
    assert result.code == 1
    assert "seeds/005_extra.txt: error: the seed '005_extra' has no entry in seeds/sources.yaml" in result.err


def test_wrong_usage_exits_2() -> None:
    assert run_cli("build", "--no-such-flag").code == 2
    assert run_cli("frobnicate").code == 2
    result = run_cli("build", "--root", "/no/such/folder")
    assert result.code == 2 and "Traceback" not in result.err


@pytest.mark.slow  # several builds of the site
def test_rebuilding_unchanged_input_does_nothing_and_any_change_rebuilds(site_root: Path) -> None:
    out = site_root / "_site"
    assert run_cli("build", "--root", str(site_root), "--no-search").code == 0
    second = run_cli("build", "--root", str(site_root), "--no-search")
    assert second.code == 0 and "is up to date" in second.out
    # A changed input, a changed output file, a damaged record: each means a real build.
    about = site_root / "content" / "pages" / "about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    assert f"built {len(_claim_ids())} claims" in run_cli("build", "--root", str(site_root), "--no-search").out
    assert "One more line." in (out / "about" / "index.html").read_text(encoding="utf-8")
    (out / "index.html").write_text("tampered", encoding="utf-8")
    assert f"built {len(_claim_ids())} claims" in run_cli("build", "--root", str(site_root), "--no-search").out
    assert "tampered" not in (out / "index.html").read_text(encoding="utf-8")
    (site_root / ".cache" / "site-builder" / "last-build.json").write_text("{not json", encoding="utf-8")
    assert f"built {len(_claim_ids())} claims" in run_cli("build", "--root", str(site_root), "--no-search").out
    assert f"built {len(_claim_ids())} claims" in run_cli("build", "--root", str(site_root), "--no-search", "--base-url", "https://x.example/").out


def test_a_change_behind_a_linked_claims_folder_rebuilds(site_root: Path) -> None:
    claims = site_root / "content" / "claims"
    kept = site_root / "claims-kept-elsewhere"
    claims.rename(kept)
    claims.symlink_to(kept, target_is_directory=True)
    assert run_cli("build", "--root", str(site_root), "--no-search").code == 0
    claim = kept / "assad-asked-iraq-for-reinforcements.yaml"
    claim.write_text(claim.read_text(encoding="utf-8").replace('  name: "', '  name: "Edited, ', 1), encoding="utf-8")
    again = run_cli("build", "--root", str(site_root), "--no-search")
    assert f"built {len(_claim_ids())} claims" in again.out
    page = site_root / "_site" / "claims" / "assad-asked-iraq-for-reinforcements" / "index.html"
    assert "Edited, " in page.read_text(encoding="utf-8")


def test_up_to_date_build_still_reports_its_warnings(site_root: Path) -> None:
    claim = site_root / "content" / "claims" / "assad-asked-iraq-for-reinforcements.yaml"
    claim.write_text("\n".join(l for l in claim.read_text(encoding="utf-8").split("\n")
                               if not l.startswith("short_claim:")), encoding="utf-8")
    first = run_cli("build", "--root", str(site_root), "--no-search")
    again = run_cli("build", "--root", str(site_root), "--no-search")
    assert "is up to date" in again.out
    assert "warning: ClaimReview: claimReviewed is 87 characters" in first.err
    assert first.err.splitlines()[0] == again.err.splitlines()[0]


def test_rendering_in_forked_workers_gives_the_same_bytes(monkeypatch) -> None:
    from site_builder import render

    checked = pipeline.check(PROJECT)
    single = pipeline.render(PROJECT, checked, workers=1)
    monkeypatch.setattr(render, "PARALLEL_MIN_PAGES", 1)
    parallel = pipeline.render(PROJECT, checked, workers=2)
    assert [(f.path, f.data) for f in parallel] == [(f.path, f.data) for f in single]


def test_excerpts_of_a_source_with_a_url_link_to_the_passage_in_the_original(site_root: Path) -> None:
    sources = site_root / "seeds" / "sources.yaml"
    text = sources.read_text(encoding="utf-8")
    entry = "  004_52b421b4bac7923a:\n"
    assert entry in text
    sources.write_text(text.replace(entry, entry + "    url: https://www.middleeasteye.net/news/iraq-factions\n"),
                       encoding="utf-8")
    assert run_cli("build", "--root", str(site_root), "--no-search").code == 0
    page = (site_root / "_site" / "claims" / "irgc-request-refused" / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="(https://www\.middleeasteye\.net/news/iraq-factions#:~:text=[^"]+)"', page)
    assert links and all("%20" in link for link in links)
    assert ">in the original article</a>" in page
    assert 'href="../../sources/004_52b421b4bac7923a/#c-irgc-request-refused-' in page  # the local link stays


def _override_claim_template(site_root: Path, old: str, new: str) -> int:
    """Put a changed copy of the claim template in the root's own templates/; the changed line's number."""
    text = (PROJECT / "templates" / "claim.html").read_text(encoding="utf-8")
    assert old in text
    (site_root / "templates").mkdir(exist_ok=True)
    (site_root / "templates" / "claim.html").write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_a_template_failing_at_run_time_is_reported_at_its_line_and_the_site_is_kept(site_root: Path) -> None:
    assert run_cli("build", "--root", str(site_root), "--no-search").code == 0
    before = (site_root / "_site" / "index.html").read_bytes()
    line = _override_claim_template(site_root, "{{ claim.claim_date }}", "{{ claim.claim_date.nickname }}")
    result = run_cli("build", "--root", str(site_root), "--no-search")
    assert result.code == 1 and "Traceback" not in result.err
    assert f"templates/claim.html:{line}: error: the template failed: UndefinedError:" in result.err
    assert "has no attribute 'nickname'" in result.err
    assert (site_root / "_site" / "index.html").read_bytes() == before


def test_a_template_syntax_error_is_reported_at_its_line(site_root: Path) -> None:
    line = _override_claim_template(site_root, "{% if comparisons %}", "{% if comparisons %}{% endfor %}")
    result = run_cli("build", "--root", str(site_root), "--no-search")
    assert result.code == 1 and "Traceback" not in result.err
    assert f"templates/claim.html:{line}: error: template syntax error:" in result.err


def test_a_template_failing_in_a_forked_worker_is_reported_the_same_way(site_root: Path, monkeypatch) -> None:
    from site_builder import render

    monkeypatch.setattr(render, "PARALLEL_MIN_PAGES", 1)
    line = _override_claim_template(site_root, "{{ claim.claim_date }}", "{{ claim.claim_date.nickname }}")
    checked = pipeline.build(site_root, site_root / "_site", search=False)
    assert [(p.path, p.line) for p in checked.problems.errors] == [("templates/claim.html", line)]
    assert not (site_root / "_site").exists()


def test_pagefind_settings_in_the_environment_change_nothing(site_root: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # Pagefind reads PAGEFIND_ variables; the published index must not depend on the shell it was built in.
    assert run_cli("build", "--root", str(site_root), "--out", str(tmp_path / "a"), "--no-cache").code == 0
    monkeypatch.setenv("PAGEFIND_ROOT_SELECTOR", "footer")
    monkeypatch.setenv("PAGEFIND_EXCLUDE_SELECTORS", "p")
    assert run_cli("build", "--root", str(site_root), "--out", str(tmp_path / "b"), "--no-cache").code == 0
    assert _identical(filecmp.dircmp(tmp_path / "a", tmp_path / "b"))
