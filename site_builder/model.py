"""The plain data that stages hand to each other once the input has been checked."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


def _hashed_once(cls: type[T]) -> type[T]:
    """A frozen dataclass whose hash is worked out once for each object, then kept with it: the build
    cache's keys hash a claim once for every page that lists it. The kept hash is never pickled,
    since a string's hash differs from one process to the next."""
    computed = cls.__hash__

    def __hash__(self: Any) -> int:
        try:
            return self.__dict__["_hash"]
        except KeyError:
            value = computed(self)
            object.__setattr__(self, "_hash", value)
            return value

    def __getstate__(self: Any) -> dict[str, Any]:
        return {name: value for name, value in self.__dict__.items() if name != "_hash"}

    cls.__hash__ = __hash__  # type: ignore[method-assign,assignment]
    cls.__getstate__ = __getstate__  # type: ignore[method-assign]
    return cls


@dataclass(frozen=True)
class Site:
    title: str
    description: str
    base_url: str
    language: str
    organisation_name: str
    organisation_url: str
    default_author: str
    contact: str = ""
    feed_entries: int = 50  # the newest claims feed.xml lists
    host_robots_txt: bool = False  # under a path: the host root's robots.txt is taken care of


@dataclass(frozen=True)
class Verdict:
    key: str
    label: str
    description: str
    colour: str
    rating: int | None  # ClaimReview ratingValue; None for verdicts off the scale


@dataclass(frozen=True)
class Residue:
    """Lines of a seed (1-based, inclusive) that are scraping residue, or one text within a line."""

    first_line: int
    last_line: int
    reason: str
    text: str = ""


@_hashed_once
@dataclass(frozen=True)
class Source:
    id: str
    path: str  # the seed file, relative to the root
    text: str
    label: str
    language: str
    sha256: str
    title: str = ""
    outlet: str = ""
    author: str = ""
    url: str = ""
    published: str = ""
    inferred: frozenset[str] = frozenset()  # names of fields read off the text, not given
    notes: str = ""
    residue: tuple[Residue, ...] = ()
    derived_from: str = ""  # the id of the seed this text copies or rewrites; not an independent witness
    extracted: frozenset[str] = frozenset()  # names of fields a program read off the page (add source)
    retrieved: str = ""  # when the page or file was taken


@dataclass(frozen=True)
class Excerpt:
    number: int  # 1-based position in the claim's evidence list
    source: str
    quote: str
    stance: str  # supports | refutes | context
    id: str = ""
    note: str = ""
    prefix: str = ""
    occurrence: int = 0
    line: int = 0  # where the quote stands in the claim file, for error messages
    col: int = 0


@dataclass(frozen=True)
class Claimant:
    """Who made a claim: a person or an organisation, as the claim file describes them."""

    name: str
    kind: str  # person | organisation
    role: str = ""  # a person's role (spokesperson), or what an organisation is
    url: str = ""
    slug: str = ""  # claimants/<slug>/: the same name gives the same slug in every claim
    affiliation: str = ""  # the organisation a person speaks for

    @property
    def schema_type(self) -> str:
        return "Person" if self.kind == "person" else "Organization"


@dataclass(frozen=True)
class Appearance:
    """Where a claim was made: a seed (with the words that make the claim, when given) or an
    outside page. ClaimReview's appearance and firstAppearance come from these alone."""

    number: int  # numbered after the claim's excerpts, so that a quote's anchor has its own key
    source: str = ""  # a seed id; or
    url: str = ""  # an outside page
    date: str = ""  # as the claim file gives it; a seed's own date is in its Source
    title: str = ""
    quote: str = ""
    prefix: str = ""
    occurrence: int = 0
    line: int = 0
    col: int = 0


@dataclass(frozen=True)
class Witness:
    """The words of a seed that report an event, anchored like an excerpt."""

    number: int  # 1-based, counted over every event's evidence, so that each quote's anchor has its own key
    source: str
    quote: str
    prefix: str = ""
    occurrence: int = 0
    line: int = 0  # where the quote stands in events.yaml, for error messages
    col: int = 0


@dataclass(frozen=True)
class Event:
    """Something the reports say happened (content/events.yaml), on the timeline's date axis."""

    number: int  # 1-based position in events.yaml
    date: str
    event: str
    evidence: tuple[Witness, ...]
    date_note: str = ""


@dataclass(frozen=True)
class Comparison:
    speaker: str
    earlier: str  # excerpt ids
    later: str
    note: str = ""


@dataclass(frozen=True)
class Correction:
    date: str
    text: str


@_hashed_once
@dataclass(frozen=True)
class Claim:
    id: str
    path: str
    claim: str
    claimants: tuple[Claimant, ...]
    claim_date: str
    verdict: str
    summary: str
    published: str
    evidence: tuple[Excerpt, ...]
    analysis: str = ""
    comparisons: tuple[Comparison, ...] = ()
    tags: tuple[str, ...] = ()
    updated: str = ""
    author: str = ""
    corrections: tuple[Correction, ...] = ()  # newest first
    short_claim: str = ""
    line: int = 0  # where the claim text stands in its file, for messages about it
    appearances: tuple[Appearance, ...] = ()

    @property
    def claimant_names(self) -> str:
        """The claimants' names in one phrase: "A", "A and B", "A, B and C"."""
        names = [c.name for c in self.claimants]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    @property
    def quoted(self) -> tuple[Excerpt | Appearance, ...]:
        """Every quote of the claim that is anchored in a seed: the excerpts, then the appearances'."""
        return self.evidence + tuple(a for a in self.appearances if a.quote)

    @property
    def reviewed(self) -> str:
        """The claim as ClaimReview's claimReviewed and the lists give it."""
        return self.short_claim or self.claim

    @property
    def last_modified(self) -> str:
        dates = [self.published, self.updated] + [c.date for c in self.corrections]
        return max(d for d in dates if d)


@dataclass(frozen=True)
class ContentPage:
    slug: str
    path: str
    title: str
    body: str
    nav: int = 0  # order in the footer menu; 0 keeps it out of the menu


@dataclass
class Model:
    """The whole site, checked: what the anchor and render stages work from."""

    site: Site
    verdicts: list[Verdict]
    sources: dict[str, Source]
    claims: list[Claim]  # newest first, then by id
    pages: list[ContentPage] = field(default_factory=list)
    events: tuple[Event, ...] = ()  # by date, then as events.yaml lists them

    def verdict(self, key: str) -> Verdict:
        return next(v for v in self.verdicts if v.key == key)
