#!/usr/bin/env python3
"""Save-to-reload latency of `build.py serve`: python bench/serve_latency.py [--sizes embedded,1000,10000]

For each site, a fresh `build.py serve --port 0` process on a scratch copy, then EDITS edits
to claim files, one at a time, each as an editor makes it: a /livereload/<epoch>?page=<the
claim's page> request is already waiting (as the open page's script would be), the file is
written, and the clock runs until that request answers "reload" (the reload signal), then
until the edited claim's page has come back (what the reader sees after the reload). Edits are
spaced by --pause seconds, as a person's are. Prints the median and p95 of both, and the
server's own build times.

Sites: "embedded" is a copy of the project's content/ and seeds/; a number N is a synthetic
root of N claims, from bench/make_corpus.py when it exists, else the embedded claims cloned
under new ids (<id>-00042.yaml). A new site is left to age for --age seconds before the server
starts, as files on disk usually are: a file read within 2 s of its last change is read again
at the next build (incremental.RACY_NS), which the first edit after writing 10,000 files would
otherwise pay for. The goal is a signal within 100 ms at 1,000 claims.

--compare-livereload measures the same edits against a server built on the `livereload`
package (its tornado server, its watcher, its WebSocket reload message), serving the same
in-memory builds, for the README's comparison. Numbers only; this is not a test.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
# The code that serves: the project, or the snapshot of it that bench/run.py measures.
CODE_DIR = Path(os.environ.get("BENCH_CODE_DIR") or PROJECT_DIR).resolve()
PYTHON = sys.executable


# --- sites ------------------------------------------------------------------------------------

def make_site(size: str, parent: Path) -> Path:
    root = parent / f"site-{size}"
    if size == "embedded":
        root.mkdir()
        shutil.copytree(PROJECT_DIR / "content", root / "content")
        shutil.copytree(PROJECT_DIR / "seeds", root / "seeds")
        return root
    n = int(size)
    generator = BENCH_DIR / "make_corpus.py"
    if generator.exists():
        subprocess.run([PYTHON, str(generator), str(n), str(root)], check=True, stdout=subprocess.DEVNULL)
        return root
    root.mkdir()
    shutil.copytree(PROJECT_DIR / "content", root / "content")
    shutil.copytree(PROJECT_DIR / "seeds", root / "seeds")
    claims = root / "content" / "claims"
    originals = sorted(claims.glob("*.yaml"))
    for i in range(n - len(originals)):
        source = originals[i % len(originals)]
        shutil.copy(source, claims / f"{source.stem}-{i:05d}.yaml")
    return root


def edit(path: Path, k: int) -> str:
    """Change what the claim's page shows (its claimant); returns a marker to look for on it."""
    text = path.read_text(encoding="utf-8")
    marker = f"Edit {k:03d}"
    new, count = re.subn(r'^  name: "(?:Edit \d+, )?', f'  name: "{marker}, ', text, count=1, flags=re.M)
    if not count:
        new, count = re.subn(r"^  name: (?:Edit \d+, )?", f"  name: {marker}, ", text, count=1, flags=re.M)
    assert count, f"no claimant line in {path}"
    with open(path, "w", encoding="utf-8") as handle:  # one write, as an editor's save
        handle.write(new)
    return marker


# --- our server -----------------------------------------------------------------------------------

