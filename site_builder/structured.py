"""Machine-readable views of a claim: schema.org ClaimReview and the claims.json record.

Both are built from the same model and anchors as the page, so what the markup says is
what the page shows.
"""
from __future__ import annotations

from typing import Any

from . import urls
from .anchor import Anchor
from .model import Claim, Model, Source


def claim_url(model: Model, claim: Claim) -> str:
    return urls.absolute(model.site.base_url, "claim", claim.id)


def source_url(model: Model, source: Source) -> str:
    return urls.absolute(model.site.base_url, "source", source.id)


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


def selectors(anchor: Anchor) -> list[dict[str, Any]]:
    """W3C Web Annotation selectors for an excerpt's place in its source."""
    return [
        {"type": "TextQuoteSelector", "exact": anchor.exact, "prefix": anchor.prefix, "suffix": anchor.suffix},
        {"type": "TextPositionSelector", "start": anchor.start, "end": anchor.end},
    ]


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
                "selectors": selectors(anchors[(claim.id, e.number)]),
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
