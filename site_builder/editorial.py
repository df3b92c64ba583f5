"""Editorial checks: the rules of the methodology that a machine can see.

They do not judge a claim; they point an editor at the places where a verdict may not follow
the site's own rules. Each finding is a warning (an error would stop a build over a judgement
call), reported at the excerpt or verdict it concerns:

- a copy counted twice: excerpts from a text and from a text derived from it (`derived_from`
  in seeds/sources.yaml), both counted as evidence (`supports` or `refutes`) for one claim;
- one source: a verdict on the scale (a verdict with a rating) whose counted evidence comes
  from one independent source (a text and its derivatives are one source). A claim refuted
  by the very text it was made in (its `appearances`), or by the text that one copies, is
  the exception, for a verdict in the lower half of the scale (Misleading, False);
- a later report: evidence from a source published after the claim was made, with no note
  saying so (a note that speaks of timing: "later", "after", a date...);
- the claim's own words: an excerpt marked `supports` that quotes the words in which the
  claim was made (its appearances): a claim does not support itself;
- one passage, two stances: the same words of a source (overlapping excerpts) counted as
  `supports` in one claim and `refutes` in another that shares a tag with it, with no note on
  either saying why.

Plain data in (the checked model and its anchors), plain findings out; `review` takes time
in proportion to the number of excerpts times tags, whatever the site.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from .anchor import Anchor
from .model import Claim, Excerpt, Model, Source

COUNTED = ("supports", "refutes")  # the stances a verdict rests on; `context` is not counted

# A note that says when a report was made: a word of time, or a date.
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
TIMING = re.compile(rf"\b(later|after|afterwards|subsequent(ly)?|since|days?|weeks?|months?|dated|"
                    rf"\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}} ({_MONTHS})|({_MONTHS}) \d{{1,2}})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    """One place where a verdict may not follow the methodology."""

    kind: str  # one of KINDS
    claim: str  # the claim's id
    path: str
    line: int
    col: int
    message: str
    hint: str


KINDS = {
    "copy-counted-twice": "a derivative counted beside its original",
    "one-source": "a verdict on the scale resting on one source",
    "later-report": "a later report without a note saying so",
    "opposite-stances": "one passage cited with opposite stances",
    "supports-itself": "the claim's own words counted as support",
}


def original(sources: dict[str, Source], source_id: str) -> str:
    """The text a source derives from, followed to the end: the one independent witness it belongs to."""
    seen = {source_id}
    while source_id in sources and sources[source_id].derived_from not in ("", *seen):
        source_id = sources[source_id].derived_from
        seen.add(source_id)
    return source_id


def independent_sources(model: Model, claim: Claim) -> list[str]:
    """The independent sources a claim's verdict counts (supporting or refuting excerpts), by their original."""
    return sorted({original(model.sources, e.source) for e in claim.evidence if e.stance in COUNTED})


def refuted_by_its_own_text(model: Model, claim: Claim) -> bool:
    """Whether an excerpt refuting the claim comes from a text it appeared in (or the text that one copies):
    a headline against its own article, a quotation against the report it cites."""
    made_in = {original(model.sources, a.source) for a in claim.appearances if a.source}
    return any(e.stance == "refutes" and original(model.sources, e.source) in made_in for e in claim.evidence)


def review(model: Model, anchors: dict[tuple[str, int], Anchor]) -> list[Finding]:
    """Every editorial finding of the site, claim by claim in the model's order."""
    findings: list[Finding] = []
    for claim in model.claims:
        findings += _copies_counted_twice(model, claim)
        findings += _one_source(model, claim)
        findings += _later_reports(model, claim)
        findings += _supported_by_itself(claim, anchors)
    findings += _opposite_stances(model, anchors)
    return findings


