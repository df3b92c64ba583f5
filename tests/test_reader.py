"""What a reader sees first and what a shared link shows: the verdict, its graphic, the share card,
the timeline and the claimants' records. Browser tests measure the pages in headless Chromium."""
from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from browser import static_server
from conftest import PROJECT, closing_contexts, run_cli
from PIL import Image, ImageChops, ImageDraw

from site_builder import pipeline, share, urls
from site_builder.render import long_date

ARABIC_NAME = "كاظم الفرطوسي"


@pytest.fixture(scope="module")
def model():
    checked = pipeline.check(PROJECT)
    assert checked.ok
    return checked.model


def _scale(model):
    return [v for v in model.verdicts if v.rating is not None]


def _meta(page: str, prop: str) -> str:
    found = re.search(rf'<meta (?:property|name)="{re.escape(prop)}" content="([^"]*)">', page)
    assert found, prop
    return found.group(1)


def test_each_claim_page_names_its_share_card_and_the_card_is_1200_by_630(built_site: Path, model) -> None:
    for claim in model.claims:
        page = (built_site / "claims" / claim.id / "index.html").read_text(encoding="utf-8")
        verdict = model.verdict(claim.verdict)
        assert _meta(page, "og:title").startswith(f"{verdict.label}: ")
        assert _meta(page, "twitter:card") == "summary_large_image"
        image_url = _meta(page, "og:image")
        assert image_url == model.site.base_url + urls.share_image(claim.id)
        with Image.open(built_site / urls.share_image(claim.id)) as image:
            assert image.format == "PNG" and image.size == (1200, 630)
            # the verdict's colour fills the card's lower band
            colour = tuple(int(verdict.colour[i:i + 2], 16) for i in (1, 3, 5))
            assert image.convert("RGB").getpixel((20, 620)) == colour
    index = (built_site / "index.html").read_text(encoding="utf-8")
    assert _meta(index, "og:image") == model.site.base_url + urls.SITE_IMAGE
    with Image.open(built_site / urls.SITE_IMAGE) as image:
        assert image.size == (1200, 630)


def test_share_cards_are_the_same_bytes_each_time(model) -> None:
    claim = model.claims[0]
    verdict = model.verdict(claim.verdict)
    made = [share.claim_image(model.site.title, claim.reviewed, claim.claimant_names, verdict, _scale(model), "x")
            for _ in range(2)]
    assert made[0] == made[1]


def _ink_box(png: bytes, box: tuple[int, int, int, int]) -> tuple[int, int, int, int] | None:
    """Where anything but the paper (the colour of the card's top corner) is drawn inside `box`."""
    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
        region = rgb.crop(box)
        return ImageChops.difference(region, Image.new("RGB", region.size, rgb.getpixel((0, 0)))).getbbox()


def test_an_arabic_claimant_is_shaped_and_set_right_to_left_on_the_card(model) -> None:
    if not share.RTL_SHAPED:
        pytest.fail("Pillow has no raqm layout here: install libfribidi0 (make test-tools) so that "
                    "right-to-left text is shaped")
    verdict = model.verdict("misleading")
    card = share.claim_image(model.site.title, "Short claim", ARABIC_NAME, verdict, _scale(model), "x")
    latin = share.claim_image(model.site.title, "Short claim", "Kazem", verdict, _scale(model), "x")
    claimant_line = (0, 192, 1200, 250)  # under the one-line headline
    arabic_ink, latin_ink = _ink_box(card, claimant_line), _ink_box(latin, claimant_line)
    assert arabic_ink and latin_ink
    assert arabic_ink[2] > 1100 and arabic_ink[0] > 600  # a right-to-left line ends at the right margin
    assert latin_ink[0] < 100  # a left-to-right one starts at the left
    # Shaped, the letters join: the word is narrower than its letters set one by one, isolated.
    font = share._font(True, False, 30)
    joined = font.getlength(ARABIC_NAME, direction="rtl")
    isolated = sum(font.getlength(ch, direction="rtl") for ch in ARABIC_NAME)
    assert joined < isolated * 0.95


