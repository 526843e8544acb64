"""Building snapshots of bindings files for the intent tests."""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.model import Snapshot

HOTFIX1 = (
    "quay.io/my-registry/rhcos-hotfix@sha256:8afaccbbe78087b87335a43c082f78d3f663a1865a92ed709154d29d50eb8010"
)
HOTFIX2 = (
    "quay.io/my-registry/rhcos-hotfix@sha256:5ddc31f7c91d7f7eb845343f3c71bec85023eacd34ed6c658f2ba6e68a842edb"
)
RT = "quay.io/my-registry/rhcos-rt@sha256:16622f5d3c00494b99db2347d1840b1cef5c042a353b6cad4763e123b087b94c"

POLICY = """\
apiVersion: layering.gitops.dev/v1alpha1
kind: LayeringPolicy
metadata:
  name: default
spec:
  bakeTime: 10m
  registries: [quay.io/my-registry/]
  windows:
    - name: weeknights
      schedule: "0 22 * * 1-5"
      duration: 6h
      timeZone: Europe/Berlin
"""


def binding(name: str = "worker-hotfix", pool: str = "worker", image: str = HOTFIX1, extra: str = "") -> str:
    return (
        "apiVersion: layering.gitops.dev/v1alpha1\n"
        "kind: PoolImageBinding\n"
        "metadata:\n"
        f"  name: {name}\n"
        "spec:\n"
        f"  pool: {pool}\n"
        f"  osImageURL: {image}\n"
        f"{extra}"
    )


def snapshot(files: Mapping[str, str | bytes], policy: str | None = POLICY) -> Snapshot:
    content = {path: text.encode() if isinstance(text, str) else text for path, text in files.items()}
    if policy is not None:
        content["layering.yaml"] = policy.encode()
    return Snapshot(repo="file:///repo", commit="a" * 40, files=content)