class Served:
    """A `build.py serve` process on a free port, with its output collected."""

    def __init__(self, root: Path):
        self.proc = subprocess.Popen([PYTHON, str(CODE_DIR / "build.py"), "serve", "--root", str(root),
                                      "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, bufsize=1, cwd=PROJECT_DIR)
        self.lines: list[str] = []
        self.port = 0
        ready = threading.Event()

        def read() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                self.lines.append(line.rstrip("\n"))
                found = re.search(r"serving http://127\.0\.0\.1:(\d+)/", line)
                if found:
                    self.port = int(found.group(1))
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        started = time.perf_counter()
        ready.wait(timeout=900)
        if not self.port:
            self.stop()
            raise RuntimeError("the server did not start:\n" + "\n".join(self.lines[-20:]))
        self.first_build = time.perf_counter() - started

    def get(self, path: str, timeout: float = 60) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def build_times(self) -> list[float]:
        return self._times(r"built in (\d+) ms")

    def early_times(self) -> list[float]:
        """How long the edited claim pages took, when they were made ahead of the build."""
        return self._times(r"edited claim page\(s\) shown in (\d+) ms")

    def _times(self, pattern: str) -> list[float]:
        return [float(m.group(1)) for line in self.lines for m in [re.search(pattern, line)] if m]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def measure(root: Path, edits: int, pause: float) -> dict:
    served = Served(root)
    try:
        claims = sorted((root / "content" / "claims").glob("*.yaml"))
        picks = [claims[(i * 7919) % len(claims)] for i in range(edits)]
        epoch = int(served.get("/livereload/-1")[1])
        signal, page = [], []
        for k, path in enumerate(picks):
            answer: list[tuple[float, bytes]] = []

            def wait(e: int = epoch, page: str = f"/claims/{path.stem}/",
                     answer: list[tuple[float, bytes]] = answer) -> None:
                _, body = served.get(f"/livereload/{e}?page={page}")  # as the edited claim's open page asks
                answer.append((time.perf_counter(), body))

            waiting = threading.Thread(target=wait)
            waiting.start()
            time.sleep(pause)  # the request is in and waiting; and a person does not save ten times a second
            started = time.perf_counter()
            marker = edit(path, k)
            waiting.join(timeout=120)
            if not answer:
                raise RuntimeError(f"no reload signal after editing {path.name}")
            signalled, body = answer[0]
            said, new_epoch = body.decode().split()
            if said != "reload":
                raise RuntimeError(f"no reload of its page after editing {path.name}: {body!r}")
            epoch = int(new_epoch)
            status, html = served.get(f"/claims/{path.stem}/")
            shown = time.perf_counter()
            if status != 200 or marker.encode() not in html:
                raise RuntimeError(f"the edit to {path.name} is not on its page (status {status})")
            signal.append((signalled - started) * 1000)
            page.append((shown - started) * 1000)
        builds = served.build_times()[1:]  # the first is the cold build
        return {"claims": len(claims), "first_build_s": served.first_build, "signal_ms": signal, "page_ms": page,
                "early_ms": served.early_times(), "build_ms": builds}
    finally:
        served.stop()


# --- the livereload package, for comparison ---------------------------------------------------------

LIVERELOAD_SERVER = r'''
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from livereload import Server
from site_builder.incremental import Builder

root, port = Path(sys.argv[1]), int(sys.argv[2])
builder = Builder(root, f"http://127.0.0.1:{port}/")
site = {"snapshot": builder.build().snapshot}

def rebuild():
    result = builder.build()
    if result.ok:
        site["snapshot"] = result.snapshot

def app(environ, start_response):
    path = environ.get("PATH_INFO", "/").lstrip("/")
    if path == "" or path.endswith("/"):
        path += "index.html"
    data = site["snapshot"].get(path)
    if data is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    kind = "text/html; charset=utf-8" if path.endswith(".html") else "application/octet-stream"
    start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(data)))])
    return [data]

server = Server(app)
server.watch(str(root / "content"), rebuild)
print("ready", flush=True)
server.serve(port=port, host="127.0.0.1", restart_delay=0, debug=False)
'''


def measure_livereload(root: Path, edits: int, pause: float) -> dict:
    """Latency from a save to the package's WebSocket "reload" message; dropped reloads counted."""
    import asyncio
    import socket

    from tornado.websocket import websocket_connect

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([PYTHON, "-c", LIVERELOAD_SERVER, str(root), str(port), str(PROJECT_DIR)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        proc.stdout.readline()  # "ready": the first build is done
        claims = sorted((root / "content" / "claims").glob("*.yaml"))

        async def run() -> dict:
            for _ in range(100):
                try:
                    ws = await websocket_connect(f"ws://127.0.0.1:{port}/livereload")
                    break
                except OSError:
                    await asyncio.sleep(0.1)
            await ws.write_message(json.dumps({"command": "hello",
                                               "protocols": ["http://livereload.com/protocols/official-7"]}))
            await ws.read_message()  # the server's hello
            # livereload.js says which page it is on; only then does the server count it as waiting.
            await ws.write_message(json.dumps({"command": "info", "url": f"http://127.0.0.1:{port}/"}))
            latencies, dropped = [], 0
            await asyncio.sleep(3.5)  # past the 3 s after the start in which a change is ignored
            for k in range(edits):
                await asyncio.sleep(pause)
                try:  # a reload sent late, for an earlier edit, is not this edit's
                    while True:
                        await asyncio.wait_for(ws.read_message(), timeout=0.01)
                except TimeoutError:
                    pass
                started = time.perf_counter()
                edit(claims[(k * 7919) % len(claims)], k)
                try:
                    while True:
                        message = json.loads(await asyncio.wait_for(ws.read_message(), timeout=5))
                        if message.get("command") == "reload":
                            latencies.append((time.perf_counter() - started) * 1000)
                            break
                except TimeoutError:
                    dropped += 1
            ws.close()
            return {"claims": len(claims), "signal_ms": latencies, "dropped": dropped}

        return asyncio.run(run())
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --- report -------------------------------------------------------------------------------------------

def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def summary(values: list[float]) -> str:
    if not values:
        return "-"
    return f"median {statistics.median(values):7.1f}  p95 {p95(values):7.1f}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="embedded,1000,10000", help="comma-separated: embedded and/or claim counts")
    parser.add_argument("--edits", type=int, default=10, help="edits per site (default 10)")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between edits (default 0.5)")
    parser.add_argument("--age", type=float, default=2.5, help="seconds between writing a site and serving it")
    parser.add_argument("--compare-livereload", action="store_true",
                        help="also measure a server built on the livereload package")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args(argv)

    results = {}
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; {args.edits} edits per site, "
          f"{args.pause} s apart; times in ms from the write of a claim file")
    with tempfile.TemporaryDirectory(prefix="serve-latency-") as tmp:
        for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
            root = make_site(size, Path(tmp))
            time.sleep(args.age)
            r = measure(root, args.edits, args.pause)
            results[size] = r
            print(f"\n{size} ({r['claims']} claims; first build {r['first_build_s']:.1f} s)")
            print(f"  reload signal      {summary(r['signal_ms'])}")
            print(f"  edited page served {summary(r['page_ms'])}")
            print(f"  edited pages made  {summary(r['early_ms'])} (ahead of the build)")
            print(f"  server's builds    {summary(r['build_ms'])}")
            if args.compare_livereload:
                lr = measure_livereload(root, args.edits, args.pause)
                results[size]["livereload_package"] = lr
                print(f"  livereload package: reload message {summary(lr['signal_ms'])}; "
                      f"{lr['dropped']} of {args.edits} edits got no reload")
            shutil.rmtree(root, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
