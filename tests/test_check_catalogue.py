"""A catalogue of contributors' mistakes: each must come back at its exact spot with a fix."""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from conftest import run_cli

CLAIM = """\
claim: Iraqi factions sent fighters into Syria to defend Assad.
claimant: {name: Syrian military sources quoted by Reuters, kind: person}
claim_date: 2024-12-02
verdict: conflicting
summary: The reports disagree about whether fighters crossed the border.
evidence:
  - source: 002_a4831d323f0df05e
    quote: "around 200 Iraqi fighters entered Syria"
    stance: supports
  - source: 004_52b421b4bac7923a
    quote: "unanimously decided not to send fighters to Syria"
    stance: refutes
tags: [iraq, syria]
published: 2024-12-08
"""


CLAIMANT = "claimant: {name: Syrian military sources quoted by Reuters, kind: person}"


def edit(old: str, new: str, text: str = CLAIM) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# (case id, file to write, its text, expected "path:line:col: severity: message" start, hint fragment)
CASES = [
    ("unknown-key", "content/claims/probe.yaml", edit("verdict: conflicting", "verdikt: conflicting"),
     "content/claims/probe.yaml:4:1: error: unknown key 'verdikt'", "did you mean 'verdict'?"),
    ("misspelt-verdict", "content/claims/probe.yaml", edit("verdict: conflicting", "verdict: conflictng"),
     "content/claims/probe.yaml:4:10: error: unknown verdict 'conflictng'", "did you mean 'conflicting'?"),
    ("duplicate-key", "content/claims/probe.yaml", edit("claim_date:", "claimant: Reuters\nclaim_date:"),
     "content/claims/probe.yaml:3:1: error: the key 'claimant' is repeated (first at line 2)", "keep one of them"),
    ("tab-indent", "content/claims/probe.yaml", edit("  - source: 004", "\t- source: 004"),
     "content/claims/probe.yaml:10:1: error: YAML syntax error: a tab character is used for indentation",
     "replace the tab with spaces"),
    ("yes-no-boolean", "content/claims/probe.yaml", edit("claimant: {name: Syrian military sources quoted by Reuters, kind: person}", "claimant: no"),
     "content/claims/probe.yaml:2:11: error: 'claimant' was read as a yes/no value, not as text", 'put it in quotes: "no"'),
    ("number-not-text", "content/claims/probe.yaml", edit("claimant: {name: Syrian military sources quoted by Reuters, kind: person}", "claimant: 2024"),
     "content/claims/probe.yaml:2:11: error: 'claimant' was read as a number, not as text", 'put it in quotes: "2024"'),
    ("date-does-not-exist", "content/claims/probe.yaml", edit("claim_date: 2024-12-02", "claim_date: 2024-02-30"),
     "content/claims/probe.yaml:3:13: error: 'claim_date': the date 2024-02-30 does not exist", "YYYY-MM-DD"),
    ("not-a-date", "content/claims/probe.yaml", edit("published: 2024-12-08", "published: 08/12/2024"),
     "content/claims/probe.yaml:14:12: error: 'published': '08/12/2024' is not a date", "for example 2024-12-02"),
    ("id-mismatch", "content/claims/probe.yaml", "id: another-claim\n" + CLAIM,
     "content/claims/probe.yaml:1:5: error: the id 'another-claim' does not match the file name 'probe.yaml'",
     "rename the file to another-claim.yaml"),
    ("file-name-not-slug", "content/claims/Probe_Claim.yaml", CLAIM,
     "content/claims/Probe_Claim.yaml: error: the file name 'Probe_Claim' is not a valid claim id", "probe-claim.yaml"),
    ("tag-spelled-two-ways", "content/claims/probe.yaml", edit("tags: [iraq, syria]", "tags: [iraq, syria, kataeb-hezbollah]"),
     "content/claims/probe.yaml:13:21: warning: the tag 'kataeb-hezbollah' looks like 'kataib-hezbollah'",
     "use 'kataib-hezbollah' if they are the same thing"),
    ("tag-not-slug", "content/claims/probe.yaml", edit("tags: [iraq, syria]", "tags: [Iraq, syria]"),
     "content/claims/probe.yaml:13:8: error: 'tags[1]': 'Iraq' is not in the expected form", "such as 'iraq'"),
    ("repeated-tag", "content/claims/probe.yaml", edit("tags: [iraq, syria]", "tags: [iraq, syria, iraq]"),
     "content/claims/probe.yaml:13:21: error: 'tags': 'iraq' is listed twice", "remove the repeated item"),
    ("excerpt-twice", "content/claims/probe.yaml", edit("unanimously decided not to send fighters to Syria", "around 200 Iraqi fighters entered Syria").replace("004_52b421b4bac7923a", "002_a4831d323f0df05e"),
     "content/claims/probe.yaml:11:12: error: this excerpt is listed twice (first as excerpt 1)", "remove the repeated excerpt"),
    ("rated-true-without-support", "content/claims/probe.yaml", edit("verdict: conflicting", "verdict: accurate").replace("stance: supports", "stance: context"),
     "content/claims/probe.yaml:4:10: warning: the claim is rated 'Accurate' but no excerpt supports it", "'stance: supports'"),
    ("rated-false-without-refutation", "content/claims/probe.yaml", edit("verdict: conflicting", 'verdict: "false"').replace("stance: refutes", "stance: context"),
     "content/claims/probe.yaml:4:10: warning: the claim is rated 'False' but no excerpt refutes it", "'stance: refutes'"),
    ("unknown-stance", "content/claims/probe.yaml", edit("stance: supports", "stance: support"),
     "content/claims/probe.yaml:9:13: error: 'evidence[1].stance': 'support' is not allowed", "did you mean 'supports'?"),
    ("unknown-source", "content/claims/probe.yaml", edit("source: 002_a4831d323f0df05e", "source: 002_a4831d323f0df05"),
     "content/claims/probe.yaml:7:13: error: unknown source '002_a4831d323f0df05'", "did you mean '002_a4831d323f0df05e'?"),
    ("missing-key", "content/claims/probe.yaml", edit("claimant: {name: Syrian military sources quoted by Reuters, kind: person}\n", ""),
     "content/claims/probe.yaml:1:1: error: the key 'claimant' is missing", "add 'claimant:'"),
    ("unknown-key-in-excerpt", "content/claims/probe.yaml", edit('    quote: "around', '    qoute: "around'),
     "content/claims/probe.yaml:8:5: error: unknown key 'qoute'", "did you mean 'quote'?"),
    ("misquote", "content/claims/probe.yaml", edit("around 200 Iraqi", "around 300 Iraqi"),
     "content/claims/probe.yaml:8:12: error: the quote is not in seeds/002_a4831d323f0df05e.txt",
     "copy the source's words exactly"),
    ("quote-in-residue", "content/claims/probe.yaml", edit('"around 200 Iraqi fighters entered Syria"', '"No comments:"'),
     "content/claims/probe.yaml:8:12: error: the quote is found only in lines 14-15 of seeds/002_a4831d323f0df05e.txt",
     "scraping residue"),
    ("ambiguous-quote", "content/claims/probe.yaml", edit('"unanimously decided not to send fighters to Syria"', '"Kataeb Hezbollah"'),
     "content/claims/probe.yaml:11:12: error: the quote appears 2 times in seeds/004_52b421b4bac7923a.txt (lines 24, 53)",
     "add 'prefix:'"),
    ("evidence-not-a-list", "content/claims/probe.yaml", CLAIM.split("evidence:")[0] + "evidence: Reuters said so\ntags: [iraq]\npublished: 2024-12-08\n",
     "content/claims/probe.yaml:6:11: error: 'evidence' should be a list ('- ' items), not text", "each item on its own line"),
    ("summary-too-short", "content/claims/probe.yaml", edit("summary: The reports disagree about whether fighters crossed the border.", "summary: Unclear."),
     "content/claims/probe.yaml:5:10: error: 'summary' is too short (8 characters)", "at least 20 characters"),
    ("updated-before-published", "content/claims/probe.yaml", CLAIM + "updated: 2024-12-01\n",
     "content/claims/probe.yaml:15:10: error: 'updated' (2024-12-01) is before 'published' (2024-12-08)", "correct the date"),
    ("claim-after-fact-check", "content/claims/probe.yaml", edit("claim_date: 2024-12-02", "claim_date: 2024-12-20"),
     "content/claims/probe.yaml:3:13: error: the claim is dated 2024-12-20, after the fact-check was published", "correct one of the two dates"),
    ("correction-after-updated", "content/claims/probe.yaml", CLAIM + "updated: 2024-12-09\ncorrections:\n  - date: 2024-12-11\n    text: Fixed a date.\n",
     "content/claims/probe.yaml:17:11: error: the correction of 2024-12-11 is later than 'updated' (2024-12-09)", "set 'updated: 2024-12-11'"),
    ("comparison-unknown-excerpt", "content/claims/probe.yaml", CLAIM + "comparisons:\n  - speaker: Someone\n    excerpts: [one, two]\n",
     "content/claims/probe.yaml:17:16: error: no excerpt of this claim has the id 'one'", "add 'id: one'"),
    ("yaml-syntax", "content/claims/probe.yaml", edit('quote: "around 200 Iraqi fighters entered Syria"', 'quote: "around 200 Iraqi fighters entered Syria'),
     "content/claims/probe.yaml:11:13: error: YAML syntax error", "line 8 opens a quotation mark that is never closed"),
    ("colon-in-plain-text", "content/claims/probe.yaml", edit("claimant: {name: Syrian military sources quoted by Reuters, kind: person}", "claimant: Reuters: two sources"),
     "content/claims/probe.yaml:2:18: error: YAML syntax error: mapping values are not allowed", "put text that contains ': ' in double quotes"),
    ("placeholder-left", "content/claims/probe.yaml", edit("claimant: {name: Syrian military sources quoted by Reuters, kind: person}", 'claimant: "TODO: who made the claim"'),
     "content/claims/probe.yaml:2:11: error: 'claimant' still holds the placeholder", "replace it with the real value"),
    ("empty-file", "content/claims/probe.yaml", "# nothing yet\n",
     "content/claims/probe.yaml:1:1: error: the file is empty", "see the README"),
    ("alias-bomb", "content/claims/probe.yaml",
     "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
     "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
     "content/claims/probe.yaml:1:32: error: the file has more than 50000 values", "aliases (*name) repeat"),
    ("low-contrast-verdict", "content/verdicts.yaml", None,
     "content/verdicts.yaml:", "choose a darker colour"),
    ("residue-out-of-range", "seeds/sources.yaml", None,
     "seeds/sources.yaml:", "give lines that exist"),
    ("page-without-front-matter", "content/pages/extra.md", "# Extra\n\nNo front matter here.\n",
     "content/pages/extra.md:1:1: error: the page has no front matter", "start the file with a '---' line"),
    ("not-utf8", "content/claims/probe.yaml", None,
     "content/claims/probe.yaml:2:22: error: is not UTF-8 (byte 0xe9", "save the file as UTF-8"),
    ("claimant-plain-text", "content/claims/probe.yaml", edit(CLAIMANT, "claimant: Reuters"),
     "content/claims/probe.yaml:2:11: error: 'claimant' is plain text, which does not say whether 'Reuters' is a person or an organisation",
     "give its 'name' and 'kind'"),
    ("claimant-kind-misspelt", "content/claims/probe.yaml", edit("kind: person}", "kind: organization}"),
     "content/claims/probe.yaml:2:67: error: 'claimant.kind': 'organization' is not allowed", "did you mean 'organisation'?"),
    ("affiliation-of-an-organisation", "content/claims/probe.yaml",
     edit(CLAIMANT, "claimant: {name: Reuters, kind: organisation, affiliation: Thomson Reuters}"),
     "content/claims/probe.yaml:2:47: error: 'affiliation' is for a person", "describe an organisation with 'role:'"),
    ("appearance-dated-before-the-claim", "content/claims/probe.yaml",
     CLAIM + "appearances:\n  - url: https://example.org/post\n    date: 2024-11-30\n",
     "content/claims/probe.yaml:17:11: error: the appearance is dated 2024-11-30, before the claim was made (2024-12-02)",
     "correct 'claim_date'"),
    ("appearance-seed-dated-before-the-claim", "content/claims/probe.yaml",
     CLAIM + "appearances:\n  - source: 001_70b4227ab82008e2\n",
     "content/claims/probe.yaml:16:13: error: seeds/001_70b4227ab82008e2.txt is dated 2024-12-01 in seeds/sources.yaml "
     "(inferred from the text), before the claim was made (2024-12-02)", "with 'date:'"),
    ("appearance-on-a-page-without-date", "content/claims/probe.yaml",
     CLAIM + "appearances:\n  - url: https://example.org/post\n",
     "content/claims/probe.yaml:16:5: error: an appearance on an outside page needs its date", "add 'date: YYYY-MM-DD'"),
    ("appearance-with-seed-and-page", "content/claims/probe.yaml",
     CLAIM + "appearances:\n  - source: 002_a4831d323f0df05e\n    url: https://example.org/post\n",
     "content/claims/probe.yaml:16:5: error: an appearance names a seed ('source:') or an outside page ('url:'), not both",
     "give one of them"),
    ("appearance-misquoted", "content/claims/probe.yaml",
     CLAIM + "appearances:\n  - source: 002_a4831d323f0df05e\n    quote: \"around 300 Iraqi fighters entered Syria\"\n",
     "content/claims/probe.yaml:17:12: error: the quote is not in seeds/002_a4831d323f0df05e.txt",
     "copy the source's words exactly"),
    ("appearance-listed-twice", "content/claims/probe.yaml",
     CLAIM + "appearances:\n  - source: 002_a4831d323f0df05e\n  - source: 002_a4831d323f0df05e\n",
     "content/claims/probe.yaml:17:5: error: this appearance is listed twice (first as appearance 1)",
     "remove the repeated appearance"),
    ("claimants-sharing-a-page", "content/claims/probe.yaml",
     edit(CLAIMANT, "claimant: [{name: Reuters, kind: organisation}, {name: REUTERS, kind: organisation}]"),
     "content/claims/probe.yaml:2:56: error: the claimant 'REUTERS' (organisation) would share the page "
     "claimants/reuters/ with 'Reuters' (organisation)", "write the same name and kind for the same claimant"),
    ("claimant-known-from-a-seed-without-appearance", "content/claims/probe.yaml",
     edit(CLAIMANT, "claimant: {name: Middle East Eye, kind: organisation}"),
     "content/claims/probe.yaml:2:18: warning: the claimant 'Middle East Eye' is known from Middle East Eye "
     "(seeds/004_52b421b4bac7923a.txt), but the claim gives no 'appearances'", "add 'appearances:' with '- source: 004_52b421b4bac7923a'"),
]


