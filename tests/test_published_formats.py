"""What the site publishes for other software, read by that software, offline.

ClaimReview markup and the DataFeed: extruct finds the markup in each claim page, pyld expands
it against schema.org's context (served from tests/vendor/ by an offline document loader), and
every expanded property and type must be a term of schema.org's vocabulary (rdflib's). Google's
required and recommended ClaimReview fields must be there, and every fact the markup states must
be on the page. The Atom feed: feedparser and jing with RFC 4287's grammar. The sitemap:
xmlschema with the sitemaps.org schema. tests/vendor/README.md says where each file comes from.
"""
from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import extruct
import feedparser
import lxml.html
import pytest
import rdflib
import xmlschema
from conftest import PROJECT, run_cli
from pyld import jsonld
from rdflib import RDF, RDFS, URIRef
from rdflib.namespace import SDO

CLAIMS = len(list((PROJECT / "content" / "claims").glob("*.yaml")))  # the embedded site's claims

VENDOR = Path(__file__).parent / "vendor"
SCHEMA_ORG_CONTEXT = json.loads(gzip.decompress((VENDOR / "schemaorg-context.jsonld.gz").read_bytes()))
SCHEMA = "https://schema.org/"

# Google's fact-check documentation: what a ClaimReview must have, and what it should.
REQUIRED = {"ClaimReview": {"claimReviewed", "reviewRating", "url"}, "Rating": {"alternateName"}}
RECOMMENDED = {"ClaimReview": {"author", "datePublished", "itemReviewed"}, "Claim": {"author", "datePublished"},
               "Rating": {"name"}}
RATED = {"ratingValue", "bestRating", "worstRating"}  # recommended for a verdict on the scale


def offline_loader(url: str, options: Any = None) -> dict[str, Any]:
    if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
        return {"contextUrl": None, "documentUrl": url, "document": SCHEMA_ORG_CONTEXT}
    raise jsonld.JsonLdError(f"the tests load nothing from the network: {url}", "jsonld.LoadDocumentError",
                             code="loading document failed")


def expand(document: dict[str, Any]) -> list[dict[str, Any]]:
    return jsonld.expand(document, {"documentLoader": offline_loader})


class Vocabulary:
    """schema.org's classes and properties, with their superclasses, domains and ranges, read by rdflib."""

    def __init__(self, path: Path):
        graph = rdflib.Graph().parse(data=gzip.decompress(path.read_bytes()).decode("utf-8"), format="nt")
        self.classes = set(graph.subjects(RDF.type, RDFS.Class))
        self.properties = set(graph.subjects(RDF.type, RDF.Property))
        self.superseded = set(graph.subjects(SDO.supersededBy, None))
        self.parents = {c: set(graph.objects(c, RDFS.subClassOf)) for c in self.classes}
        self.domains = {p: set(graph.objects(p, SDO.domainIncludes)) for p in self.properties}
        self.ranges = {p: set(graph.objects(p, SDO.rangeIncludes)) for p in self.properties}

    def lineage(self, cls: URIRef) -> set[URIRef]:
        seen, todo = set(), [cls]
        while todo:
            c = todo.pop()
            if c not in seen:
                seen.add(c)
                todo.extend(self.parents.get(c, ()))
        return seen

    def problems(self, expanded: Any) -> list[str]:
        """Unknown or superseded terms, and properties used on a type outside their domain or range."""
        found: list[str] = []
        for node in expanded if isinstance(expanded, list) else [expanded]:
            if not isinstance(node, dict) or "@value" in node:
                continue
            types = [self.term(t) for t in node.get("@type", [])]
            for t in types:
                if t not in self.classes or t in self.superseded:
                    found.append(f"unknown or superseded type {t}")
            lineage = set().union(*(self.lineage(t) for t in types)) if types else set()
            for key, values in node.items():
                if key.startswith("@"):
                    continue
                prop = self.term(key)
                if prop not in self.properties or prop in self.superseded:
                    found.append(f"unknown or superseded property {prop}")
                    continue
                if types and not lineage & self.domains[prop]:
                    found.append(f"{prop} on {[str(t) for t in types]}, outside its domain")
                for value in values:
                    value_types = [self.term(t) for t in value.get("@type", [])] if "@value" not in value else []
                    if value_types and not set().union(*(self.lineage(t) for t in value_types)) & self.ranges[prop]:
                        found.append(f"{prop} holds {[str(t) for t in value_types]}, outside its range")
                    found += self.problems(value)
        return found

    @staticmethod
    def term(iri: str) -> URIRef:
        # schema.org's context expands to http://schema.org/; its vocabulary files name the same terms in https.
        return URIRef(SCHEMA + iri.removeprefix("http://schema.org/").removeprefix(SCHEMA))


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary(VENDOR / "schemaorg-vocabulary.nt.gz")


