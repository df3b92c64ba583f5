"""The slowest quotes we can construct, timed on seeds at the size limit: prints seconds per quote.

    python bench/hostile_quotes.py [--size 5000000]

Times are wall-clock and CPU seconds: on a shared machine the CPU time is the steadier number.
Each case is a seed shape and a quote written to make anchoring work hard: many ellipsis
parts with the last one missing, a first part found everywhere, a long part that is nearly
there (the "did you mean" search), a text of one repeated letter. It prints, for each, the
seconds to answer (anchor or error), the answer, and the memory that indexing the seed
took. SECURITY.md's limits table quotes these numbers.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from site_builder.anchor import MAX_QUOTE_PARTS, SourceIndex, anchor_excerpt
from site_builder.errors import Problems
from site_builder.load import Loaded, YamlDoc
from site_builder.model import Claim, Excerpt, Source
from site_builder.validate import _check_tag_spellings

WORDS = ["the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on", "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "they", "you", "were", "her", "she", "there", "been", "one", "all", "we", "their", "has", "would", "when", "if", "so", "no", "will", "more", "about", "out", "up", "said", "fighters", "border", "iraq", "syria", "militia", "government", "forces", "reported", "minister"]


def prose(size: int, rng: random.Random) -> str:
    lines, total = [], 0
    while total < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 120))) + ".\n"
        lines.append(line)
        total += len(line)
    return "".join(lines)[:size]


def seeds(size: int) -> dict[str, str]:
    rng = random.Random(14)
    text = prose(size, rng)
    return {
        "prose": text,
        "one line of prose": text.replace("\n", " "),
        "prose with no sentence end": text.replace("\n", " ").replace(".", ""),
        "one letter": "a" * size,
        "one letter, lines of 80": ("a" * 79 + "\n") * (size // 80),
        "prose, not NFC": text.replace("e", "e\u0301"),
    }


def quotes(text: str) -> dict[str, str]:
    words = text[:60_000].split()
    middle = words[len(words) // 2:len(words) // 2 + 300]  # about 2,000 characters of prose
    return {
        f"{MAX_QUOTE_PARTS} common parts, last missing": " ... ".join(["the"] * (MAX_QUOTE_PARTS - 1) + ["zebra"]),
        f"{MAX_QUOTE_PARTS} parts of less common words, last missing": " ... ".join(
            ["fighters", "border", "iraq", "syria", "militia"] * 3 + ["government", "forces", "reported", "minister", "zebra"]),
        "a misquote in a long passage": " ".join(middle[:150] + ["zebra"] + middle[151:])[:2000],
        f"{MAX_QUOTE_PARTS} one-letter parts": " ... ".join(["a"] * MAX_QUOTE_PARTS),
        f"{MAX_QUOTE_PARTS} parts of 'aaaa', last 'aab'": " ... ".join(["aaaa"] * (MAX_QUOTE_PARTS - 1) + ["aab"]),
        "1,000 parts (over the limit)": " ... ".join(["the"] * 1000),
        "2,000 characters nearly there": " ".join(words[:400])[:1990] + " zebra",
        "2,000 characters of 'a' then 'b'": "a" * 1999 + "b",
        "100 characters of 'a' then 'b'": "a" * 99 + "b",
        "short, missing": "zebra crossing",
    }


def time_tag_spellings(claims: int, per_claim: int = 20) -> float:
    """Seconds for the tag-spelling check over `claims` claims of `per_claim` different random tags."""
    rng = random.Random(claims)
    letters = "abcdefghijklmnopqrstuvwxyz-"
    made = [Claim(f"c{i}", f"content/claims/c{i}.yaml", "A claim.", "Someone", "2024-12-02", "false", "A summary.",
                  "2024-12-08", (), tags=tuple("".join(rng.choice(letters) for _ in range(rng.randint(6, 30))).strip("-")
                                                 for _ in range(per_claim)))
            for i in range(claims)]
    loaded = Loaded(Path("."), None, None, None, [YamlDoc(c.path, {}) for c in made], [], {})
    started = time.process_time()
    _check_tag_spellings(made, loaded, Problems())
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=5_000_000, help="characters in each seed")
    parser.add_argument("--tags-only", action="store_true", help="time only the tag-spelling check")
    args = parser.parse_args()
    claim = Claim("bench", "content/claims/bench.yaml", "A claim.", "Someone", "2024-12-02", "false",
                  "A summary.", "2024-12-08", (), "", (), (), "", "", (), "", 1)
    slowest = (0.0, "", "")
    for shape, text in ({} if args.tags_only else seeds(args.size)).items():
        source = Source("seed", "seeds/seed.txt", text, "Seed", "en", "0" * 64)
        started = time.perf_counter()
        index = SourceIndex(source)
        indexed = time.perf_counter() - started
        tracemalloc.start()  # a second time, measured: tracing slows it down several times
        SourceIndex(source)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"\n{shape}: {len(text):,} characters, indexed in {indexed:.2f} s, "
              f"{peak / len(text):.0f} bytes a character at the peak")
        for name, quote in quotes(text).items():
            problems = Problems()
            started, cpu = time.perf_counter(), time.process_time()
            found = anchor_excerpt(claim, Excerpt(1, "seed", quote, "refutes", line=1, col=1), index, problems)
            took, cpu = time.perf_counter() - started, time.process_time() - cpu
            answer = "anchored" if found else (problems.items[0].message[:70] if problems.items else "?")
            print(f"  {took:6.3f} s ({cpu:6.3f} s of CPU)  {name}: {answer}")
            if took > slowest[0]:
                slowest = (took, shape, name)
    print(f"\nslowest: {slowest[0]:.3f} s, '{slowest[2]}' on '{slowest[1]}' ({args.size:,} characters)")
    for claims in (200, 5_000):
        print(f"tag spellings, {claims:,} claims of 20 tags: {time_tag_spellings(claims):.2f} s of CPU")


if __name__ == "__main__":
    main()
