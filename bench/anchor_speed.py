"""Anchoring time per quote, for hits and for misses, on the seeds and on a 50,000-character source.

    python bench/anchor_speed.py [--repeat 5]

Hits are the embedded site's own excerpts (and, for the long source, spans of it with
typography changed); misses are the same quotes with one word changed, and paraphrases (each
sentence of the rewrite 000 quoted from 001, the article it rewords; for the long source,
quotes with their words shuffled), so each pays for the "did you mean" search and the word
diff. A source's sentences are indexed on its first miss: "first miss" rows time that miss on
a fresh index. A plain script that prints numbers. Goal: a miss under 10 ms (median) on the
seeds and under 50 ms on a 50,000-character source.
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "bench"))

from make_corpus import Writer  # noqa: E402

from site_builder import pipeline  # noqa: E402
from site_builder.anchor import SourceIndex, anchor_excerpt  # noqa: E402
from site_builder.errors import Problems  # noqa: E402
from site_builder.model import Claim, Excerpt, Source  # noqa: E402


def changed_word(quote: str, rng: random.Random) -> str:
    words = quote.split()
    i = max(range(len(words)), key=lambda k: (len(words[k]), rng.random()))
    words[i] = words[i][::-1] if words[i][::-1] != words[i] else words[i] + "s"
    return " ".join(words)


def time_quotes(index: SourceIndex, quotes: list[str], repeat: int) -> tuple[list[float], int]:
    """Seconds per quote (best of `repeat` runs) and how many anchored."""
    per_quote, found = [], 0
    for quote in quotes:
        excerpt = Excerpt(1, index.source.id, quote, "context", line=1, col=1)
        claim = Claim("bench", "content/claims/bench.yaml", "A claim", "someone", "2024-12-01", "unproven",
                      "summary", "2024-12-02", (excerpt,))
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            result = anchor_excerpt(claim, excerpt, index, Problems())
            best = min(best, time.perf_counter() - start)
        per_quote.append(best)
        found += result is not None
    return per_quote, found


def shuffled(quote: str, rng: random.Random) -> str:
    words = quote.split()
    rng.shuffle(words)
    return " ".join(words)


def first_misses(source: Source, quotes: list[str]) -> list[float]:
    """Seconds for the first miss on a fresh index of the source: its sentences indexed then."""
    out = []
    for quote in quotes:
        index = SourceIndex(source)
        out.append(time_quotes(index, [quote], 1)[0][0])
    return out


def long_source(chars: int, rng: random.Random) -> Source:
    writer, lines, total = Writer(rng), [], 0
    while total < chars:
        line = writer.paragraph()
        lines.append(line)
        total += len(line) + 1
    text = "\n".join(lines) + "\n"
    return Source("long", "seeds/long.txt", text, "A generated article", "en", "0" * 64)


def spans_of(text: str, count: int, rng: random.Random) -> list[str]:
    quotes = []
    lines = [l for l in text.split("\n") if len(l.split()) > 30]
    while len(quotes) < count:
        words = rng.choice(lines).split()
        start = rng.randrange(0, len(words) - 20)
        quote = " ".join(words[start:start + rng.randint(8, 20)]).replace("'", "\u2019")
        if text.count(quote.replace("\u2019", "'")) == 1:
            quotes.append(quote)
    return quotes


def report(label: str, seconds: list[float], found: int) -> None:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"{label:<44} {len(ms):>5} {found:>6} {statistics.median(ms):>9.3f} {p95:>9.3f} {ms[-1]:>9.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(50_000)
    checked = pipeline.check(PROJECT)
    assert checked.ok, checked.problems.render()
    print(f"{'':<44} {'quotes':>5} {'found':>6} {'median ms':>9} {'p95 ms':>9} {'max ms':>9}")

    hits, misses, hits_found, misses_found = [], [], 0, 0
    for source_id, source in sorted(checked.model.sources.items()):
        start = time.perf_counter()
        index = SourceIndex(source)
        setup = time.perf_counter() - start
        quotes = [e.quote for c in checked.model.claims for e in c.evidence if e.source == source_id]
        seconds, found = time_quotes(index, quotes, args.repeat)
        hits, hits_found = hits + seconds, hits_found + found
        seconds, found = time_quotes(index, [changed_word(q, rng) for q in quotes], args.repeat)
        misses, misses_found = misses + seconds, misses_found + found
        print(f"# {source_id}: {len(source.text):,} characters, index built in {setup * 1000:.2f} ms")
    report("seeds: hits (the site's own excerpts)", hits, hits_found)
    report("seeds: misses (one word changed)", misses, misses_found)
    sources = checked.model.sources
    rewrite, original = (sources[i] for i in ("000_1b24216a71cf53b4", "001_70b4227ab82008e2"))
    sentences = [s for s in re.split(r"(?<=[.!?\u201d])\s+", rewrite.text) if len(s.split()) >= 6]
    seconds, found = time_quotes(SourceIndex(original), sentences, args.repeat)
    report("seeds: paraphrases (000's sentences in 001)", seconds, found)
    report("seeds: first miss on a source", first_misses(original, sentences[:20]), 0)

    source = long_source(50_000, rng)
    start = time.perf_counter()
    index = SourceIndex(source)
    print(f"# generated source: {len(source.text):,} characters, index built in "
          f"{(time.perf_counter() - start) * 1000:.2f} ms")
    quotes = spans_of(source.text, 100, rng)
    seconds, found = time_quotes(index, quotes, args.repeat)
    report("50,000 characters: hits (curly apostrophes)", seconds, found)
    seconds, found = time_quotes(index, [changed_word(q, rng) for q in quotes], args.repeat)
    report("50,000 characters: misses (one word changed)", seconds, found)
    seconds, found = time_quotes(index, [shuffled(q, rng) for q in quotes], args.repeat)
    report("50,000 characters: misses (words shuffled)", seconds, found)
    report("50,000 characters: first miss", first_misses(source, [changed_word(q, rng) for q in quotes[:20]]), 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