def _special(case: str, root: Path) -> None:
    """Cases that change an existing file instead of writing a new one."""
    if case == "low-contrast-verdict":
        path = root / "content" / "verdicts.yaml"
        text = path.read_text(encoding="utf-8")
        colour = re.search(r"colour: \"?(#[0-9a-fA-F]{6})", text).group(1)
        path.write_text(text.replace(colour, "#f0e68c", 1), encoding="utf-8")
    elif case == "residue-out-of-range":
        path = root / "seeds" / "sources.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r'lines: "?14-15"?', 'lines: "14-99"', text, count=1), encoding="utf-8")
    elif case == "not-utf8":
        (root / "content" / "claims" / "probe.yaml").write_bytes(
            CLAIM.encode("utf-8").replace(b"claimant: {name: Syrian", b"claimant: {name: Syri\xe9n"))


@pytest.mark.parametrize("case, path, text, expected, hint", CASES, ids=[c[0] for c in CASES])
def test_mistake_is_reported_at_its_spot_with_a_fix(site_root: Path, case, path, text, expected, hint) -> None:
    if text is None:
        _special(case, site_root)
    else:
        target = site_root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    result = run_cli("check", "--root", str(site_root))
    assert "Traceback" not in result.err
    lines = [l for l in result.err.splitlines() if l.startswith(expected)]
    assert lines, f"expected a line starting {expected!r} in:\n{result.err}"
    assert hint in lines[0], lines[0]
    is_warning = ": warning: " in expected
    assert result.code == (0 if is_warning else 1)
    if is_warning:
        assert run_cli("check", "--root", str(site_root), "--strict").code == 1


