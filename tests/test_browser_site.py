"""What a reader does in a real browser: search, filter by verdict, read the evidence on any screen."""
from __future__ import annotations

from pathlib import Path

import pytest
from browser import static_server
from conftest import PROJECT, closing_contexts

from site_builder import pipeline

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(local_site: Path, chromium):
    with static_server(local_site) as url, closing_contexts(chromium) as browser:
        yield url, browser


def test_search_finds_a_claim_by_a_word_of_its_text(served) -> None:
    url, browser = served
    page = browser.new_page()
    page.goto(url)
    page.fill("#site-search", "Observatory")
    page.click(".search-form button")
    page.wait_for_selector(".search-results .claim-card-title a", timeout=15_000)
    titles = page.locator(".search-results .claim-card-title a").all_inner_texts()
    model = pipeline.check(PROJECT).model
    sent = next(c for c in model.claims if c.id == "iraqi-factions-sent-fighters")
    assert sent.reviewed in titles
    assert page.locator("input[type=search]").count() == 1  # one search box, the header's
    page.close()


def test_a_claim_address_shortened_to_its_folder_leads_to_the_list_of_claims(served) -> None:
    url, browser = served
    model = pipeline.check(PROJECT).model
    page = browser.new_page()
    page.goto(f"{url}claims/iraqi-factions-sent-fighters/")
    page.goto(f"{url}claims/")  # as a reader who cuts the claim's id off the address
    page.wait_for_url(url, timeout=10_000)
    assert page.locator(".claim-card").count() == len(model.claims)
    page.close()
    context = browser.new_context(java_script_enabled=False)  # a refresh, not a script: it works with scripts off
    page = context.new_page()
    page.goto(f"{url}claims/")
    page.wait_for_url(url, timeout=10_000)
    context.close()


def test_verdict_filter_shows_only_that_verdict_in_place(served) -> None:
    url, browser = served
    model = pipeline.check(PROJECT).model
    expected = sorted(c.id for c in model.claims if c.verdict == "unproven")
    page = browser.new_page()
    page.goto(url)
    page.click('a[data-filter="verdict=unproven"]')
    assert page.url.endswith("#verdict=unproven")  # in place, not the verdict page
    visible = page.locator(".claim-card:visible .claim-card-title a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert sorted(h.split("/")[-2] for h in visible) == expected
    assert page.locator(".filter-status").inner_text().startswith(f"Showing {len(expected)} of {len(model.claims)}")
    page.click(".filter-status a")
    assert page.locator(".claim-card:visible").count() == len(model.claims)
    page.close()


def test_verdict_links_work_without_javascript(served) -> None:
    url, browser = served
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(url)
    page.click('a[data-filter="verdict=unproven"]')
    assert page.url.endswith("/verdicts/unproven/")
    assert "Verdict:" in page.locator("h1").inner_text()
    context.close()


def _column_boxes(page) -> list[dict]:
    return page.locator(".evidence-column").evaluate_all(
        "cols => cols.map(c => { const r = c.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width}; })")


def test_evidence_sits_in_columns_on_a_wide_screen_and_stacks_on_a_phone(served) -> None:
    url, browser = served
    path = "claims/iraqi-factions-sent-fighters/"
    wide = browser.new_page(viewport={"width": 1280, "height": 900})
    wide.goto(url + path)
    boxes = _column_boxes(wide)
    assert len(boxes) >= 2
    assert len({round(b["y"]) for b in boxes}) == 1  # side by side
    assert len({round(b["x"]) for b in boxes}) == len(boxes)
    phone = browser.new_page(viewport={"width": 390, "height": 800}, is_mobile=True)
    phone.goto(url + path)
    boxes = _column_boxes(phone)
    assert len({round(b["x"]) for b in boxes}) == 1  # one above the other
    assert [b["y"] for b in boxes] == sorted(b["y"] for b in boxes)
    assert all(b["w"] <= 390 for b in boxes)
    wide.close()
    phone.close()


def test_link_to_the_source_lands_on_the_highlighted_passage(served) -> None:
    url, browser = served
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url + "claims/irgc-request-refused/")
    link = page.locator(".excerpt-links a").first
    target = link.get_attribute("href").split("#")[1]
    link.click()
    page.wait_for_load_state()
    mark = page.locator(f"mark#{target}, mark:has(> #{target})")
    assert mark.count() == 1 and mark.is_visible()
    assert mark.evaluate("m => getComputedStyle(m).outlineStyle") == "solid"  # the passage is singled out
    top = mark.evaluate("m => m.getBoundingClientRect().top")
    assert -1 < top < 900  # scrolled into view (the browser may leave it a fraction of a pixel above the edge)


def test_pages_run_under_their_content_security_policy_without_violations(served) -> None:
    url, browser = served
    page = browser.new_page()
    reports = []
    page.on("console", lambda message: reports.append(message.text))
    page.on("pageerror", lambda error: reports.append(str(error)))
    for path in ["", "claims/fartousi-quotations-reworded/", "sources/004_52b421b4bac7923a/", "evidence/",
                 "search/?q=Badr"]:
        page.goto(url + path)
        page.wait_for_load_state("networkidle")
    # the search page's script ran, and so did its WebAssembly index
    page.wait_for_selector(".search-results .claim-card-title a", timeout=15_000)
    assert reports == []
    page.close()


def test_a_claim_page_prints_cleanly_with_its_excerpts(served) -> None:
    url, browser = served
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url + "claims/iraqi-factions-sent-fighters/")
    page.emulate_media(media="print")
    assert not page.locator(".site-header nav").is_visible() and not page.locator(".search-form").is_visible()
    excerpts = page.locator(".excerpt")
    assert excerpts.count() > 2 and all(excerpts.nth(i).is_visible() for i in range(excerpts.count()))
    boxes = _column_boxes(page)
    assert len({round(b["x"]) for b in boxes}) == 1  # stacked: nothing cut off at the page edge
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    page.close()
