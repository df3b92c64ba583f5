"""A newsroom starting its own site: the package, `init`, the root being where you are, and the
README's walk-through from `pip install` to a built site (bench/walkthrough.py times it).
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from conftest import PROJECT, made_once, run_cli

sys.path.insert(0, str(PROJECT / "bench"))
import walkthrough


def _install(folder: Path) -> None:
    _factcheck, steps = walkthrough.install(folder, own_pip=False)
    for step in steps:
        assert step.code == 0, f"{step.command}: {step.err or step.out}"


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`factcheck` from a wheel of this repository, installed into a fresh virtual environment, once a run."""
    return made_once(tmp_path_factory, "installed", _install) / "venv" / "bin" / "factcheck"


@pytest.mark.slow  # installs the package into a fresh environment
def test_the_installed_command_is_build_py_with_its_templates(installed: Path, tmp_path: Path) -> None:
    version = subprocess.run([installed, "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout == run_cli("--version").out == "factcheck 0.1.0\n"
    for command in ("build", "check", "serve", "new", "pin", "init", "add"):
        ours = subprocess.run([installed, command, "--help"], capture_output=True, text=True).stdout
        theirs = run_cli(command, "--help").out
        def same(text: str, prog: str) -> str:
            return " ".join(text.replace(prog, "PROG").split())  # argparse wraps by the program's length
        assert same(ours, str(installed)) == same(theirs, f"python {PROJECT / 'build.py'}")
    package = installed.parent.parent / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / \
        "site-packages" / "site_builder"
    assert (package / "templates" / "base.html").is_file() and (package / "static" / "style.css").is_file()
    assert (package / "schemas" / "claim.schema.json").is_file()
    # The embedded site, copied away from the repository, built by the installed command.
    root = tmp_path / "iraq"
    shutil.copytree(PROJECT / "content", root / "content")
    shutil.copytree(PROJECT / "seeds", root / "seeds")
    built = subprocess.run([installed, "build", "--no-search"], cwd=root, capture_output=True, text=True)
    assert built.returncode == 0, built.err
    assert (root / "_site" / "claims" / "iraqi-factions-sent-fighters" / "index.html").is_file()
    assert list((root / "_site").rglob("style*.css"))  # the built-in static files, from the package
    # The preview's messages name the command as it was typed.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        served = subprocess.run([installed, "serve", "--port", str(port)], cwd=root, capture_output=True,
                                text=True, timeout=120)
    assert served.returncode == 2
    assert f"\n{installed} serve: error: cannot listen on 127.0.0.1:{port}:" in served.stderr  # as typed


@pytest.mark.slow  # installs the package into a fresh environment
def test_pip_install_from_git_and_init_names_that_commit_for_the_workflows(tmp_path: Path) -> None:
    """`pip install git+URL` (here a file: URL, which pip clones the same way) gives the same command.

    pip clones the repository and builds the package from it; the dependencies, whose installing the
    wheel's test above shows, are this environment's (a .pth file), which saves installing 36 of them again."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    theirs = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    (theirs / "dependencies.pth").write_text("".join(f"{path}\n" for path in sorted(ours)), encoding="utf-8")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT, capture_output=True, text=True).stdout.strip()
    pip = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
                          "--no-deps", f"git+file://{PROJECT}"], capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stderr
    factcheck = venv / "bin" / "factcheck"
    assert subprocess.run([factcheck, "--version"], capture_output=True, text=True).stdout == "factcheck 0.1.0\n"
    result = subprocess.run([factcheck, "init", "s", "--no-input"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    requirement = (tmp_path / "s" / "requirements.txt").read_text(encoding="utf-8")
    assert f"factcheck-site-builder @ git+file://{PROJECT}@{commit}" in requirement
    assert "not installed from a repository that GitHub can reach" in result.stderr  # a folder on this machine: CI cannot reach it
    assert subprocess.run([factcheck, "build", "--no-search"], cwd=tmp_path / "s").returncode == 0


@pytest.mark.slow  # installs the package into a fresh environment
def test_the_readme_walkthrough_from_install_to_a_built_site(installed: Path, tmp_path: Path) -> None:
    with walkthrough.page_server() as url:
        steps = walkthrough.walk(tmp_path, installed, url)
    for step in steps:
        assert step.code == 0, f"{step.name}: {step.command}\n{step.err or step.out}"
    assert [s.name for s in steps] == ["init", "add source", "new claim", "fill in the claim and the pages",
                                       "check", "build"]
    site = tmp_path / "courier-checks" / "_site"
    claim = (site / "claims" / walkthrough.CLAIM_ID / "index.html").read_text(encoding="utf-8")
    assert walkthrough.QUOTE in claim and "Courier Checks" in claim
    assert 'href="mailto:checks@courier.example"' in claim  # the contact, in every page's footer
    assert "https://checks.courier.example/claims/bus-fares-will-not-rise/" in claim  # the base URL given to init
    (source,) = (site / "sources").glob("*/index.html")
    assert "The Riverside Courier" in source.read_text(encoding="utf-8")
    assert (site / "pagefind").is_dir()


def test_init_makes_a_site_that_builds_at_once_and_flags_its_drafts(tmp_path: Path) -> None:
    result = run_cli("init", "new-site", cwd=tmp_path)
    assert result.code == 0, result.err
    root = tmp_path / "new-site"
    site = yaml.safe_load((root / "content" / "site.yaml").read_text(encoding="utf-8"))
    assert site["title"] == "New site" and site["base_url"] == "https://example.org/" and site["language"] == "en"
    assert yaml.safe_load((root / "seeds" / "sources.yaml").read_text(encoding="utf-8")) == {"sources": {}}
    assert (root / "README.md").is_file() and (root / ".gitignore").is_file()
    checked = run_cli("check", cwd=root)
    assert checked.code == 0
    drafts = re.findall(r"^(content/pages/[a-z-]+\.md):\d+:\d+: warning: the page is a draft", checked.err, re.M)
    assert {"content/pages/methodology.md", "content/pages/corrections-policy.md",
            "content/pages/ownership-and-funding.md"} <= set(drafts)
    assert run_cli("check", "--strict", cwd=root).code == 1
    assert run_cli("build", "--no-search", cwd=root).code == 0
    assert (root / "_site" / "methodology" / "index.html").is_file()
    # The hints it printed are commands that work from where the user is.
    assert f"cd {Path('new-site')}" in result.out
    hinted = next(line.strip() for line in result.out.splitlines() if line.strip().endswith(" check"))
    assert subprocess.run(shlex.split(hinted), cwd=root, capture_output=True).returncode == 0


def test_init_workflows_are_valid_github_workflows(tmp_path: Path) -> None:
    assert run_cli("init", str(tmp_path / "s"), cwd=tmp_path).code == 0
    workflows = sorted((tmp_path / "s" / ".github" / "workflows").glob("*.yml"))
    assert [w.name for w in workflows] == ["check.yml", "deploy.yml"]
    proc = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           *map(str, workflows)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    deploy = (tmp_path / "s" / ".github" / "workflows" / "deploy.yml").read_text(encoding="utf-8")
    assert "pip install -r requirements.txt" in deploy and "factcheck check --strict" in deploy
    assert "factcheck build" in deploy and "actions/deploy-pages" in deploy
    requirement = (tmp_path / "s" / "requirements.txt").read_text(encoding="utf-8")
    assert "factcheck-site-builder" in requirement


def test_init_takes_its_flags_and_never_waits_without_a_terminal(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, str(PROJECT / "build.py"), "init", "s", "--title", "Élections 2026",
                             "--language", "fr", "--base-url", "https://verif.example/", "--organisation",
                             "Le Quotidien", "--contact", "https://verif.example/contact"],
                            cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stdin is not None and proc.stderr is not None
    try:
        proc.wait(timeout=60)  # stdin stays open: a prompt would wait here for ever
    finally:
        proc.stdin.close()
    assert proc.returncode == 0, proc.stderr.read()
    site = yaml.safe_load((tmp_path / "s" / "content" / "site.yaml").read_text(encoding="utf-8"))
    assert site["title"] == "Élections 2026" and site["language"] == "fr"
    assert site["organisation"] == {"name": "Le Quotidien", "url": "https://verif.example/"}
    assert site["contact"] == "https://verif.example/contact"


def test_init_asks_at_a_terminal(tmp_path: Path) -> None:
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, str(PROJECT / "build.py"), "init", "s"], cwd=tmp_path,
                            stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    answers = iter(["Fact Desk", "", "https://desk.example/", "de", "Die Zeitung", "", "desk@zeitung.example"])
    seen = b""
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        seen += chunk
        for _ in range(chunk.count(b"]: ")):
            os.write(leader, (next(answers, "") + "\n").encode())
    proc.wait(timeout=10)
    os.close(leader)
    assert proc.returncode == 0, seen.decode(errors="replace")
    site = yaml.safe_load((tmp_path / "s" / "content" / "site.yaml").read_text(encoding="utf-8"))
    assert site["title"] == "Fact Desk" and site["language"] == "de" and site["base_url"] == "https://desk.example/"
    assert site["description"].startswith("Fact Desk") and site["contact"] == "desk@zeitung.example"
    assert site["organisation"] == {"name": "Die Zeitung", "url": "https://desk.example/"}


@pytest.mark.parametrize("given", ["file", "non-empty"])
def test_init_refuses_a_folder_that_holds_something(tmp_path: Path, given: str) -> None:
    target = tmp_path / "busy"
    if given == "file":
        target.write_text("mine", encoding="utf-8")
    else:
        target.mkdir()
        (target / "notes.txt").write_text("mine", encoding="utf-8")
    result = run_cli("init", str(target), cwd=tmp_path)
    assert result.code == 2 and "Traceback" not in result.err and str(target) in result.err
    assert (sorted(p.name for p in target.iterdir()) == ["notes.txt"]) if given != "file" else target.is_file()


def test_without_root_a_folder_that_is_not_a_site_is_refused_with_the_command_that_works(tmp_path: Path) -> None:
    assert run_cli("init", "mysite", cwd=tmp_path).code == 0
    for where in (tmp_path, tmp_path / "mysite" / "content" / "claims"):
        result = run_cli("check", cwd=where)
        assert result.code == 2 and str(where) in result.err and "no content/ folder" in result.err
        assert "check passed" not in result.out + result.err  # the embedded site is not checked instead
        hinted = re.search(r"is a site: (.+)$", result.err, re.M)
        assert hinted, result.err
        again = subprocess.run(shlex.split(hinted.group(1)), cwd=where, capture_output=True, text=True)
        assert again.returncode == 0 and "check passed" in again.stdout, again.stderr
    assert not (tmp_path / "_site").exists() and not (PROJECT / "mysite").exists()


def test_every_command_shows_its_defaults_and_an_example() -> None:
    for command in ("build", "check", "serve", "new", "pin", "init", "add"):
        text = run_cli(command, "--help").out
        assert "examples:" in text and f"build.py {command} " in text.split("examples:")[1], command
        assert "(default:" in text, command
    assert "(default: 8000)" in run_cli("serve", "--help").out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_serve_takes_the_port(tmp_path: Path) -> None:
    port = _free_port()
    # -o: the virtual environment counts as made; this test is about the port, not installing.
    proc = subprocess.Popen(["make", "-o", ".venv/.installed", "serve", f"PORT={port}"], cwd=PROJECT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    assert response.status == 200 and b"<html" in response.read()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read().decode()
                time.sleep(0.5)
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
