#!/usr/bin/env python3
"""Profile the in-process pipeline with cProfile: python bench/profile.py N [--top 25] [--sort cumulative] [--search]

Makes (or reuses) the corpus of N claims under bench/out/, runs load, validate, anchor,
(lint), render and write (bench/stages.py) under cProfile, without the Pagefind search
index unless --search is given (it runs in a separate binary, invisible to cProfile), prints the seconds per stage and the
top functions by cumulative time, then the top by own time (tottime), which is where the
time is actually spent. The raw profile is kept in bench/out/profile-N.pstats for
`python -m pstats` or snakeviz.
"""
from __future__ import annotations

import sys
from pathlib import Path

# This file's name hides the standard library's `profile`, which cProfile imports: take
# bench/ off the import path first, and load the sibling modules by their file names.
BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]

import argparse  # noqa: E402
import cProfile  # noqa: E402
import importlib.util  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402


def _sibling(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run = _sibling("run")  # the corpus cache and the code snapshot
stages = None  # loaded in main(), once BENCH_CODE_DIR says which code to import


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, help="number of claims")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="cumulative", help="pstats sort key for the first list")
    parser.add_argument("--code", default="head",
                        help="head: a snapshot of the last commit (default, as bench/run.py); worktree: the files "
                             "as they are; or a folder, such as bench/out/code-<commit> that run.py measured")
    parser.add_argument("--search", action="store_true",
                        help="include the Pagefind search index (a separate binary: cProfile sees only waiting)")
    args = parser.parse_args()

    global stages
    run.OUT_DIR.mkdir(parents=True, exist_ok=True)
    if args.code == "head":
        code, described = run.snapshot_code()
        os.environ["BENCH_CODE_DIR"] = str(code)
    elif args.code == "worktree":
        described = "the working tree"
    else:
        os.environ["BENCH_CODE_DIR"] = str(Path(args.code).resolve())
        described = str(Path(args.code).resolve())
    stages = _sibling("stages")
    print(f"code: {described}")
    corpus = run.ensure_corpus(args.n)
    out = run.OUT_DIR / f"profile-site-{args.n}"
    run.clear(out)

    profiler = cProfile.Profile()
    profiler.enable()
    result = stages.run_stages(corpus, out, search=args.search)
    profiler.disable()
    dump = run.OUT_DIR / f"profile-{args.n}.pstats"
    profiler.dump_stats(dump)

    total = sum(result["seconds"].values())
    print(f"N={args.n}: {result['claims']} claims, {result['sources']} sources, {result['excerpts']} excerpts, "
          f"{result['files']} files; under cProfile (slower than without):")
    for stage in (s for s in stages.ALL_STAGES if s in result["seconds"]):
        s = result["seconds"][stage]
        print(f"  {stage:9} {s:8.2f}s {100 * s / total:5.1f}%")
    print(f"  {'total':9} {total:8.2f}s\n")

    for key, top in ((args.sort, args.top), ("tottime", args.top)):
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats(key)
        stats.print_stats(top)
        text = buffer.getvalue()
        # keep the table, drop pstats' preamble
        print(f"=== top {top} by {key} ===")
        print(text[text.index("   ncalls"):].rstrip() + "\n")
    print(f"raw profile: {dump}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
