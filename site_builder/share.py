"""Share images: the 1200×630 PNG that a shared link shows (Open Graph, Twitter's large card).

Drawn at build time with Pillow in the fonts shipped in `fonts/` (Noto Sans and Noto Sans
Arabic, under the OFL), so the same input gives the same bytes on any machine with the same
Pillow. Right-to-left text is shaped and ordered by Pillow's raqm layout, which needs the
system's libfribidi at run time; without it (`RTL_SHAPED` is False) Arabic letters are drawn
unjoined, in reading order, and `check` warns about the claims this affects.
"""
from __future__ import annotations

import functools
import hashlib
import io
import os
import re
import shutil
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import PIL
from PIL import Image, ImageDraw, ImageFont, features

from .model import Claim, Verdict
from .whole import replace_file

WIDTH, HEIGHT = 1200, 630
MARGIN = 64
FONTS = Path(__file__).resolve().parent / "fonts"
RTL_SHAPED = features.check("raqm")
_LAYOUT = ImageFont.Layout.RAQM if RTL_SHAPED else ImageFont.Layout.BASIC
# Arabic script (and its presentation forms): drawn with Noto Sans Arabic. Everything else is
# drawn with Noto Sans (Latin, Greek, Cyrillic).
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u0870-\u08ff\ufb50-\ufdff\ufe70-\ufeff]+")
INK, MUTED, PAPER, RULE = (27, 31, 36), (87, 96, 106), (255, 255, 255), (208, 215, 222)


def claimant_line(claim: Claim) -> str:
    """Who made the claim, as its card says it: each claimant's name, role and affiliation."""
    return "; ".join(", ".join(filter(None, (p.name, p.role, p.affiliation))) for p in claim.claimants)


def needs_rtl(text: str) -> bool:
    """Whether the text has right-to-left letters, which only the raqm layout draws properly."""
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


@cache
def _font(arabic: bool, bold: bool, size: int) -> ImageFont.FreeTypeFont:
    name = f"NotoSans{'Arabic' if arabic else ''}-{'Bold' if bold else 'Regular'}.ttf"
    return ImageFont.truetype(str(FONTS / name), size, layout_engine=_LAYOUT)


@dataclass(frozen=True)
class _Run:
    text: str
    arabic: bool

    @property
    def direction(self) -> str:
        return "rtl" if self.arabic else "ltr"


def _runs(text: str) -> list[_Run]:
    """The text cut where the script changes; a space between two Arabic words stays Arabic."""
    pieces: list[_Run] = []
    for match in re.finditer(r"\s+|" + _ARABIC.pattern + r"|[^\s\u0600-\u06ff\u0750-\u077f\u0870-\u08ff\ufb50-\ufdff\ufe70-\ufeff]+", text):
        chunk = match.group()
        pieces.append(_Run(chunk, bool(_ARABIC.fullmatch(chunk))))
    merged: list[_Run] = []
    for i, run in enumerate(pieces):
        if run.text.isspace():
            arabic = 0 < i < len(pieces) - 1 and pieces[i - 1].arabic and pieces[i + 1].arabic
            run = _Run(run.text, arabic)
        if merged and merged[-1].arabic == run.arabic:
            merged[-1] = _Run(merged[-1].text + run.text, run.arabic)
        else:
            merged.append(run)
    return merged