def test_mixed_latin_and_arabic_runs_keep_their_fonts_and_order() -> None:
    runs = share._runs(f"Kazem Al-Fartousi ({ARABIC_NAME}), spokesman")
    assert [r.arabic for r in runs] == [False, True, False]
    assert runs[1].text == ARABIC_NAME  # the space between the two Arabic words stays in the Arabic run


def test_timeline_lists_every_claim_and_dated_report_on_one_date_axis(built_site: Path, model) -> None:
    page = (built_site / "timeline" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<svg role="(img|group)"', page) and "<title>Timeline from" in page
    # The chart's axis spans the story, not the years until our checks were published.
    story = [c.claim_date for c in model.claims] + [s.published[:10] for s in model.sources.values() if s.published]
    story += [e.date for e in model.events]
    assert f"<title>Timeline from {long_date(min(story))} to {long_date(max(story))}:" in page
    for claim in model.claims:
        assert page.count(f'href="../claims/{claim.id}/"') == 2  # claimed, then checked
    for source in model.sources.values():
        assert f'href="../sources/{source.id}/"' in page
    days = re.findall(r'<h2><time datetime="([0-9-]+)">', page)
    assert days == sorted(days) and len(days) == len(set(days))


def test_claim_pages_link_to_claimant_records_which_count_their_verdicts(built_site: Path, model) -> None:
    for claim in model.claims:
        page = (built_site / "claims" / claim.id / "index.html").read_text(encoding="utf-8")
        for person in claim.claimants:
            assert f'href="../../claimants/{person.slug}/"' in page
            record = (built_site / "claimants" / person.slug / "index.html").read_text(encoding="utf-8")
            assert f'href="../../claims/{claim.id}/"' in record
            verdict = model.verdict(claim.verdict)
            assert f'<th scope="row"><a href="../../verdicts/{verdict.key}/">{verdict.label}</a></th>' in record


def test_the_verdict_graphic_says_where_the_verdict_sits_in_words(built_site: Path, model) -> None:
    scale = _scale(model)
    for claim in model.claims:
        page = (built_site / "claims" / claim.id / "index.html").read_text(encoding="utf-8")
        verdict = model.verdict(claim.verdict)
        title = re.search(r'<svg class="meter"[^>]*role="img"[^>]*><title>([^<]*)</title>', page).group(1)
        if verdict.rating is None:
            assert title == f"{verdict.label}: off our scale, which runs from {scale[0].label} to {scale[-1].label}"
        else:
            position = scale.index(verdict) + 1
            assert title.startswith(f"{verdict.label}: {position} of {len(scale)} on our scale")


def test_reader_facing_text_names_the_report_not_a_line_number(built_site: Path, model) -> None:
    for claim in model.claims:
        page = (built_site / "claims" / claim.id / "index.html").read_text(encoding="utf-8")
        links = re.findall(r'<p class="excerpt-links"[^>]*><a [^>]*>([^<]*)</a>', page)
        assert links and all("line" not in text and "seed" not in text for text in links)
        assert "(line " not in page


def test_the_404_page_links_the_corrections_policy(built_site: Path) -> None:
    page = (built_site / "404.html").read_text(encoding="utf-8")
    assert re.search(r'<a href="[^"]*corrections-policy/">corrections policy</a>', page)


def test_the_build_counts_in_words(tmp_path: Path) -> None:
    root = tmp_path / "one"
    (root / "content").mkdir(parents=True)
    for name in ("site.yaml", "verdicts.yaml"):
        (root / "content" / name).write_bytes((PROJECT / "content" / name).read_bytes())
    (root / "content" / "claims").mkdir()
    claim = "iraqi-factions-sent-fighters.yaml"
    (root / "content" / "claims" / claim).write_bytes((PROJECT / "content" / "claims" / claim).read_bytes())
    (root / "seeds").mkdir()
    for seed in (PROJECT / "seeds").iterdir():
        (root / "seeds" / seed.name).write_bytes(seed.read_bytes())
    result = run_cli("build", "--root", str(root), "--no-search")
    assert result.code == 0, result.err
    assert result.out.startswith("built 1 claim, 5 sources into ")


# --- in Chromium -------------------------------------------------------------------------------

SCREENS = [(390, 844), (1280, 800)]
TABLET = (768, 1024)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, chromium):
    """The site built for the address it is served at, so that og:image's absolute URL can be fetched."""
    out = tmp_path_factory.mktemp("reader") / "_site"
    with static_server(out) as url, closing_contexts(chromium) as browser:
        result = run_cli("build", "--out", str(out), "--base-url", url)
        assert result.code == 0, result.err
        yield url, browser


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), SCREENS)
def test_every_claim_page_has_its_verdict_on_the_first_screen_and_no_sideways_scroll(served, model, width, height) -> None:
    url, browser = served
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=width < 500)
    page = context.new_page()
    late, too_wide = [], []
    for claim in model.claims:
        page.goto(url + urls.claim(claim.id))
        for selector in (".verdict-box .badge", ".verdict-box svg.meter"):
            box = page.locator(selector).bounding_box()
            if box is None or box["y"] < 0 or box["y"] + box["height"] > height or box["width"] < 10:
                late.append((claim.id, selector, box))
        assert page.locator(".verdict-box .badge").inner_text() == model.verdict(claim.verdict).label
        wide = page.evaluate("document.documentElement.scrollWidth")  # and no page scrolls sideways
        if wide > width:
            too_wide.append((claim.id, wide))
    context.close()
    assert late == []
    assert too_wide == []


