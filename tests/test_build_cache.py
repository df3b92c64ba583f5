"""The build cache: a build from it writes the same bytes as a cold build, whatever came before.

Each build here starts with no output folder, as a CI job does that restores only the cache.
"""
from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest
from conftest import PROJECT, copy_site, made_once, run_cli

from site_builder import build_cache, pipeline, search

CLAIM = "assad-asked-iraq-for-reinforcements"  # one of the five of small_site_root


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def build(root: Path, out: Path, cache: Path | None) -> dict[str, bytes]:
    shutil.rmtree(out, ignore_errors=True)
    checked = pipeline.build(root, out, cache=cache)
    assert checked.ok and not checked.up_to_date, checked.problems.render("text")
    return tree(out)


def assert_same(cached: dict[str, bytes], cold: dict[str, bytes]) -> None:
    assert sorted(cached) == sorted(cold)
    differ = [path for path in cold if cached[path] != cold[path]]
    assert not differ, differ


def assert_same_as_cold(root: Path, tmp_path: Path, cache: Path,
                        colds: dict[str | None, dict[str, bytes]] | None = None) -> dict[str, bytes]:
    """Build with the cache, and compare with a cold build of the same input; `colds` keeps the cold
    builds by a digest of their input, for a sequence of edits that comes back to an earlier input."""
    cached = build(root, tmp_path / "cached", cache)
    state = build_cache.input_digest(root, {})
    cold = (colds or {}).get(state) or build(root, tmp_path / "cold", None)
    if colds is not None and state is not None:
        colds[state] = cold
    assert_same(cached, cold)
    return cached


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_a_claim(root: Path) -> None:
    rewrite(root / "content" / "claims" / f"{CLAIM}.yaml", "summary: >-\n", "summary: >-\n  Reviewed again.\n")