def _rtl_base(text: str) -> bool:
    """The paragraph's direction, from its first strong letter (the Unicode bidi rule P2)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


class _Text:
    """One paragraph of text in one size and weight, in Latin and Arabic fonts as its letters need."""

    def __init__(self, size: int, bold: bool = False):
        self.size, self.bold = size, bold

    def _draw_args(self, run: _Run) -> dict:
        return {"direction": run.direction} if RTL_SHAPED else {}

    def _shown(self, run: _Run) -> str:
        # Without raqm nothing reorders right-to-left letters: at least put them in reading order.
        return run.text[::-1] if run.arabic and not RTL_SHAPED else run.text

    def width(self, text: str) -> float:
        return sum(_font(r.arabic, self.bold, self.size).getlength(self._shown(r), **self._draw_args(r))
                   for r in _runs(text))

    def wrap(self, text: str, width: int, max_lines: int) -> list[str]:
        """Greedy line breaks at spaces; the last line ends with "…" when the text is longer."""
        lines: list[str] = []
        words = text.split()
        while words and len(lines) < max_lines:
            line = words.pop(0)
            while words and self.width(line + " " + words[0]) <= width:
                line += " " + words.pop(0)
            lines.append(line)
        if words:
            last = lines[-1]
            while last and self.width(last + "…") > width:
                last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
            lines[-1] = last.rstrip(" ,;:") + "…"
        return lines

    def draw(self, draw: ImageDraw.ImageDraw, text: str, x: int, y: int, fill, right: int | None = None) -> None:
        """Draw one line from x (or, for a right-to-left paragraph, back from `right`)."""
        runs = _runs(text)
        rtl = _rtl_base(text)
        position = float(right if rtl and right is not None else x)
        # Runs in the two fonts share one baseline: the Latin font's, under the line's top at y.
        baseline = y + _font(False, self.bold, self.size).getmetrics()[0]
        for run in runs:
            font = _font(run.arabic, self.bold, self.size)
            shown = self._shown(run)
            advance = font.getlength(shown, **self._draw_args(run))
            if rtl and right is not None:
                position -= advance
            draw.text((position, baseline), shown, font=font, fill=fill, anchor="ls", **self._draw_args(run))
            if not (rtl and right is not None):
                position += advance


def _hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]


def _meter(draw: ImageDraw.ImageDraw, verdict: Verdict, scale: list[Verdict], x: int, y: int, colour) -> None:
    """The verdict's place on the scale, in white on its colour: the same picture as the pages' SVG."""
    step, gap, height = 56, 10, 26
    on_scale = verdict in scale
    faint = _mix(colour, PAPER, 0.45)
    for i, v in enumerate(scale):
        left = x + i * (step + gap)
        if v == verdict:
            draw.rounded_rectangle((left, y - 10, left + step, y + height + 10), 6, fill=PAPER)
            draw.polygon([(left + step / 2 - 12, y + height + 24), (left + step / 2 + 12, y + height + 24),
                          (left + step / 2, y + height + 12)], fill=PAPER)
        elif on_scale:
            draw.rounded_rectangle((left, y, left + step, y + height), 6, fill=faint)
        else:
            draw.rounded_rectangle((left, y, left + step, y + height), 6, outline=faint, width=3)
    if not on_scale:
        left = x + len(scale) * (step + gap) + 18
        draw.ellipse((left, y - 10, left + height + 20, y + height + 10), fill=PAPER)
        q = _Text(30, bold=True)
        draw_x = left + (height + 20 - q.width("?")) / 2
        q.draw(draw, "?", round(draw_x), y - 7, colour)


@cache
def _palette(colour: tuple[int, int, int]) -> Image.Image:
    """The colours a card in `colour` can hold: each text or shape colour over its background, and
    14 steps between them for anti-aliased edges. Mapping to a palette known in advance is five times as fast as
    working one out from the pixels, and always gives the same result."""
    pairs = [(INK, PAPER), (MUTED, PAPER), (RULE, PAPER), (colour, PAPER), (PAPER, colour),
             (_mix(colour, PAPER, 0.8), colour), (_mix(colour, PAPER, 0.45), colour)]
    solid = list(dict.fromkeys(c for pair in pairs for c in pair))
    # Pillow maps a pixel to the palette through a coarse colour cube: a blend within 8 levels of a
    # solid colour could take that colour's place, so the solid colours stand alone in their cells.
    steps = [_mix(bg, fg, step / 15) for fg, bg in pairs for step in range(1, 15)]
    entries = solid + list(dict.fromkeys(c for c in steps
                                         if all(max(abs(a - b) for a, b in zip(c, s)) >= 8 for s in solid)))
    palette = Image.new("P", (1, 1))
    palette.putpalette([channel for entry in entries for channel in entry])
    return palette


def _png(image: Image.Image, colour: tuple[int, int, int] | None = None) -> bytes:
    """The card as PNG, without metadata or time stamp: a claim's as 8 bits on the palette of its
    colour (a third of the size of full colour, and quick to compress); the site's, drawn once a
    build in every verdict's colour, in full colour."""
    out = io.BytesIO()
    if colour is None:
        image.save(out, format="PNG", compress_level=6)
    else:
        image.quantize(palette=_palette(colour), dither=Image.Dither.NONE).save(out, format="PNG", compress_level=1)
    return out.getvalue()


def claim_image(site_title: str, claim: str, claimant: str, verdict: Verdict, scale: list[Verdict],
                scale_text: str) -> bytes:
    """A claim's share card: the site, the claim, who made it, and the verdict on its colour."""
    image = _verdict_card(site_title, verdict, tuple(scale), scale_text).copy()
    draw = ImageDraw.Draw(image)
    right = WIDTH - MARGIN
    headline = _Text(52, bold=True)
    y = 116
    for line in headline.wrap(claim, right - MARGIN, 3):
        headline.draw(draw, line, MARGIN, y, INK, right=right)
        y += 66
    by = _Text(30)
    for line in by.wrap(claimant, right - MARGIN, 2):
        by.draw(draw, line, MARGIN, y + 18, MUTED, right=right)
        y += 42
    return _png(image, _hex(verdict.colour))


