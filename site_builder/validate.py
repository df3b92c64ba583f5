"""Stage 2, validate: check the loaded data against the JSON Schemas and against each other.

The schemas in site_builder/schemas/ are the single source of truth for the file formats;
editors use the same files. This stage translates the schema's findings into a contributor's
words, adds the checks a schema cannot express (references, dates in order, digests) and
returns the site as plain dataclasses. Every problem in every file is collected.
"""
from __future__ import annotations

import datetime
import difflib
import functools
import hashlib
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import fastjsonschema

from .errors import Problems
from .load import SLUG, Loaded, YamlDoc
from .memo import NO_MEMO, NoMemo, Same
from .model import (
    Appearance,
    Claim,
    Claimant,
    Comparison,
    ContentPage,
    Correction,
    Event,
    Excerpt,
    Model,
    Residue,
    Site,
    Source,
    Verdict,
    Witness,
)
from .resources import builtin

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_DIR = builtin("schemas")
RESERVED_PAGE_SLUGS = {"claims", "sources", "verdicts", "tags", "index", "404", "feed", "sitemap",
                       "robots", "static", "pagefind", "corrections", "evidence", "livereload"}
YAML_BOOLEAN_WORDS = {"yes", "no", "on", "off", "true", "false", "y", "n"}
MIN_CONTRAST = 4.5


@functools.cache
def _schema(name: str) -> dict:
    return json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


# The schemas write patterns as JSON Schema does (ECMA-262), where `$` is the end of the text;
# Python's `$` also matches before a final newline, so that "iraq\n" would pass as a slug.
# Both validators read an unescaped `$` as `\Z` (fastjsonschema does so itself).
_DOLLAR = re.compile(r"(?<!\\)\$")


@functools.cache
def _whole_text_pattern(pattern: str) -> re.Pattern:
    return re.compile(_DOLLAR.sub(r"\\Z", pattern))


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict) -> Any:
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not _whole_text_pattern(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@functools.cache
def schema_validator(name: str) -> Draft202012Validator:
    """jsonschema: the authority, and the source of every error message, with `pattern` read
    as above.

    Imported here, not at the top: it is needed only for a file that fails the fast check,
    and importing it costs every command a tenth of a second."""
    from jsonschema import Draft202012Validator, FormatChecker, validators
    whole_text = validators.extend(Draft202012Validator, {"pattern": _pattern})
    return whole_text(_schema(name), format_checker=FormatChecker())


def _is_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
        return len(text) == 10
    except ValueError:
        return False


@functools.cache
def fast_validator(name: str) -> Callable[[Any], Any]:
    """The same schema compiled to Python by fastjsonschema, a dozen times faster: most files are
    valid, and only the invalid ones need jsonschema's detailed errors."""
    return fastjsonschema.compile(_schema(name), formats={"date": _is_date})


def is_valid_fast(name: str, data: Any) -> bool:
    try:
        fast_validator(name)(data)
        return True
    except fastjsonschema.JsonSchemaException:
        return False


def validate(loaded: Loaded, memo: NoMemo = NO_MEMO) -> tuple[Model | None, Problems]:
    """Check everything. The model holds every claim that could be read, errors or not, so that
    later checks still run on it (a misquote is reported in the same run as a typo); it is None
    when the site or the verdicts failed, and is never rendered while `problems` has errors.

    With a memo, a check is not run again on the same objects (the loader's memo gives the same
    parsed file while the file is unchanged).
    """
    problems = Problems()
    site = memo.get("site", Same(loaded.site), lambda found: _check_site(loaded.site, found), problems)
    verdicts = memo.get("verdicts", Same(loaded.verdicts), lambda found: _check_verdicts(loaded.verdicts, found),
                        problems)
    sources = memo.get("sources", (Same(loaded.sources), *(Same(s) for _, s in sorted(loaded.seeds.items()))),
                       lambda found: _check_sources(loaded, found), problems)
    check = claim_checker(verdicts, sources, memo)
    claims = [c for c in (check(doc, problems) for doc in loaded.claims) if c]
    # The tags of a claim and where they stand come from its file, as the claim object does.
    claim_keys = tuple(Same(c) for c in claims)
    memo.get("tags", claim_keys, lambda found: _check_tag_spellings(claims, loaded, found), problems)
    memo.get("claimant slugs", claim_keys, lambda found: _check_claimant_slugs(claims, loaded, found), problems)
    pages = [p for p in (_check_page(page, problems) for page in loaded.pages) if p]
    _check_transparency_pages(pages, site, problems)
    events = _check_events(loaded.events, sources, problems)
    if site is None or verdicts is None:
        return None, problems
    claims.sort(key=lambda c: c.id)
    claims.sort(key=lambda c: c.published, reverse=True)
    pages.sort(key=lambda p: (p.nav or 1000, p.slug))
    return Model(site, verdicts, sources, claims, pages, events), problems


# --- schema errors in a contributor's words -------------------------------------------------

PLACEHOLDER = "TODO:"  # what `build.py new` leaves for the contributor to fill in


def check_schema(doc: YamlDoc, name: str, problems: Problems) -> bool:
    """Validate a document against a schema; report each finding at its position."""
    if doc.data is None:
        problems.add(doc.path, 1, 1, "the file is empty", "see the README for what it holds")
        return False
    before = len(problems.errors)
    if PLACEHOLDER.encode() in doc.packed:  # the walk costs more than this look (a pickle holds text as UTF-8)
        _report_placeholders(doc, doc.data, (), problems)
    if len(problems.errors) == before and is_valid_fast(name, doc.data):
        return True
    validator = schema_validator(name)
    for error in validator.iter_errors(doc.data):
        if isinstance(error.instance, str) and error.instance.strip().startswith(PLACEHOLDER):
            continue  # already reported as a placeholder
        _report_schema_error(doc, error, validator.schema, problems)
    return len(problems.errors) == before


def _report_placeholders(doc: YamlDoc, value: Any, path: tuple, problems: Problems) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _report_placeholders(doc, item, path + (key,), problems)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _report_placeholders(doc, item, path + (i,), problems)
    elif isinstance(value, str) and value.strip().startswith(PLACEHOLDER):
        line, col = doc.where(path)
        problems.add(doc.path, line, col, f"{_field_name(path)} still holds the placeholder '{_first_line(value)}'",
                     "replace it with the real value")


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0]