@pytest.fixture(scope="session")
def edited_cold(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A cold build of the embedded site with one claim edited (edit_a_claim), made once a run."""
    def make(folder: Path) -> None:
        root = copy_site(folder)
        edit_a_claim(root)
        build(root, folder / "cold", None)
    return tree(made_once(tmp_path_factory, "edited-cold", make) / "cold")


@pytest.fixture
def shards(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shards of 8 claim pages, so that the embedded site's index has several."""
    monkeypatch.setattr(search, "SHARD_PAGES", 8)


@pytest.mark.slow
def test_a_cached_build_equals_a_cold_one_after_each_of_a_sequence_of_edits(site_root: Path, tmp_path: Path,
                                                                             shards: None) -> None:
    cache = tmp_path / "cache"
    colds: dict[str | None, dict[str, bytes]] = {}
    first = assert_same_as_cold(site_root, tmp_path, cache, colds)
    assert len([p for p in first if p.endswith("pagefind-entry.json")]) > 1  # several shards
    claims = site_root / "content" / "claims"
    claim = claims / f"{CLAIM}.yaml"
    other = next(p for p in sorted(claims.glob("*.yaml")) if p != claim)
    edits = [
        lambda: rewrite(claim, "summary: >-\n", "summary: >-\n  Reviewed again.\n"),  # one claim's words
        lambda: shutil.copy(other, claims / "a-copy-of-a-claim.yaml"),  # a claim added...
        lambda: rewrite(claims / "a-copy-of-a-claim.yaml", 'claim: "', 'claim: "Copied, '),
        lambda: (claims / "a-copy-of-a-claim.yaml").unlink(),  # ...and removed
        lambda: rewrite(site_root / "content" / "site.yaml", 'title: "', 'title: "The '),  # on every page
        lambda: (shutil.copytree(PROJECT / "templates", site_root / "templates"),  # the site's own templates...
                 rewrite(site_root / "templates" / "claim.html", "</article>", "</article><p>Checked twice.</p>")),
        lambda: rewrite(site_root / "templates" / "claim.html", "Checked twice.", "Checked again."),
        lambda: shutil.rmtree(site_root / "templates"),  # ...and the built-in ones again
        lambda: rewrite(claim, "summary: >-\n  Reviewed again.\n", "summary: >-\n"),  # back to the first text...
        lambda: rewrite(site_root / "content" / "site.yaml", 'title: "The ', 'title: "'),
    ]
    for edit in edits:
        edit()
        after = assert_same_as_cold(site_root, tmp_path, cache, colds)
        assert after != first or edit is edits[-1]
    assert after == first  # ...the first site again


@pytest.mark.slow
def test_an_edited_claim_reindexes_only_its_own_shard(site_root: Path, tmp_path: Path, shards: None,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    build(site_root, tmp_path / "out", cache)
    indexed: list[list[str]] = []
    real = search.index_shards
    monkeypatch.setattr(search, "index_shards", lambda folder, shards, language: (
        indexed.extend(paths for paths, _output in shards), real(folder, shards, language)))
    edit_a_claim(site_root)
    cached = build(site_root, tmp_path / "cached", cache)
    edited = f"claims/{CLAIM}/index.html"
    assert len(indexed) == 1 and edited in indexed[0]  # one Pagefind run, over the edited claim's shard
    count = len([p for p in cached if p.endswith("pagefind-entry.json")])
    assert all(search.shard_of(path, count) == search.shard_of(edited, count) for path in indexed[0])
    assert cached == build(site_root, tmp_path / "cold", None)


@pytest.mark.slow  # three builds with search each
@pytest.mark.parametrize("damage", ["flip a byte", "cut short", "another version", "empty"])
def test_a_damaged_or_foreign_cache_is_not_used(site_root: Path, tmp_path: Path, damage: str,
                                                monkeypatch: pytest.MonkeyPatch, edited_cold: dict[str, bytes]) -> None:
    cache = tmp_path / "cache"
    build(site_root, tmp_path / "first", cache)
    # A cache whose pages say something else: used, they would be published.
    edit_a_claim(site_root)
    memo = cache / build_cache.MEMO
    data = memo.read_bytes()
    if damage == "flip a byte":
        memo.write_bytes(data[:len(data) // 2] + bytes([data[len(data) // 2] ^ 1]) + data[len(data) // 2 + 1:])
    elif damage == "cut short":
        memo.write_bytes(data[: len(data) - 100])
    elif damage == "empty":
        memo.write_bytes(b"")
    else:
        monkeypatch.setattr(build_cache, "tool_version", lambda: "another version")
    for kept in (cache / build_cache.SHARDS).iterdir():  # and every kept search shard damaged
        data = kept.read_bytes()
        kept.write_bytes(data[:-40] + bytes([data[-40] ^ 1]) + data[-39:])
    assert_same(build(site_root, tmp_path / "cached", cache), edited_cold)


def test_a_build_that_fails_leaves_the_cache_as_it_was(small_site_root: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    build(small_site_root, tmp_path / "first", cache)
    before = tree(cache)

    def killed(*_: object) -> None:
        raise search.SearchIndexFailed("killed")
    monkeypatch.setattr(search, "index_shards", killed)
    edit_a_claim(small_site_root)
    assert not pipeline.build(small_site_root, tmp_path / "second", cache=cache).ok
    assert tree(cache) == before


@pytest.mark.slow  # several builds of the site
def test_the_cache_folder_is_chosen_and_no_cache_builds_cold(small_site_root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "elsewhere"
    out = tmp_path / "out"
    run = run_cli("build", "--root", str(small_site_root), "--out", str(out), "--cache-dir", str(cache), "--no-search")
    assert run.code == 0, run.err
    assert (cache / build_cache.MEMO).is_file() and not (small_site_root / ".cache").exists()
    shutil.rmtree(out)
    kept = (cache / build_cache.MEMO).stat().st_mtime_ns
    edit_a_claim(small_site_root)
    run = run_cli("build", "--root", str(small_site_root), "--out", str(out), "--no-cache", "--no-search",
                  "--cache-dir", str(cache))
    assert run.code == 0, run.err
    assert (cache / build_cache.MEMO).stat().st_mtime_ns == kept and not (small_site_root / ".cache").exists()
    run = run_cli("build", "--root", str(small_site_root), "--out", str(out), "--no-search")
    assert run.code == 0, run.err
    assert (small_site_root / build_cache.DEFAULT_FOLDER / build_cache.MEMO).is_file()


@pytest.mark.slow  # several builds of the site
def test_a_page_changed_in_the_published_site_is_rendered_again_not_copied(small_site_root: Path,
                                                                           tmp_path: Path) -> None:
    # The cache keeps the published pages by hard link: a page changed in place in the published site
    # changes the cache's copy too, and the next build must notice and render it again.
    cache = tmp_path / "cache"
    build(small_site_root, tmp_path / "first", cache)
    page = tmp_path / "first" / "claims" / CLAIM / "index.html"
    with open(page, "r+b") as file:  # in place, as an editor that keeps the file's identity would
        file.write(b"<!-- changed by hand -->")
    other = sorted(p for p in (small_site_root / "content" / "claims").glob("*.yaml") if p.stem != CLAIM)[0]
    rewrite(other, "summary: >-\n", "summary: >-\n  Reviewed again.\n")
    cached = assert_same_as_cold(small_site_root, tmp_path, cache)
    assert b"changed by hand" not in cached[f"claims/{CLAIM}/index.html"]


@pytest.mark.slow  # several builds of the site
def test_a_cache_folder_that_cannot_be_written_only_makes_the_build_cold(small_site_root: Path, tmp_path: Path) -> None:
    cold = tmp_path / "cold"
    assert run_cli("build", "--root", str(small_site_root), "--out", str(cold), "--no-cache").code == 0
    out = tmp_path / "out"
    run = run_cli("build", "--root", str(small_site_root), "--out", str(out), "--cache-dir", "/proc/no-cache-here")
    assert run.code == 0, run.err
    assert tree(out) == tree(cold)


def test_the_cards_of_a_removed_claim_leave_the_cache(small_site_root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    build(small_site_root, tmp_path / "out", cache)
    cards = cache / build_cache.SHARE_IMAGES
    assert (cards / CLAIM).is_dir()
    kept = sorted(p.name for p in cards.iterdir())
    (small_site_root / "content" / "claims" / f"{CLAIM}.yaml").unlink()
    build(small_site_root, tmp_path / "out", cache)
    assert sorted(p.name for p in cards.iterdir()) == [name for name in kept if name != CLAIM]


@pytest.mark.slow  # several builds of the site
def test_large_files_that_workers_render_are_written_by_them_and_published_whole(
        site_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, built_site: Path,
        edited_cold: dict[str, bytes]) -> None:
    from site_builder import render
    from site_builder.inputs import Theme

    reference = tree(built_site)  # the embedded site, built without workers
    monkeypatch.setattr(render, "PARALLEL_MIN_PAGES", 1)  # workers, for the embedded site
    monkeypatch.setattr(render, "SPOOL_MIN", 45_000)  # its largest files, written by the workers
    checked = pipeline.check(site_root)
    assert checked.model is not None
    spool = tmp_path / "spool"
    files = list(render.stream_site(checked.model, checked.anchors, Theme.for_root(site_root), workers=2, spool=spool))
    spooled = {f.path: Path(f.stored) for f in files if f.stored}
    assert {"claims.json", "evidence/index.html"} <= set(spooled) and len(spooled) < len(files) / 10
    assert all(path.parent == spool for path in spooled.values())
    assert {path: stored.read_bytes() for path, stored in spooled.items()} == {p: reference[p] for p in spooled}
    shutil.rmtree(spool)
    # Builds: the cache filled, then after an edit the whole-site pages rendered again, in the workers.
    cache = tmp_path / "cache"
    assert build(site_root, tmp_path / "out", cache) == reference
    edit_a_claim(site_root)
    edited = build(site_root, tmp_path / "out", cache)
    assert edited["claims.json"] != reference["claims.json"] and b"Reviewed again." in edited["claims.json"]
    assert edited == edited_cold
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "out", "site"]  # no spool left


@pytest.mark.slow  # two builds of the site
def test_a_worker_that_cannot_write_its_file_fails_the_build_with_a_message_and_keeps_the_site(
        site_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from site_builder import render

    out = tmp_path / "out"
    assert run_cli("build", "--root", str(site_root), "--out", str(out), "--no-search").code == 0
    before = tree(out)
    monkeypatch.setattr(render, "PARALLEL_MIN_PAGES", 1)
    monkeypatch.setattr(render, "SPOOL_MIN", 45_000)
    spooled = render._spooled

    def disk_full(file: render.OutputFile, spool: Path | None) -> render.OutputFile:
        """The disk fills as the worker writes claims.json."""
        if file.path == "claims.json":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.path.join(spool or "", "claims.json"))
        return spooled(file, spool)

    monkeypatch.setattr(render, "_spooled", disk_full)
    edit_a_claim(site_root)
    result = run_cli("build", "--root", str(site_root), "--out", str(out), "--no-search")
    assert result.code == 1, result.err
    assert "no space left on device" in result.err.lower() and "free some space" in result.err
    assert "was left as it was" in result.err and "Traceback" not in result.err
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]  # no work folder, no spool
