"""`init DIR`: a new site that checks and builds at once, for another newsroom's story.

The files come from site_builder/starter/ (a name starting "dot-" becomes a dot file there, so
that packaging keeps it): a default verdict scale, the transparency pages the IFCN
principles expect as drafts whose "TODO:" lines `check` reports, an empty
seeds/sources.yaml, GitHub workflows for checks and deployment, and a README. site.yaml is
written from the options, or from answers at a terminal; without a terminal the defaults
are taken and nothing waits for input.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from .resources import PACKAGE_DIR, builtin, relative

STARTER = PACKAGE_DIR / "starter"
DISTRIBUTION = "factcheck-site-builder"

# (option, site.yaml's word for it, the question asked at a terminal)
FIELDS = [
    ("title", "title", "Site title"),
    ("description", "description", "One sentence on what the site checks"),
    ("base_url", "base_url", "Address where it will be published, ending with /"),
    ("language", "language", "Language of the site (en, fr, pt-BR ...)"),
    ("organisation", "organisation.name", "Publishing organisation"),
    ("organisation_url", "organisation.url", "The organisation's web address"),
    ("contact", "contact", "E-mail or web address for claims and corrections (may be empty)"),
]


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, help="the new site's folder: new, or empty")
    parser.add_argument("--title", help="the site's title (default: from the folder's name)")
    parser.add_argument("--description", help="one sentence on what the site checks (default: from the title)")
    parser.add_argument("--base-url", dest="base_url",
                        help="where the site will be published, ending with / (default: https://example.org/)")
    parser.add_argument("--language", help="the site's language (default: en)")
    parser.add_argument("--organisation", help="the publishing organisation (default: the title)")
    parser.add_argument("--organisation-url", dest="organisation_url",
                        help="the organisation's web address (default: the base URL)")
    parser.add_argument("--contact", help="an e-mail or web address for claims and corrections, shown on every page "
                                          "(default: none)")
    parser.add_argument("--generator", help="what the workflows pip-install to get this generator "
                                             "(default: where this copy was installed from)")
    parser.add_argument("--no-input", action="store_true", help="ask nothing, even at a terminal")


def init_site(args: argparse.Namespace, command: Callable[[str], str]) -> int:
    target: Path = args.dir
    if target.exists() and not target.is_dir():
        print(f"error: {target} is a file (give a new or empty folder)", file=sys.stderr)
        return 2
    if target.is_dir() and any(target.iterdir()):
        print(f"error: {target} is not empty; init never writes among files it did not make "
              f"(give a new folder, such as {target / 'site'})", file=sys.stderr)
        return 2
    values = _answers(args, interactive=sys.stdin.isatty() and not args.no_input)
    problem = _check_values(values)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    generator, known = (args.generator, True) if args.generator else _generator_requirement()
    try:
        target.mkdir(parents=True, exist_ok=True)
        root = target.resolve()
        schema_dir = relative(builtin("schemas"), root / "content")
        words = {"title": values["title"], "organisation": values["organisation"], "schema_dir": schema_dir,
                 "add_source": "factcheck add source https://example.org/news/the-article", "generator": generator}
        for file in sorted(STARTER.rglob("*")):
            if file.is_dir() or "__pycache__" in file.parts:
                continue
            rel = Path(*(part.replace("dot-", ".", 1) if part.startswith("dot-") else part
                         for part in file.relative_to(STARTER).parts))
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(_fill(file.read_text(encoding="utf-8"), words), encoding="utf-8")
        (root / "content" / "site.yaml").write_text(_site_yaml(values, schema_dir), encoding="utf-8")
    except OSError as exc:
        print(f"error: could not write {target}: {exc.strerror or exc} (check the folder's permissions)",
              file=sys.stderr)
        return 1
    here = shlex.quote(os.path.relpath(root))
    print(f"started a site in {here}")
    if not known:
        print("warning: this copy of the generator was not installed from a repository that GitHub can reach, so "
              f"the workflows do not know where to get it: give its address in {Path(here) / 'requirements.txt'}, "
              "or run init with --generator", file=sys.stderr)
    print("next, fill in the 'TODO:' lines of its pages, add a source and write a claim:")
    if root != Path.cwd().resolve():
        print(f"  cd {here}")
    for words_ in ("check", "add source https://example.org/news/the-article", "new claim the-claim-in-a-few-words",
                   "serve"):
        print(f"  {command(words_)}")
    return 0


def _answers(args: argparse.Namespace, interactive: bool) -> dict[str, str]:
    """Each value from its option, else from the question at a terminal, else its default."""
    name = args.dir.resolve().name.replace("-", " ").replace("_", " ").strip()
    values: dict[str, str] = {}
    defaults: dict[str, Callable[[], str]] = {
        "title": lambda: name[:1].upper() + name[1:] if len(name) >= 2 else "Fact-checks",
        "description": lambda: f"{values['title']}: claims checked word for word against their sources.",
        "base_url": lambda: "https://example.org/",
        "language": lambda: "en",
        "organisation": lambda: values["title"],
        "organisation_url": lambda: values["base_url"],
        "contact": lambda: "",
    }
    for option, _key, question in FIELDS:
        given, default = getattr(args, option), defaults[option]()
        if given is None and interactive:
            given = input(f"{question} [{default}]: ").strip() or default
        values[option] = default if given is None else given.strip()
    return values


def _check_values(values: dict[str, str]) -> str:
    if not re.match(r"^https?://[^\s]+/$", values["base_url"]):
        return f"the base URL '{values['base_url']}' should start with https:// and end with / (--base-url)"
    if not re.match(r"^https?://[^\s]+$", values["organisation_url"]):
        return f"the organisation's address '{values['organisation_url']}' should start with https:// (--organisation-url)"
    if not re.match(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", values["language"]):
        return f"'{values['language']}' is not a language code such as en, fr or pt-BR (--language)"
    if len(values["title"]) < 2 or len(values["organisation"]) < 2:
        return "the title and the organisation need at least two characters (--title, --organisation)"
    if len(values["description"]) < 10:
        return "the description needs at least ten characters (--description)"
    return ""


def _site_yaml(values: dict[str, str], schema_dir: str) -> str:
    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML string, safely quoted
    contact = f"contact: {q(values['contact'])}\n" if values["contact"] else \
        "# contact: claims@example.org   # shown in the footer of every page\n"
    return (f"# yaml-language-server: $schema={schema_dir}/site.schema.json\n"
            "#\n# The site's identity. base_url is where the site is published (it must end with /).\n\n"
            f"title: {q(values['title'])}\n"
            f"description: {q(values['description'])}\n"
            f"base_url: {q(values['base_url'])}\n"
            f"language: {q(values['language'])}\n"
            "organisation:\n"
            f"  name: {q(values['organisation'])}\n"
            f"  url: {q(values['organisation_url'])}\n"
            f"default_author: {q(values['organisation'])}\n"
            f"{contact}")


def _fill(text: str, words: dict[str, str]) -> str:
    """Put the site's words in place of {title}, {organisation}...; other braces are left alone."""
    return re.sub(r"\{(\w+)\}", lambda m: words.get(m.group(1), m.group(0)), text)


def _generator_requirement() -> tuple[str, bool]:
    """What `pip install` needs to get this generator again, and whether it is known."""
    try:
        direct = importlib.metadata.distribution(DISTRIBUTION).read_text("direct_url.json")
    except importlib.metadata.PackageNotFoundError:
        direct = None
    if direct:
        info = json.loads(direct)
        vcs = info.get("vcs_info", {})
        if vcs.get("vcs") == "git" and vcs.get("commit_id"):  # a folder on this machine is out of CI's reach
            return f"{DISTRIBUTION} @ git+{info['url']}@{vcs['commit_id']}", not info["url"].startswith("file:")
    checkout = PACKAGE_DIR.parent
    try:
        remote = subprocess.run(["git", "-C", str(checkout), "remote", "get-url", "origin"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
        commit = subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        remote = commit = ""
    if remote.startswith(("https://", "git@", "ssh://")) and commit:
        return f"{DISTRIBUTION} @ git+{remote}@{commit}", True
    return f"{DISTRIBUTION} @ git+https://github.com/OWNER/REPOSITORY   # TODO: where the generator's repository is", False