def _report_schema_error(doc: YamlDoc, error: ValidationError, schema: dict, problems: Problems) -> None:
    path = tuple(error.absolute_path)
    line, col = doc.where(path)
    field = _field_name(path)
    kind, value = error.validator, error.instance
    if kind == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        for key in sorted(set(value) - set(allowed)):
            kline, kcol = doc.where(path + (key,), key=True)
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"the keys allowed here are: {', '.join(allowed)}"
            problems.add(doc.path, kline, kcol, f"unknown key '{key}'", hint)
        return
    if kind == "required":
        missing = re.match(r"'(.+)' is a required property", error.message)
        key = missing.group(1) if missing else "?"
        described = error.schema.get("properties", {}).get(key, {}).get("description", "")
        where = f" in {field}" if path else ""
        problems.add(doc.path, line, col, f"the key '{key}' is missing{where}",
                     f"add '{key}:'" + (f": {described[0].lower()}{described[1:]}" if described else ""))
        return
    if kind == "type":
        raw = doc.plain.get(path, "")
        expected = error.validator_value
        if "string" in _as_list(expected) and raw.lower() in YAML_BOOLEAN_WORDS:
            problems.add(doc.path, line, col, f"{field} was read as a yes/no value, not as text",
                         f'YAML reads an unquoted {raw} as a boolean; put it in quotes: "{raw}"')
        elif "string" in _as_list(expected) and raw:
            problems.add(doc.path, line, col, f"{field} was read as a number, not as text",
                         f'put it in quotes: "{raw}"')
        else:
            problems.add(doc.path, line, col, f"{field} should be {_type_words(expected)}, not {_describe(value)}",
                         _type_hint(expected))
        return
    if kind == "format" and error.validator_value == "date":
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
            problems.add(doc.path, line, col, f"{field}: the date {value} does not exist",
                         "check the day and month; dates are written YYYY-MM-DD")
        else:
            problems.add(doc.path, line, col, f"{field}: '{value}' is not a date",
                         "write dates as YYYY-MM-DD, for example 2024-12-02")
        return
    if kind == "enum":
        options = [str(o) for o in error.validator_value]
        close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.5)
        hint = (f"did you mean '{close[0]}'? " if close else "") + f"choose one of: {', '.join(options)}"
        problems.add(doc.path, line, col, f"{field}: '{value}' is not allowed", hint)
        return
    if kind == "pattern":
        problems.add(doc.path, line, col, f"{field}: '{value}' is not in the expected form", _pattern_hint(error.validator_value, value))
        return
    if kind in ("minLength", "maxLength"):
        limit = error.validator_value
        if kind == "minLength":
            problems.add(doc.path, line, col, f"{field} is too short ({len(value)} characters)",
                         f"write at least {limit} characters")
        else:
            problems.add(doc.path, line, col, f"{field} is too long ({len(value)} characters)",
                         f"keep it to {limit} characters at most")
        return
    if kind in ("minItems", "maxItems"):
        limit = error.validator_value
        need = f"at least {limit}" if kind == "minItems" else f"at most {limit}"
        problems.add(doc.path, line, col, f"{field} has {len(value)} item(s)", f"give {need}")
        return
    if kind == "uniqueItems":
        seen: set = set()
        for i, item in enumerate(value):
            key = json.dumps(item, sort_keys=True)
            if key in seen:
                iline, icol = doc.where(path + (i,))
                problems.add(doc.path, iline, icol, f"{field}: '{item}' is listed twice", "remove the repeated item")
            seen.add(key)
        return
    if kind in ("minimum", "maximum"):
        problems.add(doc.path, line, col, f"{field} is {value}, out of range",
                     f"the {kind} is {error.validator_value}")
        return
    problems.add(doc.path, line, col, f"{field}: {error.message}", "see the schema in site_builder/schemas/")


def _field_name(path: tuple) -> str:
    if not path:
        return "the file"
    parts: list[str] = []
    for part in path:
        parts.append(f"[{part + 1}]" if isinstance(part, int) else ("." if parts else "") + str(part))
    return "'" + "".join(parts) + "'"


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _type_words(expected: Any) -> str:
    words = {"string": "text", "object": "a set of 'key: value' lines", "array": "a list ('- ' items)",
             "integer": "a whole number", "boolean": "true or false", "null": "empty", "number": "a number"}
    return " or ".join(words.get(t, t) for t in _as_list(expected))


