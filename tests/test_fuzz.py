"""Fuzzing: generated YAML and quotes never make loading, validation or anchoring raise.

Whatever a contributor writes, the answer is data or a list of problems. The default
profile runs 200 examples a test; `make fuzz` runs 10,000.
"""
from __future__ import annotations

from dataclasses import replace
from functools import cache

from conftest import PROJECT
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from site_builder import pipeline
from site_builder.anchor import SourceIndex, anchor_excerpt, normalise
from site_builder.errors import Problems
from site_builder.load import Loaded, load_site, parse_yaml
from site_builder.markdown import is_safe_link, render_markdown
from site_builder.model import Claim, Excerpt
from site_builder.validate import is_valid_fast, schema_validator, validate

KEYS = ["claim", "claimant", "claim_date", "verdict", "summary", "analysis", "evidence", "source", "quote",
        "stance", "note", "tags", "published", "updated", "corrections", "date", "text", "comparisons",
        "excerpts", "speaker", "id", "prefix", "occurrence", "short_claim", "name", "kind", "role", "affiliation", "url",
        "appearances", "title", "<<", "yes", "~", "2024-02-30"]
SCALARS = st.one_of(
    st.sampled_from(["yes", "no", "on", "~", "null", "2024-12-02", "2024-02-30", "1e3", ".nan", "0x1F", "'quoted'",
                     '"dq"', "&a x", "*a", "!!python/object:os.system", "!!binary aGk=", "|", ">", "- x", "[a, b",
                     "{a: 1}", "supports", "conflicting", "002_a4831d323f0df05e", "\t", "#", "%YAML 1.1", "---"]),
    st.text(min_size=0, max_size=40),
)


@st.composite
def yaml_texts(draw) -> str:
    """Text that is shaped like a claim file, with noise: often valid YAML, often not."""
    lines = []
    for _ in range(draw(st.integers(0, 25))):
        indent = " " * draw(st.sampled_from([0, 0, 2, 4, 6, 3]))
        bullet = draw(st.sampled_from(["", "", "- "]))
        key = draw(st.sampled_from(KEYS))
        value = draw(SCALARS)
        lines.append(f"{indent}{bullet}{key}: {value}" if draw(st.booleans()) else f"{indent}{bullet}{value}")
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n...\n", "\n---\nx: 1\n"]))


@cache
def checked():
    result = pipeline.check(PROJECT)
    assert result.ok
    return result


@cache
def embedded() -> Loaded:
    loaded, problems = load_site(PROJECT)
    assert not problems.items
    return loaded


@given(yaml_texts())
def test_loading_and_validating_any_text_never_raises(text: str) -> None:
    problems = Problems()
    doc = parse_yaml("content/claims/fuzz.yaml", text, problems)
    if doc is not None:  # validated as the only claim of the embedded site
        problems.extend(validate(replace(embedded(), claims=[doc]))[1])
    for problem in problems.items:
        assert problem.path == "content/claims/fuzz.yaml" and problem.message


@given(st.text(max_size=300))
def test_loading_arbitrary_unicode_gives_data_or_the_reason_why_not(text: str) -> None:
    problems = Problems()
    doc = parse_yaml("content/claims/fuzz.yaml", text, problems)
    assert doc is not None or problems.errors
    assert all(problem.path == "content/claims/fuzz.yaml" and problem.message for problem in problems.items)


QUOTE_CHARS = st.sampled_from(list("abcdefghij ABC.,;:'\"-–—…[]\u00a0\u200b\u0301\u2019\u201c\u201d\n\t") + ["...", "[...]"])


@given(st.sampled_from(sorted(["000_1b24216a71cf53b4", "001_70b4227ab82008e2", "002_a4831d323f0df05e",
                               "003_a0ba19a7bca5e600", "004_52b421b4bac7923a"])),
       st.one_of(st.text(max_size=120), st.lists(QUOTE_CHARS, max_size=60).map("".join)),
       st.one_of(st.just(""), st.text(max_size=20)), st.integers(0, 5))
