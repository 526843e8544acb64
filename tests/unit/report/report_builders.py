"""Plain Plan and LiveState values for report tests."""

from __future__ import annotations

from reconciler.model import (
    Action,
    ActionKind,
    Binding,
    Condition,
    DesiredMachineConfig,
    DesiredState,
    Drift,
    DriftKind,
    Impact,
    LiveState,
    Location,
    MachineConfigInfo,
    NodeState,
    Plan,
    PoolState,
    Problem,
    Severity,
)

BASE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "0" * 64
HOTFIX = "quay.io/my-registry/rhcos-hotfix@sha256:8afacc" + "1" * 54 + "8010"
HOTFIX2 = "quay.io/my-registry/rhcos-hotfix@sha256:9bc" + "2" * 58 + "777"
COMMIT = "3f9c2d1e8b7a" + "0" * 28
REPO = "https://git.example.com/platform/layering.git"
WORKER = Binding("worker-hotfix", "worker", HOTFIX2, stage=1, location=Location("bindings/worker.yaml", 4, 3))
CANARY = Binding("canary-hotfix", "canary", HOTFIX, location=Location("bindings/canary.yaml", 4, 3))


def wanted(binding: Binding) -> DesiredMachineConfig:
    return DesiredMachineConfig(
        name=f"99-layering-{binding.pool}",
        pool=binding.pool,
        os_image_url=binding.os_image_url,
        labels=(("app.kubernetes.io/managed-by", "layering-reconciler"),),
        annotations=(("layering.gitops.dev/binding", binding.name),),
    )


def sample_plan() -> Plan:
    """One of each action kind, a drift, a blocking problem and a warning."""
    actions = (
        Action("canary", ActionKind.CREATE, "99-layering-canary", None, HOTFIX, CANARY, wanted(CANARY),
               impact=Impact(("canary",), 1)),
        Action("infra", ActionKind.DELETE, "99-layering-infra", HOTFIX, None, live_resource_version="12",
               impact=Impact(("infra",), 2)),
        Action("master", ActionKind.UNCHANGED, "99-layering-master", BASE, BASE),
        Action("worker", ActionKind.UPDATE, "99-layering-worker", HOTFIX, HOTFIX2, WORKER, wanted(WORKER),
               live_resource_version="41",
               drift=(Drift(DriftKind.CHANGED, "spec.osImageURL", HOTFIX, HOTFIX2),
                      Drift(DriftKind.ADDED, "spec.kernelType", "realtime")),
               impact=Impact(("worker",), 2)),
    )  # fmt: skip
    problems = (
        Problem(Severity.BLOCKING, "MachineConfigPool/worker", "MachineConfig 99-zz-image | shadows ours"),
        Problem(
            Severity.WARNING, "MachineConfigPool/worker", "MachineConfig 80-ext adds extensions [usbguard]"
        ),
    )
    return Plan(REPO, COMMIT, actions, problems)


def sample_live() -> LiveState:
    pools = (
        PoolState("worker", ("worker",), target_config="rendered-worker-" + "b" * 32,
                  current_config="rendered-worker-" + "a" * 32, target_image=HOTFIX2, current_image=HOTFIX,
                  machine_count=3, updated_count=1, ready_count=2, degraded_count=1,
                  conditions=(Condition("Updated", "False"), Condition("Updating", "True"),
                              Condition("Degraded", "True", "NodeDegraded", "1 node degraded"))),
        PoolState("master", ("master",), target_config="rendered-master-" + "c" * 32,
                  current_config="rendered-master-" + "c" * 32, target_image=BASE, current_image=BASE,
                  machine_count=3, updated_count=3, ready_count=3),
    )  # fmt: skip
    nodes = (
        NodeState("worker-1", "worker", "rendered-worker-a", "rendered-worker-b", "Degraded",
                  "failed to drain node: worker-1 after 1 hour", ready=True, unschedulable=True,
                  phase="draining"),
        NodeState("worker-0", "worker", "rendered-worker-b", "rendered-worker-b", phase="updated"),
    )  # fmt: skip
    ours = MachineConfigInfo(
        "99-layering-worker", "worker", os_image_url=HOTFIX2, managed=True,
        annotations=(("layering.gitops.dev/binding", "worker-hotfix"),
                     ("layering.gitops.dev/source", f"{REPO}@{COMMIT}:bindings/worker.yaml")),
    )  # fmt: skip
    return LiveState(BASE, "4.16.3", (ours,), pools, nodes)


def sample_desired() -> DesiredState:
    return DesiredState(REPO, COMMIT, (WORKER,))
