"""A build killed at any moment leaves the last good site or the new complete one, never a mix."""
from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import PROJECT, run_cli

KILLS = 24


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_killed_builds_never_leave_a_mix(site_root: Path, tmp_path: Path) -> None:
    out = site_root / "_site"
    assert run_cli("build", "--root", str(site_root)).code == 0
    old = _tree(out)
    claim = site_root / "content" / "claims" / "assad-asked-iraq-for-reinforcements.yaml"
    claim.write_text(claim.read_text(encoding="utf-8").replace("summary: >-\n", "summary: >-\n  Changed. ", 1),
                     encoding="utf-8")
    new_reference = tmp_path / "reference"
    assert run_cli("build", "--root", str(site_root), "--out", str(new_reference)).code == 0
    new = _tree(new_reference)
    assert new != old

    rng = random.Random(20241202)
    started = time.monotonic()
    subprocess.run([sys.executable, str(PROJECT / "build.py"), "build", "--root", str(site_root),
                    "--out", str(tmp_path / "timing")], check=True, capture_output=True)
    full = time.monotonic() - started
    outcomes = {"old": 0, "new": 0}
    now = old
    for _ in range(KILLS):
        if now != old:  # put the old site back for the next build to replace
            shutil.rmtree(out)
            _restore(out, old)
        proc = subprocess.Popen([sys.executable, str(PROJECT / "build.py"), "build", "--root", str(site_root)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, full * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = _tree(out)
        assert now in (old, new), "the output is a mix of two builds"
        outcomes["old" if now == old else "new"] += 1
        leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith("._site.")]
        # A killed build may leave its work folder beside the output; the next build removes it.
        assert all(name.startswith(("._site.building-", "._site.old-")) for name in leftovers)
    assert run_cli("build", "--root", str(site_root)).code == 0
    assert not [p for p in out.parent.iterdir() if p.name.startswith("._site.")]
    assert _tree(out) == new
    print(f"killed {KILLS} builds: {outcomes['old']} left the old site, {outcomes['new']} the new one")


def _restore(out: Path, tree: dict[str, bytes]) -> None:
    for rel, data in tree.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