def _type_hint(expected: Any) -> str:
    first = _as_list(expected)[0]
    return {"string": "write the text after the colon, in quotes if it holds a colon or starts with a symbol",
            "object": "indent the keys under this one",
            "array": "write each item on its own line starting with '- '",
            "integer": "write a number such as 2"}.get(first, "see the schema in site_builder/schemas/")


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "a yes/no value"
    if value is None:
        return "empty"
    if isinstance(value, dict):
        return "a set of keys"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return "a number"
    return "text"


def _pattern_hint(pattern: str, value: Any) -> str:
    if "a-z0-9" in pattern and "A-Z" not in pattern:
        suggestion = slugify(str(value))
        return "use lower-case letters, digits and single hyphens" + (f", such as '{suggestion}'" if suggestion else "")
    if pattern.startswith("^#"):
        return "write a colour as # and six hex digits, such as #1a5fb4"
    if "https?" in pattern:
        return "write a full address starting with https://" + (" and ending with /" if pattern.endswith("/$") else "")
    if "[1-9]" in pattern:
        return "write a line number (14) or a range (14-15)"
    return f"it must match {pattern}"


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --- the site, the verdicts, the sources ---------------------------------------------------

_HOST = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_BASE_URL = re.compile(rf"https?://{_HOST}(?:\.{_HOST})*(?::[0-9]{{1,5}})?/(?:(?!\.\.?/)[A-Za-z0-9._~%+-]+/)*")


def base_url_problem(url: str) -> tuple[str, str] | None:
    """What is wrong with a base URL, as (what, how to fix), or None when it is an absolute
    http(s) URL with a host and a clean path ending in / (no user, query, fragment, empty or
    dot segments: each would send the site's absolute links somewhere else)."""
    if _BASE_URL.fullmatch(url):
        return None
    return ("is not a plain web address of a folder",
            "write http:// or https://, a host name, and a path of words ending with /, "
            "such as https://example.org/fact-check/")


def _check_site(doc: YamlDoc | None, problems: Problems) -> Site | None:
    if doc is None or not check_schema(doc, "site", problems):
        return None
    d = doc.data
    wrong = base_url_problem(d["base_url"])
    if wrong:
        line, col = doc.where(("base_url",))
        problems.add(doc.path, line, col, f"'base_url': '{d['base_url']}' {wrong[0]}", wrong[1])
        return None
    return Site(d["title"], d["description"], d["base_url"], d["language"], d["organisation"]["name"],
                d["organisation"]["url"], d["default_author"], d.get("contact", ""),
                d.get("feed_entries", Site.feed_entries), d.get("host_robots_txt", False))


def contrast_with_white(colour: str) -> float:
    """WCAG 2 contrast ratio between white text and a #rrggbb background."""
    def channel(byte: int) -> float:
        c = byte / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    lum = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (lum + 0.05)


def _check_verdicts(doc: YamlDoc | None, problems: Problems) -> list[Verdict] | None:
    if doc is None or not check_schema(doc, "verdicts", problems):
        return None
    verdicts, seen = [], set()
    for i, item in enumerate(doc.data["verdicts"]):
        line, col = doc.where(("verdicts", i, "key"))
        if item["key"] in seen:
            problems.add(doc.path, line, col, f"the verdict '{item['key']}' is defined twice", "keep one of them")
            continue
        seen.add(item["key"])
        ratio = contrast_with_white(item["colour"])
        if ratio < MIN_CONTRAST:
            cline, ccol = doc.where(("verdicts", i, "colour"))
            problems.add(doc.path, cline, ccol,
                         f"white text on {item['colour']} has a contrast of {ratio:.2f}:1, below {MIN_CONTRAST}:1",
                         "choose a darker colour so that the badge stays readable")
        verdicts.append(Verdict(item["key"], item["label"], item["description"], item["colour"].lower(), item["rating"]))
    return verdicts


def _check_sources(loaded: Loaded, problems: Problems) -> dict[str, Source]:
    doc = loaded.sources
    if doc is None or not check_schema(doc, "sources", problems):
        return {}
    sources = {}
    meta = doc.data["sources"]
    for seed_id, unlisted in sorted(loaded.seeds.items()):
        if seed_id not in meta:
            problems.add(unlisted.path, 0, 0, f"the seed '{seed_id}' has no entry in seeds/sources.yaml",
                         f"add '{seed_id}:' under 'sources:' with its label, language and sha256 ({unlisted.sha256})")
    for seed_id, item in meta.items():
        line, col = doc.where(("sources", seed_id), key=True)
        seed = loaded.seeds.get(seed_id)
        if seed is None:
            problems.add(doc.path, line, col, f"there is no seed file seeds/{seed_id}.txt",
                         "add the text, or remove this entry")
            continue
        if seed.sha256 != item["sha256"]:
            sline, scol = doc.where(("sources", seed_id, "sha256"))
            problems.add(doc.path, sline, scol,
                         f"the bytes of {seed.path} have changed: pinned sha256 {item['sha256']}, actual {seed.sha256}",
                         "seeds are evidence and are never edited; restore the original bytes, or, if the new text "
                         "is deliberate, re-pin it", fix=f"pin {seed_id}")
        if item.get("original") and not (loaded.root / "seeds" / item["original"]).is_file():
            oline, ocol = doc.where(("sources", seed_id, "original"))
            problems.add(doc.path, oline, ocol, f"there is no file seeds/{item['original']}",
                         "put the original page back beside the text, or remove 'original:'", severity="warning")
        residue = _check_residue(doc, seed_id, item.get("residue", []), seed.text, problems)
        inferred = frozenset(k[: -len("_inferred")] for k, v in item.items() if k.endswith("_inferred") and v)
        sources[seed_id] = Source(seed_id, seed.path, seed.text, item["label"], item["language"], item["sha256"],
                                  item.get("title", ""), item.get("outlet", ""), item.get("author", ""),
                                  item.get("url", ""), item.get("published", ""), inferred, item.get("notes", ""),
                                  residue, item.get("derived_from", ""), extracted=frozenset(item.get("extracted", [])),
                                  retrieved=item.get("retrieved", ""))
    _check_derivations(doc, sources, problems)
    return sources


