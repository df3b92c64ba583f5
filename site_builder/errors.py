"""The one error type for a contributor's mistakes, and the list that collects them.

Every stage reports into a `Problems` list instead of raising, so that one run shows every
mistake in every file; the command line prints them sorted and turns them into an exit code.
"""
from __future__ import annotations

import errno
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path


def factcheck_command(fix: str) -> str:
    """A fixing command as the installed program runs it: "factcheck pin ..."."""
    return f"factcheck {fix}"


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

    def full_hint(self, command: Callable[[str], str] = factcheck_command) -> str:
        """The hint, ending with the fixing command as the user can type it where they are."""
        if not self.fix:
            return self.hint
        return f"{self.hint}: {command(self.fix)}" if self.hint else command(self.fix)

    def text(self, command: Callable[[str], str] = factcheck_command) -> str:
        """One line, then the detail's lines indented; text from files cannot start a line of its own."""
        full = self.full_hint(command)
        hint = f" ({full})" if full else ""
        first = visible(f"{self.location()}: {self.severity}: {self.message}{hint}")
        if not self.detail:
            return first
        return first + "\n" + "\n".join("    " + visible(line) for line in self.detail.split("\n"))

    def github(self, command: Callable[[str], str] = factcheck_command) -> str:
        """A workflow command that GitHub shows as an annotation on the pull request."""
        kind = "error" if self.severity == "error" else "warning"
        props = [f"file={_escape_property(visible(self.path))}"]
        if self.line:
            props.append(f"line={self.line}")
        if self.col:
            props.append(f"col={self.col}")
        full = self.full_hint(command)
        hint = f" ({full})" if full else ""
        body = visible(self.message + hint) + "".join("\n" + visible(line) for line in self.detail.split("\n") if self.detail)
        return f"::{kind} {','.join(props)}::{_escape_data(body)}"


# What a terminal or a CI log would act on rather than show: control characters (escape
# sequences, carriage returns, line breaks of every kind) and the bidirectional overrides that
# make a line read differently from what it holds.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """The text with every character a terminal would act on written as an escape (\\x1b, \\n)."""
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


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

    def render(self, fmt: str = "text", command: Callable[[str], str] = factcheck_command) -> str:
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


_OS_HINTS = {
    errno.EROFS: "the disk is read-only; build into a folder on a writable disk with --out",
    errno.ENOSPC: "the disk is full; free some space and build again",
    errno.EDQUOT: "the disk quota is used up; free some space and build again",
    errno.EACCES: "you may not use it; change its permissions, or use another folder",
    errno.EPERM: "you may not use it; change its permissions, or use another folder",
    errno.ELOOP: "symbolic links point to each other in a loop; replace them with real files or folders",
    errno.ENAMETOOLONG: "the path is too long for the file system; use a shorter one",
    errno.EMFILE: "too many files are open; close some programs and build again",
}


def os_problem(exc: OSError, root: Path | None = None) -> tuple[str, str, str]:
    """An operating system's failure as (path, what happened, what to do)."""
    path = exc.filename if isinstance(exc.filename, str) else ""
    if path and root is not None:
        path = display_path(root, path)
    what = (exc.strerror or str(exc)).lower()
    return path or "(output)", what, _OS_HINTS.get(exc.errno or 0, "check the path and try again")


def counted(n: int, noun: str) -> str:
    """'1 claim', '2 claims': a count in words a person would write."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
