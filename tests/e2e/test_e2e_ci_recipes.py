"""The CI recipes of example-repo/ci/ and the pre-commit hook, run the way CI runs them, against the
simulator: a clone of the bindings repository checked out at the pull request's head, with origin.

Run here: GitHub's Validate and Plan steps (bash -eo pipefail, as Actions runs `run:`), every line of
GitLab's validate and plan jobs (the note is posted to a local stand-in for the GitLab notes API),
and the pre-commit hook's entry. Not run: `pip install` (the project is installed already) and
GitHub's `actions/github-script` step (JavaScript on GitHub's runner).
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from e2e_support import Cli, LocalSim, Repo, binding_yaml, policy_yaml
from ruamel.yaml import YAML
from testkit import HOTFIX1, HOTFIX2, JsonHandler

from reconciler.report.review import MARKER

ROOT = Path(__file__).resolve().parents[2]
RECIPES = ROOT / "example-repo" / "ci"
pytestmark = pytest.mark.slow


def _load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text())


@pytest.fixture
def checkout(cli: Cli, tmp_path: Path) -> tuple[Path, str]:
    """A clone at the head of `feature` (worker's image bumped), whose origin has main and feature."""
    repo = Repo(cli, tmp_path / "bindings")
    repo.write("layering.yaml", policy_yaml())
    repo.write("bindings/worker.yaml", binding_yaml("worker-hotfix", "worker", HOTFIX1))
    repo.commit("Bind worker")
    remote = repo.bare_remote(tmp_path / "remote.git")
    cli.git("checkout", "--quiet", "-b", "feature", cwd=repo.path)
    repo.write("bindings/worker.yaml", binding_yaml("worker-hotfix", "worker", HOTFIX2))
    head = repo.commit("Bump worker")
    cli.git("push", "--quiet", remote, "feature", cwd=repo.path)
    clone = tmp_path / "ci-checkout"
    cli.git("clone", "--quiet", remote, str(clone))
    cli.git("checkout", "--quiet", head, cwd=clone)
    return clone, head


def _bash(cli: Cli, script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    path = f"{Path(sys.executable).parent}:{cli.env['PATH']}"  # `reconciler` on PATH, as pip installs it
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=cwd,
                          env={**cli.env, **env, "PATH": path}, capture_output=True, text=True, timeout=180)


def _assert_review(plan_md: str, local_sim: LocalSim) -> None:
    assert plan_md.splitlines()[0] == MARKER
    assert "| worker | **changed** |" in plan_md and "rhcos-hotfix@sha256:8afacc…8010" in plan_md
    workers = local_sim.sim.nodes_of("worker")
    assert workers and all(f"`{name}`" in plan_md for name in workers)  # the nodes that will reboot


def test_github_actions_validate_and_plan_steps(cli: Cli, local_sim: LocalSim, checkout: tuple[Path, str],
                                                tmp_path: Path) -> None:
    clone, head = checkout
    jobs = _load(RECIPES / "github-actions.yml")["jobs"]
    steps = {step.get("name"): step for job in jobs.values() for step in job["steps"]}
    validated = _bash(cli, steps["Validate"]["run"], clone, {})
    assert validated.returncode == 0, validated.stderr

    output = tmp_path / "github-output"
    env = {"LAYERING_KUBECONFIG": local_sim.kubeconfig.read_text(), "LAYERING_REGISTRY_AUTH": "",
           "BASE_REF": "main", "HEAD_SHA": head, "RUNNER_TEMP": str(tmp_path), "GITHUB_OUTPUT": str(output)}
    planned = _bash(cli, steps["Plan"]["run"], clone, env)
    assert planned.returncode == 0, planned.stderr
    assert output.read_text().strip() == "status=2"  # changes pending, nothing blocking
    _assert_review((clone / "plan.md").read_text(), local_sim)


class _Notes(JsonHandler):
    """GitLab's merge request notes API, as far as the recipe uses it."""

    notes: list[dict[str, Any]] = []
    calls: list[str] = []

    def do_GET(self) -> None:
        self.reply_json(200, self.notes)

    def do_POST(self) -> None:
        note = {"id": len(self.notes) + 1, **self._body()}
        self.notes.append(note)
        self.reply_json(201, note)

    def do_PUT(self) -> None:
        note_id = int(self.path.rsplit("/", 1)[1])
        self.notes[note_id - 1].update(self._body())
        self.reply_json(200, self.notes[note_id - 1])

    def _body(self) -> dict[str, Any]:
        assert self.headers["PRIVATE-TOKEN"] == "bot-token"
        self.calls.append(f"{self.command} {self.path}")
        return dict(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))


@pytest.fixture
def notes_api() -> Iterator[str]:
    _Notes.notes, _Notes.calls = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Notes)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/v4"
    server.shutdown()
    server.server_close()


def test_gitlab_jobs_post_one_sticky_note(cli: Cli, local_sim: LocalSim, checkout: tuple[Path, str],
                                          notes_api: str) -> None:
    clone, head = checkout
    recipe = _load(RECIPES / "gitlab-ci.yml")
    validated = _bash(cli, "\n".join(recipe["layering-validate"]["script"]), clone, {})
    assert validated.returncode == 0, validated.stderr

    env = {"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "CI_COMMIT_SHA": head,
           "LAYERING_READONLY_KUBECONFIG": str(local_sim.kubeconfig), "LAYERING_REGISTRY_AUTH": "",
           "LAYERING_BOT_TOKEN": "bot-token", "CI_API_V4_URL": notes_api, "CI_PROJECT_ID": "7",
           "CI_MERGE_REQUEST_IID": "3"}
    script = "\n".join(recipe["layering-plan"]["script"])
    for _ in range(2):  # a second push updates the same note
        planned = _bash(cli, script, clone, env)
        assert planned.returncode == 0, planned.stderr
    assert _Notes.calls == ["POST /api/v4/projects/7/merge_requests/3/notes",
                            "PUT /api/v4/projects/7/merge_requests/3/notes/1"]
    assert len(_Notes.notes) == 1
    _assert_review(_Notes.notes[0]["body"], local_sim)


def test_pre_commit_hook_validates_the_checkout(cli: Cli, checkout: tuple[Path, str]) -> None:
    clone, _ = checkout
    (hook,) = _load(ROOT / ".pre-commit-hooks.yaml")
    assert hook["id"] == "reconciler-validate" and hook["pass_filenames"] is False
    command = " ".join(shlex.quote(part) for part in shlex.split(hook["entry"]))
    assert _bash(cli, command, clone, {}).returncode == 0
    (clone / "bindings" / "worker.yaml").write_text(binding_yaml("worker-hotfix", "worker", "quay.io/x:latest"))
    broken = _bash(cli, command, clone, {})
    assert broken.returncode == 1 and "bindings/worker.yaml" in broken.stderr
