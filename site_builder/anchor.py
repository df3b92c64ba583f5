"""Stage 3, anchor: find every excerpt in its source, exactly, and record where it is.

Both the quote and the source are normalised (Unicode NFC, white space, quotation marks,
dashes, the ellipsis) with a map from each normalised character back to the raw text, so a
highlight lands on the original characters. Nothing else is forgiven: a changed word is a
different quote. An ellipsis splits a quote into parts that must appear in order, close
together. Residue lines never count as evidence. A miss gets a "did you mean" with the
closest citable passage of the source (found by the quote's words, so that a paraphrase
finds the sentence it rewords) and a word-level diff, or the two places a stitched quote
joins.
"""
from __future__ import annotations

import bisect
import functools
import heapq
import itertools
import math
import re
import unicodedata
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote as percent_encode

from rapidfuzz import fuzz

from . import inputs
from .errors import Problems
from .memo import NO_MEMO, NoMemo, Same
from .model import Appearance, Claim, Excerpt, Model, Source, Witness
from .textdiff import Comparison, compare, diff_as_text

Quoted = Excerpt | Appearance | Witness  # a quote checked against its seed: a claim's or an event's

SELECTOR_CONTEXT = 32  # characters of prefix and suffix, as the W3C Web Annotation model suggests
MAX_ELLIPSIS_GAP = 300  # characters an ellipsis may skip across a paragraph break
# Limits that keep every quote's work bounded whatever the seed's size (SECURITY.md): parts that
# an ellipsis joins, and places of the first part tried. Each part is looked for at most once
# per place of the text, so a quote costs at most MAX_QUOTE_PARTS passes over its seed.
MAX_QUOTE_PARTS = 20
MAX_FIRST_PART_PLACES = 20_000

# One character for another: every quotation mark becomes ", every dash -.
_QUOTES = "'\u2018\u2019\u201a\u201b\u2032\u2035\u0060\u00b4\"\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\u2039\u203a"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
# Compiled classes rather than str.translate: a mapping table is looked up for every character
# of a text with any non-ASCII in it, while these only stop where there is something to fold.
_QUOTE = re.compile(f"[{re.escape(_QUOTES)}]")
_DASH = re.compile(f"[{re.escape(_DASHES)}]")
# Changes of length: runs of white space become one space; invisible characters go; … is three dots.
# A lone plain space is already what it becomes, so it is not matched: most sources then have
# a few dozen matches instead of one per word.
_SPECIAL = re.compile(r"[^\S ]\s*| \s+|[\u00ad\u200b\u200c\u200d\u2060\ufeff]|\u2026")
_ELLIPSIS = re.compile(r"\s*(?:\[\s*(?:\.\.\.|\u2026)\s*\]|\.\.\.|\u2026)\s*")


@dataclass(frozen=True)
class NormText:
    """A normalised text and, for each of its characters, the raw span it came from."""

    text: str
    starts: Sequence[int]
    ends: Sequence[int]

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        return self.starts[start], self.ends[end - 1]


def normalise(raw: str) -> NormText:
    """Normalise for comparison, keeping the map back to raw offsets.

    The maps are arrays of machine integers throughout, never lists of int objects: 8 bytes a
    character for the two of them, where lists took over 100 (a 5 MB seed took 0.6 GB).
    """
    text, starts, ends = _nfc(raw)
    text = _fold(text)
    out: list[str] = []
    out_starts = array(_OFFSET)
    out_ends = array(_OFFSET)
    pos = 0
    for match in _SPECIAL.finditer(text):
        out.append(text[pos:match.start()])
        out_starts.extend(starts[pos:match.start()])
        out_ends.extend(ends[pos:match.start()])
        replacement = _fold_special(match)
        out.append(replacement)
        out_starts.extend([starts[match.start()]] * len(replacement))
        out_ends.extend([ends[match.end() - 1]] * len(replacement))
        pos = match.end()
    out.append(text[pos:])
    out_starts.extend(starts[pos:])
    out_ends.extend(ends[pos:])
    return NormText("".join(out), out_starts, out_ends)