def _supported_by_itself(claim: Claim, anchors: dict[tuple[str, int], Anchor]) -> list[Finding]:
    """Supporting excerpts that overlap the words in which the claim was made (its appearances' quotes)."""
    made = [(a.source, anchors[(claim.id, a.number)]) for a in claim.appearances
            if a.quote and (claim.id, a.number) in anchors]
    out = []
    for excerpt in claim.evidence:
        anchor = anchors.get((claim.id, excerpt.number))
        if excerpt.stance != "supports" or anchor is None:
            continue
        if any(source == excerpt.source and own.start < anchor.end and anchor.start < own.end for source, own in made):
            out.append(_at(
                excerpt, "supports-itself", claim,
                f"excerpt {excerpt.number} quotes the words in which the claim was made, as evidence that supports it",
                "a claim does not support itself: give the excerpt 'stance: context', or remove it (the page "
                "already shows those words under where the claim was made)"))
    return out


def _label(model: Model, source_id: str) -> str:
    source = model.sources.get(source_id)
    return f"{source_id} ({source.outlet or source.label})" if source else source_id


def _at(excerpt: Excerpt, kind: str, claim: Claim, message: str, hint: str) -> Finding:
    """A finding reported where the excerpt's quote stands in the claim file."""
    return Finding(kind, claim.id, claim.path, excerpt.line, excerpt.col, message, hint)


def _copies_counted_twice(model: Model, claim: Claim) -> list[Finding]:
    counted = [e for e in claim.evidence if e.stance in COUNTED]
    out = []
    for excerpt in counted:
        if excerpt.source not in model.sources or not model.sources[excerpt.source].derived_from:
            continue
        root = original(model.sources, excerpt.source)
        other = next((e for e in counted if e.source != excerpt.source
                      and original(model.sources, e.source) == root), None)
        if other is None:
            continue
        derived = model.sources[excerpt.source].derived_from
        out.append(_at(
            excerpt, "copy-counted-twice", claim,
            f"excerpt {excerpt.number} is counted as '{excerpt.stance}' evidence, but {excerpt.source} is derived "
            f"from {derived}, which excerpt {other.number} already counts: a copy is not a second witness",
            "give the derivative's excerpt 'stance: context' and say in its note where it comes from"))
    return out