@pytest.mark.browser
def test_og_image_is_an_absolute_url_that_serves_the_1200_by_630_card(served, model) -> None:
    # As a link preview's crawler reads it: the page's HTML, not a rendering of it.
    url, browser = served
    request = browser.new_context().request
    for claim in model.claims:
        page = request.get(url + urls.claim(claim.id)).text()
        found = re.search(r'<meta property="og:image" content="([^"]*)"', page)
        assert found, claim.id
        image_url = html.unescape(found.group(1))
        assert image_url == url + urls.share_image(claim.id)  # absolute, under the site's base URL
        response = request.get(image_url)
        assert response.ok and response.headers["content-type"] == "image/png"
        with Image.open(io.BytesIO(response.body())) as image:
            assert image.size == (1200, 630)


@pytest.mark.browser
@pytest.mark.parametrize("screens", [[SCREENS[0]], [SCREENS[1], TABLET]], ids=["phone", "desktop-and-tablet"])
def test_pages_scroll_no_wider_than_the_screen(served, model, screens: list[tuple[int, int]]) -> None:
    url, browser = served
    width, height = screens[0]
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=width < 500)
    page = context.new_page()
    claim = model.claims[0]
    # Every claim page is measured on SCREENS by the first-screen test above; one here on a tablet.
    paths = ["", "timeline/", "claimants/", urls.claimant(claim.claimants[0].slug), "evidence/", "search/?q=Badr",
             "404.html", "verdicts/", urls.source(claim.evidence[0].source), "methodology/", urls.claim(claim.id)]
    too_wide = []
    for path in paths:
        page.goto(url + path)
        for width, height in screens:  # the page laid out again at each size (no mobile emulation to switch)
            page.set_viewport_size({"width": width, "height": height})
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > width:
                too_wide.append((path, width, wide))
    context.close()
    assert too_wide == []


@pytest.mark.browser
def test_an_excerpt_link_lands_with_context_above_and_the_outline_in_view(served) -> None:
    url, browser = served
    for width, height in SCREENS:
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(url + "claims/irgc-request-refused/")
        link = page.locator(".excerpt-links a").first
        target = link.get_attribute("href").split("#")[1]
        link.click()
        page.wait_for_load_state()
        mark = page.locator(f"mark#{target}, mark:has(> #{target})")
        top = mark.evaluate("m => m.getBoundingClientRect().top")
        outline = mark.evaluate("m => parseFloat(getComputedStyle(m).outlineWidth)")
        assert height * 0.2 <= top < height * 0.6  # lines of the report above it, not flush at the edge
        assert top - outline >= 0  # its outline is not cut off
        page.close()


@pytest.mark.browser
def test_search_results_show_verdict_graphics_in_the_sites_font(served, model) -> None:
    url, browser = served
    page = browser.new_page()
    page.goto(url + "search/?q=Badr")
    page.wait_for_selector(".search-results .claim-card", timeout=15_000)
    cards = page.locator(".search-results .claim-card")
    assert cards.count() >= 2
    labels = {v.label for v in model.verdicts}
    for i in range(cards.count()):
        card = cards.nth(i)
        assert card.locator(".badge").inner_text() in labels
        assert card.locator("svg.meter title").count() == 1
    body_font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert cards.first.evaluate("c => getComputedStyle(c).fontFamily") == body_font
    assert page.locator("input[type=search]").count() == 1
    page.close()


