"""The CI and tooling files: GitHub workflows, pre-commit hooks.

They only run on GitHub or on a contributor's machine, so a typo would go unseen until a
pull request or a deployment fails. These tests validate them offline, with the GitHub
workflow schema that check-jsonschema ships, and check that they run the commands the
project relies on (`check --strict --format github`, pytest, a Pages deployment from main).
"""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from site_builder.cli import make_parser

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
PRE_COMMIT = ROOT / ".pre-commit-config.yaml"
WORKFLOW_FILES = sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def check_jsonschema(*args: str | Path) -> subprocess.CompletedProcess:
    """check-jsonschema from this interpreter's environment; builtin schemas need no network."""
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--color", "never", *map(str, args)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def load_workflow(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as the boolean True.
    if True in data:
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def step_index(all_steps: list[dict], predicate) -> int:
    found = [i for i, step in enumerate(all_steps) if predicate(step)]
    assert found, "no such step"
    return found[0]


def runs(step: dict, *words: str) -> bool:
    return all(word in step.get("run", "") for word in words)


def uses(step: dict, action: str) -> bool:
    return step.get("uses", "").split("@")[0] == action


def build_py_commands(text: str) -> list[list[str]]:
    """Every `python build.py ...` command in a shell script, as argument lists after build.py."""
    out = []
    for line in text.splitlines():
        match = re.search(r"\bbuild\.py\s+(.*)$", line)
        if match:
            out.append(shlex.split(match.group(1)))
    return out


# --- schema validation -----------------------------------------------------------------------

def test_there_are_workflows():
    names = {p.name for p in WORKFLOW_FILES}
    assert {"pr.yml", "deploy.yml"} <= names


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_workflow_matches_github_schema(path: Path):
    result = check_jsonschema("--builtin-schema", "vendor.github-workflows", path)
    assert result.returncode == 0, result.stdout + result.stderr


# --- what the workflows do -------------------------------------------------------------------

def test_pr_workflow_lints_and_checks_content_with_annotations_then_runs_pytest():
    workflow = load_workflow(WORKFLOWS / "pr.yml")
    assert "pull_request" in workflow["on"]
    assert workflow["permissions"] == {"contents": "read"}
    all_steps = steps(workflow)

    assert any(uses(s, "actions/checkout") and s["uses"].endswith("@v4") for s in all_steps)
    setup = all_steps[step_index(all_steps, lambda s: uses(s, "actions/setup-python"))]
    assert setup["uses"].endswith("@v5")
    assert str(setup["with"]["python-version"]) == "3.11"
    assert setup["with"]["cache"] == "pip"

    install = step_index(all_steps, lambda s: runs(s, "pip install -r requirements-dev.txt"))
    lint = step_index(all_steps, lambda s: runs(s, "ruff check", "mypy site_builder"))
    check = step_index(all_steps, lambda s: runs(s, "build.py check", "--strict", "--format github"))
    tools = step_index(all_steps, lambda s: runs(s, "bash .ci/install-test-tools.sh"))
    tests = step_index(all_steps, lambda s: runs(s, "pytest"))
    assert install < lint < tests and install < check < tools < tests
    pytest_step = all_steps[tests]
    assert str(pytest_step.get("env", {}).get("CI", "")).lower() == "true" or "CI=true" in pytest_step["run"]


def test_deploy_workflow_publishes_pages_from_main_only():
    workflow = load_workflow(WORKFLOWS / "deploy.yml")
    on = workflow["on"]
    assert set(on) <= {"push", "workflow_dispatch"}
    assert on["push"]["branches"] == ["main"]
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["concurrency"]["group"] == "pages"

    all_steps = steps(workflow)
    pages = all_steps[step_index(all_steps, lambda s: uses(s, "actions/configure-pages"))]
    assert pages["uses"].endswith("@v5") and pages["id"] == "pages"
    build = all_steps[step_index(all_steps, lambda s: runs(s, "build.py build", "--out _site", "--base-url"))]
    assert "steps.pages.outputs.base_url" in build["run"] + str(build.get("env", {}))
    upload = all_steps[step_index(all_steps, lambda s: uses(s, "actions/upload-pages-artifact"))]
    assert upload["uses"].endswith("@v3") and upload["with"]["path"] == "_site"

    deploy_jobs = [job for job in workflow["jobs"].values()
                   if any(uses(s, "actions/deploy-pages") for s in job.get("steps", []))]
    assert len(deploy_jobs) == 1
    deploy = deploy_jobs[0]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert "steps.deployment.outputs.page_url" in deploy["environment"]["url"]
    assert "refs/heads/main" in deploy.get("if", ""), "a manual run from another branch must not deploy"
    assert any(uses(s, "actions/deploy-pages") and s["uses"].endswith("@v4") and s.get("id") == "deployment"
               for s in deploy["steps"])
    # Only the deploy job may publish or mint an OIDC token.
    for job in workflow["jobs"].values():
        if job is not deploy:
            assert job.get("permissions", {}).get("pages") in (None, "read")
            assert "id-token" not in job.get("permissions", {})


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_workflow_build_py_commands_are_accepted_by_the_cli(path: Path):
    """A renamed flag in cli.py must not leave a workflow calling one that no longer exists."""
    for args in build_py_commands(path.read_text(encoding="utf-8")):
        make_parser().parse_args(args)  # exits 2 on an unknown command or flag


# --- pre-commit ------------------------------------------------------------------------------

def load_pre_commit() -> dict:
    return yaml.safe_load(PRE_COMMIT.read_text(encoding="utf-8"))


def test_pre_commit_local_hook_runs_strict_check_on_content_changes():
    local = [repo for repo in load_pre_commit()["repos"] if repo["repo"] == "local"]
    hooks = {hook["id"]: hook for repo in local for hook in repo["hooks"]}
    hook = hooks["factcheck-check"]
    entry = shlex.split(hook["entry"])
    assert "build.py" in entry, hook["entry"]
    args = entry[entry.index("build.py") + 1:]
    assert args[0] == "check" and "--strict" in args
    make_parser().parse_args(args)
    assert hook["language"] == "system"
    assert hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    assert files.search("content/claims/x.yaml") and files.search("seeds/sources.yaml")
    assert not files.search("site_builder/cli.py") and not files.search("tests/test_workflows.py")


def test_pre_commit_checks_workflows_with_the_pinned_check_jsonschema():
    repos = {repo["repo"]: repo for repo in load_pre_commit()["repos"]}
    repo = repos["https://github.com/python-jsonschema/check-jsonschema"]
    assert "check-github-workflows" in {hook["id"] for hook in repo["hooks"]}
    # One version for the hook and for the tests.
    pinned = re.search(r"^check-jsonschema==(\S+)", (ROOT / "requirements-dev.txt").read_text(), re.M)
    assert pinned, "check-jsonschema is pinned in requirements-dev.txt"
    assert repo["rev"].lstrip("v") == pinned.group(1)


def test_pre_commit_validates_its_config():
    beside_python = Path(sys.executable).parent / "pre-commit"
    exe = str(beside_python) if beside_python.exists() else shutil.which("pre-commit")
    assert exe, "pre-commit is a dev dependency: pip install -r requirements-dev.txt"
    result = subprocess.run([exe, "validate-config", str(PRE_COMMIT)], capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
