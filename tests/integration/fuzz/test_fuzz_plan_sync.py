"""Fuzzing the pipeline behind validate: whatever validate accepts, plan and sync never crash, a pass
stays within its time bound, and a binding file renamed out of the loader's sight is refused.

Trees come from sync_fuzz_trees (policy and binding documents with valid-ish values). Sync runs the real
Reconciler over HTTP against one in-process simulated cluster in virtual time, so the examples of a
run are a random sequence of commits on one cluster (rollouts progress between them).
Budget: 30 derandomized examples per property in the suite; `scripts/fuzz` runs a long one.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import Phase, event, example, given, settings
from hypothesis import strategies as st
from sync_fuzz_trees import FUZZ, UNLOADED_SUFFIXES, snapshot, trees
from testkit import HOTFIX1

from mcosim import SimConfig, Simulator
from mcosim.resources import MACHINE_CONFIGS
from reconciler.cluster import Cluster, RequestPolicy
from reconciler.controller.reconcile import Reconciler
from reconciler.errors import Blocked, InvalidInput
from reconciler.intent import check, load_desired
from reconciler.model import LiveState, PoolState, Snapshot
from reconciler.plan import make_plan
from reconciler.rollout import Memory, decide
from reconciler.source import read_directory

FAST = RequestPolicy(connect_timeout=2.0, read_timeout=10.0, read_attempts=2, retry_delay=0.05)
PASS_BOUND = 3.0  # seconds of wall time for validate + load + plan + windows + decide of one tree
SYNC_BOUND = 15.0  # seconds for one real pass over HTTP (reads, memory save, writes)
BASE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "0" * 64


@dataclass
class TreeSource:
    """The Source seam: hands the reconciler whichever tree the example drew."""

    tree: Snapshot

    def snapshot(self, ref: str | None = None) -> Snapshot:
        return self.tree


@dataclass
class FuzzWorld:
    sim: Simulator
    source: TreeSource
    reconciler: Reconciler

    def machine_configs(self) -> dict[str, str]:
        """name -> resourceVersion of every MachineConfig (rendered ones included)."""
        with self.sim.store.lock:
            found = self.sim.store.items(MACHINE_CONFIGS)
        return {o["metadata"]["name"]: o["metadata"]["resourceVersion"] for o in found}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzWorld]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    config = SimConfig(clock="virtual", pools={"canary": 1}, workers=2, masters=1)
    with Simulator(config) as sim:
        cluster = Cluster.connect(str(sim.write_kubeconfig(tmp / "kubeconfig")), policy=FAST)
        source = TreeSource(snapshot({}))
        try:
            yield FuzzWorld(sim, source, Reconciler(source, cluster, clock=sim.clock.now))
        finally:
            cluster.close()
        assert sim.errors == []


def synthetic_lives() -> list[LiveState]:
    """Small clusters beside the sim's: updated pools, a paused and a degraded one, an empty pool."""
    def pool(name: str, roles: tuple[str, ...], count: int, paused: bool = False, degraded: int = 0) -> PoolState:
        return PoolState(name, roles, target_config=f"rendered-{name}-a", current_config=f"rendered-{name}-a",
                         target_image=BASE, current_image=BASE, machine_count=count, updated_count=count,
                         ready_count=count, paused=paused, degraded_count=degraded)  # fmt: skip

    pools = (pool("master", ("master",), 3), pool("worker", ("worker",), 3), pool("canary", ("worker", "canary"), 1))
    odd = (pool("master", ("master",), 3, paused=True), pool("worker", ("worker",), 0),
           pool("infra", ("worker", "infra"), 2, degraded=1))  # fmt: skip
    return [LiveState(BASE, "4.16.3", (), pools), LiveState(BASE, "4.16.3", (), odd), LiveState(BASE, "", (), ())]


MASTER_TREE = snapshot({"bindings/m.yaml": (
    b"apiVersion: layering.gitops.dev/v1alpha1\nkind: PoolImageBinding\nmetadata: {name: m}\n"
    b"spec: {pool: master, osImageURL: '" + HOTFIX1.encode() + b"'}\n")})  # fmt: skip
EMPTY_POLICY_TREE = snapshot({"layering.yaml": (
    b"apiVersion: layering.gitops.dev/v1alpha1\nkind: LayeringPolicy\nmetadata: {name: d}\n"
    b"spec: {allowEmpty: true}\n")})  # fmt: skip


