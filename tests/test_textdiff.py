"""Comparing two wordings of a quotation: typography is never a change, and the figure agrees with the diff."""
from __future__ import annotations

import re

from conftest import PROJECT
from hypothesis import given
from hypothesis import strategies as st

from site_builder import pipeline
from site_builder.anchor import compare_wordings
from site_builder.render import Renderer, Theme


def test_typographic_differences_are_not_changes_and_read_as_identical():
    first = "Iraq's security will be affected - and \"the danger remains\"  ...  for years"
    second = "Iraq’s security will be affected — and “the danger remains” … for years"
    result = compare_wordings(first, second)
    assert result.identical and result.percent == 100 and result.similarity == 1.0
    assert [p.kind for p in result.parts] == ["same"]
    assert result.parts[0].text == second  # shown as the second text writes it


def test_a_changed_capital_or_word_is_a_change_and_never_reads_100():
    for second, changed in (("iraq’s security will be affected", "iraq’s"), ("Iraq’s safety will be affected", "safety")):
        result = compare_wordings("Iraq's security will be affected", second)
        assert not result.identical and result.percent == 80  # 4 of 5 words on each side
        assert [p.text for p in result.parts if p.kind == "added"] == [changed]


_word = st.sampled_from(["Iraq's", "Iraq’s", "al-Shuhada", "al–Shuhada", "“stable”", '"stable"', "the", "forces",
                         "Syria", "syria", "fighters", "—", "-"])


@given(st.lists(_word, max_size=12), st.lists(_word, max_size=12))
def test_the_figure_is_the_share_of_words_the_diff_shows_as_the_same(first, second):
    result = compare_wordings(" ".join(first), " ".join(second))
    same = sum(len(p.text.split()) for p in result.parts if p.kind == "same")
    total = len(first) + len(second)
    assert result.similarity == (2 * same / total if total else 1.0)
    assert (result.percent == 100) == result.identical
    assert (result.percent == 0) == (same == 0 and total > 0)


def test_the_identical_quotation_on_the_claim_page_reads_identical_and_shows_no_change():
    checked = pipeline.check(PROJECT)
    assert checked.ok
    renderer = Renderer(checked.model, checked.anchors, Theme.for_root(PROJECT))
    claim = next(c for c in checked.model.claims if c.id == "fartousi-quotations-reworded")
    html = renderer.claim(claim).data.decode()
    figures = re.findall(r'<figure class="comparison">.*?</figure>', html, re.S)
    fatlawi = next(f for f in figures if "Ali Al-Fatlawi" in f)
    assert "identical, word for word" in fatlawi and "(100%;" in fatlawi
    assert "<del>" not in fatlawi and "<ins>" not in fatlawi  # Iraq's / Iraq’s is not a change
    reworded = next(f for f in figures if "Fartousi" in f)
    assert "identical" not in reworded and "<del>" in reworded
