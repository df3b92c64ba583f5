"""The command line: build, check, serve, new, pin. Thin: each command calls the pipeline.

Exit codes: 0 fine, 1 the content has errors, 2 wrong usage.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import pipeline
from .errors import Problems

PROJECT_DIR = Path(__file__).resolve().parent.parent
EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 too; say what to do
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message} (see --help)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="build.py", description="Build and check a fact-check site from content/ and seeds/.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    build = commands.add_parser("build", help="check the content and write the site")
    build.add_argument("--root", type=Path, default=PROJECT_DIR, help="folder holding content/ and seeds/")
    build.add_argument("--out", type=Path, help="output folder (default: _site/ in the root)")
    build.add_argument("--base-url", help="where the site will be published, overriding content/site.yaml")
    build.add_argument("--no-search", action="store_true", help="skip the search index (pagefind/)")

    check = commands.add_parser("check", help="report every problem in the content, write nothing")
    check.add_argument("--root", type=Path, default=PROJECT_DIR)
    check.add_argument("--format", choices=["text", "github", "json"], default="text")
    check.add_argument("--strict", action="store_true", help="fail on warnings too")
    check.add_argument("--editorial", action="store_true",
                       help="print the editorial report: every claim's verdict and independent sources, and where "
                            "a verdict may not follow the methodology")

    serve = commands.add_parser("serve", help="build, serve on this machine, rebuild and reload on every save")
    serve.add_argument("--root", type=Path, default=PROJECT_DIR)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--open", action="store_true", help="open the site in a browser")

    new = commands.add_parser("new", help="start a new file from a commented skeleton")
    new.add_argument("kind", choices=["claim"])
    new.add_argument("id", help="the claim's id: lower-case words joined by hyphens")
    new.add_argument("--root", type=Path, default=PROJECT_DIR)

    pin = commands.add_parser("pin", help="record a seed's new digest after a deliberate change to its text")
    pin.add_argument("seed", help="the seed's id (its file name without .txt)")
    pin.add_argument("--root", type=Path, default=PROJECT_DIR)
    return parser


def _report(problems: Problems, fmt: str = "text") -> None:
    if problems.items:
        print(problems.render(fmt), file=sys.stderr if fmt == "text" else sys.stdout)


def _summary(problems: Problems) -> str:
    return f"{len(problems.errors)} error(s), {len(problems.warnings)} warning(s)"


def cmd_build(args: argparse.Namespace) -> int:
    root = args.root.resolve()
    out = args.out or root / "_site"
    checked = pipeline.build(root, out, args.base_url, search=not args.no_search)
    _report(checked.problems)
    if not checked.ok:
        print(f"build failed: {_summary(checked.problems)}; {out} was left as it was", file=sys.stderr)
        return EXIT_CONTENT
    if checked.up_to_date:
        print(f"{out} is up to date: nothing changed since the last build")
        return EXIT_OK
    model = checked.model
    print(f"built {len(model.claims)} claims, {len(model.sources)} sources into {out}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    checked = pipeline.check(args.root.resolve())
    if args.editorial and checked.model is not None:
        _editorial_report(checked, args.format)
    else:
        _report(checked.problems, args.format)
        if args.editorial:
            print("no editorial report: the content has errors; fix them first", file=sys.stderr)
    failed = bool(checked.problems.errors) or (args.strict and checked.problems.warnings)
    if args.format == "text":
        verdict = "failed" if failed else "passed"
        print(f"check {verdict}: {_summary(checked.problems)}", file=sys.stderr if failed else sys.stdout)
    return EXIT_CONTENT if failed else EXIT_OK


def _editorial_report(checked: pipeline.Checked, fmt: str) -> None:
    """The editorial report (as JSON with --format json), and the other problems as usual."""
    from .editorial import report, report_data
    assert checked.model is not None
    others = Problems([p for p in checked.problems.items if not p.message.startswith("editorial: ")])
    if fmt == "json":
        print(json.dumps({"editorial": report_data(checked.model, checked.findings),
                          "problems": json.loads(others.render("json"))}, indent=2, ensure_ascii=False))
        return
    print(report(checked.model, checked.findings))
    _report(checked.problems if fmt == "github" else others, fmt)  # annotations for each finding on GitHub


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import serve
    return serve(args.root.resolve(), args.host, args.port, open_browser=args.open)


def cmd_new(args: argparse.Namespace) -> int:
    from .scaffold import new_claim
    return new_claim(args.root.resolve(), args.id)


def cmd_pin(args: argparse.Namespace) -> int:
    from .scaffold import pin_seed
    return pin_seed(args.root.resolve(), args.seed)


COMMANDS = {"build": cmd_build, "check": cmd_check, "serve": cmd_serve, "new": cmd_new, "pin": cmd_pin}


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    if not args.root.is_dir():
        print(f"build.py: error: --root {args.root} is not a folder (give the folder holding content/ and seeds/)",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the output was piped into a command that stopped reading (head)
        sys.stderr.close()
        return EXIT_CONTENT
