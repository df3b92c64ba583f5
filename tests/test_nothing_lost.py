"""Nothing lost: no command line, concurrent build or failing disk deletes a file the build did
not make, or publishes part of a site with exit 0."""
from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import PROJECT, run_cli

from site_builder.write import MARKER, output_lock


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, hidden ones included, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink()}


def _with_git(root: Path) -> None:
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (root / "notes.txt").write_text("my notes\n", encoding="utf-8")


@pytest.mark.parametrize(("out", "reason"), [
    (".", "is the site root"),
    ("content", "is {root}/content, which the build reads"),
    ("content/claims", "lies inside {root}/content"),
    ("seeds", "is {root}/seeds, which the build reads"),
    ("notes.txt", "is a file, not a folder"),
    (".git", "holds files that no build made"),
    ("..", "holds {root}, which the build reads"),
])
def test_an_output_folder_that_would_lose_files_is_refused(small_site_root: Path, out: str, reason: str) -> None:
    _with_git(small_site_root)
    _refused(small_site_root, ["--out", out], reason.format(root=small_site_root), ("--out", "_site"))



@pytest.mark.parametrize(("cache", "reason"), [
    (".", "is the site root"),
    ("content", "is {root}/content, which the build reads"),  # its pages/ would be taken for the page store
    ("content/claims", "lies inside {root}/content"),
    ("_site", "is {root}/_site, the output folder"),
    (".git", "holds files that no build made"),
    ("notes.txt", "is a file, not a folder"),
])
def test_a_cache_folder_whose_cleaning_would_lose_files_is_refused(small_site_root: Path, cache: str,
                                                                    reason: str) -> None:
    _with_git(small_site_root)
    assert run_cli("build", "--root", str(small_site_root), "--no-search", "--no-cache").code == 0
    _refused(small_site_root, ["--cache-dir", cache], reason.format(root=small_site_root),
             ("--cache-dir", ".cache/site-builder"))


def _refused(root: Path, given: list[str], reason: str, fixes: tuple[str, str]) -> None:
    """A build given this folder is refused with the reason and a fix named, and touches nothing."""
    before = tree(root.parent)
    result = run_cli("build", "--root", str(root), *given, "--no-search", cwd=root)
    assert result.code == 2, result.err
    assert reason in result.err
    assert any(fix in result.err for fix in fixes)  # the fix is named
    assert "Traceback" not in result.err
    assert tree(root.parent) == before


def test_a_cache_folder_is_tagged_and_the_default_one_used_untagged(small_site_root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert run_cli("build", "--root", str(small_site_root), "--cache-dir", str(cache), "--no-search").code == 0
    assert (cache / "CACHEDIR.TAG").read_bytes().startswith(b"Signature: 8a477f597d28d172789f06886806bc55")
    assert run_cli("build", "--root", str(small_site_root), "--cache-dir", str(cache), "--no-search",
                   "--out", str(tmp_path / "again")).code == 0  # its own folder, tagged: used again
    default = small_site_root / ".cache" / "site-builder"
    default.mkdir(parents=True)
    (default / "memo.pickle").write_bytes(b"from a version that did not tag its cache")
    assert run_cli("build", "--root", str(small_site_root), "--no-search").code == 0

def test_a_folder_of_someone_elses_files_is_refused_and_an_empty_or_own_one_is_used(small_site_root: Path,
                                                                                      tmp_path: Path) -> None:
    foreign = tmp_path / "www"
    foreign.mkdir()
    (foreign / "index.html").write_text("someone's page", encoding="utf-8")
    result = run_cli("build", "--root", str(small_site_root), "--out", str(foreign), "--no-search")
    assert result.code == 2 and "holds files that no build made" in result.err
    assert tree(foreign) == {"index.html": b"someone's page"}

    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli("build", "--root", str(small_site_root), "--out", str(empty), "--no-search").code == 0
    assert (empty / MARKER).is_file() and (empty / "index.html").is_file()
    # The folder is now the build's own: building into it again replaces it.
    about = small_site_root / "content" / "pages" / "about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\nAnother line.\n", encoding="utf-8")
    assert run_cli("build", "--root", str(small_site_root), "--out", str(empty), "--no-search").code == 0
    assert "Another line." in (empty / "about" / "index.html").read_text(encoding="utf-8")


def test_a_linked_output_folder_is_refused_and_the_link_kept(small_site_root: Path, tmp_path: Path) -> None:
    target = tmp_path / "served"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target, target_is_directory=True)
    result = run_cli("build", "--root", str(small_site_root), "--out", str(link), "--no-search")
    assert result.code == 2 and "is a symbolic link" in result.err
    assert link.is_symlink() and target.is_dir()


