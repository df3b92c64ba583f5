"""content/events.yaml: what the reports say happened, each event anchored in the words that
report it, on the timeline's date axis and in its list."""
from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path

import pytest
from conftest import PROJECT, run_cli

from site_builder import pipeline
from site_builder.inputs import EVENTS_FILE
from site_builder.plan import site_plan
from site_builder.render import Assets


@pytest.fixture(scope="module")
def checked():
    found = pipeline.check(PROJECT)
    assert found.ok, found.problems.errors
    return found


def _text(fragment: str) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", fragment).split()))


def test_every_embedded_event_quote_is_anchored_in_its_seed(checked) -> None:
    events = checked.model.events
    assert 5 <= len(events) <= 8
    assert [e.date for e in events] == sorted(e.date for e in events)
    for event in events:
        assert event.evidence
        for witness in event.evidence:
            anchor = checked.anchors[(EVENTS_FILE, witness.number)]
            text = checked.model.sources[witness.source].text
            assert anchor.source == witness.source
            assert text[anchor.start:].startswith(witness.quote.split()[0])
            assert witness.quote.split()[-1].strip("”\"") in text[anchor.end - 30:anchor.end]


def test_the_timeline_lists_each_event_on_its_day_with_a_link_to_the_passage(built_site: Path, checked) -> None:
    page = (built_site / "timeline" / "index.html").read_text(encoding="utf-8")
    days = dict(re.findall(r'<h2><time datetime="([0-9-]+)">.*?</h2>\s*<ul>(.*?)</ul>', page, re.S))
    for event in checked.model.events:
        day = days[event.date]
        item = next(li for li in re.findall(r'<li class="timeline-event">(.*?)</li>', day, re.S)
                    if _text(li).startswith(f"Event {event.event}."))
        for witness in event.evidence:
            anchor = checked.anchors[(EVENTS_FILE, witness.number)]
            link = re.search(rf'href="\.\./sources/{witness.source}/#L{anchor.line}:~:text=[^"]+"', item)
            assert link, item
            # The line the link names is on the source page, and holds the start of the quote.
            source_page = (built_site / "sources" / witness.source / "index.html").read_text(encoding="utf-8")
            line = re.search(rf'<p class="line[^"]*" id="L{anchor.line}"[^>]*>(.*?)</p>', source_page, re.S)
            assert line and anchor.exact.split()[0] in _text(line.group(1))
        if event.date_note:
            assert "Date worked out from the text:" in _text(item)
    chart = page[page.index("<svg"):page.index("</svg>")]
    assert chart.count('class="mark-event"') == len(checked.model.events)
    assert "What happened" in chart


def test_a_misquoted_event_is_an_error_at_its_quote_with_the_passage_it_meant(site_root: Path) -> None:
    events = site_root / "content" / "events.yaml"
    text = events.read_text(encoding="utf-8").replace("spoke with Assad on the telephone", "spoke to Assad by phone")
    events.write_text(text, encoding="utf-8")
    lines = text.split("\n")
    number = next(i for i, line in enumerate(lines, 1) if "spoke to Assad by phone" in line)
    col = lines[number - 1].index("quote:") + len("quote: ") + 1
    result = run_cli("check", "--root", str(site_root))
    assert result.code == 1
    assert (f"content/events.yaml:{number}:{col}: error: the quote is not in seeds/001_70b4227ab82008e2.txt"
            in result.out + result.err)
    assert "did you mean (seeds/001_70b4227ab82008e2.txt:17" in result.out + result.err


def test_an_unknown_seed_and_a_bad_date_are_errors_at_their_place(site_root: Path) -> None:
    events = site_root / "content" / "events.yaml"
    events.write_text("events:\n  - date: 2024-12-04\n    event: Something happened\n    evidence:\n"
                      "      - source: 004_52b421b4bac7923\n        quote: Speaking to parliament on Wednesday\n",
                      encoding="utf-8")
    result = run_cli("check", "--root", str(site_root))
    assert result.code == 1
    assert ("content/events.yaml:5:17: error: unknown source '004_52b421b4bac7923' "
            "(did you mean '004_52b421b4bac7923a'?") in result.out + result.err
    events.write_text("events:\n  - date: 2024-12-34\n    event: Something happened\n", encoding="utf-8")
    result = run_cli("check", "--root", str(site_root))
    out = result.out + result.err
    assert result.code == 1
    assert "content/events.yaml:2:11: error:" in out and "2024-12-34 does not exist" in out
    assert "content/events.yaml:2:5: error:" in out and "evidence" in out


def test_a_site_without_events_yaml_builds_its_timeline_without_them(site_root: Path, tmp_path: Path) -> None:
    (site_root / "content" / "events.yaml").unlink()
    out = tmp_path / "out"
    result = run_cli("build", "--root", str(site_root), "--out", str(out), "--no-search")
    assert result.code == 0, result.err
    page = (out / "timeline" / "index.html").read_text(encoding="utf-8")
    assert "timeline-event" not in page and "mark-event" not in page and "What happened" not in page
    assert '<svg role="img"' in page


def test_the_timeline_page_is_made_again_when_the_events_change(checked) -> None:
    model = checked.model
    before = {p.path: p.key for p in site_plan(model, Assets({})).pages}
    fewer = dataclasses.replace(model, events=model.events[1:])
    after = {p.path: p.key for p in site_plan(fewer, Assets({})).pages}
    assert [path for path in before if before[path] != after[path]] == ["timeline/index.html"]
