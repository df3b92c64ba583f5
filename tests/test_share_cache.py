"""The share-image cache: a card is reused only for the inputs it was drawn from, even after a killed build."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from site_builder.share import cached

PNG = b"\x89PNG\r\n\x1a\n%s IEND\xaeB`\x82"


def card(text: str) -> bytes:
    return PNG % text.encode()


def test_a_card_is_drawn_again_only_when_its_inputs_change(tmp_path: Path) -> None:
    drawn: list[str] = []

    def draw(text: str):
        return lambda: drawn.append(text) or card(text)

    assert cached(tmp_path, "claim", "A", draw("A")) == card("A")
    assert cached(tmp_path, "claim", "A", draw("A again")) == card("A")
    assert cached(tmp_path, "claim", "B", draw("B")) == card("B")
    assert cached(tmp_path, "claim", "A", draw("A")) == card("A")
    assert drawn == ["A", "B", "A"]


@pytest.mark.parametrize("killed_at", [1, 2, 3])
def test_a_build_killed_while_keeping_a_card_never_pairs_it_with_other_inputs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, killed_at: int) -> None:
    cached(tmp_path, "claim", "A", lambda: card("A"))
    calls = 0
    real_replace, real_write = os.replace, Path.write_bytes

    def step() -> None:
        nonlocal calls
        calls += 1
        if calls == killed_at:
            raise KeyboardInterrupt  # stands for the kill: nothing after this point runs

    def replace(*args, **kwargs):
        step()
        real_replace(*args, **kwargs)
        step()

    def write_bytes(self: Path, data: bytes) -> int:
        step()
        return real_write(self, data)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    with pytest.raises(KeyboardInterrupt):
        cached(tmp_path, "claim", "B", lambda: card("B"))
    monkeypatch.undo()
    assert cached(tmp_path, "claim", "A", lambda: card("A")) == card("A")
    assert cached(tmp_path, "claim", "B", lambda: card("B")) == card("B")


def test_a_truncated_card_is_drawn_again(tmp_path: Path) -> None:
    cached(tmp_path, "claim", "A", lambda: card("A"))
    [kept] = (tmp_path / "claim").glob("*.png")
    kept.write_bytes(card("A")[:10])
    assert cached(tmp_path, "claim", "A", lambda: card("A")) == card("A")
