"""Word-level differences between two wordings: for "did you mean" and for quote comparisons.

Words are compared by a key (the anchoring's normalisation, so that a curly and a straight
apostrophe are the same word), and the similarity figure is worked out from the same
alignment as the diff, so the two always agree.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class DiffPart:
    kind: str  # "same", "removed" (only in the first text) or "added" (only in the second)
    text: str


@dataclass(frozen=True)
class Comparison:
    parts: list[DiffPart]  # the second text as edits of the first; "same" words as the second writes them
    similarity: float  # share of words in common, in order (0 to 1), from the same alignment

    @property
    def identical(self) -> bool:
        return all(part.kind == "same" for part in self.parts)

    @property
    def percent(self) -> int:
        """The similarity as a whole percentage that never says 100 of a difference, nor 0 of a likeness."""
        if self.identical:
            return 100
        rounded = round(self.similarity * 100)
        return min(99, max(rounded, 1 if any(p.kind == "same" for p in self.parts) else 0))


def compare(first: str, second: str, key: Callable[[str], str]) -> Comparison:
    """Align two wordings word by word, words being equal when their keys are."""
    a, b = _WORD.findall(first), _WORD.findall(second)
    matcher = difflib.SequenceMatcher(None, [key(w) for w in a], [key(w) for w in b], autojunk=False)
    parts: list[DiffPart] = []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            parts.append(DiffPart("same", " ".join(b[b0:b1])))
            continue
        if a1 > a0:
            parts.append(DiffPart("removed", " ".join(a[a0:a1])))
        if b1 > b0:
            parts.append(DiffPart("added", " ".join(b[b0:b1])))
    return Comparison(parts, matcher.ratio() if a or b else 1.0)


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
