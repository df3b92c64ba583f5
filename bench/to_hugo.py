#!/usr/bin/env python3
"""Convert a site root (content/ and seeds/) into an equivalent Hugo site: python bench/to_hugo.py SRC DIR

The Hugo site has the same pages as ours, without the parts Hugo has no notion of (anchoring
quotes in their sources, highlights, ClaimReview): a claim page per claim with its excerpts,
a page per source with its full text, a page per content page, list pages, taxonomies
`tags` and `verdicts` with their term pages, an RSS feed and a sitemap. No theme: the
layouts are minimal and written here. Build it with `hugo --quiet -s DIR -d OUT`.
"""
from __future__ import annotations

import datetime
import json
import shutil
import sys
from pathlib import Path

import yaml

CONFIG = """baseURL = {base_url}
title = {title}
locale = {language}
disableKinds = []
enableRobotsTXT = true

[taxonomies]
  tag = "tags"
  verdict = "verdicts"

[outputs]
  home = ["html", "rss"]
  section = ["html", "rss"]
  taxonomy = ["html"]
  term = ["html", "rss"]

[sitemap]
  changeFreq = "weekly"

[markup.goldmark.renderer]
  unsafe = false
"""

BASEOF = """<!doctype html>
<html lang="{{ site.Language.Lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if .IsHome }}{{ site.Title }}{{ else }}{{ .Title }} | {{ site.Title }}{{ end }}</title>
<link rel="canonical" href="{{ .Permalink }}">
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .RelPermalink }}" title="{{ site.Title }}">{{ end }}
</head>
<body>
<header><a href="{{ "" | relURL }}">{{ site.Title }}</a>
<nav><a href="{{ "claims/" | relURL }}">Claims</a> <a href="{{ "sources/" | relURL }}">Sources</a>
<a href="{{ "verdicts/" | relURL }}">Verdicts</a> <a href="{{ "tags/" | relURL }}">Tags</a></nav></header>
<main>{{ block "main" . }}{{ end }}</main>
{{ partialCached "footer.html" . }}
</body>
</html>
"""

# The footer lists the content pages; rendered once (partialCached), not once per page, which
# would filter all pages for each page: quadratic, 100 s at 10,000 claims instead of about 1.
FOOTER = """<footer>{{ range where site.RegularPages "Section" "" }}<a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ end }}</footer>
"""

SINGLE = """{{ define "main" }}<article><h1>{{ .Title }}</h1>{{ .Content }}</article>{{ end }}
"""

# data-pagefind-body and -ignore mark what Pagefind indexes, as our claim pages do, for the
# "Hugo + Pagefind" measurement: the way a Hugo site gets the same search.
CLAIM_SINGLE = """{{ define "main" }}
<article class="claim" data-pagefind-body>
<h1>{{ .Title }}</h1>
<p>Claimed by {{ .Params.claimant }} on {{ .Params.claim_date }}.</p>
{{ range .GetTerms "verdicts" }}<p class="verdict">Verdict: <a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></p>{{ end }}
{{ .Content }}
<p data-pagefind-ignore>Published {{ .Date.Format "2 January 2006" }}{{ if ne .Lastmod .Date }}, updated {{ .Lastmod.Format "2 January 2006" }}{{ end }}.</p>
<ul class="tags" data-pagefind-ignore>{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
</article>
{{ end }}
"""

SOURCE_SINGLE = """{{ define "main" }}
<article class="source">
<h1>{{ .Title }}</h1>
<dl>{{ with .Params.outlet }}<dt>Outlet</dt><dd>{{ . }}</dd>{{ end }}{{ with .Params.original_url }}<dt>Address</dt><dd><a href="{{ . }}">{{ . }}</a></dd>{{ end }}
<dt>SHA-256</dt><dd><code>{{ .Params.sha256 }}</code></dd></dl>
<div class="source-text">{{ .Content }}</div>
</article>
{{ end }}
"""

LIST = """{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ .Content }}
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ with .Params.claim_date }} ({{ . }}){{ end }}</li>{{ end }}</ul>
{{ end }}
"""

HOME = """{{ define "main" }}
<h1>{{ site.Title }}</h1>
<ul>{{ range (where site.RegularPages "Section" "claims").ByDate.Reverse }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ range .GetTerms "verdicts" }}[{{ .LinkTitle }}]{{ end }}</li>{{ end }}</ul>
{{ end }}
"""

TAXONOMY = """{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.LinkTitle }}</a> ({{ .Count }})</li>{{ end }}</ul>
{{ end }}
"""

TERM = """{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> ({{ .Date.Format "2006-01-02" }})</li>{{ end }}</ul>
{{ end }}
"""


def _iso(value) -> str:
    return value.isoformat() if isinstance(value, (datetime.date, datetime.datetime)) else str(value)


def front_matter(data: dict) -> str:
    """YAML front matter; JSON values are valid YAML and need no escaping thought."""
    lines = ["---"] + [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in data.items()] + ["---", ""]
    return "\n".join(lines)


def blockquote(text: str) -> str:
    return "> " + " ".join(text.split())


