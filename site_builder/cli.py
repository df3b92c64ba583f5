"""The command line: build, check, serve, new, pin, init, add. Thin: each command calls the pipeline.

`python build.py …` and the installed `factcheck …` are the same command line. Without
`--root`, a command works on the current folder when it holds content/. Every hint it prints
is a command that works where the user is: the program as they called it, with their --root.

Exit codes: 0 fine, 1 the content has errors, 2 wrong usage.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from . import __version__, build_cache, pipeline
from .errors import Problems, counted, os_problem, visible
from .write import OutputRefused

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True)
class Invocation:
    """How the user called us, so that hints can be pasted where they are."""

    program: tuple[str, ...]  # ("factcheck",) or ("python", "build.py"), as typed
    root: str = ""  # --root as typed, when given

    @classmethod
    def current(cls, root: str = "") -> Invocation:
        called = sys.argv[0] if sys.argv and sys.argv[0] else "factcheck"
        if called.endswith(".py"):
            return cls(("python" if shutil.which("python") else "python3", called), root)
        on_path = shutil.which(Path(called).name)
        if on_path and Path(on_path).resolve() == Path(called).resolve():
            return cls((Path(called).name,), root)  # as short as the user can type it
        return cls((called,), root)

    def elsewhere(self) -> Invocation:
        """The same program, callable from another folder (after `cd`): a relative path made absolute."""
        program = tuple(str(Path(w).resolve()) if w.endswith(".py") or os.sep in w else w for w in self.program)
        return Invocation(program, self.root)

    def command(self, words: str) -> str:
        """`words` (a subcommand and its arguments) as a command line the user can paste."""
        root = ["--root", self.root] if self.root else []
        return shlex.join([*self.program, *shlex.split(words), *root])


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 too; say what to do
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message} (see --help)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


class _Help(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults after each option, and the examples kept as written."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or isinstance(action, argparse._VersionAction):
            return action.help  # the help says what happens without the option
        return super()._get_help_string(action)


ROOT_HELP = "the site's folder, holding content/ and seeds/ (default: the current folder, when it holds content/)"


def _command(commands: argparse._SubParsersAction, name: str, help: str, examples: str) -> argparse.ArgumentParser:
    return commands.add_parser(name, help=help, description=help[0].upper() + help[1:] + ".",
                               epilog="examples:\n" + examples.replace("factcheck " + name, "%(prog)s") + "\n",
                               formatter_class=_Help)


def _root_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, default=argparse.SUPPRESS, help=ROOT_HELP)


def make_parser(prog: str = "factcheck") -> argparse.ArgumentParser:
    parser = _Parser(prog=prog, description="Build and check a fact-check site from content/ and seeds/.",
                     epilog="examples:\n  %(prog)s init my-site\n  %(prog)s check\n  %(prog)s COMMAND --help\n",
                     formatter_class=_Help)
    parser.add_argument("--version", action="version", version=f"factcheck {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")

    build = _command(commands, "build", "check the content and write the site",
                     "  factcheck build\n  factcheck build --base-url https://example.org/checks/ --out public")
    _root_option(build)
    build.add_argument("--out", type=Path, help="output folder (default: _site/ in the root)")
    build.add_argument("--base-url", help="where the site will be published, overriding content/site.yaml")
    build.add_argument("--no-search", action="store_true", help="skip the search index (pagefind/)")
    _cache_options(build)

    check = _command(commands, "check", "report every problem in the content, write nothing",
                     "  factcheck check\n  factcheck check --strict --format github   # in CI")
    _root_option(check)
    check.add_argument("--format", choices=["text", "github", "json"], default="text",
                       help="text for people, github for annotations on pull requests, json for tools")
    check.add_argument("--strict", action="store_true", help="fail on warnings too")
    check.add_argument("--editorial", action="store_true",
                       help="print the editorial report: every claim's verdict and independent sources, and where "
                            "a verdict may not follow the methodology")

    serve = _command(commands, "serve", "build, serve on this machine, rebuild and reload on every save",
                     "  factcheck serve\n  factcheck serve --port 8001 --open")
    _root_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="the port to listen on")
    serve.add_argument("--open", action="store_true", help="open the site in a browser")
    _cache_options(serve)

    new = _command(commands, "new", "start a new claim from a commented skeleton",
                   "  factcheck new claim minister-said-prices-fell")
    new.add_argument("kind", choices=["claim"], help="what to start")
    new.add_argument("id", help="the claim's id: lower-case words joined by hyphens")
    _root_option(new)

    pin = _command(commands, "pin", "record a seed's new digest after a deliberate change to its text",
                   "  factcheck pin 001_70b4227ab82008e2")
    pin.add_argument("seed", help="the seed's id (its file name without .txt)")
    _root_option(pin)

    init = _command(commands, "init", "start a new site in an empty folder",
                    "  factcheck init my-site\n"
                    "  factcheck init my-site --title 'Election claims checked' --base-url https://example.org/checks/ \\\n"
                    "      --organisation 'Daily Example' --organisation-url https://example.org/ --contact desk@example.org")
    from .init import add_options as add_init_options
    add_init_options(init)

    add = _command(commands, "add", "add a source: a text file, a saved web page, a PDF, or a web address",
                   "  factcheck add source https://example.org/news/2024/12/02/report\n"
                   "  factcheck add source saved-page.html --url https://example.org/news/report\n"
                   "  factcheck add source statement.pdf --label 'Ministry statement of 2 December'")
    from .add_source import add_options as add_source_options
    add.add_argument("kind", choices=["source"], help="what to add")
    add_source_options(add)
    _root_option(add)
    return parser


def _cache_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cache-dir", type=Path,
                        help="the build cache's folder, shared by build and serve (default: .cache/site-builder/ "
                             "in the root)")
    parser.add_argument("--no-cache", action="store_true",
                        help="a cold build: neither read nor write the build cache")


def _cache(args: argparse.Namespace) -> Path | None:
    return None if args.no_cache else build_cache.folder(args.root, args.cache_dir)


def _report(problems: Problems, invocation: Invocation, fmt: str = "text") -> None:
    if problems.items:
        print(problems.render(fmt, invocation.command), file=sys.stderr if fmt == "text" else sys.stdout)


def _summary(problems: Problems) -> str:
    return f"{counted(len(problems.errors), 'error')}, {counted(len(problems.warnings), 'warning')}"


def cmd_build(args: argparse.Namespace, invocation: Invocation) -> int:
    root = args.root
    out = args.out or root / "_site"
    try:
        checked = pipeline.build(root, out, args.base_url, search=not args.no_search, cache=_cache(args),
                                 waiting=lambda: print(f"waiting: another build is writing to {out} or to the build cache",
                                                       file=sys.stderr))
    except OutputRefused as exc:
        print(f"{' '.join(invocation.program)}: error: {visible(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    _report(checked.problems, invocation)
    if not checked.ok:
        print(f"build failed: {_summary(checked.problems)}; {out} was left as it was", file=sys.stderr)
        return EXIT_CONTENT
    if checked.up_to_date:
        print(f"{out} is up to date: nothing changed since the last build")
        return EXIT_OK
    model = checked.model
    assert model is not None, "a build that did its work has the model"
    print(f"built {counted(len(model.claims), 'claim')}, {counted(len(model.sources), 'source')} into {out}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace, invocation: Invocation) -> int:
    checked = pipeline.check(args.root)
    if args.editorial and checked.model is not None:
        _editorial_report(checked, invocation, args.format)
    else:
        _report(checked.problems, invocation, args.format)
        if args.editorial:
            print("no editorial report: the content has errors; fix them first", file=sys.stderr)
    failed = bool(checked.problems.errors) or (args.strict and checked.problems.warnings)
    if args.format == "text":
        verdict = "failed" if failed else "passed"
        print(f"check {verdict}: {_summary(checked.problems)}", file=sys.stderr if failed else sys.stdout)
    return EXIT_CONTENT if failed else EXIT_OK


def _editorial_report(checked: pipeline.Checked, invocation: Invocation, fmt: str) -> None:
    """The editorial report (as JSON with --format json), and the other problems as usual."""
    from .editorial import report, report_data
    assert checked.model is not None
    others = Problems([p for p in checked.problems.items if not p.message.startswith("editorial: ")])
    if fmt == "json":
        print(json.dumps({"editorial": report_data(checked.model, checked.findings),
                          "problems": json.loads(others.render("json", invocation.command))},
                         indent=2, ensure_ascii=False))
        return
    print(report(checked.model, checked.findings))
    _report(checked.problems if fmt == "github" else others, invocation, fmt)  # annotations for each finding on GitHub


def cmd_serve(args: argparse.Namespace, invocation: Invocation) -> int:
    from .preview import serve
    return serve(args.root, args.host, args.port, open_browser=args.open, cache=_cache(args),
                 program=shlex.join(invocation.program), check_command=invocation.command("check"))


def cmd_new(args: argparse.Namespace, invocation: Invocation) -> int:
    from .scaffold import new_claim
    return new_claim(args.root, args.id, invocation.command)


def cmd_pin(args: argparse.Namespace, invocation: Invocation) -> int:
    from .scaffold import pin_seed
    return pin_seed(args.root, args.seed, invocation.command)


def cmd_init(args: argparse.Namespace, invocation: Invocation) -> int:
    from .init import init_site
    return init_site(args, invocation.elsewhere().command)


def cmd_add(args: argparse.Namespace, invocation: Invocation) -> int:
    from .add_source import add_source
    return add_source(args.root, args, invocation.command)


COMMANDS = {"build": cmd_build, "check": cmd_check, "serve": cmd_serve, "new": cmd_new, "pin": cmd_pin,
            "init": cmd_init, "add": cmd_add}


def find_root(given: Path | None, invocation: Invocation, words: list[str]) -> Path | None:
    """The site's folder: --root when given, else the current folder when it holds content/.

    Never a folder the user did not name: a site found by walking up (or the tool's own
    embedded site) could be checked or overwritten by mistake. When the current folder is not
    a site, the message names where we looked and the command for the site nearest by.
    """
    prog = " ".join(invocation.program)
    if given is not None:
        if not given.is_dir():
            print(f"{prog}: error: --root {given} is not a folder (give the folder holding content/ and seeds/)",
                  file=sys.stderr)
            return None
        return given.resolve()
    here = Path.cwd()
    if (here / "content").is_dir():
        return here
    nearby = [p for p in here.parents if (p / "content" / "site.yaml").is_file()][:1]
    try:
        nearby += sorted(p for p in here.iterdir() if (p / "content" / "site.yaml").is_file())[:3]
    except OSError:
        pass
    print(f"{prog}: error: {here} is not a site's folder: it has no content/ folder "
          "(looked there, in the folders above it and in the folders inside it)", file=sys.stderr)
    for site in nearby:
        root = os.path.relpath(site, here)
        print(f"  {site} is a site: {shlex.join([*invocation.program, *words, '--root', root])}", file=sys.stderr)
    print(f"  to start a new site: {shlex.join([*invocation.program, 'init', 'my-site'])}", file=sys.stderr)
    return None


def main(argv: list[str] | None = None) -> int:
    invocation = Invocation.current()
    words = sys.argv[1:] if argv is None else argv
    args = make_parser(" ".join(invocation.program)).parse_args(words)
    try:
        if args.command != "init":
            given = getattr(args, "root", None)
            invocation = Invocation(invocation.program, "" if given is None else str(given))
            root = find_root(given, invocation, words)
            if root is None:
                return EXIT_USAGE
            args.root = root
        return COMMANDS[args.command](args, invocation)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the output was piped into a command that stopped reading (head)
        sys.stderr.close()
        return EXIT_CONTENT
    except OSError as exc:  # the stages report the failures they expect; this is for the rest
        path, what, fix = os_problem(exc)
        print(f"{visible(path)}: error: {what} ({fix})", file=sys.stderr)
        return EXIT_CONTENT