def _check_events(doc: YamlDoc | None, sources: dict[str, Source], problems: Problems) -> tuple[Event, ...]:
    """The events of content/events.yaml, when there is one, by date; their quotes are anchored later."""
    if doc is None or not check_schema(doc, "events", problems):
        return ()
    events = []
    number = 0
    for i, item in enumerate(doc.data["events"]):
        witnesses = []
        for j, given in enumerate(item["evidence"]):
            number += 1
            path = ("events", i, "evidence", j)
            if given["source"] not in sources:
                _unknown_source(doc, path + ("source",), given["source"], sources, problems)
                continue
            line, col = doc.where(path + ("quote",))
            witnesses.append(Witness(number, given["source"], given["quote"], given.get("prefix", ""),
                                     given.get("occurrence", 0), line, col))
        events.append(Event(i + 1, item["date"], " ".join(item["event"].split()), tuple(witnesses),
                            " ".join(item.get("date_note", "").split())))
    return tuple(sorted(events, key=lambda e: (e.date, e.number)))


def _check_derivations(doc: YamlDoc, sources: dict[str, Source], problems: Problems) -> None:
    """Each `derived_from` names another known seed, and following them never comes back round."""
    for seed_id, source in sources.items():
        if not source.derived_from:
            continue
        line, col = doc.where(("sources", seed_id, "derived_from"))
        if source.derived_from == seed_id:
            problems.add(doc.path, line, col, f"the seed '{seed_id}' is said to be derived from itself",
                         "name the seed it copies or rewrites, or remove 'derived_from'")
            continue
        if source.derived_from not in sources:
            close = difflib.get_close_matches(source.derived_from, list(sources), n=1, cutoff=0.5)
            hint = (f"did you mean '{close[0]}'? " if close else "") + "name another seed of seeds/ without .txt"
            problems.add(doc.path, line, col, f"'derived_from': there is no seed '{source.derived_from}'", hint)
            continue
        seen, current = [seed_id], source.derived_from
        while current and current not in seen:
            seen.append(current)
            current = sources[current].derived_from if current in sources else ""
        if current == seed_id:
            problems.add(doc.path, line, col, f"'derived_from' goes round in a circle: {' -> '.join([*seen, seed_id])}",
                         "a text is derived from an earlier one; remove 'derived_from' from the original")


def _check_residue(doc: YamlDoc, seed_id: str, items: list, text: str, problems: Problems) -> tuple[Residue, ...]:
    lines = text.split("\n")
    count = len(lines) - (1 if text.endswith("\n") else 0)
    out = []
    for i, item in enumerate(items):
        line, col = doc.where(("sources", seed_id, "residue", i, "lines"))
        first, _, last = item["lines"].partition("-")
        first, last = int(first), int(last or first)
        if last < first or last > count:
            problems.add(doc.path, line, col, f"lines {item['lines']} are outside {seed_id}.txt, which has {count} lines",
                         "give lines that exist, first before last")
            continue
        fragment = item.get("text", "")
        if fragment and (first != last or fragment not in lines[first - 1]):
            tline, tcol = doc.where(("sources", seed_id, "residue", i, "text"))
            problems.add(doc.path, tline, tcol, f"the text is not found on line {first} of {seed_id}.txt",
                         "copy it exactly from that single line, or leave 'text' out to mark whole lines")
            continue
        out.append(Residue(first, last, item["reason"], fragment))
    return tuple(out)


# --- claims --------------------------------------------------------------------------------

def claim_checker(verdicts: list[Verdict] | None, sources: dict[str, Source],
                  memo: NoMemo = NO_MEMO) -> Callable[[YamlDoc, Problems], Claim | None]:
    """What checks one claim file: against the verdicts and the sources, nothing else of the site."""
    value = (None if verdicts is None else tuple(verdicts), tuple(sorted(sources.items())))
    context = Same(memo.get("claim context", value, lambda _: value))  # the same object while equal: cheap keys
    known = KnownFrom(sources)

    def check(doc: YamlDoc, problems: Problems) -> Claim | None:
        return memo.get("claim", (Same(doc), context),
                        functools.partial(_check_claim, doc, verdicts, sources, known), problems)
    return check