def claim_page(cid: str, claim: dict, sources: dict, verdict_labels: dict) -> str:
    fm = {"title": claim["claim"], "date": _iso(claim["published"]), "claimant": ", ".join(c["name"] for c in (claim["claimant"] if isinstance(claim["claimant"], list)
                                                 else [claim["claimant"]])),
          "claim_date": _iso(claim["claim_date"]), "verdicts": [str(claim["verdict"])],
          "verdict_label": verdict_labels.get(str(claim["verdict"]), str(claim["verdict"])),
          "tags": claim.get("tags", []), "summary": " ".join(str(claim["summary"]).split())}
    if claim.get("updated"):
        fm["lastmod"] = _iso(claim["updated"])
    body = [str(claim["summary"]).strip(), ""]
    if claim.get("analysis"):
        body += ["## Analysis", "", str(claim["analysis"]).strip(), ""]
    body += ["## Evidence", ""]
    for i, excerpt in enumerate(claim["evidence"], start=1):
        source = sources.get(excerpt["source"], {})
        name = source.get("outlet") or source.get("label") or excerpt["source"]
        body += [f"### Excerpt {i} ({excerpt['stance']})", "", blockquote(excerpt["quote"]), ">",
                 f"> [{name}](../../sources/{excerpt['source']}/)", ""]
        if excerpt.get("note"):
            body += [str(excerpt["note"]), ""]
    for correction in claim.get("corrections", []):
        body += [f"**Correction, {_iso(correction['date'])}:** {' '.join(str(correction['text']).split())}", ""]
    return front_matter(fm) + "\n".join(body)


def source_page(sid: str, meta: dict, text: str) -> str:
    fm = {"title": meta.get("title") or meta["label"], "sha256": meta["sha256"]}
    for key in ("outlet", "url", "author"):  # "url" is Hugo's own key for a page's address
        if meta.get(key):
            fm["original_url" if key == "url" else key] = meta[key]
    if meta.get("published"):
        fm["date"] = _iso(meta["published"])
    paragraphs = [" ".join(line.split()) for line in text.split("\n") if line.strip()]
    return front_matter(fm) + "\n\n".join(paragraphs) + "\n"


def convert(src: Path, dest: Path) -> dict:
    src, dest = Path(src), Path(dest)
    for sub in ("content", "layouts", "public", "resources"):
        shutil.rmtree(dest / sub, ignore_errors=True)
    site = yaml.safe_load((src / "content" / "site.yaml").read_text(encoding="utf-8"))
    verdicts = yaml.safe_load((src / "content" / "verdicts.yaml").read_text(encoding="utf-8"))["verdicts"]
    sources = yaml.safe_load((src / "seeds" / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    labels = {str(v["key"]): v["label"] for v in verdicts}

    (dest / "content" / "claims").mkdir(parents=True)
    (dest / "content" / "sources").mkdir(parents=True)
    (dest / "hugo.toml").write_text(CONFIG.format(base_url=json.dumps(site["base_url"]), title=json.dumps(site["title"]),
                                                  language=json.dumps(site["language"])), encoding="utf-8")
    for path, text in {"baseof.html": BASEOF, "single.html": SINGLE, "list.html": LIST, "home.html": HOME,
                       "taxonomy.html": TAXONOMY, "term.html": TERM, "claims/single.html": CLAIM_SINGLE,
                       "sources/single.html": SOURCE_SINGLE, "_partials/footer.html": FOOTER}.items():
        (dest / "layouts" / path).parent.mkdir(parents=True, exist_ok=True)
        (dest / "layouts" / path).write_text(text, encoding="utf-8")

    (dest / "content" / "claims" / "_index.md").write_text(front_matter({"title": "Claims"}), encoding="utf-8")
    (dest / "content" / "sources" / "_index.md").write_text(front_matter({"title": "Sources"}), encoding="utf-8")
    verdict_dir = dest / "content" / "verdicts"
    for v in verdicts:  # term pages carry the verdict's label and description
        (verdict_dir / str(v["key"])).mkdir(parents=True, exist_ok=True)
        (verdict_dir / str(v["key"]) / "_index.md").write_text(
            front_matter({"title": v["label"]}) + v["description"] + "\n", encoding="utf-8")

    claims = 0
    for file in sorted((src / "content" / "claims").glob("*.yaml")):
        claim = yaml.load(file.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        (dest / "content" / "claims" / f"{file.stem}.md").write_text(claim_page(file.stem, claim, sources, labels),
                                                                     encoding="utf-8")
        claims += 1
    for sid, meta in sources.items():
        text = (src / "seeds" / f"{sid}.txt").read_text(encoding="utf-8")
        (dest / "content" / "sources" / f"{sid}.md").write_text(source_page(sid, meta, text), encoding="utf-8")
    for page in sorted((src / "content" / "pages").glob("*.md")):
        shutil.copyfile(page, dest / "content" / page.name)  # front matter (title, nav) is Hugo's format too
    return {"claims": claims, "sources": len(sources)}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python bench/to_hugo.py SRC DIR", file=sys.stderr)
        return 2
    stats = convert(Path(argv[0]), Path(argv[1]))
    print(f"converted {stats['claims']} claims and {stats['sources']} sources into {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
