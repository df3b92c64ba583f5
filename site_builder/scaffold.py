"""Commands that write a contributor's files: `new claim ID` and `pin SEED`."""
from __future__ import annotations

import datetime
import hashlib
import sys
from collections.abc import Callable
from pathlib import Path

from .errors import Problems
from .load import SLUG, load_yaml_file
from .resources import builtin, relative
from .validate import slugify
from .whole import replace_file

CLAIM_SKELETON = """\
# yaml-language-server: $schema={schema}
# A fact-check of one claim. Replace every "TODO:" value, then run: {check}
# The file name is the claim's id: {id}.yaml -> /claims/{id}/

# The claim as it was made, in one sentence, without the verdict.
claim: "TODO: the claim, in one sentence"
# Who made it. For several claimants, make this a list: "- name: ..." for each.
claimant:
  name: "TODO: who made the claim"
  kind: person  # person | organisation
  # role: their role (spokesperson), or what the organisation is; optional
  # affiliation: the organisation a person speaks for; optional
  # url: https://... their own page; optional
# When it was made, YYYY-MM-DD.
claim_date: "TODO: YYYY-MM-DD"
# Where it was made (optional; ClaimReview's appearance comes from here and nowhere else):
# a seed, with the words that make the claim, or an outside page with its date.
# appearances:
#   - source: {seed}
#     quote: "the words in which the claim is made"
#   - url: https://...
#     date: YYYY-MM-DD
# One of the keys of content/verdicts.yaml: {verdicts}
verdict: "TODO: a verdict key"
# Markdown: the verdict in two or three sentences, argued from the quoted words.
summary: >
  TODO: the verdict in two or three sentences.
# Markdown, optional: the reasoning, excerpt by excerpt.
analysis: |
  TODO: the reasoning, or remove this key.
# Excerpts quoted word for word from the seeds. Quotation marks, dashes and spaces may differ
# from the source; nothing else. An ellipsis (...) joins parts of one paragraph.
evidence:
  - source: "TODO: a seed id, such as {seed}"
    quote: "TODO: the source's exact words"
    stance: supports  # supports | refutes | context
    # note: markdown, optional: why this excerpt matters
    # prefix: words just before the quote, if it appears more than once in the source
tags: []  # lower-case slugs, such as [iraq, syria]
published: {today}
"""


Command = Callable[[str], str]  # a subcommand's words -> the command line the user can paste


def new_claim(root: Path, claim_id: str, command: Command) -> int:
    """Write a commented skeleton that passes `check` once its placeholders are filled."""
    if not SLUG.match(claim_id):
        suggestion = slugify(claim_id)
        print(f"error: '{claim_id}' is not a valid claim id "
              f"(use lower-case letters, digits and hyphens{', such as ' + suggestion if suggestion else ''})",
              file=sys.stderr)
        return 2
    claims = root / "content" / "claims"
    target = claims / f"{claim_id}.yaml"
    if target.exists():
        print(f"error: {target.relative_to(root)} already exists (choose another id, or edit that file)",
              file=sys.stderr)
        return 2
    claims.mkdir(parents=True, exist_ok=True)
    verdicts = _verdict_keys(root)
    seeds = sorted(p.stem for p in (root / "seeds").glob("*.txt"))
    schema = builtin("schemas") / "claim.schema.json"
    target.write_text(CLAIM_SKELETON.format(
        id=claim_id, schema=relative(schema, claims), verdicts=", ".join(verdicts) or "see content/verdicts.yaml",
        seed=seeds[0] if seeds else "000_1b24216a71cf53b4", today=datetime.date.today().isoformat(),
        check=command("check")), encoding="utf-8")
    print(f"wrote {target.relative_to(root)}: fill in every 'TODO:', then run: {command('check')}")
    return 0


def _verdict_keys(root: Path) -> list[str]:
    doc = load_yaml_file(root, root / "content" / "verdicts.yaml", Problems(), required=False)
    if doc is None:
        return []
    try:
        return [v["key"] for v in doc.data["verdicts"]]
    except (AttributeError, KeyError, TypeError):
        return []


def pin_seed(root: Path, seed_id: str, command: Command) -> int:
    """Record a seed's current digest in seeds/sources.yaml, after a deliberate change of its text."""
    seed = root / "seeds" / f"{seed_id}.txt"
    sources = root / "seeds" / "sources.yaml"
    if not seed.is_file():
        print(f"error: there is no seed seeds/{seed_id}.txt", file=sys.stderr)
        return 2
    problems = Problems()
    doc = load_yaml_file(root, sources, problems)
    entry = doc.data.get("sources", {}).get(seed_id) if doc and isinstance(doc.data, dict) else None
    if doc is None or not isinstance(entry, dict) or "sha256" not in entry:
        print(f"error: seeds/sources.yaml has no entry for '{seed_id}' (a new text gets its entry, digest "
              f"included, from: {command(f'add source seeds/{seed_id}.txt')})", file=sys.stderr)
        return 1
    actual = hashlib.sha256(seed.read_bytes()).hexdigest()
    if entry["sha256"] == actual:
        print(f"{seed_id} is already pinned at {actual}")
        return 0
    line, _col = doc.where(("sources", seed_id, "sha256"))
    lines = sources.read_text(encoding="utf-8").split("\n")
    lines[line - 1] = lines[line - 1].replace(entry["sha256"], actual)
    replace_file(sources, "\n".join(lines).encode("utf-8"))
    print(f"pinned {seed_id}: {entry['sha256']} -> {actual}; check that every excerpt still anchors: {command('check')}")
    return 0