def _build(root: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(PROJECT / "build.py"), "build", "--root", str(root),
                             "--out", str(out), *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_concurrent_builds_into_one_folder_take_turns_and_publish_whole_sites(small_site_root: Path,
                                                                               tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    assert run_cli("build", "--root", str(small_site_root), "--out", str(reference)).code == 0
    expected = tree(reference)
    out = tmp_path / "out"
    runs = 3
    for _ in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        # Four builds that all want the folder at once: each is held back until all four wait, then let go
        # together, so that however fast a build is, they overlap.
        with output_lock(out):
            builds = [_build(small_site_root, out) for _ in range(4)]
            said = [b.stderr.readline() for b in builds]  # a build's first words, once it waits
        assert all("waiting: another build is writing" in line for line in said), said
        results = [(b.wait(timeout=600), b.stderr.read()) for b in builds]
        for b in builds:
            b.stdout.close()
            b.stderr.close()
        assert [code for code, _err in results] == [0, 0, 0, 0], results
        assert tree(out) == expected  # the search index included
        assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # no work folder, no lock
    print(f"{runs} rounds of 4 builds let go at once: all exit 0 with the whole site")


@pytest.mark.slow
def test_builds_sharing_a_cache_folder_take_turns(small_site_root: Path, tmp_path: Path) -> None:
    # Each build removes from the cache's page store what its own site does not use: a build of another
    # output folder (or another root given the same --cache-dir) must not do so while this one links pages.
    cache = tmp_path / "shared-cache"
    first = tmp_path / "first"
    assert run_cli("build", "--root", str(small_site_root), "--out", str(first), "--cache-dir", str(cache)).code == 0
    with output_lock(cache):  # as a build of another folder with this cache holds it
        waiting = _build(small_site_root, tmp_path / "second", "--cache-dir", str(cache))
        said = waiting.stderr.readline()  # its first words: that it waits, or whatever it says instead
        assert "or to the build cache" in said and waiting.poll() is None, \
            f"the build did not wait for the build that holds the cache: {said}"
    assert waiting.wait(timeout=300) == 0
    waiting.stdout.close()
    waiting.stderr.close()
    assert tree(tmp_path / "second") == tree(first)


@pytest.mark.slow
def test_a_build_waits_while_another_holds_the_folder_and_leaves_its_work_alone(small_site_root: Path,
                                                                                 tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("build", "--root", str(small_site_root), "--out", str(out), "--no-search").code == 0
    working = tmp_path / ".out.building-4242"  # the work folder of the build that holds the lock
    with output_lock(out):
        working.mkdir()
        (working / "index.html").write_text("half written", encoding="utf-8")
        waiting = _build(small_site_root, out, "--no-search")
        said = waiting.stderr.readline()  # its first words: that it waits, or whatever it says instead
        assert "waiting: another build is writing to" in said and waiting.poll() is None, \
            f"the second build did not wait: {said}"
        time.sleep(0.5)  # it waits on: what it does meanwhile must leave the running build's work alone
        assert working.is_dir(), "the second build removed the work folder of a running build"
    assert waiting.wait(timeout=300) == 0
    waiting.stdout.close()
    waiting.stderr.close()
    assert not working.exists(), "the work folder of a build that is gone was left"


def _in_namespace(script: str) -> subprocess.CompletedProcess:
    """Run a shell script as root of a new user and mount namespace, where it may mount."""
    if not shutil.which("unshare"):
        pytest.skip("unshare (util-linux) is needed to give the build a full or read-only disk")
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"this system does not allow user namespaces: {probe.stderr.decode().strip()}")
    return subprocess.run(["unshare", "-rm", "sh", "-ec", script], capture_output=True, text=True, timeout=600)


def test_a_full_disk_fails_with_a_message_and_keeps_the_last_site(small_site_root: Path, tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    out = disk / "_site"
    build = f"{sys.executable} {PROJECT / 'build.py'} build --root {small_site_root} --out {out}"
    # A build on a roomy disk, then the same disk with the space of little more than one site.
    result = _in_namespace(f"mount -t tmpfs -o size=20m tmpfs {disk}\n{build} --no-search\n"
                           f"cp -a {out} {tmp_path / 'before'}\n"
                           f"mount -o remount,size=$(( $(du -sk {out} | cut -f1) + 400 ))k tmpfs {disk}\n"
                           f"echo '\nOne more line.' >> {small_site_root / 'content/pages/about.md'}\n"
                           f"{build} || echo exit=$?\n"
                           f"cp -a {out} {tmp_path / 'after'}; ls -a {disk} > {tmp_path / 'listing'}")
    assert "exit=1" in result.stdout, result.stdout + result.stderr
    assert "No space left on device" in result.stderr or "no space left on device" in result.stderr
    assert "free some space" in result.stderr and "Traceback" not in result.stderr
    assert tree(tmp_path / "after") == tree(tmp_path / "before")
    assert sorted((tmp_path / "listing").read_text().split()) == [".", "..", "_site"]  # nothing left behind


def test_a_read_only_disk_fails_with_a_message_and_keeps_the_last_site(small_site_root: Path, tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    out = disk / "_site"
    assert run_cli("build", "--root", str(small_site_root), "--out", str(out), "--no-search").code == 0
    before = tree(out)
    build = f"{sys.executable} {PROJECT / 'build.py'} build --root {small_site_root} --out {out}"
    about = small_site_root / "content" / "pages" / "about.md"
    about.write_text("---\ntitle: About\n---\nChanged.\n", encoding="utf-8")
    result = _in_namespace(f"mount --bind {disk} {disk}\nmount -o remount,bind,ro {disk}\n{build} || echo exit=$?")
    assert "exit=1" in result.stdout, result.stdout + result.stderr
    assert "read-only file system" in result.stderr and "writable disk" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree(out) == before
    assert sorted(p.name for p in disk.iterdir()) == ["_site"]


@pytest.fixture
def open_folder(small_site_root: Path):
    """A folder that another user may enter (pytest's own are the owner's only), holding a copy of the site."""
    folder = Path(tempfile.mkdtemp(prefix="site-builder-"))
    folder.chmod(0o755)
    shutil.copytree(small_site_root, folder / "site")
    yield folder
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(folder)


def _as_another_user(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(PROJECT / "build.py"), *args]
    if os.geteuid() == 0:  # root may write anywhere: build as nobody
        if not shutil.which("setpriv"):
            pytest.skip("setpriv (util-linux) is needed to build as another user")
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd="/",
                          env={**os.environ, "HOME": "/nonexistent"})


def test_a_folder_the_build_may_not_write_fails_with_a_message(open_folder: Path) -> None:
    root = open_folder / "site"
    parent = open_folder / "locked"
    parent.mkdir()
    out = parent / "_site"
    assert run_cli("build", "--root", str(root), "--out", str(out), "--no-search").code == 0
    before = tree(out)
    parent.chmod(0o555)
    result = _as_another_user("build", "--root", str(root), "--out", str(out), "--no-search")
    assert result.returncode == 1, result.stderr
    assert f"{parent}/._site.lock: error: permission denied" in result.stderr, result.stderr
    assert "change its permissions" in result.stderr and "Traceback" not in result.stderr
    assert tree(out) == before


def test_files_and_folders_the_build_may_not_read_are_messages(open_folder: Path) -> None:
    root = open_folder / "site"
    claim = root / "content" / "claims" / "assad-asked-iraq-for-reinforcements.yaml"
    claim.chmod(0o600)
    result = _as_another_user("check", "--root", str(root))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert ("content/claims/assad-asked-iraq-for-reinforcements.yaml: error: cannot be read: permission denied"
            in result.stderr), result.stderr
    root.chmod(0o700)
    result = _as_another_user("check", "--root", str(root))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{root}/content: error: permission denied" in result.stderr, result.stderr


def test_running_out_of_memory_is_a_message_not_a_traceback(small_site_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    # Enough memory to start, not enough to index a seed of almost 5 MB (it takes about 200 MB in all).
    seed = small_site_root / "seeds" / "001_70b4227ab82008e2.txt"
    old_digest = hashlib.sha256(seed.read_bytes()).hexdigest()
    with seed.open("a", encoding="utf-8") as file:
        file.write(("filler words for the memory test " * 30 + "\n") * 4800)
    sources = small_site_root / "seeds" / "sources.yaml"
    sources.write_text(sources.read_text(encoding="utf-8").replace(
        old_digest, hashlib.sha256(seed.read_bytes()).hexdigest()), encoding="utf-8")
    script = (f"ulimit -v 130000; {sys.executable} {PROJECT / 'build.py'} build --root {small_site_root} "
              f"--out {out} --no-search")
    result = subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "error: the build ran out of memory (give it more memory" in result.stderr, result.stderr[-2000:]
    assert not out.exists()


def _page(port: int) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")
    except OSError:
        return 0, ""


def _until(condition, limit: float = 120) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_the_preview_shows_a_link_loop_in_its_overlay_and_keeps_serving(small_site_root: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    preview = subprocess.Popen([sys.executable, str(PROJECT / "build.py"), "serve", "--root", str(small_site_root),
                                "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _until(lambda: _page(port)[0] == 200), "the preview did not start"
        claims = small_site_root / "content" / "claims"
        os.symlink(claims / "b.yaml", claims / "a.yaml")
        os.symlink(claims / "a.yaml", claims / "b.yaml")
        assert _until(lambda: all(text in _page(port)[1] for text in
                                  ("content/claims/a.yaml", "is a symbolic link that leads back to itself")))
        status, body = _page(port)
        assert status == 200 and "Traceback" not in body
        (claims / "a.yaml").unlink()
        (claims / "b.yaml").unlink()
        assert _until(lambda: "leads back to itself" not in _page(port)[1])
        assert preview.poll() is None
    finally:
        preview.terminate()
        preview.wait(timeout=30)
