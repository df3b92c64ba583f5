"""A build killed at any moment leaves the last good site or the new complete one, never a mix."""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import PROJECT, run_cli

from site_builder.search import incomplete, index_shards, searchable, shard_count, shard_of

KILLS = 16
AIMED_KILLS = 4  # of each kind: during indexing, right after the swap


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_killed_builds_never_leave_a_mix(small_site_root: Path, tmp_path: Path) -> None:
    out = small_site_root / "_site"
    assert run_cli("build", "--root", str(small_site_root)).code == 0
    old = _tree(out)
    claim = small_site_root / "content" / "claims" / "assad-asked-iraq-for-reinforcements.yaml"
    claim.write_text(claim.read_text(encoding="utf-8").replace("summary: >-\n", "summary: >-\n  Changed. ", 1),
                     encoding="utf-8")
    new_reference = tmp_path / "reference"
    assert run_cli("build", "--root", str(small_site_root), "--out", str(new_reference)).code == 0
    new = _tree(new_reference)
    assert new != old

    rng = random.Random(20241202)
    started = time.monotonic()
    subprocess.run([sys.executable, str(PROJECT / "build.py"), "build", "--root", str(small_site_root),
                    "--out", str(tmp_path / "timing")], check=True, capture_output=True)
    full = time.monotonic() - started
    outcomes = {"old": 0, "new": 0}
    now = old
    for _ in range(KILLS):
        if now != old:  # put the old site back for the next build to replace
            shutil.rmtree(out)
            _restore(out, old)
        proc = subprocess.Popen([sys.executable, str(PROJECT / "build.py"), "build", "--root", str(small_site_root)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, full * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = _tree(out)
        assert now in (old, new), "the output is a mix of two builds"
        assert _whole_index(out) == ""
        outcomes["old" if now == old else "new"] += 1
        leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith("._site.")]
        # A killed build may leave its work folder and its (released) lock file beside the output;
        # the next build removes them.
        assert all(name.startswith(("._site.building-", "._site.old-")) or name == "._site.lock" for name in leftovers)
    assert run_cli("build", "--root", str(small_site_root)).code == 0
    assert not [p for p in out.parent.iterdir() if p.name.startswith("._site.")]
    assert _tree(out) == new
    print(f"killed {KILLS} builds: {outcomes['old']} left the old site, {outcomes['new']} the new one")


def _whole_index(out: Path) -> str:
    """What is missing from the site's search index: "" when its shards index every claim page, whole."""
    pages = searchable(out)
    count = shard_count(len(pages))
    for shard in range(count):
        missing = incomplete(out / "pagefind" / str(shard), sum(1 for p in pages if shard_of(p, count) == shard))
        if missing:
            return f"shard {shard}: {missing}"
    return "" if len(list(out.glob("pagefind/*/pagefind-entry.json"))) == count else "a shard too many"


def _build(root: Path, *options: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(PROJECT / "build.py"), "build", "--root", str(root), *options],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _indexing(pid: int) -> bool:
    """Whether one of the build's own processes is Pagefind, that is, the search index is being built."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return False
    for child in children:
        try:
            if "pagefind" in Path(f"/proc/{child}/comm").read_text():
                return True
        except OSError:
            continue
    return False


def _kill_when(proc: subprocess.Popen, moment, limit: float = 120) -> bool:
    """SIGKILL the build as soon as `moment()` holds; False if it ended first."""
    deadline = time.monotonic() + limit
    while proc.poll() is None and time.monotonic() < deadline:
        if moment():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.001)  # a look a millisecond, and the processor left to the build
    proc.wait()
    return False


def _changed_site(root: Path) -> None:
    about = root / "content" / "pages" / "about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\nAnother line.\n", encoding="utf-8")


@pytest.mark.slow
def test_a_build_killed_while_indexing_leaves_the_old_site_with_its_whole_index(small_site_root: Path) -> None:
    out = small_site_root / "_site"
    assert run_cli("build", "--root", str(small_site_root)).code == 0
    hits = 0
    for _ in range(AIMED_KILLS):
        old = _tree(out)
        _changed_site(small_site_root)
        proc = _build(small_site_root, "--no-cache")  # from the cache, no shard would change: every shard indexed
        hit = _kill_when(proc, lambda: _indexing(proc.pid))  # noqa: B023 - called while proc is this one
        if hit:
            assert _tree(out) == old, "a build killed while indexing changed the site"
        hits += hit
        assert _whole_index(out) == ""
        assert run_cli("build", "--root", str(small_site_root)).code == 0
    assert hits >= AIMED_KILLS - 1, f"only {hits} builds were caught while indexing"
    print(f"killed {hits} of {AIMED_KILLS} builds while Pagefind ran: each left the old site and its whole index")


@pytest.mark.slow
def test_a_build_killed_right_after_the_swap_publishes_the_whole_new_site(small_site_root: Path,
                                                                          tmp_path: Path) -> None:
    out = small_site_root / "_site"
    assert run_cli("build", "--root", str(small_site_root)).code == 0
    hits = 0
    for round_ in range(AIMED_KILLS):
        _changed_site(small_site_root)
        reference = tmp_path / f"reference-{round_}"
        assert run_cli("build", "--root", str(small_site_root), "--out", str(reference)).code == 0
        new = _tree(reference)
        before = out.stat().st_ino
        proc = _build(small_site_root)
        hits += _kill_when(proc, lambda: out.stat().st_ino != before)  # noqa: B023 - the swap has happened
        assert _tree(out) == new, "the swapped-in site is not the whole new one"
        assert _whole_index(out) == ""
        assert run_cli("build", "--root", str(small_site_root)).code == 0  # and the next build cleans up
        assert not [p for p in out.parent.iterdir() if p.name.startswith("._site.")]
    assert hits >= AIMED_KILLS - 1, f"only {hits} builds were caught right after the swap"
    print(f"killed {hits} of {AIMED_KILLS} builds right after the swap: each published the whole new site")


def _restore(out: Path, tree: dict[str, bytes]) -> None:
    for rel, data in tree.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def test_the_indexing_processes_end_with_a_killed_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build killed while Pagefind runs takes its Pagefind processes with it, rather than leave them
    writing into a work folder that the next build removes."""
    import pagefind.service

    slow = tmp_path / "slow-indexer"
    slow.write_text("#!/bin/sh\nexec sleep 60\n")
    slow.chmod(0o755)
    monkeypatch.setattr(pagefind.service, "get_executable", lambda: slow)
    site = tmp_path / "site"
    (site / "claims" / "a").mkdir(parents=True)
    (site / "claims" / "a" / "index.html").write_text("<p>a page</p>")
    (site / "pagefind" / "0").mkdir(parents=True)
    build = os.fork()
    if build == 0:  # the build: index one shard with the slow indexer
        try:
            index_shards(site, [(["claims/a/index.html"], site / "pagefind" / "0")], "en")
        finally:
            os._exit(1)
    deadline = time.monotonic() + 10
    while not _sleeping_in(site) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _sleeping_in(site), "the indexer did not start"
    os.kill(build, signal.SIGKILL)
    os.waitpid(build, 0)
    deadline = time.monotonic() + 5
    while _sleeping_in(site) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not _sleeping_in(site), "the indexer ran on after its build was killed"


def _sleeping_in(folder: Path) -> list[int]:
    """The processes running `sleep` in a working folder inside `folder`."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                name = Path(entry.path, "comm").read_text().strip()
                cwd = os.readlink(Path(entry.path, "cwd"))
            except OSError:
                continue
            if name == "sleep" and Path(cwd).is_relative_to(folder):
                found.append(int(entry.name))
    return found