def _check_claim(doc: YamlDoc, verdicts: list[Verdict] | None, sources: dict[str, Source], known: KnownFrom,
                 problems: Problems) -> Claim | None:
    claim_id = Path(doc.path).stem
    if not SLUG.fullmatch(claim_id):
        problems.add(doc.path, 0, 0, f"the file name '{claim_id}' is not a valid claim id",
                     f"rename the file to {slugify(claim_id) or 'a-slug'}.yaml: lower-case letters, digits and hyphens")
    if not check_schema(doc, "claim", problems):
        return None
    d = doc.data
    if "id" in d and d["id"] != claim_id:
        line, col = doc.where(("id",))
        problems.add(doc.path, line, col, f"the id '{d['id']}' does not match the file name '{claim_id}.yaml'",
                     f"rename the file to {d['id']}.yaml, or set 'id: {claim_id}'")
    _check_verdict_key(doc, d["verdict"], verdicts, problems)
    claimants = _check_claimants(doc, d["claimant"], problems)
    evidence = _check_evidence(doc, d["evidence"], sources, problems)
    appearances = _check_appearances(doc, d.get("appearances", []), len(d["evidence"]) + 1, d["claim_date"],
                                     sources, problems)
    if not appearances and "appearances" not in d:
        _warn_no_appearance(doc, d["claimant"], claimants, known, problems)
    comparisons = _check_comparisons(doc, d.get("comparisons", []), evidence, problems)
    _check_dates(doc, d, problems)
    _check_rating_has_evidence(doc, d["verdict"], verdicts, evidence, problems)
    # A claim with errors is still returned, with the excerpts that passed, so that its quotes
    # are checked in the same run; `validate`'s model is never rendered while there are errors.
    corrections = tuple(sorted((Correction(c["date"], c["text"]) for c in d.get("corrections", [])),
                               key=lambda c: c.date, reverse=True))
    return Claim(claim_id, doc.path, d["claim"].strip(), claimants, d["claim_date"], d["verdict"],
                 d["summary"], d["published"], tuple(evidence), d.get("analysis", ""), tuple(comparisons),
                 tuple(d.get("tags", [])), d.get("updated", ""), d.get("author", ""), corrections,
                 d.get("short_claim", "").strip(), doc.where(("claim",))[0], tuple(appearances))


def _claimant_items(value: Any) -> list[tuple[tuple, Any]]:
    """Each claimant with where it stands: ("claimant",) for one, ("claimant", i) in a list."""
    if isinstance(value, list):
        return [(("claimant", i), item) for i, item in enumerate(value)]
    return [(("claimant",), value)]


def claimant_slug(name: str) -> str:
    """claimants/<slug>/: the name's letters and digits; a name with none (in another script) gets a digest."""
    return slugify(name) or "claimant-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]


def _check_claimants(doc: YamlDoc, value: Any, problems: Problems) -> tuple[Claimant, ...]:
    out = []
    for path, item in _claimant_items(value):
        if isinstance(item, str):
            line, col = doc.where(path)
            name = " ".join(item.split())
            indent = "  " if len(path) == 1 else "  - "
            problems.add(doc.path, line, col,
                         f"{_field_name(path)} is plain text, which does not say whether '{name}' is a person "
                         f"or an organisation", "give its 'name' and 'kind' on lines of their own",
                         detail=f"claimant:\n{indent}name: {json.dumps(name, ensure_ascii=False)}\n"
                                f"{' ' * len(indent)}kind: person          # or: organisation\n"
                                f"{' ' * len(indent)}role: \"...\"          # optional: role or affiliation")
            continue
        name = sys.intern(" ".join(item["name"].split()))  # a claimant speaks in many claims: one string
        if "affiliation" in item and item["kind"] != "person":
            kline, kcol = doc.where(path + ("affiliation",), key=True)
            problems.add(doc.path, kline, kcol, "'affiliation' is for a person: the organisation they speak for",
                         "describe an organisation with 'role:', or set 'kind: person'")
            continue
        out.append(Claimant(name, item["kind"], sys.intern(" ".join(item.get("role", "").split())), item.get("url", ""),
                            sys.intern(claimant_slug(name)), sys.intern(" ".join(item.get("affiliation", "").split()))))
    return tuple(out)


def _check_claimant_slugs(claims: list[Claim], loaded: Loaded, problems: Problems) -> None:
    """One claimant page per slug: two claimants whose names give the same slug must be the same one."""
    first: dict[str, tuple[Claimant, Claim]] = {}
    docs = {doc.path: doc for doc in loaded.claims}
    for claim in sorted(claims, key=lambda c: c.path):
        for i, claimant in enumerate(claim.claimants):
            seen = first.setdefault(claimant.slug, (claimant, claim))
            if seen[0].name == claimant.name and seen[0].kind == claimant.kind:
                continue
            doc = docs[claim.path]
            items = _claimant_items(doc.data["claimant"])
            line, col = doc.where(items[min(i, len(items) - 1)][0] + ("name",))
            problems.add(claim.path, line, col,
                         f"the claimant '{claimant.name}' ({claimant.kind}) would share the page claimants/{claimant.slug}/ "
                         f"with '{seen[0].name}' ({seen[0].kind}) of {seen[1].path}",
                         "write the same name and kind for the same claimant, or tell two apart by their names")


