"""Machine-readable views of a claim: schema.org ClaimReview and the claims.json record.

Both are built from the same model and anchors as the page, so what the markup says is
what the page shows.
"""
from __future__ import annotations

from typing import Any

from .anchor import SELECTOR_CONTEXT, Anchor
from .model import Claim, Model, Source


def claim_url(model: Model, claim: Claim) -> str:
    return f"{model.site.base_url}claims/{claim.id}/"


def source_url(model: Model, source: Source) -> str:
    return f"{model.site.base_url}sources/{source.id}/"


def source_text_path(source: Source) -> str:
    """Where a source's exact text is published, beside its page."""
    return f"sources/{source.id}/source.txt"


def source_text_url(model: Model, source: Source) -> str:
    return model.site.base_url + source_text_path(source)


def rating(model: Model, claim: Claim) -> dict[str, Any]:
    verdict = model.verdict(claim.verdict)
    out: dict[str, Any] = {"@type": "Rating", "alternateName": verdict.label}
    scale = [v.rating for v in model.verdicts if v.rating is not None]
    if verdict.rating is not None:
        out.update(ratingValue=verdict.rating, bestRating=max(scale), worstRating=min(scale))
    return out


def appearance(model: Model, source: Source) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "CreativeWork", "url": source.url or source_url(model, source),
                            "name": source.title or source.label}
    if source.outlet:
        work["publisher"] = {"@type": "Organization", "name": source.outlet}
    if source.published:
        work["datePublished"] = source.published
    return work


def cited_sources(model: Model, claim: Claim) -> list[Source]:
    """The sources a claim cites, earliest known publication first, then by id."""
    ids = sorted({e.source for e in claim.evidence})
    sources = [model.sources[i] for i in ids]
    return sorted(sources, key=lambda s: (s.published or "9999", s.id))


def claim_review(model: Model, claim: Claim) -> dict[str, Any]:
    sources = cited_sources(model, claim)
    item: dict[str, Any] = {
        "@type": "Claim",
        "author": {"@type": "Organization", "name": claim.claimant},
        "datePublished": claim.claim_date,
        "appearance": [appearance(model, s) for s in sources],
    }
    if sources:
        item["firstAppearance"] = appearance(model, sources[0])
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": claim_url(model, claim),
        "claimReviewed": claim.reviewed,
        "datePublished": claim.published,
        "author": {"@type": "Organization", "name": model.site.organisation_name,
                   "url": model.site.organisation_url},
        "reviewRating": rating(model, claim),
        "itemReviewed": item,
    }
    if claim.last_modified != claim.published:
        review["dateModified"] = claim.last_modified
    return review


def targets(model: Model, source: Source, anchor: Anchor) -> list[dict[str, Any]]:
    """W3C Web Annotation targets of an excerpt: one for each part an ellipsis separates.

    Each names the source's published text (source.txt), which the TextPositionSelector counts
    in, in Unicode code points as the model says. The TextQuoteSelector's context is the text's
    own, line breaks included, and so is the text content of the source page's article element:
    a client may apply it to either. Context is left out where the text begins or ends.
    """
    text = source.text
    out = []
    for start, end in anchor.spans:
        quote: dict[str, Any] = {"type": "TextQuoteSelector", "exact": text[start:end]}
        if start:
            quote["prefix"] = text[max(0, start - SELECTOR_CONTEXT):start]
        if end < len(text):
            quote["suffix"] = text[end:end + SELECTOR_CONTEXT]
        out.append({"type": "SpecificResource", "source": source_text_url(model, source),
                    "selector": [quote, {"type": "TextPositionSelector", "start": start, "end": end}]})
    return out


def claim_record(model: Model, claim: Claim, anchors: dict[tuple[str, int], Anchor]) -> dict[str, Any]:
    verdict = model.verdict(claim.verdict)
    return {
        "id": claim.id,
        "url": claim_url(model, claim),
        "claim": claim.claim,
        "claimant": claim.claimant,
        "claim_date": claim.claim_date,
        "verdict": {"key": verdict.key, "label": verdict.label, "rating": verdict.rating},
        "summary": claim.summary,
        "tags": list(claim.tags),
        "published": claim.published,
        "updated": claim.last_modified,
        "evidence": [
            {
                "source": e.source,
                "source_url": source_url(model, model.sources[e.source]),
                "stance": e.stance,
                "quote": e.quote,
                "line": anchors[(claim.id, e.number)].line,
                "parts": [list(span) for span in anchors[(claim.id, e.number)].spans],
                "target": targets(model, model.sources[e.source], anchors[(claim.id, e.number)]),
            }
            for e in claim.evidence
        ],
        "corrections": [{"date": c.date, "text": c.text} for c in claim.corrections],
        "claim_review": claim_review(model, claim),
    }


CLAIM_REVIEWED_MAX = 75  # Google's fact-check guidelines: longer text wraps on phones


def lint_claim_review(model: Model, claim: Claim) -> list[tuple[str, str, str]]:
    """What Google's fact-check guidelines would flag in a claim's markup: (field, problem, fix)."""
    review = claim_review(model, claim)
    found = []
    reviewed = review["claimReviewed"]
    if len(reviewed) > CLAIM_REVIEWED_MAX:
        found.append(("short_claim", f"claimReviewed is {len(reviewed)} characters, over {CLAIM_REVIEWED_MAX}",
                      "add 'short_claim:' with the claim in at most 75 characters"))
    labels = {v.label.lower() for v in model.verdicts}
    if reviewed.lower().rstrip(".") in labels or any(reviewed.lower().startswith(l + ":") for l in labels):
        found.append(("short_claim", "claimReviewed states the verdict", "give the claim only; the rating carries the verdict"))
    rating = review["reviewRating"]
    if "ratingValue" in rating and not rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]:
        found.append(("verdict", "the rating is outside the scale", "check the ratings in content/verdicts.yaml"))
    if not review["url"].startswith(model.site.base_url):
        found.append(("claim", "the review's url is not under the site's base URL", "check base_url in content/site.yaml"))
    return found