def test_one_run_reports_every_mistake_in_every_file_sorted(site_root: Path) -> None:
    claims = site_root / "content" / "claims"
    (claims / "a-first.yaml").write_text(edit("verdict: conflicting", "verdict: conflictng"), encoding="utf-8")
    (claims / "b-second.yaml").write_text(edit("claim_date:", "claimant: again\nclaim_date:"), encoding="utf-8")
    (claims / "c-third.yaml").write_text(edit("published: 2024-12-08", "published: 2024-13-01")
                                         .replace("stance: supports", "stance: support"), encoding="utf-8")
    # A misquote in a claim that is otherwise valid is found in the same run as the typos elsewhere.
    (claims / "d-fourth.yaml").write_text(edit("around 200 Iraqi", "around 300 Iraqi"), encoding="utf-8")
    result = run_cli("check", "--root", str(site_root))
    assert result.code == 1
    errors = [l for l in result.err.splitlines() if ": error: " in l]
    assert [e.split(": error: ")[0] for e in errors] == [
        "content/claims/a-first.yaml:4:10", "content/claims/b-second.yaml:3:1",
        "content/claims/c-third.yaml:9:13", "content/claims/c-third.yaml:14:12",
        "content/claims/d-fourth.yaml:8:12"]
    assert "the quote is not in seeds/002_a4831d323f0df05e.txt" in errors[-1], errors[-1]
    assert result.err.rstrip().endswith("check failed: 5 errors, 0 warnings")