def _check_appearances(doc: YamlDoc, items: list, first_number: int, claim_date: str, sources: dict[str, Source],
                       problems: Problems) -> list[Appearance]:
    out: list[Appearance] = []
    seen: dict[tuple[str, str], int] = {}
    for i, item in enumerate(items):
        path = ("appearances", i)
        line, col = doc.where(path)
        before = len(problems.errors)
        if ("source" in item) == ("url" in item):
            problems.add(doc.path, line, col,
                         "an appearance names a seed ('source:') or an outside page ('url:')" +
                         (", not both" if "source" in item else ""),
                         "give one of them; a seed's own address belongs in seeds/sources.yaml")
            continue
        if "url" in item:
            for key in ("quote", "prefix", "occurrence"):
                if key in item:
                    kline, kcol = doc.where(path + (key,), key=True)
                    problems.add(doc.path, kline, kcol, f"'{key}' is checked against a seed, and this appearance is an outside page",
                                 "remove it, or add the page to seeds/ and give 'source:' instead of 'url:'")
            if "date" not in item:
                problems.add(doc.path, line, col, "an appearance on an outside page needs its date",
                             "add 'date: YYYY-MM-DD': when the claim appeared there")
        else:
            source = sources.get(item["source"])
            if source is None:
                _unknown_source(doc, path + ("source",), item["source"], sources, problems)
                continue
            if "title" in item:
                kline, kcol = doc.where(path + ("title",), key=True)
                problems.add(doc.path, kline, kcol, "'title' is for an outside page; a seed's title is in seeds/sources.yaml",
                             "remove it, or correct the seed's entry")
            for key in ("prefix", "occurrence"):
                if key in item and "quote" not in item:
                    kline, kcol = doc.where(path + (key,), key=True)
                    problems.add(doc.path, kline, kcol, f"'{key}' places a quote, and this appearance has none",
                                 "add 'quote:' with the words that make the claim, or remove it")
        if "date" in item:
            date, dated = item["date"], f"the appearance is dated {item['date']}"
        elif "source" in item:
            date = sources[item["source"]].published
            inferred = " (inferred from the text)" if "published" in sources[item["source"]].inferred else ""
            dated = f"{sources[item['source']].path} is dated {date} in seeds/sources.yaml{inferred}"
        else:
            date = dated = ""
        if date and date < claim_date:
            dline, dcol = doc.where(path + ("date",)) if "date" in item else doc.where(path + ("source",))
            problems.add(doc.path, dline, dcol, f"{dated}, before the claim was made ({claim_date})",
                         "a claim appears on or after the day it is made; correct 'claim_date' or the appearance's "
                         "date (with 'date:', when the seed's own date is not when the claim appeared there)")
        place = (item.get("source") or item.get("url"), " ".join(item.get("quote", "").split()))
        if place in seen:
            problems.add(doc.path, line, col, f"this appearance is listed twice (first as appearance {seen[place]})",
                         "remove the repeated appearance")
        seen.setdefault(place, i + 1)
        if len(problems.errors) > before:
            continue
        qline, qcol = doc.where(path + ("quote",))
        out.append(Appearance(first_number + i, item.get("source", ""), item.get("url", ""), item.get("date", ""),
                              " ".join(item.get("title", "").split()), item.get("quote", ""), item.get("prefix", ""),
                              item.get("occurrence", 0), qline, qcol))
    return out


class KnownFrom:
    """Which seed a claimant is known from: the first seed, by id, whose outlet the claimant's name, role
    or affiliation names as a whole word, or whose label is the claimant's name.

    Made once for the sources, so that each claimant costs a look per outlet, not per seed."""

    def __init__(self, sources: dict[str, Source]):
        self.outlets: dict[str, tuple[re.Pattern, Source]] = {}
        self.labels: dict[str, Source] = {}
        for source in sorted(sources.values(), key=lambda s: s.id):
            outlet = source.outlet.casefold()
            if outlet and outlet not in self.outlets:
                self.outlets[outlet] = (re.compile(rf"(?<!\w){re.escape(outlet)}(?!\w)"), source)
            self.labels.setdefault(source.label.casefold(), source)

    def source_of(self, claimant: Claimant) -> Source | None:
        words = f"{claimant.name} {claimant.role} {claimant.affiliation}".casefold()
        found = [source for pattern, source in self.outlets.values() if pattern.search(words)]
        if claimant.name.casefold() in self.labels:
            found.append(self.labels[claimant.name.casefold()])
        return min(found, key=lambda s: s.id, default=None)


def _warn_no_appearance(doc: YamlDoc, value: Any, claimants: tuple[Claimant, ...], known: KnownFrom,
                        problems: Problems) -> None:
    """A claimant known from a seed (an outlet it names, or the seed itself) should say where the claim appeared."""
    items = _claimant_items(value)
    if len(items) != len(claimants):
        return  # a claimant has an error of its own
    for (path, _item), claimant in zip(items, claimants, strict=True):
        source = known.source_of(claimant)
        if source is not None:
            line, col = doc.where(path + ("name",))
            problems.add(doc.path, line, col,
                         f"the claimant '{claimant.name}' is known from {source.outlet or source.label} "
                         f"({source.path}), but the claim gives no 'appearances'",
                         f"add 'appearances:' with '- source: {source.id}' and the words that make the claim as "
                         "'quote:'; without it ClaimReview cannot say where the claim was made", severity="warning")
            return


