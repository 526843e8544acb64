"""A cluster upgrade as the MCO sees it: new base image in the ConfigMap, templates re-written.

Pools without an osImageURL override re-render onto the new base and roll; pools whose MCs
override osImageURL keep their custom image (the nodes stay on the old OS underneath).
"""

from __future__ import annotations

from .bootstrap import release_image
from .clock import rfc3339
from .mco import constants as c
from .registry import Registry, Release
from .resources import CLUSTER_VERSIONS, CONFIGMAPS, MACHINE_CONFIGS
from .store import Obj, Store


def upgrade_cluster(store: Store, registry: Registry, release: Release) -> None:
    del registry  # the release already carries its images
    now = rfc3339(store.clock.now())

    def set_images(cm: Obj) -> None:
        cm["data"].update(
            releaseVersion=release.version,
            baseOSContainerImage=release.base.ref,
            baseOSExtensionsContainerImage=release.extensions.ref,
        )

    store.modify(CONFIGMAPS, c.OSIMAGEURL_CONFIGMAP, set_images, namespace=c.MCO_NAMESPACE)
    for mc in store.items(MACHINE_CONFIGS):
        annotations = mc["metadata"].get("annotations") or {}
        if mc["metadata"]["name"].startswith("00-") and c.GENERATED_BY in annotations:
            store.modify(MACHINE_CONFIGS, mc["metadata"]["name"], lambda m: _retemplate(m, release))

    def record(cv: Obj) -> None:
        status = cv.setdefault("status", {})
        status["desired"] = {"version": release.version, "image": release_image(release.version)}
        history = status.setdefault("history", [])
        history.insert(
            0,
            {
                "state": "Completed",
                "version": release.version,
                "image": release_image(release.version),
                "startedTime": now,
                "completionTime": now,
                "verified": True,
            },
        )
        for cond in status.get("conditions") or []:
            if cond.get("type") == "Available":
                cond["message"] = f"Done applying {release.version}"
            if cond.get("type") == "Progressing":
                cond["message"] = f"Cluster version is {release.version}"
                cond["lastTransitionTime"] = now
        cv["spec"]["desiredUpdate"] = {"version": release.version, "image": release_image(release.version)}

    store.modify(CLUSTER_VERSIONS, "version", record)


def _retemplate(mc: Obj, release: Release) -> None:
    mc["spec"]["osImageURL"] = release.base.ref
    if "baseOSExtensionsContainerImage" in mc["spec"]:
        mc["spec"]["baseOSExtensionsContainerImage"] = release.extensions.ref