def _one_source(model: Model, claim: Claim) -> list[Finding]:
    verdict = next((v for v in model.verdicts if v.key == claim.verdict), None)
    if verdict is None or verdict.rating is None:
        return []
    counted = independent_sources(model, claim)
    if len(counted) >= 2:
        return []
    scale = sorted(v.rating for v in model.verdicts if v.rating is not None)
    if verdict.rating < scale[len(scale) // 2] and refuted_by_its_own_text(model, claim):
        return []  # the lower half of the scale (Misleading, False) may rest on the text that made the claim
    what = f"one source, {_label(model, counted[0])}" if counted else "no excerpt that supports or refutes it"
    return [Finding(
        "one-source", claim.id, claim.path, claim.line, 0,
        f"the verdict '{verdict.label}' rests on {what}",
        "a verdict on the scale needs two independent sources; quote a second one, or rate the claim "
        "off the scale ('unproven') and say why")]


def _later_reports(model: Model, claim: Claim) -> list[Finding]:
    out = []
    for excerpt in claim.evidence:
        source = model.sources.get(excerpt.source)
        if source is None or not source.published or source.published <= claim.claim_date:
            continue
        if TIMING.search(excerpt.note):
            continue
        out.append(_at(
            excerpt, "later-report", claim,
            f"excerpt {excerpt.number} comes from a report of {source.published}, after the claim "
            f"({claim.claim_date}), and its note does not say so",
            "add a note saying the report is later, and whether it can speak to the time of the claim"))
    return out


def _opposite_stances(model: Model, anchors: dict[tuple[str, int], Anchor]) -> list[Finding]:
    """Overlapping passages counted both ways by claims that share a tag.

    For each (tag, source), the excerpts are swept in order of their start, keeping for each
    stance the excerpt that reaches furthest (and the furthest from another claim): if any
    earlier excerpt of the other stance overlaps this one, that one does. Excerpts with a
    note are left out: the note is where an editor says why this claim reads the passage
    differently.
    """
    by_key: dict[tuple[str, str], list[tuple[int, int, str, int, str]]] = defaultdict(list)
    for claim in model.claims:
        for excerpt in claim.evidence:
            if excerpt.stance not in COUNTED or excerpt.note:
                continue
            anchor = anchors.get((claim.id, excerpt.number))
            if anchor is None:
                continue
            # (start, end, claim, excerpt, stance): plain values, so that sorting needs no key function
            item = (anchor.spans[0][0], anchor.spans[-1][1], claim.id, excerpt.number, excerpt.stance)
            for tag in claim.tags:
                by_key[(tag, excerpt.source)].append(item)
    pairs: dict[tuple[str, int, str, int], str] = {}  # (claim, excerpt, other claim, other excerpt) -> tag
    for (tag, _source), items in sorted(by_key.items(), key=lambda entry: entry[0]):
        items.sort()
        # For each stance: the item reaching furthest, and the furthest of another claim than that one's.
        best: dict[str, tuple[Any, Any]] = {"supports": (None, None), "refutes": (None, None)}
        for item in items:
            start, end, claim_id, number, stance = item
            first, second = best["refutes" if stance == "supports" else "supports"]
            partner = first if first is not None and first[1] > start and first[2] != claim_id else None
            if partner is None and second is not None and second[1] > start and second[2] != claim_id:
                partner = second
            if partner is not None:
                pairs.setdefault((claim_id, number, partner[2], partner[3]), tag)
                pairs.setdefault((partner[2], partner[3], claim_id, number), tag)
            first, second = best[stance]
            if first is None or end > first[1]:
                best[stance] = (item, first if first is not None and first[2] != claim_id else second)
            elif first[2] != claim_id and (second is None or end > second[1]):
                best[stance] = (first, item)
    claims = {c.id: c for c in model.claims}
    out = []
    for (claim_id, number, other_id, other_number), tag in sorted(pairs.items()):
        claim, other = claims[claim_id], claims[other_id]
        excerpt, theirs = claim.evidence[number - 1], other.evidence[other_number - 1]
        out.append(_at(
            excerpt, "opposite-stances", claim,
            f"excerpt {number} cites the passage of {excerpt.source} that '{other.id}' (excerpt {other_number}) "
            f"also cites, as '{excerpt.stance}' here and '{theirs.stance}' there; both claims are tagged '{tag}'",
            "give the same passage the same stance on the same question, or say in a note why this claim differs"))
    return out


def report_data(model: Model, findings: list[Finding]) -> list[dict[str, Any]]:
    """Every claim, by id, with its verdict, the independent sources it counts and its findings."""
    by_claim: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_claim[finding.claim].append(finding)
    out = []
    for claim in sorted(model.claims, key=lambda c: c.id):
        counted = independent_sources(model, claim)
        out.append({
            "claim": claim.id, "path": claim.path, "verdict": claim.verdict,
            "verdict_label": model.verdict(claim.verdict).label, "independent_sources": counted,
            "refuted_by_its_own_text": len(counted) < 2 and refuted_by_its_own_text(model, claim),
            "findings": [{"kind": f.kind, "line": f.line, "col": f.col, "message": f.message, "hint": f.hint}
                         for f in sorted(by_claim[claim.id], key=lambda f: (f.line, f.col, f.kind))],
        })
    return out


def report(model: Model, findings: list[Finding]) -> str:
    """The `check --editorial` report: every claim with its verdict and counted sources, then the findings."""
    lines = [f"Editorial report: {len(model.claims)} claim(s), {len(findings)} finding(s)", ""]
    for entry in report_data(model, findings):
        counted = entry["independent_sources"]
        lines.append(f"{entry['claim']}: {entry['verdict_label']}; independent sources counted: {len(counted)}"
                     + (f" ({', '.join(counted)})" if counted else "")
                     + ("; refuted by the text it appeared in" if entry["refuted_by_its_own_text"] else ""))
        for f in entry["findings"]:
            lines.append(f"  {entry['path']}:{f['line']}" + (f":{f['col']}" if f["col"] else "")
                         + f": {KINDS[f['kind']]}: {f['message']} ({f['hint']})")
    lines.append("")
    counts: dict[str, int] = defaultdict(int)
    for finding in findings:
        counts[finding.kind] += 1
    lines.extend(f"{counts[kind]:4d}  {what}" for kind, what in KINDS.items())
    return "\n".join(lines)