def _unknown_source(doc: YamlDoc, path: tuple, name: str, sources: dict[str, Source], problems: Problems) -> None:
    """The error for a 'source:' (at `path`) that names no seed, with the closest seed id."""
    line, col = doc.where(path)
    close = difflib.get_close_matches(name, list(sources), n=1, cutoff=0.5)
    problems.add(doc.path, line, col, f"unknown source '{name}'",
                 (f"did you mean '{close[0]}'? " if close else "") + "name a seed file of seeds/ without .txt")


def _check_verdict_key(doc: YamlDoc, key: str, verdicts: list[Verdict] | None, problems: Problems) -> None:
    if verdicts is None:
        return
    keys = [v.key for v in verdicts]
    if key not in keys:
        line, col = doc.where(("verdict",))
        close = difflib.get_close_matches(key, keys, n=1, cutoff=0.5)
        hint = (f"did you mean '{close[0]}'? " if close else "") + f"the verdicts are: {', '.join(keys)}"
        problems.add(doc.path, line, col, f"unknown verdict '{key}'", hint)


def _check_evidence(doc: YamlDoc, items: list, sources: dict[str, Source], problems: Problems) -> list[Excerpt]:
    out: list[Excerpt] = []
    seen_quotes: dict[tuple[str, str], int] = {}
    seen_ids: dict[str, int] = {}
    for i, item in enumerate(items):
        line, col = doc.where(("evidence", i, "quote"))
        if item["source"] not in sources:
            _unknown_source(doc, ("evidence", i, "source"), item["source"], sources, problems)
            continue
        key = (item["source"], " ".join(item["quote"].split()))
        if key in seen_quotes:
            problems.add(doc.path, line, col, f"this excerpt is listed twice (first as excerpt {seen_quotes[key]})",
                         "remove the repeated excerpt")
            continue
        seen_quotes[key] = i + 1
        excerpt_id = item.get("id", "")
        if excerpt_id:
            if excerpt_id in seen_ids:
                iline, icol = doc.where(("evidence", i, "id"))
                problems.add(doc.path, iline, icol, f"the excerpt id '{excerpt_id}' is used twice",
                             "give each excerpt its own id")
                continue
            seen_ids[excerpt_id] = i + 1
        out.append(Excerpt(i + 1, item["source"], item["quote"], item["stance"], excerpt_id, item.get("note", ""),
                           item.get("prefix", ""), item.get("occurrence", 0), line, col))
    return out


def _check_comparisons(doc: YamlDoc, items: list, evidence: list[Excerpt], problems: Problems) -> list[Comparison]:
    by_id = {e.id: e for e in evidence if e.id}
    out = []
    for i, item in enumerate(items):
        pair = item["excerpts"]
        found = []
        for j, excerpt_id in enumerate(pair):
            if excerpt_id not in by_id:
                line, col = doc.where(("comparisons", i, "excerpts", j))
                known = ", ".join(sorted(by_id)) or "none yet"
                problems.add(doc.path, line, col, f"no excerpt of this claim has the id '{excerpt_id}'",
                             f"add 'id: {excerpt_id}' to the excerpt you mean (ids in this claim: {known})")
            else:
                found.append(by_id[excerpt_id])
        if len(found) == 2 and found[0].source == found[1].source:
            line, col = doc.where(("comparisons", i, "excerpts"))
            problems.add(doc.path, line, col, "both excerpts of the comparison come from the same source",
                         "compare what two different sources report of the same words")
            continue
        if len(found) == 2:
            out.append(Comparison(item["speaker"], pair[0], pair[1], item.get("note", "")))
    return out


def _check_dates(doc: YamlDoc, d: dict, problems: Problems) -> None:
    published, updated = d["published"], d.get("updated", "")
    if d["claim_date"] > published:
        line, col = doc.where(("claim_date",))
        problems.add(doc.path, line, col, f"the claim is dated {d['claim_date']}, after the fact-check was published ({published})",
                     "a claim is checked after it was made; correct one of the two dates")
    if updated and updated < published:
        line, col = doc.where(("updated",))
        problems.add(doc.path, line, col, f"'updated' ({updated}) is before 'published' ({published})",
                     "an update comes after publication; correct the date")
    for i, correction in enumerate(d.get("corrections", [])):
        line, col = doc.where(("corrections", i, "date"))
        if correction["date"] < published:
            problems.add(doc.path, line, col, f"the correction is dated {correction['date']}, before publication ({published})",
                         "a correction comes after publication; correct the date")
        elif not updated or correction["date"] > updated:
            problems.add(doc.path, line, col, f"the correction of {correction['date']} is later than 'updated' ({updated or 'missing'})",
                         f"set 'updated: {correction['date']}' or later, so readers and feeds see the change")


def _check_rating_has_evidence(doc: YamlDoc, key: str, verdicts: list[Verdict] | None, evidence: list[Excerpt],
                               problems: Problems) -> None:
    rated = [v.rating for v in verdicts or [] if v.rating is not None]
    verdict = next((v for v in verdicts or [] if v.key == key), None)
    if not rated or verdict is None or verdict.rating is None:
        return
    stances = {e.stance for e in evidence}
    line, col = doc.where(("verdict",))
    if verdict.rating == max(rated) and "supports" not in stances:
        problems.add(doc.path, line, col, f"the claim is rated '{verdict.label}' but no excerpt supports it",
                     "add the excerpt that shows it is true, with 'stance: supports'", severity="warning")
    if verdict.rating == min(rated) and "refutes" not in stances:
        problems.add(doc.path, line, col, f"the claim is rated '{verdict.label}' but no excerpt refutes it",
                     "add the excerpt that shows it is false, with 'stance: refutes'", severity="warning")


