"""Word-level differences between two wordings: for "did you mean" and for quote comparisons."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class DiffPart:
    kind: str  # "same", "removed" (only in the first text) or "added" (only in the second)
    text: str


def word_diff(first: str, second: str) -> list[DiffPart]:
    """The second text as edits of the first, word by word."""
    a, b = _WORD.findall(first), _WORD.findall(second)
    parts: list[DiffPart] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            parts.append(DiffPart("same", " ".join(a[a0:a1])))
            continue
        if a1 > a0:
            parts.append(DiffPart("removed", " ".join(a[a0:a1])))
        if b1 > b0:
            parts.append(DiffPart("added", " ".join(b[b0:b1])))
    return parts


def similarity(first: str, second: str) -> float:
    """Share of words the two wordings have in common, in order (0 to 1)."""
    a, b = _WORD.findall(first.lower()), _WORD.findall(second.lower())
    if not a and not b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def diff_as_text(parts: list[DiffPart]) -> str:
    """A terminal-friendly rendering: [-removed-] {+added+}, as `git diff --word-diff` prints."""
    out = []
    for part in parts:
        if part.kind == "same":
            out.append(part.text)
        elif part.kind == "removed":
            out.append(f"[-{part.text}-]")
        else:
            out.append(f"{{+{part.text}+}}")
    return " ".join(out)
