"""Machine-readable views of a claim: schema.org ClaimReview and the claims.json record.

Both are built from the same model and anchors as the page, so what the markup says is
what the page shows.
"""
from __future__ import annotations

from typing import Any

from . import urls
from .anchor import SELECTOR_CONTEXT, Anchor
from .model import Appearance, Claim, Claimant, Model, Source


def claim_url(model: Model, claim: Claim) -> str:
    return urls.absolute(model.site.base_url, "claim", claim.id)


def source_url(model: Model, source: Source) -> str:
    return urls.absolute(model.site.base_url, "source", source.id)


def source_text_url(model: Model, source: Source) -> str:
    """Where a source's exact text is published, beside its page."""
    return urls.absolute(model.site.base_url, "source_text", source.id)


def rating(model: Model, claim: Claim) -> dict[str, Any]:
    verdict = model.verdict(claim.verdict)
    out: dict[str, Any] = {"@type": "Rating", "alternateName": verdict.label, "name": verdict.label}
    scale = [v.rating for v in model.verdicts if v.rating is not None]
    if verdict.rating is not None:
        out.update(ratingValue=verdict.rating, bestRating=max(scale), worstRating=min(scale))
    return out


def claimant_markup(claimant: Claimant) -> dict[str, Any]:
    """A claimant as schema.org types it: a Person with a job title and an affiliation, or an Organization."""
    out: dict[str, Any] = {"@type": claimant.schema_type, "name": claimant.name}
    if claimant.role:
        out["jobTitle" if claimant.kind == "person" else "description"] = claimant.role
    if claimant.affiliation:
        out["affiliation"] = {"@type": "Organization", "name": claimant.affiliation}
    if claimant.url:
        out["url"] = claimant.url
    return out


def known(source: Source, field: str) -> str:
    """A field of a source's metadata as fact: empty when it was only inferred from the text."""
    return "" if field in source.inferred else getattr(source, field)


def appearance_date(model: Model, appearance: Appearance) -> str:
    """When the claim appeared there, as a fact: the claim file's date, or the seed's when not inferred."""
    if appearance.date or not appearance.source:
        return appearance.date
    return known(model.sources[appearance.source], "published")


def appearance_markup(model: Model, appearance: Appearance) -> dict[str, Any]:
    """Where the claim appeared, as a CreativeWork: only what is known, nothing inferred from a text.

    A seed whose address is not known is not given our copy's address as its own: our source
    page, which holds the text, is given as where the work is archived.
    """
    work: dict[str, Any] = {"@type": "CreativeWork"}
    if appearance.url:
        work["url"] = appearance.url
        if appearance.title:
            work["name"] = appearance.title
    else:
        source = model.sources[appearance.source]
        work["name"] = known(source, "title") or source.label
        if known(source, "url"):
            work["url"] = source.url
        work["archivedAt"] = source_url(model, source)
        if known(source, "outlet"):
            work["publisher"] = {"@type": "Organization", "name": source.outlet}
        if appearance.quote:
            work["text"] = appearance.quote
    date = appearance_date(model, appearance)
    if date:
        work["datePublished"] = date
    return work


def first_appearance(model: Model, claim: Claim) -> Appearance | None:
    """The earliest dated appearance, or the only one; None when undated appearances cannot be ordered."""
    if len(claim.appearances) == 1:
        return claim.appearances[0]
    dated = [a for a in claim.appearances if appearance_date(model, a)]
    if not dated or len(dated) < len(claim.appearances):
        return None
    return min(dated, key=lambda a: appearance_date(model, a))


def cited_sources(model: Model, claim: Claim) -> list[Source]:
    """The sources a claim cites, earliest known publication first, then by id."""
    ids = sorted({e.source for e in claim.evidence})
    sources = [model.sources[i] for i in ids]
    return sorted(sources, key=lambda s: (s.published or "9999", s.id))


def claim_review(model: Model, claim: Claim) -> dict[str, Any]:
    """schema.org ClaimReview, with Google's required and recommended properties where they are known."""
    authors = [claimant_markup(c) for c in claim.claimants]
    item: dict[str, Any] = {
        "@type": "Claim",
        "author": authors[0] if len(authors) == 1 else authors,
        "datePublished": claim.claim_date,
    }
    if claim.appearances:
        item["appearance"] = [appearance_markup(model, a) for a in claim.appearances]
        first = first_appearance(model, claim)
        if first is not None:
            item["firstAppearance"] = appearance_markup(model, first)
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


def data_feed(model: Model, updated: str) -> dict[str, Any]:
    """Every ClaimReview as a schema.org DataFeed of DataFeedItems, the shape of the fact-check feeds
    that Data Commons publishes and that aggregators read: each item's `item` a list of one ClaimReview."""
    elements = []
    for claim in model.claims:
        review = claim_review(model, claim)
        del review["@context"]
        element = {"@type": "DataFeedItem", "url": review["url"], "dateCreated": claim.published, "item": [review]}
        if claim.last_modified != claim.published:
            element["dateModified"] = claim.last_modified
        elements.append(element)
    return {"@context": "https://schema.org", "@type": "DataFeed", "name": model.site.title,
            "url": model.site.base_url, "dateModified": updated, "dataFeedElement": elements}


def claim_record(model: Model, claim: Claim, anchors: dict[tuple[str, int], Anchor]) -> dict[str, Any]:
    verdict = model.verdict(claim.verdict)
    return {
        "id": claim.id,
        "url": claim_url(model, claim),
        "claim": claim.claim,
        "claimants": [{"name": c.name, "kind": c.kind, "role": c.role, "affiliation": c.affiliation, "url": c.url,
                       "slug": c.slug} for c in claim.claimants],
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
        "appearances": [appearance_record(model, claim, a, anchors) for a in claim.appearances],
        "corrections": [{"date": c.date, "text": c.text} for c in claim.corrections],
        "claim_review": claim_review(model, claim),
    }


def appearance_record(model: Model, claim: Claim, appearance: Appearance,
                      anchors: dict[tuple[str, int], Anchor]) -> dict[str, Any]:
    """Where the claim appeared, for claims.json: the claim file's words, and the quote's selectors."""
    record: dict[str, Any] = {"date": appearance.date}
    if appearance.url:
        record.update(url=appearance.url, title=appearance.title)
    else:
        record.update(source=appearance.source, source_url=source_url(model, model.sources[appearance.source]))
    if appearance.quote:
        anchor = anchors[(claim.id, appearance.number)]
        record.update(quote=appearance.quote, line=anchor.line,
                      target=targets(model, model.sources[appearance.source], anchor))
    return record


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