@functools.lru_cache(maxsize=64)
def _verdict_card(site_title: str, verdict: Verdict, scale: tuple[Verdict, ...], scale_text: str) -> Image.Image:
    """What the cards of one verdict share: the site's name, and the verdict on its colour with
    its place on the scale. Drawn once a build for each verdict; each card is a copy."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    colour = _hex(verdict.colour)
    right = WIDTH - MARGIN
    _Text(28).draw(draw, site_title, MARGIN, 40, MUTED, right=right)
    draw.line((MARGIN, 92, right, 92), fill=RULE, width=2)
    band = 420
    draw.rectangle((0, band, WIDTH, HEIGHT), fill=colour)
    _Text(26, bold=True).draw(draw, "OUR VERDICT", MARGIN, band + 34, _mix(colour, PAPER, 0.8))
    meter_width = len(scale) * 66 - 10 + (0 if verdict in scale else 74)
    room = right - MARGIN - meter_width - 48
    size = 64
    while size > 36 and _Text(size, bold=True).width(verdict.label) > room:
        size -= 4
    label = _Text(size, bold=True)
    label.draw(draw, label.wrap(verdict.label, room, 1)[0], MARGIN, band + 68 + (64 - size) // 2, PAPER)
    _Text(26).draw(draw, scale_text, MARGIN, band + 158, PAPER)
    _meter(draw, verdict, list(scale), right - meter_width, band + 70, colour)
    return image


def site_image(site_title: str, description: str, scale: list[Verdict], off_scale: list[Verdict]) -> bytes:
    """The site's share card: its title, what it checks, and the verdict scale it rates on."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    right = WIDTH - MARGIN
    title = _Text(60, bold=True)
    y = 70
    for line in title.wrap(site_title, right - MARGIN, 2):
        title.draw(draw, line, MARGIN, y, INK, right=right)
        y += 76
    body = _Text(30)
    for line in body.wrap(description, right - MARGIN, 4):
        body.draw(draw, line, MARGIN, y + 16, MUTED, right=right)
        y += 42
    verdicts = scale + off_scale
    cell = (right - MARGIN) // max(1, len(verdicts))
    label = _Text(22, bold=True)
    for i, verdict in enumerate(verdicts):
        left = MARGIN + i * cell
        draw.rounded_rectangle((left, 470, left + cell - 10, 560), 10, fill=_hex(verdict.colour))
        for n, line in enumerate(label.wrap(verdict.label, cell - 30, 2)):
            label.draw(draw, line, left + 12, 482 + n * 30, PAPER)
    return _png(image)


@cache
def _drawing_digest() -> bytes:
    """What every card's pixels also depend on: this code, the fonts, Pillow and its layout engine."""
    digest = hashlib.sha256(f"{PIL.__version__} {RTL_SHAPED}".encode())
    for path in [Path(__file__), *sorted(FONTS.glob("*.ttf"))]:
        digest.update(path.read_bytes())
    return digest.digest()


def cached(folder: Path | None, name: str, inputs: object, draw: Callable[[], bytes]) -> bytes:
    """The card `name` from `folder` when it was drawn from the same inputs, else drawn and kept there.

    Drawing a card takes 20 ms or more, so a build keeps each claim's last card and draws again
    only the cards whose claim changed. A card is kept under the digest of what it was drawn
    from (`name`/<digest>.png), written whole to a temporary file and renamed into place, so a
    build killed at any moment, or two builds at once, can never pair a card with other inputs;
    a file that does not end as a PNG does is drawn again. A folder that cannot be read or
    written only costs the time of drawing.
    """
    if folder is None:
        return draw()
    key = hashlib.sha256(_drawing_digest() + repr(inputs).encode("utf-8")).hexdigest()
    kept = folder / name
    path = kept / f"{key}.png"
    try:
        data = path.read_bytes()
        if data.startswith(_PNG_START) and data.endswith(_PNG_END):
            return data
    except OSError:
        pass
    data = draw()
    try:
        kept.mkdir(parents=True, exist_ok=True)
        replace_file(path, data)
        for older in kept.glob("*.png"):  # this claim's earlier cards
            if older != path:
                older.unlink(missing_ok=True)
    except OSError:
        pass
    return data


def prune(folder: Path, names: set[str]) -> None:
    """After a good build: remove from `folder` the kept cards of every name (claim) not in `names`, the
    claims that are no more. A folder that cannot be cleaned only keeps files it no longer needs."""
    try:
        kept = os.listdir(folder)
    except OSError:
        return
    for name in kept:
        if name not in names:
            shutil.rmtree(folder / name, ignore_errors=True)


_PNG_START = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"IEND\xaeB`\x82"
