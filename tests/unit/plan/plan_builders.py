"""Plain model values for plan tests: a small cluster with worker, master and an infra custom pool."""

from __future__ import annotations

from reconciler.model import (
    ANNOTATION_BINDING,
    ANNOTATION_SOURCE,
    ANNOTATION_STAGE,
    MANAGED_BY_LABEL,
    MANAGED_BY_VALUE,
    ROLE_LABEL,
    Binding,
    DesiredState,
    LiveState,
    Location,
    MachineConfigInfo,
    Policy,
    PoolState,
    mc_name_for_pool,
)

BASE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "0" * 64
HOTFIX = "quay.io/my-registry/rhcos-hotfix@sha256:8afacc" + "1" * 54 + "8010"
HOTFIX2 = "quay.io/my-registry/rhcos-hotfix@sha256:" + "2" * 64
INFRA_IMAGE = "quay.io/my-registry/rhcos-infra@sha256:" + "3" * 64
REPO = "https://git.example.com/platform/layering.git"
COMMIT = "a" * 40


def pool(name: str, count: int = 3, **kw: object) -> PoolState:
    roles = ("worker",) if name == "worker" else ("master",) if name == "master" else ("worker", name)
    fields: dict[str, object] = {
        "roles": roles,
        "machine_count": count,
        "updated_count": count,
        "ready_count": count,
        "target_image": BASE,
        "current_image": BASE,
    }
    fields.update(kw)
    return PoolState(name, **fields)  # type: ignore[arg-type]


def template_mc(role: str) -> MachineConfigInfo:
    """The MCO's template MC: carries the base image (4.20 and earlier) and sorts before ours."""
    return MachineConfigInfo(f"00-{role}", role, os_image_url=BASE, generated_by_controller=True)


def live(*extra: MachineConfigInfo, pools: tuple[PoolState, ...] | None = None, **kw: object) -> LiveState:
    pools = pools if pools is not None else (pool("master"), pool("worker"), pool("infra", 2))
    mcs = (template_mc("master"), template_mc("worker"), *extra)
    return LiveState(BASE, "4.16.3", mcs, pools, **kw)  # type: ignore[arg-type]


def binding(pool_name: str = "worker", image: str = HOTFIX, **kw: object) -> Binding:
    fields: dict[str, object] = {
        "name": f"{pool_name}-hotfix",
        "pool": pool_name,
        "os_image_url": image,
        "location": Location(f"bindings/{pool_name}.yaml", 5, 3),
    }
    fields.update(kw)
    return Binding(**fields)  # type: ignore[arg-type]


def desired(*bindings: Binding, commit: str = COMMIT, allow_empty: bool = False) -> DesiredState:
    return DesiredState(REPO, commit, tuple(bindings), Policy(allow_empty=allow_empty))


def ours(b: Binding, commit: str = COMMIT, rv: str = "41", **kw: object) -> MachineConfigInfo:
    """Our MC exactly as the reconciler would have written it for binding `b` at `commit`."""
    fields: dict[str, object] = {
        "name": mc_name_for_pool(b.pool),
        "role": b.pool,
        "os_image_url": b.os_image_url,
        "managed": True,
        "labels": ((MANAGED_BY_LABEL, MANAGED_BY_VALUE), (ROLE_LABEL, b.pool)),
        "annotations": (
            (ANNOTATION_BINDING, b.name),
            (ANNOTATION_SOURCE, f"{REPO}@{commit}:{b.location.path}"),
            (ANNOTATION_STAGE, str(b.stage)),
        ),
        "resource_version": rv,
    }
    fields.update(kw)
    return MachineConfigInfo(**fields)  # type: ignore[arg-type]