def _squash(tag: str) -> str:
    return tag.replace("-", "").rstrip("s")


def _one_deletion(tag: str) -> set[str]:
    """The tag and every text one character shorter: two tags one letter apart share one."""
    return {tag} | {tag[:i] + tag[i + 1:] for i in range(len(tag))}


def _check_tag_spellings(claims: list[Claim], loaded: Loaded, problems: Problems) -> None:
    """Warn when one tag is spelled two ways (kataib-hezbollah and kataeb-hezbollah, iraq and iraqs).

    Two tags are alike when they are the same without hyphens and a final s, or when they are
    one letter apart (added, dropped, changed or swapped) and 88% alike. Candidates are found
    through a table of each tag's one-letter deletions, so the time grows with the number of
    tags, not with its square; a tag is compared with the more common tags only.
    """
    uses: dict[str, list[Claim]] = {}
    for claim in claims:
        for tag in claim.tags:
            uses.setdefault(tag, []).append(claim)
    tags = sorted(uses, key=lambda t: (-len(uses[t]), t))
    rank = {tag: i for i, tag in enumerate(tags)}
    by_key: dict[str, list[str]] = {}  # a squashed tag or a deletion, to the tags that have it, most used first
    for tag in tags:
        by_key.setdefault("=" + _squash(tag), []).append(tag)
        for key in _one_deletion(tag):
            by_key.setdefault("-" + key, []).append(tag)
    docs = {doc.path: doc for doc in loaded.claims}
    for rare in tags:
        candidates = {t for t in by_key["=" + _squash(rare)] if rank[t] < rank[rare]}
        if len(rare) > 5:
            for key in _one_deletion(rare):
                candidates.update(t for t in by_key["-" + key] if rank[t] < rank[rare])
        alike = [t for t in sorted(candidates, key=rank.__getitem__)
                 if _squash(t) == _squash(rare) or difflib.SequenceMatcher(None, rare, t).ratio() >= 0.88]
        if not alike:
            continue
        common = alike[0]
        for claim in uses[rare]:
            doc = docs[claim.path]
            line, col = doc.where(("tags", list(claim.tags).index(rare)))
            problems.add(claim.path, line, col,
                         f"the tag '{rare}' looks like '{common}', used by {len(uses[common])} claim(s)",
                         f"use '{common}' if they are the same thing", severity="warning")


# --- content pages ---------------------------------------------------------------------------

# What the IFCN Code of Principles asks a fact-checker to publish, by the page that shows it.
TRANSPARENCY_PAGES = {
    "methodology": "how claims are chosen, researched and rated",
    "corrections-policy": "how readers ask for corrections and how they are shown",
    "ownership-and-funding": "who owns and funds the organisation",
}


def _check_transparency_pages(pages: list[ContentPage], site: Site | None, problems: Problems) -> None:
    slugs = {p.slug for p in pages}
    for slug, what in TRANSPARENCY_PAGES.items():
        if slug not in slugs:
            problems.add(f"content/pages/{slug}.md", 0, 0, f"there is no {slug} page ({what})",
                         "fact-checking readers and the IFCN principles expect it; add the page",
                         severity="warning")
    if not ({"submit-a-claim", "contact"} & slugs) and not (site and site.contact):
        problems.add("content/pages/submit-a-claim.md", 0, 0, "readers have no way to submit a claim or a correction",
                     "add a submit-a-claim page, or 'contact:' in content/site.yaml", severity="warning")


def _check_page(page: Any, problems: Problems) -> ContentPage | None:
    meta = page.meta.data if isinstance(page.meta.data, dict) else {}
    line, col = page.meta.where(())
    if not SLUG.fullmatch(page.slug) or page.slug in RESERVED_PAGE_SLUGS:
        problems.add(page.path, 0, 0, f"the page name '{page.slug}' cannot be used",
                     "name pages with lower-case words and hyphens, other than " + ", ".join(sorted(RESERVED_PAGE_SLUGS)))
        return None
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.add(page.path, line, col, "the page has no title", "add 'title: ...' to its front matter")
        return None
    for key in sorted(set(meta) - {"title", "nav"}):
        kline, kcol = page.meta.where((key,), key=True)
        close = difflib.get_close_matches(key, ["title", "nav"], n=1)
        problems.add(page.path, kline, kcol, f"unknown key '{key}'",
                     f"did you mean '{close[0]}'?" if close else "the front matter takes 'title' and 'nav'")
    for number, text in enumerate(page.body.split("\n"), start=page.body_line):
        if PLACEHOLDER in text:
            col = text.index(PLACEHOLDER) + 1
            problems.add(page.path, number, col, f"the page is a draft: '{_first_line(text[col - 1:])[:60]}'",
                         "replace the placeholder with your own words before publishing", severity="warning")
    nav = meta.get("nav", 0)
    if not isinstance(nav, int) or isinstance(nav, bool) or nav < 0:
        nline, ncol = page.meta.where(("nav",))
        problems.add(page.path, nline, ncol, "'nav' should be a whole number", "write its place in the menu, such as 2")
        nav = 0
    return ContentPage(page.slug, page.path, title.strip(), page.body, nav)
