"""Shared fixtures: scratch copies of the embedded site, and running the command line."""
from __future__ import annotations

import contextlib
import fcntl
import io
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from site_builder import cli

PROJECT = Path(__file__).resolve().parent.parent


@dataclass
class Run:
    code: int
    out: str
    err: str


@contextlib.contextmanager
def _as_a_process(args: list[str]) -> Iterator[None]:
    """What `python build.py ARGS` with its output captured sees: its own argv, and no terminal
    to take the width of help text from (argparse falls back to COLUMNS, else 80)."""
    saved_argv, saved_columns = sys.argv, os.environ.get("COLUMNS")
    sys.argv = [str(PROJECT / "build.py"), *args]
    os.environ.setdefault("COLUMNS", "80")
    try:
        yield
    finally:
        sys.argv = saved_argv
        if saved_columns is None:
            os.environ.pop("COLUMNS", None)


class _OneThread(io.TextIOBase):
    """A stream that keeps what one thread writes and passes on what other threads do (a test's
    server thread printing late, say), as a separate process would never see them."""

    def __init__(self, passed_on: Any) -> None:
        self.kept, self.passed_on, self.thread = io.StringIO(), passed_on, -1

    def write(self, text: str) -> int:
        return (self.kept if threading.get_ident() == self.thread else self.passed_on).write(text)

    def flush(self) -> None:
        self.passed_on.flush()


def run_cli(*args: str, cwd: Path = PROJECT) -> Run:
    """Run the command line in this process, as `python build.py ARGS` in `cwd` would, capturing its output.

    It runs in a thread of its own, so that nothing of the caller's thread (Playwright's event
    loop, say) is around it. An exception that build.py would print as a traceback is raised here.
    """
    out, err = _OneThread(sys.stdout), _OneThread(sys.stderr)
    outcome: dict[str, Any] = {}

    def command() -> None:
        out.thread = err.thread = threading.get_ident()
        try:
            outcome["code"] = cli.main(list(args))
        except SystemExit as exit_:  # argparse's way out, for --help, --version and wrong usage
            outcome["code"] = exit_.code if isinstance(exit_.code, int) else 1
        except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread, below
            outcome["error"] = exc

    with contextlib.chdir(cwd), _as_a_process(list(args)), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        thread = threading.Thread(target=command, name="build.py")
        thread.start()
        thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return Run(outcome["code"], out.kept.getvalue(), err.kept.getvalue())


def run_process(*args: str, cwd: Path = PROJECT) -> Run:
    """Run build.py in a fresh process: for what only a process shows (its exit status, a new
    hash seed, being killed)."""
    proc = subprocess.run([sys.executable, str(PROJECT / "build.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def copy_site(folder: Path, claims: int | None = None) -> Path:
    """A copy of the embedded site's content and seeds in folder/site; with `claims`, only that many
    of its claims (the first by name)."""
    root = folder / "site"
    root.mkdir()
    shutil.copytree(PROJECT / "content", root / "content")
    shutil.copytree(PROJECT / "seeds", root / "seeds")
    if claims is not None:
        for extra in sorted((root / "content" / "claims").glob("*.yaml"))[claims:]:
            extra.unlink()
    return root


@pytest.fixture
def site_root(tmp_path: Path) -> Path:
    """A scratch copy of the embedded site's content and seeds."""
    return copy_site(tmp_path)


@pytest.fixture
def small_site_root(tmp_path: Path) -> Path:
    """A scratch copy of the embedded site with five of its claims, for tests of folders, locks and
    processes rather than of content: it builds in half the time."""
    return copy_site(tmp_path, claims=5)


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """A folder that `make` fills once for the whole run, however many test processes (pytest-xdist's
    workers) ask for it: the first makes it while the others wait. For what tests only read."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's folder, above each worker's own
    folder = shared / f"once-{name}"
    with open(shared / f"once-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / f"once-{name}.done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            (shared / f"once-{name}.done").touch()
    return folder


def _build_into(*options: str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        result = run_cli("build", "--out", str(folder / "_site"), *options)
        assert result.code == 0, result.err
    return make


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded site, built once for the tests that only read it."""
    return made_once(tmp_path_factory, "built", _build_into()) / "_site"


@pytest.fixture(scope="session")
def local_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded site built for the root of a local server (so 404.html's links resolve), built once."""
    return made_once(tmp_path_factory, "local", _build_into("--base-url", "http://127.0.0.1/")) / "_site"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for all the browser tests of a test process (starting one costs a second of
    processor time); use it through `browser`, or `closing_contexts` in a fixture of a wider scope."""
    from browser import launch_chromium, sync_playwright

    with sync_playwright() as playwright:
        launched = launch_chromium(playwright)
        yield launched
        launched.close()


@contextlib.contextmanager
def closing_contexts(chromium: Any) -> Iterator[Any]:
    """The browser, with every context (and page) opened while this holds closed at its end."""
    before = set(chromium.contexts)
    try:
        yield chromium
    finally:
        for context in chromium.contexts:
            if context not in before:
                context.close()


@pytest.fixture
def browser(chromium: Any) -> Iterator[Any]:
    """The test process's Chromium, for one test: what the test opens in it is closed after it."""
    with closing_contexts(chromium) as opened:
        yield opened


# Fuzzing profiles: 200 inputs a test in `make test`, 50 in `make test-fast` (HYPOTHESIS_PROFILE=quick),
# 10,000 with `make fuzz` (HYPOTHESIS_PROFILE=long).
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("default", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("quick", max_examples=50, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=10_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow and browser tests first: `make test` spreads the tests over the processors, and a long
    test started last would keep one of them busy after the others are done."""
    items.sort(key=lambda item: 0 if item.get_closest_marker("slow") else 1 if item.get_closest_marker("browser") else 2)