@pytest.mark.browser
def test_search_on_a_site_without_its_index_says_why(served, tmp_path: Path) -> None:
    _, browser = served
    out = tmp_path / "_site"
    assert run_cli("build", "--out", str(out), "--no-search").code == 0
    with static_server(out) as url:
        page = browser.new_page()
        page.goto(url + "search/?q=Badr")
        status = page.locator("[data-search-status]")
        page.wait_for_function("s => s.textContent.includes('not available')", arg=status.element_handle(),
                               timeout=10_000)
        assert "built without its search index" in status.inner_text()
        page.close()


def _with_arabic_claimant(site_root: Path) -> Path:
    path = site_root / "content" / "claims" / "fartousi-quotations-reworded.yaml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^(claimant:\n  name: ).*$', rf'\1"{ARABIC_NAME}"', text)
    assert ARABIC_NAME in text
    path.write_text(text, encoding="utf-8")
    return path


def test_a_site_with_an_arabic_claimant_builds_its_card_and_isolates_the_name(site_root: Path) -> None:
    _with_arabic_claimant(site_root)
    result = run_cli("build", "--root", str(site_root), "--no-search")
    assert result.code == 0, result.err
    page = (site_root / "_site" / "claims" / "fartousi-quotations-reworded" / "index.html").read_text(encoding="utf-8")
    assert f"<bdi>{ARABIC_NAME}</bdi>" in page
    with Image.open(site_root / "_site" / urls.share_image("fartousi-quotations-reworded")) as image:
        assert image.size == (1200, 630)


def test_without_raqm_check_says_which_cards_cannot_shape_right_to_left_text(site_root: Path, monkeypatch) -> None:
    _with_arabic_claimant(site_root)
    monkeypatch.setattr(share, "RTL_SHAPED", False)
    checked = pipeline.check(site_root)
    warned = [p for p in checked.problems.warnings if "right-to-left" in p.message]
    assert [p.path for p in warned] == ["content/claims/fartousi-quotations-reworded.yaml"]
    assert "libfribidi" in warned[0].hint


def test_without_raqm_check_also_warns_for_arabic_in_a_claimant_affiliation(site_root: Path, monkeypatch) -> None:
    path = site_root / "content" / "claims" / "fartousi-quotations-reworded.yaml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^(claimant:\n  name: .*)$', rf'\1\n  affiliation: "{ARABIC_NAME}"', text)
    assert ARABIC_NAME in text
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(share, "RTL_SHAPED", False)
    warned = [p for p in pipeline.check(site_root).problems.warnings if "right-to-left" in p.message]
    assert [p.path for p in warned] == ["content/claims/fartousi-quotations-reworded.yaml"]


def test_an_arabic_name_reads_right_to_left_its_first_word_rightmost() -> None:
    if not share.RTL_SHAPED:
        pytest.fail("Pillow has no raqm layout here: install libfribidi0 (make test-tools)")
    first_word = ARABIC_NAME.split()[0]

    def drawn(text: str) -> Image.Image:
        image = Image.new("RGB", (700, 90), (255, 255, 255))
        share._Text(40).draw(ImageDraw.Draw(image), text, 10, 10, (0, 0, 0), right=690)
        return image.convert("L").point(lambda v: 255 - v)

    whole, alone = drawn(ARABIC_NAME), drawn(first_word)
    box, word = whole.getbbox(), alone.getbbox()
    width = word[2] - word[0]
    reference = alone.crop((word[0], 0, word[2], 90))

    def matching(left: int) -> int:
        """How many pixels of the name, from `left`, are exactly those of the first word drawn alone."""
        return ImageChops.difference(whole.crop((left, 0, left + width, 90)), reference).histogram()[0]

    assert abs(box[2] - word[2]) <= 2  # both set against the right margin
    assert matching(box[2] - width) > matching(box[0]) + 500  # the first word is at the right end
