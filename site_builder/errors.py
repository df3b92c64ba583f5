"""The one error type for a contributor's mistakes, and the list that collects them.

Every stage reports into a `Problems` list instead of raising, so that one run shows every
mistake in every file; the command line prints them sorted and turns them into an exit code.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """A mistake in the input, at a place a person can open in an editor."""

    path: str  # relative to the site root, with forward slashes
    line: int  # 1-based; 0 when the whole file is concerned
    col: int  # 1-based; 0 when the whole line is concerned
    message: str  # what is wrong
    hint: str = ""  # how to fix it
    severity: str = "error"  # "error" or "warning"
    detail: str = ""  # further lines (a diff, a "did you mean"), shown indented
    fix: str = ""  # a command that fixes it, without the program's name: "pin 001_70b4227ab82008e2"

    def location(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}"
            if self.col:
                where += f":{self.col}"
        return where

    def full_hint(self, command: Callable[[str], str] = lambda fix: f"factcheck {fix}") -> str:
        """The hint, ending with the fixing command as the user can type it where they are."""
        if not self.fix:
            return self.hint
        return f"{self.hint}: {command(self.fix)}" if self.hint else command(self.fix)

    def text(self, command: Callable[[str], str] = lambda fix: f"factcheck {fix}") -> str:
        full = self.full_hint(command)
        hint = f" ({full})" if full else ""
        first = f"{self.location()}: {self.severity}: {self.message}{hint}"
        if not self.detail:
            return first
        return first + "\n" + "\n".join("    " + line for line in self.detail.splitlines())

    def github(self, command: Callable[[str], str] = lambda fix: f"factcheck {fix}") -> str:
        """A workflow command that GitHub shows as an annotation on the pull request."""
        kind = "error" if self.severity == "error" else "warning"
        props = [f"file={_escape_property(self.path)}"]
        if self.line:
            props.append(f"line={self.line}")
        if self.col:
            props.append(f"col={self.col}")
        full = self.full_hint(command)
        hint = f" ({full})" if full else ""
        body = self.message + hint + (("\n" + self.detail) if self.detail else "")
        return f"::{kind} {','.join(props)}::{_escape_data(body)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


@dataclass
class Problems:
    """Collects problems from every stage; `errors` decides whether the build may go on."""

    items: list[Problem] = field(default_factory=list)

    def add(self, path: str, line: int, col: int, message: str, hint: str = "", *,
            severity: str = "error", detail: str = "", fix: str = "") -> None:
        self.items.append(Problem(path, line, col, message, hint, severity, detail, fix))

    def extend(self, other: Problems) -> None:
        self.items.extend(other.items)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def sorted(self) -> list[Problem]:
        return sorted(set(self.items), key=lambda p: (p.path, p.line, p.col, p.severity, p.message))

    def render(self, fmt: str = "text", command: Callable[[str], str] = lambda fix: f"factcheck {fix}") -> str:
        """The problems as text, GitHub annotations or JSON; `command` spells a fix as the user types it."""
        items = self.sorted()
        if fmt == "github":
            return "\n".join(p.github(command) for p in items)
        if fmt == "json":
            return json.dumps([{**{k: v for k, v in asdict(p).items() if k != "fix"}, "hint": p.full_hint(command)}
                               for p in items], indent=2, ensure_ascii=False)
        return "\n".join(p.text(command) for p in items)


def display_path(root: Path, path: str) -> str:
    """A path as messages show it: relative to the root when inside it, else absolute (the built-in templates)."""
    p = Path(path)
    if not p.is_absolute():
        return path
    try:
        return p.resolve().relative_to(Path(root).resolve()).as_posix()
    except (ValueError, OSError):
        return p.as_posix()


def counted(n: int, noun: str) -> str:
    """'1 claim', '2 claims': a count in words a person would write."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
