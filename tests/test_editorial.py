"""The editorial review on small sites made for each rule: what `check` warns about, where, and
what `check --editorial` reports.

Each site has three texts: an original report (1 December), an unsigned copy of it
(`derived_from` the original) and an independent report of 5 December.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from conftest import PROJECT, run_cli

TEXTS = {
    "orig": "The council met on Sunday. It decided to send no fighters to the north.\n",
    "copy": "According to the original, the council met on Sunday and decided to send no fighters.\n",
    "later": "Several factions already have fighters on the ground in the north.\n",
}
META = {
    "orig": "    published: 2024-12-01\n",
    "copy": "    derived_from: orig\n",
    "later": "    published: 2024-12-05\n",
}


def claim(verdict: str, evidence: list[tuple[str, str, str, str]], *, tags: str = "[council]",
          claim_date: str = "2024-12-01", made_in: str = "") -> str:
    """A claim file; evidence is (source, quote, stance, note) with an empty note left out."""
    lines = [
        'claim: "The council decided to send no fighters to the north."',
        claimant_line(),
        *([f"appearances: [{{source: {made_in}}}]"] if made_in else []),
        f"claim_date: {claim_date}",
        f'verdict: "{verdict}"',
        'summary: "A summary long enough for the schema."',
        "evidence:",
    ]
    for source, quote, stance, note in evidence:
        lines += [f"  - source: {source}", f'    quote: "{quote}"', f"    stance: {stance}"]
        if note:
            lines.append(f'    note: "{note}"')
    lines += [f"tags: {tags}", "published: 2026-11-30", ""]
    return "\n".join(lines)


def claimant_line() -> str:  # one line, so that the lines of the evidence stay where the tests expect them
    return "claimant: {name: The council, kind: organisation}"


def make_site(root: Path, claims: dict[str, str], meta: dict[str, str] | None = None) -> Path:
    (root / "content" / "claims").mkdir(parents=True)
    (root / "seeds").mkdir()
    for name in ("site.yaml", "verdicts.yaml"):
        shutil.copy(PROJECT / "content" / name, root / "content" / name)
    shutil.copytree(PROJECT / "content" / "pages", root / "content" / "pages")
    entries = ["sources:"]
    for seed, text in TEXTS.items():
        (root / "seeds" / f"{seed}.txt").write_text(text, encoding="utf-8")
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        entries += [f"  {seed}:", f'    label: "The {seed} text"', "    language: en", f'    sha256: "{digest}"']
        entries.append((meta or META)[seed].rstrip("\n"))
    (root / "seeds" / "sources.yaml").write_text("\n".join(e for e in entries if e) + "\n", encoding="utf-8")
    for claim_id, text in claims.items():
        (root / "content" / "claims" / f"{claim_id}.yaml").write_text(text, encoding="utf-8")
    return root


def editorial_warnings(root: Path) -> list[str]:
    result = run_cli("check", "--root", str(root))
    assert result.code == 0, result.err
    return [line for line in result.err.splitlines() if "warning: editorial:" in line]


ORIG = ("orig", "It decided to send no fighters to the north.", "supports", "")
COPY = ("copy", "decided to send no fighters", "supports", "")
LATER = ("later", "Several factions already have fighters on the ground", "refutes", "Reported four days later.")


def test_a_copy_counted_beside_its_original_is_flagged_at_the_copy(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"twice": claim("unproven", [ORIG, COPY])})
    warnings = editorial_warnings(root)
    assert len(warnings) == 1
    assert warnings[0].startswith("content/claims/twice.yaml:11:12: warning: editorial: excerpt 2 is counted as "
                                  "'supports' evidence, but copy is derived from orig, which excerpt 1 already counts")
    # As context, the copy shows how the report spread without counting as a witness.
    (root / "content" / "claims" / "twice.yaml").write_text(
        claim("unproven", [ORIG, ("copy", "decided to send no fighters", "context", "Derived from orig.")]),
        encoding="utf-8")
    assert editorial_warnings(root) == []


def test_a_rated_verdict_on_one_source_is_flagged_and_a_copy_does_not_make_two(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"single": claim("accurate", [ORIG, ("copy", "decided to send no fighters", "context", "")])})
    warnings = editorial_warnings(root)
    assert warnings == ["content/claims/single.yaml:1: warning: editorial: the verdict 'Accurate' rests on one "
                        "source, orig (The orig text) (a verdict on the scale needs two independent sources; quote "
                        "a second one, or rate the claim off the scale ('unproven') and say why)"]
    # Off the scale, one source is what "Unproven" is for.
    (root / "content" / "claims" / "single.yaml").write_text(claim("unproven", [ORIG]), encoding="utf-8")
    assert editorial_warnings(root) == []
    # A second, independent report makes two.
    (root / "content" / "claims" / "single.yaml").write_text(claim("partly-accurate", [ORIG, LATER]),
                                                             encoding="utf-8")
    assert editorial_warnings(root) == []


def test_a_claim_refuted_by_the_text_it_was_made_in_may_rest_on_that_text(tmp_path: Path) -> None:
    refuted = ("orig", "The council met on Sunday.", "refutes", "")
    # A headline against its own article: the text that made the claim is the evidence.
    root = make_site(tmp_path, {"own": claim("misleading", [refuted], made_in="orig")})
    assert editorial_warnings(root) == []
    # So is the text a copy was made from: a reworded quotation against the report it cites.
    (root / "content" / "claims" / "own.yaml").write_text(claim("misleading", [refuted], made_in="copy"),
                                                          encoding="utf-8")
    assert editorial_warnings(root) == []
    # Made elsewhere, the same single refutation is one source.
    (root / "content" / "claims" / "own.yaml").write_text(claim("misleading", [refuted], made_in="later"),
                                                          encoding="utf-8")
    assert [w.split(": warning: ")[1][:46] for w in editorial_warnings(root)] == [
        "editorial: the verdict 'Misleading' rests on o"]
    # A text cannot show its own claim accurate, nor partly so: the exception is for the lower half of the scale.
    for verdict in ("accurate", "partly-accurate"):
        (root / "content" / "claims" / "own.yaml").write_text(claim(verdict, [ORIG, refuted], made_in="orig"),
                                                              encoding="utf-8")
        assert len(editorial_warnings(root)) == 1, verdict


def test_the_words_that_make_a_claim_do_not_support_it(tmp_path: Path) -> None:
    own = ("orig", "decided to send no fighters", "supports", "")
    text = claim("conflicting", [own, LATER]).replace(
        "claim_date:", 'appearances:\n  - source: orig\n    quote: "It decided to send no fighters to the north."\nclaim_date:')
    root = make_site(tmp_path, {"itself": text})
    warnings = editorial_warnings(root)
    assert [w.split(": warning: ")[0] for w in warnings] == ["content/claims/itself.yaml:11:12"]
    assert "excerpt 1 quotes the words in which the claim was made, as evidence that supports it" in warnings[0]
    # As context, or from another place in the same text, it is not the claim supporting itself.
    (root / "content" / "claims" / "itself.yaml").write_text(text.replace("stance: supports", "stance: context"),
                                                             encoding="utf-8")
    assert editorial_warnings(root) == []
    (root / "content" / "claims" / "itself.yaml").write_text(
        text.replace('quote: "decided to send no fighters"', 'quote: "The council met on Sunday."'), encoding="utf-8")
    assert editorial_warnings(root) == []


def test_a_later_report_needs_a_note_that_says_when(tmp_path: Path) -> None:
    silent = ("later", "Several factions already have fighters on the ground", "refutes", "")
    vague = ("later", "Several factions already have fighters on the ground", "refutes", "The outlet's sources.")
    root = make_site(tmp_path, {"late": claim("conflicting", [ORIG, silent])})
    warnings = editorial_warnings(root)
    assert warnings == ["content/claims/late.yaml:11:12: warning: editorial: excerpt 2 comes from a report of "
                        "2024-12-05, after the claim (2024-12-01), and its note does not say so (add a note saying "
                        "the report is later, and whether it can speak to the time of the claim)"]
    (root / "content" / "claims" / "late.yaml").write_text(claim("conflicting", [ORIG, vague]), encoding="utf-8")
    assert len(editorial_warnings(root)) == 1  # a note, but not about time
    (root / "content" / "claims" / "late.yaml").write_text(claim("conflicting", [ORIG, LATER]), encoding="utf-8")
    assert editorial_warnings(root) == []
    # A claim made after the report is not checked against a later one.
    (root / "content" / "claims" / "late.yaml").write_text(
        claim("conflicting", [ORIG, silent], claim_date="2024-12-06"), encoding="utf-8")
    assert editorial_warnings(root) == []


@pytest.mark.parametrize(("tags", "note", "flagged"), [
    ("[council]", "", True),
    ("[elsewhere]", "", False),  # no tag in common: not the same question
    ("[council]", "Here the question is who met, not what was decided.", False),  # the note says why
])
def test_one_passage_cited_both_ways_on_one_question(tmp_path: Path, tags: str, note: str, flagged: bool) -> None:
    overlapping = ("orig", "The council met on Sunday. It decided to send no", "refutes", note)
    root = make_site(tmp_path, {
        "first": claim("conflicting", [ORIG, LATER]),
        "second": claim("conflicting", [overlapping, LATER], tags=tags),
    })
    warnings = editorial_warnings(root)
    if not flagged:
        assert warnings == []
        return
    assert sorted(w.split(": warning: ")[0] for w in warnings) == ["content/claims/first.yaml:8:12",
                                                                   "content/claims/second.yaml:8:12"]
    assert ("excerpt 1 cites the passage of orig that 'second' (excerpt 1) also cites, as 'supports' here and "
            "'refutes' there; both claims are tagged 'council'") in "\n".join(warnings)


@pytest.mark.parametrize(("meta", "message"), [
    ("    derived_from: orgi\n", "sources.yaml:11:19: error: 'derived_from': there is no seed 'orgi' (did you mean 'orig'?"),
    ("    derived_from: copy\n", "sources.yaml:11:19: error: the seed 'copy' is said to be derived from itself"),
])
def test_derived_from_must_name_another_seed(tmp_path: Path, meta: str, message: str) -> None:
    root = make_site(tmp_path, {}, {**META, "copy": meta})
    result = run_cli("check", "--root", str(root))
    assert result.code == 1 and "Traceback" not in result.err
    assert f"seeds/{message}" in result.err


def test_derived_from_may_not_go_round_in_a_circle(tmp_path: Path) -> None:
    root = make_site(tmp_path, {}, {**META, "orig": "    derived_from: copy\n"})
    result = run_cli("check", "--root", str(root))
    assert result.code == 1
    assert "seeds/sources.yaml:6:19: error: 'derived_from' goes round in a circle: orig -> copy -> orig" in result.err


def test_the_editorial_report_lists_every_claim_with_its_sources_and_findings(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"twice": claim("accurate", [ORIG, COPY]),
                                "sound": claim("conflicting", [ORIG, LATER])})
    result = run_cli("check", "--root", str(root), "--editorial")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == "Editorial report: 2 claim(s), 2 finding(s)"
    assert "sound: Conflicting reports; independent sources counted: 2 (later, orig)" in lines
    twice = lines.index("twice: Accurate; independent sources counted: 1 (orig)")
    assert "a verdict on the scale resting on one source" in lines[twice + 1]
    assert "a derivative counted beside its original" in lines[twice + 2]
    assert "editorial:" not in result.err  # the findings are in the report, not repeated as warnings
    assert run_cli("check", "--root", str(root), "--editorial", "--strict").code == 1


def test_the_editorial_report_as_json_for_tools(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"twice": claim("accurate", [ORIG, COPY])})
    result = run_cli("check", "--root", str(root), "--editorial", "--format", "json")
    assert result.code == 0
    report = json.loads(result.out)
    [entry] = report["editorial"]
    assert (entry["claim"], entry["verdict"], entry["independent_sources"]) == ("twice", "accurate", ["orig"])
    assert [f["kind"] for f in entry["findings"]] == ["one-source", "copy-counted-twice"]
    assert all(not p["message"].startswith("editorial:") for p in report["problems"])


def test_no_editorial_report_while_the_content_has_errors(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"broken": claim("accurate", [ORIG]).replace("verdict:", "verdikt:")})
    result = run_cli("check", "--root", str(root), "--editorial")
    assert result.code == 1 and "Editorial report" not in result.out
    assert "unknown key 'verdikt'" in result.err and "no editorial report" in result.err


def test_the_embedded_site_follows_its_own_methodology() -> None:
    result = run_cli("check", "--editorial")
    assert result.code == 0
    assert result.out.splitlines()[0].endswith(", 0 finding(s)"), result.out
