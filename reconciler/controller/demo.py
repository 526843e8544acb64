"""`reconciler demo`: roll an image out and back on an embedded simulated cluster, narrated."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import git
from rich.console import Console
from rich.rule import Rule

from reconciler.errors import ReconcilerError
from reconciler.report import render_plan, render_status
from reconciler.source import GitSource

from .progress import follow
from .reconcile import Reconciler

if TYPE_CHECKING:
    from reconciler.cluster.port import ClusterPort

EXAMPLE_REPO = Path(__file__).resolve().parents[2] / "example-repo"
DEMO_TIMEOUT = 4 * 3600.0  # cluster time


def run_demo(workdir: Path, cluster: ClusterPort, *, clock: Callable[[], float], sleep: Callable[[float], None],
             describe_node: Callable[[str], str], kubeconfig: Path, console: Console | None = None) -> int:
    console = console or Console(soft_wrap=True)
    say = _narrator(console)
    repo_dir = workdir / "bindings"
    repo = _init_bindings_repo(repo_dir)
    say("1. A bindings repository",
        f"example-repo/ copied into a fresh git repository at {repo_dir} in two commits: the policy, "
        f"then {repo.head.commit.hexsha[:12]}, which binds pool worker to a hotfix image pinned by digest. "
        "Its layering.yaml sets allowEmpty: true so that the revert at the end may remove the last "
        "binding (by default a commit that removes every binding is refused).")
    reconciler = Reconciler(GitSource(str(repo_dir), cache_dir=workdir / "cache"), cluster, None, clock)

    say("2. The plan", "What a pull request comment would show: the MachineConfig to create and the nodes "
        "that will drain and reboot.")
    console.print(render_plan(reconciler.read()[2], "table"), end="", markup=False, highlight=False)

    say("3. Sync and follow the rollout", "The reconciler writes 99-layering-worker; the simulated Machine "
        "Config Operator renders it, then cordons, drains, rebases and reboots each worker in turn. The pool "
        "then bakes (policy bakeTime) before the rollout counts as done.")
    if follow(reconciler, timeout=DEMO_TIMEOUT, sleep=sleep, console=console) != 0:
        return 1
    worker = _first_worker(reconciler)
    _show_node(console, worker, describe_node)

    repo.git.revert("HEAD", no_edit=True)
    say("4. Roll back with a revert commit",
        f"git revert → {repo.head.commit.hexsha[:12]}: the binding is gone, so the reconciler deletes its "
        "MachineConfig and every worker drains and reboots back to the cluster's base image.")
    console.print(render_plan(reconciler.read()[2], "table"), end="", markup=False, highlight=False)
    if follow(reconciler, timeout=DEMO_TIMEOUT, sleep=sleep, console=console) != 0:
        return 1
    _show_node(console, worker, describe_node)

    say("5. Where things are now", "")
    desired, live, _ = reconciler.read()
    console.print(render_status(live, desired, "table"), end="", markup=False, highlight=False)
    console.print(f"\nThe simulated cluster stops with this demo. To keep one running: reconciler sim up "
                  f"(kubeconfig ./sim.kubeconfig), then point kubectl and reconciler at it. "
                  f"This run's kubeconfig was {kubeconfig}.")
    return 0


def _show_node(console: Console, node: str, describe_node: Callable[[str], str]) -> None:
    console.print(f"\n$ rpm-ostree status   # on {node}\n{describe_node(node)}", markup=False, highlight=False)


def _narrator(console: Console) -> Callable[[str, str], None]:
    def say(title: str, text: str) -> None:
        console.print(Rule(title, align="left"))
        if text:
            console.print(text, highlight=False, markup=False)

    return say


def _init_bindings_repo(path: Path) -> git.Repo:
    if not EXAMPLE_REPO.is_dir():
        raise ReconcilerError(f"{EXAMPLE_REPO}: example-repo/ not found (run the demo from a checkout)")
    shutil.copytree(EXAMPLE_REPO, path)
    policy = path / "layering.yaml"
    policy.write_text(policy.read_text().replace("allowEmpty: false", "allowEmpty: true", 1))
    repo = git.Repo.init(path, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "Platform Team")
        config.set_value("user", "email", "platform@example.com")
    repo.git.add("--all", "--", ":!bindings")
    repo.index.commit("Add the layering policy")
    repo.git.add("bindings")
    repo.index.commit("Bind worker to the 4.16 hotfix image")
    return repo


def _first_worker(reconciler: Reconciler) -> str:
    live = reconciler.cluster.read_live(reconciler.clock())
    return next(n.name for n in live.nodes if n.pool == "worker")