def test_a_typo_does_not_hide_a_misquote_in_the_same_file(site_root: Path) -> None:
    text = edit("verdict: conflicting", "verdict: conflictng", edit("around 200 Iraqi", "around 300 Iraqi"))
    (site_root / "content" / "claims" / "probe.yaml").write_text(text, encoding="utf-8")
    result = run_cli("check", "--root", str(site_root))
    assert result.code == 1 and "Traceback" not in result.err
    errors = [l for l in result.err.splitlines() if ": error: " in l]
    assert [e.split(": error: ")[0] for e in errors] == ["content/claims/probe.yaml:4:10",
                                                        "content/claims/probe.yaml:8:12"], errors
    assert "unknown verdict 'conflictng'" in errors[0] and "the quote is not in seeds/" in errors[1]


def test_github_format_prints_annotations(site_root: Path) -> None:
    (site_root / "content" / "claims" / "probe.yaml").write_text(
        edit("verdict: conflicting", "verdict: conflictng"), encoding="utf-8")
    result = run_cli("check", "--root", str(site_root), "--format", "github")
    assert result.code == 1
    assert ("::error file=content/claims/probe.yaml,line=4,col=10::unknown verdict 'conflictng' "
            "(did you mean 'conflicting'?") in result.out


def test_json_format_prints_a_list(site_root: Path) -> None:
    (site_root / "content" / "claims" / "probe.yaml").write_text(
        edit("verdict: conflicting", "verdikt: conflicting"), encoding="utf-8")
    result = run_cli("check", "--root", str(site_root), "--format", "json")
    problems = json.loads(result.out)
    assert {"path": "content/claims/probe.yaml", "line": 4, "col": 1, "severity": "error",
            "message": "unknown key 'verdikt'", "hint": "did you mean 'verdict'?", "detail": ""} in problems