def test_anchoring_any_quote_never_raises(source_id: str, quote: str, prefix: str, occurrence: int) -> None:
    index = _index(source_id)
    excerpt = Excerpt(1, source_id, quote, "context", prefix=prefix, occurrence=occurrence, line=8, col=12)
    claim = Claim("fuzz", "content/claims/fuzz.yaml", "A claim", "someone", "2024-12-01", "unproven", "summary",
                  "2024-12-02", (excerpt,))
    problems = Problems()
    found = anchor_excerpt(claim.path, excerpt, index, problems)
    if found is None:
        assert problems.errors and problems.errors[0].line == 8
    else:
        assert 0 <= found.start <= found.end <= len(index.source.text)


@cache
def _index(source_id: str) -> SourceIndex:
    return SourceIndex(checked().model.sources[source_id])


@given(st.text(max_size=200))
def test_normalisation_map_stays_inside_the_raw_text(raw: str) -> None:
    norm = normalise(raw)
    assert len(norm.starts) == len(norm.ends) == len(norm.text)
    assert list(norm.starts) == sorted(norm.starts)
    assert all(0 <= s < e <= len(raw) for s, e in zip(norm.starts, norm.ends))


@given(yaml_texts())
def test_the_fast_schema_check_agrees_with_jsonschema(text: str) -> None:
    doc = parse_yaml("content/claims/fuzz.yaml", text, Problems())
    if doc is None or doc.data is None:
        return
    assert is_valid_fast("claim", doc.data) == schema_validator("claim").is_valid(doc.data)


VALID_CLAIM = {
    "claim": "Iraqi factions sent fighters into Syria.", "claimant": {"name": "Reuters", "kind": "organisation"},
    "claim_date": "2024-12-02",
    "verdict": "conflicting", "summary": "The reports disagree about the fighters.", "published": "2024-12-08",
    "evidence": [{"source": "002_a4831d323f0df05e", "quote": "around 200 Iraqi fighters", "stance": "supports"}],
    "tags": ["iraq"],
}
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 200) | st.sampled_from(["", "x", "2024-02-30", "2024-12-02", "iraq",
                                                                        "supports", "Iraq", "a" * 400, "person",
                                                                        "https://example.org/"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
    max_leaves=8)


@given(st.dictionaries(st.sampled_from(KEYS), JSON_VALUES, max_size=4), st.sets(st.sampled_from(sorted(VALID_CLAIM))))
def test_the_fast_schema_check_agrees_on_nearly_valid_claims(changes: dict, removed: set) -> None:
    data = {k: v for k, v in VALID_CLAIM.items() if k not in removed}
    data.update(changes)
    assert is_valid_fast("claim", data) == schema_validator("claim").is_valid(data)
    assert is_valid_fast("claim", VALID_CLAIM)


MARKDOWN_PIECES = st.sampled_from(["word", "two words", " ", "  ", "\n", "\n\n", "\n\n\n", '"', "'", "*", "_", "`",
                                   "[a](http://x)", "<b>", "&amp;", "1. ", "2) ", "- ", "+ ", "# ", "> ", "===",
                                   "---", "    ", "\t", "\\", "!", "|", "~", "é", "\u00a0", "\u2028", "\x00"])


def commonmark(text: str) -> str:
    """What the markdown in claims is documented to be: CommonMark, without raw HTML or images, with safe links only."""
    parser = MarkdownIt("commonmark", {"html": False}).disable("image")
    parser.validateLink = is_safe_link  # type: ignore[method-assign]
    return parser.render(text)


@given(st.lists(MARKDOWN_PIECES, max_size=12).map("".join) | st.text(max_size=60))
def test_markdown_renders_exactly_as_commonmark_does(text: str) -> None:
    # Plain paragraphs take a shortcut past the parser; it must give the parser's bytes.
    assert str(render_markdown(text)) == commonmark(text)
