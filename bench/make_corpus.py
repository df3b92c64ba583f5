#!/usr/bin/env python3
"""Write a synthetic site root of N claims for benchmarking: python bench/make_corpus.py N DIR

The root holds everything `python build.py build --root DIR` needs:

    content/site.yaml, content/verdicts.yaml (a copy of the project's own scale),
    content/pages/{about,methodology}.md,
    content/claims/claim-00001.yaml ... (N claims, in the format of content/claims/*.yaml),
    seeds/src-0001.txt ... (M = max(5, N // 10) sources of about 6,000 characters),
    seeds/sources.yaml (label, language, sha256 of the bytes, residue on some sources).

Everything comes from one random.Random seeded with N, so a given N always gives the
same bytes. Each claim quotes 2 to 4 excerpts of 8 to 30 words copied from its sources;
every excerpt (each part, for those joined by an ellipsis) occurs exactly once in its
source after the anchor stage's normalisation, so it anchors without ambiguity. Some
excerpts carry harmless typography changes (straight quotes for curly ones, a hyphen for
an en dash or the reverse, a doubled space, a line break) and some join two passages of
one paragraph with an ellipsis. Excerpts never touch residue lines.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import random
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
from site_builder.anchor import normalise_quote  # noqa: E402

GENERATOR_VERSION = "1"  # bump when the output format changes on purpose

SOURCE_CHARS = 6000
TAGS = ["economy", "health", "climate", "elections", "migration", "energy", "education", "crime",
        "housing", "transport", "agriculture", "defence", "diplomacy", "technology", "science",
        "media", "labour", "taxes", "water", "sport"]
OUTLETS = ["The Daily Ledger", "Northern Courier", "Harbour Gazette", "Valley Times", "Metro Wire",
           "Coastal Herald", "The Evening Post", "Capital Report"]

# A fixed vocabulary; nothing here is an ellipsis, a quotation mark or a dash.
NAMES = ["Amara Osei", "Jonas Lindqvist", "Priya Raman", "Tomasz Nowak", "Leila Haddad", "Diego Moreno",
         "Hannah Becker", "Kwame Mensah", "Sofia Rossi", "Mateo García", "Yuki Tanaka", "Olga Petrova",
         "Samuel Adeyemi", "Clara Dubois", "Ravi Menon", "Ingrid Solberg", "Farid Karimi", "Elena Popescu"]
ROLES = ["minister", "mayor", "spokesperson", "senator", "governor", "director", "chairman", "analyst",
         "economist", "professor", "commissioner", "adviser", "candidate", "councillor"]
ORGS = ["the ministry", "the council", "the agency", "the committee", "the union", "the regulator",
        "the central bank", "the opposition", "the federation", "the institute", "the commission",
        "the coalition", "the department", "the tribunal", "the authority"]
PLACES = ["the capital", "the northern provinces", "the coastal region", "the border towns", "the valley",
          "the eastern districts", "the islands", "the southern plains", "the old port", "the suburbs",
          "Lakeside", "Riverton", "Eastbrook", "Westfield", "Northgate", "Stonebridge"]
ADJECTIVES = ["new", "large", "small", "local", "national", "public", "private", "annual", "recent",
              "official", "independent", "regional", "significant", "modest", "sharp", "gradual",
              "controversial", "popular", "temporary", "permanent", "early", "final", "previous",
              "unexpected", "detailed", "limited", "broad", "rural", "urban", "costly", "cheaper",
              "stronger", "weaker", "higher", "lower", "careful", "rapid", "long-term", "short-term",
              "cross-border", "well-known", "full-time", "café-owning", "naïve"]
NOUNS = ["budget", "report", "policy", "plan", "survey", "programme", "project", "law", "proposal",
         "figure", "rate", "price", "wage", "tax", "school", "hospital", "road", "bridge", "railway",
         "harbour", "farm", "factory", "market", "river", "reservoir", "pipeline", "grid", "contract",
         "subsidy", "loan", "deficit", "surplus", "census", "study", "audit", "inquiry", "vote", "ballot",
         "election", "campaign", "strike", "protest", "agreement", "treaty", "summit", "forecast",
         "inflation", "growth", "decline", "shortage", "increase", "reduction", "scheme", "fund",
         "network", "station", "clinic", "vaccine", "harvest", "drought", "flood", "storm", "emission",
         "turbine", "battery", "license", "permit", "tariff", "pension", "rent", "mortgage", "salary",
         "workforce", "district", "province", "village", "newspaper", "broadcast", "statement"]
VERBS = ["announced", "approved", "rejected", "delayed", "expanded", "reduced", "increased", "cut",
         "doubled", "reviewed", "criticised", "defended", "published", "cancelled", "funded",
         "questioned", "confirmed", "denied", "estimated", "measured", "predicted", "blocked",
         "introduced", "extended", "replaced", "audited", "challenged", "supported", "opposed",
         "overstated", "underestimated", "revised", "postponed", "accelerated", "signed", "debated"]
SAY = ["said", "told reporters", "argued", "claimed", "insisted", "warned", "wrote", "added", "noted"]
ADVERBS = ["quickly", "quietly", "publicly", "repeatedly", "eventually", "again", "sharply", "slowly",
           "formally", "partly", "largely", "narrowly", "openly", "briefly", "reluctantly"]
PREPS = ["in", "across", "near", "for", "after", "before", "during", "within", "outside", "despite"]
CONNECT = ["while", "although", "because", "after", "before", "since", "even as", "until", "whereas"]
NUMBERS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve", "fifteen",
           "twenty", "thirty", "forty", "fifty", "several", "dozens of", "hundreds of", "thousands of"]
UNITS = ["per cent", "million", "billion", "households", "families", "workers", "students", "patients",
         "kilometres", "tonnes", "homes", "jobs", "visitors", "farmers"]

_PROPER = {name.split(" ")[0] for name in NAMES} | {place for place in PLACES if place[0].isupper()}

RESIDUE_FOOTER = ["Share this story: Facebook · X · Email · Print",
                  "© 2024 Example News Syndicate. All rights reserved. Cookie settings"]
RESIDUE_INLINE = "[Advertisement · Story continues below]"

def fold(text: str) -> str:
    """The text as the anchor stage compares it, so uniqueness is checked on the same terms."""
    return normalise_quote(text)


def count_occurrences(needle: str, haystack: str) -> int:
    """Occurrences, overlapping ones included (str.count skips overlaps)."""
    n, i = 0, haystack.find(needle)
    while i != -1:
        n += 1
        i = haystack.find(needle, i + 1)
    return n


# --- source texts ------------------------------------------------------------------------------

class Writer:
    """English-like sentences from the fixed vocabulary, some with curly quotes and en dashes."""

    def __init__(self, rng: random.Random):
        self.r = rng

    def np(self) -> str:
        r = self.r
        kind = r.random()
        if kind < 0.45:
            return f"the {r.choice(ADJECTIVES)} {r.choice(NOUNS)}"
        if kind < 0.65:
            return f"the {r.choice(NOUNS)} {r.choice(PREPS)} {r.choice(PLACES)}"
        if kind < 0.8:
            return f"{r.choice(NUMBERS)} {r.choice(UNITS)}"
        if kind < 0.9:
            return f"{r.choice(ORGS)}\u2019s {r.choice(NOUNS)}"  # a curly apostrophe
        return f"a {r.choice(ADJECTIVES)} {r.choice(NOUNS)}"

    def subject(self) -> str:
        r = self.r
        kind = r.random()
        if kind < 0.3:
            return f"The {r.choice(ROLES)} {r.choice(NAMES)}"
        if kind < 0.55:
            org = r.choice(ORGS)
            return org[0].upper() + org[1:]
        if kind < 0.7:
            return r.choice(NAMES)
        phrase = self.np()
        return "The " + phrase[4:] if phrase.startswith("the ") else phrase[0].upper() + phrase[1:]

    def clause(self) -> str:
        r = self.r
        text = f"{self.subject()} {r.choice(VERBS)} {self.np()}"
        if r.random() < 0.5:
            text += f" {r.choice(PREPS)} {r.choice(PLACES)}"
        if r.random() < 0.3:
            text += f" {r.choice(ADVERBS)}"
        return text

    @staticmethod
    def lower_first(clause: str) -> str:
        """A clause continued inside a sentence: 'The plan' -> 'the plan'; names keep their capital."""
        return clause if clause.split(" ", 1)[0] in _PROPER else clause[0].lower() + clause[1:]

    def sentence(self) -> str:
        r = self.r
        kind = r.random()
        if kind < 0.2:  # a quotation in curly double quotes
            inner = self.clause()
            text = f"{r.choice(NAMES)} {r.choice(SAY)} that \u201c{self.lower_first(inner)} {r.choice(PREPS)} {self.np()}\u201d"
        elif kind < 0.35:  # an en dash between clauses
            second = self.clause()
            text = f"{self.clause()} \u2013 {self.lower_first(second)}"
        elif kind < 0.55:
            second = self.clause()
            text = f"{self.clause()}, {r.choice(CONNECT)} {self.lower_first(second)}"
        elif kind < 0.65:  # single curly quotes around a phrase
            text = f"{self.clause()}, calling it \u2018{r.choice(ADJECTIVES)} {r.choice(NOUNS)}\u2019"
        else:
            text = self.clause()
            if r.random() < 0.4:
                text += f", {r.choice(SAY)} {r.choice(NAMES)}"
        return text + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.r.randint(3, 6)))


@dataclass
class SourceDoc:
    id: str
    lines: list[str]
    citable: list[int]  # 0-based indexes of lines that excerpts may quote
    residue: list[dict] = field(default_factory=list)
    folded: str = ""
    used: set = field(default_factory=set)  # (line, first word, last word) already quoted

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def make_source(rng: random.Random, sid: str, number: int) -> SourceDoc:
    writer = Writer(rng)
    lines = []
    total = 0
    while total < SOURCE_CHARS:
        line = writer.paragraph()
        lines.append(line)
        total += len(line) + 1
    citable = list(range(len(lines)))
    residue = []
    if number % 6 == 0:  # an advert left inside the first paragraph
        lines[0] = f"{lines[0]} {RESIDUE_INLINE}"
        citable.remove(0)
        residue.append({"lines": "1", "text": RESIDUE_INLINE, "reason": "Advertisement label left in the text by the scraper."})
    if number % 4 == 0:  # a share-bar footer
        first = len(lines) + 1
        lines.extend(RESIDUE_FOOTER)
        residue.append({"lines": f"{first}-{first + 1}", "reason": "Share bar and copyright footer of the web page."})
    doc = SourceDoc(sid, lines, citable, residue)
    doc.folded = fold(doc.text)
    return doc


# --- excerpts ----------------------------------------------------------------------------------

def _typography(rng: random.Random, quote: str) -> str:
    """Changes the anchor stage forgives: quote marks, dashes, white space."""
    changes = []
    if any(c in quote for c in "\u201c\u201d\u2018\u2019"):
        changes.append("straight")
    if "\u2013" in quote or "-" in quote:
        changes.append("dash")
    changes += ["double-space", "line-break"]
    for change in rng.sample(changes, rng.randint(1, min(2, len(changes)))):
        spaces = [m.start() for m in re.finditer(" ", quote)]
        if change == "straight":
            quote = quote.translate(str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"}))
        elif change == "dash":
            quote = quote.replace("\u2013", "-") if "\u2013" in quote else quote.replace("-", "\u2013", 1)
        elif spaces and change == "double-space":
            i = rng.choice(spaces)
            quote = quote[:i] + "  " + quote[i + 1:]
        elif spaces and change == "line-break":
            i = rng.choice(spaces)
            quote = quote[:i] + "\n" + quote[i + 1:]
    return quote


def _unique(doc: SourceDoc, raw: str) -> bool:
    return count_occurrences(fold(raw), doc.folded) == 1


def pick_excerpt(rng: random.Random, doc: SourceDoc) -> str:
    """A quote of 8-30 words that occurs once in the source; sometimes two parts joined by an ellipsis."""
    for _attempt in range(200):
        li = rng.choice(doc.citable)
        words = doc.lines[li].split(" ")
        ellipsis = rng.random() < 0.15 and len(words) >= 16
        if ellipsis:
            n1, n2 = rng.randint(4, 12), rng.randint(4, 12)
            gap = rng.randint(2, 12)
            if n1 + gap + n2 > len(words):
                continue
            a = rng.randint(0, len(words) - (n1 + gap + n2))
            b = a + n1 + gap
            key = (li, a, b + n2)
            first, second = " ".join(words[a:a + n1]), " ".join(words[b:b + n2])
            if key in doc.used or not _unique(doc, first) or not _unique(doc, second):
                continue
            doc.used.add(key)
            sep = rng.choice([" \u2026 ", " ... ", " [...] "])
            quote = first + sep + second
        else:
            n = rng.randint(8, min(30, len(words)))
            a = rng.randint(0, len(words) - n)
            key = (li, a, a + n)
            quote = " ".join(words[a:a + n])
            if key in doc.used or not _unique(doc, quote):
                continue
            doc.used.add(key)
        if rng.random() < 0.35:
            quote = _typography(rng, quote)
        return quote
    raise RuntimeError(f"could not find a unique excerpt in {doc.id}")


# --- YAML, written by hand in the format of content/claims/*.yaml -------------------------------

def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def folded_block(text: str, indent: str = "  ") -> str:
    """A '>-' block: words wrapped at about 88 columns."""
    out, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > 88:
            out.append(indent + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    out.append(indent + line)
    return "\n".join(out)


def literal_block(paragraphs: list[str], indent: str = "  ") -> str:
    return "\n\n".join(folded_block(p, indent) for p in paragraphs)


def shorten(text: str, limit: int) -> str:
    """The first words of a text, within `limit` characters, without trailing punctuation."""
    words, out = text.split(), ""
    for word in words:
        if len(out) + len(word) + 1 > limit:
            break
        out = f"{out} {word}" if out else word
    return out.rstrip(",.;:–-“”‘’ ")


def day(rng: random.Random, lo: datetime.date, hi: datetime.date) -> datetime.date:
    return lo + datetime.timedelta(days=rng.randint(0, (hi - lo).days))


def load_verdicts() -> tuple[str, list[tuple[str, int | None]]]:
    import yaml  # only to learn the keys and ratings of the copied scale
    text = (PROJECT_DIR / "content" / "verdicts.yaml").read_text(encoding="utf-8")
    return text, [(v["key"], v["rating"]) for v in yaml.safe_load(text)["verdicts"]]


def make_claim(rng: random.Random, number: int, cid: str, sources: list[SourceDoc], verdicts, writer: Writer) -> str:
    start, end = datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)
    published = day(rng, start, end)
    claim_date = max(start, published - datetime.timedelta(days=rng.randint(0, 30)))
    updated = None
    if rng.random() < 0.3 and published < end:
        updated = day(rng, published + datetime.timedelta(days=1), min(end, published + datetime.timedelta(days=20)))
    key, rating = verdicts[number - 1] if number <= len(verdicts) else rng.choice(verdicts)
    rated = [r for _k, r in verdicts if r is not None]

    primary = sources[(number - 1) % len(sources)]
    cited = [primary] + rng.sample([s for s in sources if s is not primary], rng.randint(0, 2))
    n_excerpts = rng.randint(2, 4)
    evidence = []
    seen = set()
    for i in range(n_excerpts):
        doc = cited[i % len(cited)]
        quote = pick_excerpt(rng, doc)
        while " ".join(quote.split()) in seen:
            quote = pick_excerpt(rng, doc)
        seen.add(" ".join(quote.split()))
        stance = rng.choice(["supports", "refutes", "context"])
        evidence.append({"source": doc.id, "quote": quote, "stance": stance})
    # The validator warns when the best verdict has no supporting excerpt, or the worst no refuting one.
    if rating is not None and rating == max(rated):
        evidence[0]["stance"] = "supports"
    if rating is not None and rating == min(rated):
        evidence[0]["stance"] = "refutes"
    for e in evidence:
        if rng.random() < 0.25:
            e["note"] = f"The {rng.choice(NOUNS)} is *{rng.choice(ADJECTIVES)}* context for the {rng.choice(NOUNS)}."
    comparisons = []
    if rng.random() < 0.08 and evidence[0]["source"] != evidence[1]["source"]:
        evidence[0]["id"], evidence[1]["id"] = "first-report", "second-report"
        comparisons.append({"speaker": rng.choice(NAMES), "excerpts": ["first-report", "second-report"]})

    sentence = writer.sentence()
    claim = f"{rng.choice(NAMES)} said that {Writer.lower_first(sentence)}"[:300]
    out = ["# yaml-language-server: $schema=../../site_builder/schemas/claim.schema.json",
           f"claim: {q(claim)}"]
    if len(claim) > 75:  # ClaimReview's claimReviewed should stay within 75 characters
        out.append(f"short_claim: {q(shorten(claim, 75))}")
    out += ["claimant:", f"  name: {q(rng.choice(NAMES))}", "  kind: person", f"  role: {q(rng.choice(ROLES))}",
            f"claim_date: {claim_date.isoformat()}",
            f"verdict: {q(key)}",
            "summary: >-",
            folded_block(" ".join(writer.sentence() for _ in range(rng.randint(2, 3))) + f" We rate it **{key}**.")]
    if rng.random() < 0.7:
        out += ["analysis: |", literal_block([writer.paragraph() for _ in range(rng.randint(1, 3))])]
    out.append("evidence:")
    for e in evidence:
        if "id" in e:
            out.append(f"  - id: {e['id']}")
            out.append(f"    source: {e['source']}")
        else:
            out.append(f"  - source: {e['source']}")
        out.append(f"    quote: {q(e['quote'])}")
        out.append(f"    stance: {e['stance']}")
        if "note" in e:
            out.append(f"    note: {q(e['note'])}")
    if comparisons:
        out.append("comparisons:")
        for c in comparisons:
            out += [f"  - speaker: {q(c['speaker'])}", f"    excerpts: [{', '.join(c['excerpts'])}]",
                    "    note: >-", folded_block(writer.sentence(), "      ")]
    out.append(f"tags: [{', '.join(rng.sample(TAGS, rng.randint(1, 4)))}]")
    out.append(f"published: {published.isoformat()}")
    if updated:
        out.append(f"updated: {updated.isoformat()}")
        if rng.random() < 0.4:
            out += ["corrections:", f"  - date: {updated.isoformat()}", "    text: >-",
                    folded_block("An earlier version misstated " + writer.np() + ". " + writer.sentence(), "      ")]
    return "\n".join(out) + "\n"


# --- the root ---------------------------------------------------------------------------------

SITE_YAML = """# yaml-language-server: $schema=../site_builder/schemas/site.schema.json
title: "Benchmark corpus: {n} claims"
description: >-
  A synthetic fact-check site generated by bench/make_corpus.py for measuring build times.
  Every claim, source and date in it is invented.