def test_embedded_content_passes_strict_check() -> None:
    result = run_cli("check", "--strict")
    assert result.code == 0, result.err


def test_new_claim_skeleton_fails_until_filled_then_passes(site_root: Path) -> None:
    assert run_cli("new", "claim", "my-claim", "--root", str(site_root)).code == 0
    path = site_root / "content" / "claims" / "my-claim.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    result = run_cli("check", "--root", str(site_root))
    assert result.code == 1 and result.err.count("still holds the placeholder") == 8
    filled = (text.replace('"TODO: the claim, in one sentence"', "Iraqi factions sent fighters into Syria.")
              .replace('"TODO: who made the claim"', "Syrian military source").replace('"TODO: YYYY-MM-DD"', "2024-12-02")
              .replace('"TODO: a verdict key"', "conflicting")
              .replace("TODO: the verdict in two or three sentences.", "The reports disagree about the fighters.")
              .replace("TODO: the reasoning, or remove this key.", "See the excerpts.")
              .replace('"TODO: a seed id, such as 000_1b24216a71cf53b4"', "002_a4831d323f0df05e")
              .replace('"TODO: the source\'s exact words"', '"around 200 Iraqi fighters entered Syria"'))
    path.write_text(filled, encoding="utf-8")
    result = run_cli("check", "--root", str(site_root))
    assert result.code == 0, result.err