def test_the_vocabulary_check_refuses_what_schema_org_does_not_define(vocabulary: Vocabulary) -> None:
    assert len(vocabulary.classes) > 500 and len(vocabulary.properties) > 1000
    wrong = {"@context": "https://schema.org", "@type": "ClaimReview", "claimReviewed": "x", "verdict": "false",
             "jobTitle": "editor", "itemReviewed": {"@type": "Claim", "firstAppearance": {"@type": "Rating"}}}
    assert sorted(vocabulary.problems(expand(wrong))) == [
        "https://schema.org/firstAppearance holds ['https://schema.org/Rating'], outside its range",
        "https://schema.org/jobTitle on ['https://schema.org/ClaimReview'], outside its domain",
        "unknown or superseded property https://schema.org/verdict"]


def facts(node: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    """Every value the markup states, with where it stands."""
    if isinstance(node, dict):
        return [f for key, value in node.items() if key not in ("@context", "@type")
                for f in facts(value, path + (key,))]
    if isinstance(node, list):
        return [f for i, value in enumerate(node) for f in facts(value, path + (i,))]
    return [(path, node)]


class Page:
    """A page as a reader sees it: its text, and the addresses and dates its elements carry."""

    def __init__(self, html: str, url: str):
        doc = lxml.html.fromstring(html)
        body = doc.find("body")
        self.text = " ".join(body.text_content().split())
        self.links = {urljoin(url, href) for href in doc.xpath("//@href")}
        self.dates = set(doc.xpath("//time/@datetime"))

    def shows(self, path: tuple, value: Any) -> bool:
        key = [p for p in path if isinstance(p, str)][-1]
        if key in ("url", "archivedAt"):
            return value in self.links
        if key.startswith("date"):
            return value in self.dates
        return " ".join(str(value).split()) in self.text


def claim_pages(site: Path) -> list[Path]:
    return sorted((site / "claims").glob("*/index.html"))


def page_url(site: Path, page: Path) -> str:
    html = page.read_text(encoding="utf-8")
    return lxml.html.fromstring(html).xpath("//link[@rel='canonical']/@href")[0]


def check_review(review: dict[str, Any]) -> list[str]:
    """What Google's documentation asks of a ClaimReview that this one lacks."""
    missing = [f"ClaimReview.{f}" for f in REQUIRED["ClaimReview"] | RECOMMENDED["ClaimReview"] if f not in review]
    rating = review.get("reviewRating", {})
    wanted = REQUIRED["Rating"] | RECOMMENDED["Rating"] | (RATED if "ratingValue" in rating else set())
    missing += [f"Rating.{f}" for f in wanted if f not in rating]
    missing += [f"Claim.{f}" for f in RECOMMENDED["Claim"] if f not in review.get("itemReviewed", {})]
    return missing


def test_every_claim_page_has_one_claim_review_of_schema_org_terms_with_googles_fields_all_on_the_page(
        built_site: Path, vocabulary: Vocabulary) -> None:
    pages = claim_pages(built_site)
    assert len(pages) == CLAIMS
    checked_facts = 0
    for page in pages:
        html = page.read_text(encoding="utf-8")
        url = page_url(built_site, page)
        found = extruct.extract(html, base_url=url, syntaxes=["json-ld"], uniform=False)["json-ld"]
        reviews = [d for d in found if d.get("@type") == "ClaimReview"]
        assert len(reviews) == 1, page
        review = reviews[0]
        assert review["url"] == url
        expanded = expand(review)
        assert len(expanded) == 1 and expanded[0]["@type"] == ["http://schema.org/ClaimReview"]
        assert vocabulary.problems(expanded) == [], page
        assert check_review(review) == [], page
        shown = Page(html, url)
        absent = [(path, value) for path, value in facts(review) if not shown.shows(path, value)]
        assert absent == [], (page, absent)
        checked_facts += len(facts(review))
    assert checked_facts > CLAIMS * 10


def test_claimants_are_typed_people_or_organisations_and_appearances_come_only_from_the_claim_file(
        built_site: Path) -> None:
    reviews = {}
    for page in claim_pages(built_site):
        html = page.read_text(encoding="utf-8")
        found = extruct.extract(html, syntaxes=["json-ld"], uniform=False)["json-ld"]
        reviews[page.parent.name] = found[0]
    authors = reviews["redeployment-is-an-iranian-decision"]["itemReviewed"]["author"]
    assert authors == {"@type": "Person", "name": "Saad Al-Hadithi", "jobTitle": "colonel; Iraqi security expert"}
    both = reviews["syria-offensive-threatens-iraq"]["itemReviewed"]["author"]
    assert [a["@type"] for a in both] == ["Person", "Person"]
    assert both[0]["affiliation"] == {"@type": "Organization", "name": "Kata'ib Sayyid al-Shuhada"}
    assert reviews["kataib-hezbollah-awaiting-orders"]["itemReviewed"]["author"]["@type"] == "Organization"
    # The reworded quotation appeared in the unsigned rewrite (seed 000), not in The New Arab, which it cites.
    reworded = reviews["fartousi-quotations-reworded"]["itemReviewed"]
    assert reworded["appearance"] == [reworded["firstAppearance"]]
    assert reworded["firstAppearance"]["archivedAt"].endswith("/sources/000_1b24216a71cf53b4/")
    assert "url" not in reworded["firstAppearance"]  # the rewrite's own address is not known
    # Every outlet and date in sources.yaml is inferred from the texts: none is stated as fact.
    for review in reviews.values():
        for work in review["itemReviewed"].get("appearance", []):
            assert "publisher" not in work and "datePublished" not in work, work


def test_the_data_feed_is_data_feed_items_each_the_markup_of_its_page(built_site: Path,
                                                                     vocabulary: Vocabulary) -> None:
    feed = json.loads((built_site / "claim-reviews.json").read_text(encoding="utf-8"))
    assert feed["@type"] == "DataFeed" and len(feed["dataFeedElement"]) == CLAIMS
    expanded = expand(feed)
    assert len(expanded) == 1 and vocabulary.problems(expanded) == []
    for element in feed["dataFeedElement"]:
        assert element["@type"] == "DataFeedItem" and element["dateCreated"]
        [review] = element["item"]
        assert review["@type"] == "ClaimReview" and element["url"] == review["url"]
        assert check_review(review) == []
        page = built_site / review["url"].split("/", 3)[3] / "index.html"
        on_page = extruct.extract(page.read_text(encoding="utf-8"), syntaxes=["json-ld"], uniform=False)["json-ld"][0]
        assert {k: v for k, v in on_page.items() if k != "@context"} == review


def test_the_atom_feed_reads_in_feedparser(built_site: Path) -> None:
    parsed = feedparser.parse((built_site / "feed.xml").read_bytes())
    assert parsed.bozo is False, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert len(parsed.entries) == CLAIMS
    urls = {page_url(built_site, p) for p in claim_pages(built_site)}
    assert {e.link for e in parsed.entries} == urls
    assert all(e.summary and e.published_parsed and e.updated_parsed for e in parsed.entries)


def _jing() -> str:
    path = shutil.which("jing")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("jing is not installed (bash .ci/install-test-tools.sh installs it)")
        pytest.skip("jing is not installed (bash .ci/install-test-tools.sh installs it)")
    return path


def test_the_atom_feed_is_valid_against_the_rfc_4287_grammar(built_site: Path, tmp_path: Path) -> None:
    jing = _jing()
    result = subprocess.run([jing, "-c", str(VENDOR / "atom.rnc"), str(built_site / "feed.xml")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout == "", result.stdout
    # The grammar does refuse a broken feed: an entry without its id.
    broken = tmp_path / "feed.xml"
    text = (built_site / "feed.xml").read_text(encoding="utf-8")
    start = text.index("<id>", text.index("<entry>"))
    broken.write_text(text[:start] + text[text.index("</id>", start) + 5:], encoding="utf-8")
    result = subprocess.run([jing, "-c", str(VENDOR / "atom.rnc"), str(broken)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0 and "id" in result.stdout


def test_the_sitemap_is_valid_against_the_sitemaps_org_schema_and_lists_every_page_but_the_noindex_ones(
        built_site: Path) -> None:
    schema = xmlschema.XMLSchema(str(VENDOR / "sitemap.xsd"))
    schema.validate(str(built_site / "sitemap.xml"))
    locs = [u["loc"] for u in schema.to_dict(str(built_site / "sitemap.xml"))["url"]]
    base = page_url(built_site, built_site / "index.html")
    listed, unlisted = [], []
    for page in sorted(built_site.rglob("index.html")):
        folder = page.parent.relative_to(built_site).as_posix()
        address = base if folder == "." else f"{base}{folder}/"
        noindex = '<meta name="robots" content="noindex">' in page.read_text(encoding="utf-8")
        (unlisted if noindex else listed).append(address)
    assert sorted(locs) == sorted(listed)
    # The search page, and claims/, which sends a reader who shortens a claim's address to the home page.
    assert unlisted == [f"{base}claims/", f"{base}search/"]
    assert {page_url(built_site, p) for p in claim_pages(built_site)} <= set(locs)


def test_a_base_url_with_a_path_gets_a_warning_about_robots_txt(site_root: Path) -> None:
    site = site_root / "content" / "site.yaml"
    text = site.read_text(encoding="utf-8")
    site.write_text(text.replace("base_url: https://factcheck.example.org/", "base_url: https://example.org/fc/"),
                    encoding="utf-8")
    line = next(i for i, l in enumerate(site.read_text(encoding="utf-8").split("\n"), 1) if l.startswith("base_url"))
    result = run_cli("check", "--root", str(site_root))
    assert result.code == 0
    assert (f"content/site.yaml:{line}:11: warning: the site is published under a path (/fc/), and crawlers read "
            "robots.txt only at the root of the host: https://example.org/robots.txt") in result.err
    assert "add the line 'Sitemap: https://example.org/fc/sitemap.xml' to https://example.org/robots.txt" in result.err
    assert run_cli("check", "--root", str(site_root), "--strict").code == 1
    # Once the host's own robots.txt is taken care of, the site says so and --strict passes.
    site.write_text(site.read_text(encoding="utf-8") + "host_robots_txt: true\n", encoding="utf-8")
    result = run_cli("check", "--root", str(site_root), "--strict")
    assert result.code == 0, result.err
    assert "robots.txt" not in result.err


PROBE = """\
claim: Iraqi factions sent fighters into Syria to defend Assad.
claimant: {name: Syrian military sources quoted by Reuters, kind: person}
claim_date: 2024-12-02
verdict: conflicting
summary: The reports disagree about whether fighters crossed the border.
evidence:
  - source: 002_a4831d323f0df05e
    quote: "around 200 Iraqi fighters entered Syria"
    stance: supports
published: 2024-12-08
"""


def _review(root: Path, text: str) -> dict[str, Any]:
    from site_builder import pipeline
    from site_builder.structured import claim_review

    (root / "content" / "claims" / "probe.yaml").write_text(text, encoding="utf-8")
    checked = pipeline.check(root)
    assert checked.ok, checked.problems.render("text")
    return claim_review(checked.model, next(c for c in checked.model.claims if c.id == "probe"))


def test_a_claim_without_appearances_has_neither_appearance_nor_first_appearance(site_root: Path) -> None:
    item = _review(site_root, PROBE)["itemReviewed"]
    assert "appearance" not in item and "firstAppearance" not in item
    assert item["author"] == {"@type": "Person", "name": "Syrian military sources quoted by Reuters"}


def test_the_first_appearance_is_the_earliest_dated_and_dates_given_in_the_claim_file_are_stated(
        site_root: Path, vocabulary: Vocabulary) -> None:
    text = PROBE.replace("claim_date: 2024-12-02\n", """claim_date: 2024-12-02
appearances:
  - url: https://example.org/later
    date: 2024-12-04
    title: A later post
  - url: https://example.org/earlier
    date: 2024-12-02
  - source: 002_a4831d323f0df05e
    quote: "around 200 Iraqi fighters entered Syria"
    date: 2024-12-03
""")
    item = _review(site_root, text)["itemReviewed"]
    assert [w.get("url") for w in item["appearance"]] == ["https://example.org/later", "https://example.org/earlier", None]
    assert item["appearance"][0] == {"@type": "CreativeWork", "url": "https://example.org/later",
                                     "name": "A later post", "datePublished": "2024-12-04"}
    assert item["firstAppearance"]["url"] == "https://example.org/earlier"
    seed = item["appearance"][2]
    assert seed["datePublished"] == "2024-12-03" and seed["text"] == "around 200 Iraqi fighters entered Syria"
    assert vocabulary.problems(expand({"@context": "https://schema.org", **item})) == []


def test_undated_appearances_cannot_be_ordered_so_none_is_called_first(site_root: Path) -> None:
    text = PROBE.replace("claim_date: 2024-12-02\n", """claim_date: 2024-12-02
appearances:
  - source: 000_1b24216a71cf53b4
  - url: https://example.org/post
    date: 2024-12-03
""")
    item = _review(site_root, text)["itemReviewed"]
    assert len(item["appearance"]) == 2 and "firstAppearance" not in item


def test_claims_json_gives_each_appearance_quote_a_place_in_its_seed(built_site: Path) -> None:
    from site_builder.anchor import normalise_quote

    records = json.loads((built_site / "claims.json").read_text(encoding="utf-8"))["claims"]
    quoted = [a for c in records for a in c["appearances"] if "quote" in a]
    assert quoted, "the embedded site has an appearance with its words"
    for appearance in quoted:
        text = (Path(__file__).parent.parent / "seeds" / f"{appearance['source']}.txt").read_text(encoding="utf-8")
        for target in appearance["target"]:
            quote, position = target["selector"]
            assert text[position["start"]:position["end"]] == quote["exact"]
            assert normalise_quote(quote["exact"]) == normalise_quote(appearance["quote"])