base_url: https://bench.example.org/factcheck/
language: en
organisation:
  name: Benchmark Fact-Check Desk
  url: https://bench.example.org/
default_author: Benchmark Fact-Check Desk
contact: corrections@bench.example.org
"""

PAGES = {
    "about.md": "---\ntitle: About\nnav: 1\n---\n# About this site\n\nA **synthetic** corpus for benchmarks.\n"
                "Its claims and sources are generated from a fixed word list.\n\n"
                "- {n} claims\n- {m} sources\n\nSee the [methodology](../methodology/).\n",
    "methodology.md": "---\ntitle: Methodology\nnav: 2\n---\n# How claims are checked\n\n"
                      "Each excerpt is quoted *word for word* from a source and anchored in it.\n\n"
                      "1. Find the claim.\n2. Read the sources.\n3. Quote them.\n",
    "corrections-policy.md": "---\ntitle: Corrections policy\nnav: 3\n---\n# Corrections\n\n"
                             "Write to the contact address; every correction is dated and shown on the claim page.\n",
    "ownership-and-funding.md": "---\ntitle: Ownership and funding\nnav: 4\n---\n# Who we are\n\n"
                                "An invented desk, funded by nobody, for benchmarks only.\n",
}


def make_corpus(n: int, root: Path) -> dict:
    rng = random.Random(f"factcheck-bench-{n}")
    m = max(5, n // 10)
    root = Path(root)
    for sub in ("content", "seeds"):
        shutil.rmtree(root / sub, ignore_errors=True)
    (root / "content" / "claims").mkdir(parents=True)
    (root / "content" / "pages").mkdir(parents=True)
    (root / "seeds").mkdir(parents=True)

    verdict_text, verdicts = load_verdicts()
    (root / "content" / "verdicts.yaml").write_text(verdict_text, encoding="utf-8")
    (root / "content" / "site.yaml").write_text(SITE_YAML.format(n=n), encoding="utf-8")
    for name, text in PAGES.items():
        (root / "content" / "pages" / name).write_text(text.format(n=n, m=m), encoding="utf-8")

    swidth = max(4, len(str(m)))
    sources = [make_source(rng, f"src-{i:0{swidth}d}", i) for i in range(1, m + 1)]
    meta = ["# yaml-language-server: $schema=../site_builder/schemas/sources.schema.json", "sources:"]
    for i, doc in enumerate(sources, start=1):
        data = doc.text.encode("utf-8")
        (root / "seeds" / f"{doc.id}.txt").write_bytes(data)
        meta += [f"  {doc.id}:", f"    label: {q(f'Generated report {i} on ' + rng.choice(NOUNS) + ' policy')}"]
        if i % 3:
            published = day(rng, datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))
            meta += [f"    title: {q(doc.lines[0].split('.')[0][:120])}",
                     f"    outlet: {q(rng.choice(OUTLETS))}",
                     f"    url: https://news.example.com/2024/{doc.id}",
                     f"    published: {published.isoformat()}"]
            if i % 5 == 0:
                meta += ["    published_inferred: true"]
        meta += ["    language: en", f"    sha256: {hashlib.sha256(data).hexdigest()}"]
        if doc.residue:
            meta.append("    residue:")
            for r in doc.residue:
                meta.append(f"      - lines: {q(r['lines'])}")
                if "text" in r:
                    meta.append(f"        text: {q(r['text'])}")
                meta.append(f"        reason: {q(r['reason'])}")
    (root / "seeds" / "sources.yaml").write_text("\n".join(meta) + "\n", encoding="utf-8")

    writer = Writer(rng)
    cwidth = max(5, len(str(n)))
    excerpts = 0
    for i in range(1, n + 1):
        cid = f"claim-{i:0{cwidth}d}"
        text = make_claim(rng, i, cid, sources, verdicts, writer)
        excerpts += text.count("\n    quote: ")
        (root / "content" / "claims" / f"{cid}.yaml").write_text(text, encoding="utf-8")
    return {"claims": n, "sources": m, "excerpts": excerpts,
            "seed_bytes": sum(len(d.text.encode()) for d in sources)}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[0].isdigit() or int(argv[0]) < 1:
        print("usage: python bench/make_corpus.py N DIR", file=sys.stderr)
        return 2
    stats = make_corpus(int(argv[0]), Path(argv[1]))
    print(f"wrote {stats['claims']} claims, {stats['sources']} sources ({stats['seed_bytes']:,} bytes), "
          f"{stats['excerpts']} excerpts into {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