_OFFSET = "i"  # 32-bit offsets: seeds are limited to 5,000,000 bytes


def _nfc(raw: str) -> tuple[str, array, array]:
    """NFC with a map; a base character and its combining marks compose as one cluster.

    Lines that are NFC already (most of them) are copied as they are; only the others are
    composed cluster by cluster. No cluster spans a line break.
    """
    if unicodedata.is_normalized("NFC", raw):
        return raw, array(_OFFSET, range(len(raw))), array(_OFFSET, range(1, len(raw) + 1))
    text: list[str] = []
    starts = array(_OFFSET)
    ends = array(_OFFSET)
    line_start = 0
    for line in raw.splitlines(keepends=True):
        line_end = line_start + len(line)
        if unicodedata.is_normalized("NFC", line):
            text.append(line)
            starts.extend(range(line_start, line_end))
            ends.extend(range(line_start + 1, line_end + 1))
            line_start = line_end
            continue
        cluster_start = line_start
        for i in range(line_start + 1, line_end + 1):
            if i < line_end and unicodedata.combining(raw[i]):
                continue
            composed = unicodedata.normalize("NFC", raw[cluster_start:i])
            text.append(composed)
            starts.extend([cluster_start] * len(composed))
            ends.extend([i] * len(composed))
            cluster_start = i
        line_start = line_end
    return "".join(text), starts, ends


def _fold(text: str) -> str:
    """Every quotation mark as ", every dash as -: one character for one, so offsets hold."""
    return _DASH.sub("-", _QUOTE.sub('"', text))


def _fold_special(match: re.Match) -> str:
    found = match.group()
    return "..." if found == "\u2026" else (" " if found[0].isspace() else "")


def normalise_quote(quote: str) -> str:
    """The normalised text alone, without the offset map: what quotes and prefixes need."""
    # The same composition as the source's, cluster by cluster; most text is NFC already.
    text = quote if unicodedata.is_normalized("NFC", quote) else _nfc(quote)[0]
    return _SPECIAL.sub(_fold_special, _fold(text)).strip()


def quote_parts(quote: str) -> list[str]:
    """The parts of a quote that an ellipsis separates, each normalised.

    Quotation marks around the whole quote are the contributor's, not the source's, so they
    are dropped; marks inside it must match the source.
    """
    text = normalise_quote(quote)
    if len(text) > 1 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1].strip()
    return [p for p in (normalise_quote(part) for part in _ELLIPSIS.split(text)) if p]


def compare_wordings(first: str, second: str) -> Comparison:
    """Two wordings word by word, forgiving what anchoring forgives: quotation marks, dashes, spaces."""
    return compare(first, second, key=normalise_quote)


def line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


@dataclass(frozen=True)
class ResidueSpan:
    start: int  # raw offsets
    end: int
    lines: str  # as written in sources.yaml: "14" or "14-15"
    reason: str
    whole_lines: bool


def residue_spans(source: Source) -> list[ResidueSpan]:
    """The raw character ranges that sources.yaml marks as not part of the article."""
    text, starts = source.text, line_starts(source.text)
    out = []
    for r in source.residue:
        start = starts[r.first_line - 1]
        end = starts[r.last_line] - 1 if r.last_line < len(starts) else len(text)
        if r.text:
            start = text.index(r.text, start)
            end = start + len(r.text)
        lines = f"{r.first_line}" + (f"-{r.last_line}" if r.last_line != r.first_line else "")
        out.append(ResidueSpan(start, end, lines, r.reason, not r.text))
    return out


@dataclass(frozen=True)
class Anchor:
    """Where an excerpt stands in its source: raw offsets of each part, and W3C selectors."""

    source: str
    spans: tuple[tuple[int, int], ...]  # raw [start, end) of each part
    line: int  # 1-based line of the first part
    exact: str  # TextQuoteSelector
    prefix: str
    suffix: str

    @property
    def start(self) -> int:  # TextPositionSelector
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[-1][1]