@pytest.mark.parametrize("bad_id", ["Not_A_Slug", "../escape", "iraqi-factions-sent-fighters"])
def test_new_claim_refuses_bad_or_existing_ids(site_root: Path, bad_id: str) -> None:
    result = run_cli("new", "claim", bad_id, "--root", str(site_root))
    assert result.code == 2 and "Traceback" not in result.err
    assert not (site_root / "escape.yaml").exists()


def test_tags_spelled_two_ways_are_found_among_thousands(site_root: Path) -> None:
    """200 claims of 20 tags each (4,000 different tags): the few spelled two ways are named, no other."""
    rng = random.Random(14)
    letters = "abcdefghijklmnopqrstuvwxyz"
    tags = sorted({"".join(rng.choice(letters) for _ in range(9)) for _ in range(4100)})[:4002]
    one, two = tags[4000], tags[4001]
    planted = {"islamic-resistence-in-iraq": "islamic-resistance-in-iraq", "protests-iraq": "protest-iraq",
               one[:4] + one[5:]: one, two[:3] + two[4] + two[3] + two[5:]: two}
    claims = site_root / "content" / "claims"
    for i in range(200):
        own = tags[i * 20:(i + 1) * 20]
        if i < 4:  # the right spellings are the common ones: used by 4 claims
            own = own[:16] + list(planted.values())
        text = edit("tags: [iraq, syria]", f"tags: [{', '.join(own)}]")
        (claims / f"many-tags-{i}.yaml").write_text(text, encoding="utf-8")
    (claims / "misspelt.yaml").write_text(edit("tags: [iraq, syria]", f"tags: [{', '.join(planted)}]"), encoding="utf-8")
    result = run_cli("check", "--root", str(site_root), "--format", "json")
    warned = {(p["path"], p["message"]) for p in json.loads(result.out) if "looks like" in p["message"]}
    assert warned == {("content/claims/misspelt.yaml", f"the tag '{rare}' looks like '{common}', used by 4 claim(s)")
                      for rare, common in planted.items()}
