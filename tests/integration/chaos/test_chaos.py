"""The chaos run's instruments and a short chaos run (the long one: benchmarks/chaos.py --minutes 30).

The write log must attribute writes (api / mco / a local thread), and each judge must flag what it
exists to flag, or a clean chaos run would prove nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from testkit import HOTFIX1, HOTFIX2

from benchmarks import chaos
from mcosim import SimConfig, Simulator
from mcosim.audit import Write, WriteLog
from mcosim.resources import MACHINE_CONFIGS
from reconciler.cluster import Cluster
from reconciler.model import MANAGED_BY_LABEL, MANAGED_BY_VALUE, ROLE_LABEL, DesiredMachineConfig


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(clock="virtual", pools={"canary": 1}, workers=2, masters=1)) as started:
        yield started


def ours(pool: str, image: str) -> DesiredMachineConfig:
    labels = ((MANAGED_BY_LABEL, MANAGED_BY_VALUE), (ROLE_LABEL, pool))
    return DesiredMachineConfig(f"99-layering-{pool}", pool, image, labels, ())


def test_the_write_log_tells_api_controller_and_local_writes_apart(tmp_path: Path) -> None:
    config = SimConfig(clock="real", speed=600.0, pools={"canary": 1}, workers=2, masters=1)
    with Simulator(config) as sim:  # a real clock: the controllers run in their own thread
        log = WriteLog.attach(sim.store)
        cluster = Cluster.connect(str(sim.write_kubeconfig(tmp_path / "kubeconfig")), policy=chaos.FAST)
        try:
            cluster.create_machine_config(ours("worker", HOTFIX1))
        finally:
            cluster.close()
        deadline = time.monotonic() + 10
        while not any(w.writer == "mco" and w.name.startswith("rendered-") for w in log.since(0)):
            assert time.monotonic() < deadline, "no rendered config within 10 s"
            time.sleep(0.05)
        sim.store.modify(MACHINE_CONFIGS, "00-worker", lambda o: o["metadata"].setdefault("labels", {}).update(x="y"))
    by_writer = {(w.writer, w.kind, w.type) for w in log.writes}
    assert ("api", "MachineConfig", "ADDED") in by_writer
    assert ("mco", "MachineConfig", "ADDED") in by_writer, "the render controller creates a rendered config"
    (local,) = [w for w in log.writes if w.name == "00-worker"]
    assert local.writer == "MainThread" and local.before is not None and local.after is not None
    assert "x" not in local.before["metadata"].get("labels", {}) and local.after["metadata"]["labels"]["x"] == "y"


def write(kind: str, name: str, before: dict[str, object] | None, after: dict[str, object] | None,
          at: float = 0.0, type_: str = "MODIFIED", writer: str = "api") -> Write:  # fmt: skip
    return Write(at, at, 1, type_, kind, "", name, writer, before, after)


def mc(name: str, image: str, owned: bool) -> dict[str, object]:
    labels = {MANAGED_BY_LABEL: MANAGED_BY_VALUE} if owned else {}
    return {"metadata": {"name": name, "labels": labels}, "spec": {"osImageURL": image}}


def test_the_judges_flag_foreign_writes_and_rendered_deletions() -> None:
    figures = chaos.Figures()
    chaos.judge_writes([
        write("MachineConfig", "99-layering-worker", mc("99-layering-worker", HOTFIX1, True),
              mc("99-layering-worker", HOTFIX2, True)),
        write("MachineConfig", "50-theirs", mc("50-theirs", "", False), mc("50-theirs", HOTFIX1, False)),
        write("MachineConfig", "99-layering-canary", mc("99-layering-canary", HOTFIX1, False), None, type_="DELETED"),
        write("MachineConfig", "rendered-worker-1", mc("rendered-worker-1", HOTFIX1, False), None, type_="DELETED"),
        write("MachineConfigPool", "worker", {}, {}),
        write("MachineConfig", "rendered-worker-2", None, mc("rendered-worker-2", HOTFIX1, False), writer="mco"),
    ], figures)  # fmt: skip
    assert figures.foreign_writes == [
        "MODIFIED MachineConfig/50-theirs", "DELETED MachineConfig/99-layering-canary",
        "DELETED MachineConfig/rendered-worker-1", "MODIFIED MachineConfigPool/worker",
    ]  # fmt: skip
    assert figures.rendered_deleted == ["deleted MachineConfig/rendered-worker-1"]
    assert figures.api_writes == 5 and not figures.ok


def test_the_order_judge_flags_a_stage_started_before_the_previous_one_baked(sim: Simulator) -> None:
    intent = {"canary": (HOTFIX1, 0), "worker": (HOTFIX1, 1)}
    canary_write = write("MachineConfig", "99-layering-canary", None, mc("99-layering-canary", HOTFIX1, True),
                         at=10.0, type_="ADDED")  # fmt: skip
    worker_write = write("MachineConfig", "99-layering-worker", None, mc("99-layering-worker", HOTFIX1, True),
                         at=11.0, type_="ADDED")  # fmt: skip
    figures = chaos.Figures()
    chaos.judge_order(sim, [canary_write, worker_write], {}, intent, figures, "early")
    assert figures.order_violations == ["early: worker started before stage-0 canary settled"]


@pytest.mark.slow
def test_a_short_chaos_run_converges_and_breaks_no_invariant() -> None:
    figures = chaos.run(minutes=0.2, seed=7, fault_rate=0.1, speed=600.0, phase_limit=60.0)
    print("\n".join(figures.lines()))
    assert figures.ok, "\n".join(figures.lines())
    assert figures.converged >= 3 and figures.passes["ok"] > 0
    assert figures.api_writes > 0 and figures.rival_passes > 0