# ---- if validate accepts a tree, plan and sync never crash -------------------------------------
@FUZZ
@given(tree=trees(), advance=st.sampled_from((0.0, 60.0, 600.0, 3600.0)))
@example(tree=MASTER_TREE, advance=600.0)
@example(tree=EMPTY_POLICY_TREE, advance=0.0)
@example(tree=snapshot({}), advance=60.0)
def test_accepted_trees_plan_and_sync_without_crashing(world: FuzzWorld, tree: Snapshot, advance: float) -> None:
    if check(tree):
        event("refused by validate")
        return
    desired = load_desired(tree)
    now = world.sim.clock.now()
    windows = Reconciler.windows(desired, now)
    for live in synthetic_lives():
        decide(make_plan(desired, live), desired, live, Memory(), windows, now)
    world.source.tree = tree
    started = time.monotonic()
    try:
        result = world.reconciler.reconcile()
        event(f"synced: {result.decision.summary.split(':')[0]}")
    except Blocked:
        event("synced: blocked by preflight")
    assert time.monotonic() - started < SYNC_BOUND
    world.sim.advance(advance)


# ---- no accepted tree makes a pass exceed its time bound ----------------------------------------
def timed_pass(tree: Snapshot, now: float) -> float:
    started = time.monotonic()
    if not check(tree):
        desired = load_desired(tree)
        windows = Reconciler.windows(desired, now)
        for live in synthetic_lives():
            decide(make_plan(desired, live), desired, live, Memory(), windows, now)
    return time.monotonic() - started


@FUZZ
@given(tree=trees(), now=st.floats(min_value=1.6e9, max_value=2.2e9))
def test_no_accepted_tree_makes_a_pass_exceed_its_time_bound(tree: Snapshot, now: float) -> None:
    assert timed_pass(tree, now) < PASS_BOUND


def policy_with(field: str) -> Snapshot:
    return snapshot({"layering.yaml": (
        "apiVersion: layering.gitops.dev/v1alpha1\nkind: LayeringPolicy\nmetadata: {name: d}\n"
        f"spec:\n  {field}\n").encode()})  # fmt: skip


INPUT_SIDE = [pytest.mark.timeout(2 * PASS_BOUND)]  # unbounded, it took tens of seconds: stop it early
HOSTILE_DURATIONS = [  # from the hostile-input report of issue 10 (validate accepted them)
    pytest.param(policy_with('windows: [{name: w, schedule: "* * * * *", duration: 99999999999h}]'),
                 id="huge window", marks=INPUT_SIDE),
    pytest.param(policy_with('windows: [{name: w, schedule: "* * * * *", duration: 8760h}]'),
                 id="year-long window", marks=INPUT_SIDE),
    pytest.param(policy_with("bakeTime: 99999999999999h"), id="huge bake"),
    pytest.param(policy_with("stallTimeout: 99999999999999h"), id="huge stall timeout"),
]


@pytest.mark.parametrize("tree", HOSTILE_DURATIONS)
def test_hostile_durations_are_refused_or_fast(tree: Snapshot) -> None:
    started = time.monotonic()
    try:
        took = timed_pass(tree, 1.9e9)
    except InvalidInput:
        took = time.monotonic() - started
    assert took < PASS_BOUND


# ---- a tree that differs from the applied one only in files the loader ignores is refused ------
@st.composite
def renamed_trees(draw: st.DrawFn) -> tuple[Snapshot, Snapshot, str]:
    """(applied tree, the same tree with one binding file renamed out of the loader's sight, new name)."""
    tree = draw(trees(min_bindings=1))
    inputs = sorted(p for p in tree.files if p.startswith("bindings/"))
    old = draw(st.sampled_from(inputs))
    new = old.rsplit(".", 1)[0] + draw(st.sampled_from(UNLOADED_SUFFIXES))
    files = {(new if p == old else p): v for p, v in tree.files.items()}
    return tree, as_read(snapshot(files)), new


def as_read(tree: Snapshot) -> Snapshot:
    """The tree as the reconciler's source reads it from disk: files it does not load become problems."""
    with tempfile.TemporaryDirectory() as checkout:
        for path, content in tree.files.items():
            target = Path(checkout) / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        found = read_directory(Path(checkout))
    return replace(found, repo=tree.repo, commit=tree.commit)


@settings(FUZZ, phases=[Phase.explicit, Phase.generate])  # no shrinking: each step is a real pass
@given(case=renamed_trees())
def test_a_tree_differing_only_in_unloaded_files_is_refused_never_applied(
    world: FuzzWorld, case: tuple[Snapshot, Snapshot, str]
) -> None:
    applied, renamed, new_name = case
    if check(applied):
        event("refused by validate")
        return
    world.source.tree = applied
    with contextlib.suppress(Blocked):
        world.reconciler.reconcile()
    before = world.machine_configs()
    problems = check(renamed)
    assert any(p.startswith(new_name) for p in problems), f"{new_name} is not loaded, yet validate says {problems}"
    world.source.tree = renamed
    with pytest.raises(InvalidInput):
        world.reconciler.reconcile()
    assert world.machine_configs() == before, "a refused tree wrote to the cluster"
