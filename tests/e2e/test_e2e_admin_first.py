"""What an admin hits first when trying the CLI: each surprise found by hand, now a subprocess test."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import Cli, LocalSim, Repo, binding_yaml, bound_repo, policy_yaml
from test_e2e_cli_errors import dead_kubeconfig
from testkit import HOTFIX1

WINDOW_POLICY = """\
apiVersion: layering.gitops.dev/v1alpha1
kind: LayeringPolicy
metadata:
  name: default
  labels: {team: platform}
  annotations:
    notes.example.com/why: |
      Two lines of notes
      that other tools read.
spec:
  bakeTime: {bake}
  stallTimeout: 1.5h
  windows:
    - name: weeknights
      schedule: "{schedule}"
      duration: {duration}
"""


def window_policy(bake: str = "1h30m", schedule: str = "0 22 * * 1-5", duration: str = "90m") -> str:
    return WINDOW_POLICY.replace("{bake}", bake).replace("{schedule}", schedule).replace("{duration}", duration)


def cluster(local_sim: LocalSim) -> tuple[str, str]:
    return ("--kubeconfig", str(local_sim.kubeconfig))


# ---- validate: what it found, and paths that hold no repository ---------------------------------------
def test_validate_says_what_it_found(cli: Cli, tmp_path: Path) -> None:
    repo = bound_repo(cli, tmp_path / "bindings-repo")
    result = cli("validate", str(repo.path))
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"{repo.path}: valid: 1 binding in 1 file, policy from layering.yaml\n"
    (repo.path / "layering.yaml").unlink()
    repo.write("bindings/more.yaml", binding_yaml("infra", "infra", HOTFIX1) + "---\n"
               + binding_yaml("canary", "canary", HOTFIX1))
    result = cli("validate", str(repo.path))
    assert result.stderr == f"{repo.path}: valid: 3 bindings in 2 files, default policy\n"


def test_validate_refuses_paths_that_hold_no_bindings_repository(cli: Cli, tmp_path: Path) -> None:
    bound_repo(cli, tmp_path / "bindings-repo")
    (tmp_path / "empty").mkdir()
    cases = {
        "empty": "empty: not a bindings repository: no layering.yaml and no bindings/ directory here",
        "bindings-repo/bindings": "bindings-repo/bindings: this is the bindings/ directory itself; "
        "run `reconciler validate bindings-repo` on the repository that holds it",
        "bindings-repo/bindings/worker.yaml": "bindings-repo/bindings/worker.yaml: is a file; validate takes the "
        "repository directory (holding layering.yaml and bindings/); run `reconciler validate bindings-repo`",
    }
    for path, message in cases.items():
        result = cli("validate", path)
        assert (result.returncode, result.stderr) == (1, message + "\n"), path


def test_validate_in_the_bindings_directory_points_to_its_parent(cli: Cli, tmp_path: Path) -> None:
    repo = bound_repo(cli, tmp_path / "bindings-repo")
    result = Cli(tmp_path / "home", repo.path / "bindings")("validate")
    assert result.returncode == 1
    assert "this is the bindings/ directory itself; run `reconciler validate ..`" in result.stderr


# ---- plan on a working tree with uncommitted edits ------------------------------------------------------
def test_plan_of_a_dirty_working_tree_names_the_commit_it_planned(
    cli: Cli, local_sim: LocalSim, tmp_path: Path
) -> None:
    repo = bound_repo(cli, tmp_path / "bindings-repo")
    clean = cli("plan", "--repo", str(repo.path), *cluster(local_sim))
    assert clean.returncode == 2 and "uncommitted" not in clean.stderr
    repo.write("bindings/worker.yaml", binding_yaml("worker-hotfix", "infra", HOTFIX1))
    dirty = cli("plan", "--repo", str(repo.path), *cluster(local_sim))
    assert dirty.returncode == 2, dirty.stderr
    warnings = [line for line in dirty.stderr.splitlines() if "uncommitted" in line]
    assert len(warnings) == 1 and repo.head()[:12] in warnings[0] and "WARNING" in warnings[0]


# ---- the cluster, durations, help ------------------------------------------------------------------------
def test_an_unreachable_api_server_is_named(cli: Cli, tmp_path: Path) -> None:
    repo = bound_repo(cli, tmp_path / "bindings-repo")
    kubeconfig = dead_kubeconfig(tmp_path)
    server = kubeconfig.read_text().split('"server": "')[1].split('"')[0]
    result = cli("plan", "--repo", str(repo.path), "--kubeconfig", str(kubeconfig), timeout=60)
    assert result.returncode == 1
    assert f"cannot reach the API server at {server}: connection failed" in result.stderr


@pytest.mark.parametrize("flag", [("sync", "--wait", "--timeout"), ("run", "--interval")])
def test_duration_flag_errors_show_valid_examples(cli: Cli, flag: tuple[str, ...]) -> None:
    result = cli(*flag[:1], "--repo", ".", "--sim", *flag[1:], "10 minutes", timeout=30)
    assert result.returncode == 1
    assert "'10 minutes' is not a duration; write e.g. 90, 90s, 10m, 1h30m, 1.5h, 1d, 0" in result.stderr


def test_duration_flags_take_go_forms_and_bare_seconds(cli: Cli, tmp_path: Path) -> None:
    repo = bound_repo(cli, tmp_path / "bindings-repo")
    kubeconfig = str(dead_kubeconfig(tmp_path))
    result = cli("sync", "--repo", str(repo.path), "--kubeconfig", kubeconfig, "--wait", "--timeout", "0",
                 timeout=60)
    assert result.returncode == 1 and "cannot reach the API server" in result.stderr  # 0 was accepted
    too_long = cli("run", "--repo", ".", "--sim", "--interval", "31d", timeout=30)
    assert too_long.returncode == 1 and "argument --interval: 31d: must be at most 30d" in too_long.stderr


def test_status_refuses_image_check_flags_it_would_ignore(cli: Cli) -> None:
    result = cli("status", "--sim", "--inspect-images", timeout=30)
    assert result.returncode == 1 and "unrecognized arguments: --inspect-images" in result.stderr


@pytest.mark.parametrize("command", ["plan", "sync", "run", "status"])
def test_help_prints_the_cluster_paragraph_once(cli: Cli, command: str) -> None:
    result = cli(command, "--help", timeout=30)
    assert result.returncode == 0
    assert result.stdout.count("CLUSTER:") == 1


def test_status_help_describes_the_command(cli: Cli) -> None:
    result = cli("status", "--help", timeout=30)
    assert "rollout order" in " ".join(result.stdout.split()) and "Read-only" in result.stdout


# ---- what the repository may hold ------------------------------------------------------------------------
def test_kubernetes_labels_and_annotations_and_go_durations_are_accepted(cli: Cli, tmp_path: Path) -> None:
    repo = Repo(cli, tmp_path / "bindings-repo")
    repo.write("layering.yaml", window_policy())
    labelled = binding_yaml("worker-hotfix", "worker", HOTFIX1).replace(
        "metadata:\n", "metadata:\n  labels:\n    app.kubernetes.io/part-of: fleet\n"
        "  annotations:\n    example.com/owner: team-a\n")
    repo.write("bindings/worker.yaml", labelled + "  window: weeknights\n")
    result = cli("validate", str(repo.path))
    assert result.returncode == 0, result.stderr


def test_validate_reports_every_policy_problem_at_once(cli: Cli, tmp_path: Path) -> None:
    repo = Repo(cli, tmp_path / "bindings-repo")
    repo.write("layering.yaml", window_policy(bake="10 minutes", schedule="0 25 * * 1-5", duration="0s"))
    result = cli("validate", str(repo.path))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert [line.split(": ")[1] for line in lines] == [
        "spec.bakeTime", "spec.windows[0].schedule", "spec.windows[0].duration"
    ], lines


# ---- bounded values, files the loader does not read, one-line errors (issue 10) --------------------------
def test_a_huge_window_duration_is_refused_by_validate_and_plan(
    cli: Cli, local_sim: LocalSim, tmp_path: Path
) -> None:
    repo = bound_repo(cli, tmp_path / "bindings-repo")
    repo.write("layering.yaml", window_policy(duration="99999999999999h"))
    repo.write("bindings/worker.yaml", binding_yaml("worker-hotfix", "worker", HOTFIX1) + "  window: weeknights\n")
    repo.commit("Open a window for ever")
    message = "layering.yaml:16:17: spec.windows[0].duration: must be at most 30d"
    validated = cli("validate", str(repo.path))
    assert validated.returncode == 1 and validated.stderr == message + "\n"
    for command in ("plan", "status"):
        result = cli(command, "--repo", str(repo.path), *cluster(local_sim))
        assert result.returncode == 1 and "Traceback" not in result.stderr, command
        assert message in result.stderr


def test_a_renamed_binding_file_blocks_instead_of_deleting(cli: Cli, local_sim: LocalSim, tmp_path: Path) -> None:
    repo = bound_repo(cli, tmp_path / "bindings-repo")
    synced = cli("sync", "--repo", str(repo.path), *cluster(local_sim))
    assert synced.returncode == 0, synced.stderr
    assert local_sim.mc("99-layering-worker") is not None
    (repo.path / "bindings/worker.yaml").rename(repo.path / "bindings/worker.yml.bak")
    repo.commit("Park the worker binding")
    message = ("bindings/worker.yml.bak: not read: only *.yaml and *.yml files under bindings/ hold bindings; "
               "rename it or move it out of bindings/")
    assert cli("validate", str(repo.path)).stderr == message + "\n"
    for command in ("plan", "sync"):
        result = cli(command, "--repo", str(repo.path), *cluster(local_sim))
        assert result.returncode == 1 and message in result.stderr, command
    assert local_sim.mc("99-layering-worker") is not None  # nothing was deleted


def test_an_embedded_newline_is_quoted_on_one_line(cli: Cli, tmp_path: Path) -> None:
    repo = Repo(cli, tmp_path / "bindings-repo")
    repo.write("layering.yaml", policy_yaml())
    repo.write("bindings/worker.yaml", binding_yaml("worker-hotfix", '"worker\\n\\u001b[2Jx"', HOTFIX1))
    result = cli("validate", str(repo.path))
    assert result.returncode == 1
    assert result.stderr.count("\n") == len(result.stderr.splitlines())  # one problem per line
    assert "\x1b" not in result.stderr
    assert ("bindings/worker.yaml:6:9: spec.pool: 'worker\\n\\x1b[2Jx' holds a line break or another control "
            "character; write it on one line") in result.stderr.splitlines()