@dataclass(frozen=True)
class Search:
    """What placing a quote's parts found: every placement, and how many parts could be placed."""

    placements: list[tuple[tuple[int, int], ...]]
    deepest: int  # the most parts placed in order from any start
    too_many: bool = False  # the first part has more places than MAX_FIRST_PART_PLACES


class SourceIndex:
    """One normalisation of a source, reused for every quote that cites it."""

    def __init__(self, source: Source):
        self.source = source
        self.norm = normalise(source.text)
        self.line_starts = line_starts(source.text)
        self.residue = residue_spans(source)

    def line_of(self, raw_offset: int) -> int:
        return bisect.bisect_right(self.line_starts, raw_offset)

    def residue_lines(self, start: int, end: int) -> str:
        """The residue lines a raw span touches, or "" when it is all article."""
        for span in self.residue:
            if start < span.end and end > span.start:
                return span.lines
        return ""

    def search(self, parts: list[str]) -> Search:
        """Place the parts in order from each start of the first, each next part at its first
        place after the one before; the work is bounded (see MAX_QUOTE_PARTS).

        Successive starts look for each part at later and later places, so the last answer
        for each part is kept: a part is looked for again only past its last place found, and
        each part's searches cover the text once in all.
        """
        text = self.norm.text
        last = [(-1, -1)] * len(parts)  # for each part: (searched from, found at)
        placements: list[tuple[tuple[int, int], ...]] = []
        deepest = 0
        starts = 0
        start = text.find(parts[0])
        while start != -1:
            starts += 1
            if starts > MAX_FIRST_PART_PLACES:
                return Search(placements, deepest, too_many=True)
            spans = [(start, start + len(parts[0]))]
            for k in range(1, len(parts)):
                after = spans[-1][1]
                searched, found = last[k]
                if not (searched != -1 and searched <= after and (found == -1 or after <= found)):
                    found = text.find(parts[k], after)
                    last[k] = (after, found)
                if found == -1 or not self._close_enough(after, found):
                    break
                spans.append((found, found + len(parts[k])))
            deepest = max(deepest, len(spans))
            if len(spans) == len(parts):
                placements.append(tuple(spans))
            start = text.find(parts[0], start + 1)
        return Search(placements, deepest)

    def _close_enough(self, end: int, start: int) -> bool:
        """Parts joined by an ellipsis stand in one paragraph, or at most a short gap apart."""
        if start - end <= MAX_ELLIPSIS_GAP:
            return True
        # No line break between the raw ends, found by the line table rather than by copying the gap.
        return self.line_of(self.norm.ends[end - 1]) == self.line_of(self.norm.starts[start])

    def anchor(self, spans: tuple[tuple[int, int], ...]) -> Anchor:
        raw = tuple(self.norm.raw_span(s, e) for s, e in spans)
        start, end = raw[0][0], raw[-1][1]
        text = self.source.text
        return Anchor(self.source.id, raw, self.line_of(start), text[start:end],
                      text[max(0, start - SELECTOR_CONTEXT):start], text[end:end + SELECTOR_CONTEXT])

    def in_article(self, spans: tuple[tuple[int, int], ...]) -> bool:
        """Whether a placement (normalised offsets) stays clear of residue."""
        return not any(self.residue_lines(*self.norm.raw_span(s, e)) for s, e in spans)

    @functools.cached_property
    def passages(self) -> Passages:
        """The citable sentences, made on the first miss only: a site without misses never pays for them."""
        return Passages(self)

    def suggest(self, part: str) -> Suggestion | None:
        """The citable passage closest in substance to a part that is not in the source, or None.

        The sentences sharing most of the part's words (see Passages) are each narrowed to the
        stretch most like the part; the best is the one sharing most of its substance and most of
        its words, in order and in any order (a reworded sentence, a changed word order), if it
        shares enough.
        """
        wanted = normalise_quote(part)
        stems = _stems(part)
        best: tuple[float, Suggestion] | None = None
        for substance, first, last in self.passages.closest(stems):
            lo, hi = self.passages.spans[first][0], self.passages.spans[last][1]
            stretches = _stretches(wanted, set(stems), normalise(self.source.text[lo:hi]))
            for handicap, (start, end) in zip((0, 0.1), stretches):  # the one lined up is the more natural
                passage = " ".join(self.source.text[lo + start:lo + end].split())
                comparison = compare_wordings(part, passage)
                unordered = _dice(stems, _stems(passage))
                score = substance + comparison.similarity + unordered - handicap
                if (substance >= MIN_SUBSTANCE or max(comparison.similarity, unordered) >= MIN_SIMILARITY) and (
                        best is None or score > best[0]):
                    best = (score, Suggestion(lo + start, lo + end, self.line_of(lo + start), passage, comparison,
                                              unordered))
        return best[1] if best else None

    def split_quote(self, part: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """Where a part stitched from two passages of the article comes from: two raw spans, or None."""
        words = part.split()
        # The longest run of first words that is in the article; a run of fewer words is there too.
        lo, hi = 0, len(words)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if self._citable(" ".join(words[:mid])) else (lo, mid - 1)
        k = lo
        if k < 2 or k > len(words) - 2:
            return None
        # The seam often changes the punctuation of the words on either side of it.
        for left, right in ((words[:k], words[k:]), (words[:k + 1], words[k + 1:])):
            first = self._citable(" ".join(left).rstrip(_SEAM))
            second = self._citable(" ".join(right).lstrip(_SEAM)) if len(right) >= 2 else None
            if first and second:
                return first, second
        return None

    def _citable(self, text: str) -> tuple[int, int] | None:
        """The raw span of the first placement of a text in the article, or None."""
        norm = normalise_quote(text)
        if not norm:
            return None
        start = self.norm.text.find(norm)
        while start != -1:
            if self.in_article(((start, start + len(norm)),)):
                return self.norm.raw_span(start, start + len(norm))
            start = self.norm.text.find(norm, start + 1)
        return None


_SEAM = " .,;:!?\"'-"
# Sentence ends: a stop, perhaps closed by quotation marks or brackets, then white space.
_SENTENCE_END = re.compile(r"[.!?][\"'\u2019\u201d)\]]*\s+")
_STEM = re.compile(r"\w+")
STEM_LENGTH = 5  # words agreeing on their first letters count as one: "happening" and "happen"
# Words that carry little substance; they still count, at a quarter of their weight.
_FUNCTION_WORDS = frozenset(re.findall(r"\w+", """
    a an and are as at be been but by for from had has have he her his in is it its no not of on or
    our she so than that the their them they this to was we were what which who will with would you"""))
# A suggestion with fewer of the quote's words in order than this is a rewording of it, a
# paraphrase, if it has at least PARAPHRASE_FROM of them in some order; with fewer, it is only
# the nearest passage.
PARAPHRASE_BELOW = 0.8
PARAPHRASE_FROM = 0.4
# A passage is suggested when it has at least two of the quote's words of substance, and either
# this share of all its words (weighted by rarity), or this share of its words in order.
MIN_SHARED_WORDS = 2
MIN_SUBSTANCE = 0.3
MAX_SUGGESTION_QUOTE = 1_000  # characters of a missing quote that the search for a suggestion reads
MAX_PASSAGE = 2 * MAX_SUGGESTION_QUOTE  # characters of a sentence compared with it at once
MIN_SIMILARITY = 0.45


def _stretches(wanted: str, stems: set[str], window: NormText) -> list[tuple[int, int]]:
    """Where in a window (raw offsets in it) the passage most like the words may be: the stretch
    that lines up best with them, and the stretch from the first to the last of their words of
    substance, which a changed word order keeps together."""
    text = window.text
    found = fuzz.partial_ratio_alignment(wanted, text)
    start, end = (found.dest_start, found.dest_end) if found and found.dest_end > found.dest_start else (0, len(text))
    # Edges at white space or at word characters, so that punctuation is kept only when it helps.
    starts = set(_word_edges(text, start, r"(?<!\S)\S", True) + _word_edges(text, start, r"(?<!\w)\w", True))
    ends = set(_word_edges(text, end, r"\S(?!\S)", False) + _word_edges(text, end, r"\w(?!\w)", False))
    _, a, b = max(((fuzz.ratio(wanted, text[a:b]), a, b) for a in starts for b in ends if a < b),
                  key=lambda t: (t[0], -(t[2] - t[1]), -t[1]), default=(0, start, end))
    out = [window.raw_span(a, b)]
    words = [(m.start(), m.end(), m.group()[:STEM_LENGTH]) for m in _STEM.finditer(text.lower())]
    shared = [i for i, (_a, _b, stem) in enumerate(words) if stem in stems and stem not in _FUNCTION_WORDS]
    if shared:
        first, last = shared[0], shared[-1]
        while first > 0 and words[first - 1][2] in stems:  # the quote's small words around them too
            first -= 1
        while last < len(words) - 1 and words[last + 1][2] in stems:
            last += 1
        out.append(window.raw_span(words[first][0], words[last][1]))
    return out


def _dice(first: list[str], second: list[str]) -> float:
    """Share of words two wordings have in common, in any order (0 to 1)."""
    a, b = set(first), set(second)
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0


def _stems(text: str) -> list[str]:
    return _words(normalise_quote(text).lower())


def _words(normalised: str) -> list[str]:
    """The stems of a normalised, lower-case text's words."""
    return [w[:STEM_LENGTH] for w in _STEM.findall(normalised) if len(w) > 1 or w.isdigit()]


@dataclass(frozen=True)
class Suggestion:
    start: int  # raw offsets of the passage
    end: int
    line: int
    passage: str  # its words, on one line
    comparison: Comparison  # the quote's words against the passage's
    unordered: float  # share of their words in common, in any order

    @property
    def kind(self) -> str:
        """"close" (a word or two changed), "paraphrase" or "distant"."""
        if self.comparison.similarity >= PARAPHRASE_BELOW:
            return "close"
        return "paraphrase" if max(self.comparison.similarity, self.unordered) >= PARAPHRASE_FROM else "distant"


class Passages:
    """A source's citable sentences (never residue), with the words of each, for "did you mean".

    A quote not in the source is scored against every sentence, and every two sentences in a row,
    by the share of its words they contain, each word weighted by how rare it is in the source:
    a reworded sentence, a changed word order or a few synonyms keep most of a quote's rare words.
    """

    def __init__(self, index: SourceIndex):
        text = index.source.text
        cuts = sorted({0, len(text)} | {m.end() for m in re.finditer("\n", text)}
                      | {m.end() for m in _SENTENCE_END.finditer(text)}
                      | {b for r in index.residue for b in (r.start, r.end)})
        # A "sentence" longer than MAX_PASSAGE (a text with no stops) is taken in pieces of that
        # length, so that what a suggestion compares does not grow with the seed.
        pieces = [(lo, min(b, lo + MAX_PASSAGE)) for a, b in itertools.pairwise(cuts) for lo in range(a, b, MAX_PASSAGE)]
        self.spans = [(a, b) for a, b in pieces if text[a:b].strip() and not index.residue_lines(a, b)]
        self.postings: dict[str, list[int]] = {}  # each word: the sentences that have it
        norm, starts = index.norm.text.lower(), index.norm.starts
        for i, (a, b) in enumerate(self.spans):  # the words of the source's normalised text, as a quote's
            for word in dict.fromkeys(_words(norm[bisect.bisect_left(starts, a):bisect.bisect_left(starts, b)])):
                self.postings.setdefault(word, []).append(i)
        count = len(self.spans) or 1
        self.weights = {w: math.log(1 + count / len(ids)) * (0.25 if w in _FUNCTION_WORDS else 1.0)
                        for w, ids in self.postings.items()}

    def closest(self, stems: list[str], count: int = 4) -> list[tuple[float, int, int]]:
        """The passages sharing most of the words' substance: (share, first sentence, last sentence).

        A word the source lacks weighs as a word found in one sentence in three: it tells nothing
        of where to look, but a quote of such words is not close to anything.
        """
        wanted = set(stems)
        weight = {w: self.weights.get(w, math.log(4)) * (0.25 if w in _FUNCTION_WORDS else 1.0) for w in wanted}
        total = sum(weight.values()) or 1.0
        hits: dict[int, set[str]] = {}
        for word in wanted:
            for i in self.postings.get(word, ()):
                hits.setdefault(i, set()).add(word)

        def share(words: set[str]) -> float:
            return sum(weight[w] for w in words) / total

        candidates = []
        for i, words in hits.items():
            if len(words - _FUNCTION_WORDS) >= MIN_SHARED_WORDS:
                candidates.append((share(words), i, i))
            following = hits.get(i + 1)
            if following and self.spans[i][1] == self.spans[i + 1][0]:  # two sentences in a row, no residue between
                pair = words | following
                if len(pair - _FUNCTION_WORDS) >= MIN_SHARED_WORDS:
                    # A pair must add substance to be preferred to one sentence.
                    candidates.append((share(pair) - 0.1, i, i + 1))
        return heapq.nlargest(count, candidates)


def _word_edges(text: str, near: int, pattern: str, before: bool, words: int = 3) -> list[int]:
    """Word starts (or ends) within a few words of a position: the candidates for a passage edge."""
    lo, hi = max(0, near - 40), min(len(text), near + 40)
    edges = [m.start() if before else m.end() for m in re.finditer(pattern, text[lo:hi])]
    edges = [lo + e for e in edges]
    if not edges:
        return [near]
    nearest = min(range(len(edges)), key=lambda i: abs(edges[i] - near))
    return edges[max(0, nearest - words): nearest + words + 1]


def anchor_claims(model: Model, memo: NoMemo = NO_MEMO) -> tuple[dict[tuple[str, int], Anchor], Problems]:
    """Anchor every quote of every claim (its excerpts and its appearances' words), by (claim id,
    number); misses and ambiguities are problems.

    With a memo, a seed is indexed again only when its text or residue changes, and a claim's
    quotes are looked for again only when the claim or a seed it quotes changes.
    """
    problems = Problems()
    indexes: dict[str, SourceIndex] = {}
    anchors = {}
    for claim in model.claims:
        anchors.update(anchor_claim(claim, model.sources, problems, memo, indexes))
    return anchors, problems


def anchor_claim(claim: Claim, sources: dict[str, Source], problems: Problems, memo: NoMemo = NO_MEMO,
                 indexes: dict[str, SourceIndex] | None = None) -> dict[tuple[str, int], Anchor]:
    """The anchors of one claim's quotes that are found; `indexes` keeps each seed's index for a run.

    A claim's anchors depend on the claim and the seeds it cites, keyed by what their indexes are
    made from (a seed's text and residue): a seed is indexed only when a claim citing it is
    anchored again, and the build cache need not keep the indexes.
    """
    indexes = {} if indexes is None else indexes
    cited = tuple(_index_key(sources[source_id]) for source_id in sorted({q.source for q in claim.quoted}))
    return memo.get("anchors", (Same(claim), cited),
                    functools.partial(_anchor_claim, claim, sources, indexes, memo), problems)


def anchor_events(model: Model, memo: NoMemo = NO_MEMO) -> tuple[dict[tuple[str, int], Anchor], Problems]:
    """Anchor the quotes of content/events.yaml like a claim's, by (the file's path, the quote's
    number): a key no claim id can take, so that they share the anchors of the site."""
    problems = Problems()
    indexes: dict[str, SourceIndex] = {}
    anchors = {}
    for event in model.events:
        for witness in event.evidence:
            index = _source_index(model.sources[witness.source], indexes, memo)
            found = anchor_excerpt(inputs.EVENTS_FILE, witness, index, problems)
            if found:
                anchors[(inputs.EVENTS_FILE, witness.number)] = found
    return anchors, problems


def _index_key(source: Source) -> tuple:
    return source.id, source.path, source.residue, source.text


def _anchor_claim(claim: Claim, sources: dict[str, Source], indexes: dict[str, SourceIndex], memo: NoMemo,
                  problems: Problems) -> dict[tuple[str, int], Anchor]:
    anchors = {}
    for excerpt in claim.quoted:
        found = anchor_excerpt(claim.path, excerpt, _source_index(sources[excerpt.source], indexes, memo), problems)
        if found:
            anchors[(claim.id, excerpt.number)] = found
    return anchors


def _source_index(source: Source, indexes: dict[str, SourceIndex], memo: NoMemo) -> SourceIndex:
    """A seed's index, made once a run (`indexes`) and, with a memo, once while its text and residue stay."""
    index = indexes.get(source.id)
    if index is None:
        index = indexes[source.id] = memo.get("index", _index_key(source), functools.partial(_index, source))
    return index


def _index(source: Source, _: Problems) -> SourceIndex:
    return SourceIndex(source)


def anchor_excerpt(path: str, excerpt: Quoted, index: SourceIndex, problems: Problems) -> Anchor | None:
    """Where a quote of the file `path` (a claim's, or an event's) stands in its seed; None, with
    the reason as a problem at the quote, when it cannot be placed."""
    parts = quote_parts(excerpt.quote)
    where = (path, excerpt.line, excerpt.col)
    seed = index.source.path
    if not parts:
        problems.add(*where, "the quote is only an ellipsis", "quote the source's words")
        return None
    if len(parts) > MAX_QUOTE_PARTS:
        problems.add(*where, f"the quote has {len(parts)} parts joined by ellipses, over the limit of {MAX_QUOTE_PARTS}",
                     "quote the passages as separate excerpts")
        return None
    found = index.search(parts)
    if found.too_many:
        problems.add(*where, f"the quote's first part '{_shorten(parts[0])}' appears more than "
                             f"{MAX_FIRST_PART_PLACES:,} times in {seed}", "quote more words with it")
        return None
    placements = found.placements
    if not placements:
        _explain_miss(path, excerpt, index, parts, found.deepest, problems)
        return None
    in_article = [spans for spans in placements if index.in_article(spans)]
    if not in_article:
        first = index.norm.raw_span(*placements[0][0])
        lines = index.residue_lines(*first)
        problems.add(*where, f"the quote is found only in lines {lines} of {seed}, which are not part of the article",
                     "seeds/sources.yaml marks them as scraping residue; quote the article's own text")
        return None
    if excerpt.prefix:
        # Quotation marks and spaces between the prefix and the quote do not count.
        wanted = normalise_quote(excerpt.prefix).rstrip(' "')
        in_article = [s for s in in_article if index.norm.text[: s[0][0]].rstrip(' "').endswith(wanted)]
        if not in_article:
            problems.add(*where, f"the quote is in {seed}, but never right after the prefix '{excerpt.prefix}'",
                         "copy the prefix from the words just before the quote, or remove it")
            return None
    if excerpt.occurrence:
        if excerpt.occurrence > len(in_article):
            problems.add(*where, f"occurrence {excerpt.occurrence} asked for, but the quote appears "
                                 f"{len(in_article)} time(s) in {seed}", "give a number that exists")
            return None
        in_article = [in_article[excerpt.occurrence - 1]]
    if len(in_article) > 1:
        lines = ", ".join(str(index.line_of(index.norm.raw_span(*s[0])[0])) for s in in_article)
        problems.add(*where, f"the quote appears {len(in_article)} times in {seed} (lines {lines})",
                     "quote more words, or add 'prefix:' with the words just before the one you mean, "
                     "or 'occurrence: N'")
        return None
    return index.anchor(in_article[0])


def _explain_miss(path: str, excerpt: Quoted, index: SourceIndex, parts: list[str], deepest: int,
                  problems: Problems) -> None:
    where = (path, excerpt.line, excerpt.col)
    seed = index.source.path
    missing = parts[deepest] if deepest < len(parts) else parts[0]
    which = "" if len(parts) == 1 else f" (the part '{_shorten(missing)}')"
    if len(parts) > 1 and all(p in index.norm.text for p in parts):
        problems.add(*where, f"the parts of the quote are in {seed}, but not in this order and close together",
                     "an ellipsis joins parts of one passage; quote them as separate excerpts")
        return
    # A very long quote is compared by its beginning: enough to find what it was meant to be.
    missing = missing[:MAX_SUGGESTION_QUOTE].rsplit(" ", 1)[0] if len(missing) > MAX_SUGGESTION_QUOTE else missing
    stitched = index.split_quote(missing)
    if stitched:
        places = [f"{seed}:{index.line_of(a)}: \"{' '.join(index.source.text[a:b].split())}\"" for a, b in stitched]
        problems.add(*where, f"the quote{which} joins words from two places in {seed}",
                     "quote each passage as its own excerpt, or mark the words left out with an ellipsis (…)",
                     detail="first: " + places[0] + "\nthen:  " + places[1])
        return
    suggestion = index.suggest(missing)
    if suggestion is None:
        problems.add(*where, f"the quote{which} is not in {seed}, and nothing close to it was found",
                     "check that the excerpt cites the right source")
        return
    diff = diff_as_text(suggestion.comparison.parts)
    detail = (f"did you mean ({seed}:{suggestion.line}, {suggestion.comparison.percent}% of the words alike): "
              f"\"{suggestion.passage}\"\nword diff (quote -> source): {diff}")
    if suggestion.kind == "paraphrase":
        problems.add(*where, f"the quote{which} is not in {seed}: this looks like a paraphrase, not a quotation",
                     "quote the source's own words, exactly, or cite the passage it paraphrases",
                     detail=detail)
    elif suggestion.kind == "distant":
        problems.add(*where, f"the quote{which} is not in {seed}; the closest passage shares only some of its words",
                     "check that the excerpt cites the right source, and copy the source's words exactly",
                     detail=detail)
    else:
        problems.add(*where, f"the quote{which} is not in {seed}",
                     "copy the source's words exactly; only quotation marks, dashes and spaces may differ",
                     detail=detail)


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# Left as they are in a Text Fragment; "&", "," and "-" are syntax there and must be encoded.
_FRAGMENT_SAFE = "!$'()*+./:;=?@_~"


def text_fragment(url: str, anchor: Anchor, ambiguous: bool, fragment: str = "") -> str:
    """A link to the passage in the original article (WICG Text Fragments: #:~:text=); with
    `fragment`, to that element too, for a browser that does not read the text directive."""
    def enc(text: str) -> str:
        return percent_encode(" ".join(text.split()), safe=_FRAGMENT_SAFE).replace("-", "%2D")

    words = anchor.exact.split()
    directive = enc(" ".join(words)) if len(words) <= 8 else f"{enc(' '.join(words[:4]))},{enc(' '.join(words[-4:]))}"
    if ambiguous:
        before = anchor.prefix.split()[-3:]
        after = anchor.suffix.split()[:3]
        if before:
            directive = f"{enc(' '.join(before))}-,{directive}"
        if after:
            directive = f"{directive},-{enc(' '.join(after))}"
    return f"{url.split('#')[0]}#{fragment}:~:text={directive}"
