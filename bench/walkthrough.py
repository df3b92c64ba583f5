"""README's "Start your own site", step by step in a temporary folder, each step timed.

    python bench/walkthrough.py [--keep DIR]

Builds a wheel of this repository, installs it into a fresh virtual environment (its
dependencies from the package index, as a newsroom's `pip install` gets them), then, with
the environment's `factcheck` called by its path (not activated): `init`, `add source`
from a page served on this machine, `new claim`, the edit a person makes (filling the claim
and the draft pages), `check --strict` and `build`. Prints each command and its seconds.
tests/test_newsroom.py runs the same steps and checks what each one made.
"""
from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PAGES = PROJECT / "tests" / "fixtures" / "pages"
CLAIM_ID = "bus-fares-will-not-rise"
QUOTE = "Nobody who depends on the bus will pay more this year"


@dataclass
class Step:
    name: str
    command: str  # as the user types it
    seconds: float
    code: int
    out: str
    err: str


def run(name: str, argv: list[str], cwd: Path, shown: str = "") -> Step:
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=900)
    return Step(name, shown or shlex.join(argv), time.perf_counter() - started, proc.returncode, proc.stdout,
                proc.stderr)


@contextmanager
def page_server() -> Iterator[str]:
    """The fixture pages on http://127.0.0.1:<port>/, as a newsroom's web page would be."""
    handler = partial(_Quiet, directory=str(PAGES))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def install(folder: Path, own_pip: bool = True) -> tuple[Path, list[Step]]:
    """A wheel of this repository installed into a fresh virtual environment; its `factcheck`.

    With `own_pip` (the README's steps) the environment gets a pip of its own, which installs the
    wheel; without, this Python's pip installs into it (`pip --python`): the same packages, in a
    third of the time, for the tests."""
    wheels, venv = folder / "wheels", folder / "venv"
    steps = [run("build the wheel", [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels),
                                     str(PROJECT)], folder, f"pip wheel --no-deps -w wheels {PROJECT}")]
    wheel = next(wheels.glob("*.whl"), None) if steps[0].code == 0 else None
    if own_pip:
        steps.append(run("fresh venv", [sys.executable, "-m", "venv", str(venv)], folder, "python3 -m venv venv"))
        steps.append(run("pip install", [str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)], folder,
                         f"venv/bin/pip install {wheel.name if wheel else '?'}"))
    else:
        steps.append(run("fresh venv", [sys.executable, "-m", "venv", "--without-pip", str(venv)], folder,
                         "python3 -m venv --without-pip venv"))
        steps.append(run("pip install", [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                                         "install", "--quiet", str(wheel)], folder,
                         f"pip --python venv/bin/python install {wheel.name if wheel else '?'}"))
    return venv / "bin" / "factcheck", steps


def fill_claim(path: Path, seed_id: str) -> None:
    """What a person types into the skeleton `new claim` wrote."""
    text = path.read_text(encoding="utf-8")
    for placeholder, value in [
        ('"TODO: the claim, in one sentence"', '"Bus fares will not rise this year."'),
        ('"TODO: who made the claim"', '"Daniel Reyes, transport chair of the city council"'),
        ('"TODO: YYYY-MM-DD"', "2025-03-04"),
        ('"TODO: a verdict key"', "unproven"),
        ("TODO: the verdict in two or three sentences.",
         "The council promises it; the opposition says the money it relies on is already committed."),
        ("TODO: the reasoning, or remove this key.", "The promise rests on reserves that are disputed."),
        (f'"TODO: a seed id, such as {seed_id}"', seed_id),
        ('"TODO: the source\'s exact words"', f'"{QUOTE}"'),
        ("stance: supports", "stance: context"),
    ]:
        text = text.replace(placeholder, value)
    path.write_text(text, encoding="utf-8")


def fill_pages(root: Path) -> None:
    """The transparency pages, written: every TODO line replaced by the newsroom's own words."""
    for page in (root / "content" / "pages").glob("*.md"):
        lines = page.read_text(encoding="utf-8").split("\n")
        page.write_text("\n".join("Written by the newsroom." if "TODO:" in line else line for line in lines),
                        encoding="utf-8")


def walk(folder: Path, factcheck: Path, page_url: str) -> list[Step]:
    """From an empty folder to a built site, as the README tells it; stops at the first failure."""
    prog = str(factcheck)
    site = folder / "courier-checks"
    steps = [run("init", [prog, "init", "courier-checks", "--title", "Courier Checks",
                          "--base-url", "https://checks.courier.example/", "--organisation", "The Riverside Courier",
                          "--organisation-url", "https://courier.example/", "--contact", "checks@courier.example"],
                 folder)]
    if steps[-1].code:
        return steps
    steps.append(run("add source", [prog, "add", "source", page_url + "article.html"], site))
    seeds = sorted(site.glob("seeds/*.txt"))
    if steps[-1].code or not seeds:
        return steps
    steps.append(run("new claim", [prog, "new", "claim", CLAIM_ID], site))
    if steps[-1].code:
        return steps
    started = time.perf_counter()
    fill_claim(site / "content" / "claims" / f"{CLAIM_ID}.yaml", seeds[0].stem)
    fill_pages(site)
    steps.append(Step("fill in the claim and the pages", "(an editor)", time.perf_counter() - started, 0, "", ""))
    steps.append(run("check", [prog, "check", "--strict"], site))
    if steps[-1].code:
        return steps
    steps.append(run("build", [prog, "build"], site))
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="do it in this (new) folder and keep it, instead of a temporary one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="walkthrough-") as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        factcheck, steps = install(folder)
        if all(s.code == 0 for s in steps):
            with page_server() as url:
                steps += walk(folder, factcheck, url)
        print(f"{'step':34} {'seconds':>8}  command")
        for step in steps:
            print(f"{step.name:34} {step.seconds:8.2f}  {step.command}")
            if step.code:
                print(f"failed with exit code {step.code}:\n{step.err or step.out}", file=sys.stderr)
                return 1
        print(f"{'total':34} {sum(s.seconds for s in steps):8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
